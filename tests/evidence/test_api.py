"""REST endpoints: scoped list, multipart upload, attach/detach, links."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from evidence import services
from evidence.models import EvidenceFile, EvidenceLink, ResponseEvidence
from tests.samples import image_bytes, pdf_bytes

from .conftest import stored_files, upload

FILES = "/api/evidence/files/"
ATTACHMENTS = "/api/evidence/attachments/"
LINKS = "/api/evidence/links/"


@pytest.fixture
def library(world):
    a1 = services.evidence_upload(
        school=world.school_a1, uploaded_file=upload("a1.pdf", pdf_bytes()), acting_user=world.users["cio"]
    ).evidence_file
    a2 = services.evidence_upload(
        school=world.school_a2,
        uploaded_file=upload("a2.pdf", pdf_bytes()),
        acting_user=world.users["other_cio"],
    ).evidence_file
    return a1, a2


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("cio", {"a1.pdf"}),
        ("other_cio", {"a2.pdf"}),
        ("reviewer", {"a1.pdf"}),
        ("commission", {"a1.pdf", "a2.pdf"}),
        ("other_commission", set()),
    ],
)
def test_list_is_scoped(client_for, library, role, expected):
    data = client_for(role).get(FILES).json()
    assert {row["original_name"] for row in data["results"]} == expected


def test_anonymous_is_refused(client_for, library):
    assert client_for("anonymous").get(FILES).status_code == 401


def test_out_of_scope_file_is_404(client_for, library):
    assert client_for("other_cio").get(f"{FILES}{library[0].pk}/").status_code == 404


def test_upload_multipart(client_for, world, media_root):
    client = client_for("cio")
    answer = client.post(
        FILES, {"school": world.school_a1.pk, "file": SimpleUploadedFile("图.png", image_bytes("PNG"))}
    )
    assert answer.status_code == 201, answer.content
    assert answer.json()["kind"] == "png" and answer.json()["created"] is True
    again = client.post(
        FILES, {"school": world.school_a1.pk, "file": SimpleUploadedFile("x.png", image_bytes("PNG"))}
    )
    assert again.status_code == 200 and again.json()["id"] == answer.json()["id"]
    bad = client.post(
        FILES, {"school": world.school_a1.pk, "file": SimpleUploadedFile("x.pdf", b"<html></html>")}
    )
    assert bad.status_code == 400 and "HTML 网页" in bad.content.decode()
    assert len(stored_files(media_root)) == 1


def test_upload_over_limit_is_413_and_stores_nothing(client_for, world, media_root, settings):
    settings.EVIDENCE_MAX_UPLOAD_MB = 1
    big = SimpleUploadedFile("big.pdf", pdf_bytes() + b"0" * (2 * 1024 * 1024))
    answer = client_for("cio").post(FILES, {"school": world.school_a1.pk, "file": big})
    assert answer.status_code == 413 and stored_files(media_root) == []


@pytest.mark.parametrize("role", ["reviewer", "other_cio"])
def test_upload_refused_outside_own_school(client_for, world, media_root, role):
    answer = client_for(role).post(
        FILES, {"school": world.school_a1.pk, "file": SimpleUploadedFile("a.pdf", pdf_bytes())}
    )
    assert answer.status_code == 400  # the school is not theirs to change: the id "does not exist"
    assert set(answer.json()["error"]["fields"]) == {"school"}
    assert stored_files(media_root) == [] and not EvidenceFile.objects.exists()


def test_attach_detach_and_links(client_for, library, response):
    client = client_for("cio")
    answer = client.post(ATTACHMENTS, {"response": response.pk, "file": library[0].pk})
    assert answer.status_code == 201
    assert client.post(ATTACHMENTS, {"response": response.pk, "file": library[1].pk}).status_code == 400
    assert client.get(ATTACHMENTS, {"response": response.pk}).json()["count"] == 1
    assert client_for("reviewer").delete(f"{ATTACHMENTS}{answer.json()['id']}/").status_code == 404
    assert client.delete(f"{ATTACHMENTS}{answer.json()['id']}/").status_code == 204
    assert not ResponseEvidence.objects.exists()

    link = client.post(LINKS, {"response": response.pk, "url": "https://x.example.cn/a", "title": "平台"})
    assert link.status_code == 201
    assert (
        client.post(LINKS, {"response": response.pk, "url": "javascript:alert(1)", "title": "x"}).status_code
        == 400
    )
    assert client_for("other_cio").get(LINKS).json()["count"] == 0
    assert client.delete(f"{LINKS}{link.json()['id']}/").status_code == 204
    assert not EvidenceLink.objects.exists()


@pytest.mark.parametrize("url", [ATTACHMENTS, LINKS])
def test_non_numeric_response_filter_is_an_empty_list_not_a_500(client_for, library, url):
    """Regression (hostile input probe): `?response=abc` raised ValueError → 500."""
    r = client_for("cio").get(url, {"response": "abc"})
    assert r.status_code == 200 and r.json()["count"] == 0


def test_images_report_their_size_and_thumbnail(client_for, world, settings):
    settings.EVIDENCE_PREVIEW_MAX_MEGAPIXELS = 0
    client = client_for("cio")
    created = client.post(
        FILES,
        {
            "school": world.school_a1.pk,
            "file": SimpleUploadedFile("图.png", image_bytes("PNG", size=(64, 48))),
        },
    ).json()
    assert (created["width"], created["height"]) == (64, 48)
    assert client.get(created["thumbnail_url"])["Content-Type"] == "image/jpeg"
    pdf = client.post(
        FILES, {"school": world.school_a1.pk, "file": SimpleUploadedFile("a.pdf", pdf_bytes())}
    ).json()
    assert pdf["thumbnail_url"] is None and pdf["width"] is None
