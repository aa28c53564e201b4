"""Hostile request bodies: nesting, size and numbers that are not finite.

- JSON nested deeper than `API_JSON_MAX_DEPTH` is a 400 (a 100,000-deep body used to be a 500,
  RecursionError); a body over DATA_UPLOAD_MAX_MEMORY_SIZE is a 413 — both with the JSON error body.
- Numbers that are not finite (1e999999, NaN, Infinity) are refused, also where text is expected (a
  statement of 1e999999 used to be stored as "inf").
- A server error on the API answers the JSON error body, not an HTML page.
"""

from __future__ import annotations

import json

import pytest
from django.db import DatabaseError
from django.test import Client
from django.urls import reverse

from assessments.models import ItemResponse
from tests.factories import small_points_framework

from ..assessments.conftest import make_campaign


@pytest.fixture
def assessment(world):
    campaign = make_campaign(world, small_points_framework())
    return campaign.assessments.get(school=world.school_a1)


@pytest.fixture
def item(assessment) -> ItemResponse:
    return assessment.responses.select_related("node").order_by("node__position").first()


def patch(client, item, body: str | dict):
    data = body if isinstance(body, str) else json.dumps(body)
    return client.patch(f"/api/responses/{item.pk}/", data, content_type="application/json")


def assert_json_error(r, status: int, code: str | None = None) -> dict:
    assert r.status_code == status, r.content[:300]
    assert r["Content-Type"].startswith("application/json"), r["Content-Type"]
    error = r.json()["error"]
    assert error["message"]
    if code:
        assert error["code"] == code, error
    return error


# --- nesting and size ---------------------------------------------------------------------------------


@pytest.mark.parametrize("depth", [100_000, 1_000, 40])
def test_deeply_nested_json_is_a_400_with_the_json_error_body(world, client_for, item, depth):
    client = client_for("cio")
    for body in ("[" * depth + "]" * depth, '{"a":' * depth + "1" + "}" * depth):
        error = assert_json_error(patch(client, item, body), 400, "parse_error")
        assert "嵌套" in error["message"]
    item.refresh_from_db()
    assert item.version == 1


def test_ordinary_nesting_is_accepted(world, client_for, item):
    r = patch(
        client_for("cio"), item, {"version": 1, "self_score": "1", "statement": "正常", "x": [[{"y": 1}]]}
    )
    assert r.status_code == 200, r.content


def test_a_json_body_over_the_limit_is_a_413_with_the_json_error_body(world, client_for, item, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    client = client_for("cio")
    big = {"version": 1, "statement": "长" * 10_000}
    assert_json_error(patch(client, item, big), 413, "too_large")
    form = client.post("/api/reports/jobs/", {"kind": "school_pdf", "note": "x" * 20_000})
    assert_json_error(form, 413, "too_large")
    item.refresh_from_db()
    assert item.statement == ""


def test_an_oversize_page_form_is_a_413(world, client_for, item, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    r = client_for("cio").post(
        reverse("assessments:assessment-item-save", args=[item.assessment_id, item.node.code]),
        {"version": 1, "statement": "长" * 10_000},
        HTTP_HX_REQUEST="true",
    )
    assert r.status_code == 413


def test_malformed_json_says_so_in_chinese(world, client_for, item):
    error = assert_json_error(patch(client_for("cio"), item, '{"version": 1,'), 400, "parse_error")
    assert "JSON" in error["message"]


# --- numbers that are not finite ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "number", ["1e999999", "-1e999999", "NaN", "Infinity", "-Infinity", "1" + "0" * 5000]
)
@pytest.mark.parametrize("field", ["statement", "self_score"])
def test_numbers_that_are_not_finite_are_refused_in_text_and_number_fields(
    world, client_for, item, number, field
):
    r = patch(client_for("cio"), item, f'{{"version": 1, "{field}": {number}}}')
    assert_json_error(r, 400, "parse_error")
    item.refresh_from_db()
    assert (item.statement, item.self_score, item.version) == ("", None, 1)


@pytest.mark.parametrize("number", ["1e999999", "NaN", "Infinity"])
def test_number_words_typed_into_the_page_are_refused_as_scores(world, client_for, item, number):
    r = client_for("cio").post(
        reverse("assessments:assessment-item-save", args=[item.assessment_id, item.node.code]),
        {"version": 1, "self_score": number},
        HTTP_HX_REQUEST="true",
    )
    assert r["X-Save-Status"] == "400" and "未保存" in r.content.decode()
    r = patch(client_for("cio"), item, {"version": 1, "self_score": number})  # a string, not a number
    assert_json_error(r, 400)
    item.refresh_from_db()
    assert item.self_score is None


# --- server errors on the API ---------------------------------------------------------------------------


def test_a_database_error_on_the_api_answers_the_json_error_body(world, item, monkeypatch):
    def boom(*args, **kwargs):
        raise DatabaseError("the database went away (simulated)")

    monkeypatch.setattr("assessments.services.response_update", boom)
    client = Client(raise_request_exception=False)
    client.force_login(world.users["cio"])
    error = assert_json_error(patch(client, item, {"version": 1, "statement": "x"}), 500, "server_error")
    assert "服务器" in error["message"]


def test_an_unknown_api_address_answers_the_json_error_body(world, client_for):
    assert_json_error(client_for("cio").get("/api/no-such-thing/"), 404, "not_found")
