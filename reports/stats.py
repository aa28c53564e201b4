"""Dashboard aggregates, computed by the database (GROUP BY) over a scoped set of assessments.

Per-school results need the scoring engine's caps: a parent's score is the sum of its children
capped at its points. The database does this in two nested GROUP BYs: scoring items are summed per
(school, second-level group) and capped there, then summed per (school, dimension); the dimension
cap, the totals and the averages are then taken over those few aggregated rows (schools ×
dimensions), never over responses. Compliance indices are sums of met 1 / partial 0.5 / not met 0
over required items per (school, dimension). tests/reports/test_dashboard.py checks every number
against `indicators.scoring`.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection
from django.db.models import (
    Avg,
    Case,
    Count,
    DecimalField,
    Exists,
    F,
    FloatField,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)

from assessments.models import ANSWERED, Assessment, AssessmentStatus, Campaign, ItemResponse
from indicators.choices import COMPLIANCE_WEIGHTS
from indicators.selectors import answerable_nodes, framework_nodes, scoring_tree

NOT_STARTED = "not_started"
PROGRESS_BUCKETS = [
    (NOT_STARTED, "未开始"),
    (AssessmentStatus.DRAFT, "填报中"),
    (AssessmentStatus.SUBMITTED, "已提交"),
    (AssessmentStatus.IN_REVIEW, "评审中"),
    (AssessmentStatus.RETURNED, "退回修改"),
    (AssessmentStatus.FINALISED, "已完成"),
]
BANDS = [
    (Decimal(0), "<60%"),
    (Decimal(60), "60–70%"),
    (Decimal(70), "70–80%"),
    (Decimal(80), "80–90%"),
    (Decimal(90), "≥90%"),
]
FOUR = Decimal("0.0001")


@dataclass
class DistrictRow:
    region_id: int
    name: str
    progress: dict[str, int] = field(default_factory=dict)
    bands: list[int] = field(default_factory=lambda: [0] * len(BANDS))
    self_mean: Decimal | None = None
    review_mean: Decimal | None = None
    gap: Decimal | None = None
    reviewed: int = 0

    @property
    def school_count(self) -> int:
        return sum(self.progress.values())


@dataclass
class Dashboard:
    campaign: Campaign
    is_points: bool
    declared_total: Decimal | None
    districts: list[DistrictRow]
    dimensions: list  # [(root node, self mean %, review mean %)]
    weakest: list  # [(node, mean %, answered count)]
    self_totals: dict[int, Decimal]  # assessment id → total (points) or index (compliance)
    review_totals: dict[int, Decimal]
    self_dims: dict[tuple[int, int], Decimal]  # (assessment id, root id) → score or index
    school_count: int = 0
    started_count: int = 0  # schools with at least one self-assessment value


def compliance_weight(field: str, *, default: float | None) -> Case:
    """SQL for a status's weight in the compliance index, generated from `COMPLIANCE_WEIGHTS`
    (met 1, partial 0.5, not met 0); other values (na, unanswered) give `default`."""
    return Case(
        *[
            When(**{field: status}, then=Value(float(weight)))
            for status, weight in COMPLIANCE_WEIGHTS.items()
        ],
        default=Value(default),
        output_field=FloatField(),
    )


def _dimension_expr():
    """SQL for the first-level node above a response's node (trees have at most three levels)."""
    return Case(
        When(node__level=1, then=F("node_id")),
        When(node__level=2, then=F("node__parent_id")),
        default=F("node__parent__parent_id"),
        output_field=IntegerField(),
    )


def _points_dimension_rows(responses: QuerySet, value_field: str) -> list[tuple]:
    """(assessment id, district id, dimension id, uncapped dimension sum, answered) from the database."""
    inner = (
        responses.annotate(
            district=F("assessment__school__region_id"),
            dim=_dimension_expr(),
            mid=Case(
                When(node__level=3, then=F("node__parent_id")),
                default=F("node_id"),
                output_field=IntegerField(),
            ),
            cap=Case(
                When(node__level=3, then=F("node__parent__points")),
                default=Value(None),
                output_field=DecimalField(max_digits=6, decimal_places=1),
            ),
        )
        .order_by()
        .values("assessment_id", "district", "dim", "mid", "cap")
        .annotate(s=Sum(value_field), answered=Count(value_field))
    )
    sql, params = inner.query.sql_with_params()
    # The inner query is Django's own SQL with its parameters bound separately: nothing user-typed.
    outer = "".join(
        [
            "SELECT a.assessment_id, a.district, a.dim,",
            " SUM(CASE WHEN a.cap IS NOT NULL AND a.s > a.cap THEN a.cap ELSE a.s END), SUM(a.answered)",
            " FROM (",
            sql,
            ") a GROUP BY a.assessment_id, a.district, a.dim",
        ]
    )
    with connection.cursor() as cursor:
        cursor.execute(outer, params)
        return cursor.fetchall()


def _compliance_dimension_rows(responses: QuerySet, value_field: str) -> list[tuple]:
    """(assessment id, district id, dimension id, value sum, required count, answered) from the database."""
    value = compliance_weight(value_field, default=0.0)
    answered = Q(**{f"{value_field}__isnull": False})
    return list(
        responses.annotate(district=F("assessment__school__region_id"), dim=_dimension_expr())
        .order_by()
        .values("assessment_id", "district", "dim")
        .annotate(
            v=Sum(value, filter=Q(node__optional=False)),
            req=Count("id", filter=Q(node__optional=False)),
            answered=Count("id", filter=answered),
        )
        .values_list("assessment_id", "district", "dim", "v", "req", "answered")
    )


def _dec(value) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value or 0))


def _school_results(rows, *, is_points: bool, roots: dict) -> tuple[dict, dict, dict]:
    """From the (school, dimension) rows: per-school totals, per-(school, dimension) results, districts.
    Only schools with at least one answer are included."""
    dims: dict[tuple[int, int], Decimal] = {}
    district_of: dict[int, int] = {}
    started: set[int] = set()
    sums: dict[int, list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    for row in rows:
        assessment_id, district, dim_id = row[0], row[1], row[2]
        district_of[assessment_id] = district
        root = roots.get(dim_id)
        if root is None:
            continue
        if is_points:
            raw, answered = _dec(row[3]), row[4]
            value = min(raw, root.points) if root.points is not None else raw
            sums[assessment_id][0] += value
        else:
            v, req, answered = _dec(row[3]), row[4], row[5]
            value = (v / req).quantize(FOUR, rounding=ROUND_HALF_UP) if req else None
            sums[assessment_id][0] += v
            sums[assessment_id][1] += req
        if answered:
            started.add(assessment_id)
        if value is not None:
            dims[(assessment_id, dim_id)] = value
    totals = {}
    for pk in started:
        total, required = sums[pk]
        if is_points:
            totals[pk] = total
        elif required:
            totals[pk] = (total / required).quantize(FOUR, rounding=ROUND_HALF_UP)
    dims = {k: v for k, v in dims.items() if k[0] in started}
    return totals, dims, district_of


def _percent(value: Decimal, *, is_points: bool, maximum: Decimal | None) -> Decimal | None:
    if is_points:
        return (value * 100 / maximum).quantize(Decimal("0.1")) if maximum else None
    return (value * 100).quantize(Decimal("0.1"))


def _mean(values) -> Decimal | None:
    values = list(values)
    return (sum(values, Decimal(0)) / len(values)) if values else None


def campaign_dashboard(*, campaign: Campaign, assessments: QuerySet[Assessment]) -> Dashboard:
    """Aggregates of `campaign` over `assessments` (already scoped by the caller's selector)."""
    framework = campaign.framework
    nodes = framework_nodes(framework=framework)
    tree = scoring_tree(framework=framework, nodes=nodes)
    is_points = tree.is_points
    roots = {n.pk: n for n in nodes if n.parent_id is None}
    ids = assessments.filter(campaign=campaign).order_by().values("pk")
    responses = ItemResponse.objects.filter(assessment_id__in=ids)

    # Progress per district: status, and whether a draft has any answer yet.
    has_answer = Exists(ItemResponse.objects.filter(ANSWERED, assessment_id=OuterRef("pk")))
    progress = (
        Assessment.objects.filter(pk__in=ids)
        .annotate(started=has_answer)
        .order_by()
        .values_list("school__region_id", "school__region__name", "school__region__path", "status", "started")
        .annotate(n=Count("id"))
    )
    districts: dict[int, DistrictRow] = {}
    order: dict[int, str] = {}
    for region_id, name, path, status, started, n in progress:
        row = districts.setdefault(
            region_id, DistrictRow(region_id, name, {k: 0 for k, _l in PROGRESS_BUCKETS})
        )
        order[region_id] = path
        bucket = NOT_STARTED if status == AssessmentStatus.DRAFT and not started else status
        row.progress[bucket] += n

    self_field = ItemResponse.value_field(is_points=is_points)
    review_field = ItemResponse.value_field(is_points=is_points, review=True)
    fetch = _points_dimension_rows if is_points else _compliance_dimension_rows
    self_totals, self_dims, district_of = _school_results(
        fetch(responses, self_field), is_points=is_points, roots=roots
    )
    review_totals, review_dims, _d = _school_results(
        fetch(responses, review_field), is_points=is_points, roots=roots
    )

    declared = tree.declared_total if is_points else None
    per_district_self: dict[int, list[Decimal]] = defaultdict(list)
    for pk, total in self_totals.items():
        district = district_of.get(pk)
        if district not in districts:
            continue
        per_district_self[district].append(total)
        pct = _percent(total, is_points=is_points, maximum=declared) or Decimal(0)
        band = max(i for i, (low, _l) in enumerate(BANDS) if pct >= low)
        districts[district].bands[band] += 1
    for district, values in per_district_self.items():
        districts[district].self_mean = _mean(values)
    gaps: dict[int, list[Decimal]] = defaultdict(list)
    reviews: dict[int, list[Decimal]] = defaultdict(list)
    for pk, review_total in review_totals.items():
        district = district_of.get(pk)
        if district in districts and pk in self_totals:
            gaps[district].append(self_totals[pk] - review_total)
            reviews[district].append(review_total)
    for district, values in gaps.items():
        row = districts[district]
        row.gap, row.review_mean, row.reviewed = _mean(values), _mean(reviews[district]), len(values)

    dimensions = []
    for root in roots.values():
        s = _mean(v for (pk, dim), v in self_dims.items() if dim == root.pk)
        r = _mean(v for (pk, dim), v in review_dims.items() if dim == root.pk)
        dimensions.append(
            (
                root,
                _percent(s, is_points=is_points, maximum=root.points) if s is not None else None,
                _percent(r, is_points=is_points, maximum=root.points) if r is not None else None,
            )
        )

    weakest = _weakest_items(responses, tree=tree, nodes=nodes, is_points=is_points)
    return Dashboard(
        campaign=campaign,
        is_points=is_points,
        declared_total=declared,
        districts=sorted(districts.values(), key=lambda d: order[d.region_id]),
        dimensions=dimensions,
        weakest=weakest,
        self_totals=self_totals,
        review_totals=review_totals,
        self_dims=self_dims,
        school_count=sum(d.school_count for d in districts.values()),
        started_count=len(self_totals),
    )


def _weakest_items(responses: QuerySet, *, tree, nodes, is_points: bool, limit: int = 10) -> list:
    """Items with the lowest mean result city-wide: mean score / nominal points, or mean compliance value
    over required items. One GROUP BY node query."""
    items = {n.pk: n for n in answerable_nodes(tree=tree, nodes=nodes)}
    if is_points:
        rows = (
            responses.order_by()
            .values_list("node_id")
            .annotate(mean=Avg("self_score"), n=Count("self_score"))
            .values_list("node_id", "mean", "n")
        )
    else:
        value = compliance_weight("self_status", default=None)
        rows = (
            responses.filter(node__optional=False)
            .order_by()
            .values_list("node_id")
            .annotate(mean=Avg(value), n=Count("self_status"))
            .values_list("node_id", "mean", "n")
        )
    ranked = []
    for node_id, mean, n in rows:
        node = items.get(node_id)
        if node is None or not n or mean is None:
            continue
        if is_points:
            nominal = node.points or tree.score_max.get(node.code)
            if not nominal:
                continue
            pct = min(Decimal(100), (_dec(mean) * 100 / nominal)).quantize(Decimal("0.1"))
        else:
            pct = (_dec(mean) * 100).quantize(Decimal("0.1"))
        ranked.append((node, pct, n))
    ranked.sort(key=lambda t: (t[1], t[0].position))
    return ranked[:limit]
