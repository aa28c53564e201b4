"""School facts and automatic checks in a real browser on the seeded demo (Zibo K-12): the CIO enters
the school's facts (a wrong value is explained in Chinese), sees ✓ / ✗ on the items the rules
concern, claims full marks where an advisory rule fails and submits with that failure listed; the
district reviewer sees the badge in the queue and the numbers on the item."""

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
def draft(transactional_db):
    """zd_cio's Zibo assessment, every item answered with half a point (no claim of full marks)
    except 1.1.1, which the CIO answers in the browser."""
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    call_command("load_frameworks", stdout=io.StringIO())
    call_command("seed_demo", "--schools", "40", "--quiet", stdout=io.StringIO())
    assessment = Assessment.objects.select_related("campaign__framework").get(
        campaign__framework__code="zibo-k12", school__memberships__user__username="zd_cio"
    )
    assert assessment.status == "draft"
    cio = get_user_model().objects.get(username="zd_cio")
    for r in assessment.responses.select_related("node", "assessment").order_by("node__position"):
        if r.node.code != "1.1.1":
            services.response_update(response=r, acting_user=cio, version=r.version, self_score="0.5")
    return assessment


def new_page(chromium):
    ARTIFACTS.mkdir(exist_ok=True)
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    return context.new_page()


def enter(page, code, value):
    field = page.locator(f"#fact-input-{code}")
    if field.evaluate("e => e.tagName") == "SELECT":
        field.select_option(value)
    else:
        field.fill(value)
        field.press("Tab")


def test_cio_enters_facts_submits_with_advisory_failure_reviewer_sees_badge_and_numbers(
    draft, live_server, chromium
):
    assessment = draft
    base = f"{live_server.url}/assessments/{assessment.pk}"
    cio = new_page(chromium)
    login(cio, live_server, "zd_cio", DEMO_PASSWORD)
    cio.goto(f"{base}/")
    cio.get_by_test_id("facts-tab").click()
    expect(cio.get_by_test_id("fact-checks")).to_contain_text("缺少出口带宽（Mbps）")

    # a wrong value is refused with a Chinese message, nothing saved; then the right one
    enter(cio, "students", "1200.5")
    expect(cio.get_by_test_id("fact-error")).to_contain_text("在校学生数应为整数（1200.5）")
    expect(cio.locator("#fact-state-students")).to_contain_text("未保存")
    cio.screenshot(path=str(ARTIFACTS / "facts-flow-invalid.png"), full_page=True)
    enter(cio, "students", "1200")
    expect(cio.locator("#fact-state-students")).to_contain_text("已保存")
    expect(cio.locator("#fact-error-students")).to_be_empty()

    enter(cio, "uplink_mbps", "500")
    expect(cio.locator("#fact-state-uplink_mbps")).to_contain_text("已保存")
    enter(cio, "ipv6", "true")
    expect(cio.locator("#fact-state-ipv6")).to_contain_text("已保存")
    enter(cio, "backbone_gbps", "10")
    expect(cio.locator("#fact-state-backbone_gbps")).to_contain_text("已保存")
    enter(cio, "classroom_mbps", "100")
    expect(cio.locator("#fact-state-classroom_mbps")).to_contain_text("已保存")
    expect(cio.get_by_test_id("facts-filled")).to_contain_text("已填 5 /")
    checks = cio.get_by_test_id("fact-checks")
    expect(checks).to_contain_text("不符合：出口带宽 500 Mbps；较大规模学校要求不低于 600 Mbps")
    expect(checks).to_contain_text("符合：支持 IPv6：是")
    cio.screenshot(path=str(ARTIFACTS / "facts-flow-tab.png"), full_page=True)

    # ✓ and ✗ on the items the rules concern
    cio.goto(f"{base}/items/1.1.2/")
    panel = cio.get_by_test_id("fact-check-panel")
    ipv6 = panel.get_by_test_id("check-pass").filter(has_text="支持 IPv6：是；要求支持 IPv6 用户访问")
    expect(ipv6).to_contain_text("✓ 符合")
    expect(panel.get_by_test_id("check-fail")).to_contain_text("到桌面的接入速率 100 Mbps")
    cio.goto(f"{base}/items/1.1.1/")
    panel = cio.get_by_test_id("fact-check-panel")
    expect(panel.get_by_test_id("check-fail")).to_contain_text("✗ 不符合")
    expect(panel.get_by_test_id("check-clause")).to_contain_text("较大规模学校接入互联网带宽不低于600M")
    expect(panel.get_by_test_id("check-numbers")).to_contain_text("500 Mbps")
    # full marks on 1.1.1, whose (advisory) check fails
    cio.fill("#self-score", "1")
    cio.press("#self-score", "Tab")
    expect(cio.get_by_test_id("save-state")).to_contain_text("已保存")
    cio.reload()
    expect(cio.get_by_test_id("claim-contradicted")).to_contain_text("自评为达标或满分，但自动校验不符合")
    cio.screenshot(path=str(ARTIFACTS / "facts-flow-item.png"), full_page=True)

    # the submit page lists the advisory failure; it does not refuse the submission
    cio.goto(f"{base}/submit/")
    advisory = cio.get_by_test_id("submit-advisory")
    expect(advisory).to_contain_text("出口带宽 500 Mbps")
    expect(cio.get_by_test_id("submit-refusing")).to_have_count(0)
    cio.screenshot(path=str(ARTIFACTS / "facts-flow-submit.png"), full_page=True)
    cio.click("[data-testid=confirm-submit]")
    expect(cio.locator("main")).to_contain_text("自评已提交")
    assessment.refresh_from_db()
    assert assessment.status == "submitted"
    cio.goto("about:blank")
    cio.context.close()

    # the reviewer: the badge in the queue, the numbers on the item
    reviewer = new_page(chromium)
    login(reviewer, live_server, "zd_reviewer", DEMO_PASSWORD)
    reviewer.goto(f"{live_server.url}/reviews/")
    row = reviewer.get_by_test_id("queue-row").filter(has_text=assessment.school.name)
    expect(row.get_by_test_id("claim-badge")).to_contain_text("1 项自评与自动校验不符")
    reviewer.screenshot(path=str(ARTIFACTS / "facts-flow-queue.png"), full_page=True)
    reviewer.goto(f"{live_server.url}/reviews/assessments/{assessment.pk}/items/1.1.1/")
    panel = reviewer.get_by_test_id("fact-check-panel")
    expect(panel).to_contain_text("出口带宽 500 Mbps")
    expect(panel.get_by_test_id("check-numbers")).to_contain_text("出口带宽 500 Mbps")
    expect(reviewer.get_by_test_id("claim-contradicted")).to_be_visible()
    reviewer.screenshot(path=str(ARTIFACTS / "facts-flow-review-item.png"), full_page=True)
    reviewer.goto(f"{live_server.url}/reviews/assessments/{assessment.pk}/")
    reviewer.get_by_test_id("facts-link").click()
    row = reviewer.get_by_test_id("fact-uplink_mbps")
    row.locator("summary").click()
    row.get_by_label("该数据存疑，需学校核实").check()
    row.locator("textarea").fill("佐证合同为 300M，请核实")
    row.get_by_role("button", name="保存存疑标记").click()
    expect(reviewer.get_by_test_id("fact-uplink_mbps").get_by_test_id("fact-doubt")).to_contain_text(
        "佐证合同为 300M，请核实"
    )
    reviewer.screenshot(path=str(ARTIFACTS / "facts-flow-review-facts.png"), full_page=True)
    reviewer.goto("about:blank")
