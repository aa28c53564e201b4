"""Reads of rectification items, scoped by `assessments.scoping` with the action the caller performs.

`rectification_proposal` is pure: from a finalised assessment's `Results` (the one results function,
`assessments.selectors.results.assessment_results`) it proposes the items a review leads to.
`rectification_ledger` is the one read of a campaign's items for the ledger command, the
commission's dashboard and the workbook.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from assessments.models import Assessment, AssessmentStatus, Campaign, ComplianceStatus, Region
from assessments.scoping import Action, get_scope
from assessments.selectors.facts import assessment_fact_checks
from assessments.selectors.results import Results, ResultsFrame, assessment_results, results_frame
from smartcampus.db import CompiledQuery

from .models import (
    RectificationEvent,
    RectificationItem,
    RectificationSource,
    RectificationState,
    overdue_q,
)

#: days a school is given by default, from the confirmation of the list
DEFAULT_DUE_DAYS = 90


def rectification_list(*, user, action: Action = Action.VIEW) -> QuerySet[RectificationItem]:
    """Rectification items of the assessments in the user's scope for `action`."""
    scope = get_scope(user)
    if scope.user_id is None:
        return RectificationItem.objects.none()
    return RectificationItem.objects.filter(scope.assessments_q(action, "assessment__")).select_related(
        "assessment__campaign__region",
        "assessment__campaign__framework",
        "assessment__school__region",
        "node",
    )


def rectification_get(*, user, pk: int, action: Action = Action.VIEW) -> RectificationItem:
    """One item in scope for `action`, else 404."""
    return get_object_or_404(rectification_list(user=user, action=action), pk=pk)


def assessment_rectification_items(*, assessment: Assessment) -> QuerySet[RectificationItem]:
    """The items of one assessment (obtained through a selector with the caller's scope), in tree
    order, with their nodes: the school's PDF and its 整改通知书 list them."""
    return (
        RectificationItem.objects.filter(assessment_id=assessment.pk)
        .select_related("node")
        .order_by("node__position", "pk")
    )


# whether an assessment has rectification items, compiled once per process (every assessment page asks)
_HAS_ITEMS = CompiledQuery(
    lambda assessment_id: RectificationItem.objects.filter(assessment_id=assessment_id).values_list("pk")[:1]
)


def assessment_has_rectification_items(*, assessment: Assessment) -> bool:
    """Whether `assessment_rectification_items` lists anything (one query)."""
    return bool(_HAS_ITEMS.rows(assessment.pk))


def rectification_search(
    *,
    user,
    campaign_id: int | None = None,
    state: str | None = None,
    overdue: bool | None = None,
    school_id: int | None = None,
    today: datetime.date | None = None,
) -> QuerySet[RectificationItem]:
    """The items the user may view, narrowed by the filters given (the API's list): what is due first,
    each with its evidence files and its history (two queries more, whatever the number of items)."""
    qs = rectification_list(user=user)
    if campaign_id is not None:
        qs = qs.filter(assessment__campaign_id=campaign_id)
    if state:
        qs = qs.filter(state=state)
    if school_id is not None:
        qs = qs.filter(assessment__school_id=school_id)
    if overdue is not None:
        late = overdue_q(today=today or timezone.localdate())
        qs = qs.filter(late) if overdue else qs.exclude(late)
    return qs.order_by("due_date", "assessment__school__code", "node__position", "pk").prefetch_related(
        "evidence", Prefetch("events", queryset=RectificationEvent.objects.select_related("actor"))
    )


def rectification_due_list(*, user) -> QuerySet[RectificationItem]:
    """The CIO's 「整改清单」: the items of their schools, open ones first by due date."""
    return (
        rectification_list(user=user, action=Action.RECTIFY)
        .order_by("due_date", "assessment__school__code", "node__position")
        .prefetch_related("evidence__file")
    )


def rectification_review_queue(*, user) -> QuerySet[RectificationItem]:
    """The reviewer's 「整改审核」 queue: plans to approve and completions to verify, oldest due first."""
    return (
        rectification_list(user=user, action=Action.VERIFY)
        .filter(state__in=RectificationState.reviewer_turn())
        .order_by("due_date", "assessment__school__code", "node__position")
        .prefetch_related("evidence__file")
    )


def rectification_abilities(*, user, item: RectificationItem) -> dict[str, bool]:
    """What the user may do with `item` now (scope and state together; no query)."""
    scope = get_scope(user)
    rectify = scope.can(Action.RECTIFY, item)
    verify = scope.can(Action.VERIFY, item) and not scope.has_conflict(item.assessment)
    state = item.state
    return {
        "can_plan": rectify and state == RectificationState.DRAFT_PLAN,
        "can_complete": rectify and state == RectificationState.IN_PROGRESS,
        "can_approve": verify and state == RectificationState.PLAN_REVIEW,
        "can_verify": verify and state == RectificationState.AWAITING_VERIFICATION,
        "can_waive": verify and state in RectificationState.open(),
    }


# --- the proposal at finalisation -------------------------------------------------------------------


@dataclass(frozen=True)
class Proposal:
    """One proposed item: the reviewer edits problem, action and due date before confirming."""

    node_id: int
    code: str
    title: str
    source: str
    problem: str
    action: str
    due_date: datetime.date


def _problem(item, source: str, failures: list[str] | None = None) -> str:
    if item.comment:
        return item.comment
    if source == RectificationSource.THRESHOLD:
        return _("未达门槛规则：%(r)s") % {"r": _("；").join(failures or [])}
    if source == RectificationSource.REQUIRED_UNMET:
        return _("必备条目评审结果为“%(s)s”。") % {"s": ComplianceStatus(item.review_value).label}
    return _("评审得分 %(v)s 分，低于满分 %(m)s 分的一半。") % {"v": item.review_value, "m": item.max_points}


def rectification_proposal(
    *,
    results: Results,
    frame: ResultsFrame,
    today: datetime.date,
    due_days: int = DEFAULT_DUE_DAYS,
    failed_rules: Mapping[str, list[str]] | None = None,
) -> list[Proposal]:
    """The items a finalised review proposes, in tree order (pure: no database access): items the
    reviewer adjusted down, required items 未达标 / 部分达标 after review, and items whose reviewed
    score is below half of their maximum, and items whose threshold rules on the school's facts
    fail (`failed_rules`: item code → the failed rules' messages). One proposal per item (the first
    matching source).
    Items of a starred dimension are scored holistically (depth in one item may carry the
    dimension), so a low score there alone proposes nothing."""
    if results.review is None:
        return []
    by_code = {i.code: i for i in frame.items}
    due = today + datetime.timedelta(days=due_days)
    proposals = []
    for item in results.items:
        source = None
        if results.is_points:
            value, own = item.review_value, item.self_value
            if item.adjusted and value is not None and (own is None or value < own):
                source = RectificationSource.REVIEW_ADJUST
            elif (
                value is not None
                and item.max_points
                and not frame.tree.nodes[item.dimension].starred
                and Decimal(value) * 2 < item.max_points
            ):
                source = RectificationSource.LOW_SCORE
        else:
            status = item.review_value
            low = status in (ComplianceStatus.NOT_MET, ComplianceStatus.PARTIAL)
            if (
                item.adjusted
                and status
                and item.self_value
                and (ComplianceStatus(status).rank < ComplianceStatus(item.self_value).rank)
            ):
                source = RectificationSource.REVIEW_ADJUST
            elif low and not item.optional:
                source = RectificationSource.REQUIRED_UNMET
        failures = (failed_rules or {}).get(item.code)
        if source is None and failures:
            source = RectificationSource.THRESHOLD
        if source is None:
            continue
        proposals.append(
            Proposal(
                node_id=by_code[item.code].node_id,
                code=item.code,
                title=item.title,
                source=source,
                problem=_problem(item, source, failures),
                action=_("对照指标要求完成整改，并上传整改证明材料。"),
                due_date=due,
            )
        )
    return proposals


def assessment_rectification_proposal(
    *, assessment: Assessment, today: datetime.date | None = None
) -> list[Proposal]:
    """The proposal of a finalised assessment (obtained through a selector)."""
    frame = results_frame(framework=assessment.campaign.framework)
    results = assessment_results(assessment=assessment, frame=frame)
    checks = assessment_fact_checks(assessment=assessment)
    failed_rules = {
        code: [c.result.message or c.spec.clause for c in found]
        for code, found in ((code, [c for c in cs if c.failed]) for code, cs in checks.by_item.items())
        if found
    }
    return rectification_proposal(
        results=results, frame=frame, today=today or timezone.localdate(), failed_rules=failed_rules
    )


def rectification_to_confirm(*, user) -> QuerySet[Assessment]:
    """Finalised assessments the user reviews whose rectification list is not confirmed yet."""
    scope = get_scope(user)
    if scope.user_id is None:
        return Assessment.objects.none()
    return (
        Assessment.objects.filter(scope.assessments_q(Action.VERIFY), status=AssessmentStatus.FINALISED)
        .exclude(pk__in=RectificationItem.objects.values("assessment_id"))
        .select_related("school", "campaign")
        .order_by("campaign_id", "school__code")
    )


def rectification_confirmable(*, assessment: Assessment) -> bool:
    """A finalised assessment whose list has not been confirmed yet."""
    return (
        assessment.status == AssessmentStatus.FINALISED
        and not RectificationItem.objects.filter(assessment=assessment).exists()
    )


# --- the ledger -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LedgerRow:
    item_id: int
    assessment_id: int
    school_code: str
    school_name: str
    district: str
    node: str
    node_title: str
    source: str
    state: str
    due_date: datetime.date
    overdue: bool
    closed_at: datetime.datetime | None
    updated_at: datetime.datetime | None = None

    @property
    def source_label(self) -> str:
        return str(RectificationSource(self.source).label)

    @property
    def state_label(self) -> str:
        return str(RectificationState(self.state).label)


@dataclass
class DistrictCounts:
    district: str
    open: int = 0
    overdue: int = 0
    verified: int = 0
    waived: int = 0
    total: int = 0
    oldest_overdue: list[LedgerRow] = field(default_factory=list)


def _summary(rows) -> dict[str, int]:
    open_states = RectificationState.open()
    return {
        "open": sum(1 for r in rows if r.state in open_states),
        "overdue": sum(1 for r in rows if r.overdue),
        "verified": sum(1 for r in rows if r.state == RectificationState.VERIFIED),
        "waived": sum(1 for r in rows if r.state == RectificationState.WAIVED),
        "total": len(rows),
    }


@dataclass(frozen=True)
class Ledger:
    """A campaign's rectification items (one row each, by district, school and item) and counts."""

    campaign_id: int
    rows: tuple[LedgerRow, ...]

    @property
    def summary(self) -> dict[str, int]:
        return _summary(self.rows)

    def by_district(self, *, oldest: int = 3) -> list[DistrictCounts]:
        """Counts per district, with its `oldest` overdue items (earliest due date first)."""
        groups: dict[str, list[LedgerRow]] = defaultdict(list)
        for row in self.rows:
            groups[row.district].append(row)
        result = []
        for district, rows in groups.items():
            counts = DistrictCounts(district=district, **_summary(rows))
            counts.oldest_overdue = sorted((r for r in rows if r.overdue), key=lambda r: r.due_date)[:oldest]
            result.append(counts)
        return result


#: the columns a `LedgerRow` is read from, in the order its readers unpack them
LEDGER_ROW_COLUMNS = (
    "pk",
    "assessment_id",
    "assessment__school__code",
    "assessment__school__name",
    "assessment__school__region__name",
    "node__code",
    "node__name",
    "source",
    "state",
    "due_date",
    "closed_at",
    "updated_at",
)


def rectification_ledger(
    *,
    campaign: Campaign,
    assessments: QuerySet[Assessment] | None = None,
    region: Region | None = None,
    today: datetime.date | None = None,
) -> Ledger:
    """Every item of `campaign`, of the `assessments` given (a queryset obtained through a selector
    with the user's scope: the dashboard) and under `region` when given (the workbook); the command
    reads the whole campaign. One query."""
    today = today or timezone.localdate()
    qs = RectificationItem.objects.filter(assessment__campaign=campaign)
    if assessments is not None:
        qs = qs.filter(assessment__in=assessments.values("pk"))
    if region is not None:
        qs = qs.filter(assessment__school__region__path__startswith=region.path)
    values = qs.order_by(
        "assessment__school__region__path", "assessment__school__code", "node__position"
    ).values_list(*LEDGER_ROW_COLUMNS)
    open_states = RectificationState.open()
    rows = tuple(
        LedgerRow(
            item_id=pk,
            assessment_id=assessment_id,
            school_code=code,
            school_name=name,
            district=district,
            node=node,
            node_title=title,
            source=source,
            state=state,
            due_date=due,
            overdue=state in open_states and due < today,
            closed_at=closed,
            updated_at=updated,
        )
        for (
            pk,
            assessment_id,
            code,
            name,
            district,
            node,
            title,
            source,
            state,
            due,
            closed,
            updated,
        ) in values
    )
    return Ledger(campaign_id=campaign.pk, rows=rows)


# --- last year's open items on this year's item page ------------------------------------------------


def _open_items_elsewhere_query(school_id: int, campaign_id: int):
    return (
        RectificationItem.objects.filter(assessment__school_id=school_id, state__in=RectificationState.open())
        .exclude(assessment__campaign_id=campaign_id)
        .order_by()
        .values_list("node__code")
    )


# compiled once per process: every item page asks it, and almost always finds nothing
_OPEN_ELSEWHERE = CompiledQuery(_open_items_elsewhere_query, arity=2)


def _open_codes_elsewhere(assessment: Assessment) -> frozenset[str]:
    """The item codes on which the assessment's school has open items in campaigns other than its
    own (any scope: only a filter before the scoped query); read once per assessment instance, which
    lives as long as the request that loaded it."""
    codes = getattr(assessment, "_open_rectification_elsewhere", None)
    if codes is None:
        rows = _OPEN_ELSEWHERE.rows(assessment.school_id, assessment.campaign_id)
        codes = assessment._open_rectification_elsewhere = frozenset(code for (code,) in rows)
    return codes


def carried_over_shown(request, assessment: Assessment, code: str) -> bool:
    """Whether the item page of `code` may show 「上年整改事项」 (one query: the school's open items
    in other campaigns; `rectification_carried_over` then says which of them the user may see)."""
    return code in _open_codes_elsewhere(assessment)


def rectification_carried_over(*, user, assessment: Assessment, code: str) -> list[RectificationItem]:
    """「上年整改事项」: the school's items on the item `code` from earlier rounds of the same standard
    (the campaign's predecessor, or any earlier year of a framework with the same code) that are still
    open, for this year's item page. Only what the user may view; one query (the scope of the request
    and `assessment.campaign.framework` already loaded)."""
    campaign = assessment.campaign
    if code not in _open_codes_elsewhere(assessment):
        return []  # nothing of the school's open on this item in any other campaign: no scoped query
    earlier = Q(assessment__campaign__year__lt=campaign.year)
    if campaign.predecessor_id is not None:
        earlier |= Q(assessment__campaign_id=campaign.predecessor_id)
    return list(
        rectification_list(user=user)
        .filter(
            earlier,
            assessment__school_id=assessment.school_id,
            assessment__campaign__framework__code=campaign.framework.code,
            node__code=code,
            state__in=RectificationState.open(),
        )
        .exclude(assessment__campaign_id=campaign.pk)
        .order_by("-assessment__campaign__year", "due_date")
    )
