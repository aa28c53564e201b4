"""Writes of the district review: starting a review, per-item verdicts, returning items to the
school, finalising, reopening, second-reviewer consolidation and review assignments.

The same rules as the school side: keyword-only services, one transaction each, the assessment
row is locked first (then the response), every edit carries the version it started from, values
are checked by the scoring engine's validators, and the audit trail (django-simple-history rows
with the acting user and a change reason, `ItemReview` rows per reviewer and round) is written in
the same transaction. A reviewer who is a CIO of the school is refused (conflict of interest).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from indicators.scoring import ScoreError, validate_compliance_status, validate_points_score
from indicators.selectors import framework_nodes, scoring_tree
from smartcampus.errors import Conflict, Invalid, Refused

from ..freshness import campaign_data_changed
from ..models import (
    Acceptance,
    Assessment,
    AssessmentStatus,
    ComplianceStatus,
    Consolidation,
    ItemResponse,
    ItemReview,
    Notification,
    ReviewAssignment,
    ReviewVerdict,
    acceptance_withdraw_fields,
)
from ..models.campaigns import STATEMENT_MAX_LENGTH
from ..scoping import Action, get_scope
from ..selectors.results import current_rule
from ..selectors.reviews import (
    CONFLICT_OF_INTEREST,
    review_pair,
    review_pending,
    reviewer_candidate_list,
    second_review_done,
)
from .campaigns import _require_commission
from .designations import designations_withdraw
from .notifications import assessment_reviewer_ids, notify, school_cio_ids
from .results import outcome_clear, outcome_set, results_assert_unfrozen

HALF = Decimal("0.5")


class ReviewRefused(Refused):
    """The user is not a reviewer of the school (nor, for consolidation, its lead reviewer)."""


class ReviewLocked(Conflict):
    """The review action is not possible now: the assessment's state forbids it (draft, returned,
    finalised, not started), the pair of reviewers is complete, or the reviewer is a CIO of the
    school (conflict of interest: the queue and the workbench show the school, with this reason)."""


class ReviewConflict(Conflict):
    """The verdict was based on an older version; `current` is the response as it is now and
    `review` the reviewer's own current verdict (if any). Nothing was written."""

    def __init__(self, message, *, current: ItemResponse, review: ItemReview | None = None):
        super().__init__(message, code="conflict", current=current)
        self.review = review


class ReviewIncomplete(Invalid):
    """Finalising refused: `pending` lists the responses without a final verdict, in tree order."""

    def __init__(self, message, *, pending: list[ItemResponse]):
        super().__init__(message, code="incomplete", extra={"pending": [r.node.code for r in pending]})
        self.pending = pending


def _invalid(field: str, message: str) -> Invalid:
    return Invalid(message, fields={field: [message]})


def _assert_reviewer(*, assessment: Assessment, user) -> None:
    scope = get_scope(user)
    if not scope.can(Action.REVIEW, assessment):
        raise ReviewRefused(_("您不是该校的评审专家。"), code="not_reviewer")
    if scope.has_conflict(assessment):
        raise ReviewLocked(CONFLICT_OF_INTEREST, code="conflict_of_interest")


def _lock(pk: int) -> Assessment:
    return (
        Assessment.objects.select_for_update(of=("self",))
        .select_related("campaign__framework", "campaign__region", "school__region")
        .get(pk=pk)
    )


def _state_refusal(assessment: Assessment) -> ReviewLocked:
    if assessment.status == AssessmentStatus.FINALISED:
        return ReviewLocked(
            _("评审已完成，自评结果只读，不能再修改。如需修改，请联系教委重新打开。"), code="finalised"
        )
    if assessment.status == AssessmentStatus.RETURNED:
        return ReviewLocked(_("自评已退回学校修改，学校重新提交后才能继续评审。"), code="returned")
    return ReviewLocked(_("学校尚未提交自评，不能评审。"), code="draft")


def _save_assessment(assessment: Assessment, *, user, reason: str, fields: list[str]) -> None:
    assessment.version += 1
    assessment._history_user = user
    assessment._change_reason = reason[:100]
    assessment.full_clean()
    assessment.save(update_fields=[*fields, "version"])
    campaign_data_changed(assessment.campaign_id)


def _url(name: str, *args) -> str:
    return reverse(name, args=args)


@transaction.atomic
def review_start(*, assessment: Assessment, acting_user) -> Assessment:
    """Move a submitted assessment to 评审中. Starting one already in review changes nothing."""
    assessment = _lock(assessment.pk)
    _assert_reviewer(assessment=assessment, user=acting_user)
    _start(assessment, user=acting_user)
    return assessment


def _start(assessment: Assessment, *, user) -> None:
    if assessment.status == AssessmentStatus.IN_REVIEW:
        return
    if assessment.status != AssessmentStatus.SUBMITTED:
        raise _state_refusal(assessment)
    assessment.status = AssessmentStatus.IN_REVIEW
    _save_assessment(assessment, user=user, reason=_("开始评审"), fields=["status"])


# --- verdicts -------------------------------------------------------------------------------------


def _clean_comment(comment: str) -> str:
    comment = (comment or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    if len(comment) > STATEMENT_MAX_LENGTH:
        message = _("评审意见最多 %(max)d 字，当前 %(n)d 字。") % {
            "max": STATEMENT_MAX_LENGTH,
            "n": len(comment),
        }
        raise Invalid(message, fields={"comment": [message]})
    return comment


def _clean_verdict(*, tree, response: ItemResponse, verdict, score, status, comment) -> tuple:
    """(verdict, score, status, comment) checked: the comment is mandatory for adjust and
    more_evidence; an adjusted score/status goes through the scoring engine's validators; accept
    copies the school's own value."""
    if verdict not in ReviewVerdict.values:
        raise _invalid("verdict", _("请选择评审结论：认可、调整或需补充材料。"))
    comment = _clean_comment(comment)
    code = response.node.code
    if verdict == ReviewVerdict.ACCEPT:
        return verdict, response.self_score, response.self_status, comment
    if not comment:
        message = (
            _("调整评分须填写评审意见（说明调整理由）。")
            if verdict == ReviewVerdict.ADJUST
            else _("要求补充材料须填写评审意见（说明需要补充什么）。")
        )
        raise _invalid("comment", message)
    if verdict == ReviewVerdict.MORE_EVIDENCE:
        return verdict, None, None, comment
    try:
        if tree.is_points:
            if score in (None, ""):
                raise _invalid("score", _("请填写调整后的评审分。"))
            return verdict, validate_points_score(tree, code, score), None, comment
        if status in (None, ""):
            raise _invalid("status", _("请选择调整后的达标情况。"))
        return verdict, None, str(validate_compliance_status(tree, code, status)), comment
    except ScoreError as exc:
        raise _invalid("score" if tree.is_points else "status", str(exc)) from None


def _tree(assessment: Assessment):
    framework = assessment.campaign.framework
    return scoring_tree(framework=framework, nodes=framework_nodes(framework=framework))


def _consolidate(response: ItemResponse, *, verdict, score, status, comment, user, now) -> None:
    response.review_verdict = verdict
    response.review_score = score
    response.review_status = status
    response.review_comment = comment
    response.reviewed_by = user
    response.reviewed_at = now
    response.version += 1
    response._history_user = user
    response.full_clean(exclude=["assessment", "node", "updated_by", "reviewed_by"], validate_unique=False)
    response.save(
        update_fields=[
            "review_verdict",
            "review_score",
            "review_status",
            "review_comment",
            "reviewed_by",
            "reviewed_at",
            "version",
        ]
    )


@transaction.atomic
def verdict_save(
    *,
    response: ItemResponse,
    acting_user,
    version: int,
    verdict: str,
    score=None,
    status=None,
    comment: str = "",
) -> ItemReview:
    """Save the reviewer's verdict on one item (autosave of the workbench, PATCH of the API).

    Single review: `version` is the response's version; the verdict becomes the consolidated result
    at once. Second review: `version` is the reviewer's own verdict's version (0 for none yet); the
    two reviewers' verdicts stay apart until both are done, then agreeing items (and, with
    consolidation "average", every item) are consolidated. A stale version raises `ReviewConflict`
    and writes nothing. Reviewing a submitted assessment starts the review (→ 评审中).
    """
    assessment = _lock(response.assessment_id)
    _assert_reviewer(assessment=assessment, user=acting_user)
    if assessment.status == AssessmentStatus.SUBMITTED:
        _start(assessment, user=acting_user)
    elif assessment.status != AssessmentStatus.IN_REVIEW:
        raise _state_refusal(assessment)
    current = ItemResponse.objects.select_for_update(of=("self",)).select_related("node").get(pk=response.pk)
    current.assessment = assessment
    rnd = assessment.review_round
    mine = ItemReview.objects.filter(response=current, reviewer=acting_user, round=rnd).first()
    second = assessment.campaign.second_review
    stale = (mine.version if mine else 0) if second else current.version
    if int(version) != stale:
        raise ReviewConflict(
            _(
                "该条目的评审结论已在其他窗口或由他人修改（当前为第 %(v)d 版），您的修改未保存。"
                "请查看最新内容后再修改。"
            )
            % {"v": stale},
            current=current,
            review=mine,
        )
    if second and mine is None:
        pair = review_pair(assessment=assessment)
        if len(pair) >= 2 and acting_user.pk not in pair:
            raise ReviewLocked(_("本校本轮已有两位专家独立评审，您不能再评审。"), code="pair_full")
    tree = _tree(assessment)
    verdict, score, status, comment = _clean_verdict(
        tree=tree, response=current, verdict=verdict, score=score, status=status, comment=comment
    )
    if mine is None:
        mine = ItemReview(response=current, reviewer=acting_user, round=rnd, version=0)
    mine.verdict, mine.score, mine.status, mine.comment = verdict, score, status, comment
    mine.version += 1
    mine._history_user = acting_user
    mine.full_clean(exclude=["response", "reviewer"], validate_unique=False)
    mine.save()
    now = timezone.now()
    if not second:
        _consolidate(
            current, verdict=verdict, score=score, status=status, comment=comment, user=acting_user, now=now
        )
    elif second_review_done(assessment=assessment):
        _auto_consolidate(assessment, user=acting_user, now=now)
    campaign_data_changed(assessment.campaign_id)
    return mine


def average_review(a: ItemReview, b: ItemReview, *, is_points: bool) -> tuple:
    """The consolidated (verdict, score, status, comment) of two verdicts by averaging: more
    evidence if either asks for it, accept if both accept, else adjust with the mean score rounded
    to 0.5 (points) or the lower status (compliance). Pure: no database access."""
    comments = "；".join(c for c in (a.comment, b.comment) if c)  # i18n: data (stored)
    if ReviewVerdict.MORE_EVIDENCE in (a.verdict, b.verdict):
        return ReviewVerdict.MORE_EVIDENCE, None, None, comments
    if a.verdict == b.verdict == ReviewVerdict.ACCEPT:
        return ReviewVerdict.ACCEPT, a.score, a.status, comments
    if is_points:
        mean = (a.score + b.score) / 2
        score = (mean / HALF).quantize(Decimal(1), rounding=ROUND_HALF_UP) * HALF
        return ReviewVerdict.ADJUST, score, None, comments
    status = min((a.status, b.status), key=lambda s: ComplianceStatus(s).rank)
    return ReviewVerdict.ADJUST, None, status, comments


def _agree(a: ItemReview, b: ItemReview) -> bool:
    return (a.verdict, a.score, a.status) == (b.verdict, b.score, b.status)


def _auto_consolidate(assessment: Assessment, *, user, now) -> int:
    """Consolidate the items both reviewers have judged in this round: agreeing items always, the
    others only with consolidation "average" (with "lead" the lead reviewer decides them)."""
    pair = review_pair(assessment=assessment)
    rows: dict[int, dict[int, ItemReview]] = {}
    for r in ItemReview.objects.filter(
        response__assessment=assessment, round=assessment.review_round, reviewer_id__in=pair
    ):
        rows.setdefault(r.response_id, {})[r.reviewer_id] = r
    average = assessment.campaign.consolidation == Consolidation.AVERAGE
    is_points = assessment.campaign.framework.is_points
    changed = 0
    responses = ItemResponse.objects.select_for_update(of=("self",)).filter(pk__in=list(rows))
    for response in responses:
        both = rows[response.pk]
        if len(both) < 2:
            continue
        a, b = both[pair[0]], both[pair[1]]
        if _agree(a, b) or average:
            verdict, score, status, comment = average_review(a, b, is_points=is_points)
            if (
                response.review_verdict,
                response.review_score,
                response.review_status,
                response.review_comment,
            ) != (
                verdict,
                score,
                status,
                comment,
            ):
                _consolidate(
                    response, verdict=verdict, score=score, status=status, comment=comment, user=user, now=now
                )
                changed += 1
    return changed


@transaction.atomic
def review_consolidate(
    *,
    response: ItemResponse,
    acting_user,
    version: int,
    verdict: str,
    score=None,
    status=None,
    comment: str = "",
) -> ItemResponse:
    """The lead reviewer sets the consolidated result of one item after both independent reviews
    are done (campaigns with second review and consolidation "lead")."""
    assessment = _lock(response.assessment_id)
    scope = get_scope(acting_user)
    if not scope.can(Action.LEAD, assessment):
        raise ReviewRefused(_("只有主评专家可以合议确定评审结果。"), code="not_lead")
    if scope.has_conflict(assessment):
        raise ReviewLocked(CONFLICT_OF_INTEREST, code="conflict_of_interest")
    if assessment.status != AssessmentStatus.IN_REVIEW:
        raise _state_refusal(assessment)
    campaign = assessment.campaign
    if not campaign.second_review or campaign.consolidation != Consolidation.LEAD:
        raise ReviewLocked(_("本活动不需要主评专家合议。"), code="no_consolidation")
    if not second_review_done(assessment=assessment):
        raise ReviewLocked(_("两位专家都完成本轮评审后才能合议。"), code="not_done")
    current = ItemResponse.objects.select_for_update(of=("self",)).select_related("node").get(pk=response.pk)
    current.assessment = assessment
    if int(version) != current.version:
        raise ReviewConflict(
            _("该条目的合议结果已被修改（当前为第 %(v)d 版），您的修改未保存。") % {"v": current.version},
            current=current,
        )
    verdict, score, status, comment = _clean_verdict(
        tree=_tree(assessment), response=current, verdict=verdict, score=score, status=status, comment=comment
    )
    _consolidate(
        current,
        verdict=verdict,
        score=score,
        status=status,
        comment=comment,
        user=acting_user,
        now=timezone.now(),
    )
    campaign_data_changed(assessment.campaign_id)
    return current


# --- return, finalise, reopen ---------------------------------------------------------------------


@transaction.atomic
def review_return(
    *, assessment: Assessment, acting_user, reasons: dict[int, str] | None = None
) -> list[ItemResponse]:
    """Return the assessment to the school with the items concerned: every item judged "more
    evidence" in this round, plus the items the reviewer ticks (`reasons`: response id → reason,
    mandatory). Those items are reopened with their reasons; all others stay locked. A new review
    round starts. An item sent back in an earlier round and not judged again in this one is not sent
    back again with the earlier request: it still awaits this round's verdict. Returns the reopened
    responses."""
    assessment = _lock(assessment.pk)
    _assert_reviewer(assessment=assessment, user=acting_user)
    if assessment.status != AssessmentStatus.IN_REVIEW:
        raise (
            _state_refusal(assessment)
            if assessment.status != AssessmentStatus.SUBMITTED
            else ReviewLocked(_("请先开始评审，再退回。"), code="not_started")
        )
    reasons = {int(k): (v or "").strip() for k, v in (reasons or {}).items()}
    judged_this_round = ItemReview.objects.filter(
        response__assessment=assessment, round=assessment.review_round
    ).values("response_id")
    responses = list(
        ItemResponse.objects.select_for_update(of=("self",))
        .filter(assessment=assessment)
        .filter(
            Q(review_verdict=ReviewVerdict.MORE_EVIDENCE, pk__in=judged_this_round) | Q(pk__in=list(reasons))
        )
        .select_related("node")
        .order_by("node__position")
    )
    unknown = set(reasons) - {r.pk for r in responses}
    if unknown:
        raise _invalid("items", _("所选条目不属于本校的自评。"))
    judged = set(judged_this_round.values_list("response_id", flat=True))
    # a ticked item's reason: the one given, else this round's comment (never an earlier round's)
    current_comment = {r.pk: r.review_comment if r.pk in judged else "" for r in responses}
    missing = [
        r.node.code for r in responses if r.pk in reasons and not (reasons[r.pk] or current_comment[r.pk])
    ]
    if missing:
        raise _invalid("items", _("请为勾选的条目填写退回原因：%(c)s") % {"c": _("、").join(missing)})
    if not responses:
        raise _invalid(
            "items",
            _("没有需要学校修改的条目：请把需补充材料的条目评为“需补充材料”，或勾选条目并填写原因。"),
        )
    now = timezone.now()
    rnd = assessment.review_round
    for response in responses:
        response.assessment = assessment
        comment = _clean_comment(reasons.get(response.pk) or current_comment[response.pk])
        if response.pk in reasons and response.review_verdict != ReviewVerdict.MORE_EVIDENCE:
            review, _created = ItemReview.objects.get_or_create(
                response=response,
                reviewer=acting_user,
                round=rnd,
                defaults={"verdict": ReviewVerdict.MORE_EVIDENCE, "comment": comment},
            )
            review.verdict, review.comment, review.score, review.status = (
                ReviewVerdict.MORE_EVIDENCE,
                comment,
                None,
                None,
            )
            review._history_user = acting_user
            review.full_clean(exclude=["response", "reviewer"], validate_unique=False)
            review.save()
            _consolidate(
                response,
                verdict=ReviewVerdict.MORE_EVIDENCE,
                score=None,
                status=None,
                comment=comment,
                user=acting_user,
                now=now,
            )
        response.reopened = True
        response._history_user = acting_user
        response.save(update_fields=["reopened"])
    assessment.status = AssessmentStatus.RETURNED
    assessment.review_round = rnd + 1
    _save_assessment(
        assessment,
        user=acting_user,
        reason=_("退回修改：%(n)d 个条目（%(c)s）")
        % {"n": len(responses), "c": _("、").join(r.node.code for r in responses[:10])},
        fields=["status", "review_round"],
    )
    notify(
        user_ids=school_cio_ids(school_id=assessment.school_id),
        kind=Notification.Kind.RETURNED,
        title=_("%(c)s：自评被退回修改") % {"c": assessment.campaign.title},
        body=_("评审专家退回了 %(n)d 个条目，请查看退回原因并修改后重新提交：%(c)s")
        % {"n": len(responses), "c": _("、").join(r.node.code for r in responses)},
        url=_url("assessments:assessment-detail", assessment.pk),
    )
    return responses


CONCLUSION_MAX_LENGTH = 4000


@transaction.atomic
def review_finalise(*, assessment: Assessment, acting_user, conclusion: str) -> Assessment:
    """Finalise an assessment in review once every item has a final verdict, with the reviewer's
    overall conclusion (总体评审意见, mandatory: the result the school and the commission read); it
    becomes read-only. The official result is decided by the campaign's rule in force from the
    reviewed values (empty without a rule). A reopened review keeps its conclusion until the next
    finalisation."""
    assessment = _lock(assessment.pk)
    _assert_reviewer(assessment=assessment, user=acting_user)
    if assessment.status != AssessmentStatus.IN_REVIEW:
        raise (
            _state_refusal(assessment)
            if assessment.status != AssessmentStatus.SUBMITTED
            else ReviewLocked(_("尚未评审任何条目，不能完成评审。"), code="not_started")
        )
    results_assert_unfrozen(campaign=assessment.campaign)
    pending = review_pending(assessment=assessment)
    if pending:
        raise ReviewIncomplete(
            _("还有 %(n)d 个条目未评审或需补充材料，不能完成评审：%(c)s")
            % {"n": len(pending), "c": _("、").join(r.node.code for r in pending[:20])},
            pending=pending,
        )
    conclusion = (conclusion or "").replace("\r\n", "\n").strip()
    if not conclusion:
        message = _("请填写总体评审意见：对本校智慧校园建设的总体评价、主要问题和改进建议。")
        raise Invalid(message, code="conclusion_required", fields={"conclusion": [message]})
    if len(conclusion) > CONCLUSION_MAX_LENGTH:
        message = _("总体评审意见最多 %(max)d 字，当前 %(n)d 字。") % {
            "max": CONCLUSION_MAX_LENGTH,
            "n": len(conclusion),
        }
        raise Invalid(message, code="conclusion_too_long", fields={"conclusion": [message]})
    assessment.status = AssessmentStatus.FINALISED
    assessment.review_conclusion = conclusion
    result_fields = outcome_set(assessment=assessment, rule=current_rule(assessment.campaign))
    # a new finalisation awaits the city's acceptance again (a send-back's reason stays in history)
    assessment.acceptance, assessment.acceptance_reason = Acceptance.PENDING, ""
    _save_assessment(
        assessment,
        user=acting_user,
        reason=_("评审完成"),
        fields=["status", "review_conclusion", *result_fields, "acceptance", "acceptance_reason"],
    )
    notify(
        user_ids=school_cio_ids(school_id=assessment.school_id),
        kind=Notification.Kind.FINALISED,
        title=_("%(c)s：评审已完成") % {"c": assessment.campaign.title},
        body=_("%(s)s的自评已完成评审，可查看评审结果。") % {"s": assessment.school.name},
        url=_url("assessments:assessment-detail", assessment.pk),
    )
    return assessment


@transaction.atomic
def review_reopen(
    *, assessment: Assessment, acting_user, reason: str, action: Action = Action.REOPEN
) -> Assessment:
    """Commission staff reopen a finalised assessment (back to 评审中); the reason is recorded and
    the official result is cleared until the next finalisation. `action=Action.ACCEPT` is the
    city's send-back, by whoever may accept the assessment (a delegated city reviewer too)."""
    assessment = _lock(assessment.pk)
    if action == Action.ACCEPT:
        if not get_scope(acting_user).can(Action.ACCEPT, assessment):
            raise Refused(_("您不能验收该校的评审结果。"), code="not_commission")
    else:
        _require_commission(user=acting_user, region=assessment.campaign.region)
    reason = (reason or "").strip()
    if not reason:
        raise _invalid("reason", _("请填写重新打开的原因。"))
    if assessment.status != AssessmentStatus.FINALISED:
        raise ReviewLocked(_("只有已完成评审的自评可以重新打开。"), code="not_finalised")
    results_assert_unfrozen(campaign=assessment.campaign)
    assessment.status = AssessmentStatus.IN_REVIEW
    # a reopened result is no longer accepted: the acceptance is withdrawn with the reason
    withdrawn = acceptance_withdraw_fields(
        assessment, user=acting_user, reason=_("重新打开：%(r)s") % {"r": reason}
    )
    _save_assessment(
        assessment,
        user=acting_user,
        reason=_("重新打开：%(r)s") % {"r": reason},
        fields=["status", *outcome_clear(assessment=assessment), *withdrawn],
    )
    designations_withdraw(
        assessment=assessment, acting_user=acting_user, reason=_("重新打开：%(r)s") % {"r": reason}
    )
    notify(
        user_ids=[
            *school_cio_ids(school_id=assessment.school_id),
            *assessment_reviewer_ids(assessment=assessment),
        ],
        kind=Notification.Kind.REOPENED,
        title=_("%(s)s的评审结果已重新打开") % {"s": assessment.school.name},
        body=_("原因：%(r)s") % {"r": reason},
        url=_url("assessments:review-summary", assessment.pk),
    )
    return assessment


@transaction.atomic
def review_assign(*, assessment: Assessment, reviewer, acting_user, lead: bool = False) -> ReviewAssignment:
    """Commission staff name a reviewer for one school's assessment: one of
    `selectors.reviewer_candidate_list` (reviewers of the campaign's region or above it, experts
    without a role). A reviewer who is a CIO of that school is refused. One lead reviewer per
    assessment."""
    assessment = _lock(assessment.pk)
    _require_commission(user=acting_user, region=assessment.campaign.region)
    name = reviewer.first_name or reviewer.username
    if get_scope(reviewer).has_conflict(assessment):
        message = _("%(u)s是该校的信息化负责人，存在利益冲突，不能指派为本校的评审专家。") % {"u": name}
        raise Invalid(message, code="conflict_of_interest", fields={"reviewer": [message]})
    if not reviewer_candidate_list(user=acting_user, assessment=assessment).filter(pk=reviewer.pk).exists():
        message = _("%(u)s不是可指派的评审专家（须为本地区的评审专家，或未担任其他角色的专家）。") % {
            "u": name
        }
        raise Invalid(message, code="not_eligible", fields={"reviewer": [message]})
    if lead:
        for other in ReviewAssignment.objects.filter(assessment=assessment, lead=True).exclude(
            reviewer=reviewer
        ):
            other.lead = False
            other._history_user = acting_user
            other.save(update_fields=["lead"])
    assignment = ReviewAssignment.objects.filter(assessment=assessment, reviewer=reviewer).first()
    if assignment is None:
        assignment = ReviewAssignment(assessment=assessment, reviewer=reviewer, assigned_by=acting_user)
    assignment.lead = lead
    assignment._history_user = acting_user
    assignment.full_clean(validate_unique=False)
    assignment.save()
    notify(
        user_ids=[reviewer.pk],
        kind=Notification.Kind.ASSIGNED,
        title=_("您被指派评审%(s)s") % {"s": assessment.school.name},
        body=_("%(c)s：%(s)s") % {"c": assessment.campaign.title, "s": assessment.school.name},
        url=_url("assessments:review-summary", assessment.pk),
        key=f"assigned:{assessment.pk}",
    )
    return assignment
