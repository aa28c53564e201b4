"""Reads of campaigns, assessments and their responses that depend on who asks."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _

from ..models import Assessment, AssessmentStatus, Campaign, ComplianceStatus, ItemResponse, ReviewVerdict
from ..scoping import get_scope


def campaign_list(*, user) -> QuerySet[Campaign]:
    """Campaigns the user takes part in: owned by a commission region they cover, or with at least
    one assessment of a school in their scope."""
    scope = get_scope(user)
    if scope.user_id is None:
        return Campaign.objects.none()
    if scope.is_superuser:
        return Campaign.objects.select_related("framework", "region")
    q = Q(pk__in=[])
    for path in scope.commission_paths:
        q |= Q(region__path__startswith=path)
    in_scope = Assessment.objects.filter(scope.schools_q("school__")).values("campaign_id")
    return Campaign.objects.filter(q | Q(pk__in=in_scope)).select_related("framework", "region")


def assessment_list(*, user, filters: dict | None = None) -> QuerySet[Assessment]:
    """Assessments of the schools in the user's scope."""
    scope = get_scope(user)
    if scope.user_id is None:
        return Assessment.objects.none()
    qs = Assessment.objects.filter(scope.schools_q("school__")).select_related(
        "campaign", "campaign__framework", "school", "school__region"
    )
    filters = filters or {}
    if (campaign := filters.get("campaign")) and str(campaign).isdigit():
        qs = qs.filter(campaign_id=campaign)
    if status := filters.get("status"):
        qs = qs.filter(status=status)
    return qs


def response_list(*, user) -> QuerySet[ItemResponse]:
    """Item responses of the assessments in the user's scope."""
    scope = get_scope(user)
    if scope.user_id is None:
        return ItemResponse.objects.none()
    return ItemResponse.objects.filter(scope.schools_q("assessment__school__")).select_related(
        "assessment", "assessment__campaign", "assessment__school", "node"
    )


def campaign_get(*, user, pk: int) -> Campaign:
    return get_object_or_404(campaign_list(user=user), pk=pk)


def campaign_managed_list(*, user) -> QuerySet[Campaign]:
    """Campaigns the user manages as commission staff (owned by a region they cover)."""
    scope = get_scope(user)
    if not scope.is_commission:
        return Campaign.objects.none()
    if scope.is_superuser:
        return Campaign.objects.select_related("framework", "region")
    q = Q(pk__in=[])
    for path in scope.commission_paths:
        q |= Q(region__path__startswith=path)
    return Campaign.objects.filter(q).select_related("framework", "region")


def response_count(q: Q | None = None) -> Coalesce:
    """Items of the outer assessment (matching `q`), as a correlated subquery: PostgreSQL evaluates
    it only for the rows of the page (after ORDER BY … LIMIT), and `count()` drops it, where a
    Count() over the join made every query of the queue (page, count, filters) group all responses
    of the reviewer's district."""
    rows = ItemResponse.objects.filter(assessment=OuterRef("pk"))
    if q is not None:
        rows = rows.filter(q)
    counted = rows.order_by().values("assessment").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def campaign_assessments(*, user, campaign: Campaign) -> QuerySet[Assessment]:
    """The campaign's assessments in the user's scope, with answered/total counts (one query)."""
    answered = Q(self_score__isnull=False) | Q(self_status__isnull=False)
    return (
        assessment_list(user=user)
        .filter(campaign=campaign)
        .annotate(item_total=response_count(), item_done=response_count(answered))
        .order_by("school__region__path", "school__code")
    )


def assessment_get(*, user, pk: int) -> Assessment:
    """One assessment in scope, else 404."""
    return get_object_or_404(assessment_list(user=user), pk=pk)


# --- change history, read from django-simple-history rows -----------------------------------------
# Each change is who / when / field / old value / new value. Consecutive history rows of the same
# object are compared in Python, so the page costs two queries however long the history is.

MAX_ROWS = 1000

FIELDS = {
    "assessment": [
        ("status", _("状态")),
        ("deadline_override", _("截止时间")),
        ("submitted_at", _("提交时间")),
    ],
    "response": [
        ("self_score", _("自评分")),
        ("self_status", _("达标情况")),
        ("statement", _("自评说明")),
        ("review_verdict", _("评审结论")),
        ("review_score", _("评审分")),
        ("review_status", _("评审达标情况")),
        ("review_comment", _("评审意见")),
    ],
}
LABELS = {**dict(AssessmentStatus.choices), **dict(ComplianceStatus.choices), **dict(ReviewVerdict.choices)}


@dataclass
class Change:
    when: datetime.datetime
    who: str
    what: str  # "自评" or the item code
    code: str | None
    field: str
    old: object
    new: object
    reason: str = ""


def _display(value) -> object:
    if value is None or value == "":
        return "—"
    return LABELS.get(value, value) if isinstance(value, str) else value


def _diff(rows, fields, *, what, code_of) -> list[Change]:
    changes: list[Change] = []
    previous: dict[int, object] = {}
    for row in rows:  # ordered by object id, then time
        before = previous.get(row.id)
        previous[row.id] = row
        for name, label in fields:
            old = getattr(before, name) if before is not None else None
            new = getattr(row, name)
            if old == new or (before is None and new in (None, "")):
                continue
            user = row.history_user
            changes.append(
                Change(
                    when=row.history_date,
                    who=(user.first_name or user.username) if user else "—",
                    what=what(row),
                    code=code_of(row),
                    field=str(label),
                    old=_display(old),
                    new=_display(new),
                    reason=row.history_change_reason or "",
                )
            )
    return changes


def assessment_changes(*, assessment: Assessment, response: ItemResponse | None = None) -> list[Change]:
    """Every recorded change of the assessment (status, deadline) and of its responses, newest first;
    with `response`, only that item's changes."""
    changes: list[Change] = []
    if response is None:
        rows = (
            Assessment.history.filter(id=assessment.pk)
            .select_related("history_user")
            .order_by("history_date")
        )
        changes += _diff(rows, FIELDS["assessment"], what=lambda r: str(_("自评")), code_of=lambda r: None)
        responses = ItemResponse.history.filter(assessment_id=assessment.pk)
    else:
        responses = ItemResponse.history.filter(id=response.pk)
    rows = list(
        responses.select_related("history_user", "node").order_by("id", "history_date", "history_id")[
            :MAX_ROWS
        ]
    )
    changes += _diff(
        rows,
        FIELDS["response"],
        what=lambda r: f"{r.node.code} {r.node.title[:30]}",
        code_of=lambda r: r.node.code,
    )
    changes.sort(key=lambda c: c.when, reverse=True)
    return changes
