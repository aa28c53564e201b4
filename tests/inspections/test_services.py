"""Visits and publications through their services: every transition and every refusal."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from assessments import services as assessment_services
from assessments.models import (
    Acceptance,
    Assessment,
    AssessmentStatus,
    Designation,
    DesignationQuota,
    Notification,
    Role,
)
from evidence.models import EvidenceFile
from evidence.services import EvidenceInUse, EvidenceRejected, evidence_file_delete
from inspections import selectors, services
from inspections.models import FindingVerdict, ObjectionState, PublicationState, VisitState
from rectification.models import RectificationSource, RectificationState
from smartcampus.errors import Conflict, Invalid, Refused

from ..factories import MembershipFactory, UserFactory, fill_and_submit
from ..rectification.conftest import finalise
from .conftest import pdf, png

TODAY = timezone.localdate()


def _finding(visit, code):
    return visit.findings.get(node__code=code)


def _record(visit, user, code="1.2", verdict=FindingVerdict.DISCREPANCY, **kw):
    return services.finding_record(
        finding=_finding(visit, code),
        acting_user=user,
        verdict=verdict,
        text=kw.pop("text", "实地未见设备"),
        **kw,
    )


# --- visits ---------------------------------------------------------------------------------------


def test_scheduling_a_visit_creates_a_finding_per_item_and_tells_the_school(world, visit):
    assert visit.state == VisitState.SCHEDULED
    assert sorted(visit.findings.values_list("node__code", flat=True)) == ["1.2", "2.1"]
    assert set(visit.team.values_list("username", flat=True)) == {"reviewer", "commission"}
    assert Notification.objects.filter(user=world.users["cio"], title__contains="现场核验").exists()


@pytest.mark.parametrize("role", ["cio", "other_cio", "other_reviewer", "other_commission"])
def test_only_the_schools_inspectors_schedule(world, finalised, node_ids, role):
    with pytest.raises(Refused):
        services.visit_schedule(
            assessment=finalised,
            acting_user=world.users[role],
            date=TODAY,
            team_ids=[world.users["reviewer"].pk],
            node_ids=[node_ids["1.2"]],
        )


def test_a_draft_gets_no_visit(world, campaign, node_ids):
    draft = Assessment.objects.get(campaign=campaign, school=world.school_a1b)
    with pytest.raises(Refused):
        services.visit_schedule(
            assessment=draft,
            acting_user=world.users["commission"],
            date=TODAY,
            team_ids=[world.users["reviewer"].pk],
            node_ids=[node_ids["1.2"]],
        )


@pytest.mark.parametrize("member", ["cio", "other_reviewer", "other_commission"])
def test_the_team_is_made_of_the_schools_inspectors(world, finalised, node_ids, member):
    with pytest.raises(Invalid) as exc:
        services.visit_schedule(
            assessment=finalised,
            acting_user=world.users["commission"],
            date=TODAY,
            team_ids=[world.users[member].pk],
            node_ids=[node_ids["1.2"]],
        )
    assert "team" in exc.value.fields


def test_items_must_belong_to_the_assessment(world, finalised):
    with pytest.raises(Invalid):
        services.visit_schedule(
            assessment=finalised,
            acting_user=world.users["commission"],
            date=TODAY,
            team_ids=[world.users["reviewer"].pk],
            node_ids=[],
        )


def test_a_team_member_records_a_finding_with_photos_kept_in_the_schools_library(world, visit):
    finding = _record(visit, world.users["reviewer"], photos=[png()])
    assert finding.verdict == FindingVerdict.DISCREPANCY and finding.recorded_by == world.users["reviewer"]
    photo = finding.photos.get()
    assert photo.school == world.school_a1 and photo.uploaded_by == world.users["reviewer"]
    assert EvidenceFile.objects.filter(school=world.school_a1, pk=photo.pk).exists()
    # the school cannot delete the photo the visit keeps
    with pytest.raises(EvidenceInUse):
        evidence_file_delete(evidence_file=photo, acting_user=world.users["cio"])


def test_a_photo_must_be_an_image(world, visit):
    with pytest.raises(EvidenceRejected):
        _record(visit, world.users["reviewer"], photos=[pdf()])
    assert not EvidenceFile.objects.filter(school=world.school_a1).exists()


def test_a_discrepancy_needs_a_description(world, visit):
    with pytest.raises(Invalid):
        _record(visit, world.users["reviewer"], text="")


@pytest.mark.parametrize("role", ["cio", "other_reviewer", "other_commission"])
def test_only_the_team_records(world, visit, role):
    with pytest.raises(Refused):
        _record(visit, world.users[role])


def test_an_inspector_off_the_team_does_not_record(world, visit):
    visit.team.remove(world.users["reviewer"])
    with pytest.raises(Refused):
        _record(visit, world.users["reviewer"])


def test_the_signed_sheet_completes_the_visit_once_every_item_is_recorded(world, visit):
    with pytest.raises(Conflict) as exc:
        services.visit_sheet_upload(visit=visit, acting_user=world.users["reviewer"], uploaded_file=pdf())
    assert exc.value.code == "incomplete"
    _record(visit, world.users["reviewer"])
    _record(visit, world.users["reviewer"], code="2.1", verdict=FindingVerdict.CONFIRMED, text="")
    with pytest.raises(EvidenceRejected):
        services.visit_sheet_upload(visit=visit, acting_user=world.users["reviewer"], uploaded_file=png())
    visit = services.visit_sheet_upload(visit=visit, acting_user=world.users["reviewer"], uploaded_file=pdf())
    assert visit.state == VisitState.COMPLETED
    assert visit.check_sheet.kind == "pdf" and visit.check_sheet.school == world.school_a1
    with pytest.raises(Conflict) as exc:
        _record(visit, world.users["reviewer"])
    assert exc.value.code == "completed"


def test_a_discrepancy_becomes_an_onsite_rectification_item(world, visit):
    _record(visit, world.users["reviewer"])
    finding = _finding(visit, "1.2")
    item = services.finding_to_rectification(
        finding=finding,
        acting_user=world.users["commission"],
        action="补齐设备",
        due_date=TODAY + datetime.timedelta(days=30),
    )
    assert item.source == RectificationSource.ONSITE and item.state == RectificationState.DRAFT_PLAN
    assert item.problem == "实地未见设备" and item.assessment_id == visit.assessment_id
    finding.refresh_from_db()
    assert finding.rectification_item == item
    with pytest.raises(Conflict) as exc:
        services.finding_to_rectification(
            finding=finding, acting_user=world.users["commission"], action="再次", due_date=TODAY
        )
    assert exc.value.code == "already_rectified"


def test_a_confirmed_finding_is_not_turned_into_anything(world, visit):
    _record(visit, world.users["reviewer"], code="2.1", verdict=FindingVerdict.CONFIRMED, text="")
    with pytest.raises(Conflict):
        services.finding_to_rectification(
            finding=_finding(visit, "2.1"), acting_user=world.users["reviewer"], action="x", due_date=TODAY
        )


def test_a_review_adjustment_needs_an_open_review(world, visit, finalised):
    _record(visit, world.users["reviewer"])
    with pytest.raises(Conflict) as exc:
        services.finding_to_adjustment(
            finding=_finding(visit, "1.2"), acting_user=world.users["reviewer"], score="1"
        )
    assert exc.value.code == "finalised"
    assessment_services.review_reopen(
        assessment=finalised, acting_user=world.users["commission"], reason="核验"
    )
    # commission staff on the team do not review
    with pytest.raises(Refused):
        services.finding_to_adjustment(
            finding=_finding(visit, "1.2"), acting_user=world.users["commission"], score="1"
        )
    finding = services.finding_to_adjustment(
        finding=_finding(visit, "1.2"), acting_user=world.users["reviewer"], score="1"
    )
    assert finding.adjusted
    response = finalised.responses.get(node__code="1.2")
    assert response.review_verdict == "adjust" and response.review_score == Decimal("1")
    assert "现场核验" in response.review_comment


# --- publication ----------------------------------------------------------------------------------


def test_publishing_tells_the_schools(world, publication):
    assert publication.state == PublicationState.OPEN and publication.fields_shown == ["show_pass"]
    assert len(publication.token) >= 32
    assert Notification.objects.filter(user=world.users["cio"], title__contains="结果公示").exists()


@pytest.mark.parametrize("role", ["cio", "reviewer", "other_commission"])
def test_only_the_campaigns_commission_publishes(world, finalised, role):
    with pytest.raises(Refused):
        services.publication_create(
            campaign=finalised.campaign,
            acting_user=world.users[role],
            visibility="login",
            fields=["show_pass"],
            window_start=TODAY,
            window_end=TODAY,
        )


def test_a_campaign_is_published_once(world, publication):
    with pytest.raises(Conflict):
        services.publication_create(
            campaign=publication.campaign,
            acting_user=world.users["commission"],
            visibility="login",
            fields=["show_grade"],
            window_start=TODAY,
            window_end=TODAY,
        )


@pytest.mark.parametrize(
    "fields,start,end",
    [
        ([], TODAY, TODAY),
        (["show_secret"], TODAY, TODAY),
        (["show_pass"], TODAY, TODAY - datetime.timedelta(1)),
    ],
)
def test_a_publication_needs_fields_and_a_window(world, accepted, fields, start, end):
    with pytest.raises(Invalid):
        services.publication_create(
            campaign=accepted.campaign,
            acting_user=world.users["commission"],
            visibility="public",
            fields=fields,
            window_start=start,
            window_end=end,
        )


def test_nothing_is_published_before_the_city_accepts_a_school(world, finalised):
    with pytest.raises(Conflict) as exc:
        services.publication_create(
            campaign=finalised.campaign,
            acting_user=world.users["commission"],
            visibility="public",
            fields=["show_pass"],
            window_start=TODAY,
            window_end=TODAY,
        )
    assert exc.value.code == "nothing_accepted" and "市级验收" in exc.value.message


def _finalise_other(world, campaign):
    """School a1b of the same district, finalised (pending the city's acceptance)."""
    other = Assessment.objects.get(campaign=campaign, school=world.school_a1b)
    cio = MembershipFactory(
        user=UserFactory(username="a1b_cio"), role=Role.SCHOOL_CIO, school=world.school_a1b
    )
    fill_and_submit(other, cio.user, score="3")
    return finalise(other, world.users["reviewer"]), cio.user


def test_a_publication_shows_and_opens_to_objection_only_accepted_results(world, publication, campaign):
    other, other_cio = _finalise_other(world, campaign)
    rows = selectors.publication_rows(publication=publication)
    assert [r.school for r in rows] == [world.school_a1.name]
    counts = selectors.acceptance_counts(campaign_id=campaign.pk)
    assert (counts.accepted, counts.pending) == (1, 1)
    assert counts.accepted + counts.not_accepted == Assessment.objects.filter(campaign=campaign).count()
    with pytest.raises(Conflict) as exc:
        services.objection_raise(
            publication=publication, assessment=other, acting_user=other_cio, reason="我校也要申辩"
        )
    assert exc.value.code == "not_accepted"
    # sent back: still not published
    assessment_services.acceptance_send_back(
        assessment=other, acting_user=world.users["commission"], reason="请复核"
    )
    assert [r.school for r in selectors.publication_rows(publication=publication)] == [world.school_a1.name]
    assert selectors.acceptance_counts(campaign_id=campaign.pk).sent_back == 1


def test_a_new_rule_version_withdraws_the_acceptance_of_a_result_it_changes(world, accepted, campaign):
    commission = world.users["commission"]
    other, _cio = _finalise_other(world, campaign)
    other = assessment_services.acceptance_accept(assessment=other, acting_user=commission)
    assert accepted.result_grade == "合格" and accepted.result_passed is True
    # 优秀 from 50 %: both schools' grade changes, their acceptance is withdrawn with the reason
    assessment_services.rule_save(
        campaign=campaign,
        acting_user=commission,
        pass_rule="percent",
        pass_min_percent="60",
        grades=[{"label": "优秀", "min_percent": 50}, {"label": "合格", "min_percent": 0}],
        reason="调整等级线",
    )
    accepted.refresh_from_db()
    assert accepted.result_grade == "优秀" and accepted.acceptance == Acceptance.PENDING
    assert accepted.acceptance_by == commission and "第 2 版" in accepted.acceptance_reason
    assert "须重新验收" in accepted.history.first().history_change_reason
    assessment_services.acceptance_accept(assessment=accepted, acting_user=commission)
    # a version that leaves the result as it was keeps the acceptance
    assessment_services.rule_save(
        campaign=campaign,
        acting_user=commission,
        pass_rule="percent",
        pass_min_percent="55",
        grades=[{"label": "优秀", "min_percent": 50}, {"label": "合格", "min_percent": 0}],
        reason="调整合格线",
    )
    accepted.refresh_from_db()
    assert accepted.acceptance == Acceptance.ACCEPTED and accepted.result_rule.version == 3
    assert "第 3 版重新判定" in accepted.history.first().history_change_reason


def _object(world, publication, finalised, code="1.2", role="cio", **kw):
    node = None if code is None else finalised.responses.get(node__code=code).node_id
    return services.objection_raise(
        publication=publication,
        assessment=finalised,
        acting_user=world.users[role],
        reason=kw.pop("reason", "佐证材料已齐全"),
        node_id=node,
        **kw,
    )


def test_the_school_objects_once_per_item_and_once_to_the_result(world, publication, finalised):
    objection = _object(world, publication, finalised)
    assert objection.state == ObjectionState.OPEN
    with pytest.raises(Conflict) as exc:
        _object(world, publication, finalised)
    assert exc.value.code == "already_open"
    _object(world, publication, finalised, code="2.1")
    _object(world, publication, finalised, code=None)
    with pytest.raises(Conflict):
        _object(world, publication, finalised, code=None)
    assert Notification.objects.filter(user=world.users["commission"], title__contains="申辩").exists()


@pytest.mark.parametrize("role", ["other_cio", "reviewer", "commission"])
def test_only_the_schools_cio_objects(world, publication, finalised, role):
    with pytest.raises(Refused):
        _object(world, publication, finalised, role=role)


@pytest.mark.parametrize("offset", [-1, 8])
def test_objections_only_in_the_window(world, publication, finalised, offset):
    with pytest.raises(Conflict) as exc:
        _object(world, publication, finalised, today=TODAY + datetime.timedelta(days=offset))
    assert exc.value.code == "window_closed"


def test_evidence_of_an_objection_comes_from_the_schools_library(world, publication, finalised):
    from evidence.services import evidence_upload

    own = evidence_upload(
        school=world.school_a1, uploaded_file=png(), acting_user=world.users["cio"]
    ).evidence_file
    other = evidence_upload(
        school=world.school_a2, uploaded_file=png(color="blue"), acting_user=world.users["other_cio"]
    ).evidence_file
    with pytest.raises(Invalid):
        _object(world, publication, finalised, file_ids=[other.pk])
    objection = _object(world, publication, finalised, file_ids=[own.pk])
    assert list(objection.files.all()) == [own]


def test_upholding_reopens_the_review_through_the_reopen_service(world, publication, finalised):
    objection = _object(world, publication, finalised)
    second = _object(world, publication, finalised, code="2.1")
    with pytest.raises(Refused):
        services.objection_uphold(objection=objection, acting_user=world.users["reviewer"], reason="成立")
    with pytest.raises(Invalid):
        services.objection_uphold(objection=objection, acting_user=world.users["commission"], reason="")
    objection = services.objection_uphold(
        objection=objection, acting_user=world.users["commission"], reason="材料属实"
    )
    assert objection.state == ObjectionState.UPHELD and objection.decided_by == world.users["commission"]
    finalised.refresh_from_db()
    assert finalised.status == AssessmentStatus.IN_REVIEW and finalised.result_passed is None
    assert "申辩成立（1.2）" in finalised.history.first().history_change_reason
    # the city's acceptance is withdrawn in the same save, with who, when and why
    assert finalised.acceptance == Acceptance.PENDING
    assert finalised.acceptance_by == world.users["commission"]
    assert "申辩成立（1.2）：材料属实" in finalised.acceptance_reason
    assert finalised.history.first().acceptance == Acceptance.PENDING
    assert finalised.history.all()[1].acceptance == Acceptance.ACCEPTED
    # a second upheld objection finds the review open already
    services.objection_uphold(objection=second, acting_user=world.users["commission"], reason="同上")
    with pytest.raises(Conflict) as exc:
        services.objection_reject(objection=objection, acting_user=world.users["commission"], reason="改判")
    assert exc.value.code == "decided"


def test_rejecting_leaves_the_result(world, publication, finalised):
    objection = _object(world, publication, finalised)
    objection = services.objection_reject(
        objection=objection, acting_user=world.users["commission"], reason="不属实"
    )
    assert objection.state == ObjectionState.REJECTED
    finalised.refresh_from_db()
    assert finalised.status == AssessmentStatus.FINALISED and finalised.result_passed is True
    # the item is free for a new objection
    _object(world, publication, finalised)


def test_closing_waits_for_decisions_and_refinalisation_then_freezes(world, publication, finalised):
    objection = _object(world, publication, finalised)
    with pytest.raises(Refused):
        services.publication_close(publication=publication, acting_user=world.users["other_commission"])
    with pytest.raises(Conflict) as exc:
        services.publication_close(publication=publication, acting_user=world.users["commission"])
    assert exc.value.code == "objections_open"
    services.objection_uphold(objection=objection, acting_user=world.users["commission"], reason="成立")
    with pytest.raises(Conflict) as exc:
        services.publication_close(publication=publication, acting_user=world.users["commission"])
    assert exc.value.code == "reopened_pending"
    assessment_services.review_finalise(
        assessment=finalised, acting_user=world.users["reviewer"], conclusion="复核后维持。"
    )
    # finalised again, but its new result is not published until the city accepts it again
    with pytest.raises(Conflict) as exc:
        services.publication_close(publication=publication, acting_user=world.users["commission"])
    assert exc.value.code == "reopened_pending" and "市级验收" in exc.value.message
    assessment_services.acceptance_accept(assessment=finalised, acting_user=world.users["commission"])
    publication = services.publication_close(publication=publication, acting_user=world.users["commission"])
    assert publication.state == PublicationState.CLOSED
    campaign = publication.campaign
    campaign.refresh_from_db()
    assert campaign.results_frozen_at is not None
    with pytest.raises(Conflict) as exc:
        services.publication_close(publication=publication, acting_user=world.users["commission"])
    assert exc.value.code == "closed"
    with pytest.raises(Conflict) as exc:
        _object(world, publication, finalised)
    assert exc.value.code == "window_closed"


@pytest.fixture
def frozen(world, publication, finalised):
    services.publication_close(publication=publication, acting_user=world.users["commission"])
    finalised.refresh_from_db()
    return finalised


def test_a_frozen_campaigns_results_refuse_every_change(world, frozen):
    campaign = frozen.campaign
    commission = world.users["commission"]
    with pytest.raises(assessment_services.ResultsFrozen) as exc:
        assessment_services.rule_save(
            campaign=campaign, acting_user=commission, pass_rule="percent", pass_min_percent="50", reason="x"
        )
    assert exc.value.code == "frozen" and "已冻结" in exc.value.message
    with pytest.raises(assessment_services.ResultsFrozen):
        assessment_services.review_reopen(assessment=frozen, acting_user=commission, reason="再看")
    with pytest.raises(assessment_services.ResultsFrozen):
        assessment_services.campaign_results_freeze(campaign=campaign, acting_user=commission)
    with pytest.raises(assessment_services.ResultsFrozen):
        assessment_services.acceptance_accept(assessment=frozen, acting_user=commission)
    with pytest.raises(assessment_services.ResultsFrozen):
        assessment_services.acceptance_send_back(assessment=frozen, acting_user=commission, reason="再看")
    frozen.refresh_from_db()
    assert frozen.acceptance == "accepted"  # as it was when the publication closed
    assert frozen.status == AssessmentStatus.FINALISED and frozen.result_passed is True


def test_a_frozen_campaigns_designations_refuse_every_change(world, frozen):
    campaign = frozen.campaign
    with pytest.raises(assessment_services.ResultsFrozen):
        assessment_services.designation_quota_set(
            campaign=campaign,
            region=world.district_a1,
            kind="standard",
            quota=2,
            acting_user=world.users["commission"],
        )
    DesignationQuota.objects.create(campaign=campaign, region=world.district_a1, kind="standard", quota=2)
    with pytest.raises(assessment_services.ResultsFrozen):
        assessment_services.designation_nominate(
            assessment=frozen, kind="standard", acting_user=world.users["reviewer"]
        )
    nominated = Designation.objects.create(
        campaign=campaign, assessment=frozen, kind="standard", state="nominated"
    )
    with pytest.raises(assessment_services.ResultsFrozen):
        assessment_services.designation_award(designation=nominated, acting_user=world.users["commission"])


def test_a_school_finalised_after_the_freeze_is_refused(world, frozen, campaign):
    other = Assessment.objects.get(campaign=campaign, school=world.school_a1b)
    submitter = MembershipFactory(
        user=UserFactory(username="a1b_cio"), role=Role.SCHOOL_CIO, school=world.school_a1b
    ).user
    fill_and_submit(other, submitter, score="3")
    with pytest.raises(assessment_services.ResultsFrozen):
        finalise(other, world.users["reviewer"])
    other.refresh_from_db()
    assert other.status == AssessmentStatus.IN_REVIEW
