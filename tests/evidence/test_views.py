"""The library page, the permission-checked download, and the item page's evidence panel."""

from urllib.parse import quote

import pytest
from django.urls import reverse

from assessments.models import AssessmentStatus
from evidence import services
from evidence.models import EvidenceFile, EvidenceLink, ResponseEvidence
from tests.samples import huge_png, image_bytes, ooxml_bytes, pdf_bytes

from .conftest import stored_files, upload

# Who sees school_a1's evidence (and its assessment's responses): 200, or 404 as if it did not exist.
MATRIX = {
    "cio": 200,
    "other_cio": 404,
    "reviewer": 200,
    "other_reviewer": 404,
    "commission": 200,
    "other_commission": 404,
}


@pytest.fixture
def pdf_file(world, response):
    cio = world.users["cio"]
    f = services.evidence_upload(
        school=world.school_a1, uploaded_file=upload("自评报告.pdf", pdf_bytes()), acting_user=cio
    )
    services.evidence_attach(response=response, evidence_file=f.evidence_file, acting_user=cio)
    return f.evidence_file


def _multipart(files: list[tuple[str, bytes]], boundary: str = "XboundaryX") -> bytes:
    """A multipart body with raw filenames (the test client would strip path components itself)."""
    parts = []
    for name, content in files:
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="{name}"\r\n'
            f"Content-Type: application/octet-stream\r\n\r\n".encode()
            + content
            + b"\r\n"
        )
    return b"".join(parts) + f"--{boundary}--\r\n".encode()


def _post_raw(client, url, files):
    return client.post(url, data=_multipart(files), content_type="multipart/form-data; boundary=XboundaryX")


@pytest.mark.parametrize("role", [*MATRIX, "anonymous"])
@pytest.mark.parametrize("view", ["download", "panel", "history", "library", "preview"])
def test_permission_matrix(client_for, world, response, pdf_file, role, view):
    url = {
        "download": reverse("evidence:file-download", args=[pdf_file.pk]),
        "preview": reverse("evidence:file-preview", args=[pdf_file.pk]),
        "panel": reverse("evidence:response-panel", args=[response.pk]),
        "history": reverse("evidence:response-history", args=[response.pk]),
        "library": reverse("evidence:library", args=[world.school_a1.pk]),
    }[view]
    answer = client_for(role).get(url)
    if role == "anonymous":
        assert answer.status_code == 302 and answer["Location"].startswith(reverse("login"))
    else:
        assert answer.status_code == MATRIX[role]


def test_panel_is_editable_for_the_cio_and_read_only_for_others(client_for, response, pdf_file):
    url = reverse("evidence:response-panel", args=[response.pk])
    cio = client_for("cio").get(url).content.decode()
    assert 'data-editable="true"' in cio and 'name="files"' in cio and "从材料库选择" in cio
    assert (
        "自评报告.pdf" in cio and reverse("evidence:response-detach", args=[response.pk, pdf_file.pk]) in cio
    )
    for role in ("reviewer", "commission"):
        html = client_for(role).get(url).content.decode()
        assert 'data-editable="false"' in html and 'name="files"' not in html
        assert "自评报告.pdf" in html and "只有本校的信息化负责人" in html
        assert reverse("evidence:response-detach", args=[response.pk, pdf_file.pk]) not in html


def test_panel_is_read_only_after_submission(client_for, response, assessment, pdf_file):
    assessment.status = AssessmentStatus.SUBMITTED
    assessment.save()
    client = client_for("cio")
    html = client.get(reverse("evidence:response-panel", args=[response.pk])).content.decode()
    assert 'data-editable="false"' in html and "已提交" in html
    answer = client.post(reverse("evidence:response-detach", args=[response.pk, pdf_file.pk]))
    assert "不能再修改" in answer.content.decode()
    assert ResponseEvidence.objects.count() == 1


def test_download_headers(client_for, pdf_file):
    answer = client_for("reviewer").get(reverse("evidence:file-download", args=[pdf_file.pk]))
    assert answer.status_code == 200
    assert answer["Content-Type"] == "application/pdf"
    assert answer["X-Content-Type-Options"] == "nosniff"
    assert answer["Cache-Control"] == "private"
    assert answer["Content-Disposition"] == (
        f"attachment; filename=\"evidence-{pdf_file.pk}.pdf\"; filename*=UTF-8''{quote('自评报告.pdf')}"
    )
    assert b"".join(answer.streaming_content) == pdf_bytes()


def test_inline_only_for_previewable_types(client_for, world):
    cio = world.users["cio"]
    png = services.evidence_upload(
        school=world.school_a1, uploaded_file=upload("photo.png", image_bytes("PNG")), acting_user=cio
    ).evidence_file
    docx = services.evidence_upload(
        school=world.school_a1, uploaded_file=upload("方案.docx", ooxml_bytes("docx")), acting_user=cio
    ).evidence_file
    client = client_for("cio")
    answer = client.get(reverse("evidence:file-download", args=[png.pk]) + "?inline=1")
    assert answer["Content-Type"] == "image/png"
    assert answer["Content-Disposition"].startswith('inline; filename="photo.png"')
    assert answer["X-Frame-Options"] == "SAMEORIGIN"  # the preview modal frames it
    answer = client.get(reverse("evidence:file-download", args=[docx.pk]) + "?inline=1")
    assert answer["Content-Disposition"].startswith("attachment;")
    assert answer["Content-Type"].startswith("application/vnd.openxmlformats")


def test_multi_file_upload_reports_per_file_and_keeps_the_good_ones(
    client_for, world, response, media_root, settings
):
    settings.EVIDENCE_MAX_UPLOAD_MB = 1
    files = [
        ("good.pdf", pdf_bytes()),
        ("virus.pdf", b"\x7fELF\x02\x01\x01" + b"\x00" * 200),
        ("page.pdf", b"<!doctype html><html><script>x()</script></html>"),
        ("empty.pdf", b""),
        ("huge.pdf", pdf_bytes() + b"0" * (1024 * 1024 + 10)),
        ("photo.png", image_bytes("PNG")),
    ]
    answer = _post_raw(client_for("cio"), reverse("evidence:response-upload", args=[response.pk]), files)
    assert answer.status_code == 200
    html = answer.content.decode()
    assert "「good.pdf」已上传" in html and "「photo.png」已上传" in html
    assert "Linux 可执行程序" in html and "HTML 网页" in html
    assert "「empty.pdf」是空文件" in html
    assert "「huge.pdf」超过单个文件 1 MB 的上限" in html
    assert sorted(EvidenceFile.objects.values_list("original_name", flat=True)) == ["good.pdf", "photo.png"]
    assert ResponseEvidence.objects.filter(response=response).count() == 2
    assert len(stored_files(media_root)) == 2


def test_duplicate_upload_through_the_panel_says_it_was_linked(client_for, response, response2, media_root):
    client = client_for("cio")
    _post_raw(client, reverse("evidence:response-upload", args=[response.pk]), [("a.pdf", pdf_bytes())])
    html = _post_raw(
        client, reverse("evidence:response-upload", args=[response2.pk]), [("again.pdf", pdf_bytes())]
    ).content.decode()
    assert "该文件已在本校材料库中，已直接关联" in html
    assert EvidenceFile.objects.count() == 1 and len(stored_files(media_root)) == 1
    assert ResponseEvidence.objects.filter(response=response2).exists()


def test_hostile_names_are_cleaned_and_nothing_lands_outside_media_root(
    client_for, world, response, tmp_path, media_root
):
    names = ["../../../../etc/cron.d/evil.pdf", "..\\..\\boot.ini.pdf", "a\x01b\x1b[31mc.pdf", ".bashrc.pdf"]
    files = [(name, pdf_bytes(str(i))) for i, name in enumerate(names)]
    html = _post_raw(
        client_for("cio"), reverse("evidence:response-upload", args=[response.pk]), files
    ).content.decode()
    assert html.count("已上传") == 4
    stored = {f.original_name for f in EvidenceFile.objects.all()}
    assert all("/" not in n and "\\" not in n and not n.startswith(".") for n in stored)
    assert all(c.isprintable() for n in stored for c in n)
    assert ".bashrc.pdf" not in stored and "bashrc.pdf" in stored
    assert "已自动清理" in html
    # Every byte written went below MEDIA_ROOT/evidence/<school>/ and nowhere else in the test's tree.
    every_file = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert len(every_file) == 4
    assert all(p.parent == media_root / "evidence" / str(world.school_a1.pk) for p in every_file)


def test_declared_body_too_large_is_refused_before_reading(client_for, response, media_root, settings):
    settings.EVIDENCE_MAX_UPLOAD_MB = 1
    settings.EVIDENCE_MAX_FILES_PER_REQUEST = 2
    answer = client_for("cio").post(
        reverse("evidence:response-upload", args=[response.pk]),
        data=_multipart([("a.pdf", pdf_bytes())]),
        content_type="multipart/form-data; boundary=XboundaryX",
        CONTENT_LENGTH=str(10 * 1024 * 1024),
    )
    assert answer.status_code == 413 and "上传内容过大" in answer.content.decode()
    assert stored_files(media_root) == []


@pytest.mark.parametrize("role", ["reviewer", "commission"])
def test_read_only_roles_cannot_upload_or_link(client_for, response, media_root, role):
    client = client_for(role)
    html = _post_raw(
        client, reverse("evidence:response-upload", args=[response.pk]), [("a.pdf", pdf_bytes())]
    )
    assert html.status_code == 404  # changing the evidence is outside their scope
    answer = client.post(
        reverse("evidence:response-link-add", args=[response.pk]), {"title": "t", "url": "https://a.cn"}
    )
    assert answer.status_code == 404
    assert stored_files(media_root) == [] and not EvidenceLink.objects.exists()


@pytest.mark.parametrize("role", ["other_cio", "other_reviewer", "other_commission"])
def test_out_of_scope_writes_answer_404(client_for, response, pdf_file, role):
    client = client_for(role)
    assert (
        _post_raw(
            client, reverse("evidence:response-upload", args=[response.pk]), [("a.pdf", b"%PDF-1")]
        ).status_code
        == 404
    )
    assert (
        client.post(reverse("evidence:response-detach", args=[response.pk, pdf_file.pk])).status_code == 404
    )
    assert client.post(reverse("evidence:file-delete", args=[pdf_file.pk])).status_code == 404
    assert ResponseEvidence.objects.count() == 1


def test_upload_requires_csrf_token(world, response, media_root):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(world.users["cio"])
    answer = _post_raw(
        client, reverse("evidence:response-upload", args=[response.pk]), [("a.pdf", pdf_bytes())]
    )
    assert answer.status_code == 403 and stored_files(media_root) == []


def test_picker_lists_unattached_library_files_and_attaches(client_for, world, response, pdf_file):
    cio = world.users["cio"]
    other = services.evidence_upload(
        school=world.school_a1, uploaded_file=upload("网络拓扑图.png", image_bytes("PNG")), acting_user=cio
    ).evidence_file
    client = client_for("cio")
    html = client.get(reverse("evidence:response-picker", args=[response.pk])).content.decode()
    assert "网络拓扑图.png" in html and "自评报告.pdf" not in html  # already attached
    assert (
        "网络拓扑图"
        not in client.get(
            reverse("evidence:response-picker", args=[response.pk]) + "?q=报告"
        ).content.decode()
    )
    html = client.post(
        reverse("evidence:response-attach", args=[response.pk]), {"file": [other.pk]}
    ).content.decode()
    assert "网络拓扑图.png" in html
    assert ResponseEvidence.objects.filter(response=response).count() == 2


def test_picker_cannot_attach_another_schools_file(client_for, world, response):
    foreign = services.evidence_upload(
        school=world.school_a2,
        uploaded_file=upload("x.pdf", pdf_bytes()),
        acting_user=world.users["other_cio"],
    ).evidence_file
    client_for("cio").post(reverse("evidence:response-attach", args=[response.pk]), {"file": [foreign.pk]})
    assert not ResponseEvidence.objects.exists()


def test_detach_and_history_fragment(client_for, world, response, pdf_file):
    client = client_for("cio")
    html = client.post(reverse("evidence:response-detach", args=[response.pk, pdf_file.pk])).content.decode()
    assert "尚未提供佐证材料" in html
    history = (
        client_for("reviewer").get(reverse("evidence:response-history", args=[response.pk])).content.decode()
    )
    assert "关联文件" in history and "取消关联" in history and "自评报告.pdf" in history
    assert history.count(world.users["cio"].first_name) == 2


def test_add_link_validates_scheme(client_for, response):
    client = client_for("cio")
    url = reverse("evidence:response-link-add", args=[response.pk])
    html = client.post(url, {"title": "坏链接", "url": "javascript:alert(1)"}).content.decode()
    assert not EvidenceLink.objects.exists() and "is-invalid" in html
    html = client.post(url, {"title": "平台首页", "url": "https://campus.example.cn/"}).content.decode()
    assert 'href="https://campus.example.cn/"' in html and 'rel="noopener noreferrer nofollow"' in html


def test_library_page_lists_searches_and_uploads(client_for, world, pdf_file, media_root):
    client = client_for("cio")
    url = reverse("evidence:library", args=[world.school_a1.pk])
    html = client.get(url).content.decode()
    assert "自评报告.pdf" in html and pdf_file.sha256[:12] in html and 'name="files"' in html
    assert "自评报告" not in client.get(url + "?q=不存在").content.decode().split("evidence-library-table")[1]
    answer = _post_raw(
        client,
        reverse("evidence:library-upload", args=[world.school_a1.pk]),
        [("照片.jpg", image_bytes("JPEG"))],
    )
    assert answer.status_code == 302
    assert EvidenceFile.objects.filter(original_name="照片.jpg", kind="jpeg").exists()
    assert 'name="files"' not in client_for("reviewer").get(url).content.decode()


def test_library_upload_forbidden_for_reviewer(client_for, world, media_root):
    answer = _post_raw(
        client_for("reviewer"),
        reverse("evidence:library-upload", args=[world.school_a1.pk]),
        [("a.pdf", pdf_bytes())],
    )
    assert answer.status_code == 404 and stored_files(media_root) == []


def test_delete_with_confirmation(client_for, world, pdf_file, response, assessment):
    client = client_for("cio")
    url = reverse("evidence:file-delete", args=[pdf_file.pk])
    assert "确认删除" in client.get(url).content.decode()
    assessment.status = AssessmentStatus.SUBMITTED
    assessment.save()
    page = client.get(url).content.decode()
    assert "确认删除" not in page and "不能删除" in page
    client.post(url)
    assert EvidenceFile.objects.filter(pk=pdf_file.pk).exists()
    assessment.status = AssessmentStatus.DRAFT
    assessment.save()
    assert client.post(url).status_code == 302
    assert not EvidenceFile.objects.filter(pk=pdf_file.pk).exists()


def test_panel_query_count(client_for, response, pdf_file, django_assert_max_num_queries):
    client = client_for("cio")
    with django_assert_max_num_queries(12):
        client.get(reverse("evidence:response-panel", args=[response.pk]))


# --- Previews of images above the budget --------------------------------------------------------


@pytest.fixture
def huge_image(world, response):
    cio = world.users["cio"]
    f = services.evidence_upload(
        school=world.school_a1, uploaded_file=upload("全景.png", huge_png()), acting_user=cio
    )
    services.evidence_attach(response=response, evidence_file=f.evidence_file, acting_user=cio)
    return f.evidence_file


def test_huge_image_preview_shows_the_thumbnail_only(client_for, huge_image):
    """A 30000×30000 PNG: the preview's only image is the server-made thumbnail; the original is
    never given to the browser inline, not even when asked for with ?inline=1."""
    client = client_for("reviewer")
    html = client.get(reverse("evidence:file-preview", args=[huge_image.pk])).content.decode()
    download = reverse("evidence:file-download", args=[huge_image.pk])
    thumbnail = reverse("evidence:file-thumbnail", args=[huge_image.pk])
    assert f'src="{thumbnail}"' in html and "30000×30000" in html and "缩略图" in html
    assert f'src="{download}' not in html  # the download link stays, as a link
    answer = client.get(thumbnail)
    assert answer.status_code == 200 and answer["Content-Type"] == "image/jpeg"
    assert answer["X-Content-Type-Options"] == "nosniff" and answer["Content-Disposition"].startswith(
        "inline"
    )
    assert b"".join(answer.streaming_content)[:3] == b"\xff\xd8\xff"
    original = client.get(download + "?inline=1")
    assert original.status_code == 200 and original["Content-Disposition"].startswith("attachment;")


def test_small_image_preview_shows_the_original(client_for, world):
    f = services.evidence_upload(
        school=world.school_a1,
        uploaded_file=upload("照片.png", image_bytes("PNG")),
        acting_user=world.users["cio"],
    ).evidence_file
    html = client_for("cio").get(reverse("evidence:file-preview", args=[f.pk])).content.decode()
    assert f'src="{reverse("evidence:file-download", args=[f.pk])}?inline=1"' in html
    assert reverse("evidence:file-thumbnail", args=[f.pk]) not in html


@pytest.mark.parametrize("role", [*MATRIX, "anonymous"])
def test_thumbnail_is_scoped_like_the_file(client_for, world, settings, role):
    settings.EVIDENCE_PREVIEW_MAX_MEGAPIXELS = 0  # every image above the budget: a thumbnail at upload
    f = services.evidence_upload(
        school=world.school_a1,
        uploaded_file=upload("照片.png", image_bytes("PNG")),
        acting_user=world.users["cio"],
    ).evidence_file
    answer = client_for(role).get(reverse("evidence:file-thumbnail", args=[f.pk]))
    if role == "anonymous":
        assert answer.status_code == 302
    else:
        assert answer.status_code == MATRIX[role]


def test_no_thumbnail_answers_404_with_a_reason(client_for, pdf_file):
    answer = client_for("cio").get(reverse("evidence:file-thumbnail", args=[pdf_file.pk]))
    assert answer.status_code == 404 and "没有可用的缩略图" in answer.content.decode()
