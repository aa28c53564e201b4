"""City acceptance (市级验收): the commission accepts a finalised result (it becomes final) or sends
it back to the district with a reason (the district reviews again and sees why); the official
result's final notion in the results selector; the list page, bulk acceptance with confirmation."""

from __future__ import annotations

import pytest

from assessments import services
from assessments.models import Acceptance, Assessment, AssessmentStatus
from assessments.selectors import assessment_results
from smartcampus.errors import Conflict, Invalid, Refused

from ..factories import fill_and_submit
from .test_result_rules import finalise, save


@pytest.fixture
def finalised(world, points_campaign, submitted):
    save(points_campaign, world.users["commission"])
    return finalise(world, submitted)


@pytest.fixture
def finalised_b(world, points_campaign):
    """School a1b (same district as a1), finalised too."""
    a = Assessment.objects.get(campaign=points_campaign, school=world.school_a1b)
    from assessments.models import Membership, Role

    cio = Membership.objects.create(
        user=type(world.users["cio"]).objects.create(username="cio_b"),
        role=Role.SCHOOL_CIO,
        school=world.school_a1b,
    ).user
    fill_and_submit(a, cio)
    return finalise(world, Assessment.objects.get(pk=a.pk))


def test_only_the_commission_managing_the_campaign_accepts(world, finalised):
    for role in ("cio", "reviewer", "other_reviewer", "other_commission"):
        with pytest.raises(Refused):
            services.acceptance_accept(assessment=finalised, acting_user=world.users[role])
    accepted = services.acceptance_accept(assessment=finalised, acting_user=world.users["commission"])
    assert (accepted.acceptance, accepted.acceptance_by) == (Acceptance.ACCEPTED, world.users["commission"])
    assert accepted.history.first().history_change_reason == "市级验收通过"
    with pytest.raises(Conflict) as exc:
        services.acceptance_accept(assessment=accepted, acting_user=world.users["commission"])
    assert exc.value.code == "accepted"


def test_the_official_result_is_final_only_once_accepted(world, finalised):
    official = assessment_results(assessment=Assessment.objects.get(pk=finalised.pk)).official
    assert official is not None and not official.final and official.state_label == "待市级验收"
    services.acceptance_accept(assessment=finalised, acting_user=world.users["commission"])
    official = assessment_results(assessment=Assessment.objects.get(pk=finalised.pk)).official
    assert official.final and official.state_label == "已验收"


def test_an_unfinished_review_cannot_be_accepted(world, submitted):
    with pytest.raises(Conflict) as exc:
        services.acceptance_accept(assessment=submitted, acting_user=world.users["commission"])
    assert exc.value.code == "not_finalised"


def test_sending_back_reopens_the_district_review_with_the_reason(world, finalised, client_for):
    with pytest.raises(Invalid):
        services.acceptance_send_back(assessment=finalised, acting_user=world.users["commission"], reason=" ")
    back = services.acceptance_send_back(
        assessment=finalised, acting_user=world.users["commission"], reason="2.1 证明材料不足"
    )
    assert back.status == AssessmentStatus.IN_REVIEW
    assert (back.acceptance, back.acceptance_reason) == (Acceptance.SENT_BACK, "2.1 证明材料不足")
    assert back.result_percent is None  # the official result is cleared with the reopening
    page = client_for("reviewer").get(f"/reviews/assessments/{back.pk}/")
    assert "2.1 证明材料不足" in page.content.decode()
    # the district finalises again: pending acceptance, the reason gone
    again = services.review_finalise(
        assessment=back, acting_user=world.users["reviewer"], conclusion="已复核。"
    )
    assert (again.acceptance, again.acceptance_reason) == (Acceptance.PENDING, "")
    assert assessment_results(assessment=again).official.final is False


def test_reopening_an_accepted_result_makes_it_pending_again(world, finalised):
    services.acceptance_accept(assessment=finalised, acting_user=world.users["commission"])
    reopened = services.review_reopen(
        assessment=finalised, acting_user=world.users["commission"], reason="更正"
    )
    assert reopened.acceptance == Acceptance.PENDING
    # withdrawn with who and why, in the reopening's own history row
    assert (reopened.acceptance_by, reopened.acceptance_reason) == (
        world.users["commission"],
        "重新打开：更正",
    )
    assert reopened.history.first().acceptance == Acceptance.PENDING


def test_the_list_page_accepts_and_sends_back(
    world, finalised, finalised_b, client_for, django_assert_max_num_queries
):
    campaign = finalised.campaign
    client = client_for("commission")
    with django_assert_max_num_queries(25):
        page = client.get(f"/campaigns/{campaign.pk}/acceptance/")
    assert page.status_code == 200
    assert "待市级验收" in page.content.decode()
    assert client.post(f"/assessments/{finalised.pk}/accept/").status_code == 302
    # a second accept is a conflict on the same page
    assert client.post(f"/assessments/{finalised.pk}/accept/").status_code == 409
    assert client.post(f"/assessments/{finalised_b.pk}/send-back/", {"reason": ""}).status_code == 400
    assert client.post(f"/assessments/{finalised_b.pk}/send-back/", {"reason": "请复核"}).status_code == 302
    states = dict(Assessment.objects.filter(campaign=campaign).values_list("school__code", "acceptance"))
    assert states["S-A1"] == Acceptance.ACCEPTED and states["S-A1B"] == Acceptance.SENT_BACK
    # the school sees its final result
    detail = client_for("cio").get(f"/assessments/{finalised.pk}/")
    assert "已验收" in detail.content.decode()


def test_bulk_acceptance_asks_for_confirmation_first(world, finalised, finalised_b, client_for):
    campaign = finalised.campaign
    client = client_for("commission")
    ids = [finalised.pk, finalised_b.pk]
    confirm = client.post(f"/campaigns/{campaign.pk}/acceptance/bulk/", {"ids": ids})
    assert confirm.status_code == 200 and "确认验收" in confirm.content.decode()
    assert not Assessment.objects.filter(acceptance=Acceptance.ACCEPTED).exists()
    done = client.post(f"/campaigns/{campaign.pk}/acceptance/bulk/", {"ids": ids, "confirm": "1"})
    assert done.status_code == 302
    assert Assessment.objects.filter(pk__in=ids, acceptance=Acceptance.ACCEPTED).count() == 2
    assert client.post(f"/campaigns/{campaign.pk}/acceptance/bulk/", {}).status_code == 400


def test_other_commissions_and_districts_get_404(world, finalised, client_for):
    campaign = finalised.campaign
    for role in ("cio", "reviewer", "other_commission"):
        client = client_for(role)
        assert client.get(f"/campaigns/{campaign.pk}/acceptance/").status_code == 404
        assert client.post(f"/assessments/{finalised.pk}/accept/").status_code == 404
    assert Assessment.objects.get(pk=finalised.pk).acceptance == Acceptance.PENDING


def test_the_demo_fill_accepts_one_school_sends_one_back_and_saves_a_sample(db, settings, tmp_path):
    from io import StringIO

    from django.core.management import call_command

    from assessments.models import Sample

    settings.MEDIA_ROOT = tmp_path
    call_command("load_frameworks", stdout=StringIO())
    call_command(
        "seed_demo", "--schools", "40", "--campaign", "zibo-k12", "--fill", "--quiet", stdout=StringIO()
    )
    demo = Assessment.objects.filter(campaign__framework__code="zibo-k12")
    assert demo.filter(acceptance=Acceptance.ACCEPTED, status=AssessmentStatus.FINALISED).count() == 1
    back = demo.get(acceptance=Acceptance.SENT_BACK)
    assert back.status == AssessmentStatus.IN_REVIEW and back.acceptance_reason
    sample = Sample.objects.get(campaign__framework__code="zibo-k12")
    assert sample.schools.exists() and sample.strata == ["district"]


def test_the_result_table_command_and_the_acceptance_page_agree(world, finalised, finalised_b, client_for):
    import json
    import re
    from io import StringIO

    from django.core.management import call_command

    commission = world.users["commission"]
    services.acceptance_accept(assessment=finalised, acting_user=commission)
    services.acceptance_send_back(assessment=finalised_b, acting_user=commission, reason="2.1 材料不足")
    out = StringIO()
    call_command("campaign_results", "--campaign", str(finalised.campaign_id), "--json", stdout=out)
    rows = {s["school_code"]: s["acceptance"] for s in json.loads(out.getvalue())["schools"]}
    assert rows["S-A1"]["state"] == "accepted" and rows["S-A1"]["by"] == "commission"
    assert rows["S-A1"]["at"].endswith("+08:00") and rows["S-A1"]["reason"] == ""
    assert rows["S-A1B"] == {
        "state": "sent_back",
        "by": "commission",
        "at": rows["S-A1B"]["at"],
        "reason": "2.1 材料不足",
    }
    page = client_for("commission").get(f"/campaigns/{finalised.campaign_id}/acceptance/").content.decode()
    shown = dict(
        (code, (state, by))
        for code, state, by in re.findall(
            r'data-testid="acceptance-(S-[A-Z0-9]+)".*?data-state="(\w+)"\s+data-by="(\w*)"', page, re.S
        )
    )
    assert shown == {code: (rows[code]["state"], rows[code]["by"]) for code in shown}
    assert set(shown) == {"S-A1", "S-A1B"}
    assert "2.1 材料不足" in page


# --- delegation to city reviewers ---------------------------------------------------------------------


@pytest.fixture
def city_expert(db):
    from ..factories import UserFactory

    return UserFactory(username="city_expert", first_name="市级专家")


def test_the_commission_delegates_the_campaigns_acceptance_after_confirming(
    world, finalised, finalised_b, city_expert, client_for
):
    campaign = finalised.campaign
    client = client_for("commission")
    url = f"/campaigns/{campaign.pk}/acceptance/delegates/"
    page = client.get(url)
    assert page.status_code == 200 and "市级专家" in page.content.decode()
    confirm = client.post(url, {"reviewer": city_expert.pk})
    assert confirm.status_code == 200 and "确认委托" in confirm.content.decode()
    assert not campaign.acceptance_delegates.exists()
    assert client.post(url, {"reviewer": city_expert.pk, "confirm": "1"}).status_code == 302
    delegate = campaign.acceptance_delegates.get()
    assert delegate.assessment is None and delegate.assigned_by == world.users["commission"]
    assert delegate.history.first().history_user == world.users["commission"]
    # the delegate accepts and sends back through the same pages and services
    expert = client_for("cio")
    expert.force_login(city_expert)
    listing = expert.get(f"/campaigns/{campaign.pk}/acceptance/")
    assert listing.status_code == 200 and "S-A1B" in listing.content.decode()
    assert "委托市级评审专家验收" not in listing.content.decode()  # delegating stays the commission's
    assert expert.get(url).status_code == 404
    assert expert.post(f"/assessments/{finalised.pk}/accept/").status_code == 302
    assert expert.post(f"/assessments/{finalised_b.pk}/send-back/", {"reason": "请复核"}).status_code == 302
    a1, a1b = (Assessment.objects.get(pk=a.pk) for a in (finalised, finalised_b))
    assert (a1.acceptance, a1.acceptance_by) == (Acceptance.ACCEPTED, city_expert)
    assert (a1b.acceptance, a1b.status) == (Acceptance.SENT_BACK, AssessmentStatus.IN_REVIEW)
    assert expert.get(f"/reviews/assessments/{a1.pk}/").status_code == 200
    # removing the delegation ends it (what was accepted stays accepted)
    assert client.post(f"/acceptance-delegates/{delegate.pk}/remove/").status_code == 302
    assert expert.get(f"/campaigns/{campaign.pk}/acceptance/").status_code == 404
    assert Assessment.objects.get(pk=a1.pk).acceptance == Acceptance.ACCEPTED


def test_a_delegation_for_some_schools_covers_only_those(world, finalised, finalised_b, city_expert):
    commission = world.users["commission"]
    services.acceptance_delegate_assign(
        campaign=finalised.campaign, reviewer=city_expert, acting_user=commission, assessments=[finalised_b]
    )
    with pytest.raises(Refused):
        services.acceptance_accept(assessment=finalised, acting_user=city_expert)
    from assessments.selectors import acceptance_list

    assert list(acceptance_list(user=city_expert, campaign=finalised.campaign)) == [finalised_b]
    services.acceptance_accept(assessment=finalised_b, acting_user=city_expert)


def test_only_city_reviewers_are_delegated_and_never_for_their_own_school(
    world, finalised, city_expert, client_for
):
    from assessments.models import Membership, Role

    commission = world.users["commission"]
    with pytest.raises(Invalid) as exc:  # a district's own reviewer is not a city reviewer
        services.acceptance_delegate_assign(
            campaign=finalised.campaign, reviewer=world.users["reviewer"], acting_user=commission
        )
    assert exc.value.code == "not_eligible"
    with pytest.raises(Refused):
        services.acceptance_delegate_assign(
            campaign=finalised.campaign, reviewer=city_expert, acting_user=world.users["other_commission"]
        )
    for role in ("reviewer", "other_commission", "cio"):
        assert (
            client_for(role).get(f"/campaigns/{finalised.campaign_id}/acceptance/delegates/").status_code
            == 404
        )
    # a campaign-wide delegate who is (later) a CIO of a school does not accept that school
    services.acceptance_delegate_assign(
        campaign=finalised.campaign, reviewer=city_expert, acting_user=commission
    )
    Membership.objects.create(user=city_expert, role=Role.SCHOOL_CIO, school=world.school_a1)
    with pytest.raises(Refused):
        services.acceptance_accept(
            assessment=finalised, acting_user=type(city_expert).objects.get(pk=city_expert.pk)
        )
