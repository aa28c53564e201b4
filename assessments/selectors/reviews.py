"""Reads of the district review: the queue, the workbench (items with the school's answers, the
reviewer's verdicts, the reviewer's result and the gaps), notifications. Scoped through the one
mechanism (`get_scope`): outside the user's scope an assessment does not exist."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from indicators.scoring import score

from ..gaps import DimensionGap, dimension_gaps, item_gap, total_gap
from ..models import (
    Assessment,
    AssessmentStatus,
    ItemReview,
    ReviewVerdict,
    Role,
)
from ..scoping import get_scope
from .campaigns import response_count
from .workspace import Item, Workspace, assessment_workspace

RESPONSE_PENDING_Q = Q(review_verdict__isnull=True) | Q(review_verdict=ReviewVerdict.MORE_EVIDENCE)


REVIEW_STATUSES = (
    AssessmentStatus.SUBMITTED,
    AssessmentStatus.IN_REVIEW,
    AssessmentStatus.RETURNED,
    AssessmentStatus.FINALISED,
)


def review_assessment_list(*, user) -> QuerySet[Assessment]:
    """Assessments the user reviews (region or assignment) or oversees as commission staff;
    drafts are not part of the review."""
    scope = get_scope(user)
    if scope.user_id is None:
        return Assessment.objects.none()
    q = scope.reviewable_q() | scope.schools_q("school__", roles=frozenset({Role.COMMISSION}))
    return (
        Assessment.objects.filter(q)
        .filter(status__in=REVIEW_STATUSES)
        .select_related("campaign", "campaign__framework", "campaign__region", "school", "school__region")
    )


def review_assessment_get(*, user, pk: int) -> Assessment:
    return get_object_or_404(review_assessment_list(user=user), pk=pk)


def review_queue(*, user, filters: dict | None = None) -> QuerySet[Assessment]:
    """The reviewer's queue: assessments they review, with how many items each still needs
    (no final verdict, or more evidence requested) and the total, aggregated in the database.
    Filters: campaign (id), district (region code, with its subtree), status, deadline
    ("overdue": review deadline passed, "week": due within 7 days)."""
    scope = get_scope(user)
    if scope.user_id is None:
        return Assessment.objects.none()
    qs = Assessment.objects.filter(scope.reviewable_q()).filter(status__in=REVIEW_STATUSES)
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
    return (
        qs.select_related("campaign", "campaign__framework", "school", "school__region")
        .annotate(item_total=response_count(), item_pending=response_count(RESPONSE_PENDING_Q))
        .order_by("campaign__review_deadline", "submitted_at", "school__code")
    )


def review_queue_counts(*, user) -> dict[str, int]:
    """How many assessments of the queue are in each status (one query)."""
    scope = get_scope(user)
    rows = (
        Assessment.objects.filter(scope.reviewable_q())
        .filter(status__in=REVIEW_STATUSES)
        .order_by()
        .values_list("status")
        .annotate(n=Count("id"))
    )
    return dict(rows)


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
        return self.item.response.review_verdict in (None, ReviewVerdict.MORE_EVIDENCE)

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
            if i.response.review_verdict in (None, ReviewVerdict.MORE_EVIDENCE)
            or any(r.round == rnd for r in reviews.get(i.response.pk, []))
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
        review_value = response.review_score if ws.is_points else response.review_status
        self_value = response.self_score if ws.is_points else response.self_status
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
    answers = {
        i.item.node.code: (i.response.review_score if ws.is_points else i.response.review_status)
        for i in items
    }
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
