"""Type detection by content, ZIP sanity limits, and display names (cleaning, program extensions).
PDF and Office structure checks: test_pdfs.py and test_office.py."""

import io
import zipfile

import pytest

from evidence.filenames import MAX_NAME_LENGTH, clean_filename, executable_extension
from evidence.filetypes import DOCX, JPEG, MP4, PDF, PNG, PPTX, XLSX, UnsupportedContent
from evidence.sniffing import detect_type
from tests.samples import image_bytes, mp4_bytes, ooxml_bytes, pdf_bytes, xlsx_bytes


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (pdf_bytes, PDF),
        (lambda: image_bytes("PNG"), PNG),
        (lambda: image_bytes("JPEG"), JPEG),
        (lambda: ooxml_bytes("docx"), DOCX),
        (xlsx_bytes, XLSX),
        (lambda: ooxml_bytes("pptx"), PPTX),
        (mp4_bytes, MP4),
    ],
    ids=["pdf", "png", "jpeg", "docx", "xlsx", "pptx", "mp4"],
)
def test_every_accepted_type_is_detected_by_content(make, expected):
    fileobj = io.BytesIO(make())
    assert detect_type(fileobj) == expected
    assert fileobj.tell() == 0  # callers go on reading from the start


@pytest.mark.parametrize(
    ("content", "found"),
    [
        (b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 64, "Linux 可执行程序"),
        (b"MZ\x90\x00" + b"\x00" * 64, "Windows 可执行程序"),
        (b"<!DOCTYPE html><html><script>alert(1)</script></html>", "HTML 网页"),
        (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "SVG 矢量图"),
        (b"GIF89a\x01\x00\x01\x00", "GIF 图片"),
        (b"just some text", "未知格式"),
    ],
    ids=["elf", "exe", "html", "svg", "gif", "text"],
)
def test_refused_types_say_what_was_found(content, found):
    with pytest.raises(UnsupportedContent) as exc:
        detect_type(io.BytesIO(content))
    assert found in str(exc.value)
    assert "支持的类型" in str(exc.value)


def test_empty_file_is_refused():
    with pytest.raises(UnsupportedContent, match="0 字节"):
        detect_type(io.BytesIO(b""))


def test_plain_zip_is_not_an_office_document():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("readme.txt", "hello")
    with pytest.raises(UnsupportedContent, match="ZIP 压缩包"):
        detect_type(buf)


def test_heic_is_not_taken_for_a_video():
    heic = (24).to_bytes(4, "big") + b"ftypheic" + b"\x00" * 12
    with pytest.raises(UnsupportedContent, match="HEIC"):
        detect_type(io.BytesIO(heic))


def test_zip_bomb_is_refused_without_decompressing(settings):
    settings.EVIDENCE_ZIP_MAX_UNCOMPRESSED_MB = 5
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", b"\x00" * (20 * 1024 * 1024))  # 20 MB of zeros → ~20 KB
    assert len(buf.getvalue()) < 100_000
    with pytest.raises(UnsupportedContent, match="zip 炸弹"):
        detect_type(buf)


def test_zip_with_too_many_entries_is_refused(settings):
    settings.EVIDENCE_ZIP_MAX_ENTRIES = 50
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        for i in range(60):
            z.writestr(f"word/part{i}.xml", "<x/>")
    with pytest.raises(UnsupportedContent, match="条目过多"):
        detect_type(buf)


def test_encrypted_office_package_is_refused():
    data = bytearray(ooxml_bytes("docx"))
    # Set the "encrypted" general-purpose flag in every local header and central directory entry.
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        start = 0
        while (pos := data.find(signature, start)) != -1:
            data[pos + offset] |= 0x1
            start = pos + 4
    with pytest.raises(UnsupportedContent, match="已加密"):
        detect_type(io.BytesIO(bytes(data)))


@pytest.mark.parametrize(
    ("raw", "expected", "altered"),
    [
        ("自评报告.pdf", "自评报告.pdf", False),
        ("../../etc/passwd.pdf", "passwd.pdf", True),
        ("..\\..\\windows\\win.ini.pdf", "win.ini.pdf", True),
        ("a\x00b\x1fc\x7f.pdf", "abc.pdf", True),
        (".hidden.pdf", "hidden.pdf", True),
        ("evil\u202efdp.exe", "evilfdp.exe.pdf", True),  # right-to-left override removed, real type appended
        ("ＦＵＬＬ　ｗｉｄｔｈ．ＰＤＦ", "FULL width.pdf", False),  # NFKC
        ("report.docx", "report.docx.pdf", False),  # the extension follows the content
        ("", "未命名.pdf", False),
    ],
)
def test_clean_filename(raw, expected, altered):
    clean = clean_filename(raw, PDF)
    assert clean.name == expected
    assert clean.altered is altered


def test_long_names_are_cut_keeping_the_extension():
    clean = clean_filename("很" * 300 + ".jpeg", JPEG)
    assert len(clean.name) == MAX_NAME_LENGTH
    assert clean.name.endswith(".jpeg")


@pytest.mark.parametrize("part", ["word/vbaProject.bin", "xl/vbaProject.bin", "ppt/vbaProject.bin"])
def test_macro_enabled_office_package_is_refused(part):
    """Regression (hostile upload corpus): a docm/xlsm/pptm renamed to .docx was accepted as DOCX."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(part.split("/")[0] + "/document.xml", "<doc/>")
        archive.writestr(part, b"\xd0\xcf\x11\xe0" + b"\x00" * 64)
    with pytest.raises(UnsupportedContent, match="包含宏"):
        detect_type(buf)


@pytest.mark.parametrize(
    ("raw", "extension"),
    [
        ("shell.php.jpg", "php"),
        ("shell.php", "php"),  # sent as a JPEG: it used to be stored as "shell.php.jpg"
        ("a.exe.pdf", "exe"),
        ("报告.html", "html"),
        ("logo.SVG.png", "svg"),
        ("run.sh", "sh"),
        ("x.PhP5.jpg", "php5"),
        ("shell.php;.jpg", "php"),  # the IIS semicolon trick
        ("shell.php .jpg", "php"),
        ("ｓｈｅｌｌ．ｐｈｐ．ｊｐｇ", "php"),  # full-width, NFKC-normalised first
        ("report\u202efdp.exe", "exe"),  # the right-to-left override is removed first
        ("长" * 300 + ".jsp.pdf", "jsp"),  # looked for before the name is shortened
        ("installer.msi.docx", "msi"),
    ],
)
def test_program_and_script_extensions_are_found_anywhere_after_the_stem(raw, extension):
    assert clean_filename(raw, JPEG).executable_extension == extension


@pytest.mark.parametrize(
    "raw",
    [
        "自评报告.pdf",
        "v1.2.3.pdf",
        "www.bjedu.gov.cn.png",
        "www.example.com截图.png",  # a part must be the extension alone, not its first letters
        "www.example.com.png",  # `.com`: left out on purpose (web addresses in screenshot names)
        "php.jpg",  # the stem itself is a name, not an extension
        "JS规范.pdf",
        "2026.js课程表.pdf",
    ],
)
def test_ordinary_names_are_not_taken_for_programs(raw):
    assert executable_extension(clean_filename(raw, PDF).name) == ""
    assert clean_filename(raw, PDF).executable_extension == ""
