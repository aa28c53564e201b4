"""Upload, duplicates, attach/detach history, deletion and storage consistency."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from PIL import Image

from assessments.models import AssessmentStatus
from assessments.services import AssessmentLocked
from evidence import services
from evidence.models import EvidenceFile, EvidenceLink, ResponseEvidence
from evidence.selectors import response_evidence_history
from smartcampus.errors import Refused
from tests.samples import (
    huge_png,
    image_bytes,
    ooxml_bytes,
    pdf_bytes,
    pdf_launch,
    pdf_open_action_javascript,
    pdf_truncated,
    pdf_with,
    png_header_only,
)

from .conftest import stored_files, upload


def test_upload_stores_under_school_uuid_path_with_detected_extension(world, media_root):
    cio = world.users["cio"]
    outcome = services.evidence_upload(
        school=world.school_a1, uploaded_file=upload("校园网络.pdf", image_bytes("PNG")), acting_user=cio
    )
    f = outcome.evidence_file
    assert outcome.created
    assert f.kind == "png" and f.content_type == "image/png"
    assert f.original_name == "校园网络.pdf.png"
    assert f.file.name.startswith(f"evidence/{world.school_a1.pk}/") and f.file.name.endswith(".png")
    assert "校园网络" not in f.file.name
    assert len(f.sha256) == 64 and f.size == len(image_bytes("PNG"))
    assert stored_files(media_root) == [media_root / f.file.name]
    assert f.history.get().history_user == cio


def test_same_bytes_twice_reuse_the_library_file(world, media_root):
    cio = world.users["cio"]
    first = services.evidence_upload(
        school=world.school_a1, uploaded_file=upload("a.pdf", pdf_bytes()), acting_user=cio
    )
    second = services.evidence_upload(
        school=world.school_a1, uploaded_file=upload("b.pdf", pdf_bytes()), acting_user=cio
    )
    assert not second.created and second.evidence_file == first.evidence_file
    assert EvidenceFile.objects.count() == 1 and len(stored_files(media_root)) == 1


def test_same_bytes_in_another_school_is_a_separate_file(world):
    services.evidence_upload(
        school=world.school_a1, uploaded_file=upload("a.pdf", pdf_bytes()), acting_user=world.users["cio"]
    )
    other = services.evidence_upload(
        school=world.school_a2,
        uploaded_file=upload("a.pdf", pdf_bytes()),
        acting_user=world.users["other_cio"],
    )
    assert other.created and EvidenceFile.objects.count() == 2


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.pdf", b"", "空文件"),
        ("x.pdf", b"\x7fELF\x02\x01\x01" + b"\x00" * 100, "Linux 可执行程序"),
        ("x.pdf", b"<html><body>hi</body></html>", "HTML 网页"),
        ("logo.svg", b"<svg xmlns='http://www.w3.org/2000/svg'/>", "SVG"),
    ],
)
def test_refused_uploads_store_nothing(world, media_root, name, content, message):
    with pytest.raises(services.EvidenceRejected) as exc:
        services.evidence_upload(
            school=world.school_a1, uploaded_file=upload(name, content), acting_user=world.users["cio"]
        )
    assert message in " ".join(exc.value.messages)
    assert not EvidenceFile.objects.exists() and stored_files(media_root) == []


def test_oversized_upload_is_refused(world, media_root, settings):
    settings.EVIDENCE_MAX_UPLOAD_MB = 1
    big = pdf_bytes() + b"0" * (1024 * 1024)
    with pytest.raises(services.EvidenceRejected, match="1 MB"):
        services.evidence_upload(
            school=world.school_a1, uploaded_file=upload("big.pdf", big), acting_user=world.users["cio"]
        )
    assert stored_files(media_root) == []


def test_only_the_schools_cio_adds_to_its_library(world, media_root):
    for role in ("reviewer", "commission", "other_cio"):
        with pytest.raises(services.EvidenceRefused):
            services.evidence_upload(
                school=world.school_a1,
                uploaded_file=upload("a.pdf", pdf_bytes()),
                acting_user=world.users[role],
            )
    assert stored_files(media_root) == []


def test_database_failure_after_storing_deletes_the_bytes(world, media_root, monkeypatch):
    def fail(*args, **kwargs):
        raise IntegrityError("simulated")

    monkeypatch.setattr(EvidenceFile.objects, "get", fail)  # the concurrent-duplicate path cannot recover
    monkeypatch.setattr(EvidenceFile, "save", fail)
    with pytest.raises(IntegrityError):
        services.evidence_upload(
            school=world.school_a1, uploaded_file=upload("a.pdf", pdf_bytes()), acting_user=world.users["cio"]
        )
    assert stored_files(media_root) == []
    assert not EvidenceFile.objects.exists()


def test_unexpected_error_after_storing_deletes_the_bytes(world, media_root, monkeypatch):
    def boom(self, *args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(EvidenceFile, "save", boom)
    with pytest.raises(RuntimeError):
        services.evidence_upload(
            school=world.school_a1, uploaded_file=upload("a.pdf", pdf_bytes()), acting_user=world.users["cio"]
        )
    assert stored_files(media_root) == []


def test_upload_to_response_attaches_and_reports_duplicates(world, response, response2):
    cio = world.users["cio"]
    first = services.evidence_upload_to_response(
        response=response, uploaded_file=upload("a.pdf", pdf_bytes()), acting_user=cio
    )
    assert first.created and first.notices == []
    again = services.evidence_upload_to_response(
        response=response2, uploaded_file=upload("copy.pdf", pdf_bytes()), acting_user=cio
    )
    assert not again.created
    assert "该文件已在本校材料库中，已直接关联" in again.notices[0]
    assert ResponseEvidence.objects.filter(file=first.evidence_file).count() == 2  # one file, two items


def test_attach_and_detach_are_recorded_with_who_and_when(world, response):
    cio = world.users["cio"]
    f = services.evidence_upload(
        school=world.school_a1, uploaded_file=upload("a.pdf", pdf_bytes()), acting_user=cio
    ).evidence_file
    assert services.evidence_attach(response=response, evidence_file=f, acting_user=cio) is True
    assert (
        services.evidence_attach(response=response, evidence_file=f, acting_user=cio) is False
    )  # idempotent
    services.evidence_detach(response=response, evidence_file=f, acting_user=cio)
    rows = list(ResponseEvidence.history.filter(response_id=response.pk).order_by("history_date"))
    assert [r.history_type for r in rows] == ["+", "-"]
    assert all(r.history_user == cio for r in rows)
    entries = response_evidence_history(response=response)
    assert [e.action for e in entries] == ["detach", "attach"]
    assert entries[0].label == "a.pdf" and entries[0].who == cio
    assert EvidenceFile.objects.filter(pk=f.pk).exists()  # detaching keeps the file in the library


def test_cannot_attach_another_schools_file(world, response):
    f = services.evidence_upload(
        school=world.school_a2,
        uploaded_file=upload("a.pdf", pdf_bytes()),
        acting_user=world.users["other_cio"],
    ).evidence_file
    with pytest.raises(services.EvidenceRejected):
        services.evidence_attach(response=response, evidence_file=f, acting_user=world.users["cio"])


def test_submitted_assessment_is_locked_for_evidence(world, response, assessment, media_root):
    cio = world.users["cio"]
    f = services.evidence_upload(
        school=world.school_a1, uploaded_file=upload("a.pdf", pdf_bytes()), acting_user=cio
    ).evidence_file
    services.evidence_attach(response=response, evidence_file=f, acting_user=cio)
    assessment.status = AssessmentStatus.SUBMITTED
    assessment.save()
    with pytest.raises(AssessmentLocked):
        services.evidence_detach(response=response, evidence_file=f, acting_user=cio)
    with pytest.raises(AssessmentLocked):
        services.evidence_upload_to_response(
            response=response, uploaded_file=upload("b.pdf", pdf_bytes("b")), acting_user=cio
        )
    with pytest.raises(AssessmentLocked):
        services.evidence_link_add(response=response, url="https://example.com", title="t", acting_user=cio)
    with pytest.raises(services.EvidenceInUse, match="不能删除"):
        services.evidence_file_delete(evidence_file=f, acting_user=cio)
    assert len(stored_files(media_root)) == 1 and ResponseEvidence.objects.count() == 1


def test_reviewer_cannot_change_evidence(world, response):
    with pytest.raises(Refused):
        services.evidence_link_add(
            response=response, url="https://example.com", title="t", acting_user=world.users["reviewer"]
        )


@pytest.mark.django_db(transaction=True)
def test_delete_detaches_then_removes_bytes_after_commit(world, response, media_root):
    cio = world.users["cio"]
    f = services.evidence_upload(
        school=world.school_a1, uploaded_file=upload("a.pdf", pdf_bytes()), acting_user=cio
    ).evidence_file
    services.evidence_attach(response=response, evidence_file=f, acting_user=cio)
    services.evidence_file_delete(evidence_file=f, acting_user=cio)
    assert not EvidenceFile.objects.exists() and stored_files(media_root) == []
    assert [r.history_type for r in ResponseEvidence.history.order_by("history_date")] == ["+", "-"]


@pytest.mark.parametrize(
    "url", ["javascript:alert(1)", "ftp://example.com/x", "file:///etc/passwd", "not a url"]
)
def test_links_must_be_http_or_https(world, response, url):
    with pytest.raises(ValidationError):
        services.evidence_link_add(response=response, url=url, title="t", acting_user=world.users["cio"])
    assert not EvidenceLink.objects.exists()


def test_link_add_and_remove_are_in_history(world, response):
    cio = world.users["cio"]
    link = services.evidence_link_add(
        response=response, url="https://edu.example.cn/report", title="平台截图", acting_user=cio
    )
    services.evidence_link_remove(link=link, acting_user=cio)
    assert [e.action for e in response_evidence_history(response=response)] == ["link_remove", "link_add"]


# --- Hostile content: refused before anything is stored -------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "message", "code"),
    [
        ("报告.pdf", pdf_with(pdf_open_action_javascript), "JavaScript 脚本", "unsupported"),
        ("报告.pdf", pdf_with(pdf_launch), "Launch", "unsupported"),
        ("截断.pdf", pdf_truncated(), "PDF 文件不完整", "unsupported"),
        ("方案.docx", ooxml_bytes(main=False), "Office 文档已损坏", "unsupported"),
        ("shell.php", image_bytes("JPEG"), "「.php」", "executable_name"),
        ("shell.php.jpg", image_bytes("JPEG"), "「.php」", "executable_name"),
        ("a.exe.pdf", pdf_bytes(), "「.exe」", "executable_name"),
    ],
    ids=[
        "pdf-js",
        "pdf-launch",
        "pdf-truncated",
        "docx-broken",
        "shell.php-as-jpeg",
        "shell.php.jpg",
        "a.exe.pdf",
    ],
)
def test_hostile_uploads_store_nothing(world, media_root, name, content, message, code):
    with pytest.raises(services.EvidenceRejected) as exc:
        services.evidence_upload(
            school=world.school_a1, uploaded_file=upload(name, content), acting_user=world.users["cio"]
        )
    assert message in " ".join(exc.value.messages) and exc.value.code == code
    assert not EvidenceFile.objects.exists() and stored_files(media_root) == []


def test_images_record_their_size(world):
    f = services.evidence_upload(
        school=world.school_a1,
        uploaded_file=upload("a.png", image_bytes("PNG", size=(64, 48))),
        acting_user=world.users["cio"],
    ).evidence_file
    assert (f.width, f.height) == (64, 48) and f.preview == "image" and f.inline_allowed


def test_huge_image_is_stored_with_a_thumbnail_made_at_upload(world, media_root):
    """A 30000×30000 PNG (900 Mpx) is kept, and its preview will be a 2000-pixel JPEG made here."""
    f = services.evidence_upload(
        school=world.school_a1, uploaded_file=upload("全景.png", huge_png()), acting_user=world.users["cio"]
    ).evidence_file
    assert (f.width, f.height) == (30000, 30000)
    assert f.preview == "thumbnail" and not f.inline_allowed
    assert stored_files(media_root) == sorted([media_root / f.file.name, media_root / f.thumbnail_name])
    assert Image.open(media_root / f.thumbnail_name).size == (2000, 2000)


def test_preview_budget_is_a_setting(world, media_root, settings):
    settings.EVIDENCE_PREVIEW_MAX_MEGAPIXELS = 0
    f = services.evidence_upload(
        school=world.school_a1,
        uploaded_file=upload("a.png", image_bytes("PNG", size=(64, 48))),
        acting_user=world.users["cio"],
    ).evidence_file
    assert f.preview == "thumbnail" and (media_root / f.thumbnail_name).exists()


def test_images_above_the_hard_limit_are_refused(world, media_root):
    with pytest.raises(services.EvidenceRejected) as exc:
        services.evidence_upload(
            school=world.school_a1,
            uploaded_file=upload("巨图.png", png_header_only(50_000, 40_000)),
            acting_user=world.users["cio"],
        )
    assert "50000×40000" in exc.value.messages[0] and exc.value.code == "image_too_large"
    assert stored_files(media_root) == []


def test_unreadable_image_is_kept_but_never_shown_in_full(world, media_root):
    fake = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    f = services.evidence_upload(
        school=world.school_a1, uploaded_file=upload("坏图.png", fake), acting_user=world.users["cio"]
    ).evidence_file
    assert f.width is None and f.preview == "thumbnail" and not f.inline_allowed
    assert services.evidence_thumbnail_ensure(evidence_file=f) == ""
    assert stored_files(media_root) == [media_root / f.file.name]


def test_failed_row_also_removes_the_thumbnail(world, media_root, monkeypatch, settings):
    settings.EVIDENCE_PREVIEW_MAX_MEGAPIXELS = 0

    def boom(self, *args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(EvidenceFile, "save", boom)
    with pytest.raises(RuntimeError):
        services.evidence_upload(
            school=world.school_a1,
            uploaded_file=upload("a.png", image_bytes("PNG")),
            acting_user=world.users["cio"],
        )
    assert stored_files(media_root) == []


def test_thumbnail_is_made_once_and_cached_in_storage(world, media_root, monkeypatch):
    f = services.evidence_upload(
        school=world.school_a1,
        uploaded_file=upload("a.png", image_bytes("PNG", size=(64, 48))),
        acting_user=world.users["cio"],
    ).evidence_file
    assert stored_files(media_root) == [media_root / f.file.name]  # within the budget: none at upload
    name = services.evidence_thumbnail_ensure(evidence_file=f)
    assert name == f.thumbnail_name and (media_root / name).exists()
    monkeypatch.setattr(services, "make_thumbnail", lambda fileobj: pytest.fail("made twice"))
    assert services.evidence_thumbnail_ensure(evidence_file=f) == name
    assert (
        services.evidence_thumbnail_ensure(
            evidence_file=services.evidence_upload(
                school=world.school_a1,
                uploaded_file=upload("a.pdf", pdf_bytes()),
                acting_user=world.users["cio"],
            ).evidence_file
        )
        == ""
    )


@pytest.mark.django_db(transaction=True)
def test_delete_removes_the_thumbnail_too(world, media_root, settings):
    settings.EVIDENCE_PREVIEW_MAX_MEGAPIXELS = 0
    cio = world.users["cio"]
    f = services.evidence_upload(
        school=world.school_a1, uploaded_file=upload("a.png", image_bytes("PNG")), acting_user=cio
    ).evidence_file
    assert len(stored_files(media_root)) == 2
    services.evidence_file_delete(evidence_file=f, acting_user=cio)
    assert stored_files(media_root) == []
