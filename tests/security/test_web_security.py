"""Web security: login lockout, password rules in Chinese, CSP, CSRF on forms and htmx, framing,
and the production settings (secure cookies, HSTS) verified from a real settings import."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import translation

from tests.assessments.test_imports import preview, xlsx
from tests.factories import PASSWORD

ROOT = Path(__file__).resolve().parents[2]
LOGIN = "/accounts/login/"


# --- login throttling (django-axes) -----------------------------------------------------------------


def _attempt(client: Client, username: str, password: str, ip: str = "10.0.0.1"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_five_failures_lock_the_username_from_that_address(world):
    client = Client()
    for _ in range(4):
        r = _attempt(client, "cio", "wrong")
        assert r.status_code == 200 and "用户名或密码不正确" in r.content.decode()
    r = _attempt(client, "cio", "wrong")  # the fifth failure locks
    assert r.status_code == 429
    # even the right password is refused now, with a Chinese page that says what to do
    r = _attempt(client, "cio", PASSWORD)
    assert r.status_code == 429
    page = r.content.decode()
    assert "登录已暂时锁定" in page and "15 分钟" in page and "5 次密码错误" in page
    assert "_auth_user_id" not in client.session

    # the lock is per username + address: the same user elsewhere, another user here still log in
    assert _attempt(Client(), "cio", PASSWORD, ip="10.0.0.2").status_code == 302
    assert _attempt(Client(), "reviewer", PASSWORD).status_code == 302


def test_a_success_resets_the_failure_count(world):
    client = Client()
    for _ in range(4):
        _attempt(client, "reviewer", "wrong")
    assert _attempt(client, "reviewer", PASSWORD).status_code == 302
    other = Client()
    for _ in range(4):
        assert _attempt(other, "reviewer", "wrong").status_code == 200


def test_existing_test_logins_still_work(world, client):
    """`client.login()` (no request) passes the test backend; force_login never authenticates."""
    assert client.login(username="cio", password=PASSWORD)


def test_axes_backend_comes_first_in_production():
    from smartcampus.settings import base

    assert base.AUTHENTICATION_BACKENDS[0] == "axes.backends.AxesStandaloneBackend"
    assert base.MIDDLEWARE[-1] == "axes.middleware.AxesMiddleware"


# --- password rules -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("password", "message"),
    [("a1", "太短"), ("password123", "太常见"), ("83749261", "只包含数字")],
)
def test_password_validators_answer_in_chinese(password, message):
    with translation.override("zh-hans"), pytest.raises(ValidationError) as exc:
        validate_password(password)
    assert any(message in m for m in exc.value.messages), exc.value.messages


def test_user_import_uses_the_password_validators(world, client_for):
    rows = [
        ("用户名", "姓名", "邮箱", "初始密码", "角色", "学校标识码", "地区代码"),
        ("weak_one", "甲", "", "password123", "学校信息化负责人", "S-A1", ""),
    ]
    p = preview(client_for("commission"), "users", xlsx(rows)).context["preview"]
    [error] = p.errors
    assert error.messages == ["“初始密码”不符合要求：这个密码太常见了。"]


# --- CSP ------------------------------------------------------------------------------------------------


def test_pages_carry_a_strict_csp(world, client_for):
    r = client_for("cio").get("/")
    policy = dict(
        (part.split(" ", 1) + [""])[:2]
        for part in (p.strip() for p in r["Content-Security-Policy"].split(";"))
    )
    assert policy["script-src"] == "'self'"
    assert policy["style-src"] == "'self'"
    assert policy["frame-ancestors"] == "'self'"
    assert policy["object-src"] == "'none'"
    assert "unsafe-eval" not in r["Content-Security-Policy"]


#: templates rendered only into PDF by WeasyPrint, never served to a browser (CSP does not apply)
PDF_ONLY_TEMPLATES = {"templates/reports/school_report.html", "templates/reports/rectification_notice.html"}
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I)
INLINE_HANDLER = re.compile(r"\s(on[a-z]+|hx-on[:\w-]*)\s*=", re.I)


def test_templates_have_no_inline_script_or_handlers():
    """CSP refuses them; this names the template instead of a blank button in the browser."""
    offenders = []
    for template in sorted((ROOT / "templates").rglob("*.html")) + sorted(ROOT.glob("*/templates/**/*.html")):
        if str(template.relative_to(ROOT)) in PDF_ONLY_TEMPLATES:
            continue
        text = template.read_text(encoding="utf-8")
        for pattern in (INLINE_SCRIPT, INLINE_HANDLER):
            offenders += [
                f"{template.relative_to(ROOT)}: {m.group(0).strip()}" for m in pattern.finditer(text)
            ]
        if "<style" in text:
            offenders.append(f"{template.relative_to(ROOT)}: <style>")
    assert not offenders, "move these into static/js or static/css:\n" + "\n".join(offenders)


def test_htmx_eval_is_switched_off():
    app_js = (ROOT / "static/js/app.js").read_text(encoding="utf-8")
    assert "htmx.config.allowEval = false" in app_js


# --- CSRF -----------------------------------------------------------------------------------------------


@pytest.fixture
def csrf_client(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.users["commission"])
    return client


def test_form_post_without_csrf_token_is_refused(csrf_client):
    r = csrf_client.post(reverse("assessments:campaign-create"), {"title": "x"})
    assert r.status_code == 403


def test_htmx_post_without_csrf_token_is_refused(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.users["cio"])
    r = client.post(
        reverse("evidence:library-upload", args=[world.school_a1.pk]),
        {"files": SimpleUploadedFile("a.png", b"\x89PNG\r\n\x1a\n" + b"0" * 10)},
        HTTP_HX_REQUEST="true",
    )
    assert r.status_code == 403
    r = client.post(reverse("api-token"), {"action": "create"}, HTTP_HX_REQUEST="true")
    assert r.status_code == 403


def test_htmx_post_with_the_header_token_passes(world):
    """The base template puts the token in hx-headers; with it the same htmx request goes through."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.users["cio"])
    page = client.get("/").content.decode()
    headers = json.loads(re.search(r"hx-headers='([^']+)'", page).group(1))
    r = client.post(
        reverse("api-token"),
        {"action": "create"},
        HTTP_HX_REQUEST="true",
        HTTP_X_CSRFTOKEN=headers["X-CSRFToken"],
    )
    assert r.status_code == 302


def test_every_post_form_carries_a_csrf_token():
    missing = []
    for template in sorted((ROOT / "templates").rglob("*.html")):
        text = template.read_text(encoding="utf-8")
        for form in re.finditer(r"<form\b[^>]*>(.*?)</form>", text, re.S | re.I):
            if re.search(r'method="post"', form.group(0)[:300], re.I) and "csrf_token" not in form.group(1):
                missing.append(str(template.relative_to(ROOT)))
    assert not missing, missing


# --- framing ----------------------------------------------------------------------------------------------


def test_pages_refuse_framing_but_the_evidence_preview_allows_same_origin(
    world, client_for, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    from evidence.services import evidence_upload

    cio = client_for("cio")
    assert cio.get("/").headers["X-Frame-Options"] == "DENY"
    outcome = evidence_upload(
        school=world.school_a1,
        uploaded_file=SimpleUploadedFile("a.png", b"\x89PNG\r\n\x1a\n" + b"0" * 10),
        acting_user=world.users["cio"],
    )
    r = cio.get(reverse("evidence:file-download", args=[outcome.evidence_file.pk]) + "?inline=1")
    assert r.headers["X-Frame-Options"] == "SAMEORIGIN"


# --- production settings -------------------------------------------------------------------------------


def test_production_settings_secure_cookies_hsts_and_framing():
    code = (
        "import django, json; django.setup(); from django.conf import settings as s; "
        "print(json.dumps({k: getattr(s, k) for k in ['SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE', "
        "'SESSION_COOKIE_HTTPONLY', 'SECURE_HSTS_SECONDS', 'SECURE_HSTS_INCLUDE_SUBDOMAINS', "
        "'SECURE_SSL_REDIRECT', 'SECURE_CONTENT_TYPE_NOSNIFF', 'X_FRAME_OPTIONS', 'DEBUG', "
        "'AUTHENTICATION_BACKENDS']}))"
    )
    env = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_SETTINGS_MODULE": "smartcampus.settings.production",
        "SECRET_KEY": "x" * 64 + "-production-test-secret-Qv8#",
        "ALLOWED_HOSTS": "smartcampus.example.edu.cn",
        "DATABASE_URL": "postgres://u:p@db.example:5432/smartcampus",
        "CELERY_BROKER_URL": "redis://redis.example:6379/0",
    }
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    s = json.loads(out.stdout)
    assert s["SESSION_COOKIE_SECURE"] and s["CSRF_COOKIE_SECURE"] and s["SESSION_COOKIE_HTTPONLY"]
    assert s["SECURE_HSTS_SECONDS"] >= 31_536_000 and s["SECURE_HSTS_INCLUDE_SUBDOMAINS"]
    assert s["SECURE_SSL_REDIRECT"] and s["SECURE_CONTENT_TYPE_NOSNIFF"]
    assert s["X_FRAME_OPTIONS"] == "DENY" and s["DEBUG"] is False
    assert s["AUTHENTICATION_BACKENDS"][0] == "axes.backends.AxesStandaloneBackend"


# --- NUL characters (found by the fuzzer: PostgreSQL refuses them, the views answered 500) ---------


@pytest.mark.parametrize(
    "url",
    [
        "/api/schools/?q=a%00b",
        "/api/evidence/files/?kind=%00",
        "/schools/?q=%00",
        "/assessments/1/items/1%00/",
    ],
)
def test_nul_characters_in_url_or_query_are_a_400(world, client_for, url):
    r = Client(raise_request_exception=False)
    r.force_login(world.users["commission"])
    response = r.get(url)
    assert response.status_code == 400
    text = response.content.decode()
    assert "空字符" in text
    if url.startswith("/api/"):
        assert response.json()["error"]["code"] == "invalid"
