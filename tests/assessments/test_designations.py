"""Designations (达标命名, 示范校): a district nominates its passed schools within its quota, the
commission awards, refuses or revokes with a reason, reopening withdraws; the pages, the API and the
result table show what counts."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from assessments import services
from assessments.models import Assessment, Designation, DesignationState, Role
from assessments.selectors import designations_of, nomination_board
from smartcampus.errors import Conflict, Invalid, Refused

from ..factories import MembershipFactory, UserFactory, fill_and_submit
from .test_result_rules import finalise, save


@pytest.fixture
def passed(world, points_campaign, submitted):
    """School a1's assessment finalised under a rule it passes (every item 1 of 5: 20 %)."""
    save(points_campaign, world.users["commission"], pass_min_percent=20)
    finalise(world, submitted)
    return Assessment.objects.get(pk=submitted.pk)


@pytest.fixture
def second(world, points_campaign, passed):
    """School a1b (same district) finalised and passed too."""
    cio = MembershipFactory(
        user=UserFactory(username="a1b_cio"), role=Role.SCHOOL_CIO, school=world.school_a1b
    ).user
    assessment = Assessment.objects.get(campaign=points_campaign, school=world.school_a1b)
    fill_and_submit(assessment, cio)
    finalise(world, assessment)
    return Assessment.objects.get(pk=assessment.pk)


def quota(world, campaign, n, kind="demonstration", region=None):
    return services.designation_quota_set(
        campaign=campaign,
        region=region or world.district_a1,
        kind=kind,
        quota=n,
        acting_user=world.users["commission"],
    )


def nominate(world, assessment, kind="demonstration", role="reviewer"):
    return services.designation_nominate(assessment=assessment, kind=kind, acting_user=world.users[role])


def test_the_district_nominates_a_passed_school_and_the_commission_awards_it(world, points_campaign, passed):
    quota(world, points_campaign, 1)
    services.designation_title_set(
        campaign=points_campaign, kind="standard", label="甲市智慧校园", acting_user=world.users["commission"]
    )
    d = nominate(world, passed)
    assert d.state == DesignationState.NOMINATED and d.nominated_by == world.users["reviewer"]
    assert designations_of([passed.pk]) == {passed.pk: []}  # nominated is not yet awarded
    services.designation_award(designation=d, acting_user=world.users["commission"])
    assert designations_of([passed.pk]) == {passed.pk: ["智慧校园示范校"]}
    quota(world, points_campaign, 1, kind="standard")
    services.designation_award(
        designation=nominate(world, passed, "standard"), acting_user=world.users["commission"]
    )
    assert designations_of([passed.pk]) == {passed.pk: ["甲市智慧校园", "智慧校园示范校"]}
    out = StringIO()
    call_command("campaign_results", campaign=points_campaign.pk, json=True, stdout=out)
    rows = {s["school_code"]: s for s in json.loads(out.getvalue())["schools"]}
    assert rows["S-A1"]["designations"] == ["甲市智慧校园", "智慧校园示范校"]
    assert rows["S-A1B"]["designations"] == []
    assert [h.history_change_reason for h in d.history.order_by("history_id")] == [
        "推荐为“智慧校园示范校”",
        "授予“智慧校园示范校”",
    ]


def test_who_may_nominate_and_award(world, points_campaign, passed):
    quota(world, points_campaign, 2)
    for role in ("cio", "other_reviewer", "commission", "other_commission"):
        with pytest.raises(Refused):
            nominate(world, passed, role=role)
    d = nominate(world, passed)
    for role in ("cio", "reviewer", "other_reviewer", "other_commission"):
        with pytest.raises(Refused):
            services.designation_award(designation=d, acting_user=world.users[role])
        with pytest.raises(Refused):
            services.designation_quota_set(
                campaign=points_campaign,
                region=world.district_a1,
                kind="standard",
                quota=3,
                acting_user=world.users[role],
            )


def test_only_a_passed_finalised_school_may_be_nominated(world, points_campaign, submitted):
    save(points_campaign, world.users["commission"], pass_min_percent=50)  # 20 % fails
    quota(world, points_campaign, 5)
    with pytest.raises(Conflict, match="认定结果为“通过”") as caught:
        nominate(world, submitted)  # submitted, not finalised
    assert caught.value.code == "not_passed"
    finalise(world, submitted)
    with pytest.raises(Conflict, match="认定结果为“通过”"):
        nominate(world, submitted)  # finalised, failed
    assert not Designation.objects.exists()


def test_the_quota_is_enforced_at_nomination(world, points_campaign, passed, second):
    with pytest.raises(Conflict, match="尚未给甲一区分配") as caught:
        nominate(world, passed)
    assert caught.value.code == "no_quota"
    quota(world, points_campaign, 1)
    nominate(world, passed)
    with pytest.raises(
        Conflict, match=r"甲一区的“智慧校园示范校”推荐名额已用完（已用 1 / 共 1 个）"
    ) as caught:
        nominate(world, second)
    assert caught.value.code == "quota_full"
    with pytest.raises(Conflict, match="已被推荐"):
        nominate(world, passed)
    with pytest.raises(Conflict, match="名额不能少于 1"):
        quota(world, points_campaign, 0)
    # a refusal gives the place back
    d = Designation.objects.get(assessment=passed)
    with pytest.raises(Invalid, match="请填写不予授予的原因"):
        services.designation_refuse(designation=d, reason=" ", acting_user=world.users["commission"])
    services.designation_refuse(designation=d, reason="材料不足", acting_user=world.users["commission"])
    assert nominate(world, second).state == DesignationState.NOMINATED


def test_wrong_states_are_conflicts(world, points_campaign, passed):
    quota(world, points_campaign, 1)
    d = nominate(world, passed)
    commission = world.users["commission"]
    with pytest.raises(Conflict, match="只有“已授予”的命名可以撤销"):
        services.designation_revoke(designation=d, reason="x", acting_user=commission)
    services.designation_award(designation=d, acting_user=commission)
    with pytest.raises(Conflict, match="只有“已推荐”"):
        services.designation_award(designation=d, acting_user=commission)
    with pytest.raises(Invalid, match="请填写撤销的原因"):
        services.designation_revoke(designation=d, reason="", acting_user=commission)
    services.designation_revoke(designation=d, reason="发现数据不实", acting_user=commission)
    d.refresh_from_db()
    assert (d.state, d.reason) == (DesignationState.REVOKED, "发现数据不实")
    assert designations_of([passed.pk]) == {passed.pk: []}


def test_reopening_withdraws_the_designation_until_finalised_and_nominated_again(
    world, points_campaign, passed
):
    quota(world, points_campaign, 1)
    d = nominate(world, passed)
    services.designation_award(designation=d, acting_user=world.users["commission"])
    services.review_reopen(assessment=passed, acting_user=world.users["commission"], reason="复核数据")
    d.refresh_from_db()
    assert d.state == DesignationState.WITHDRAWN and "复核数据" in d.reason
    assert designations_of([passed.pk]) == {passed.pk: []}
    assert nomination_board(user=world.users["reviewer"], campaign=points_campaign).rows == ()
    with pytest.raises(Conflict):
        nominate(world, passed)
    finalise(world, Assessment.objects.get(pk=passed.pk))
    assert nominate(world, passed).state == DesignationState.NOMINATED  # the place was freed


def test_an_award_stops_counting_when_a_new_rule_version_fails_the_school(world, points_campaign, passed):
    quota(world, points_campaign, 1)
    services.designation_award(designation=nominate(world, passed), acting_user=world.users["commission"])
    save(points_campaign, world.users["commission"], pass_min_percent=50, reason="提高合格线")
    assert Assessment.objects.get(pk=passed.pk).result_passed is False
    assert designations_of([passed.pk]) == {passed.pk: []}


def test_pages(world, points_campaign, passed, client_for, django_assert_max_num_queries):
    quota(world, points_campaign, 1)
    reviewer = client_for("reviewer")
    board = reverse("assessments:designation-board", args=[points_campaign.pk])
    with django_assert_max_num_queries(20):
        page = reviewer.get(board)
    assert page.status_code == 200
    text = page.content.decode()
    assert "甲一区第一小学" in text and 'data-testid="nominate-S-A1-demonstration"' in text
    assert (
        reviewer.post(
            reverse("assessments:designation-nominate", args=[passed.pk]), {"kind": "demonstration"}
        ).status_code
        == 302
    )
    full = reviewer.post(
        reverse("assessments:designation-nominate", args=[passed.pk]), {"kind": "demonstration"}
    )
    assert full.status_code == 409 and "已被推荐" in full.content.decode()
    commission = client_for("commission")
    queue = reverse("assessments:designation-queue", args=[points_campaign.pk])
    with django_assert_max_num_queries(20):
        page = commission.get(queue)
    assert page.status_code == 200 and "待审定的推荐 1 项" in page.content.decode()
    d = Designation.objects.get()
    decide = reverse("assessments:designation-decide", args=[d.pk])
    assert commission.post(decide, {"decision": "refuse"}).status_code == 400
    assert commission.post(decide, {"decision": "award"}).status_code == 302
    assert commission.post(decide, {"decision": "award"}).status_code == 409
    detail = (
        client_for("cio").get(reverse("assessments:assessment-detail", args=[passed.pk])).content.decode()
    )
    assert 'data-testid="designations"' in detail and "智慧校园示范校" in detail and "已授予" in detail
    other = client_for("other_reviewer").get(board)  # district a2 takes part, school a1 is not theirs
    assert other.status_code == 200 and "甲一区第一小学" not in other.content.decode()
    assert client_for("cio").get(board).status_code == 404
    assert reviewer.get(queue).status_code == 404


def test_api(world, points_campaign, passed):
    from rest_framework.test import APIClient

    quota(world, points_campaign, 1)
    reviewer, commission = APIClient(), APIClient()
    reviewer.force_authenticate(world.users["reviewer"])
    commission.force_authenticate(world.users["commission"])
    created = reviewer.post(
        "/api/designations/", {"assessment": passed.pk, "kind": "demonstration"}, format="json"
    )
    assert created.status_code == 201 and created.json()["state"] == "nominated"
    again = reviewer.post(
        "/api/designations/", {"assessment": passed.pk, "kind": "demonstration"}, format="json"
    )
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_nominated"
    pk = created.json()["id"]
    assert reviewer.post(f"/api/designations/{pk}/award/").status_code == 404
    awarded = commission.post(f"/api/designations/{pk}/award/")
    assert awarded.status_code == 200 and awarded.json()["label"] == "智慧校园示范校"
    assert commission.post(f"/api/designations/{pk}/revoke/", {}, format="json").status_code == 400
    listed = commission.get(f"/api/designations/?campaign={points_campaign.pk}").json()
    assert [r["state"] for r in listed["results"]] == ["awarded"]
