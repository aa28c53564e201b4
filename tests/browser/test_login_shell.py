"""Each demo role logs in through the real browser and lands on its own Chinese home page."""

import pytest
from django.core.management import call_command

from .conftest import ARTIFACTS, login

pytestmark = pytest.mark.browser

DEMO_PASSWORD = "Campus#2026"


@pytest.fixture
def demo(transactional_db):
    call_command("seed_demo", "--schools", "60", "--quiet")


@pytest.mark.parametrize(
    ("username", "sees", "does_not_see"),
    [
        ("hd_cio", "我负责的学校", "批量导入"),
        ("hd_reviewer", "海淀区", "朝阳区"),
        ("bj_commission", "管辖地区", "淄博市"),
    ],
)
def test_demo_role_logs_in_and_sees_its_scope(demo, live_server, page, username, sees, does_not_see):
    login(page, live_server, username, DEMO_PASSWORD)
    assert page.url.rstrip("/") == live_server.url
    body = page.inner_text("main")
    assert sees in body
    assert does_not_see not in body
    assert page.get_attribute("html", "lang") == "zh-CN"
    page.screenshot(path=str(ARTIFACTS / f"home-{username}.png"), full_page=True)


def test_wrong_password_shows_a_chinese_message(demo, live_server, page):
    login(page, live_server, "hd_cio", "wrong-password")
    assert "用户名或密码不正确" in page.inner_text("main")


def test_navigation_collapses_on_a_phone(demo, live_server, page):
    page.set_viewport_size({"width": 390, "height": 844})
    login(page, live_server, "bj_commission", DEMO_PASSWORD)
    assert page.is_visible(".navbar-toggler")
    page.click(".navbar-toggler")
    page.wait_for_selector("#mainnav.show")
    assert page.is_visible("text=批量导入")
    page.screenshot(path=str(ARTIFACTS / "home-phone-commission.png"), full_page=True)
