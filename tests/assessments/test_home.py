import pytest
from django.urls import reverse


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("cio", ["我负责的学校", "甲一区第一小学"]),
        ("reviewer", ["评审地区", "甲一区"]),
        ("commission", ["管辖地区", "甲一区", "甲二区", "批量导入"]),
    ],
)
def test_home_sends_each_role_to_its_work(world, client_for, role, expected):
    html = client_for(role).get(reverse("home")).content.decode()
    assert '<html lang="zh-CN">' in html
    for text in expected:
        assert text in html


def test_home_of_reviewer_does_not_leak_other_district(world, client_for):
    html = client_for("reviewer").get(reverse("home")).content.decode()
    assert "甲二区" not in html and "乙一区" not in html


def test_login_page_is_chinese_and_login_works(world, login_password):
    from django.test import Client

    client = Client()
    page = client.get(reverse("login")).content.decode()
    assert "登录" in page and "用户名" in page
    bad = client.post(reverse("login"), {"username": "cio", "password": "wrong"}).content.decode()
    assert "用户名或密码不正确" in bad
    ok = client.post(reverse("login"), {"username": "cio", "password": login_password})
    assert ok.status_code == 302 and ok["Location"] == reverse("home")


def test_user_without_role_is_told_so(db, client):
    from tests.factories import UserFactory

    client.force_login(UserFactory(username="nobody"))
    assert "尚未分配角色" in client.get(reverse("home")).content.decode()


def test_english_is_available_as_second_locale(world, client_for):
    client = client_for("cio")
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    html = client.get(reverse("home")).content.decode()
    assert '<html lang="en">' in html


def test_healthz(db, client):
    assert client.get("/healthz").json() == {"status": "ok"}


def test_region_cards_count_the_whole_subtree(world, client_for):
    from assessments.selectors import region_overview

    counts = {r.code: r.school_count for r in region_overview(user=world.users["commission"])}
    assert counts == {"110000": 3, "110108": 2, "110105": 1}


def test_chinese_is_the_default_whatever_the_browser_asks(world, client_for):
    html = client_for("cio").get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert '<html lang="zh-CN">' in html
    assert '<option value="zh-hans" selected>' in html
