"""The CIO's self-assessment in a real browser: autosave, live progress and score, evidence upload,
submission and the lock after it — for a points framework (Beijing K-12) and a compliance one (Zhejiang)."""

import io
import os
import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from assessments import services
from assessments.models import Assessment
from tests.samples import pdf_bytes

from .conftest import ARTIFACTS, login

pytestmark = pytest.mark.browser

DEMO_PASSWORD = "Campus#2026"
PDF = pdf_bytes("网络拓扑图")


@pytest.fixture
def demo(transactional_db):
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # Playwright's sync API runs an event loop
    call_command("load_frameworks", stdout=io.StringIO())
    call_command("seed_demo", "--schools", "40", "--quiet", stdout=io.StringIO())


def fill_item(page, *, score: str | None = None, status: str | None = None, statement: str) -> None:
    if score is not None:
        page.fill("#self-score", score)
        page.press("#self-score", "Tab")  # `change` → autosave
    else:
        page.click(f"label[for=status-{status}]")
    expect(page.get_by_test_id("save-state")).to_contain_text("已保存")
    page.fill("#statement", statement)
    page.press("#statement", "Tab")
    expect(page.get_by_test_id("save-state")).to_contain_text("已保存")


def upload_pdf(page) -> None:
    """Upload a PDF through the evidence panel the item page loads."""
    file_input = page.locator("#evidence-panel input[type=file]")
    file_input.first.wait_for(state="attached", timeout=10000)
    file_input.first.set_input_files({"name": "网络拓扑图.pdf", "mimeType": "application/pdf", "buffer": PDF})
    submit = page.locator("#evidence-panel button[type=submit]")
    if submit.count():
        submit.first.click()
    expect(page.locator("#evidence-panel")).to_contain_text("网络拓扑图", timeout=10000)


def test_cio_fills_beijing_items_sees_progress_and_submits(demo, live_server, page):
    login(page, live_server, "hd_cio", DEMO_PASSWORD)
    page.click("text=进入自评")
    expect(page.get_by_test_id("progress")).to_have_text("0 / 46")
    page.click("text=继续填写")
    scores = ["1", "1.5", "0.5"]
    totals = ["1", "2.5", "3"]
    for i, (score, total) in enumerate(zip(scores, totals, strict=True)):
        fill_item(page, score=score, statement=f"第{i + 1}项说明\n建设情况良好")
        expect(page.get_by_test_id("progress")).to_have_text(f"{i + 1} / 46")
        expect(page.get_by_test_id("live-score")).to_have_text(re.compile(rf"^\s*{re.escape(total)} / 100"))
        if i == 0:
            upload_pdf(page)
            page.screenshot(path=str(ARTIFACTS / "cio-flow-beijing-item.png"), full_page=True)
        page.click("[data-testid=next]")
    # a score out of range gets a Chinese message and leaves nothing half-written
    page.fill("#self-score", "99")
    page.press("#self-score", "Tab")
    expect(page.get_by_test_id("error")).to_contain_text("最高")
    page.screenshot(path=str(ARTIFACTS / "cio-flow-beijing-error.png"), full_page=True)

    assessment = Assessment.objects.get(
        campaign__framework__code="beijing-k12",
        campaign__year=2026,
        school__memberships__user__username="hd_cio",
    )
    page.goto(f"{live_server.url}/assessments/{assessment.pk}/submit/")
    expect(page.get_by_test_id("missing")).to_contain_text("1.4")  # exactly what is missing, with links
    # the rest is filled through the service (43 more items add nothing to what the browser proves)
    cio = assessment.school.memberships.get().user
    for r in assessment.responses.select_related("node", "assessment").filter(self_score__isnull=True):
        services.response_update(response=r, acting_user=cio, version=r.version, self_score="1")
    page.goto(f"{live_server.url}/assessments/{assessment.pk}/")
    expect(page.get_by_test_id("progress")).to_have_text("46 / 46")
    page.screenshot(path=str(ARTIFACTS / "cio-flow-beijing-overview.png"), full_page=True)
    page.click("text=检查并提交")
    page.click("[data-testid=confirm-submit]")
    expect(page.locator("main")).to_contain_text("自评已提交")
    expect(page.locator("main")).to_contain_text("已提交")
    page.screenshot(path=str(ARTIFACTS / "cio-flow-beijing-submitted.png"), full_page=True)
    first = assessment.responses.order_by("node__position").first().node.code
    page.goto(f"{live_server.url}/assessments/{assessment.pk}/items/{first}/")
    expect(page.get_by_test_id("locked")).to_contain_text("已提交")
    expect(page.locator("#self-score")).to_be_disabled()
    # evidence of a submitted assessment cannot change either
    expect(page.locator("#evidence-panel")).to_contain_text("网络拓扑图")
    expect(page.locator("#evidence-panel input[type=file]")).to_have_count(0)
    page.screenshot(path=str(ARTIFACTS / "cio-flow-beijing-locked.png"), full_page=True)
    assessment.refresh_from_db()
    assert assessment.status == "submitted"


def test_cio_fills_zhejiang_compliance_items(demo, live_server, page):
    login(page, live_server, "hz_cio", DEMO_PASSWORD)
    page.click("text=进入自评")
    page.click("text=继续填写")
    for i, status in enumerate(["met", "partial", "met"]):
        fill_item(page, status=status, statement=f"条目{i + 1}：已对照检查")
        expect(page.get_by_test_id("progress")).to_have_text(f"{i + 1} / 88")
        page.click("[data-testid=next]")
    expect(page.get_by_test_id("live-score")).not_to_have_text("0%")
    expect(page.locator("#status-na")).to_have_count(0)  # required item: no 不适用
    page.screenshot(path=str(ARTIFACTS / "cio-flow-zhejiang-item.png"), full_page=True)
