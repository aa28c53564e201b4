"""The framework page in a real browser: commission staff open the collapsed 「数据说明」; a school
user reads the same page without any transcription warning."""

import io

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from .conftest import ARTIFACTS, login

pytestmark = pytest.mark.browser

DEMO_PASSWORD = "Campus#2026"


@pytest.fixture
def demo(transactional_db):
    call_command("load_frameworks", stdout=io.StringIO())
    call_command("seed_demo", "--schools", "20", "--quiet", stdout=io.StringIO())


def test_data_notes_for_commission_staff_only(demo, live_server, page):
    login(page, live_server, "bj_commission", DEMO_PASSWORD)
    page.goto(f"{live_server.url}/frameworks/beijing-k12/")
    notes = page.get_by_test_id("data-notes")
    expect(notes).to_be_visible()
    expect(notes.locator("p").first).to_be_hidden()  # collapsed until opened
    notes.locator("summary").click()
    expect(notes).to_contain_text("原文")
    first_node_note = page.get_by_test_id("node-data-note").first
    first_node_note.locator("summary").click()
    expect(first_node_note).to_contain_text("原文提取丢失")
    page.screenshot(path=str(ARTIFACTS / "framework-data-notes-commission.png"))

    page.click("nav .dropdown-toggle")
    page.click("text=退出登录")
    login(page, live_server, "hd_cio", DEMO_PASSWORD)
    page.goto(f"{live_server.url}/frameworks/beijing-k12/")
    expect(page.get_by_test_id("data-notes")).to_have_count(0)
    expect(page.get_by_test_id("node-data-note")).to_have_count(0)
    main = page.inner_text("main")
    assert "推定" not in main and "原文提取" not in main
    assert "普适性数字终端环境" in main
    page.screenshot(path=str(ARTIFACTS / "framework-school-view.png"))
