"""Every transition of a rectification item, and every refusal: wrong role (404), wrong state and
stale version (409), invalid input (400)."""

from __future__ import annotations

import pytest

from assessments.models import Notification
from rectification import selectors, services
from rectification.models import (
    RectificationEvent,
    RectificationEvidence,
    RectificationItem,
    RectificationState,
)
from smartcampus.errors import Conflict, Invalid, Refused

from .conftest import due_in

State = RectificationState


def test_the_proposal_names_the_adjusted_item_with_the_reviewers_comment(finalised):
    proposal = selectors.assessment_rectification_proposal(assessment=finalised)
    assert [(p.code, p.source) for p in proposal] == [("1.2", "review_adjust")]
    assert proposal[0].problem == "1.2佐证材料不足"


def test_confirming_creates_items_in_draft_plan_and_notifies_the_school(world, confirmed):
    item = confirmed[0]
    assert (item.node.code, item.state, item.version) == ("1.2", State.DRAFT_PLAN, 1)
    notice = Notification.objects.get(user=world.users["cio"], kind=Notification.Kind.RECTIFICATION)
    assert "整改" in notice.title and "1.2" in notice.body
    assert list(item.events.values_list("from_state", "to_state")) == [("", State.DRAFT_PLAN)]


def test_confirming_twice_is_a_conflict(world, finalised, confirmed):
    with pytest.raises(Conflict) as exc:
        services.rectification_confirm(assessment=finalised, acting_user=world.users["reviewer"], items=[])
    assert exc.value.code == "confirmed"


@pytest.mark.parametrize("role", ["cio", "other_reviewer", "commission", "other_cio"])
def test_only_the_schools_reviewer_confirms(world, finalised, role):
    with pytest.raises(Refused):
        services.rectification_confirm(assessment=finalised, acting_user=world.users[role], items=[])
    assert not RectificationItem.objects.exists()


def test_confirming_before_finalisation_is_a_conflict(world, campaign):
    from assessments.models import Assessment

    from ..factories import fill_and_submit

    assessment = fill_and_submit(
        Assessment.objects.get(campaign=campaign, school=world.school_a1), world.users["cio"]
    )
    with pytest.raises(Conflict) as exc:
        services.rectification_confirm(assessment=assessment, acting_user=world.users["reviewer"], items=[])
    assert exc.value.code == "not_finalised"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"due_date": due_in(-1)}, "items.0.due_date"),
        ({"due_date": "not a date"}, "items.0.due_date"),
        ({"problem": "  "}, "items.0.problem"),
        ({"node": 999999}, "items.0.node"),
        ({"source": "nonsense"}, "items.0.source"),
    ],
)
def test_invalid_rows_are_refused_and_nothing_is_written(world, finalised, change, field):
    proposal = selectors.assessment_rectification_proposal(assessment=finalised)[0]
    row = {
        "node": proposal.node_id,
        "source": "review_adjust",
        "problem": "问题",
        "action": "要求",
        "due_date": due_in(30),
    }
    with pytest.raises(Invalid) as exc:
        services.rectification_confirm(
            assessment=finalised, acting_user=world.users["reviewer"], items=[{**row, **change}]
        )
    assert field in exc.value.fields
    assert not RectificationItem.objects.exists()


def _plan(world, item, **kwargs):
    return services.rectification_plan_submit(
        item=item,
        acting_user=world.users["cio"],
        version=kwargs.pop("version", item.version),
        plan=kwargs.pop("plan", "更新设备并补充材料"),
        responsible="李老师",
    )


def test_the_whole_journey_is_recorded(world, item, library_file):
    cio, reviewer = world.users["cio"], world.users["reviewer"]
    item = _plan(world, item)
    assert item.state == State.PLAN_REVIEW
    item = services.rectification_plan_return(
        item=item, acting_user=reviewer, version=item.version, comment="方案太笼统"
    )
    assert item.state == State.DRAFT_PLAN
    item = _plan(world, item, plan="分三步：采购、安装、培训")
    item = services.rectification_plan_approve(item=item, acting_user=reviewer, version=item.version)
    assert item.state == State.IN_PROGRESS
    photo = library_file()
    item = services.rectification_complete(
        item=item, acting_user=cio, version=item.version, report="已完成安装", file_ids=[photo.pk]
    )
    assert item.state == State.AWAITING_VERIFICATION
    assert list(item.evidence.values_list("file_id", flat=True)) == [photo.pk]
    item = services.rectification_verification_return(
        item=item, acting_user=reviewer, version=item.version, comment="缺少培训记录"
    )
    assert item.state == State.IN_PROGRESS
    item = services.rectification_complete(
        item=item, acting_user=cio, version=item.version, report="补充培训记录"
    )
    item = services.rectification_verify(
        item=item, acting_user=reviewer, version=item.version, comment="合格"
    )
    assert item.state == State.VERIFIED and item.closed_at is not None
    events = list(
        RectificationEvent.objects.filter(item=item).values_list("to_state", "actor__username", "comment")
    )
    assert events == [
        ("draft_plan", "reviewer", ""),
        ("plan_review", "cio", ""),
        ("draft_plan", "reviewer", "方案太笼统"),
        ("plan_review", "cio", ""),
        ("in_progress", "reviewer", ""),
        ("awaiting_verification", "cio", ""),
        ("in_progress", "reviewer", "缺少培训记录"),
        ("awaiting_verification", "cio", ""),
        ("verified", "reviewer", "合格"),
    ]
    assert item.history.count() == 8  # one simple-history row per transition (the creation was bulk)


@pytest.mark.parametrize("role", ["reviewer", "other_cio", "commission", "other_reviewer"])
def test_only_the_schools_cio_submits_the_plan(world, item, role):
    with pytest.raises(Refused):
        services.rectification_plan_submit(
            item=item, acting_user=world.users[role], version=item.version, plan="方案", responsible="某"
        )
    item.refresh_from_db()
    assert item.state == State.DRAFT_PLAN


@pytest.mark.parametrize("role", ["cio", "other_reviewer", "commission", "other_commission"])
@pytest.mark.parametrize(
    "service",
    [
        services.rectification_plan_approve,
        services.rectification_plan_return,
        services.rectification_verify,
        services.rectification_verification_return,
    ],
)
def test_only_the_schools_reviewer_reviews(world, item, role, service):
    item = _plan(world, item)
    with pytest.raises(Refused):
        service(item=item, acting_user=world.users[role], version=item.version, comment="意见")
    item.refresh_from_db()
    assert item.state == State.PLAN_REVIEW


@pytest.mark.parametrize("role", ["cio", "other_reviewer", "commission"])
def test_only_the_schools_reviewer_waives(world, item, role):
    with pytest.raises(Refused):
        services.rectification_waive(
            item=item, acting_user=world.users[role], version=item.version, reason="理由"
        )


def test_wrong_state_is_a_conflict(world, item):
    reviewer, cio = world.users["reviewer"], world.users["cio"]
    for service in (services.rectification_plan_approve, services.rectification_verify):
        with pytest.raises(Conflict) as exc:
            service(item=item, acting_user=reviewer, version=item.version)
        assert exc.value.code == "wrong_state"
    with pytest.raises(Conflict):
        services.rectification_complete(item=item, acting_user=cio, version=item.version, report="完成")
    item = _plan(world, item)
    with pytest.raises(Conflict):
        _plan(world, item)


def test_a_stale_version_is_a_conflict_and_writes_nothing(world, item):
    old = item.version
    _plan(world, item)
    with pytest.raises(Conflict) as exc:
        services.rectification_plan_approve(item=item, acting_user=world.users["reviewer"], version=old)
    assert exc.value.code == "stale" and exc.value.current.state == State.PLAN_REVIEW
    assert RectificationEvent.objects.filter(item=item).count() == 2


def test_returns_need_a_reason_and_waiving_records_it(world, item):
    reviewer = world.users["reviewer"]
    item = _plan(world, item)
    with pytest.raises(Invalid):
        services.rectification_plan_return(item=item, acting_user=reviewer, version=item.version, comment=" ")
    with pytest.raises(Invalid):
        services.rectification_waive(item=item, acting_user=reviewer, version=item.version, reason="")
    item = services.rectification_waive(
        item=item, acting_user=reviewer, version=item.version, reason="已列入新校区建设"
    )
    assert (item.state, item.waiver_reason) == (State.WAIVED, "已列入新校区建设")
    with pytest.raises(Conflict):
        services.rectification_waive(item=item, acting_user=reviewer, version=item.version, reason="再次")


def test_completion_takes_files_of_the_schools_own_library_only(world, item, library_file):
    reviewer, cio = world.users["reviewer"], world.users["cio"]
    item = _plan(world, item)
    item = services.rectification_plan_approve(item=item, acting_user=reviewer, version=item.version)
    foreign = library_file(school=world.school_a2)
    with pytest.raises(Invalid) as exc:
        services.rectification_complete(
            item=item, acting_user=cio, version=item.version, report="完成", file_ids=[foreign.pk]
        )
    assert "files" in exc.value.fields
    item.refresh_from_db()
    assert item.state == State.IN_PROGRESS
    assert not RectificationEvidence.objects.exists()


def test_a_reviewer_who_is_the_schools_cio_may_not_review_it(world, item):
    from assessments.models import Role

    from ..factories import MembershipFactory

    reviewer = world.users["reviewer"]
    MembershipFactory(user=reviewer, role=Role.SCHOOL_CIO, school=world.school_a1)
    from assessments.scoping import clear_scope_cache

    clear_scope_cache(reviewer)
    with pytest.raises(Conflict) as exc:
        services.rectification_waive(item=item, acting_user=reviewer, version=item.version, reason="理由")
    assert exc.value.code == "conflict_of_interest"


def test_scoped_reads(world, item):
    for role, seen in [
        ("cio", True),
        ("reviewer", True),
        ("commission", True),
        ("other_cio", False),
        ("other_reviewer", False),
        ("other_commission", False),
    ]:
        assert selectors.rectification_list(user=world.users[role]).filter(pk=item.pk).exists() is seen, role
    assert selectors.rectification_due_list(user=world.users["reviewer"]).count() == 0
    assert selectors.rectification_review_queue(user=world.users["reviewer"]).count() == 0
    _plan(world, item)
    assert selectors.rectification_review_queue(user=world.users["reviewer"]).count() == 1


def test_low_scores_and_unmet_required_items_are_proposed(world):
    from assessments.models import Assessment

    from ..assessments.conftest import make_campaign
    from ..factories import fill_and_submit, small_points_framework
    from .conftest import finalise

    campaign = make_campaign(world, small_points_framework(), title="低分")
    assessment = Assessment.objects.get(campaign=campaign, school=world.school_a1)
    fill_and_submit(assessment, world.users["cio"], score="1")
    assessment = finalise(assessment, world.users["reviewer"])
    proposal = selectors.assessment_rectification_proposal(assessment=assessment)
    # 1.1 (1 of 4) and 1.2 (1 of 6) are low; 2.x lie in the starred dimension, judged as a whole
    assert [(p.code, p.source) for p in proposal] == [("1.1", "low_score"), ("1.2", "low_score")]
    assert "低于满分" in proposal[0].problem


def test_compliance_required_items_not_met(world):
    from assessments.models import Assessment

    from ..assessments.conftest import make_campaign
    from ..factories import fill_and_submit, small_compliance_framework
    from .conftest import finalise

    campaign = make_campaign(world, small_compliance_framework(), title="达标")
    assessment = Assessment.objects.get(campaign=campaign, school=world.school_a1)
    fill_and_submit(assessment, world.users["cio"], status="partial")
    assessment = finalise(assessment, world.users["reviewer"])
    proposal = selectors.assessment_rectification_proposal(assessment=assessment)
    # 1.2 is optional: partial there is no rectification
    assert [(p.code, p.source) for p in proposal] == [("1.1", "required_unmet"), ("2.1", "required_unmet")]


# --- every transition's refusals, one table ---------------------------------------------------------

#: service → (the role allowed, its keyword arguments, the states it starts from)
TRANSITIONS = {
    "plan": (
        services.rectification_plan_submit,
        "cio",
        {"plan": "方案", "responsible": "李老师"},
        {State.DRAFT_PLAN},
    ),
    "complete": (services.rectification_complete, "cio", {"report": "完成"}, {State.IN_PROGRESS}),
    "approve": (services.rectification_plan_approve, "reviewer", {"comment": "同意"}, {State.PLAN_REVIEW}),
    "return_plan": (services.rectification_plan_return, "reviewer", {"comment": "退回"}, {State.PLAN_REVIEW}),
    "verify": (
        services.rectification_verify,
        "reviewer",
        {"comment": "合格"},
        {State.AWAITING_VERIFICATION},
    ),
    "return_completion": (
        services.rectification_verification_return,
        "reviewer",
        {"comment": "退回"},
        {State.AWAITING_VERIFICATION},
    ),
    "waive": (services.rectification_waive, "reviewer", {"reason": "理由"}, set(State.open())),
}


def _in_state(item, state):
    RectificationItem.objects.filter(pk=item.pk).update(state=state)
    item.refresh_from_db()
    return item


@pytest.mark.parametrize("name", list(TRANSITIONS))
@pytest.mark.parametrize("state", list(State))
def test_each_transition_starts_only_from_its_states(world, item, name, state):
    service, role, kwargs, allowed = TRANSITIONS[name]
    item = _in_state(item, state)
    if state in allowed:
        assert service(item=item, acting_user=world.users[role], version=item.version, **kwargs).version == 2
        return
    with pytest.raises(Conflict) as exc:
        service(item=item, acting_user=world.users[role], version=item.version, **kwargs)
    assert exc.value.code == "wrong_state"
    item.refresh_from_db()
    assert (item.state, item.version) == (state, 1)
    assert RectificationEvent.objects.filter(item=item).count() == 1


@pytest.mark.parametrize("name", list(TRANSITIONS))
def test_each_transition_refuses_a_stale_version(world, item, name):
    service, role, kwargs, allowed = TRANSITIONS[name]
    item = _in_state(item, sorted(allowed)[0])
    RectificationItem.objects.filter(pk=item.pk).update(version=2)  # changed in another window
    with pytest.raises(Conflict) as exc:
        service(item=item, acting_user=world.users[role], version=1, **kwargs)
    assert exc.value.code == "stale" and exc.value.current.version == 2
    assert RectificationEvent.objects.filter(item=item).count() == 1


@pytest.mark.parametrize(
    ("name", "role"),
    [
        (name, role)
        for name, (_, allowed_role, _, _) in TRANSITIONS.items()
        for role in ("cio", "reviewer", "commission", "other_cio", "other_reviewer", "other_commission")
        if role != allowed_role
    ],
)
def test_each_transition_belongs_to_one_role_of_the_school(world, item, name, role):
    service, _, kwargs, allowed = TRANSITIONS[name]
    item = _in_state(item, sorted(allowed)[0])
    with pytest.raises(Refused):
        service(item=item, acting_user=world.users[role], version=item.version, **kwargs)
    item.refresh_from_db()
    assert item.version == 1


def test_a_file_proving_a_completion_cannot_be_deleted_from_the_library(world, item, library_file):
    from evidence.models import EvidenceFile
    from evidence.services import EvidenceInUse, evidence_file_delete

    item = _plan(world, item)
    item = services.rectification_plan_approve(
        item=item, acting_user=world.users["reviewer"], version=item.version
    )
    photo = library_file()
    item = services.rectification_complete(
        item=item, acting_user=world.users["cio"], version=item.version, report="已完成", file_ids=[photo.pk]
    )
    with pytest.raises(EvidenceInUse) as exc:
        evidence_file_delete(evidence_file=photo, acting_user=world.users["cio"])
    assert exc.value.code == "kept_by_record" and "整改证明材料" in exc.value.message
    assert EvidenceFile.objects.filter(pk=photo.pk).exists()
    assert list(item.evidence.values_list("file_id", flat=True)) == [photo.pk]


def test_whether_an_assessment_has_items_follows_its_items(finalised, request):
    """The report buttons' question, asked through a statement kept per process (run prepared from
    its second run): the answer follows the confirmed list, and the deletion of its items."""
    for _ in range(3):
        assert selectors.assessment_has_rectification_items(assessment=finalised) is False
    request.getfixturevalue("confirmed")
    assert selectors.assessment_has_rectification_items(assessment=finalised) is True
    RectificationItem.objects.filter(assessment=finalised).delete()
    assert selectors.assessment_has_rectification_items(assessment=finalised) is False
