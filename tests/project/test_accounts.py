"""Account pages: changing one's own password, resets by commission staff and by e-mail, and the
rule that a password someone else set is replaced before anything else (pages and API)."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token

from assessments import services
from tests.factories import PASSWORD

NEW = "Mein-eigenes-2026"


def login(username: str, password: str = PASSWORD) -> Client:
    client = Client()
    response = client.post(reverse("login"), {"username": username, "password": password})
    assert response.status_code == 302, response.content.decode()[:300]
    return client


# --- one's own password ---------------------------------------------------------------------------


def test_user_menu_offers_the_password_change(world, client_for):
    html = client_for("cio").get(reverse("home")).content.decode()
    assert f'href="{reverse("accounts:password-change")}"' in html and "修改密码" in html


def test_change_own_password(world, client_for):
    client = client_for("reviewer")
    page = client.get(reverse("accounts:password-change"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "旧密码" in html and "新密码" in html and "password-change-required" not in html

    wrong = client.post(
        reverse("accounts:password-change"),
        {"old_password": "wrong", "new_password1": NEW, "new_password2": NEW},
    )
    assert wrong.status_code == 400
    assert "你的旧密码不正确" in wrong.content.decode()

    done = client.post(
        reverse("accounts:password-change"),
        {"old_password": PASSWORD, "new_password1": NEW, "new_password2": NEW},
        follow=True,
    )
    assert done.redirect_chain[-1][0] == reverse("home")
    assert "密码已修改" in done.content.decode()
    world.users["reviewer"].refresh_from_db()
    assert world.users["reviewer"].check_password(NEW)
    assert client.get(reverse("home")).status_code == 200, "this session stays signed in"


def test_weak_new_password_is_refused_in_chinese(world, client_for):
    response = client_for("cio").post(
        reverse("accounts:password-change"),
        {"old_password": PASSWORD, "new_password1": "12345678", "new_password2": "12345678"},
    )
    assert response.status_code == 400
    assert "这个密码太常见了" in response.content.decode()


# --- a password someone else set ----------------------------------------------------------------


def test_after_a_reset_the_user_must_change_the_password_before_anything_else(world):
    temporary = services.password_reset(user=world.users["cio"], acting_user=world.users["commission"])
    client = login("cio", temporary)

    home = client.get(reverse("home"))
    assert home.status_code == 302
    assert home["Location"] == reverse("accounts:password-change") + "?next=%2F"
    page = client.get(home["Location"])
    assert "password-change-required" in page.content.decode()
    # htmx fragments get a whole-page redirect; the API a JSON refusal
    fragment = client.get(reverse("assessments:notification-unread"), headers={"HX-Request": "true"})
    assert fragment.status_code == 204 and fragment["HX-Redirect"] == reverse("accounts:password-change")
    # …except the fragments of the change page itself (its navigation's bell): nothing to swap
    on_page = client.get(
        reverse("assessments:notification-unread"),
        headers={"HX-Request": "true", "HX-Current-URL": f"http://testserver{home['Location']}"},
    )
    assert on_page.status_code == 204 and "HX-Redirect" not in on_page
    api = client.get("/api/schools/")
    assert api.status_code == 403
    assert api.json()["error"]["code"] == "password_change_required"
    assert "修改密码" in api.json()["error"]["message"]

    done = client.post(
        reverse("accounts:password-change"),
        {"old_password": temporary, "new_password1": NEW, "new_password2": NEW, "next": "/"},
    )
    assert done.status_code == 302 and done["Location"] == "/"
    assert client.get(reverse("home")).status_code == 200
    assert client.get("/api/schools/").status_code == 200
    # and the next login goes straight in
    assert login("cio", NEW).get(reverse("home")).status_code == 200


def test_api_token_is_refused_until_the_password_is_changed(world):
    cio = world.users["cio"]
    token = Token.objects.create(user=cio)
    api = Client(headers={"Authorization": f"Token {token.key}"})
    assert api.get("/api/schools/").status_code == 200
    services.password_reset(user=cio, acting_user=world.users["commission"])
    refused = api.get("/api/schools/")
    assert refused.status_code == 403
    error = refused.json()["error"]
    assert error["code"] == "password_change_required"
    assert error["message"].startswith("您的密码由他人设置")
    services.password_change(user=cio, password=NEW)
    assert api.get("/api/schools/").status_code == 200


def test_a_reset_ends_the_users_other_sessions(world):
    client = login("cio")
    assert client.get(reverse("home")).status_code == 200
    services.password_reset(user=world.users["cio"], acting_user=world.users["commission"])
    response = client.get(reverse("home"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


# --- commission staff reset passwords in their scope -----------------------------------------------


def test_commission_lists_the_accounts_it_looks_after(world, client_for, django_assert_max_num_queries):
    client = client_for("commission")
    with django_assert_max_num_queries(12):
        response = client.get(reverse("accounts:user-list"))
    assert response.status_code == 200
    html = response.content.decode()
    for username in ("cio", "other_cio", "reviewer", "other_reviewer"):
        assert f'data-username="{username}"' in html
    assert 'data-username="other_commission"' not in html
    assert "学校信息化负责人 · 甲一区第一小学" in html
    found = client.get(reverse("accounts:user-list"), {"q": "other_"}).content.decode()
    assert 'data-username="other_cio"' in found and 'data-username="cio"' not in found


def test_navigation_offers_the_accounts_to_commission_staff_only(world, client_for):
    assert f'href="{reverse("accounts:user-list")}"' in client_for("commission").get("/").content.decode()
    assert f'href="{reverse("accounts:user-list")}"' not in client_for("cio").get("/").content.decode()


def test_commission_resets_a_password_and_sees_it_once(world, client_for):
    client = client_for("commission")
    url = reverse("accounts:user-password-reset", args=[world.users["cio"].pk])
    form = client.get(url)
    assert form.status_code == 200 and "重置密码" in form.content.decode()
    response = client.post(url, {"password": ""}, follow=True)
    html = response.content.decode()
    temporary = re.search(r"设置临时密码：(\S{4}-\S{4}-\S{4})（只显示这一次）", html).group(1)
    world.users["cio"].refresh_from_db()
    assert world.users["cio"].check_password(temporary)
    assert "待本人修改密码" in html
    again = client.get(reverse("accounts:user-list")).content.decode()
    assert temporary not in again, "the temporary password is shown once"


def test_a_typed_weak_temporary_password_is_a_400(world, client_for):
    response = client_for("commission").post(
        reverse("accounts:user-password-reset", args=[world.users["cio"].pk]), {"password": "12345678"}
    )
    assert response.status_code == 400
    assert "新密码不符合要求" in response.content.decode()
    world.users["cio"].refresh_from_db()
    assert world.users["cio"].check_password(PASSWORD)


@pytest.mark.parametrize("method", ["get", "post"])
def test_reset_outside_the_scope_is_a_404_that_names_nothing(world, client_for, method):
    url = reverse("accounts:user-password-reset", args=[world.users["cio"].pk])
    response = getattr(client_for("other_commission"), method)(url, {"password": "Anything#2026"})
    assert response.status_code == 404
    html = response.content.decode()
    assert "页面不存在" in html
    for name in ("cio", world.users["cio"].first_name, world.school_a1.name, world.district_a1.name):
        assert f">{name}<" not in html and name not in html.split("<main", 1)[1]
    world.users["cio"].refresh_from_db()
    assert world.users["cio"].check_password(PASSWORD)


@pytest.mark.parametrize("role", ["cio", "reviewer"])
def test_accounts_pages_do_not_exist_for_schools_and_reviewers(world, client_for, role):
    client = client_for(role)
    assert client.get(reverse("accounts:user-list")).status_code == 404
    assert (
        client.get(reverse("accounts:user-password-reset", args=[world.users["other_cio"].pk])).status_code
        == 404
    )


# --- reset by e-mail --------------------------------------------------------------------------------


def test_password_reset_by_email(world, client, settings):
    settings.SITE_URL = "https://smartcampus.example.edu.cn"
    cio = world.users["cio"]
    cio.email = "cio@example.edu.cn"
    cio.save()
    login_page = client.get(reverse("login")).content.decode()
    assert f'href="{reverse("accounts:password-reset")}"' in login_page

    sent = client.post(reverse("accounts:password-reset"), {"email": "CIO@example.edu.cn"})
    assert sent.status_code == 302 and sent["Location"] == reverse("accounts:password-reset-sent")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.subject == "[智慧校园自评平台] 重置密码"
    assert "您的用户名：cio" in message.body
    link = re.search(
        r"https://smartcampus\.example\.edu\.cn(/accounts/password/reset/\S+/)", message.body
    ).group(1)

    form = client.get(link, follow=True)
    assert "设置新密码" in form.content.decode()
    done = client.post(form.redirect_chain[-1][0], {"new_password1": NEW, "new_password2": NEW})
    assert done.status_code == 302 and done["Location"] == reverse("accounts:password-reset-complete")
    cio.refresh_from_db()
    assert cio.check_password(NEW)
    assert "链接已失效" in client.get(link, follow=True).content.decode(), "a link works once"


def test_unknown_email_sends_nothing_and_says_the_same(world, client):
    sent = client.post(reverse("accounts:password-reset"), {"email": "nobody@example.cn"}, follow=True)
    assert "请查收邮件" in sent.content.decode()
    assert not mail.outbox


def test_without_email_the_reset_pages_do_not_exist_and_the_login_page_says_whom_to_ask(db, client, settings):
    settings.PASSWORD_RESET_BY_EMAIL = False
    assert client.get(reverse("accounts:password-reset")).status_code == 404
    html = client.get(reverse("login")).content.decode()
    assert reverse("accounts:password-reset") not in html
    assert "忘记密码？请联系本单位的教委工作人员重置密码。" in html


def test_lockout_page_says_how_to_get_help(world, settings):
    client = Client()
    for _ in range(5):
        response = client.post(reverse("login"), {"username": "cio", "password": "wrong"})
    assert response.status_code == 429
    html = response.content.decode()
    assert "15 分钟后可再次尝试" in html
    assert "在平台“用户”页面为您重置密码：重置后锁定立即解除" in html
    assert f'href="{reverse("accounts:password-reset")}"' in html
    # and a reset by commission staff does lift it
    temporary = services.password_reset(user=world.users["cio"], acting_user=world.users["commission"])
    assert client.post(reverse("login"), {"username": "cio", "password": temporary}).status_code == 302
