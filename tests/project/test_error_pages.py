"""Error pages: in the product's shell, in Chinese, with a way back home — and the 500 page renders
while the database is down."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.db import OperationalError
from django.db.backends.base.base import BaseDatabaseWrapper
from django.test import Client, RequestFactory
from django.urls import reverse
from django.views.defaults import permission_denied

HOME_LINK = '<a class="btn btn-primary" href="/">'


def assert_product_page(html: str, heading: str) -> None:
    assert heading in html
    assert "返回工作台" in html and HOME_LINK in html
    assert "智慧校园自评平台" in html  # the brand of the shell
    assert "favicon.svg" in html
    assert "Not Found" not in html and "Server Error" not in html


def test_out_of_scope_object_renders_the_chinese_404_page(world, client_for, settings):
    settings.DEBUG = False
    response = client_for("other_commission").get(
        reverse("assessments:school-detail", args=[world.school_a1.pk])
    )
    assert response.status_code == 404
    html = response.content.decode()
    assert_product_page(html, "页面不存在")
    assert "不在您的权限范围内" in html
    # it names nothing of the other scope
    for name in (world.school_a1.name, world.district_a1.name, world.city_a.name):
        assert name not in html
    # the signed-in user keeps the navigation of every other page
    assert "工作台" in html and 'id="mainnav"' in html


def test_unknown_address_renders_the_same_404_page_for_anonymous_users(db, client, settings):
    settings.DEBUG = False
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert_product_page(response.content.decode(), "页面不存在")


@pytest.fixture
def database_down(monkeypatch):
    """Every attempt to reach the database fails as it does when PostgreSQL is down."""
    attempts = []

    def refuse(self):
        attempts.append(self.alias)
        raise OperationalError('connection to server at "127.0.0.1", port 5432 failed: Connection refused')

    monkeypatch.setattr(BaseDatabaseWrapper, "ensure_connection", refuse)
    return attempts


@pytest.mark.parametrize("signed_in", [False, True])
def test_forced_error_renders_the_500_page_with_the_database_unavailable(database_down, settings, signed_in):
    settings.DEBUG = False
    client = Client(raise_request_exception=False)
    if signed_in:
        # a session cookie: loading the session needs the database, which is down
        client.cookies[settings.SESSION_COOKIE_NAME] = "a" * 32
        response = client.get(reverse("home"))
    else:
        response = client.get(reverse("healthz"))  # SELECT 1 on a database that is down
    assert database_down, "the request must have tried the database"
    assert response.status_code == 500
    html = response.content.decode()
    assert_product_page(html, "服务器出错了")
    assert "错误已记录" in html


def test_bad_request_renders_the_chinese_400_page(db, settings):
    settings.DEBUG = False
    response = Client(raise_request_exception=False).get("/", headers={"host": "evil.example"})
    assert response.status_code == 400
    assert_product_page(response.content.decode(), "请求有误")


def test_permission_denied_renders_the_chinese_403_page(db):
    request = RequestFactory().get("/")
    from django.contrib.auth.models import AnonymousUser

    request.user = AnonymousUser()
    response = permission_denied(request, PermissionDenied())
    assert response.status_code == 403
    assert_product_page(response.content.decode(), "没有访问权限")


def test_csrf_failure_renders_the_chinese_page(db, settings):
    settings.DEBUG = False
    response = Client(enforce_csrf_checks=True).post(reverse("login"), {"username": "x", "password": "y"})
    assert response.status_code == 403
    assert_product_page(response.content.decode(), "页面已过期")


def test_favicon_is_linked_and_served(db, client):
    html = client.get(reverse("login")).content.decode()
    assert 'rel="icon" href="/static/favicon.svg" type="image/svg+xml"' in html
    assert 'rel="icon" href="/static/favicon.ico"' in html
    from django.contrib.staticfiles import finders

    svg = finders.find("favicon.svg")
    ico = finders.find("favicon.ico")
    assert svg and open(svg, encoding="utf-8").read().startswith("<svg")
    assert ico and open(ico, "rb").read(4) == b"\x00\x00\x01\x00"  # the ICO signature
