"""The API of rectification items: scoped reads and filters, and each transition through the same
services as the pages — wrong role or outside the scope 404, wrong state or stale version 409,
invalid input 400, each with its stable code."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from rectification.models import RectificationEvidence, RectificationItem, RectificationState

State = RectificationState


def url(item=None, step: str | None = None) -> str:
    if item is None:
        return "/api/rectification-items/"
    return f"/api/rectification-items/{item.pk}/" + (f"{step}/" if step else "")


def post(client, item, step, **data):
    return client.post(url(item, step), data, content_type="application/json")


@pytest.fixture
def api(client_for):
    clients = {}

    def get(role):
        if role not in clients:
            clients[role] = client_for(role)
        return clients[role]

    return get


def test_items_are_read_in_scope_only(api, item):
    for role in ("cio", "reviewer", "commission"):
        listing = api(role).get(url())
        assert listing.status_code == 200, role
        assert [row["id"] for row in listing.json()["results"]] == [item.pk], role
        detail = api(role).get(url(item)).json()
        assert (detail["node_code"], detail["state"], detail["school_code"]) == ("1.2", "draft_plan", "S-A1")
        assert detail["history"][0]["to_state"] == "draft_plan"
    for role in ("other_cio", "other_reviewer", "other_commission"):
        assert api(role).get(url()).json()["results"] == [], role
        missing = api(role).get(url(item))
        assert missing.status_code == 404, role
        assert missing.json()["error"]["code"] == "not_found"
        assert "甲一区第一小学" not in missing.content.decode()
    assert api("anonymous").get(url()).status_code == 401


def test_filters(api, item, campaign, django_assert_max_num_queries):
    client = api("commission")

    def ids(query: str) -> list[int]:
        answer = client.get(url() + query)
        assert answer.status_code == 200, answer.json()
        return [row["id"] for row in answer.json()["results"]]

    assert ids(f"?campaign={campaign.pk}") == [item.pk]
    assert ids(f"?campaign={campaign.pk + 1000}") == []
    assert ids("?state=draft_plan") == [item.pk]
    assert ids("?state=verified") == []
    assert ids(f"?school={item.assessment.school_id}") == [item.pk]
    assert ids(f"?school={item.assessment.school_id + 1000}") == []
    assert ids("?overdue=false") == [item.pk]
    assert ids("?overdue=true") == []
    RectificationItem.objects.filter(pk=item.pk).update(
        due_date=timezone.localdate() - datetime.timedelta(days=1)
    )
    assert ids("?overdue=true") == [item.pk]
    row = client.get(url(item)).json()
    assert row["overdue"] is True
    with django_assert_max_num_queries(8):
        assert client.get(url()).status_code == 200


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("?state=nonsense", "state"),
        ("?campaign=x", "campaign"),
        ("?overdue=maybe", "overdue"),
        ("?school=-1", "school"),
    ],
)
def test_a_filter_that_cannot_be_meant_is_a_400(api, item, query, field):
    answer = api("commission").get(url() + query)
    assert answer.status_code == 400
    assert field in answer.json()["error"]["fields"]


def test_the_whole_journey_through_the_api(world, api, item, library_file):
    cio, reviewer = api("cio"), api("reviewer")
    version = item.version
    # the plan: both texts are required, on their fields
    empty = post(cio, item, "plan", version=version, plan=" ", responsible="李老师")
    assert empty.status_code == 400 and "plan" in empty.json()["error"]["fields"]
    assert post(cio, item, "plan", plan="方案", responsible="李老师").status_code == 400  # no version
    planned = post(cio, item, "plan", version=version, plan="采购并安装设备", responsible="李老师")
    assert planned.status_code == 200
    assert (planned.json()["state"], planned.json()["responsible"]) == ("plan_review", "李老师")
    # the same page sent twice: stale, with the item as it is now
    stale = post(cio, item, "plan", version=version, plan="再来一次", responsible="李老师")
    assert stale.status_code == 409
    assert stale.json()["error"]["code"] == "stale"
    assert stale.json()["error"]["current"]["state"] == "plan_review"
    version = planned.json()["version"]
    # returned once with a reason (required), then resubmitted and approved
    assert post(reviewer, item, "return-plan", version=version).status_code == 400
    returned = post(reviewer, item, "return-plan", version=version, comment="请写明完成时间")
    assert returned.status_code == 200 and returned.json()["state"] == "draft_plan"
    version = returned.json()["version"]
    version = post(cio, item, "plan", version=version, plan="三月底前完成", responsible="李老师").json()[
        "version"
    ]
    approved = post(reviewer, item, "approve", version=version, comment="同意")
    assert approved.status_code == 200 and approved.json()["state"] == "in_progress"
    version = approved.json()["version"]
    # completion with a file of the school's library; another school's file is not one of its ids
    foreign = library_file(school=world.school_a2)
    refused = post(cio, item, "complete", version=version, report="已完成", files=[foreign.pk])
    assert refused.status_code == 400 and "files" in refused.json()["error"]["fields"]
    photo = library_file()
    done = post(cio, item, "complete", version=version, report="设备已安装", files=[photo.pk])
    assert done.status_code == 200
    assert (done.json()["state"], done.json()["evidence_files"]) == ("awaiting_verification", [photo.pk])
    verified = post(reviewer, item, "verify", version=done.json()["version"], comment="合格")
    assert verified.status_code == 200
    body = verified.json()
    assert body["state"] == "verified" and body["closed_at"] is not None
    assert [(e["to_state"], e["comment"]) for e in body["history"]] == [
        ("draft_plan", ""),
        ("plan_review", ""),
        ("draft_plan", "请写明完成时间"),
        ("plan_review", ""),
        ("in_progress", "同意"),
        ("awaiting_verification", ""),
        ("verified", "合格"),
    ]
    assert list(RectificationEvidence.objects.values_list("file_id", flat=True)) == [photo.pk]


@pytest.mark.parametrize(
    ("role", "step"),
    [
        # the school's steps: not the reviewer's, not the commission's, not another school's
        ("reviewer", "plan"),
        ("commission", "plan"),
        ("other_cio", "plan"),
        ("reviewer", "complete"),
        # the reviewer's steps: not the school's, not the commission's, not another district's
        ("cio", "approve"),
        ("cio", "waive"),
        ("commission", "verify"),
        ("other_reviewer", "approve"),
        ("other_reviewer", "return-completion"),
    ],
)
def test_a_step_of_someone_else_is_a_404_and_writes_nothing(api, item, role, step):
    answer = post(
        api(role),
        item,
        step,
        version=item.version,
        plan="方案",
        responsible="某",
        report="完成",
        comment="意见",
        reason="理由",
    )
    assert answer.status_code == 404
    assert answer.json()["error"]["code"] == "not_found"
    item.refresh_from_db()
    assert (item.state, item.version) == (State.DRAFT_PLAN, 1)


@pytest.mark.parametrize(
    ("role", "step"),
    [
        ("cio", "complete"),
        ("reviewer", "approve"),
        ("reviewer", "verify"),
        ("reviewer", "return-plan"),
        ("reviewer", "return-completion"),
    ],
)
def test_a_step_the_state_forbids_is_a_409(api, item, role, step):
    answer = post(api(role), item, step, version=item.version, report="完成", comment="意见")
    assert answer.status_code == 409
    assert answer.json()["error"]["code"] == "wrong_state"
    assert answer.json()["error"]["current"]["state"] == "draft_plan"


def test_waiving_needs_a_reason_and_closes_the_item(api, item):
    reviewer = api("reviewer")
    missing = post(reviewer, item, "waive", version=item.version)
    assert missing.status_code == 400 and "reason" in missing.json()["error"]["fields"]
    waived = post(reviewer, item, "waive", version=item.version, reason="已列入新校区建设")
    assert waived.status_code == 200
    assert (waived.json()["state"], waived.json()["waiver_reason"]) == ("waived", "已列入新校区建设")
    again = post(reviewer, item, "waive", version=waived.json()["version"], reason="再次")
    assert again.status_code == 409


def test_a_reviewer_who_is_the_schools_cio_gets_a_conflict(world, api, item):
    from assessments.models import Role
    from assessments.scoping import clear_scope_cache

    from ..factories import MembershipFactory

    MembershipFactory(user=world.users["reviewer"], role=Role.SCHOOL_CIO, school=world.school_a1)
    clear_scope_cache(world.users["reviewer"])
    answer = post(api("reviewer"), item, "waive", version=item.version, reason="理由")
    assert answer.status_code == 409
    assert answer.json()["error"]["code"] == "conflict_of_interest"
