"""The district reviewer's flow in a real browser on the seeded demo: queue → accept two items,
adjust one with a comment, request evidence on one → return; the CIO sees exactly the reopened
items with the reasons, answers and resubmits; the reviewer finalises."""

import io
import os

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from playwright.sync_api import expect

from assessments import services
from assessments.models import Assessment

from .conftest import ARTIFACTS, login

pytestmark = pytest.mark.browser

DEMO_PASSWORD = "Campus#2026"


@pytest.fixture
def demo(transactional_db):
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    call_command("load_frameworks", stdout=io.StringIO())
    call_command("seed_demo", "--schools", "40", "--quiet", stdout=io.StringIO())
    assessment = Assessment.objects.select_related("campaign__framework").get(
        campaign__framework__code="beijing-k12",
        campaign__year=2026,
        school__memberships__user__username="hd_cio",
    )
    if assessment.status in ("draft", "returned"):
        cio = get_user_model().objects.get(username="hd_cio")
        for r in assessment.responses.select_related("node", "assessment").order_by("node__position"):
            if r.self_score is None:
                services.response_update(
                    response=r, acting_user=cio, version=r.version, self_score="1", statement="已按要求建设"
                )
        services.assessment_submit(assessment=assessment, acting_user=cio)
    return assessment


def new_page(chromium, width=1280):
    ARTIFACTS.mkdir(exist_ok=True)
    context = chromium.new_context(viewport={"width": width, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.on("dialog", lambda dialog: dialog.accept())
    return page


def next_todo(page):
    """J: to the next unreviewed item; wait until the new page is live."""
    before = page.url
    page.keyboard.press("j")
    page.wait_for_url(lambda url: url != before)
    page.wait_for_load_state("networkidle")


def saved(page):
    expect(page.get_by_test_id("review-save-state")).to_contain_text("已保存")


def test_reviewer_returns_school_answers_reviewer_finalises(demo, live_server, chromium):
    assessment = demo
    school = assessment.school.name
    reviewer = new_page(chromium)
    login(reviewer, live_server, "hd_reviewer", DEMO_PASSWORD)
    reviewer.wait_for_load_state("networkidle")
    reviewer.goto(f"{live_server.url}/reviews/")
    row = (
        reviewer.get_by_test_id("queue-row")
        .filter(has_text=school)
        .filter(has_text=assessment.campaign.title)
    )
    expect(row).to_contain_text("已提交")
    reviewer.screenshot(path=str(ARTIFACTS / "review-flow-queue.png"), full_page=True)
    row.get_by_role("button", name="开始评审").click()
    expect(reviewer.get_by_test_id("shortcuts")).to_contain_text("A 认可")
    reviewer.wait_for_load_state("networkidle")

    codes = []
    # item 1 and 2: accept with the keyboard, then J to the next unreviewed item
    for _ in range(2):
        codes.append(reviewer.url.rstrip("/").rsplit("/", 1)[-1])
        reviewer.keyboard.press("a")
        saved(reviewer)
        next_todo(reviewer)
    # item 3: adjust with a score and the mandatory comment
    codes.append(reviewer.url.rstrip("/").rsplit("/", 1)[-1])
    reviewer.keyboard.press("d")
    expect(reviewer.get_by_test_id("error")).to_contain_text("调整评分须填写评审意见")
    reviewer.fill("#review-score", "0.5")
    reviewer.fill("#comment", "佐证材料未体现常态化应用，酌情扣分。")
    saved(reviewer)
    expect(reviewer.get_by_test_id("review-total")).not_to_have_text("—")
    reviewer.screenshot(path=str(ARTIFACTS / "review-flow-workbench.png"), full_page=True)
    reviewer.keyboard.press("Escape")
    reviewer.locator("body").click(position={"x": 5, "y": 5})
    next_todo(reviewer)
    # item 4: needs more evidence, with the reason
    evidence_code = reviewer.url.rstrip("/").rsplit("/", 1)[-1]
    reviewer.click("label[for=verdict-more_evidence]")
    reviewer.fill("#comment", "请补充近一学期的运行记录。")
    saved(reviewer)
    reviewer.goto(f"{live_server.url}/reviews/assessments/{assessment.pk}/")
    expect(reviewer.get_by_test_id("return-form")).to_contain_text("请补充近一学期的运行记录")
    reviewer.screenshot(path=str(ARTIFACTS / "review-flow-summary.png"), full_page=True)
    reviewer.get_by_test_id("return").click()
    expect(reviewer.locator("main")).to_contain_text("已退回")
    assessment.refresh_from_db()
    assert assessment.status == "returned"
    r = assessment.responses.get(node__code=codes[2])
    assert (r.review_verdict, r.review_score) == ("adjust", 0.5)

    cio = new_page(chromium)
    login(cio, live_server, "hd_cio", DEMO_PASSWORD)
    cio.goto(f"{live_server.url}/assessments/{assessment.pk}/")
    returned = cio.get_by_test_id("returned-items")
    expect(returned).to_contain_text(evidence_code)
    expect(returned).to_contain_text("请补充近一学期的运行记录")
    expect(returned.locator("li")).to_have_count(1)
    cio.screenshot(path=str(ARTIFACTS / "review-flow-cio-returned.png"), full_page=True)
    returned.locator("a").first.click()
    expect(cio.get_by_test_id("return-reason")).to_contain_text("请补充近一学期的运行记录")
    cio.fill("#statement", "已补充本学期运行记录（见附件）。")
    cio.press("#statement", "Tab")
    expect(cio.get_by_test_id("save-state")).to_contain_text("已保存")
    cio.goto(f"{live_server.url}/assessments/{assessment.pk}/items/{codes[0]}/")
    expect(cio.get_by_test_id("locked")).to_contain_text("未被退回")
    cio.goto(f"{live_server.url}/assessments/{assessment.pk}/submit/")
    cio.click("[data-testid=confirm-submit]")
    expect(cio.locator("main")).to_contain_text("已提交")

    reviewer.goto(f"{live_server.url}/reviews/assessments/{assessment.pk}/items/{evidence_code}/")
    expect(reviewer.get_by_test_id("statement")).to_contain_text("已补充本学期运行记录")
    reviewer.wait_for_load_state("networkidle")
    reviewer.keyboard.press("a")
    saved(reviewer)
    # the remaining items are accepted through the service (the browser has shown how); the pages
    # are left first so no request of the live server holds SQLite's table lock meanwhile
    reviewer.wait_for_load_state("networkidle")
    reviewer.goto("about:blank")
    cio.context.close()
    hd_reviewer = get_user_model().objects.get(username="hd_reviewer")
    for r in assessment.responses.select_related("node").filter(review_verdict__isnull=True):
        services.verdict_save(response=r, acting_user=hd_reviewer, version=r.version, verdict="accept")
    reviewer.goto(f"{live_server.url}/reviews/assessments/{assessment.pk}/")
    reviewer.fill("#id_conclusion", "基础设施达标；教学应用仍需加强。")  # required to finalise
    reviewer.get_by_test_id("finalise").click()
    expect(reviewer.locator("main")).to_contain_text("评审已完成")
    reviewer.screenshot(path=str(ARTIFACTS / "review-flow-finalised.png"), full_page=True)
    assessment.refresh_from_db()
    assert assessment.status == "finalised" and assessment.review_round == 2
