"""Who may request and download which report: one matrix per kind, × every role (404 outside scope)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from assessments.models import Assessment
from reports import services
from reports.models import JobKind, ReportJob

ROLES = ("anonymous", "cio", "other_cio", "reviewer", "other_reviewer", "commission", "other_commission")

# kind → set of roles that may request it (school a1's PDF, district A1's zip, city A's zip/workbook)
ALLOWED = {
    JobKind.SCHOOL_PDF: {"cio", "reviewer", "commission"},
    JobKind.DISTRICT_PDF_ZIP: {"reviewer", "commission"},
    JobKind.CITY_PDF_ZIP: {"commission"},
    JobKind.CITY_WORKBOOK: {"commission"},
}


def form(kind, world, campaign):
    assessment = Assessment.objects.get(campaign=campaign, school=world.school_a1)
    data = {"kind": kind, "campaign": campaign.pk}
    if kind == JobKind.SCHOOL_PDF:
        data["assessment"] = assessment.pk
    if kind == JobKind.DISTRICT_PDF_ZIP:
        data["region"] = world.district_a1.pk
    return data


@pytest.mark.parametrize("kind", list(ALLOWED))
@pytest.mark.parametrize("role", ROLES)
def test_request_matrix(world, client_for, points_campaign, role, kind):
    response = client_for(role).post(reverse("reports:job-request"), form(kind, world, points_campaign))
    if role == "anonymous":
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    elif role in ALLOWED[kind]:
        assert response.status_code == 302 and response["Location"] == reverse("reports:job-list")
        assert ReportJob.objects.filter(requested_by=world.users[role], kind=kind).count() == 1
    else:
        assert response.status_code == 404
        assert not ReportJob.objects.exists()


def test_reviewer_cannot_request_another_district(world, client_for, points_campaign):
    data = form(JobKind.DISTRICT_PDF_ZIP, world, points_campaign) | {"region": world.district_a2.pk}
    assert client_for("reviewer").post(reverse("reports:job-request"), data).status_code == 404
    assert client_for("commission").post(reverse("reports:job-request"), data).status_code == 302


@pytest.fixture
def done_job(world, points_campaign):
    assessment = Assessment.objects.get(campaign=points_campaign, school=world.school_a1)
    job, _ = services.report_job_request(
        kind=JobKind.SCHOOL_PDF,
        campaign=points_campaign,
        assessment=assessment,
        acting_user=world.users["cio"],
    )
    services.report_job_run(job_id=job.pk)
    return job


@pytest.mark.parametrize("role", ROLES)
def test_download_matrix(world, client_for, done_job, role):
    """Only the requester downloads; everyone else gets 404 for the row, the file and the API."""
    client = client_for(role)
    download = client.get(reverse("reports:job-download", args=[done_job.pk]))
    row = client.get(reverse("reports:job-row", args=[done_job.pk]))
    api = client.get(reverse("api-report-job-download", args=[done_job.pk]))
    if role == "anonymous":
        assert download.status_code == 302 and row.status_code == 302 and api.status_code == 401
    elif role == "cio":
        assert download.status_code == 200 and row.status_code == 200 and api.status_code == 200
        assert download["Content-Type"] == "application/pdf"
        assert download["X-Content-Type-Options"] == "nosniff"
        disposition = download["Content-Disposition"]
        assert disposition.startswith("attachment; filename=") and "filename*=UTF-8''" in disposition
        assert "%E7%94%B2" in disposition  # 甲, the school's Chinese name, percent-encoded (RFC 5987)
        assert b"".join(download.streaming_content)[:5] == b"%PDF-"
    else:
        assert (download.status_code, row.status_code, api.status_code) == (404, 404, 404)


def test_job_out_of_scope_after_membership_removed(world, client_for, done_job):
    client = client_for("cio")
    world.users["cio"].memberships.all().delete()
    assert client.get(reverse("reports:job-download", args=[done_job.pk])).status_code == 404


def test_jobs_page_lists_only_own_jobs_and_polls_while_running(world, client_for, points_campaign, done_job):
    assessment = Assessment.objects.get(campaign=points_campaign, school=world.school_a1b)
    queued, _ = services.report_job_request(
        kind=JobKind.SCHOOL_PDF,
        campaign=points_campaign,
        assessment=assessment,
        acting_user=world.users["reviewer"],
    )
    page = client_for("reviewer").get(reverse("reports:job-list")).content.decode()
    assert f'id="job-{queued.pk}"' in page and 'hx-trigger="every 2s"' in page and "排队中" in page
    assert f'id="job-{done_job.pk}"' not in page
    mine = client_for("cio").get(reverse("reports:job-list")).content.decode()
    assert f'id="job-{done_job.pk}"' in mine and "下载" in mine and 'hx-trigger="every 2s"' not in mine


def test_failed_job_shows_message_and_retry_button(world, client_for, done_job):
    ReportJob.objects.filter(pk=done_job.pk).update(status="failed", error="生成超时：测试")
    page = client_for("cio").get(reverse("reports:job-list")).content.decode()
    assert "生成超时：测试" in page and reverse("reports:job-retry", args=[done_job.pk]) in page
    response = client_for("cio").post(reverse("reports:job-retry", args=[done_job.pk]))
    assert response.status_code == 302
    assert client_for("other_cio").post(reverse("reports:job-retry", args=[done_job.pk])).status_code == 404


def test_request_buttons_on_assessment_and_campaign_pages(world, client_for, points_campaign):
    from django.template import Context, Template
    from django.test import RequestFactory

    template = Template("{% load reports_tags %}{% report_buttons campaign=campaign %}")
    for role, expected, absent in [
        ("commission", ["city_workbook", "district_pdf_zip"], []),
        ("reviewer", ["district_pdf_zip"], ["city_workbook"]),
        ("cio", [], ["city_workbook", "district_pdf_zip"]),
    ]:
        request = RequestFactory().get("/")
        request.user = world.users[role]
        html = template.render(Context({"request": request, "campaign": points_campaign, "csrf_token": "t"}))
        assert all(e in html for e in expected) and not any(a in html for a in absent), role
