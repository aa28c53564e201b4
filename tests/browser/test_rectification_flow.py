"""Rectification (整改) in a real browser on the seeded demo (Beijing K-12): the district reviewer
finalises the school's review, edits and confirms the proposed list; the school's CIO finds the
notice, submits a plan; the reviewer returns it once, the CIO resubmits and the reviewer approves;
the CIO reports completion with a file of the school's evidence library; the reviewer verifies.
After each step the commission's dashboard shows the district's open / overdue / verified counts.

The review's verdicts are given through the services (the review flow has its own browser test);
two items are adjusted down with a comment so the proposal has something to say. The school's
library file is uploaded through the service (the library has its own tests). The second confirmed
item's due date is moved into the past in the database: the clock moving on, so the dashboard's
overdue count has something to follow."""

from __future__ import annotations

import datetime
import io
import os
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from assessments import services
from assessments.freshness import campaign_data_changed
from assessments.models import Assessment, Notification
from evidence.services import evidence_upload
from rectification.models import RectificationItem, RectificationState
from tests.samples import image_bytes

pytestmark = pytest.mark.browser

PASSWORD = "Campus#2026"
ADJUSTED = 2  # items the reviewer adjusts down


@pytest.fixture
def reviewed(transactional_db, settings, tmp_path):
    """hd_cio's school this year: submitted, every item judged (two adjusted down), not finalised."""
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("load_frameworks", stdout=io.StringIO())
    call_command("seed_demo", "--schools", "40", "--quiet", stdout=io.StringIO())
    users = get_user_model().objects
    cio, reviewer = users.get(username="hd_cio"), users.get(username="hd_reviewer")
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
    assessment = Assessment.objects.get(pk=assessment.pk)
    services.review_start(assessment=assessment, acting_user=reviewer)
    adjusted = 0
    for r in assessment.responses.select_related("node", "assessment").order_by("node__position"):
        if adjusted < ADJUSTED and r.self_score and r.self_score >= 1:
            services.verdict_save(
                response=r,
                acting_user=reviewer,
                version=r.version,
                verdict="adjust",
                score=str(r.self_score - Decimal("0.5")),
                comment=f"{r.node.code}：常态化应用的佐证不足。",
            )
            adjusted += 1
        else:
            services.verdict_save(response=r, acting_user=reviewer, version=r.version, verdict="accept")
    assert adjusted == ADJUSTED
    photo = SimpleUploadedFile("整改后机房.png", image_bytes("PNG", color="green"), content_type="image/png")
    evidence_upload(school=assessment.school, uploaded_file=photo, acting_user=cio)
    return Assessment.objects.select_related("campaign", "school__region").get(pk=assessment.pk)


def dashboard_counts(commission, campaign, district: str, step: str) -> tuple[int, int, int]:
    """The commission's dashboard for the campaign: (open, overdue, verified) of the district."""
    commission.goto(f"/reports/dashboard/?campaign={campaign.pk}", f"dashboard-{step}")
    row = commission.page.get_by_test_id("rectification-table").locator(f"tr[data-district='{district}']")
    return tuple(
        int(row.locator(f"[data-count={name}]").inner_text()) for name in ("open", "overdue", "verified")
    )


def test_reviewer_confirms_school_plans_and_completes_reviewer_verifies(reviewed, journey):
    assessment = reviewed
    campaign, school, district = assessment.campaign, assessment.school, assessment.school.region.name
    items = RectificationItem.objects.filter(assessment=assessment)

    commission = journey("rectification-commission")
    commission.login("bj_commission", PASSWORD)
    commission.goto(f"/reports/dashboard/?campaign={campaign.pk}", "dashboard-before")
    expect(
        commission.page.locator(f"[data-testid=rectification-table] tr[data-district='{district}']")
    ).to_have_count(0)

    # the reviewer finalises the review, then edits and confirms the proposed list
    reviewer = journey("rectification-reviewer")
    reviewer.login("hd_reviewer", PASSWORD)
    reviewer.goto(f"/reviews/assessments/{assessment.pk}/", "review-summary")
    reviewer.page.fill("#id_conclusion", "基础设施基本达标；常态化应用仍需加强。")
    reviewer.page.get_by_test_id("finalise").click()
    expect(reviewer.page.locator("main")).to_contain_text("评审已完成")
    reviewer.shot("finalised")
    reviewer.page.get_by_role("link", name="整改审核").first.click()
    reviewer.shot("queue-to-confirm")
    # this year's round (the demo's finalised round of last year waits for its list too)
    to_confirm = reviewer.page.get_by_test_id("to-confirm").locator("li").filter(has_text=campaign.title)
    to_confirm.get_by_role("link", name=school.name).click()
    rows = reviewer.page.get_by_test_id("proposal-row")
    expect(rows.first).to_be_visible()
    assert rows.count() >= ADJUSTED
    reviewer.shot("proposal")
    kept = []
    for n in range(rows.count()):  # only the adjusted items are kept (the proposal may add low scores)
        row = rows.nth(n)
        if "常态化应用的佐证不足" in row.locator("textarea[name$=-problem]").input_value():
            kept.append(row)
        else:
            row.locator("input[type=checkbox]").uncheck()
    assert len(kept) == ADJUSTED
    due = timezone.localdate() + datetime.timedelta(days=60)
    kept[0].locator("textarea[name$=-action]").fill("补充近一学期的常态化应用记录，完善管理制度。")
    kept[0].locator("input[name$=-due_date]").fill(due.isoformat())
    reviewer.shot("proposal-edited")
    reviewer.page.get_by_test_id("confirm").click()
    expect(reviewer.page.locator(".alert-success")).to_contain_text(f"已确定 {ADJUSTED} 项整改事项并通知学校")
    reviewer.shot("confirmed")
    assert items.count() == ADJUSTED
    item = items.order_by("node__position").first()
    assert (item.action, item.due_date) == ("补充近一学期的常态化应用记录，完善管理制度。", due)
    assert dashboard_counts(commission, campaign, district, "confirmed") == (ADJUSTED, 0, 0)

    # the school receives the notice and submits a plan
    cio = journey("rectification-cio")
    cio.login("hd_cio", PASSWORD)
    assert Notification.objects.filter(user__username="hd_cio", kind=Notification.Kind.RECTIFICATION).exists()
    cio.goto("/notifications/", "notifications")
    expect(cio.page.get_by_test_id("notifications")).to_contain_text("整改通知")
    # the list's notification (the notice PDF's own notification links to the download instead)
    cio.page.get_by_test_id("notifications").locator("a[href$='/rectification/']").first.click()
    cio.page.wait_for_url("**/rectification/")
    expect(cio.page.get_by_test_id("due-list")).to_contain_text(item.node.code)
    cio.shot("due-list")
    cio.page.get_by_test_id("due-list").get_by_role("link", name=item.node.code).first.click()
    cio.shot("item")

    def submit_plan(plan: str, step: str):
        form = cio.page.get_by_test_id("plan-form")
        form.get_by_label("整改责任人").fill("信息中心 王老师")
        form.get_by_label("整改方案").fill(plan)
        form.get_by_role("button", name="提交整改方案").click()
        expect(cio.page.locator(".alert-success")).to_contain_text("整改方案已提交")
        cio.shot(step)

    submit_plan("本学期内补齐记录。", "plan-submitted")

    # the reviewer returns it once, with the reason
    def review_step(button: str, comment: str, done: str, step: str):
        reviewer.goto(f"/rectification/items/{item.pk}/", f"{step}-item")
        actions = reviewer.page.get_by_test_id("review-actions")
        actions.locator("textarea").fill(comment)
        actions.get_by_role("button", name=button).click()
        expect(reviewer.page.locator(".alert-success")).to_contain_text(done)
        reviewer.shot(step)

    review_step("退回方案", "请写明每一步的完成时间和责任人。", "整改方案已退回学校", "plan-returned")
    item.refresh_from_db()
    assert item.state == RectificationState.DRAFT_PLAN
    cio.goto(f"/rectification/items/{item.pk}/", "item-returned")
    expect(cio.page.get_by_test_id("events")).to_contain_text("请写明每一步的完成时间和责任人")
    submit_plan("第一周整理记录（王老师），第二周完善制度（李主任），月底前完成。", "plan-resubmitted")
    review_step("通过方案", "同意。", "整改方案已通过", "plan-approved")
    item.refresh_from_db()
    assert item.state == RectificationState.IN_PROGRESS
    assert dashboard_counts(commission, campaign, district, "approved") == (ADJUSTED, 0, 0)

    # the other item's due date passes (the clock moving on): the dashboard counts it overdue
    other = items.exclude(pk=item.pk).get()
    RectificationItem.objects.filter(pk=other.pk).update(
        due_date=timezone.localdate() - datetime.timedelta(days=1)
    )
    # written past the services, which would have marked the campaign's rectification items changed
    # (the dashboard keeps its card per day and per version of the items)
    campaign_data_changed(campaign.pk, "rectification")
    assert dashboard_counts(commission, campaign, district, "overdue") == (ADJUSTED, 1, 0)

    # the school reports completion with a file of its library
    cio.goto(f"/rectification/items/{item.pk}/", "item-in-progress")
    form = cio.page.get_by_test_id("complete-form")
    form.get_by_label("整改情况说明").fill("已补齐本学期常态化应用记录，制度已印发。")
    form.get_by_label("整改后机房.png").check()
    cio.shot("completion-form")
    form.get_by_role("button", name="报告整改完成").click()
    expect(cio.page.locator(".alert-success")).to_contain_text("已报告整改完成")
    expect(cio.page.get_by_test_id("evidence")).to_contain_text("整改后机房.png")
    cio.shot("completed")

    # the reviewer verifies
    review_step("验收通过", "材料齐全，验收通过。", "整改已验收", "verified")
    item.refresh_from_db()
    assert item.state == RectificationState.VERIFIED
    assert list(item.evidence.values_list("file__original_name", flat=True)) == ["整改后机房.png"]
    assert dashboard_counts(commission, campaign, district, "verified") == (ADJUSTED - 1, 1, 1)
    cio.goto("/rectification/", "due-list-after")
    expect(cio.page.locator("main")).to_contain_text("已办结")
