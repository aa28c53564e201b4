"""Year over year in a real browser, on the seeded demo (Beijing K-12: a finalised 2025 round, the
2026 campaign after it):

- commission staff copy the 2026 campaign as next year's round (「复制为下一年活动」) and open it;
- the CIO of a Haidian school carries its 2025 answers into the 2026 draft (statements, evidence,
  facts — never scores), confirms two items in the browser, is refused at submission while carried
  items await confirmation (the refusal names them), confirms the rest and submits;
- the comparison shows on the item page (上年：自评 · 评审 · 意见), on the school page (every year
  with its result), on the dashboard (年度对比) and in the school PDF made by the real worker (与上年对比).

Every page is saved under test-artifacts/journeys/<journey>/ and any console error or CSP violation
fails the test (tests/browser/conftest.py). Steps the browser has already shown (confirming the
other 40-odd items) go through the services, said where they happen."""

from __future__ import annotations

import io
import os
import subprocess

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from playwright.sync_api import expect

from assessments import services
from assessments.models import Assessment, AssessmentStatus, Campaign

from .test_journeys import render_pdf, request_and_download

pytestmark = pytest.mark.browser

PASSWORD = "Campus#2026"
THIS_YEAR = "2026年北京市中小学智慧校园自评"
LAST_YEAR = "2025年北京市中小学智慧校园自评"
CIO = "hd_cio"
COMMISSION = "bj_commission"


@pytest.fixture
def demo(transactional_db):
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # Playwright's sync API runs an event loop
    call_command("load_frameworks", stdout=io.StringIO())
    call_command("seed_demo", "--schools", "100", "--quiet", stdout=io.StringIO())


def _user(username: str):
    return get_user_model().objects.get(username=username)


def _own(title: str) -> Assessment:
    return Assessment.objects.select_related("campaign__framework", "school").get(
        campaign__title=title, school__memberships__user__username=CIO
    )


def test_copy_carry_confirm_submit_and_compare(demo, real_celery, live_server, journey):
    # --- commission staff: 「复制为下一年活动」 ---------------------------------------------------------
    this_campaign = Campaign.objects.get(title=THIS_YEAR)
    assert this_campaign.predecessor.title == LAST_YEAR
    staff = journey("years-commission")
    page = staff.page
    staff.login(COMMISSION, PASSWORD)
    staff.goto(f"/campaigns/{this_campaign.pk}/", "campaign")
    page.get_by_test_id("copy-next-year").click()
    staff.shot("copy-preview")
    page.get_by_test_id("confirm-copy").click()
    expect(page.locator("main")).to_contain_text("2027年北京市中小学智慧校园自评")
    staff.shot("copy-created")
    copy = Campaign.objects.get(predecessor=this_campaign)
    assert copy.year == 2027 and copy.assessments.count() == this_campaign.assessments.count()

    # --- the CIO: carry 2025 into the 2026 draft ---------------------------------------------------------
    assessment = _own(THIS_YEAR)
    previous = _own(LAST_YEAR)
    assert previous.status == AssessmentStatus.FINALISED and assessment.status == AssessmentStatus.DRAFT
    total = assessment.responses.count()
    school = journey("years-cio")
    page = school.page
    school.login(CIO, PASSWORD)
    school.goto(f"/assessments/{assessment.pk}/", "overview")
    expect(page.get_by_test_id("carry-card")).to_contain_text("2025")
    page.get_by_test_id("carry-all").click()
    school.shot("carry-preview")
    expect(page.locator("input[name=item]:checked")).to_have_count(total)
    page.get_by_test_id("carry-submit").click()
    expect(page.locator("main")).to_contain_text(f"已从上年带入 {total} 个条目")
    expect(page.get_by_test_id("carry-pending-item")).to_have_count(total)
    school.shot("carried")
    assert assessment.responses.answered().count() == 0  # nothing is answered before it is confirmed

    # two items confirmed in the browser: last year's value is offered, the CIO chooses this year's
    codes = list(assessment.responses.order_by("node__position").values_list("node__code", flat=True))
    for code in codes[:2]:
        page.get_by_test_id("carry-pending-item").filter(has_text=code).first.click()
        expect(page.get_by_test_id("carry-pending")).to_be_visible()
        expect(page.get_by_test_id("carry-suggestion")).to_contain_text("上年结果")
        expect(page.get_by_test_id("previous-year")).to_contain_text("上年")
        school.shot(f"item-{code}-pending")
        page.fill("#carry-value", "1")
        page.get_by_test_id("carry-confirm").click()
        expect(page.locator("main")).to_contain_text(f"已确认条目 {code}")
        expect(page.get_by_test_id("carry-pending")).to_have_count(0)
        school.shot(f"item-{code}-confirmed")
        school.goto(f"/assessments/{assessment.pk}/", f"overview-after-{code}")

    # the others still await confirmation: submitting is refused and names them
    school.goto(f"/assessments/{assessment.pk}/submit/", "submit-check")
    expect(page.locator("[data-testid=confirm-submit]")).to_have_count(0)
    expect(page.get_by_test_id("missing-pending")).to_have_count(total - 2)
    expect(page.get_by_test_id("missing")).to_contain_text(codes[2])

    # the remaining items are confirmed through the service (the browser has shown how)
    cio = _user(CIO)
    for r in assessment.responses.carry_pending().select_related("node"):
        services.response_carry_confirm(response=r, acting_user=cio, version=r.version, value="1")
    school.goto(f"/assessments/{assessment.pk}/submit/", "submit-check-complete")
    page.click("[data-testid=confirm-submit]")
    expect(page.locator("main")).to_contain_text("自评已提交")
    school.shot("submitted")
    assessment.refresh_from_db()
    assert assessment.status == AssessmentStatus.SUBMITTED

    # --- the comparison: item page, school page, dashboard ---------------------------------------------
    school.goto(f"/assessments/{assessment.pk}/items/{codes[3]}/", "item-previous-year")
    expect(page.get_by_test_id("previous-year")).to_contain_text("评审")
    expect(page.get_by_test_id("previous-year")).not_to_contain_text("未完成")
    school.goto(f"/schools/{assessment.school_id}/", "school-years")
    years = page.get_by_test_id("school-year")
    expect(years).to_have_count(3)  # 2027 (the copy, a draft), 2026 (submitted), 2025 (finalised)
    expect(page.get_by_test_id("school-years")).to_contain_text("2025")
    staff.goto(f"/reports/dashboard/?campaign={this_campaign.pk}", "dashboard")
    comparison = staff.page.get_by_test_id("year-comparison")
    expect(comparison).to_contain_text("年度对比")
    expect(comparison.get_by_test_id("year-district").filter(has_text="海淀区")).to_have_count(1)

    # the school PDF from the real worker gets the 与上年对比 section (this year's self result against
    # last year's review)
    staff.goto(f"/assessments/{assessment.pk}/", "school-page")
    school_pdf = request_and_download(staff, "form:has(input[value=school_pdf]) button", "school-pdf")
    assert render_pdf(staff, school_pdf, "school-report")
    text = subprocess.run(  # noqa: S603
        ["pdftotext", "-layout", str(school_pdf), "-"],  # noqa: S607
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout
    assert "与上年对比" in text and "2025" in text
