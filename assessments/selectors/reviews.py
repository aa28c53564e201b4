"""Reads of the district review: the queue, what the user may do (`review_abilities`), the workbench
(items with the school's answers, the reviewer's verdicts, the reviewer's result and the gaps).
Scoped through the one mechanism (`scoping`): outside the user's scope an assessment does not exist."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from indicators.scoring import score

from ..gaps import DimensionGap, dimension_gaps, item_gap, total_gap
from ..models import (
    AWAITING_REVIEW,
    Assessment,
    AssessmentStatus,
    Campaign,
    Consolidation,
    ItemResponse,
    ItemReview,
    Region,
    ReviewVerdict,
)
from ..scoping import Action, get_scope
from .campaigns import assessment_list, response_count
from .workspace import Item, Workspace, assessment_workspace

CONFLICT_OF_INTEREST = _("您是该校的信息化负责人，存在利益冲突，不能评审本校的自评。")


def review_queue(*, user, filters: dict | None = None) -> QuerySet[Assessment]:
    """The reviewer's queue: assessments they review (region or assignment), with how many items each
    still awaits review and the total, aggregated in the database.
    Filters: campaign (id), district (region code, with its subtree), status, deadline
    ("overdue": review deadline passed, "week": due within 7 days)."""
    qs = assessment_list(user=user, action=Action.REVIEW)
    filters = filters or {}
    if (campaign := str(filters.get("campaign") or "")).isdigit():
        qs = qs.filter(campaign_id=campaign)
    if district := (filters.get("district") or "").strip():
        qs = qs.filter(school__region__path__contains=f"/{district}/")
    if (status := filters.get("status")) in AssessmentStatus.values:
        qs = qs.filter(status=status)
    now = timezone.now()
    if filters.get("deadline") == "overdue":
        qs = qs.filter(campaign__review_deadline__lt=now)
    elif filters.get("deadline") == "week":
        qs = qs.filter(
            campaign__review_deadline__gte=now, campaign__review_deadline__lt=now + datetime.timedelta(days=7)
        )
    return qs.annotate(item_total=response_count(), item_pending=response_count(AWAITING_REVIEW)).order_by(
        "campaign__review_deadline", "submitted_at", "school__code"
    )


def review_queue_counts(*, user) -> dict[str, int]:
    """How many assessments of the queue are in each status (one query)."""
    rows = assessment_list(user=user, action=Action.REVIEW).order_by().values_list("status")
    return dict(rows.annotate(n=Count("id")))


def review_queue_filters(*, user) -> dict:
    """The campaigns and districts the queue's filters offer (those of the reviewer's queue)."""
    queue = assessment_list(user=user, action=Action.REVIEW)
    return {
        "campaigns": Campaign.objects.filter(pk__in=queue.values("campaign_id")).order_by("-year", "title"),
        "districts": Region.objects.filter(
            level=Region.Level.DISTRICT, pk__in=queue.values("school__region_id")
        ),
    }


@dataclass(frozen=True)
class ReviewAbilities:
    """What the user may do in the review of one assessment now (scope and state): the buttons."""

    refusal: str | None  # why the user may not review (not their school, conflict of interest)
    locked_reason: str  # why the verdict form is disabled (the refusal, or the state)
    can_review: bool  # give verdicts now
    can_start: bool
    can_finalise: bool
    can_return: bool
    can_lead: bool
    can_reopen: bool
    can_assign: bool


def review_abilities(*, user, assessment: Assessment) -> ReviewAbilities:
    scope = get_scope(user)
    if scope.has_conflict(assessment):
        refusal = str(CONFLICT_OF_INTEREST)
    elif not scope.can(Action.REVIEW, assessment):
        refusal = str(_("您不是该校的评审专家。"))
    else:
        refusal = None
    reviewer = refusal is None
    status = assessment.status
    campaign = assessment.campaign
    if refusal:
        locked_reason = refusal
    elif status == AssessmentStatus.FINALISED:
        locked_reason = str(_("评审已完成，结果只读。"))
    elif status == AssessmentStatus.RETURNED:
        locked_reason = str(_("已退回学校修改，学校重新提交后才能继续评审。"))
    else:
        locked_reason = str(_("当前不能评审。"))
    return ReviewAbilities(
        refusal=refusal,
        locked_reason=locked_reason,
        can_review=reviewer and assessment.is_reviewable_state,
        can_start=reviewer and status == AssessmentStatus.SUBMITTED,
        can_finalise=reviewer and status == AssessmentStatus.IN_REVIEW,
        can_return=reviewer and status == AssessmentStatus.IN_REVIEW,
        can_lead=scope.can(Action.LEAD, assessment)
        and not scope.has_conflict(assessment)
        and campaign.second_review
        and campaign.consolidation == Consolidation.LEAD
        and status == AssessmentStatus.IN_REVIEW,
        can_reopen=scope.can(Action.REOPEN, assessment) and status == AssessmentStatus.FINALISED,
        can_assign=scope.can(Action.ASSIGN, assessment),
    )


def review_pending(*, assessment: Assessment) -> list[ItemResponse]:
    """Responses without a final verdict (none yet, or more evidence requested), in tree order."""
    return list(assessment.responses.review_pending().select_related("node").order_by("node__position"))


def review_pair(*, assessment: Assessment) -> list[int]:
    """The reviewers (user ids, in the order they started) who gave verdicts in the current round."""
    rows = (
        ItemReview.objects.filter(response__assessment=assessment, round=assessment.review_round)
        .order_by("created_at", "id")
        .values_list("reviewer_id", flat=True)
    )
    seen: list[int] = []
    for reviewer_id in rows.iterator():
        if reviewer_id not in seen:
            seen.append(reviewer_id)
            if len(seen) == 2:
                break
    return seen


def second_review_done(*, assessment: Assessment) -> bool:
    """Both reviewers of the current round have a verdict on every item of the round: the items
    still open (no consolidated verdict, or more evidence requested) and those already reviewed in
    this round. Two aggregate queries."""
    pair = review_pair(assessment=assessment)
    if len(pair) < 2:
        return False
    rnd = assessment.review_round
    open_q = AWAITING_REVIEW | Q(reviews__round=rnd)
    needed = ItemResponse.objects.filter(assessment=assessment).filter(open_q).distinct().count()
    counts = dict(
        ItemReview.objects.filter(response__assessment=assessment, round=rnd, reviewer_id__in=pair)
        .values_list("reviewer_id")
        .annotate(n=Count("id"))
        .values_list("reviewer_id", "n")
    )
    return all(counts.get(r, 0) >= needed for r in pair)


# --- the workbench ---------------------------------------------------------------------------------


@dataclass
class ReviewItem:
    """One item on the workbench: the school's answer (`item`), the verdict the form shows, the
    other reviewer's verdict once both are done (second review), and the gap."""

    item: Item
    mine: ItemReview | None
    other: ItemReview | None
    history: list[ItemReview]
    form_version: int
    form_verdict: str | None
    form_score: Decimal | None
    form_status: str | None
    form_comment: str
    gap: Decimal | None

    @property
    def response(self):
        return self.item.response

    @property
    def node(self):
        return self.item.node

    @property
    def pending(self) -> bool:
        return self.item.response.awaits_review

    @property
    def reviewed_by_me(self) -> bool:
        """Second review: this reviewer gave a verdict in the current round; else: a verdict exists."""
        return self.mine is not None if self.form_version_is_own else not self.pending

    form_version_is_own: bool = False

    @property
    def diverges(self) -> bool:
        if self.mine is None or self.other is None:
            return False
        return (self.mine.verdict, self.mine.score, self.mine.status) != (
            self.other.verdict,
            self.other.score,
            self.other.status,
        )


@dataclass
class ReviewWorkspace:
    ws: Workspace
    items: list[ReviewItem]
    second_review: bool
    both_done: bool
    pair: list[int]
    review_result: object
    dimension_gaps: list[DimensionGap]
    total_gap: Decimal | None
    by_code: dict[str, ReviewItem] = field(default_factory=dict)

    @property
    def pending(self) -> int:
        return sum(1 for i in self.items if i.pending)

    @property
    def reviewed(self) -> int:
        return len(self.items) - self.pending

    @property
    def more_evidence(self) -> list[ReviewItem]:
        return [i for i in self.items if i.response.review_verdict == ReviewVerdict.MORE_EVIDENCE]

    @property
    def todo(self) -> int:
        """Items this reviewer has still to judge (second review: own verdicts of this round)."""
        return sum(1 for i in self.items if not i.reviewed_by_me)


def review_workbench(*, assessment: Assessment, user) -> ReviewWorkspace:
    """Everything the workbench shows, in a constant number of queries: the school's workspace (two),
    every verdict of every round (one), and for a second review who reviews and whether both are done."""
    ws = assessment_workspace(assessment=assessment)
    second = assessment.campaign.second_review
    rnd = assessment.review_round
    reviews: dict[int, list[ItemReview]] = {}
    for r in (
        ItemReview.objects.filter(response__assessment=assessment)
        .select_related("reviewer")
        .order_by("round", "created_at", "id")
    ):
        reviews.setdefault(r.response_id, []).append(r)
    pair: list[int] = []
    if second:
        for rows in reviews.values():
            for r in rows:
                if r.round == rnd and r.reviewer_id not in pair:
                    pair.append(r.reviewer_id)
        pair = pair[:2]
    both_done = False
    if second and len(pair) == 2:
        needed = [
            i
            for i in ws.items
            if i.response.awaits_review or any(r.round == rnd for r in reviews.get(i.response.pk, []))
        ]
        both_done = all(
            any(r.round == rnd and r.reviewer_id == p for r in reviews.get(i.response.pk, []))
            for i in needed
            for p in pair
        )
    items = []
    for item in ws.items:
        response = item.response
        rows = reviews.get(response.pk, [])
        mine = next((r for r in rows if r.round == rnd and r.reviewer_id == user.pk), None)
        other = None
        if second and both_done:
            other = next(
                (r for r in rows if r.round == rnd and r.reviewer_id in pair and r.reviewer_id != user.pk),
                None,
            )
        if second:
            form = (
                (mine.version, mine.verdict, mine.score, mine.status, mine.comment)
                if mine
                else (0, None, None, None, "")
            )
        else:
            form = (
                response.version,
                response.review_verdict,
                response.review_score,
                response.review_status,
                response.review_comment,
            )
        review_value = response.review_value(is_points=ws.is_points)
        self_value = response.self_value(is_points=ws.is_points)
        items.append(
            ReviewItem(
                item=item,
                mine=mine,
                other=other,
                history=rows,
                form_version=form[0],
                form_verdict=form[1],
                form_score=form[2],
                form_status=form[3],
                form_comment=form[4],
                gap=item_gap(self_value, review_value, is_points=ws.is_points),
                form_version_is_own=second,
            )
        )
    answers = {i.item.node.code: i.response.review_value(is_points=ws.is_points) for i in items}
    review_result = score(ws.tree, answers)
    roots = [d.node for d in ws.dimensions]
    return ReviewWorkspace(
        ws=ws,
        items=items,
        second_review=second,
        both_done=both_done,
        pair=pair,
        review_result=review_result,
        dimension_gaps=dimension_gaps(roots, ws.result, review_result, is_points=ws.is_points),
        total_gap=total_gap(ws.result, review_result, is_points=ws.is_points),
        by_code={i.item.node.code: i for i in items},
    )
