"""Reads of campaigns, assessments and their responses that depend on who asks."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection
from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _

from indicators.models import Framework
from indicators.scoring import score
from indicators.selectors import framework_list, framework_nodes, scoring_tree
from smartcampus.db import KeyedInstances

from ..models import (
    ANSWERED,
    AWAITING_REVIEW,
    Assessment,
    AssessmentStatus,
    Campaign,
    ComplianceStatus,
    ItemResponse,
    Progress,
    Region,
    ResponseTally,
    ReviewVerdict,
)
from ..scoping import Action, get_scope
from .organisations import campaign_owner_region_list


def campaign_list(*, user, action: Action = Action.VIEW) -> QuerySet[Campaign]:
    """Campaigns in scope for `action`: to view, those owned by a commission region the user covers
    or with an assessment the user may view; to manage, the former."""
    scope = get_scope(user)
    if scope.user_id is None:
        return Campaign.objects.none()
    return Campaign.objects.filter(scope.campaigns_q(action)).select_related("framework", "region")


def campaign_get(*, user, pk: int, action: Action = Action.VIEW) -> Campaign:
    return get_object_or_404(campaign_list(user=user, action=action), pk=pk)


def framework_region_q(regions) -> Q:
    """Frameworks published for one of `regions` or for a region above it (a framework's region is
    the publisher's name, "浙江省", since `indicators` knows no region rows), or for no region."""
    codes = {c for region in regions for c in region.path.split("/") if c}
    names = sorted(Region.objects.filter(code__in=codes).values_list("name", flat=True))
    return Q(region="") | Q(region__in=names)


def campaign_framework_list(*, user, region: Region | None = None) -> QuerySet[Framework]:
    """The frameworks (latest versions) a new campaign of the user may use: those that fit `region`,
    or, without it, any region that may own the user's campaigns (`campaign_owner_region_list`)."""
    regions = [region] if region is not None else list(campaign_owner_region_list(user=user))
    if not regions:
        return Framework.objects.none()
    return framework_list(user=user).filter(framework_region_q(regions))


def framework_fits_region(*, framework: Framework, region: Region) -> bool:
    """Whether a campaign of `region` may use `framework` (the rule of `campaign_framework_list`)."""
    return Framework.objects.filter(framework_region_q([region]), pk=framework.pk).exists()


def assessment_list(
    *, user, action: Action = Action.VIEW, filters: dict | None = None
) -> QuerySet[Assessment]:
    """Assessments in the user's scope for `action` (see `scoping.Action`), filtered by
    `assessment_filter`."""
    scope = get_scope(user)
    if scope.user_id is None:
        return Assessment.objects.none()
    qs = Assessment.objects.filter(scope.assessments_q(action)).select_related(
        "campaign", "campaign__framework", "campaign__region", "school", "school__region"
    )
    return assessment_filter(qs, filters)


def assessment_filter(qs: QuerySet[Assessment], filters: dict | None) -> QuerySet[Assessment]:
    """The filters every list of assessments offers: `campaign` (id), `status`, `region` (a region
    code: the schools of its subtree), `school_type`, `q` (school name or code). Values that cannot
    match (a campaign id that is not a number) match nothing rather than fail."""
    filters = filters or {}
    if campaign := filters.get("campaign"):
        qs = qs.filter(campaign_id=campaign) if str(campaign).isdigit() else qs.none()
    if status := filters.get("status"):
        qs = qs.filter(status=status)
    if region := (filters.get("region") or "").strip():
        qs = qs.filter(school__region__path__contains=f"/{region}/")
    if school_type := filters.get("school_type"):
        qs = qs.filter(school__school_type=school_type)
    if q := (filters.get("q") or "").strip():
        qs = qs.filter(Q(school__name__icontains=q) | Q(school__code__icontains=q))
    return qs


# `assessment_get`'s statement depends on nothing but the user's scope (hashable, holding every
# membership and assignment it reads), the action and the primary key: Django builds and compiles
# it once per process for each scope and action instead of on every page of an assessment.
_ASSESSMENT_GET = KeyedInstances()


def assessment_get(*, user, pk: int, action: Action = Action.VIEW, region_parent: bool = False) -> Assessment:
    """One assessment in scope for `action`, else 404 (with its campaign, framework, the campaign's
    region, school and the school's region loaded, as `assessment_list` gives them; with
    `region_parent` the region's parent too, in the same statement, for the region's `full_name`)."""
    if type(pk) is not int:  # a primary key from elsewhere than the URL: as the ORM takes it
        qs = assessment_list(user=user, action=action)
        if region_parent:
            qs = qs.select_related("school__region__parent")
        return get_object_or_404(qs, pk=pk)

    def build(placeholder):
        qs = assessment_list(user=user, action=action).filter(pk=placeholder)
        return qs.select_related("school__region__parent") if region_parent else qs

    found = _ASSESSMENT_GET.instances(("assessment", get_scope(user), action, region_parent), build, pk)
    if not found:
        raise Http404
    return found[0]


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
    # COUNT(*): nothing but the assessment is read, so an index on it answers without the table
    counted = rows.order_by().values("assessment").annotate(n=Count("*")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def response_tally() -> dict[str, Coalesce]:
    """The outer assessment's item counts as annotations: `item_total` (its items) and
    `item_pending` (those `AWAITING_REVIEW`). On PostgreSQL they are read from the tally its
    triggers keep (`ResponseTally`: one row by primary key per assessment, where counting read some
    fifty index entries twice); elsewhere they are counted (`response_count`). Either way as
    correlated subqueries, which PostgreSQL evaluates for the rows of the page only (after ORDER BY
    … LIMIT), where a join would read the tally of every row of the reviewer's district."""
    if connection.vendor != "postgresql":
        return {"item_total": response_count(), "item_pending": response_count(AWAITING_REVIEW)}
    row = ResponseTally.objects.filter(assessment=OuterRef("pk"))
    return {
        name: Coalesce(Subquery(row.values(column), output_field=IntegerField()), 0)
        for name, column in (("item_total", "total"), ("item_pending", "pending"))
    }


def campaign_assessments(*, user, campaign: Campaign, filters: dict | None = None) -> QuerySet[Assessment]:
    """The campaign's assessments in the user's scope (filtered as `assessment_filter`), with
    answered/total counts (one query)."""
    return (
        assessment_list(user=user, filters=filters)
        .filter(campaign=campaign)
        .annotate(item_total=response_count(), item_done=response_count(ANSWERED))
        .order_by("school__region__path", "school__code")
    )


@dataclass(frozen=True)
class ScoreCell:
    """A school's totals as lists show them: `self_value` once submitted, `review_value` once the
    review is finalised (None otherwise: a draft or an unfinished review is not a result). Points:
    the total; compliance: the compliance index in percent."""

    self_value: Decimal | None
    review_value: Decimal | None
    is_points: bool


def assessment_scores(*, assessments: Sequence[Assessment]) -> dict[int, ScoreCell]:
    """Self and review totals of `assessments` (of one campaign, obtained through a selector), by
    assessment id: one query for all their responses, scored by the scoring engine. The one place
    lists read totals from, so it can follow `selectors.results` once that is the source."""
    assessments = list(assessments)
    if not assessments:
        return {}
    framework = assessments[0].campaign.framework
    tree = scoring_tree(framework=framework, nodes=framework_nodes(framework=framework))
    is_points = tree.is_points
    self_field = ItemResponse.value_field(is_points=is_points)
    review_field = ItemResponse.value_field(is_points=is_points, review=True)
    answers: dict[int, tuple[dict, dict]] = {a.pk: ({}, {}) for a in assessments}
    rows = ItemResponse.objects.filter(assessment_id__in=list(answers)).values_list(
        "assessment_id", "node__code", self_field, review_field
    )
    for assessment_id, code, self_value, review_value in rows:
        answers[assessment_id][0][code] = self_value
        answers[assessment_id][1][code] = review_value
    cells = {}
    for a in assessments:
        self_answers, review_answers = answers[a.pk]
        counted = a.status in AssessmentStatus.in_review()
        final = a.status == AssessmentStatus.FINALISED
        cells[a.pk] = ScoreCell(
            self_value=_total(score(tree, self_answers), is_points) if counted else None,
            review_value=_total(score(tree, review_answers), is_points) if final else None,
            is_points=is_points,
        )
    return cells


def _total(result, is_points: bool) -> Decimal | None:
    return result.total if is_points else result.percentage


#: where a school stands, for progress figures: each school in exactly one column (a draft with
#: nothing answered has not started)
PROGRESS = tuple(Progress.choices)


@dataclass(frozen=True)
class ProgressRow:
    """How many schools of a campaign (and region) stand where (`PROGRESS`)."""

    label: str
    counts: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def columns(self) -> list[tuple[str, str, int]]:
        return [(key, str(label), self.counts.get(key, 0)) for key, label in PROGRESS]

    @property
    def submitted_percent(self) -> int:
        """Schools that have submitted (or got further), of all."""
        done = self.total - self.counts.get("not_started", 0) - self.counts.get(AssessmentStatus.DRAFT, 0)
        return round(100 * done / self.total) if self.total else 0

    @property
    def finalised_percent(self) -> int:
        return round(100 * self.counts.get(AssessmentStatus.FINALISED, 0) / self.total) if self.total else 0


def campaign_progress(*, user, campaign: Campaign, by_region: bool = False) -> list[ProgressRow]:
    """The campaign's schools in the user's scope by `PROGRESS` column: one row for the campaign,
    or with `by_region` one per school region (district, or city where schools sit in cities)."""
    answered = ItemResponse.objects.filter(ANSWERED, assessment_id=OuterRef("pk"))
    progress = Case(
        When(Q(status=AssessmentStatus.DRAFT) & ~Exists(answered), then=Value("not_started")),
        default=F("status"),
        output_field=CharField(),
    )
    qs = assessment_list(user=user).filter(campaign=campaign).annotate(progress=progress).order_by()
    keys = ("school__region__path", "school__region__name") if by_region else ()
    rows: dict[tuple, dict[str, int]] = {}
    for *key, state, n in qs.values_list(*keys, "progress").annotate(n=Count("id")):
        rows.setdefault(tuple(key), {})[state] = n
    return [ProgressRow(label=key[1] if key else campaign.title, counts=c) for key, c in sorted(rows.items())]


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
    can_read_review: bool  # the review page (from the submission on)
    can_reopen: bool  # a finalised review, by commission staff managing the campaign
    can_assign: bool  # name reviewers, by commission staff managing the campaign
    deadline_passed: bool  # a draft past its (possibly extended) deadline: nothing to fill or submit


def assessment_abilities(*, user, assessment: Assessment) -> AssessmentAbilities:
    """No query: the scope is read once per request and the state is on the row."""
    scope = get_scope(user)
    closed = assessment.status == AssessmentStatus.DRAFT and assessment.deadline_passed()
    editable = assessment.is_editable_state and not closed
    return AssessmentAbilities(
        can_edit=scope.can(Action.EDIT, assessment) and editable,
        can_submit=scope.can(Action.SUBMIT, assessment) and editable,
        can_extend=scope.can(Action.MANAGE, assessment),
        can_read_review=scope.can(Action.READ_REVIEW, assessment),
        can_reopen=scope.can(Action.REOPEN, assessment) and assessment.status == AssessmentStatus.FINALISED,
        can_assign=scope.can(Action.ASSIGN, assessment),
        deadline_passed=closed,
    )


def campaign_abilities(*, user, campaign: Campaign | None = None) -> dict[str, bool]:
    """`can_create` (a campaign at all) and, with a campaign, `can_manage` it, `can_nominate`
    schools for designations (a district) and `can_award` them (the commission)."""
    scope = get_scope(user)
    abilities = {"can_create": scope.can_any(Action.MANAGE)}
    if campaign is not None:
        abilities["can_manage"] = scope.can(Action.MANAGE, campaign)
        abilities["can_nominate"] = scope.can(Action.NOMINATE, campaign)
        abilities["can_award"] = scope.can(Action.AWARD, campaign)
        abilities["can_accept"] = scope.can(Action.ACCEPT, campaign)
        abilities["can_sample"] = scope.can(Action.SAMPLE, campaign)
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
