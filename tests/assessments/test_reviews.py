"""District review services: scope, conflict of interest, verdict rules, concurrency, return and
resubmission rounds, finalisation, reopening, and the history each of them leaves."""

from __future__ import annotations

from decimal import Decimal

import pytest

from assessments import services
from assessments.models import Assessment, ItemReview, Notification, ReviewVerdict, Role
from assessments.scoping import clear_scope_cache, get_scope
from assessments.selectors import review_abilities, review_queue, review_workbench
from smartcampus.errors import Invalid, Refused

from ..factories import MembershipFactory, UserFactory
from .conftest import response


def verdict(resp, user, verdict="accept", **kw):
    resp.refresh_from_db()
    return services.verdict_save(response=resp, acting_user=user, version=resp.version, verdict=verdict, **kw)


def test_queue_holds_only_submitted_assessments_of_the_reviewers_district(world, points_campaign, submitted):
    queue = list(review_queue(user=world.users["reviewer"]))
    assert [a.pk for a in queue] == [submitted.pk]  # a1b (A1) is still a draft; a2 is another district
    assert queue[0].item_total == 4 and queue[0].item_pending == 4
    assert not review_queue(user=world.users["other_reviewer"]).exists()
    assert not review_queue(user=world.users["cio"]).exists()


def test_reviewer_outside_the_district_is_refused(world, submitted):
    with pytest.raises(services.ReviewRefused, match="不是该校的评审专家"):
        verdict(response(submitted, "1.1"), world.users["other_reviewer"])


def test_first_verdict_starts_the_review_and_accept_copies_the_self_score(world, submitted):
    review = verdict(response(submitted, "1.1"), world.users["reviewer"])
    r = response(submitted, "1.1")
    submitted.refresh_from_db()
    assert submitted.status == "in_review"
    assert (r.review_verdict, r.review_score, r.reviewed_by) == (
        "accept",
        Decimal("1"),
        world.users["reviewer"],
    )
    assert (review.round, review.verdict, review.score) == (1, "accept", Decimal("1"))
    assert r.history.count() >= 2  # the consolidated result is in the response's history


@pytest.mark.parametrize(
    ("kw", "field", "message"),
    [
        ({"verdict": "adjust", "score": "2"}, "comment", "调整评分须填写评审意见"),
        ({"verdict": "more_evidence"}, "comment", "要求补充材料须填写评审意见"),
        ({"verdict": "adjust", "score": "4.5", "comment": "x"}, "score", "最高 4 分"),
        ({"verdict": "adjust", "score": "1.3", "comment": "x"}, "score", "0.5 的整数倍"),
        ({"verdict": "adjust", "comment": "x"}, "score", "请填写调整后的评审分"),
        ({"verdict": "maybe"}, "verdict", "请选择评审结论"),
    ],
)
def test_bad_verdicts_are_refused_in_chinese_and_nothing_is_written(world, submitted, kw, field, message):
    r = response(submitted, "1.1")
    with pytest.raises(Invalid) as exc:
        services.verdict_save(response=r, acting_user=world.users["reviewer"], version=r.version, **kw)
    assert message in " ".join(exc.value.fields[field])
    r.refresh_from_db()
    assert r.review_verdict is None and not ItemReview.objects.exists()
    submitted.refresh_from_db()
    assert submitted.status == "submitted"  # the failed verdict did not start the review either


def test_starred_dimension_allows_the_dimension_maximum(world, submitted):
    verdict(response(submitted, "2.1"), world.users["reviewer"], "adjust", score="8", comment="深入")
    assert response(submitted, "2.1").review_score == Decimal("8")
    with pytest.raises(Invalid, match="最高 10 分"):
        verdict(response(submitted, "2.1"), world.users["reviewer"], "adjust", score="10.5", comment="x")


def test_two_reviewers_saving_the_same_item_the_second_gets_a_conflict(world, submitted):
    second = MembershipFactory(
        user=UserFactory(username="reviewer2"), role=Role.REVIEWER, region=world.district_a1
    ).user
    r = response(submitted, "1.1")
    seen = r.version
    services.verdict_save(response=r, acting_user=world.users["reviewer"], version=seen, verdict="accept")
    with pytest.raises(services.ReviewConflict, match="其他窗口或由他人修改") as exc:
        services.verdict_save(
            response=r, acting_user=second, version=seen, verdict="adjust", score="2", comment="偏高"
        )
    assert exc.value.current.review_verdict == "accept"
    assert f"当前为第 {seen + 1} 版" in str(exc.value.messages[0])  # the message names the newer version
    r.refresh_from_db()
    assert (r.review_verdict, r.review_score) == ("accept", Decimal("1"))  # the first verdict is kept
    assert not ItemReview.objects.filter(reviewer=second).exists()


def test_conflict_of_interest_is_refused_with_the_reason(world, submitted):
    reviewer = world.users["reviewer"]
    MembershipFactory(user=reviewer, role=Role.SCHOOL_CIO, school=world.school_a1)
    clear_scope_cache(reviewer)
    assert get_scope(reviewer).has_conflict(submitted)
    with pytest.raises(services.ReviewLocked, match="利益冲突"):
        verdict(response(submitted, "1.1"), reviewer)
    abilities = review_abilities(user=reviewer, assessment=submitted)
    assert abilities.refusal.startswith("您是该校的信息化负责人") and not abilities.can_review


def test_assignment_brings_a_school_anywhere_into_the_experts_scope(world, submitted):
    expert = UserFactory(username="expert")
    assert not review_queue(user=expert).exists()
    services.review_assign(
        assessment=submitted, reviewer=expert, acting_user=world.users["commission"], lead=True
    )
    clear_scope_cache(expert)
    scope = get_scope(expert)
    assert scope.review_school_ids == {world.school_a1.pk} and scope.lead_assessment_ids == {submitted.pk}
    assert [a.pk for a in review_queue(user=expert)] == [submitted.pk]
    verdict(response(submitted, "1.1"), expert)
    assert Notification.objects.filter(user=expert, kind="assigned").count() == 1


def test_assigning_the_schools_own_cio_is_refused(world, submitted):
    with pytest.raises(Invalid, match="利益冲突"):
        services.review_assign(
            assessment=submitted, reviewer=world.users["cio"], acting_user=world.users["commission"]
        )
    with pytest.raises(Refused, match="不是"):
        services.review_assign(
            assessment=submitted, reviewer=UserFactory(), acting_user=world.users["other_commission"]
        )


def _review_all(assessment, user, **special):
    for r in assessment.responses.select_related("node").order_by("node__position"):
        kw = special.get(r.node.code, {"verdict": "accept"})
        verdict(r, user, **kw)


def test_return_reopens_exactly_the_items_concerned_and_the_cycle_repeats(world, submitted):
    reviewer, cio = world.users["reviewer"], world.users["cio"]
    _review_all(submitted, reviewer, **{"1.2": {"verdict": "more_evidence", "comment": "请补充运行记录"}})
    with pytest.raises(Invalid, match="请为勾选的条目填写退回原因"):
        services.review_return(
            assessment=submitted, acting_user=reviewer, reasons={response(submitted, "2.1").pk: ""}
        )
    ticked = response(submitted, "2.1")
    returned = services.review_return(
        assessment=submitted, acting_user=reviewer, reasons={ticked.pk: "说明不清"}
    )
    assert [r.node.code for r in returned] == ["1.2", "2.1"]
    submitted.refresh_from_db()
    assert (submitted.status, submitted.review_round) == ("returned", 2)
    assert response(submitted, "2.1").review_comment == "说明不清"
    # only the reopened items are editable; the others stay locked
    with pytest.raises(services.AssessmentLocked, match="未被退回"):
        r = response(submitted, "1.1")
        services.response_update(response=r, acting_user=cio, version=r.version, self_score="2")
    r = response(submitted, "1.2")
    services.response_update(response=r, acting_user=cio, version=r.version, statement="已补充运行记录")
    assert Notification.objects.filter(user=cio, kind="returned").exists()
    services.assessment_submit(assessment=submitted, acting_user=cio)
    submitted.refresh_from_db()
    assert submitted.status == "submitted" and not submitted.responses.filter(reopened=True).exists()
    # round 2: the reviewer answers the two items again, then finalises
    verdict(response(submitted, "1.2"), reviewer)
    verdict(response(submitted, "2.1"), reviewer, "adjust", score="3", comment="按实际调整")
    assert ItemReview.objects.filter(response=response(submitted, "1.2")).values_list("round", "verdict")[
        ::1
    ] == [
        (1, "more_evidence"),
        (2, "accept"),
    ]
    services.review_finalise(assessment=submitted, acting_user=reviewer, conclusion="总体达到要求。")
    submitted.refresh_from_db()
    assert submitted.status == "finalised"
    statements = list(response(submitted, "1.2").history.values_list("statement", flat=True))
    assert "已补充运行记录" in statements and "已建设" in statements  # the school's later answer is a new row


def test_finalising_with_pending_items_is_refused_and_changes_nothing(world, submitted):
    reviewer = world.users["reviewer"]
    verdict(response(submitted, "1.1"), reviewer)
    verdict(response(submitted, "1.2"), reviewer, "more_evidence", comment="缺材料")
    with pytest.raises(services.ReviewIncomplete, match="还有 3 个条目未评审或需补充材料") as exc:
        services.review_finalise(assessment=submitted, acting_user=reviewer, conclusion="总体达到要求。")
    assert [r.node.code for r in exc.value.pending] == ["1.2", "2.1", "2.2"]
    submitted.refresh_from_db()
    assert submitted.status == "in_review"


def test_finalised_is_read_only_until_commission_reopens_with_a_reason(world, submitted):
    reviewer = world.users["reviewer"]
    _review_all(submitted, reviewer)
    services.review_finalise(assessment=submitted, acting_user=reviewer, conclusion="总体达到要求。")
    for action in (
        lambda: verdict(response(submitted, "1.1"), reviewer, "adjust", score="0", comment="x"),
        lambda: services.review_return(assessment=submitted, acting_user=reviewer),
        lambda: services.review_finalise(
            assessment=submitted, acting_user=reviewer, conclusion="总体达到要求。"
        ),
    ):
        with pytest.raises(services.ReviewLocked, match="评审已完成"):
            action()
    with pytest.raises(services.AssessmentLocked):
        r = response(submitted, "1.1")
        services.response_update(
            response=r, acting_user=world.users["cio"], version=r.version, self_score="2"
        )
    with pytest.raises(Refused, match="不是"):
        services.review_reopen(assessment=submitted, acting_user=reviewer, reason="x")
    with pytest.raises(Invalid, match="请填写重新打开的原因"):
        services.review_reopen(assessment=submitted, acting_user=world.users["commission"], reason=" ")
    services.review_reopen(
        assessment=submitted, acting_user=world.users["commission"], reason="复核发现分数录入错误"
    )
    submitted.refresh_from_db()
    assert submitted.status == "in_review"
    assert submitted.history.first().history_change_reason == "重新打开：复核发现分数录入错误"
    verdict(response(submitted, "1.1"), reviewer, "adjust", score="0.5", comment="更正")


# --- second reviewer ------------------------------------------------------------------------------


@pytest.fixture
def pair(world):
    return world.users["reviewer"], MembershipFactory(
        user=UserFactory(username="reviewer2"), role=Role.REVIEWER, region=world.district_a1
    ).user


def _own(assessment, user, code, **kw):
    r = response(assessment, code)
    mine = ItemReview.objects.filter(response=r, reviewer=user, round=assessment.review_round).first()
    return services.verdict_save(
        response=r,
        acting_user=user,
        version=mine.version if mine else 0,
        verdict=kw.pop("verdict", "accept"),
        **kw,
    )


def test_second_review_average_is_independent_then_consolidated(world, points_campaign, submitted, pair):
    points_campaign.second_review, points_campaign.consolidation = True, "average"
    points_campaign.save()
    submitted = Assessment.objects.get(pk=submitted.pk)
    first, second = pair
    for code in ("1.1", "1.2", "2.1", "2.2"):
        _own(submitted, first, code, verdict="adjust", score="0", comment="A") if code == "1.1" else _own(
            submitted, first, code
        )
    # the first reviewer's verdicts are not the result, and the second cannot see them
    assert response(submitted, "1.1").review_verdict is None
    rw = review_workbench(assessment=submitted, user=second)
    assert all(i.other is None for i in rw.items) and not rw.both_done
    for code in ("1.1", "1.2", "2.1", "2.2"):
        _own(
            submitted,
            second,
            code,
            **({"verdict": "adjust", "score": "1.5", "comment": "B"} if code == "1.1" else {}),
        )
    r = response(submitted, "1.1")
    # mean of 0 and 1.5 = 0.75 → 1.0 (half points, rounded half up)
    assert (r.review_verdict, r.review_score, r.review_comment) == ("adjust", Decimal("1.0"), "A；B")
    assert response(submitted, "1.2").review_verdict == "accept"
    submitted.refresh_from_db()
    rw = review_workbench(assessment=submitted, user=second)
    assert rw.both_done and rw.by_code["1.1"].diverges and not rw.by_code["1.2"].diverges
    third = MembershipFactory(
        user=UserFactory(username="reviewer3"), role=Role.REVIEWER, region=world.district_a1
    ).user
    with pytest.raises(services.ReviewLocked, match="两位专家"):
        _own(submitted, third, "1.1")
    services.review_finalise(assessment=submitted, acting_user=first, conclusion="总体达到要求。")


def test_second_review_lead_consolidates_divergent_items(world, points_campaign, submitted, pair):
    points_campaign.second_review = True
    points_campaign.save()
    submitted = Assessment.objects.get(pk=submitted.pk)
    first, second = pair
    services.review_assign(
        assessment=submitted, reviewer=first, acting_user=world.users["commission"], lead=True
    )
    clear_scope_cache(first)
    for user, score in ((first, "0"), (second, "2")):
        for code in ("1.1", "1.2", "2.1", "2.2"):
            _own(
                submitted,
                user,
                code,
                **({"verdict": "adjust", "score": score, "comment": "x"} if code == "1.1" else {}),
            )
    r = response(submitted, "1.1")
    assert r.review_verdict is None  # divergent: waits for the lead
    assert response(submitted, "1.2").review_verdict == "accept"  # agreeing items are consolidated
    with pytest.raises(services.ReviewRefused, match="主评专家"):
        services.review_consolidate(response=r, acting_user=second, version=r.version, verdict="accept")
    services.review_consolidate(
        response=r, acting_user=first, version=r.version, verdict="adjust", score="1", comment="合议"
    )
    r.refresh_from_db()
    assert (r.review_score, r.reviewed_by) == (Decimal("1"), first)


def test_average_of_compliance_takes_the_lower_status():
    a = ItemReview(verdict="adjust", status="partial", comment="a")
    b = ItemReview(verdict="accept", status="met")
    assert services.average_review(a, b, is_points=False) == ("adjust", None, "partial", "a")
    c = ItemReview(verdict="more_evidence", comment="c")
    assert services.average_review(a, c, is_points=False)[0] == ReviewVerdict.MORE_EVIDENCE
