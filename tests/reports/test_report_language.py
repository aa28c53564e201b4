"""Generated documents in the requester's language: the job keeps the language it was asked in and
the worker writes the PDF and the workbook in it; Chinese stays the default.

The English headings come from the English catalog (locale/en), built from the translations."""

from __future__ import annotations

import io
import subprocess

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from reports import services
from reports.models import JobKind, JobStatus, ReportJob

pytestmark = pytest.mark.django_db

CJK = range(0x4E00, 0xA000)


def _request(world, assessment, language=None, kind=JobKind.SCHOOL_PDF, user="cio"):
    return services.report_job_request(
        kind=kind,
        campaign=assessment.campaign,
        assessment=assessment if kind != JobKind.CITY_WORKBOOK else None,
        acting_user=world.users[user],
        language=language,
    )


def _run(job: ReportJob) -> bytes:
    services.report_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == JobStatus.DONE, job.error
    return default_storage.open(job.result.name).read()


def test_a_job_keeps_the_requesters_language_and_chinese_is_the_default(world, points_assessment):
    chinese, _ = _request(world, points_assessment)
    english, created = _request(world, points_assessment, language="en")
    assert chinese.language == "zh-hans" and english.language == "en"
    assert created and english.pk != chinese.pk  # another language is another document
    unknown, _ = _request(
        world, points_assessment, language="fr", kind=JobKind.CITY_WORKBOOK, user="commission"
    )
    assert unknown.language == "zh-hans"


def test_the_web_request_records_the_language_of_the_page(client, world, points_assessment):
    client.force_login(world.users["cio"])
    client.cookies["django_language"] = "en"
    with translation.override("zh-hans"):  # the request activates English: keep it to this test
        client.post(
            reverse("reports:job-request"),
            {
                "kind": JobKind.SCHOOL_PDF,
                "campaign": points_assessment.campaign_id,
                "assessment": points_assessment.pk,
            },
        )
    assert ReportJob.objects.get(assessment=points_assessment).language == "en"


def test_an_english_school_pdf_has_english_headings_and_still_embeds_the_cjk_font(
    world, points_assessment, tmp_path
):
    chinese, _ = _request(world, points_assessment)
    english, _ = _request(world, points_assessment, language="en")
    texts = {}
    for job in (chinese, english):
        path = tmp_path / f"{job.language}.pdf"
        path.write_bytes(_run(job))
        texts[job.language] = subprocess.run(
            ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
        ).stdout
        fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
        assert any("CJK" in line and " yes " in line for line in fonts.splitlines()), fonts
    assert "一、评估结果概览" in texts["zh-hans"] and "Overview of results" not in texts["zh-hans"]
    assert "Overview of results" in texts["en"] and "一、评估结果概览" not in texts["en"]
    assert points_assessment.school.name in texts["en"]  # data stays Chinese, in the CJK font
    english.refresh_from_db()
    assert not any(
        ord(ch) in CJK
        for ch in english.result_name.replace(points_assessment.school.name, "").replace(
            points_assessment.campaign.title, ""
        )
    )


def test_an_english_workbook_has_english_sheet_names_and_headers(world, points_assessment):
    chinese, _ = _request(world, points_assessment, kind=JobKind.CITY_WORKBOOK, user="commission")
    english, _ = _request(
        world, points_assessment, language="en", kind=JobKind.CITY_WORKBOOK, user="commission"
    )
    zh = load_workbook(io.BytesIO(_run(chinese)))
    en = load_workbook(io.BytesIO(_run(english)))
    assert zh.sheetnames[0] == "学校汇总" and zh["学校汇总"]["C2"].value == "学校"
    assert len(en.sheetnames) == len(zh.sheetnames)
    assert en.sheetnames[0] == "School summary"
    for name in en.sheetnames:
        assert not any(ord(ch) in CJK for ch in name), name
    headers = [c.value for c in en[en.sheetnames[0]][2] if c.value]
    assert "School" in headers and "School ID code" in headers
