"""Designations in a real browser on the seeded demo (Beijing K-12): the commission's rule decides a
finalised school's result, the commission gives the district a quota, the district's reviewer
nominates the school, the commission awards it; the assessment page, the dashboard and the school
PDF's cover show it; reopening the review takes the result and the designation away until the
school is finalised and nominated again.

The commission changes the demo's rule on the campaign's result rule page after the school was
finalised (version 2, with a reason; it decides the result at once); the review itself is given
through the services (the review flow has its own browser test)."""

from __future__ import annotations

import io
import os
import subprocess

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from playwright.sync_api import expect

from assessments import services
from assessments.models import Assessment
from reports.school_report import school_report_pdf

from .conftest import ARTIFACTS

pytestmark = pytest.mark.browser

PASSWORD = "Campus#2026"


def _finalise(assessment, reviewer):
    services.review_start(assessment=assessment, acting_user=reviewer)
    for r in assessment.responses.select_related("node", "assessment").order_by("node__position"):
        services.verdict_save(response=r, acting_user=reviewer, version=r.version, verdict="accept")
    return services.review_finalise(assessment=assessment, acting_user=reviewer, conclusion="总体达到要求。")


@pytest.fixture
def finalised(transactional_db):
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    call_command("load_frameworks", stdout=io.StringIO())
    call_command("seed_demo", "--schools", "40", "--quiet", stdout=io.StringIO())
    users = get_user_model().objects
    cio, reviewer, commission = (users.get(username=u) for u in ("hd_cio", "hd_reviewer", "bj_commission"))
    # this year's campaign (the demo also has last year's, already finalised)
    assessment = (
        Assessment.objects.select_related("campaign__framework", "campaign__region", "school__region")
        .filter(campaign__framework__code="beijing-k12", school__memberships__user=cio)
        .order_by("-campaign__year")
        .first()
    )
    if assessment.status in ("draft", "returned"):
        for r in assessment.responses.select_related("node", "assessment").order_by("node__position"):
            if r.self_score is None:
                services.response_update(
                    response=r, acting_user=cio, version=r.version, self_score="1", statement="已按要求建设"
                )
        services.assessment_submit(assessment=assessment, acting_user=cio)
    _finalise(Assessment.objects.get(pk=assessment.pk), reviewer)
    assessment.refresh_from_db()
    return {"assessment": assessment, "reviewer": reviewer, "commission": commission}


def test_nominate_award_show_and_reopen(finalised, journey, tmp_path):
    assessment = finalised["assessment"]
    campaign, school = assessment.campaign, assessment.school

    commission = journey("designations-commission")
    commission.login("bj_commission", PASSWORD)
    commission.goto(f"/campaigns/{campaign.pk}/", "campaign")
    commission.page.get_by_role("link", name="结果判定规则").click()
    form = commission.page
    form.get_by_label("判定方式").select_option("percent")
    form.get_by_label("合格线（%）").fill("10")
    for n, (label, minimum) in enumerate([("合格", "10"), ("不合格", "0"), ("", ""), ("", ""), ("", "")], 1):
        form.locator(f"input[name=grade_label_{n}]").fill(label)
        form.locator(f"input[name=grade_min_{n}]").fill(minimum)
    form.get_by_label("目标达标率（%）").fill("85")
    # the demo's rule decided the finalised school: a change is version 2, with a reason
    expect(form.get_by_test_id("rule-locked")).to_contain_text("修改将生成第 2 版")
    form.get_by_label("修改原因").fill("市教委将合格线调整为 10%")
    commission.shot("result-rule-form")
    form.get_by_test_id("save-rule").click()
    expect(commission.page.locator(".alert-success")).to_contain_text("已保存结果判定规则（第 2 版）")
    commission.shot("result-rule-saved")
    # the new version decides the finalised school's result at once
    assessment.refresh_from_db()
    assert assessment.result_passed is True and assessment.result_grade == "合格"
    commission.page.get_by_role("link", name="命名审定").click()
    commission.shot("awarding-queue")
    row = commission.page.get_by_test_id(f"quota-{school.region.code}-demonstration")
    row.locator("input[name=quota]").fill("1")
    row.get_by_role("button", name="保存").click()
    expect(commission.page.locator(".alert-success")).to_contain_text("名额已保存")
    commission.shot("quota-set")

    district = journey("designations-district")
    district.login("hd_reviewer", PASSWORD)
    district.goto(f"/campaigns/{campaign.pk}/nominations/", "nomination-board")
    expect(district.page.get_by_test_id(f"quota-{school.region.code}-demonstration")).to_contain_text("1")
    district.page.get_by_test_id(f"nominate-{school.code}-demonstration").click()
    expect(district.page.locator(".alert-success")).to_contain_text("已推荐")
    expect(district.page.get_by_test_id(f"board-{school.code}")).to_contain_text("已推荐")
    district.shot("nominated")

    commission.goto(f"/campaigns/{campaign.pk}/designations/", "queue-with-nomination")
    commission.page.get_by_test_id(f"award-{school.code}-demonstration").click()
    expect(commission.page.get_by_test_id(f"designation-{school.code}-demonstration")).to_contain_text(
        "已授予"
    )
    commission.shot("awarded")

    commission.goto(f"/assessments/{assessment.pk}/", "assessment-page")
    expect(commission.page.get_by_test_id("designations")).to_contain_text("智慧校园示范校")
    commission.goto(f"/reports/dashboard/?campaign={campaign.pk}", "dashboard")
    card = commission.page.get_by_test_id(f"outcome-{school.region.code}")
    expect(card).to_contain_text("达标 1 / 1")
    expect(card).to_contain_text("目标 85 %")
    expect(card).to_contain_text("智慧校园示范校 1")

    # the school report's cover (the function the report job runs)
    assessment = Assessment.objects.select_related("campaign__framework", "school__region").get(
        pk=assessment.pk
    )
    pdf = tmp_path / "school.pdf"
    pdf.write_bytes(school_report_pdf(assessment=assessment))
    cover = subprocess.run(
        ["pdftotext", "-f", "1", "-l", "1", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    cover = "".join(cover.split())
    assert f"认定结果{assessment.result_percent:.1f}%·合格·通过" in cover
    assert "命名智慧校园示范校" in cover
    ARTIFACTS.mkdir(exist_ok=True)
    subprocess.run(
        [
            "pdftoppm",
            "-png",
            "-f",
            "1",
            "-l",
            "1",
            "-r",
            "60",
            str(pdf),
            str(ARTIFACTS / "designations-pdf-cover"),
        ],
        check=True,
    )

    # reopened: the result and the designation are gone until finalised again
    services.review_reopen(assessment=assessment, acting_user=finalised["commission"], reason="复核数据")
    commission.goto(f"/assessments/{assessment.pk}/", "reopened-assessment")
    expect(commission.page.get_by_test_id("designations")).to_have_count(0)
    commission.goto(f"/reports/dashboard/?campaign={campaign.pk}", "reopened-dashboard")
    expect(commission.page.get_by_test_id("outcome-cards")).to_have_count(0)
    district.goto(f"/campaigns/{campaign.pk}/nominations/", "reopened-board")
    expect(district.page.get_by_test_id(f"board-{school.code}")).to_have_count(0)
    a = Assessment.objects.get(pk=assessment.pk)
    assert (a.result_percent, a.result_passed) == (None, None)
    services.review_finalise(assessment=a, acting_user=finalised["reviewer"], conclusion="复核后维持。")
    district.goto(f"/campaigns/{campaign.pk}/nominations/", "finalised-again-board")
    expect(district.page.get_by_test_id(f"nominate-{school.code}-demonstration")).to_be_visible()
