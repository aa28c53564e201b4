"""Hostile request bodies: nesting, size, numbers that are not finite, and invisible characters.

- JSON nested deeper than `API_JSON_MAX_DEPTH` is a 400 (a 100,000-deep body used to be a 500,
  RecursionError); a body over DATA_UPLOAD_MAX_MEMORY_SIZE is a 413 — both with the JSON error body.
- Numbers that are not finite (1e999999, NaN, Infinity) are refused, also where text is expected (a
  statement of 1e999999 used to be stored as "inf").
- Bidi embeddings/overrides/isolates (U+202A–U+202E, U+2066–U+2069) and C0/C1 control characters are
  refused in every text field of every model (tab, CR and LF only in multi-line text), through the
  page, the autosave and the API alike.
- A server error on the API answers the JSON error body, not an HTML page.
"""

from __future__ import annotations

import json

import pytest
from django.db import DatabaseError
from django.test import Client
from django.urls import reverse

from assessments.models import Campaign, ItemResponse
from evidence.models import EvidenceLink
from tests.factories import fill_and_submit, small_points_framework

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


# --- invisible characters -------------------------------------------------------------------------------

HOSTILE = ["\u202e", "\u202a", "\u2066", "\u2069", "\x85", "\x9b", "\x00", "\x07", "\x1b", "\x7f", "\x0b"]


@pytest.mark.parametrize("char", HOSTILE)
def test_control_and_bidi_characters_are_refused_in_the_statement_by_api_and_page(
    world, client_for, item, char
):
    client = client_for("cio")
    error = assert_json_error(patch(client, item, {"version": 1, "statement": f"说明{char}文字"}), 400)
    assert "statement" in error["fields"]
    r = client.post(
        reverse("assessments:assessment-item-save", args=[item.assessment_id, item.node.code]),
        {"version": 1, "statement": f"说明{char}文字"},
        HTTP_HX_REQUEST="true",
    )
    assert r["X-Save-Status"] == "400" and "未保存" in r.content.decode()
    item.refresh_from_db()
    assert (item.statement, item.version) == ("", 1)


def test_tab_and_line_breaks_stay_allowed_in_multi_line_text(world, client_for, item):
    r = patch(client_for("cio"), item, {"version": 1, "statement": "第一行\r\n第二行\n\t缩进"})
    assert r.status_code == 200, r.content
    item.refresh_from_db()
    assert item.statement == "第一行\n第二行\n\t缩进"  # line breaks are kept (as LF)


def test_review_comments_refuse_bidi_characters(world, client_for, assessment):
    submitted = fill_and_submit(assessment, world.users["cio"])
    item = submitted.responses.order_by("node__position").first()
    r = client_for("reviewer").patch(
        f"/api/review-items/{item.pk}/",
        {"version": item.version, "verdict": "more_evidence", "comment": "请补充\u202eexe.pdf"},
        content_type="application/json",
    )
    error = assert_json_error(r, 400)
    assert "comment" in error["fields"]
    item.refresh_from_db()
    assert not item.review_verdict and not item.review_comment


def test_single_line_fields_refuse_line_breaks_and_invisible_characters(world, client_for):
    client = client_for("commission")
    payload = {
        "framework": small_points_framework().pk,
        "year": 2026,
        "region": world.city_a.pk,
        "self_deadline": "2026-12-31T23:59:59+08:00",
        "review_deadline": "2027-01-31T23:59:59+08:00",
        "schools": [world.school_a1.pk],
    }
    for title in ("两行\n标题", "制表\t符", "反向\u202e标题", "C1\x85标题"):
        error = assert_json_error(
            client.post("/api/campaigns/", {**payload, "title": title}, content_type="application/json"), 400
        )
        assert "title" in error["fields"]
    assert not Campaign.objects.filter(title__contains="标题").exists()


def test_evidence_link_titles_refuse_invisible_characters(world, client_for, item):
    r = client_for("cio").post(
        "/api/evidence/links/",
        {"response": item.pk, "url": "https://x.example.cn/a", "title": "平台\u2067介绍"},
    )
    error = assert_json_error(r, 400)
    assert "title" in error["fields"]
    assert not EvidenceLink.objects.exists()


def test_every_text_field_of_every_model_carries_the_check():
    """One rule, installed once (smartcampus/apps.py): no model text field is left out."""
    from django.apps import apps
    from django.db import models

    from smartcampus.text import PlainTextValidator

    unchecked = [
        f"{model._meta.label}.{field.name}"
        for model in apps.get_models()
        for field in model._meta.get_fields()
        if isinstance(field, models.CharField | models.TextField)
        and not any(isinstance(v, PlainTextValidator) for v in field.validators)
    ]
    assert unchecked == []


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
