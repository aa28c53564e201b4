"""Autosave in a real browser when saving fails: never a false 「已保存」, nothing typed is lost.

- PostgreSQL stopped while the CIO types (the real server of the session, stopped and started again):
  the badge says 「未保存」 with the reason, leaving the page asks first, and once the database is back
  the retries save exactly the typed text.
- The reviewer's verdict: server errors and a dropped connection (the browser's requests intercepted)
  show 「未保存」 and the comment is saved by a retry.
"""

from __future__ import annotations

import re

import pytest
from django.db import connections
from django.urls import reverse
from playwright.sync_api import expect

from assessments.models import ItemResponse
from tests.conftest import requires_services
from tests.factories import PASSWORD, fill_and_submit, small_points_framework
from tests.servers import session_postgres_start, session_postgres_stop

from ..assessments.conftest import make_campaign
from .conftest import ARTIFACTS, login

pytestmark = pytest.mark.browser


@pytest.fixture
def item(transactional_db, world) -> ItemResponse:
    campaign = make_campaign(world, small_points_framework())
    assessment = campaign.assessments.get(school=world.school_a1)
    return assessment.responses.select_related("node").order_by("node__position").first()


def _item_url(live_server, item) -> str:
    return live_server.url + reverse("assessments:assessment-item", args=[item.assessment_id, item.node.code])


@requires_services
def test_autosave_while_postgresql_is_stopped_says_unsaved_and_saves_once_it_is_back(live_server, page, item):
    login(page, live_server, "cio", PASSWORD)
    page.goto(_item_url(live_server, item))
    badge = page.get_by_test_id("save-state")
    page.fill("#statement", "第一段：统一身份认证已上线。")
    page.press("#statement", "Tab")
    expect(badge).to_contain_text("已保存")

    typed = "第一段：统一身份认证已上线。\n第二段：数据库停机期间输入的内容。"
    session_postgres_stop()
    try:
        page.fill("#statement", typed)
        page.press("#statement", "Tab")
        expect(badge).to_have_text("未保存", timeout=20_000)
        expect(page.get_by_test_id("save-error")).to_contain_text("服务器暂时无法保存（错误 500）")
        expect(page.locator("#statement")).to_have_value(typed)
        page.screenshot(path=str(ARTIFACTS / "autosave-database-down.png"), full_page=True)

        dialogs = []
        page.once("dialog", lambda dialog: (dialogs.append(dialog.type), dialog.dismiss()))
        page.close(run_before_unload=True)  # the user closes the tab: asked, and stays
        expect(page.locator("#statement")).to_have_value(typed)
        assert dialogs == ["beforeunload"]
    finally:
        session_postgres_start()
    expect(badge).to_contain_text("已保存", timeout=60_000)  # retried with backoff (at most 30 s)
    expect(page.get_by_test_id("save-error")).to_have_count(0)

    connections.close_all()  # this thread's connection died with the server
    item.refresh_from_db()
    assert item.statement == typed
    dialogs.clear()
    page.once("dialog", lambda dialog: (dialogs.append(dialog.type), dialog.dismiss()))
    page.reload()
    expect(page.locator("#statement")).to_have_value(typed)
    assert dialogs == []  # everything saved: leaving asks nothing


def test_verdict_autosave_retries_after_server_errors_and_a_dropped_connection(
    live_server, page, world, item
):
    submitted = fill_and_submit(item.assessment, world.users["cio"])
    response = submitted.responses.select_related("node").order_by("node__position").first()
    save_url = reverse("assessments:review-item-save", args=[submitted.pk, response.node.code])
    outcomes = ["500", "abort"]  # the first two saves fail, the next ones reach the server

    def flaky(route):
        outcome = outcomes.pop(0) if outcomes else "pass"
        if outcome == "500":
            route.fulfill(status=500, body="<h1>Server Error (500)</h1>", content_type="text/html")
        elif outcome == "abort":
            route.abort("connectionreset")
        else:
            route.continue_()

    login(page, live_server, "reviewer", PASSWORD)
    page.route(re.compile(re.escape(save_url) + "$"), flaky)
    page.goto(live_server.url + reverse("assessments:review-item", args=[submitted.pk, response.node.code]))
    badge = page.get_by_test_id("review-save-state")
    page.click("label[for=verdict-more_evidence]")
    page.fill("#comment", "请补充机房照片")
    page.press("#comment", "Tab")
    expect(badge).to_have_text("未保存", timeout=20_000)
    expect(page.get_by_test_id("save-error")).to_be_visible()
    expect(badge).to_contain_text("已保存", timeout=60_000)
    page.screenshot(path=str(ARTIFACTS / "autosave-verdict-retried.png"), full_page=True)
    assert outcomes == []
    response.refresh_from_db()
    assert (response.review_verdict, response.review_comment) == ("more_evidence", "请补充机房照片")
