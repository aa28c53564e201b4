"""Passwords in a real browser: a user changes their own; commission staff reset a school user's,
who must then choose their own at the next login; outside their region the account does not exist."""

import io
import re

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from playwright.sync_api import expect

from .conftest import ARTIFACTS, login

pytestmark = pytest.mark.browser

DEMO_PASSWORD = "Campus#2026"
NEW = "Wo-de-mima-2026"


@pytest.fixture
def demo(transactional_db):
    call_command("seed_demo", "--schools", "40", "--quiet", stdout=io.StringIO())


def logout(page) -> None:
    page.click("nav .dropdown-toggle")
    page.click("text=退出登录")
    page.wait_for_load_state("networkidle")


def test_user_changes_own_password_from_the_user_menu(demo, live_server, page):
    login(page, live_server, "hd_reviewer", DEMO_PASSWORD)
    page.click("nav .dropdown-toggle")
    page.click("text=修改密码")
    expect(page.locator("h1")).to_contain_text("修改密码")
    page.fill("#id_old_password", DEMO_PASSWORD)
    page.fill("#id_new_password1", "12345678")
    page.fill("#id_new_password2", "12345678")
    page.click("main button[type=submit]")
    expect(page.locator("main")).to_contain_text("这个密码太常见了")
    page.screenshot(path=str(ARTIFACTS / "accounts-password-change-refused.png"), full_page=True)
    page.fill("#id_old_password", DEMO_PASSWORD)
    page.fill("#id_new_password1", NEW)
    page.fill("#id_new_password2", NEW)
    page.click("main button[type=submit]")
    expect(page.locator("main")).to_contain_text("密码已修改")
    assert page.url.rstrip("/") == live_server.url
    page.screenshot(path=str(ARTIFACTS / "accounts-password-changed.png"), full_page=True)

    logout(page)
    login(page, live_server, "hd_reviewer", NEW)
    assert page.url.rstrip("/") == live_server.url
    expect(page.locator("nav")).to_contain_text("评审")


def test_commission_resets_a_school_password_and_the_user_must_change_it(demo, live_server, page):
    login(page, live_server, "bj_commission", DEMO_PASSWORD)
    page.click("nav >> text=用户")
    expect(page.locator("h1")).to_have_text("用户")
    page.fill("#id_q", "hd_cio")
    page.click("button:has-text('查询')")
    page.screenshot(path=str(ARTIFACTS / "accounts-user-list.png"), full_page=True)
    page.click("tr[data-username=hd_cio] >> text=重置密码")
    expect(page.locator("h1")).to_contain_text("重置")
    page.screenshot(path=str(ARTIFACTS / "accounts-reset-form.png"), full_page=True)
    page.once("dialog", lambda dialog: dialog.accept())  # data-confirm
    page.click("button:has-text('重置密码')")
    message = page.locator(".alert-success")
    expect(message).to_contain_text("只显示这一次")
    temporary = re.search(r"临时密码：(\S{4}-\S{4}-\S{4})", message.inner_text()).group(1)
    expect(page.locator("tr[data-username=hd_cio]")).to_contain_text("待本人修改密码")
    page.screenshot(path=str(ARTIFACTS / "accounts-reset-done.png"), full_page=True)
    logout(page)

    # the old password no longer works; the temporary one leads to the password change page only
    login(page, live_server, "hd_cio", DEMO_PASSWORD)
    expect(page.locator("main")).to_contain_text("用户名或密码不正确")
    login(page, live_server, "hd_cio", temporary)
    expect(page.get_by_test_id("password-change-required")).to_be_visible()
    assert "/accounts/password/" in page.url
    page.screenshot(path=str(ARTIFACTS / "accounts-forced-change.png"), full_page=True)
    page.goto(f"{live_server.url}/assessments/")
    assert "/accounts/password/" in page.url, "every page leads to the password change first"

    page.fill("#id_old_password", temporary)
    page.fill("#id_new_password1", NEW)
    page.fill("#id_new_password2", NEW)
    page.click("main button[type=submit]")
    expect(page.locator("main")).to_contain_text("密码已修改")
    assert page.url.endswith("/assessments/"), "back where the user wanted to go"
    page.goto(live_server.url)
    expect(page.locator("main")).to_contain_text("我负责的学校")
    assert get_user_model().objects.get(username="hd_cio").check_password(NEW)


def test_commission_cannot_reset_an_account_outside_its_region(demo, live_server, page):
    beijing_cio = get_user_model().objects.get(username="hd_cio")
    login(page, live_server, "zb_commission", DEMO_PASSWORD)
    page.click("nav >> text=用户")
    expect(page.locator("tr[data-username=hd_cio]")).to_have_count(0)
    expect(page.locator("tr[data-username=zd_cio]")).to_have_count(1)
    response = page.goto(f"{live_server.url}/accounts/users/{beijing_cio.pk}/password/")
    assert response.status == 404
    expect(page.get_by_test_id("error-page")).to_contain_text("页面不存在")
    main = page.inner_text("main")
    assert "hd_cio" not in main and "海淀" not in main and "北京" not in main
    page.screenshot(path=str(ARTIFACTS / "accounts-reset-out-of-scope-404.png"), full_page=True)
    page.click("text=返回工作台")
    assert page.url.rstrip("/") == live_server.url
    assert get_user_model().objects.get(username="hd_cio").check_password(DEMO_PASSWORD)


def test_lockout_page_in_the_browser(demo, live_server, page):
    for _ in range(5):
        login(page, live_server, "zd_cio", "wrong-password")
    expect(page.get_by_test_id("error-page")).to_contain_text("登录已暂时锁定")
    expect(page.get_by_test_id("error-page")).to_contain_text("重置后锁定立即解除")
    page.screenshot(path=str(ARTIFACTS / "accounts-lockout.png"), full_page=True)
