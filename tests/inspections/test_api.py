"""The acceptance, visit, publication and objection API: the same services as the pages, with the
house's answers (404 outside the scope, 409 with the service's code, 400 on bad input)."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from assessments.models import Acceptance, Assessment, AssessmentStatus
from inspections.models import ObjectionState, PublicationState

TODAY = timezone.localdate()


def post(client, url, data=None):
    return client.post(url, data or {}, content_type="application/json")


def test_acceptance_is_listed_filtered_and_decided_with_the_version_read(
    world, client_for, finalised, django_assert_max_num_queries
):
    client = client_for("commission")
    with django_assert_max_num_queries(12):
        listed = client.get(f"/api/acceptance/?campaign={finalised.campaign_id}&state=pending")
    assert [row["school_code"] for row in listed.json()["results"]] == ["S-A1"]
    assert client.get("/api/acceptance/?state=accepted").json()["results"] == []
    assert client_for("reviewer").get(f"/api/acceptance/{finalised.pk}/").status_code == 404
    stale = post(client, f"/api/acceptance/{finalised.pk}/accept/", {"version": finalised.version - 1})
    body = stale.json()["error"]
    assert stale.status_code == 409 and body["code"] == "stale"
    assert body["current"]["version"] == finalised.version
    done = post(client, f"/api/acceptance/{finalised.pk}/accept/", {"version": finalised.version})
    assert done.status_code == 200 and done.json()["acceptance"] == Acceptance.ACCEPTED
    assert done.json()["acceptance_by"] == "commission"
    again = post(client, f"/api/acceptance/{finalised.pk}/send-back/", {"reason": "再看"})
    assert again.status_code == 409 and again.json()["error"]["code"] == "accepted"
    assert post(client, f"/api/acceptance/{finalised.pk}/send-back/", {}).status_code == 400


def test_sending_back_through_the_api_reopens_the_district_review(world, client_for, finalised):
    answer = post(
        client_for("commission"), f"/api/acceptance/{finalised.pk}/send-back/", {"reason": "请复核"}
    )
    assert answer.status_code == 200 and answer.json()["acceptance"] == Acceptance.SENT_BACK
    assert Assessment.objects.get(pk=finalised.pk).status == AssessmentStatus.IN_REVIEW


def _publish(client, campaign_id):
    return post(
        client,
        "/api/publications/",
        {
            "campaign": campaign_id,
            "visibility": "public",
            "fields_shown": ["show_pass", "show_grade"],
            "window_start": TODAY.isoformat(),
            "window_end": (TODAY + datetime.timedelta(days=7)).isoformat(),
        },
    )


def test_publishing_objecting_deciding_and_closing_through_the_api(world, client_for, finalised, node_ids):
    commission = client_for("commission")
    refused = _publish(commission, finalised.campaign_id)
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "nothing_accepted"
    post(commission, f"/api/acceptance/{finalised.pk}/accept/")
    assert _publish(client_for("cio"), finalised.campaign_id).status_code == 404
    published = _publish(commission, finalised.campaign_id)
    assert published.status_code == 201 and published.json()["fields_shown"] == ["show_pass", "show_grade"]
    publication = published.json()["id"]
    cio = client_for("cio")
    assert [p["id"] for p in cio.get("/api/publications/").json()["results"]] == [publication]
    raised = post(
        cio,
        "/api/objections/",
        {
            "publication": publication,
            "assessment": finalised.pk,
            "node": node_ids["1.2"],
            "reason": "设备已到位",
        },
    )
    assert raised.status_code == 201 and raised.json()["node_code"] == "1.2"
    objection = raised.json()["id"]
    assert post(commission, f"/api/publications/{publication}/close/").json()["error"]["code"] == (
        "objections_open"
    )
    assert post(cio, f"/api/objections/{objection}/uphold/", {"reason": "成立"}).status_code == 404
    upheld = post(commission, f"/api/objections/{objection}/uphold/", {"reason": "成立"})
    assert upheld.status_code == 200 and upheld.json()["state"] == ObjectionState.UPHELD
    reopened = Assessment.objects.get(pk=finalised.pk)
    assert reopened.status == AssessmentStatus.IN_REVIEW and reopened.acceptance == Acceptance.PENDING
    listed = commission.get(f"/api/objections/?publication={publication}&state=upheld").json()["results"]
    assert [o["id"] for o in listed] == [objection]
    from ..rectification.conftest import finalise

    finalise(reopened, world.users["reviewer"])
    closing = post(commission, f"/api/publications/{publication}/close/")
    assert closing.status_code == 409 and closing.json()["error"]["code"] == "reopened_pending"
    post(commission, f"/api/acceptance/{finalised.pk}/accept/")
    closed = post(commission, f"/api/publications/{publication}/close/")
    assert closed.status_code == 200 and closed.json()["state"] == PublicationState.CLOSED


@pytest.mark.parametrize("role,status", [("reviewer", 201), ("cio", 404), ("other_commission", 404)])
def test_a_visit_is_scheduled_and_its_findings_recorded_through_the_api(
    world, client_for, finalised, node_ids, role, status
):
    client = client_for(role)
    answer = post(
        client,
        "/api/visits/",
        {
            "assessment": finalised.pk,
            "date": TODAY.isoformat(),
            "team": [world.users["reviewer"].pk],
            "items": [node_ids["1.2"]],
        },
    )
    assert answer.status_code == status
    if status != 201:
        return
    visit = answer.json()
    finding = visit["findings"][0]["id"]
    assert (
        client.get(f"/api/visits/?campaign={finalised.campaign_id}").json()["results"][0]["id"] == visit["id"]
    )
    bad = post(
        client, f"/api/visits/{visit['id']}/findings/{finding}/", {"verdict": "discrepancy", "text": ""}
    )
    assert bad.status_code == 400
    recorded = post(client, f"/api/visits/{visit['id']}/findings/{finding}/", {"verdict": "confirmed"})
    assert recorded.status_code == 200 and recorded.json()["verdict"] == "confirmed"
    outsider = client_for("commission")  # inspects the school but is not on this visit's team
    answer = post(outsider, f"/api/visits/{visit['id']}/findings/{finding}/", {"verdict": "confirmed"})
    assert answer.status_code == 404
