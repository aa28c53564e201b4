"""Cards rendered once per content (the fact-check panel, the live summaries, the results card, the
verdict inputs) show every change on the next request: each write through its service changes a
value the card's key holds, and the language is part of every key."""

from __future__ import annotations

import pytest
from django.urls import reverse

from assessments import fragments, services
from assessments.models import Assessment
from smartcampus.db import Lru
from tests.html import document, text

from .conftest import make_campaign, response
from .facts_support import ruled_campaign


def item_page(client, assessment, code="1.1"):
    return client.get(reverse("assessments:assessment-item", args=[assessment.pk, code])).content


def overview(client, assessment):
    return client.get(reverse("assessments:assessment-detail", args=[assessment.pk])).content


def workbench(client, assessment, code="1.1"):
    return client.get(reverse("assessments:review-item", args=[assessment.pk, code])).content


def update(assessment, code, user, **values):
    r = response(assessment, code)
    return services.response_update(response=r, acting_user=user, version=r.version, **values)


def test_a_saved_answer_shows_on_the_next_item_page_and_overview(world, client_for, points_assessment):
    client = client_for("cio")
    assert text(item_page(client, points_assessment), "progress") == "0 / 4"
    assert text(overview(client, points_assessment), "total-self").startswith("0 ")
    update(points_assessment, "1.1", world.users["cio"], self_score="3")
    html = item_page(client, points_assessment)
    assert text(html, "progress") == "1 / 4"
    assert text(html, "live-score").startswith("3 ")
    assert text(overview(client, points_assessment), "total-self").startswith("3 ")
    update(points_assessment, "1.1", world.users["cio"], self_score="2.5")
    assert text(item_page(client, points_assessment), "live-score").startswith("2.5 ")
    assert text(overview(client, points_assessment), "total-self").startswith("2.5 ")


def test_a_submission_shows_on_the_next_overview(world, client_for, points_assessment):
    from tests.factories import fill_and_submit

    client = client_for("cio")
    assert not text(overview(client, points_assessment), "review-pending")
    fill_and_submit(points_assessment, world.users["cio"])
    assert text(overview(client, points_assessment), "review-pending")


@pytest.fixture
def ruled(world):
    campaign = ruled_campaign(world)
    return Assessment.objects.get(campaign=campaign, school=world.school_a1)


def test_recorded_facts_and_a_claim_show_on_the_next_fact_check_panel(world, client_for, ruled):
    cio, client = world.users["cio"], client_for("cio")
    doc = document(item_page(client, ruled))
    assert doc.xpath("//*[@data-testid='check-unknown']")
    assert not doc.xpath("//*[@data-testid='check-fail']")
    values = {"uplink_mbps": "500"}
    services.fact_values_set(
        assessment=ruled, values=values, versions=dict.fromkeys(values, 0), acting_user=cio
    )
    html = item_page(client, ruled)
    assert document(html).xpath("//*[@data-testid='check-fail']")
    assert "500" in text(html, "check-numbers")
    assert not text(html, "claim-contradicted")
    update(ruled, "1.1", cio, self_score="4")  # full marks: a claim the check contradicts
    assert text(item_page(client, ruled), "claim-contradicted")
    values = {"uplink_mbps": "1000"}
    services.fact_values_set(assessment=ruled, values=values, versions={"uplink_mbps": 1}, acting_user=cio)
    html = item_page(client, ruled)
    assert document(html).xpath("//*[@data-testid='check-pass']")
    assert not text(html, "claim-contradicted")


def test_a_verdict_shows_on_the_next_workbench(world, client_for, submitted):
    reviewer, client = world.users["reviewer"], client_for("reviewer")
    services.review_start(assessment=submitted, acting_user=reviewer)
    html = workbench(client, submitted)
    assert text(html, "review-progress") == "0 / 4"
    assert not document(html).xpath("//input[@id='verdict-adjust' and @checked]")
    r = response(submitted, "1.1")
    services.verdict_save(
        response=r, acting_user=reviewer, version=r.version, verdict="adjust", score="1", comment="偏高"
    )
    html = workbench(client, submitted)
    assert text(html, "review-progress") == "1 / 4"
    doc = document(html)
    assert doc.xpath("//input[@id='verdict-adjust' and @checked]")
    assert doc.xpath("//input[@id='review-score']/@value") == ["1"]
    assert doc.xpath("//textarea[@id='comment']/text()") == ["偏高"]
    assert text(workbench(client, submitted, "1.2"), "review-progress") == "1 / 4"


def test_each_language_gets_its_own_cards(client_for, points_assessment):
    client = client_for("cio")
    assert "完成进度" in item_page(client, points_assessment).decode()
    client.cookies["django_language"] = "en"
    html = item_page(client, points_assessment).decode()
    assert "Progress" in html
    assert "完成进度" not in html
    client.cookies["django_language"] = "zh-hans"
    assert "完成进度" in item_page(client, points_assessment).decode()


def test_the_store_keeps_a_bounded_number_of_fragments(monkeypatch, client_for, world, points_assessment):
    monkeypatch.setattr(fragments, "_FRAGMENTS", Lru(3))
    client = client_for("cio")
    for code in ("1.1", "1.2", "2.1", "2.2"):
        update(points_assessment, code, world.users["cio"], self_score="1")
        item_page(client, points_assessment, code)
    assert len(fragments._FRAGMENTS) == 3


def test_an_extended_deadline_shows_on_the_next_header(world, client_for, points_assessment):
    import datetime

    client = client_for("cio")
    before = text(item_page(client, points_assessment), "deadline")
    assert "已延期" not in before
    services.deadline_extend(
        assessment=points_assessment,
        new_deadline=points_assessment.deadline + datetime.timedelta(days=10),
        reason="校舍维修",
        acting_user=world.users["commission"],
    )
    after = text(item_page(client, points_assessment), "deadline")
    assert "已延期" in after
    assert after != before
    assert "已延期" in text(overview(client, points_assessment), "deadline")


@pytest.fixture
def clause_assessment(world):
    """A compliance assessment whose item 1.1 has a clause checklist."""
    from indicators.models import Node
    from tests.factories import small_compliance_framework

    from .test_clauses import TEXT

    framework = small_compliance_framework()
    Node.objects.filter(framework=framework, code="1.1").update(text=TEXT)
    campaign = make_campaign(world, framework, title="2026年甲市达标自评")
    return campaign.assessments.get(school=world.school_a1)


FORM_TOKEN = r'<form id="{form}".*?name="csrfmiddlewaretoken" value="(\w+)"'


def form_token(html: bytes, form: str) -> str:
    import re

    return re.search(FORM_TOKEN.format(form=form), html.decode(), re.S)[1]


def test_the_item_forms_post_with_each_sessions_own_token(world, clause_assessment):
    from django.test import Client

    clients = {}
    for role in ("cio", "commission"):
        clients[role] = Client(enforce_csrf_checks=True)
        clients[role].force_login(world.users[role])
    pages = {role: item_page(c, clause_assessment) for role, c in clients.items()}
    again = item_page(clients["cio"], clause_assessment)  # the cards from the store
    tokens = {
        role: (form_token(html, "response-form"), form_token(html, "clause-form-self"))
        for role, html in (*pages.items(), ("again", again))
    }
    assert all(answer == clause for answer, clause in tokens.values())  # one token per response
    assert len({answer for answer, _clause in tokens.values()}) == 3
    save = reverse("assessments:assessment-item-save", args=[clause_assessment.pk, "1.1"])
    r = response(clause_assessment, "1.1")
    posted = {"version": r.version, "statement": "已核对"}
    cio = clients["cio"]
    assert cio.post(save, {**posted, "csrfmiddlewaretoken": tokens["commission"][0]}).status_code == 403
    assert cio.post(save, {**posted, "csrfmiddlewaretoken": tokens["again"][0]}).status_code == 200
    assert document(item_page(cio, clause_assessment)).xpath("//textarea[@id='statement']/text()") == [
        "已核对"
    ]


def test_a_saved_answer_and_ticks_show_on_the_next_item_page(world, client_for, clause_assessment):
    cio, client = world.users["cio"], client_for("cio")
    doc = document(item_page(client, clause_assessment))
    assert doc.xpath("//input[@id='version-input']/@value") == ["1"]
    assert not doc.xpath("//input[@name='met' and @checked]")
    update(clause_assessment, "1.1", cio, statement="第一稿")
    r = response(clause_assessment, "1.1")
    services.clause_check_save(response=r, side="self", met=[1], version=0, acting_user=cio)
    doc = document(item_page(client, clause_assessment))
    assert doc.xpath("//textarea[@id='statement']/text()") == ["第一稿"]
    assert doc.xpath("//input[@id='version-input']/@value") == ["2"]
    assert doc.xpath("//input[@name='met' and @checked]/@value") == ["1"]
    assert doc.xpath("//input[@id='clause-version-self']/@value") == ["1"]


def test_the_overview_buttons_lead_to_the_first_unfinished_item(world, client_for, points_assessment):
    client = client_for("cio")
    item_url = reverse("assessments:assessment-item", args=[points_assessment.pk, "1.1"])

    def continue_link():
        links = document(overview(client, points_assessment)).xpath(
            "//a[contains(@href, '?unfinished=1')]/@href"
        )
        return links[0]

    assert continue_link() == item_url + "?unfinished=1"
    update(points_assessment, "1.1", world.users["cio"], self_score="3")
    assert continue_link() == item_url.replace("1.1", "1.2") + "?unfinished=1"


def test_the_item_navigation_follows_the_unfinished_items(world, client_for, points_assessment):
    client = client_for("cio")
    path = reverse("assessments:assessment-item", args=[points_assessment.pk, "1.1"]) + "?unfinished=1"

    def next_code():
        return document(client.get(path).content).xpath("//a[@rel='next']/@href")[0].split("/")[-2]

    assert next_code() == "1.2"
    update(points_assessment, "1.2", world.users["cio"], self_score="3")
    assert next_code() == "2.1"
