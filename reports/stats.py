"""Dashboard aggregates, computed by the database (GROUP BY) over a scoped set of assessments.

The figures are those of `assessments.selectors.results` — the one source of a school's results —
computed in SQL for speed; tests/reports/test_numbers_agree.py and test_dashboard.py check every
school's figures against it. The same rules hold as everywhere:

- self-assessment figures count assessments submitted or later (`Assessment.objects.self_counted()`),
  review figures finalised ones (`review_counted()`); drafts and schools that have not started are
  only in the progress counts, where every school is in exactly one `Progress` bucket
  (`Assessment.objects.with_progress()`);
- per school, the exact figure (points: the capped total; compliance: the index as a percentage)
  and every statistic over schools is taken from exact figures and rounded once
  (`indicators.scoring.statistics_of`); a difference is the difference of two shown figures.

Per-school results need the scoring engine's caps: a parent's score is the sum of its children
capped at its points. The database does this in two nested GROUP BYs: scoring items are summed per
(school, second-level group) and capped there, then summed per (school, dimension); the dimension
cap and the totals are then taken over those few aggregated rows (schools × dimensions), never over
responses. Compliance indices are sums of the `COMPLIANCE_WEIGHTS` over required items per (school,
dimension).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from django.core.exceptions import EmptyResultSet
from django.db import connection, transaction
from django.db.models import (
    Case,
    Count,
    DecimalField,
    F,
    FloatField,
    IntegerField,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from assessments.models import Assessment, AssessmentStatus, Campaign, ItemResponse, Progress, Region
from indicators.choices import COMPLIANCE_WEIGHTS
from indicators.scoring import Statistics, percent_of, round_once, statistics_of
from indicators.selectors import answerable_nodes, framework_nodes, scoring_tree

PROGRESS_BUCKETS = [(p.value, p.label) for p in Progress]
BANDS = [
    (Decimal(0), "<60%"),
    (Decimal(60), "60–70%"),
    (Decimal(70), "70–80%"),
    (Decimal(80), "80–90%"),
    (Decimal(90), "≥90%"),
]


# --- the words for the regions a campaign's schools are grouped by --------------------------------


@dataclass(frozen=True)
class RegionWords:
    """How the regions that schools are grouped by are called: districts (区县) for a city's
    campaign, cities (市) for a province's, 地区 when they are mixed."""

    unit: str  # 区县 / 市 / 地区 — a column header
    each: str  # 各区县 / 各市 / 各地区 — in titles
    sheet: str  # the statistics sheet of the workbook

    @property
    def rank(self) -> str:
        return gettext("%(unit)s内排名") % {"unit": self.unit}


DISTRICT_WORDS = RegionWords(_("区县"), _("各区县"), _("区县统计"))
REGION_WORDS = {
    Region.Level.DISTRICT: DISTRICT_WORDS,
    Region.Level.CITY: RegionWords(_("市"), _("各市"), _("各市统计")),
}
MIXED_WORDS = RegionWords(_("地区"), _("各地区"), _("各地区统计"))


def region_words(levels: Iterable[str]) -> RegionWords:
    """The words for grouping regions of these `Region.Level`s (the schools' own regions)."""
    found = set(levels)
    if len(found) == 1:
        return REGION_WORDS.get(found.pop(), MIXED_WORDS)
    return DISTRICT_WORDS if not found else MIXED_WORDS


def band_of(percent: Decimal | None) -> int | None:
    """The index in `BANDS` of a shown percentage."""
    if percent is None:
        return None
    return max(i for i, (low, _l) in enumerate(BANDS) if percent >= low)


# --- the statistics of a group of schools ---------------------------------------------------------


@dataclass(frozen=True)
class Figures:
    """Statistics of one group of schools, in the side's unit (points, or percent).

    `self` over the schools counted for the self-assessment; `review` over the finalised ones and
    `self_of_reviewed` over the same finalised schools' self-assessments, so that `difference`
    compares like with like."""

    self: Statistics = Statistics(0)
    review: Statistics = Statistics(0)
    self_of_reviewed: Statistics = Statistics(0)

    @property
    def difference(self) -> Decimal | None:
        """review − self of the same schools, from the two shown means."""
        if self.review.mean is None or self.self_of_reviewed.mean is None:
            return None
        return self.review.mean - self.self_of_reviewed.mean


def figures_of(self_values: Iterable, pairs: Iterable[tuple]) -> Figures:
    """`self_values`: exact self figures of the counted schools; `pairs`: (self, review) exact
    figures of the finalised ones."""
    pairs = list(pairs)
    return Figures(
        self=statistics_of(self_values),
        review=statistics_of(r for _s, r in pairs),
        self_of_reviewed=statistics_of(s for s, _r in pairs),
    )


@dataclass
class DistrictRow:
    """One grouping region (or the 合计 row: `region_id` None)."""

    region_id: int | None
    name: str
    progress: dict[str, int] = field(default_factory=lambda: {k: 0 for k, _l in PROGRESS_BUCKETS})
    bands: list[int] = field(default_factory=lambda: [0] * len(BANDS))  # self, counted schools
    review_bands: list[int] = field(default_factory=lambda: [0] * len(BANDS))  # reviewed, finalised
    figures: Figures = field(default_factory=Figures)

    @property
    def school_count(self) -> int:
        return sum(self.progress.values())

    @property
    def started(self) -> int:
        return self.school_count - self.progress[Progress.NOT_STARTED]

    @property
    def counted(self) -> int:
        return self.figures.self.count

    @property
    def reviewed(self) -> int:
        return self.figures.review.count


@dataclass
class DimensionRow:
    """One first-level dimension over the schools: means as percentages (points: of the
    dimension's points), self over counted schools, review over finalised ones."""

    node: object
    self_percent: Decimal | None
    review_percent: Decimal | None


@dataclass
class Dashboard:
    campaign: Campaign
    is_points: bool
    declared_total: Decimal | None
    words: RegionWords
    districts: list[DistrictRow]
    total: DistrictRow  # 合计 over every district in scope
    dimensions: list[DimensionRow]
    weakest: list  # [(node, mean %, answered count)] over counted schools
    # per school (for ranks and for the tests), exact figures in the side's unit
    self_values: dict[int, Fraction] = field(default_factory=dict)  # counted schools
    review_values: dict[int, Fraction] = field(default_factory=dict)  # finalised schools
    self_dims: dict[tuple[int, int], Fraction] = field(default_factory=dict)  # (assessment, root id)
    review_dims: dict[tuple[int, int], Fraction] = field(default_factory=dict)

    @property
    def school_count(self) -> int:
        return self.total.school_count

    @property
    def started_count(self) -> int:
        return self.total.started

    @property
    def counted_count(self) -> int:
        return self.total.counted

    @property
    def reviewed_count(self) -> int:
        return self.total.reviewed

    @property
    def unit(self) -> str:
        return _("分") if self.is_points else "%"


# --- SQL -------------------------------------------------------------------------------------------


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
    try:
        sql, params = inner.query.sql_with_params()
    except EmptyResultSet:  # no assessment counts on this side yet
        return []
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
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # One sort serves both groupings (the outer keys are a prefix of the inner ones). With a
            # low random_page_cost the planner prefers two hash aggregations instead, which spill
            # to disk and take ~15 % longer: sorting is asked for here, for this statement only
            # (the setting ends with the savepoint or transaction `atomic` opened).
            cursor.execute("SET LOCAL enable_hashagg = off")
        cursor.execute(outer, params)
        rows = cursor.fetchall()
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL enable_hashagg = on")  # an enclosing transaction goes on
        return rows


def _compliance_dimension_rows(responses: QuerySet, value_field: str) -> list[tuple]:
    """(assessment id, district id, dimension id, weight sum, required count, answered) from the database."""
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


def _exact(value) -> Fraction:
    """A sum from the database, exact: scores are multiples of 0.5 and weights 0, 0.5 or 1, which
    floats and decimals hold exactly."""
    return Fraction(value) if value is not None else Fraction(0)


def school_figures(rows, *, is_points: bool, roots: dict) -> tuple[dict, dict, dict]:
    """From the (school, dimension) rows: per school its exact figure (points: total; compliance:
    index as a percentage), per (school, dimension) the same, and each school's district."""
    dims: dict[tuple[int, int], Fraction] = {}
    district_of: dict[int, int] = {}
    sums: dict[int, list[Fraction]] = defaultdict(lambda: [Fraction(0), Fraction(0)])
    for row in rows:
        assessment_id, district, dim_id = row[0], row[1], row[2]
        district_of[assessment_id] = district
        root = roots.get(dim_id)
        if root is None:
            continue
        if is_points:
            raw = _exact(row[3])
            value = min(raw, Fraction(root.points)) if root.points is not None else raw
            sums[assessment_id][0] += value
            dims[(assessment_id, dim_id)] = value
        else:
            weights, required = _exact(row[3]), row[4]
            sums[assessment_id][0] += weights
            sums[assessment_id][1] += required
            if required:
                dims[(assessment_id, dim_id)] = weights * 100 / required
    totals = {}
    for pk, (total, required) in sums.items():
        if is_points:
            totals[pk] = total
        elif required:
            totals[pk] = total * 100 / required
    return totals, dims, district_of


def _percent(value: Fraction, *, is_points: bool, maximum) -> Decimal | None:
    """A school's shown percentage from its exact figure."""
    return percent_of(value, maximum) if is_points else round_once(value)


def campaign_dashboard(*, campaign: Campaign, assessments: QuerySet[Assessment]) -> Dashboard:
    """Aggregates of `campaign` over `assessments` (already scoped by the caller's selector)."""
    framework = campaign.framework
    nodes = framework_nodes(framework=framework)
    tree = scoring_tree(framework=framework, nodes=nodes)
    is_points = tree.is_points
    roots = {n.pk: n for n in nodes if n.parent_id is None}
    # The scoped assessments are read once and their ids passed as lists: the scope's own filter
    # nested inside every aggregate (IN (SELECT … IN (SELECT …))) lets the planner pick nested loops
    # over the whole response table when its statistics are stale, e.g. right after a bulk fill.
    states = list(assessments.filter(campaign=campaign).order_by().values_list("pk", "status"))
    self_counted, review_counted = AssessmentStatus.self_counted(), AssessmentStatus.review_counted()
    scoped = Assessment.objects.filter(pk__in=[pk for pk, _status in states])
    counted = ItemResponse.objects.filter(
        assessment_id__in=[pk for pk, status in states if status in self_counted]
    )
    reviewed = ItemResponse.objects.filter(
        assessment_id__in=[pk for pk, status in states if status in review_counted]
    )

    progress = (
        scoped.with_progress()
        .order_by()
        .values_list(
            "school__region_id",
            "school__region__name",
            "school__region__path",
            "school__region__level",
            "progress",
        )
        .annotate(n=Count("id"))
    )
    districts: dict[int, DistrictRow] = {}
    order: dict[int, str] = {}
    levels: set[str] = set()
    for region_id, name, path, level, bucket, n in progress:
        row = districts.setdefault(region_id, DistrictRow(region_id, name))
        order[region_id], levels = path, levels | {level}
        row.progress[bucket] += n

    fetch = _points_dimension_rows if is_points else _compliance_dimension_rows
    self_values, self_dims, district_of = school_figures(
        fetch(counted, ItemResponse.value_field(is_points=is_points)), is_points=is_points, roots=roots
    )
    review_values, review_dims, _d = school_figures(
        fetch(reviewed, ItemResponse.value_field(is_points=is_points, review=True)),
        is_points=is_points,
        roots=roots,
    )
    declared = tree.declared_total if is_points else None

    total = DistrictRow(None, _("合计"))
    for row in districts.values():
        for bucket, n in row.progress.items():
            total.progress[bucket] += n
    by_district: dict[int | None, list[int]] = defaultdict(list)
    for pk in self_values:
        by_district[district_of[pk]].append(pk)
    for district, pks in [*by_district.items(), (None, list(self_values))]:
        row = total if district is None else districts.get(district)
        if row is None:
            continue
        for pk in pks:
            row.bands[band_of(_percent(self_values[pk], is_points=is_points, maximum=declared))] += 1
            if pk in review_values:
                percent = _percent(review_values[pk], is_points=is_points, maximum=declared)
                row.review_bands[band_of(percent)] += 1
        row.figures = figures_of(
            (self_values[pk] for pk in pks),
            ((self_values[pk], review_values[pk]) for pk in pks if pk in review_values),
        )

    dimensions = []
    for root in roots.values():

        def mean_percent(values, root=root) -> Decimal | None:
            """The mean over schools as a percentage, from the exact figures, rounded once."""
            exact = [v for (_pk, dim), v in values.items() if dim == root.pk]
            if not exact:
                return None
            mean = sum(exact, Fraction(0)) / len(exact)
            return percent_of(mean, root.points) if is_points else round_once(mean)

        dimensions.append(DimensionRow(root, mean_percent(self_dims), mean_percent(review_dims)))

    return Dashboard(
        campaign=campaign,
        is_points=is_points,
        declared_total=declared,
        words=region_words(levels),
        districts=sorted(districts.values(), key=lambda d: order[d.region_id]),
        total=total,
        dimensions=dimensions,
        weakest=_weakest_items(counted, tree=tree, nodes=nodes, is_points=is_points),
        self_values=self_values,
        review_values=review_values,
        self_dims=self_dims,
        review_dims=review_dims,
    )


def _weakest_items(responses: QuerySet, *, tree, nodes, is_points: bool, limit: int = 10) -> list:
    """Items with the lowest mean result over the counted schools: mean score / nominal points, or
    mean compliance value over required items. One GROUP BY node query."""
    items = {n.pk: n for n in answerable_nodes(tree=tree, nodes=nodes)}
    if is_points:
        rows = (
            responses.order_by()
            .values_list("node_id")
            .annotate(total=Sum("self_score"), n=Count("self_score"))
            .values_list("node_id", "total", "n")
        )
    else:
        value = compliance_weight("self_status", default=None)
        rows = (
            responses.filter(node__optional=False)
            .order_by()
            .values_list("node_id")
            .annotate(total=Sum(value), n=Count("self_status"))
            .values_list("node_id", "total", "n")
        )
    ranked = []
    for node_id, total, n in rows:
        node = items.get(node_id)
        if node is None or not n or total is None:
            continue
        if is_points:
            nominal = node.points or tree.score_max.get(node.code)
            if not nominal:
                continue
            pct = min(Decimal(100), percent_of(_exact(total) / n, nominal))
        else:
            pct = round_once(_exact(total) * 100 / n)
        ranked.append((node, pct, n))
    ranked.sort(key=lambda t: (t[1], t[0].position))
    return ranked[:limit]
