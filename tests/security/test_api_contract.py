"""The API contract: an OpenAPI schema without warnings, docs from our own static files, token
authentication next to the session, and one error body for every error status."""

from __future__ import annotations

import datetime
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import Throttled
from rest_framework.test import APIClient

from assessments.services import campaign_create, end_of_day
from smartcampus.api import exception_handler
from tests.factories import small_points_framework

ROOT = Path(__file__).resolve().parents[2]


def test_schema_validates_without_warnings():
    result = subprocess.run(
        [sys.executable, "manage.py", "spectacular", "--validate", "--fail-on-warn", "--file", "/dev/null"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={"DJANGO_SETTINGS_MODULE": "smartcampus.settings.test", "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 0, result.stderr + result.stdout


@pytest.mark.django_db
def test_schema_is_served_and_documents_the_error_body(client):
    r = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert r.status_code == 200
    schema = r.json()
    assert schema["info"]["title"] == "智慧校园自评平台 API"
    assert "Error" in schema["components"]["schemas"]
    patch = schema["paths"]["/api/responses/{id}/"]["patch"]
    assert {"200", "400", "401", "403", "404", "409"} <= set(patch["responses"])
    assert "tokenAuth" in schema["components"]["securitySchemes"]


@pytest.mark.django_db
def test_docs_use_only_our_own_static_files(client):
    page = client.get("/api/docs/")
    assert page.status_code == 200
    html = page.content.decode()
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources, html
    for url in sources:
        assert url.startswith("/static/") or url.startswith("/api/"), url
    assert "<script>" not in html.replace(" ", "")  # start-up code is a separate file (CSP)
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200 and "SwaggerUIBundle" in script.content.decode()
    for url in (u for u in sources if u.startswith("/static/")):
        assert finders.find(url.removeprefix("/static/")), f"{url} is not one of our static files"


def test_token_page_creates_shows_once_and_revokes(world, client_for):
    client = client_for("cio")
    assert "您还没有令牌" in client.get("/accounts/api-token/").content.decode()
    page = client.post("/accounts/api-token/", {"action": "create"}, follow=True).content.decode()
    key = Token.objects.get(user=world.users["cio"]).key
    assert key in page and "只显示这一次" in page
    assert key not in client.get("/accounts/api-token/").content.decode()

    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert [s["code"] for s in api.get("/api/schools/").json()["results"]] == ["S-A1"]

    client.post("/accounts/api-token/", {"action": "revoke"})
    assert not Token.objects.filter(user=world.users["cio"]).exists()
    r = api.get("/api/schools/")
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "authentication_failed"
    assert "令牌无效" in r.json()["error"]["message"]


def test_token_page_needs_login(world, client):
    r = client.get("/accounts/api-token/")
    assert r.status_code == 302 and r["Location"].startswith("/accounts/login/")


def test_management_command_creates_a_token(world):
    call_command("drf_create_token", "reviewer", stdout=open("/dev/null", "w"))
    assert Token.objects.filter(user__username="reviewer").exists()


def test_token_clients_need_no_csrf_token_but_sessions_do(world, client_for):
    """A token is not a cookie: no CSRF. A session is: a POST without the CSRF token is refused."""
    key = Token.objects.create(user=world.users["commission"]).key
    api = APIClient(enforce_csrf_checks=True)
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    r = api.post("/api/campaigns/", {}, format="json")
    assert r.status_code == 400  # validated, not refused for CSRF

    session = APIClient(enforce_csrf_checks=True)
    session.force_login(world.users["commission"])
    r = session.post("/api/campaigns/", {}, format="json")
    assert r.status_code == 403
    assert r.json()["error"]["code"] == "permission_denied" and "CSRF" in r.json()["error"]["message"]


# --- the error body ------------------------------------------------------------------------------


def _error(r, status: int, code: str) -> dict:
    assert r.status_code == status, r.content
    body = r.json()
    assert set(body) == {"error"}
    assert body["error"]["code"] == code
    assert isinstance(body["error"]["fields"], dict)
    assert re.search(r"[\u4e00-\u9fff]", body["error"]["message"]), body  # a Chinese sentence
    return body["error"]


@pytest.fixture
def assessment(world):
    framework = small_points_framework()
    today = timezone.localdate()
    campaign = campaign_create(
        framework=framework,
        year=2026,
        title="接口契约测试",
        region=world.city_a,
        self_deadline=end_of_day(today + datetime.timedelta(days=10)),
        review_deadline=end_of_day(today + datetime.timedelta(days=20)),
        schools=[world.school_a1],
        acting_user=world.users["commission"],
    )
    return campaign.assessments.get()


def test_error_bodies_for_each_status(world, client_for, assessment):
    response = assessment.responses.select_related("node").order_by("node__position").first()
    cio = client_for("cio")
    url = f"/api/responses/{response.pk}/"

    _error(client_for("anonymous").get(url), 401, "not_authenticated")
    _error(client_for("other_cio").get(url), 404, "not_found")
    error = _error(cio.patch(url, {"self_score": "1"}, content_type="application/json"), 400, "invalid")
    assert "version" in error["fields"]
    error = _error(
        cio.patch(url, {"version": 1, "self_score": "99"}, content_type="application/json"), 400, "invalid"
    )
    assert "self_score" in error["fields"]
    cio.patch(url, {"version": 1, "self_score": "1"}, content_type="application/json")
    error = _error(
        cio.patch(url, {"version": 1, "self_score": "2"}, content_type="application/json"), 409, "conflict"
    )
    assert error["current"]["version"] == 2
    # editing is outside a reviewer's scope: the same answer as for a response that does not exist
    error = _error(
        client_for("reviewer").patch(url, {"version": 2, "self_score": "2"}, content_type="application/json"),
        404,
        "not_found",
    )
    assert error["message"] == _error(client_for("other_cio").get(url), 404, "not_found")["message"]
    error = _error(cio.post(f"/api/assessments/{assessment.pk}/submit/"), 400, "incomplete")
    assert error["missing"]
    _error(cio.delete(url), 405, "method_not_allowed")


def test_too_large_upload_error_body(world, client_for, settings):
    settings.EVIDENCE_MAX_UPLOAD_MB = 1
    from django.core.files.uploadedfile import SimpleUploadedFile

    big = SimpleUploadedFile("big.pdf", b"%PDF-1.4\n" + b"0" * (1024 * 1024 + 10), "application/pdf")
    r = client_for("cio").post("/api/evidence/files/", {"school": world.school_a1.pk, "file": big})
    error = _error(r, 413, "too_large")
    assert "超过单个文件 1 MB" in error["message"]


def test_throttled_error_body_keeps_retry_after(rf):
    from rest_framework.request import Request

    request = Request(rf.get("/api/schools/"))
    response = exception_handler(Throttled(wait=12.2), {"request": request, "view": None})
    assert response.status_code == 429
    assert response["Retry-After"] == "13"
    assert response.data["error"]["code"] == "throttled"
    assert "13 秒后重试" in response.data["error"]["message"]
