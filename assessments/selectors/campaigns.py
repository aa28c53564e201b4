"""Reads of campaigns, assessments and their responses that depend on who asks."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _

from ..models import (
    ANSWERED,
    Assessment,
    AssessmentStatus,
    Campaign,
    ComplianceStatus,
    ItemResponse,
    ReviewVerdict,
)
from ..scoping import Action, get_scope


def campaign_list(*, user, action: Action = Action.VIEW) -> QuerySet[Campaign]:
    """Campaigns in scope for `action`: to view, those owned by a commission region the user covers
    or with an assessment the user may view; to manage, the former."""
    scope = get_scope(user)
    if scope.user_id is None:
        return Campaign.objects.none()
    return Campaign.objects.filter(scope.campaigns_q(action)).select_related("framework", "region")


def campaign_get(*, user, pk: int, action: Action = Action.VIEW) -> Campaign:
    return get_object_or_404(campaign_list(user=user, action=action), pk=pk)


def assessment_list(
    *, user, action: Action = Action.VIEW, filters: dict | None = None
) -> QuerySet[Assessment]:
    """Assessments in the user's scope for `action` (see `scoping.Action`); `filters`: campaign
    (id), status."""
    scope = get_scope(user)
    if scope.user_id is None:
        return Assessment.objects.none()
    qs = Assessment.objects.filter(scope.assessments_q(action)).select_related(
        "campaign", "campaign__framework", "campaign__region", "school", "school__region"
    )
    filters = filters or {}
    if (campaign := filters.get("campaign")) and str(campaign).isdigit():
        qs = qs.filter(campaign_id=campaign)
    if status := filters.get("status"):
        qs = qs.filter(status=status)
    return qs


def assessment_get(*, user, pk: int, action: Action = Action.VIEW) -> Assessment:
    """One assessment in scope for `action`, else 404."""
    return get_object_or_404(assessment_list(user=user, action=action), pk=pk)


def response_list(*, user, action: Action = Action.VIEW) -> QuerySet[ItemResponse]:
    """Item responses of the assessments in the user's scope for `action`."""
    scope = get_scope(user)
    if scope.user_id is None:
        return ItemResponse.objects.none()
    return ItemResponse.objects.filter(scope.assessments_q(action, "assessment__")).select_related(
        "assessment",
        "assessment__campaign",
        "assessment__campaign__region",
        "assessment__school",
        "assessment__school__region",
        "node",
    )


def response_get(*, user, assessment: Assessment, code: str, action: Action = Action.VIEW) -> ItemResponse:
    """The response to item `code` of `assessment` (obtained through a selector), in scope, else 404."""
    return get_object_or_404(
        response_list(user=user, action=action).filter(assessment=assessment), node__code=code
    )


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
    return (
        assessment_list(user=user)
        .filter(campaign=campaign)
        .annotate(item_total=response_count(), item_done=response_count(ANSWERED))
        .order_by("school__region__path", "school__code")
    )


def campaign_status_counts(*, user, campaign: Campaign) -> dict[str, int]:
    """How many of the campaign's assessments in the user's scope are in each status (one query)."""
    rows = assessment_list(user=user).filter(campaign=campaign).order_by().values_list("status")
    return dict(rows.annotate(n=Count("id")).values_list("status", "n"))


@dataclass(frozen=True)
class AssessmentAbilities:
    """What the user may do with one assessment now (scope and state), for the pages' buttons."""

    can_edit: bool  # the school's CIO, and the state lets them change answers
    can_submit: bool
    can_extend: bool  # commission staff managing the campaign
    can_read_review: bool


def assessment_abilities(*, user, assessment: Assessment) -> AssessmentAbilities:
    scope = get_scope(user)
    editable = assessment.is_editable_state
    return AssessmentAbilities(
        can_edit=scope.can(Action.EDIT, assessment) and editable,
        can_submit=scope.can(Action.SUBMIT, assessment) and editable,
        can_extend=scope.can(Action.MANAGE, assessment),
        can_read_review=scope.can(Action.READ_REVIEW, assessment),
    )


def campaign_abilities(*, user, campaign: Campaign | None = None) -> dict[str, bool]:
    """`can_create` (a campaign at all) and, with a campaign, `can_manage` it."""
    scope = get_scope(user)
    abilities = {"can_create": scope.can_any(Action.MANAGE)}
    if campaign is not None:
        abilities["can_manage"] = scope.can(Action.MANAGE, campaign)
    return abilities


def assessment_missing(*, assessment: Assessment) -> list[ItemResponse]:
    """Responses still unanswered, in tree order (what the CIO must fill in before submitting)."""
    return list(assessment.responses.unanswered().select_related("node").order_by("node__position"))


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
