"""Reads of the district review: the queue, what the user may do (`review_abilities`), the workbench
(items with the school's answers, the reviewer's verdicts, the reviewer's result and the gaps).
Scoped through the one mechanism (`scoping`): outside the user's scope an assessment does not exist."""

from __future__ import annotations

import datetime
import functools
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.contrib.auth import get_user_model
from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from indicators.clauses import item_clauses
from indicators.scoring import score
from smartcampus.db import CompiledQuery, KeyedInstances, KeyedStatements

from ..gaps import DimensionGap, SameItems, dimension_gaps, item_gap, same_items, total_gap
from ..models import (
    AWAITING_REVIEW,
    Assessment,
    AssessmentStatus,
    Campaign,
    ClauseCheck,
    ClauseSide,
    ComplianceStatus,
    Consolidation,
    ItemResponse,
    ItemReview,
    Membership,
    Region,
    ReviewVerdict,
    Role,
    School,
)
from ..scoping import Action, get_scope
from .campaigns import assessment_list, response_tally
from .clauses import ClauseSheet
from .workspace import Item, Workspace, assessment_workspace

CONFLICT_OF_INTEREST = _("您是该校的信息化负责人，存在利益冲突，不能评审本校的自评。")


def review_queue(*, user, filters: dict | None = None) -> QuerySet[Assessment]:
    """The reviewer's queue: assessments they review (region or assignment), with how many items each
    still awaits review and the total, aggregated in the database.
    Filters: campaign (id), district (region code, with its subtree), status, deadline
    ("overdue": review deadline passed, "week": due within 7 days), q (school name or code),
    school_type."""
    filters = filters or {}
    qs = assessment_list(
        user=user, action=Action.REVIEW, filters={k: filters.get(k) for k in ("q", "school_type")}
    )
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
    return qs.annotate(**response_tally()).order_by(
        "campaign__review_deadline", "submitted_at", "school__code"
    )


# The queue's statements depend on nothing but the user's scope (which is hashable and holds every
# membership and assignment the scope reads), the filters and the page: Django builds and compiles
# each once per process for those inputs instead of on every request.
_STATEMENTS = KeyedStatements()


def _instances(model, rows) -> list:
    """Model instances from rows of `_columns(model)`, as the ORM makes them (every concrete field
    loaded)."""
    names = [f.attname for f in model._meta.concrete_fields]
    return [model.from_db("default", names, row) for row in rows]


def _columns(model, prefix: str = "") -> list[str]:
    return [f"{prefix}{f.attname}" for f in model._meta.concrete_fields]


def _queue_filters(filters: dict | None) -> dict:
    """The filters `review_queue` applies, as it reads them (the others it ignores): equal results
    give equal dicts, which makes them part of a statement's key."""
    filters = filters or {}
    applied = {}
    if (campaign := str(filters.get("campaign") or "")).isdigit():
        applied["campaign"] = campaign
    if district := (filters.get("district") or "").strip():
        applied["district"] = district
    if (status := filters.get("status")) in AssessmentStatus.values:
        applied["status"] = str(status)
    if (deadline := filters.get("deadline")) in ("overdue", "week"):
        applied["deadline"] = deadline
    if q := (filters.get("q") or "").strip():
        applied["q"] = q
    if school_type := filters.get("school_type"):
        applied["school_type"] = school_type
    return applied


def _queue_key(kind: str | tuple, user, applied: dict, offset: int, limit: int):
    """The key of a queue statement, or None when it reads the clock (a deadline filter) or a filter
    is not a plain value."""
    if "deadline" in applied or not all(type(v) is str for v in applied.values()):
        return None
    return (kind, get_scope(user), tuple(sorted(applied.items())), offset, limit)


_QUEUE_RELATED = (("campaign__", Campaign), ("school__", School), ("school__region__", Region))


@functools.cache
def queue_row_columns() -> tuple[str, ...]:
    """The columns of `review_queue_raw_rows`' rows, by name: every column of the assessment, its
    campaign, its school and the school's region, then the item counts."""
    columns = [*_columns(Assessment)]
    for prefix, model in _QUEUE_RELATED:
        columns += _columns(model, prefix)
    return (*columns, "item_total", "item_pending")


# What the queue page reads of a row: what it shows, what decides the user's button (the status,
# the school and its region's path) and what the claim flags are computed from (the campaign's
# framework, the school's type).
QUEUE_PAGE_COLUMNS = (
    "id",
    "campaign_id",
    "school_id",
    "status",
    "submitted_at",
    "version",
    "campaign__id",
    "campaign__framework_id",
    "campaign__title",
    "campaign__review_deadline",
    "school__id",
    "school__name",
    "school__school_type",
    "school__region_id",
    "school__region__id",
    "school__region__name",
    "school__region__path",
    "item_total",
    "item_pending",
)


def review_queue_raw_rows(
    *, user, filters: dict | None = None, offset: int = 0, limit: int, columns: tuple[str, ...] | None = None
) -> list[tuple]:
    """Rows `offset` to `offset + limit` of `review_queue(user=user, filters=filters)` as tuples of
    `columns` (of the assessment, `campaign__…`, `school__…`, `school__region__…`, `item_total` and
    `item_pending`; every one of them by default, `queue_row_columns()`), one query. The statement
    is compiled once per process for the user's scope, the filters, the slice and the columns; a
    deadline filter (which reads the clock) compiles it on every call. `queue_row_instances` makes
    the models."""
    filters = _queue_filters(filters)
    columns = columns or queue_row_columns()

    def build():
        queue = review_queue(user=user, filters=filters)
        return queue.values_list(*columns)[offset : offset + limit]

    key = _queue_key(("queue-rows", columns), user, filters, offset, limit)
    return list(build()) if key is None else _STATEMENTS.rows(key, build)


@functools.cache
def _row_layout(columns: tuple[str, ...]) -> tuple:
    """Per model of a queue row (assessment, campaign, school, region): the attribute names its
    columns give and their positions in the row."""
    prefixes = (("", Assessment), *_QUEUE_RELATED)
    layout = []
    for prefix, model in prefixes:
        longer = [p for p, _m in prefixes if p.startswith(prefix) and p != prefix]
        at = {
            column[len(prefix) :]: i
            for i, column in enumerate(columns)
            if column.startswith(prefix) and not any(column.startswith(p) for p in longer)
        }
        # in the model's field order, as `Model.from_db` takes them
        picked = [(f.attname, at[f.attname]) for f in model._meta.concrete_fields if f.attname in at]
        layout.append((model, tuple(n for n, _i in picked), tuple(i for _n, i in picked)))
    return tuple(layout), columns.index("item_total"), columns.index("item_pending")


def queue_row_instances(rows: list[tuple], columns: tuple[str, ...] | None = None) -> list[Assessment]:
    """The assessments of `review_queue_raw_rows`' rows (of `columns`, every one by default), each
    with its campaign, school and the school's region loaded (the columns not read deferred, as
    `.only()` leaves them), `item_total` and `item_pending` set."""
    models, total, pending = _row_layout(columns or queue_row_columns())
    (_a, a_names, a_at), (_c, c_names, c_at), (_s, s_names, s_at), (_r, r_names, r_at) = models
    shared: dict = {}

    def one(model, names, at, row):
        return model.from_db("default", names, [row[i] for i in at])

    found = []
    for row in rows:
        assessment = one(Assessment, a_names, a_at, row)
        school = one(School, s_names, s_at, row)
        # one instance per campaign and per region, as read-only as the rows
        campaign_key, region_key = (
            (Campaign, tuple(row[i] for i in c_at)),
            (Region, tuple(row[i] for i in r_at)),
        )
        campaign = shared.get(campaign_key) or shared.setdefault(
            campaign_key, one(Campaign, c_names, c_at, row)
        )
        region = shared.get(region_key) or shared.setdefault(region_key, one(Region, r_names, r_at, row))
        Assessment.campaign.field.set_cached_value(assessment, campaign)
        Assessment.school.field.set_cached_value(assessment, school)
        School.region.field.set_cached_value(school, region)
        assessment.item_total, assessment.item_pending = row[total], row[pending]
        found.append(assessment)
    return found


def review_queue_rows(*, user, filters: dict | None = None, offset: int = 0, limit: int) -> list[Assessment]:
    """Rows `offset` to `offset + limit` of `review_queue(user=user, filters=filters)`, each with its
    campaign, school and the school's region loaded (one query, see `review_queue_raw_rows`)."""
    return queue_row_instances(review_queue_raw_rows(user=user, filters=filters, offset=offset, limit=limit))


def review_queue_values(
    *, user, filters: dict | None = None, values, shape: str, offset: int = 0, limit: int
) -> list[dict]:
    """Rows `offset` to `offset + limit` of `review_queue(user=user, filters=filters)` (without
    related objects) as `values(queryset)` reads them, as dicts. `shape` names `values` (a fixed
    function of the queryset): the statement is compiled once per process for it, the user's scope,
    the filters and the slice, as in `review_queue_rows`."""
    filters = _queue_filters(filters)

    def build():
        return values(review_queue(user=user, filters=filters).select_related(None))[offset : offset + limit]

    key = _queue_key(f"queue-values:{shape}", user, filters, offset, limit)
    return list(build()) if key is None else _STATEMENTS.dicts(key, build)


# The reviewer's queue grouped by status, campaign and the school's region, with what the queue's
# filters show of the campaign and of the region (functions of their ids: the groups are the same).
_GROUP_COLUMNS = (
    "status",
    "campaign_id",
    "campaign__year",
    "campaign__title",
    "school__region_id",
    "school__region__level",
    "school__region__code",
    "school__region__name",
    "school__region__path",
)


def _queue_groups(user) -> list[tuple]:
    """Rows of `_GROUP_COLUMNS` and the number of assessments, over the reviewer's queue."""
    scope = get_scope(user)
    if scope.user_id is None:
        return []

    def grouped():
        return (
            assessment_list(user=user, action=Action.REVIEW)
            .select_related(None)
            .order_by()
            .values_list(*_GROUP_COLUMNS)
            .annotate(n=Count("id"))
        )

    return _STATEMENTS.rows(("queue-groups", scope), grouped)


def review_queue_count(*, user, filters: dict | None = None) -> int:
    """How many rows `review_queue(user=user, filters=filters)` has: from the counts per status when
    no other filter applies (the statement the queue's facets read), else counted."""
    filters = _queue_filters(filters)
    if set(filters) <= {"status"}:
        status = filters.get("status")
        return sum(row[-1] for row in _queue_groups(user) if status is None or row[0] == status)
    return review_queue(user=user, filters=filters).count()


class QueueListing:
    """The queue as Django's paginator reads it: `count()` (given, or `review_queue_count`) and
    slices, read through `review_queue_rows`, `review_queue_raw_rows` (of `columns`) when `raw`,
    or `review_queue_values` when `values` is given."""

    def __init__(
        self,
        *,
        user,
        filters: dict | None = None,
        count: int | None = None,
        values=None,
        shape: str = "",
        raw: bool = False,
        columns: tuple[str, ...] | None = None,
    ) -> None:
        self.user, self.filters, self.known_count = user, filters or {}, count
        self.values, self.shape, self.raw, self.columns = values, shape, raw, columns

    def count(self) -> int:
        if self.known_count is None:
            self.known_count = review_queue_count(user=self.user, filters=self.filters)
        return self.known_count

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index: slice) -> list:
        if not isinstance(index, slice) or index.step is not None:
            raise TypeError("the queue is read by pages")
        start = index.start or 0
        stop = self.count() if index.stop is None else index.stop
        if stop <= start:
            return []
        if self.raw:
            return review_queue_raw_rows(
                user=self.user,
                filters=self.filters,
                offset=start,
                limit=stop - start,
                columns=self.columns,
            )
        if self.values is None:
            return review_queue_rows(user=self.user, filters=self.filters, offset=start, limit=stop - start)
        return review_queue_values(
            user=self.user,
            filters=self.filters,
            values=self.values,
            shape=self.shape,
            offset=start,
            limit=stop - start,
        )


def review_queue_counts(*, user) -> dict[str, int]:
    """How many assessments of the queue are in each status (one query)."""
    rows = assessment_list(user=user, action=Action.REVIEW).order_by().values_list("status")
    return dict(rows.annotate(n=Count("id")))


@dataclass(frozen=True)
class QueueSummary:
    """A reviewer's work in one campaign: how many of their schools stand where."""

    campaign: Campaign
    counts: dict[str, int]

    @property
    def to_start(self) -> int:
        return self.counts.get(AssessmentStatus.SUBMITTED, 0)

    @property
    def in_review(self) -> int:
        return self.counts.get(AssessmentStatus.IN_REVIEW, 0)

    @property
    def returned(self) -> int:
        return self.counts.get(AssessmentStatus.RETURNED, 0)

    @property
    def finalised(self) -> int:
        return self.counts.get(AssessmentStatus.FINALISED, 0)

    @property
    def pending(self) -> int:
        """Schools waiting for the reviewer (to start or to finish)."""
        return self.to_start + self.in_review


def review_queue_summary(*, user) -> list[QueueSummary]:
    """The reviewer's queue per campaign (two queries), campaigns with the most waiting first."""
    rows = (
        assessment_list(user=user, action=Action.REVIEW)
        .order_by()
        .values_list("campaign_id", "status")
        .annotate(n=Count("id"))
    )
    counts: dict[int, dict[str, int]] = {}
    for campaign_id, status, n in rows:
        counts.setdefault(campaign_id, {})[status] = n
    campaigns = Campaign.objects.filter(pk__in=list(counts)).select_related("framework", "region")
    summaries = [QueueSummary(c, counts[c.pk]) for c in campaigns]
    return sorted(summaries, key=lambda s: (-s.pending, s.campaign.review_deadline))


def review_queue_filters(*, user) -> dict:
    """The campaigns and districts the queue's filters offer (those of the reviewer's queue)."""
    queue = assessment_list(user=user, action=Action.REVIEW)
    return {
        "campaigns": Campaign.objects.filter(pk__in=queue.values("campaign_id")).order_by("-year", "title"),
        "districts": Region.objects.filter(
            level=Region.Level.DISTRICT, pk__in=queue.values("school__region_id")
        ),
    }


class QueueFacets:
    """What the queue page shows beside its rows: how many of the reviewer's assessments are in
    each status (`counts`), and the campaigns and districts its filters offer: `shown` holds all
    the filters read of them (campaign id, year and title; district id, code, name and path), the
    model instances (`campaigns`, `districts`, in the filters' order) are read when first asked for."""

    def __init__(self, *, counts: dict[str, int], campaigns: tuple, districts: tuple) -> None:
        self.counts = counts
        self.shown = (campaigns, districts)

    @functools.cached_property
    def campaigns(self) -> list[Campaign]:
        ids = tuple(pk for pk, _year, _title in self.shown[0])
        rows = _STATEMENTS.rows(
            ("queue-campaigns", ids),
            lambda: (
                Campaign.objects.filter(pk__in=ids)
                .order_by("-year", "title")
                .values_list(*_columns(Campaign))
            ),
        )
        return _instances(Campaign, rows)

    @functools.cached_property
    def districts(self) -> list[Region]:
        ids = tuple(pk for pk, *_shown in self.shown[1])
        rows = _STATEMENTS.rows(
            ("queue-districts", ids),
            lambda: Region.objects.filter(level=Region.Level.DISTRICT, pk__in=ids).values_list(
                *_columns(Region)
            ),
        )
        return _instances(Region, rows)


def review_queue_facets(*, user) -> QueueFacets:
    """`review_queue_counts` and what `review_queue_filters` offers from one pass over the reviewer's
    queue (grouped by status, campaign and the school's region): one query, and two lookups by id
    when the campaigns or districts themselves are asked for."""
    counts: dict[str, int] = {}
    campaigns, districts = set(), set()
    for status, campaign_id, year, title, region_id, level, code, name, path, n in _queue_groups(user):
        counts[status] = counts.get(status, 0) + n
        campaigns.add((campaign_id, year, title))
        if level == Region.Level.DISTRICT:
            districts.add((region_id, code, name, path))
    return QueueFacets(counts=counts, campaigns=tuple(sorted(campaigns)), districts=tuple(sorted(districts)))


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


@dataclass(frozen=True)
class QueueButton:
    """The one button of a reviewer-queue row: the refusal (conflict of interest, not the user's
    school), else start the review, else continue it (`can_review`) or only view it."""

    refusal: str | None
    can_start: bool
    can_review: bool


def queue_buttons(*, user, assessments) -> dict[int, QueueButton]:
    """The queue's buttons for `assessments`, asking the scope only what the button shows (the
    same answers as `review_abilities`' `refusal`, `can_start` and `can_review`). No query."""
    scope = get_scope(user)
    conflict, stranger = str(CONFLICT_OF_INTEREST), None
    buttons = {}
    for a in assessments:
        if scope.has_conflict(a):
            refusal = conflict
        elif not scope.can(Action.REVIEW, a):
            refusal = stranger = stranger or str(_("您不是该校的评审专家。"))
        else:
            refusal = None
        buttons[a.pk] = QueueButton(
            refusal=refusal,
            can_start=refusal is None and a.status == AssessmentStatus.SUBMITTED,
            can_review=refusal is None and a.is_reviewable_state,
        )
    return buttons


def reviewer_candidate_list(*, user, assessment: Assessment, q: str = "") -> QuerySet:
    """The people `user` may name as reviewers of `assessment` (none unless they may assign its
    reviewers): reviewers of a region within the campaign's region or above it, and experts without
    any role (they review only what they are assigned); never the school's own CIOs (conflict of
    interest) or inactive accounts. `q` searches login, name and the reviewer's region."""
    User = get_user_model()
    scope = get_scope(user)
    if not scope.can(Action.ASSIGN, assessment):
        return User.objects.none()
    campaign_path = assessment.campaign.region.path
    codes = [c for c in campaign_path.split("/") if c]
    above = ["/" + "/".join(codes[:i]) + "/" for i in range(1, len(codes))]
    reviewers = Membership.objects.filter(role=Role.REVIEWER).filter(
        Q(region__path__startswith=campaign_path) | Q(region__path__in=above)
    )
    cios = Membership.objects.filter(role=Role.SCHOOL_CIO, school_id=assessment.school_id)
    qs = (
        User.objects.filter(is_active=True)
        .filter(Q(pk__in=reviewers.values("user_id")) | Q(memberships__isnull=True, is_superuser=False))
        .exclude(pk__in=cios.values("user_id"))
        .distinct()
    )
    if q := (q or "").strip():
        qs = qs.filter(
            Q(username__icontains=q)
            | Q(first_name__icontains=q)
            | Q(last_name__icontains=q)
            | Q(memberships__region__name__icontains=q)
        )
    return qs.prefetch_related(
        Prefetch("memberships", queryset=Membership.objects.select_related("region"))
    ).order_by("first_name", "username")


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
    mine: VerdictRow | None
    other: VerdictRow | None
    history: list[VerdictRow]
    form_version: int
    form_verdict: str | None
    form_score: Decimal | None
    form_status: str | None
    form_comment: str
    gap: Decimal | None
    previous: VerdictRow | None = None  # the last verdict of an earlier round (shown as context)
    changes: list[FieldChange] = field(default_factory=list)  # the school's edits since the return
    returned: bool = False  # sent back to the school by the last return
    carried_over: bool = False  # the result on the row is an earlier round's request, not a verdict

    @property
    def verdict(self) -> str | None:
        """The item's consolidated verdict in this round (None while it awaits one)."""
        return None if self.carried_over else self.response.review_verdict

    @property
    def comment(self) -> str:
        return "" if self.carried_over else self.response.review_comment

    @property
    def wants_more_evidence(self) -> bool:
        """Judged "more evidence" in this round (a return sends it back)."""
        return self.verdict == ReviewVerdict.MORE_EVIDENCE

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


@dataclass(frozen=True)
class DimensionRow:
    """One dimension on the review summary: self beside review once every item of it is reviewed
    (the scoring engine's results, caps included), before that the reviewed items only (`SameItems`).
    Compliance values are percentages."""

    code: str
    name: str
    reviewed: int
    total: int
    self_value: Decimal | None
    review_value: Decimal | None
    complete: bool

    @property
    def gap(self) -> Decimal | None:
        if self.self_value is None or self.review_value is None:
            return None
        return self.review_value - self.self_value


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
    same_items: SameItems | None = None  # the live comparison while the review is unfinished
    dimension_rows: list[DimensionRow] = field(default_factory=list)
    returned_at: datetime.datetime | None = None  # when the last return started this round

    @property
    def pending(self) -> int:
        return sum(1 for i in self.items if i.pending)

    @property
    def pending_items(self) -> list[ReviewItem]:
        """Items without a final verdict (none yet, or more evidence requested): block finalising."""
        return [i for i in self.items if i.pending]

    @property
    def returned_items(self) -> list[ReviewItem]:
        return [i for i in self.items if i.returned]

    @property
    def review_total(self) -> Decimal | None:
        """The review's total once every item has a reviewer value (points, or index in percent)."""
        if self.total_gap is None:
            return None
        return self.review_result.total if self.ws.is_points else self.review_result.percentage

    @property
    def self_total(self) -> Decimal | None:
        return self.ws.result.total if self.ws.is_points else self.ws.result.percentage

    @property
    def reviewed(self) -> int:
        return len(self.items) - self.pending

    @property
    def more_evidence(self) -> list[ReviewItem]:
        """Items judged "more evidence" in this round: a return sends them back."""
        return [i for i in self.items if i.wants_more_evidence]

    @property
    def todo(self) -> int:
        """Items this reviewer has still to judge (second review: own verdicts of this round)."""
        return sum(1 for i in self.items if not i.reviewed_by_me)


@dataclass(frozen=True)
class VerdictReviewer:
    """Who gave a verdict, as the workbench names them."""

    pk: int
    username: str
    first_name: str


@dataclass(frozen=True)
class VerdictRow:
    """One `ItemReview` as the workbench reads it: its values, without a model instance."""

    pk: int
    response_id: int
    reviewer_id: int
    round: int
    verdict: str
    score: Decimal | None
    status: str | None
    comment: str
    version: int
    created_at: datetime.datetime
    updated_at: datetime.datetime
    reviewer: VerdictReviewer

    @property
    def id(self) -> int:
        return self.pk


_VERDICT_COLUMNS = (
    "id",
    "response_id",
    "reviewer_id",
    "round",
    "verdict",
    "score",
    "status",
    "comment",
    "version",
    "created_at",
    "updated_at",
    "reviewer__username",
    "reviewer__first_name",
)

# the workbench's verdicts statement, compiled once per process
_WORKBENCH_REVIEWS = CompiledQuery(
    lambda assessment_id: (
        ItemReview.objects.filter(response__assessment_id=assessment_id)
        .order_by("round", "created_at", "id")
        .values_list(*_VERDICT_COLUMNS)
    ),
    converted=True,
)


def _workbench_verdicts(assessment_id: int) -> list[VerdictRow]:
    """Every verdict of every round of the assessment, oldest first (one query)."""
    reviewers: dict[tuple, VerdictReviewer] = {}
    rows = []
    for *values, username, first_name in _WORKBENCH_REVIEWS.rows(assessment_id):
        reviewer_id = values[2]
        reviewer = reviewers.get((reviewer_id, username, first_name))
        if reviewer is None:
            reviewer = reviewers[(reviewer_id, username, first_name)] = VerdictReviewer(
                reviewer_id, username, first_name
            )
        rows.append(VerdictRow(*values, reviewer=reviewer))
    return rows


def review_workbench(*, assessment: Assessment, user) -> ReviewWorkspace:
    """Everything the workbench shows, in a constant number of queries: the school's workspace (two),
    every verdict of every round (one), and for a second review who reviews and whether both are done."""
    ws = assessment_workspace(assessment=assessment)
    second = assessment.campaign.second_review
    rnd = assessment.review_round
    reviews: dict[int, list[VerdictRow]] = {}
    for r in _workbench_verdicts(assessment.pk):
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
    round_changes = review_round_changes(assessment=assessment)
    is_points, user_id = ws.is_points, user.pk
    items = []
    answers: dict[str, Decimal | str | None] = {}  # item code → the review's value
    pairs: dict[str, tuple] = {}  # item code → (self value, review value, optional)
    by_dimension: dict[int, list[tuple]] = {}
    for item in ws.items:
        response = item.response
        response_id = response.id
        rows = reviews.get(response_id, [])
        mine = other = previous = None
        in_round = False
        for r in rows:
            if r.round == rnd:
                in_round = True
                if mine is None and r.reviewer_id == user_id:
                    mine = r
                if (
                    other is None
                    and second
                    and both_done
                    and r.reviewer_id in pair
                    and r.reviewer_id != user_id
                ):
                    other = r
            elif r.round < rnd:
                previous = r  # rows are oldest first: the last one of an earlier round
        carried_over = response.awaits_review and not in_round
        if second:
            form = (
                (mine.version, mine.verdict, mine.score, mine.status, mine.comment)
                if mine
                else (0, None, None, None, "")
            )
        elif carried_over:
            # sent back in an earlier round: this round's verdict starts empty (the earlier request
            # is shown as context, never carried into the new verdict)
            form = (response.version, None, None, None, "")
        else:
            form = (
                response.version,
                response.review_verdict,
                response.review_score,
                response.review_status,
                response.review_comment,
            )
        review_value = response.review_value(is_points=is_points)
        self_value = response.self_value(is_points=is_points)
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
                gap=item_gap(self_value, review_value, is_points=is_points),
                form_version_is_own=second,
                previous=previous,
                changes=round_changes.changes.get(response_id, []),
                returned=response_id in round_changes.returned,
                carried_over=carried_over,
            )
        )
        code = item.node.code
        answers[code] = review_value
        pairs[code] = shown = (self_value, review_value, item.node.optional)
        by_dimension.setdefault(item.dimension.id, []).append(shown)
    review_result = score(ws.tree, answers)
    roots = [d.node for d in ws.dimensions]
    dimension_rows = []
    for root in roots:
        in_dim = by_dimension.get(root.id, [])
        same = same_items(in_dim, is_points=ws.is_points)
        if same.complete:
            s_node, r_node = ws.result.nodes[root.code], review_result.nodes[root.code]
            values = (
                (s_node.score, r_node.score)
                if ws.is_points
                else (_percent(s_node.index), _percent(r_node.index))
            )
        else:
            values = (same.self_value, same.review_value)
        dimension_rows.append(
            DimensionRow(root.code, root.name, same.reviewed, same.total, *values, complete=same.complete)
        )
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
        same_items=same_items(pairs.values(), is_points=ws.is_points),
        dimension_rows=dimension_rows,
        returned_at=round_changes.returned_at,
    )


# the workbench checklist's ticks (both sides of one response), compiled once per process
_CLAUSE_CHECKS = KeyedInstances()


def _clause_checks_query(response_id: int):
    # unordered (one row per side): the model's default order would join the response and its node
    return ClauseCheck.objects.filter(response_id=response_id).order_by()


def review_clause_sheet(*, item: Item, is_points: bool) -> ClauseSheet | None:
    """`clause_sheet` of a workspace item, its one query compiled once per process."""
    response, node = item.response, item.node
    rows = _CLAUSE_CHECKS.instances("checks", _clause_checks_query, response.pk) if response.pk else ()
    found = {c.side: c for c in rows}
    clauses = item_clauses(node, children=item.monitoring_points)
    if not clauses:
        return None
    checks = {
        side: found.get(side) or ClauseCheck(response=response, side=side, met=[], version=0)
        for side in ClauseSide.values
    }
    return ClauseSheet(response=response, clauses=clauses, checks=checks, suggests=not is_points)


def _percent(index: Decimal | None) -> Decimal | None:
    return None if index is None else (index * 100).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


# --- what the school changed since the return -------------------------------------------------------


@dataclass(frozen=True)
class FieldChange:
    label: str
    old: object
    new: object


@dataclass(frozen=True)
class RoundChanges:
    """What the school changed after the return that started the current round: for each response,
    the fields whose value now differs from the value at the return (score, status, statement), and
    which responses that return sent back. Evidence changes are the evidence app's
    (`evidence_changes_since`, with `returned_at`)."""

    returned_at: datetime.datetime | None
    returned: frozenset[int]
    changes: dict[int, list[FieldChange]]


NO_CHANGES = RoundChanges(None, frozenset(), {})
ANSWER_FIELDS = (("self_score", _("自评分")), ("self_status", _("达标情况")), ("statement", _("自评说明")))


def review_round_changes(*, assessment: Assessment) -> RoundChanges:
    """From the history rows (two queries): the moment of the return that started this round (the
    assessment's first row in the round with status 退回修改), and for each response its answer at
    that moment against its answer now. Nothing before a first return."""
    if assessment.review_round < 2:
        return NO_CHANGES
    returned_at = (
        Assessment.history.filter(
            id=assessment.pk, review_round=assessment.review_round, status=AssessmentStatus.RETURNED
        )
        .order_by("history_date")
        .values_list("history_date", flat=True)
        .first()
    )
    if returned_at is None:
        return NO_CHANGES
    at_return: dict[int, tuple] = {}
    now: dict[int, tuple] = {}
    rows = (
        ItemResponse.history.filter(assessment_id=assessment.pk)
        .order_by("history_date", "history_id")
        .values_list("id", "history_date", "reopened", *(name for name, _label in ANSWER_FIELDS))
    )
    for pk, when, reopened, *values in rows.iterator():
        if when <= returned_at:
            at_return[pk] = (reopened, *values)
        now[pk] = (reopened, *values)
    changes: dict[int, list[FieldChange]] = {}
    for pk, (_reopened, *values) in now.items():
        before = at_return.get(pk)
        if before is None:
            continue
        found = [
            FieldChange(str(label), _shown(old), _shown(new))
            for (_name, label), old, new in zip(ANSWER_FIELDS, before[1:], values, strict=True)
            if old != new
        ]
        if found:
            changes[pk] = found
    returned = frozenset(pk for pk, state in at_return.items() if state[0])
    return RoundChanges(returned_at, returned, changes)


def _shown(value) -> object:
    if value in (None, ""):
        return "—"
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, str) and value in ComplianceStatus.values:
        return ComplianceStatus(value).label
    return value
