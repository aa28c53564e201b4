"""A corpus of hostile uploads against the evidence pipeline (API and HTML upload views).

Each case is either refused with a Chinese message that says why, or accepted *neutralised*: stored
under `evidence/<school>/<uuid>.<ext>` with the extension and content type of what the bytes really
are, a cleaned display name, and served only as one of the accepted types with `nosniff`.
Refused: executables and scripts by content *and* by name (`shell.php` sent as a JPEG, `a.exe.pdf`),
PDFs with JavaScript, launch or automatic actions, XFA or executable attachments, PDFs and Office
packages that do not parse, images above the hard pixel limit.
Decision for polyglots (a real PDF or JPEG with HTML/JS appended): accepted as what the file is and
always served as that type (never text/html), with nosniff — a browser renders it with the PDF
viewer or as an image, never as a page. Images above the preview budget, or whose size cannot be
read, are never served inline: the preview shows a server-made thumbnail.

Afterwards the whole directory around MEDIA_ROOT is walked: nothing may be written outside it.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from evidence.filetypes import FILE_TYPES
from evidence.models import EvidenceFile
from tests import samples

PDF = samples.pdf_bytes()
PNG = samples.image_bytes("PNG")
JPEG = samples.image_bytes("JPEG")
UNREADABLE_PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 40
SERVED_TYPES = {t.content_type for t in FILE_TYPES.values()}
CHINESE = re.compile(r"[\u4e00-\u9fff]")


def ooxml(*parts: tuple[str, bytes], compress=zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=compress) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        for name, data in parts:
            archive.writestr(name, data)
    return buf.getvalue()


def lazy_content(case) -> bytes:
    return {"zip-bomb-docx": zip_bomb, "png-900-megapixels": samples.huge_png}[case.id]()


def zip_bomb() -> bytes:
    """A "docx" whose document part inflates from ~20 KB to 20 MB (ratio ≈ 1000)."""
    return ooxml(("word/document.xml", b"\x00" * (20 * 1024 * 1024)))


@dataclass(frozen=True)
class Case:
    id: str
    name: str
    content: bytes | None  # None: built lazily (the zip bomb, the 900 Mpx PNG)
    content_type: str = "application/octet-stream"
    refused: str | None = None  # a fragment of the Chinese refusal, or None when accepted
    kind: str | None = None  # the detected kind when accepted
    stored_name: str | None = None  # expected display name (cleaned) when accepted


CORPUS = [
    Case(
        "exe-renamed-pdf",
        "报名表.pdf",
        b"MZ\x90\x00\x03" + b"\x00" * 60,
        "application/pdf",
        "Windows 可执行程序",
    ),
    Case("elf-renamed-docx", "tool.docx", b"\x7fELF\x02\x01\x01" + b"\x00" * 60, refused="Linux 可执行程序"),
    Case(
        "html-with-script",
        "说明.pdf",
        b"<!DOCTYPE html><html><script>alert(1)</script>",
        "text/html",
        "HTML 网页",
    ),
    Case("html-after-bom", "a.png", b"\xef\xbb\xbf  \n<html><body onload=alert(1)>", refused="HTML 网页"),
    Case(
        "svg-with-script",
        "图.png",
        b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
        refused="SVG",
    ),
    Case(
        "xml-svg-with-script", "logo.svg", b'<?xml version="1.0"?>\n<svg onload="alert(1)"/>', refused="SVG"
    ),
    Case("zero-bytes", "空.pdf", b"", refused="空文件"),
    Case("gif", "动图.gif", b"GIF89a\x01\x00\x01\x00" + b"\x00" * 20, refused="GIF"),
    Case(
        "legacy-doc", "旧文档.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 60, refused="旧版 Office"
    ),
    Case("rar-archive", "材料.rar", b"Rar!\x1a\x07\x00" + b"\x00" * 30, refused="压缩包"),
    Case("plain-zip-as-docx", "a.docx", ooxml(("readme.txt", b"hi")), refused="ZIP"),
    Case("zip-bomb-docx", "bomb.docx", None, refused="zip 炸弹"),
    Case(
        "macro-docm-as-docx",
        "宏.docx",
        ooxml(("word/document.xml", b"<d/>"), ("word/vbaProject.bin", b"\xd0\xcf")),
        refused="宏",
    ),
    Case("truncated-zip-docx", "半截.docx", ooxml(("word/document.xml", b"<d/>" * 100))[:60], refused="损坏"),
    Case("heic-as-jpg", "photo.jpg", b"\x00\x00\x00\x18ftypheic" + b"\x00" * 40, refused="HEIC"),
    # --- active or broken PDFs ---
    Case(
        "pdf-open-action-js",
        "通知.pdf",
        samples.pdf_with(samples.pdf_open_action_javascript),
        refused="JavaScript",
    ),
    Case("pdf-launch", "通知.pdf", samples.pdf_with(samples.pdf_launch), refused="Launch"),
    Case("pdf-names-js", "通知.pdf", samples.pdf_with(samples.pdf_names_javascript), refused="JavaScript"),
    Case(
        "pdf-page-aa-js", "通知.pdf", samples.pdf_with(samples.pdf_page_aa_javascript), refused="JavaScript"
    ),
    Case("pdf-escaped-js", "通知.pdf", samples.pdf_escaped_javascript(), refused="JavaScript"),
    Case(
        "pdf-open-action-uri", "通知.pdf", samples.pdf_with(samples.pdf_open_action_uri), refused="自动执行"
    ),
    Case("pdf-xfa", "表单.pdf", samples.pdf_with(samples.pdf_xfa), refused="XFA"),
    Case("pdf-attached-exe", "通知.pdf", samples.pdf_with(samples.pdf_attached_exe), refused="可执行程序"),
    Case("truncated-pdf", "截断.pdf", b"%PDF-1.7\n1 0 obj<<", refused="不完整"),
    Case("pdf-cut-in-half", "截断.pdf", samples.pdf_truncated(), refused="不完整"),
    Case("pdf-without-xref", "无索引.pdf", samples.pdf_without_xref(), refused="结构已损坏"),
    Case("pdf-encrypted", "加密.pdf", samples.pdf_encrypted(), refused="已加密"),
    # --- broken Office packages ---
    Case("docx-without-main-part", "方案.docx", samples.ooxml_bytes(main=False), refused="Office 文档已损坏"),
    Case(
        "docx-bad-crc",
        "方案.docx",
        samples.corrupt_member(
            samples.ooxml_bytes(main_xml=b"<r>" + b"<p>x</p>" * 300 + b"</r>"), "word/document.xml"
        ),
        refused="Office 文档已损坏",
    ),
    Case(
        "docm-by-content-type",
        "宏.docx",
        samples.ooxml_bytes(content_type="application/vnd.ms-word.document.macroEnabled.main+xml"),
        refused="宏",
    ),
    # --- names of programs and scripts ---
    Case("shell-php-as-jpeg", "shell.php", JPEG, "image/jpeg", refused="「.php」"),
    Case("shell-php-jpg", "shell.php.jpg", JPEG, "image/jpeg", refused="「.php」"),
    Case("shell-php-semicolon", "shell.php;.jpg", JPEG, refused="「.php」"),
    Case("exe-pdf", "a.exe.pdf", PDF, "application/pdf", refused="「.exe」"),
    Case("html-name-real-pdf", "x.html", PDF, "text/html", refused="「.html」"),
    Case("rtl-override", "report\u202efdp.exe", PDF + b"r", refused="「.exe」"),
    Case("fullwidth-lookalike", "ｒｅｐｏｒｔ．ｅｘｅ", PDF + b"f", refused="「.exe」"),
    # --- images ---
    Case("png-above-hard-limit", "巨图.png", samples.png_header_only(50_000, 40_000), refused="图片尺寸过大"),
    # --- accepted, neutralised ---
    Case(
        "pdf-html-polyglot",
        "报告.pdf",
        PDF + b"<html><script>alert(document.cookie)</script>",
        "text/html",
        kind="pdf",
        stored_name="报告.pdf",
    ),
    Case(
        "jpeg-html-polyglot",
        "照片.jpg",
        JPEG + b"<script>alert(1)</script>",
        kind="jpeg",
        stored_name="照片.jpg",
    ),
    Case("png-900-megapixels", "全景.png", None, "image/png", kind="png", stored_name="全景.png"),
    Case("png-unreadable", "坏图.png", UNREADABLE_PNG, "image/png", kind="png", stored_name="坏图.png"),
    Case("path-traversal", "../../etc/passwd.pdf", PDF, kind="pdf", stored_name="passwd.pdf"),
    Case("windows-traversal", "..\\..\\boot.ini.pdf", PDF + b"w", kind="pdf", stored_name="boot.ini.pdf"),
    Case("control-chars", "a\x1b[31mred\x07.pdf", PDF + b"c", kind="pdf", stored_name="a[31mred.pdf"),
    Case("cyrillic-lookalike", "іnvoice.pdf", PDF + b"i", kind="pdf", stored_name="іnvoice.pdf"),
    Case("dotfile", ".htaccess", PDF + b"h", kind="pdf", stored_name="htaccess.pdf"),
    Case("only-dots", "...", PDF + b"s", kind="pdf", stored_name="未命名.pdf"),
    Case("very-long-name", "长" * 300 + ".pdf", PDF + b"l", kind="pdf", stored_name="长" * 96 + ".pdf"),
    Case("wrong-content-type", "scan.png", PNG, "text/html", kind="png", stored_name="scan.png"),
    Case("png-named-pdf", "报告.pdf", PNG + b"p", "application/pdf", kind="png", stored_name="报告.pdf.png"),
]


@pytest.fixture
def storage(tmp_path, settings):
    """MEDIA_ROOT two levels down, so writes beside or above it are visible to the walk."""
    root = tmp_path / "outer" / "media"
    root.mkdir(parents=True)
    settings.MEDIA_ROOT = str(root)
    return tmp_path


def _upload_api(client, school, case: Case):
    content = lazy_content(case) if case.content is None else case.content
    upload = SimpleUploadedFile(case.name, content, content_type=case.content_type)
    return client.post("/api/evidence/files/", {"school": school.pk, "file": upload})


def _assert_stored_inside(storage: Path, school_pk: int) -> None:
    media = storage / "outer" / "media"
    for path in storage.rglob("*"):
        if path.is_dir():
            continue
        relative = path.relative_to(media)  # raises if written outside MEDIA_ROOT
        assert re.fullmatch(
            rf"evidence/{school_pk}/([0-9a-f]{{32}}\.(pdf|png|jpg|docx|xlsx|pptx|mp4)|thumbnails/[0-9a-f]{{32}}\.jpg)",
            str(relative),
        ), relative


@pytest.mark.parametrize("case", CORPUS, ids=[c.id for c in CORPUS])
def test_hostile_upload_is_refused_or_neutralised(world, client_for, storage, case):
    client = client_for("cio")
    r = _upload_api(client, world.school_a1, case)
    if case.refused:
        assert r.status_code == 400, r.content
        message = r.json()["error"]["message"]
        assert case.refused in message and CHINESE.search(message), message
        assert not EvidenceFile.objects.exists()
    else:
        assert r.status_code == 201, r.content
        stored = EvidenceFile.objects.get()
        assert stored.kind == case.kind
        assert stored.original_name == case.stored_name
        assert stored.content_type == FILE_TYPES[case.kind].content_type
        for query in ("", "?inline=1"):
            served = client.get(reverse("evidence:file-download", args=[stored.pk]) + query)
            assert served.status_code == 200
            assert served["Content-Type"] in SERVED_TYPES
            assert "html" not in served["Content-Type"] and "svg" not in served["Content-Type"]
            assert served["X-Content-Type-Options"] == "nosniff"
            disposition = served["Content-Disposition"]
            assert disposition.startswith("inline" if query and stored.inline_allowed else "attachment")
            assert "/" not in disposition.split("filename*=")[0] and "\x00" not in disposition
    _assert_stored_inside(storage, world.school_a1.pk)


def test_corpus_is_large_enough():
    assert len(CORPUS) >= 50


def test_images_never_inlined_are_previewed_by_thumbnail(world, client_for, storage):
    """The 900 Mpx PNG and the unreadable one: the preview never points at the original."""
    client = client_for("cio")
    for case in (c for c in CORPUS if c.id in ("png-900-megapixels", "png-unreadable")):
        assert _upload_api(client, world.school_a1, case).status_code == 201
    for stored in EvidenceFile.objects.all():
        html = client.get(reverse("evidence:file-preview", args=[stored.pk])).content.decode()
        assert reverse("evidence:file-thumbnail", args=[stored.pk]) in html
        assert reverse("evidence:file-download", args=[stored.pk]) + "?inline=1" not in html
    huge = EvidenceFile.objects.get(original_name="全景.png")
    assert client.get(reverse("evidence:file-thumbnail", args=[huge.pk]))["Content-Type"] == "image/jpeg"
    _assert_stored_inside(storage, world.school_a1.pk)


def test_oversized_file_is_refused_before_it_is_kept(world, client_for, storage, settings):
    settings.EVIDENCE_MAX_UPLOAD_MB = 1
    big = SimpleUploadedFile("大文件.pdf", PDF + b"0" * (1024 * 1024), content_type="application/pdf")
    r = client_for("cio").post("/api/evidence/files/", {"school": world.school_a1.pk, "file": big})
    assert r.status_code == 413 and "超过单个文件 1 MB" in r.json()["error"]["message"]
    assert not EvidenceFile.objects.exists()
    _assert_stored_inside(storage, world.school_a1.pk)


def test_absurd_declared_length_is_refused_without_reading(world, client_for, storage):
    r = client_for("cio").post(
        "/api/evidence/files/",
        {"school": world.school_a1.pk},
        CONTENT_LENGTH=str(10 * 1024**3),
    )
    assert r.status_code == 413 and "上传内容过大" in r.json()["error"]["message"]


def test_duplicate_content_is_stored_once(world, client_for, storage):
    client = client_for("cio")
    first = client.post(
        "/api/evidence/files/", {"school": world.school_a1.pk, "file": SimpleUploadedFile("一.pdf", PDF)}
    )
    second = client.post(
        "/api/evidence/files/", {"school": world.school_a1.pk, "file": SimpleUploadedFile("二.pdf", PDF)}
    )
    assert first.status_code == 201 and second.status_code == 200
    assert second.json()["id"] == first.json()["id"] and second.json()["created"] is False
    assert len([p for p in storage.rglob("*") if p.is_file()]) == 1


def test_html_upload_view_reports_each_refusal_in_chinese(world, client_for, storage):
    """The library page (htmx) reports refused files one by one, and keeps the good one."""
    files = [
        SimpleUploadedFile("病毒.pdf", b"MZ\x90\x00" + b"\x00" * 40),
        SimpleUploadedFile("页面.pdf", b"<html><script>alert(1)</script></html>"),
        SimpleUploadedFile("../../好文件.pdf", PDF),
    ]
    r = client_for("cio").post(
        reverse("evidence:library-upload", args=[world.school_a1.pk]),
        {"files": files},
        HTTP_HX_REQUEST="true",
    )
    page = r.content.decode()
    assert r.status_code == 200
    assert "Windows 可执行程序" in page and "HTML 网页" in page and "好文件.pdf" in page
    assert "<script>alert(1)</script>" not in page  # the refused content is never echoed
    assert list(EvidenceFile.objects.values_list("original_name", flat=True)) == ["好文件.pdf"]
    _assert_stored_inside(storage, world.school_a1.pk)


@pytest.mark.parametrize(
    ("filename", "status"),
    [("证明\x00.pdf", 201), ("evil\x00.html.pdf", 400)],
    ids=["nul", "nul-hiding-html"],
)
def test_nul_in_the_file_name(world, client_for, storage, filename, status):
    """A NUL in the multipart file name never reaches the stored name (or a path), nor hides the
    extension after it."""
    boundary = "XyZ"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="school"\r\n\r\n{world.school_a1.pk}\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
            "Content-Type: application/pdf\r\n\r\n"
        ).encode()
        + PDF
        + f"\r\n--{boundary}--\r\n".encode()
    )
    r = client_for("cio").generic(
        "POST", "/api/evidence/files/", body, content_type=f"multipart/form-data; boundary={boundary}"
    )
    assert r.status_code == status, r.content
    if status == 201:
        name = EvidenceFile.objects.get().original_name
        assert "\x00" not in name and name.endswith(".pdf")
    else:
        message = r.json()["error"]["message"]
        assert "「.html」" in message and "\x00" not in message
        assert not EvidenceFile.objects.exists()
    _assert_stored_inside(storage, world.school_a1.pk)
