"""The city-wide workbook, streamed from the database through the reports' one writer (`reports.xlsx`).

Every figure comes from the one results function (`assessments.selectors.campaign_results`, the same
`Results` the pages, the dashboard, the PDF and the API show): responses are read once, as tuples in
chunks, and each school's results are computed as soon as its rows are complete; the detail sheet is
written row by row as they stream. What is kept per school is its `Results` without the per-item
rows (totals, dimensions, compliance counts), so memory does not grow with the framework's size.

The rules of the statistics (see `assessments.selectors.results`): self-assessment figures, ranks
and statistics count schools that submitted (or later); review figures count finalised reviews, and
a review that is not finalised shows nothing; drafts and schools that have not started appear in
学校汇总 (without figures or rank) and in 填报进度, where every school is in exactly one column.
Every figure is exact and rounded once to one decimal; percentages are written as numbers of percent
(82.3, not 0.823) in columns that say（%）; a difference is taken from the rounded figures.

One sheet = two functions: `<sheet>_columns(city)` (headers, widths, number formats) and
`write_<sheet>(sheet, city, results)` (its rows). `city_workbook_write` adds the sheets in the
order they appear in the file, streams the detail sheet (which yields the per-school results), and
then lets every other writer fill its sheet (年度对比 only when the campaign has a predecessor, 整改台账
only when it has rectification items). To add a sheet, write those two functions and add it
in `city_workbook_write` where it should appear.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import BinaryIO, NamedTuple

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assessments.models import (
    Assessment,
    AssessmentStatus,
    Campaign,
    Progress,
    Region,
    ReviewVerdict,
    SchoolType,
)
from assessments.selectors import (
    OutcomeFigures,
    Results,
    ResultsFrame,
    campaign_comparison,
    campaign_outcomes,
    campaign_results,
    outcome_groups,
    results_frame,
)
from indicators.choices import ComplianceStatus
from indicators.scoring import Statistics, competition_ranks, round_once, statistics_of
from rectification.models import RectificationItem, RectificationState
from rectification.selectors import rectification_ledger

from .facts import CHECKS, FACTS, checks_columns, facts_columns, write_checks, write_facts
from .smart_classrooms import SMART_CLASSROOMS, smart_classrooms_columns, write_smart_classrooms
from .stats import PROGRESS_BUCKETS, RegionWords, figures_of, region_words
from .xlsx import Book, Column, Sheet

CHUNK_SIZE = 2000
SCORE_FORMAT = "0.0"  # scores, and percentages written as numbers of percent
COUNT_FORMAT = "0"
SHARE_FORMAT = "0.0%"  # a share (0.808) shown as a percentage
STATUS_LABEL = dict(AssessmentStatus.choices)  # lazy labels: str() them where written
TYPE_LABEL = dict(SchoolType.choices)

SUMMARY = gettext_lazy("学校汇总")
DETAIL = gettext_lazy("逐项明细")
PROGRESS = gettext_lazy("填报进度")
COMPLIANCE = gettext_lazy("必选项达标情况")
YEARS = gettext_lazy("年度对比")
RECTIFICATION = gettext_lazy("整改台账")
BASIS_LABEL = {"review": gettext_lazy("评审"), "self": gettext_lazy("自评"), None: gettext_lazy("无")}


class _Meta(NamedTuple):
    code: str
    name: str
    school_type: str
    district: str
    district_id: int


class School(NamedTuple):
    """What the sheets after 逐项明细 keep of one school's `Results` (a plain tuple of the few figures
    and cells they write, equal numbers shared between schools), so that memory stays flat in the
    number of schools. Made by `_school` from the `Results` streamed into the detail sheet."""

    progress: str  # a `Progress` value
    counted: bool  # `Results.self_counted`
    self_value: Decimal | None  # the figures ranked
    review_value: Decimal | None  # None until the review is finalised
    self_exact: tuple  # the exact figures statistics are taken over: the total, then each dimension
    review_exact: tuple | None
    summary: tuple  # 学校汇总's cells from 状态 on, without the rank columns
    compliance: tuple | None  # 必选项达标情况's cells from 依据 on (compliance frameworks)
    outcome: OutcomeFigures


class _Shared:
    """Equal numbers of many schools kept as one object (a city's schools share a few hundred
    distinct figures), and each exact figure's rounded value computed once."""

    def __init__(self):
        self._fractions: dict = {}
        self._decimals: dict = {}
        self._rounded: dict = {}
        self._ranks: dict = {}

    def exact(self, value: Fraction | None) -> Fraction | None:
        return None if value is None else self._fractions.setdefault(value, value)

    def number(self, value):
        if isinstance(value, Decimal):
            return self._decimals.setdefault(value, value)
        return value

    def rounded(self, exact: Fraction | None) -> Decimal | None:
        """`round_once(exact)`: the figure shown, ranked and averaged."""
        if exact is None:
            return None
        found = self._rounded.get(exact)
        if found is None:
            found = self._rounded[exact] = self.number(round_once(exact))
        return found

    def cells(self, values: Iterable) -> tuple:
        return tuple(self.number(v) for v in values)

    def ordered(self, values: Iterable[Fraction | None]) -> list[Fraction]:
        """The exact figures among `values` (kept by `exact`), smallest first, sorted by their
        place among the distinct ones: the statistics then sort them in one pass."""
        rank = self._rank()
        return sorted((v for v in values if v is not None), key=rank.__getitem__)

    def ordered_pairs(self, pairs: Iterable[tuple]) -> list[tuple]:
        """(self, review) pairs by their review figure, smallest first."""
        rank = self._rank()
        return sorted(pairs, key=lambda pair: rank.get(pair[1], -1))

    def _rank(self) -> dict:
        if len(self._ranks) != len(self._fractions):
            self._ranks = {v: i for i, v in enumerate(sorted(self._fractions))}
        return self._ranks


@dataclass
class CityData:
    """What every sheet writer reads: the campaign, the region, the framework (`frame`), the words
    for its grouping regions and the schools (in district, code order). Small: no responses."""

    campaign: Campaign
    region: Region
    frame: ResultsFrame
    words: RegionWords
    meta: dict[int, _Meta]
    chunk_size: int
    shared: _Shared = field(default_factory=_Shared)

    @property
    def is_points(self) -> bool:
        return self.frame.is_points

    @property
    def roots(self):
        return self.frame.tree.roots

    @property
    def total(self) -> int:
        return len(self.meta)

    @property
    def unit_suffix(self) -> str:
        """What the figures are measured in, for headers."""
        return _("（分）") if self.is_points else _("（%）")


def city_workbook_filename(campaign: Campaign, region: Region) -> str:
    return (
        _("%(campaign)s_%(region)s_统计.xlsx") % {"campaign": campaign.title, "region": region.name}
    ).replace("/", "_")


def city_data(*, campaign: Campaign, region: Region, chunk_size: int = CHUNK_SIZE) -> CityData:
    meta: dict[int, _Meta] = {}
    names: dict[str, str] = {}
    levels: set[str] = set()
    assessments = (
        Assessment.objects.filter(campaign_id=campaign.pk, school__region__path__startswith=region.path)
        .order_by("school__region__path", "school__code", "pk")  # reports.facts.SCHOOL_ORDER
        .values_list(
            "pk",
            "school__code",
            "school__name",
            "school__school_type",
            "school__region__name",
            "school__region_id",
            "school__region__level",
        )
    )
    for pk, code, name, school_type, district, district_id, level in assessments.iterator(
        chunk_size=chunk_size
    ):
        district = names.setdefault(district, district)  # one string per district, not per school
        meta[pk] = _Meta(code, name, school_type, district, district_id)
        levels.add(level)
    return CityData(
        campaign=campaign,
        region=region,
        frame=results_frame(framework=campaign.framework),
        words=region_words(levels),
        meta=meta,
        chunk_size=chunk_size,
    )


def city_workbook_write(
    *,
    campaign: Campaign,
    region: Region,
    out: BinaryIO,
    on_progress: Callable[[int, int], None] | None = None,
    chunk_size: int = CHUNK_SIZE,
) -> int:
    """Write the workbook of `campaign` for the schools under `region` to `out`. Returns the number
    of schools. `on_progress(done, total)` is called as schools are processed."""
    city = city_data(campaign=campaign, region=region, chunk_size=chunk_size)
    book = Book(
        title=_("%(campaign)s（%(region)s）") % {"campaign": campaign.title, "region": region.name},
        author=campaign.region.name,
        as_of=timezone.localtime(),
    )
    summary = book.sheet(SUMMARY, summary_columns(city), freeze_cols=3)
    detail = book.sheet(DETAIL, detail_columns(city), freeze_cols=6)
    stats = book.sheet(city.words.sheet, statistics_columns(city), freeze_cols=2)
    progress = book.sheet(PROGRESS, progress_columns(city), freeze_cols=1)
    compliance = None if city.is_points else book.sheet(COMPLIANCE, compliance_columns(city), freeze_cols=3)
    smart_classrooms = book.sheet(SMART_CLASSROOMS, smart_classrooms_columns(city), freeze_cols=3)
    facts = book.sheet(FACTS, facts_columns(city), freeze_cols=3)
    checks = book.sheet(CHECKS, checks_columns(city), freeze_cols=3)
    years = book.sheet(YEARS, years_columns(city), freeze_cols=3) if campaign.predecessor_id else None
    rectification = (
        book.sheet(RECTIFICATION, rectification_columns(city), freeze_cols=3)
        if RectificationItem.objects.filter(assessment__campaign_id=campaign.pk).exists()
        else None
    )

    results = write_detail(detail, city, on_progress=on_progress)
    write_summary(summary, city, results)
    write_statistics(stats, city, results)
    write_progress(progress, city, results)
    if compliance is not None:
        write_compliance(compliance, city, results)
    write_smart_classrooms(smart_classrooms, city, results)
    write_facts(facts, city, results)
    write_checks(checks, city, results)
    if years is not None:
        write_years(years, city)
    if rectification is not None:
        write_rectification(rectification, city)
    book.save(out)
    if on_progress:
        on_progress(city.total, city.total)
    return city.total


def _counted(city: CityData, results: dict[int, School]) -> list[int]:
    """The schools counted for the self-assessment, in the sheet's order."""
    return [pk for pk in city.meta if pk in results and results[pk].counted]


def _ranks(city: CityData, values: dict[int, object]) -> tuple[dict, dict]:
    """Competition ranks over the whole region and within each grouping region."""
    by_unit: dict[int, dict] = {}
    for pk, value in values.items():
        by_unit.setdefault(city.meta[pk].district_id, {})[pk] = value
    within: dict[int, int] = {}
    for unit_values in by_unit.values():
        within.update(competition_ranks(unit_values))
    return competition_ranks(values), within


# --- 学校汇总: one row per school, totals, ranks, per-dimension results ---------------------------


def summary_columns(city: CityData) -> list[Column]:
    is_points, unit = city.is_points, city.words.unit
    suffix = city.unit_suffix
    side = (
        [Column(_("自评总分"), 10, SCORE_FORMAT), Column(_("自评得分率（%）"), 10, SCORE_FORMAT)]
        if is_points
        else [
            Column(_("自评达标指数（%）"), 11, SCORE_FORMAT),
            Column(_("全部必选项达标"), 9),
            Column(_("选配达标"), 8, COUNT_FORMAT),
            Column(_("选配项"), 8, COUNT_FORMAT),
        ]
    )
    review = (
        [Column(_("评审总分"), 10, SCORE_FORMAT), Column(_("评审得分率（%）"), 10, SCORE_FORMAT)]
        if is_points
        else [Column(_("评审达标指数（%）"), 11, SCORE_FORMAT)]
    )
    return [
        Column(unit, 12),
        Column(_("学校标识码"), 13),
        Column(_("学校"), 28),
        Column(_("学校类型"), 10),
        Column(_("状态"), 9),
        Column(_("已填写条目"), 9, COUNT_FORMAT),
        *side,
        Column(_("总排名"), 8, COUNT_FORMAT),
        Column(city.words.rank, 9, COUNT_FORMAT),
        *review,
        Column(_("评审−自评%(unit)s") % {"unit": suffix}, 10, SCORE_FORMAT),
        Column(_("总排名（评审）"), 9, COUNT_FORMAT),
        Column(_("%(rank)s（评审）") % {"rank": city.words.rank}, 10, COUNT_FORMAT),
        Column(_("总体评审意见"), 40),
        *[
            Column(_("自评 %(code)s %(name)s%(unit)s") % _dim(r, suffix), 14, SCORE_FORMAT)
            for r in city.roots
        ],
        *[
            Column(_("评审 %(code)s %(name)s%(unit)s") % _dim(r, suffix), 14, SCORE_FORMAT)
            for r in city.roots
        ],
    ]


def _dim(root, unit: str) -> dict:
    return {"code": root.code, "name": root.name, "unit": unit}


def _side_cells(city: CityData, side, words: dict) -> tuple:
    if side is None:
        return (None,) * (2 if city.is_points else 4)
    if city.is_points:
        return (side.total, side.percent)
    c = side.compliance
    return (side.percent, words[c.meets_standard], c.optional_met, c.optional)


def write_summary(sheet: Sheet, city: CityData, results: dict[int, School]) -> None:
    counted = _counted(city, results)
    self_values = {pk: results[pk].self_value for pk in counted}
    review_values = {pk: results[pk].review_value for pk in counted if results[pk].review_exact is not None}
    rank, unit_rank = _ranks(city, self_values)
    review_rank, review_unit_rank = _ranks(city, review_values)
    types = _labels(TYPE_LABEL)
    # where the rank columns go among a school's kept cells (状态, 已填写条目, the self cells | …)
    own_at = 2 + (2 if city.is_points else 4)
    review_at = own_at + (2 if city.is_points else 1) + 1
    blank = (None,) * (review_at + 1 + 2 * len(city.roots))
    for pk, m in city.meta.items():
        r = results.get(pk)
        cells = r.summary if r is not None else ("", 0, *blank[2:])
        sheet.append(
            [
                m.district,
                m.code,
                m.name,
                types.get(m.school_type, m.school_type),
                *cells[:own_at],
                rank.get(pk),
                unit_rank.get(pk),
                *cells[own_at:review_at],
                review_rank.get(pk),
                review_unit_rank.get(pk),
                *cells[review_at:],
            ]
        )
    _summary_totals(sheet, city, [results[pk] for pk in counted])


def _summary_totals(sheet: Sheet, city: CityData, counted: list[School]) -> None:
    """Two rows of means: over the counted schools (self), and over the finalised ones (their self
    beside their review, so the difference is of the same schools)."""
    width = len(summary_columns(city))
    reviewed = [r for r in counted if r.review_exact is not None]
    for label, group, with_review in (
        (_("平均（已提交 %(n)s 所）") % {"n": len(counted)}, counted, False),
        (_("平均（已定稿 %(n)s 所）") % {"n": len(reviewed)}, reviewed, True),
    ):
        row: list = [None] * width
        row[0], row[2] = _("合计"), label
        own = [r.self_exact for r in group]
        self_cells = _mean_cells(city, own)
        row[6 : 6 + len(self_cells)] = self_cells
        dims_at = width - 2 * len(city.roots)
        row[dims_at : dims_at + len(city.roots)] = _dimension_means(city, own)
        if with_review:
            theirs = [r.review_exact for r in group]
            at = 6 + len(self_cells) + 2
            review_cells = _mean_cells(city, theirs)[: 2 if city.is_points else 1]
            row[at : at + len(review_cells)] = review_cells
            figures = figures_of(
                city.shared.ordered(e[0] for e in own),
                city.shared.ordered_pairs((s[0], t[0]) for s, t in zip(own, theirs, strict=True)),
            )
            row[at + len(review_cells)] = figures.difference
            row[dims_at + len(city.roots) :] = _dimension_means(city, theirs)
        sheet.total(row)


def _mean_cells(city: CityData, exacts: list[tuple]) -> list:
    """Means of the side cells: total and percentage, or index; the counts' columns stay empty."""
    if city.is_points:
        declared = Fraction(city.frame.tree.declared_total)
        ordered = city.shared.ordered(e[0] for e in exacts)
        return [
            statistics_of(ordered).mean,
            statistics_of(v * 100 / declared for v in ordered).mean if declared else None,
        ]
    return [statistics_of(city.shared.ordered(e[0] for e in exacts)).mean, None, None, None]


def _dimension_means(city: CityData, exacts: list[tuple]) -> list:
    return [statistics_of(city.shared.ordered(e[1 + i] for e in exacts)).mean for i in range(len(city.roots))]


# --- 逐项明细: one row per school × item, streamed; yields each school's results ------------------


def detail_columns(city: CityData) -> list[Column]:
    is_points = city.is_points
    return [
        Column(city.words.unit, 12),
        Column(_("学校标识码"), 13),
        Column(_("学校"), 26),
        Column(_("状态"), 9),
        Column(_("一级指标"), 18),
        Column(_("编号"), 8),
        Column(_("选配"), 6),
        Column(_("指标"), 40),
        Column(_("分值"), 7, SCORE_FORMAT),
        Column(_("自评"), 9, SCORE_FORMAT if is_points else None),
        Column(_("评审"), 9, SCORE_FORMAT if is_points else None),
        Column(_("评审结论"), 11),
        Column(_("评审意见"), 40),
    ]


def _labels(choices: dict) -> dict[str, str]:
    """Value → its label in the active language, looked up once per sheet, not per cell."""
    return {value: str(label) for value, label in choices.items()}


def _status_labels() -> dict[str, str]:
    return _labels(dict(ComplianceStatus.choices))


def _school(city: CityData, r: Results, shared: _Shared, words: dict, statuses: dict) -> School:
    """The few figures and cells the other sheets write of `r` (see `School`)."""
    own, review = r.self, r.review
    self_exact = (shared.exact(own.exact), *(shared.exact(d.exact) for d in own.dimensions))
    review_exact = (
        None
        if review is None
        else (shared.exact(review.exact), *(shared.exact(d.exact) for d in review.dimensions))
    )
    self_value = shared.rounded(self_exact[0])
    review_value = None if review_exact is None else shared.rounded(review_exact[0])
    status = statuses.get(r.status, r.status)
    roots = len(city.roots)
    if r.self_counted:  # a draft's figures are not shown
        shown = review_exact is not None
        difference = (
            review_value - self_value
            if shown and review_value is not None and self_value is not None
            else None
        )
        summary = (
            status,
            own.answered,
            *shared.cells(_side_cells(city, own, words)),
            *(
                shared.cells(_side_cells(city, review, words)[: 2 if city.is_points else 1])
                if shown
                else ((None,) * (2 if city.is_points else 1))
            ),
            shared.number(difference),
            (r.conclusion or None) if shown else None,
            *(shared.rounded(e) for e in self_exact[1:]),
            *((shared.rounded(e) for e in review_exact[1:]) if shown else (None,) * roots),
        )
    else:
        summary = (
            status,
            own.answered,
            *(None,) * (2 if city.is_points else 4),
            *(None,) * (2 if city.is_points else 1),
            None,
            None,
            *(None,) * (2 * roots),
        )
    compliance = None
    if not city.is_points and r.self_counted:
        side = review if review is not None else own
        c, mine = side.compliance, own.compliance
        compliance = (
            review is not None,
            c.required,
            c.met,
            c.partial,
            c.not_met,
            c.missing,
            shared.number(side.percent),
            c.meets_standard,
            shared.number(own.percent),
            mine.meets_standard,
            c.optional,
            c.optional_met,
            c.optional_na,
            *(d.compliance.not_met for d in side.dimensions),
        )
    outcome = OutcomeFigures(
        r.assessment_id,
        r.status,
        shared.number(own.percent),
        None if review is None else shared.number(review.percent),
        r.official,
    )
    return School(
        r.progress,
        r.self_counted,
        self_value,
        review_value,
        self_exact,
        review_exact,
        summary,
        compliance,
        outcome,
    )


def write_detail(
    sheet: Sheet, city: CityData, *, on_progress: Callable[[int, int], None] | None = None
) -> dict[int, School]:
    """Stream every school's results into the sheet (one row per item; the review's columns are
    filled once the review is finalised) and return what the other sheets need of them
    (assessment id → `School`)."""
    is_points, meta = city.is_points, city.meta
    names = {r.code: r.name for r in city.roots}
    results: dict[int, School] = {}
    labels = _status_labels()
    verdicts = _labels(dict(ReviewVerdict.choices))
    statuses = _labels(STATUS_LABEL)
    words = {True: _("是"), False: _("否")}
    optional = _("选配")
    # the cells of each item that are the same for every school, in the order results list items
    fixed = [
        (
            names[i.dimension],
            i.code,
            optional if i.optional else None,
            i.title[:200],
            i.max_points if is_points else None,
        )
        for i in city.frame.items
    ]
    shared = city.shared
    total = city.total
    step = max(1, total // 50)
    done = 0
    for result in campaign_results(
        campaign=city.campaign, region=city.region, frame=city.frame, chunk_size=city.chunk_size
    ):
        m = meta.get(result.assessment_id)
        if m is None:  # a school moved into the region between the two reads
            continue
        status = statuses.get(result.status, result.status)
        for (dimension, code, option, title, points), item in zip(fixed, result.items, strict=True):
            sheet.append(
                [
                    m.district,
                    m.code,
                    m.name,
                    status,
                    dimension,
                    code,
                    option,
                    title,
                    points,
                    item.self_value if is_points else labels.get(item.self_value),
                    item.review_value if is_points else labels.get(item.review_value),
                    verdicts[item.verdict] if item.verdict else None,
                    item.comment or None,
                ]
            )
        results[result.assessment_id] = _school(city, result, shared, words, statuses)
        done += 1
        if on_progress and done % step == 0:
            on_progress(done, total)
    return results


# --- 区县统计 / 各市统计: per grouping region and for the whole region, total and every dimension --


def statistics_columns(city: CityData) -> list[Column]:
    return [
        Column(city.words.unit, 12),
        Column(_("指标"), 28),
        Column(_("学校数"), 7, COUNT_FORMAT),
        Column(_("已提交"), 7, COUNT_FORMAT),
        Column(_("自评平均"), 9, SCORE_FORMAT),
        Column(_("中位数"), 9, SCORE_FORMAT),
        Column(_("最低"), 9, SCORE_FORMAT),
        Column(_("最高"), 9, SCORE_FORMAT),
        Column(_("已定稿"), 7, COUNT_FORMAT),
        Column(_("其自评平均"), 9, SCORE_FORMAT),
        Column(_("评审平均"), 9, SCORE_FORMAT),
        Column(_("评审−自评"), 9, SCORE_FORMAT),
        Column(_("认定达标"), 8, COUNT_FORMAT),
        Column(_("达标率"), 8, SHARE_FORMAT),
        Column(_("达标目标"), 8, SHARE_FORMAT),
    ]


def _outcome_cells(group) -> list:
    """认定达标 / 达标率 / 达标目标 of a unit (the official results, `outcome_groups`)."""
    if group is None:
        return [None, None, None]
    return [group.passed, group.share, group.target]


def _indicators(city: CityData) -> list[tuple[str, int]]:
    """(label, index of the exact figure in `School.self_exact`) of the total and every dimension."""
    if city.is_points:
        full = f"{city.frame.tree.declared_total.normalize():f}"
        first = (_("总分（满分 %(full)s）") % {"full": full}, 0)
    else:
        first = (_("达标指数（%）"), 0)
    dims = []
    for i, root in enumerate(city.roots):
        suffix = (
            _("（满分 %(full)s）") % {"full": f"{root.points.normalize():f}"}
            if city.is_points and root.points
            else city.unit_suffix
        )
        dims.append((f"{root.code} {root.name}{suffix}", 1 + i))
    return [first, *dims]


def _statistics_rows(
    city: CityData, unit: str, schools: int, group: Iterable[School], indicators
) -> list[list]:
    group = [r for r in group if r.counted]
    reviewed = [r for r in group if r.review_exact is not None]
    shared = city.shared
    rows = []
    for label, i in indicators:
        figures = figures_of(
            shared.ordered(r.self_exact[i] for r in group),
            shared.ordered_pairs((r.self_exact[i], r.review_exact[i]) for r in reviewed),
        )
        s: Statistics = figures.self
        rows.append(
            [
                unit,
                label,
                schools,
                s.count,
                s.mean,
                s.median,
                s.minimum,
                s.maximum,
                figures.review.count,
                figures.self_of_reviewed.mean,
                figures.review.mean,
                figures.difference,
            ]
        )
    return rows


def write_statistics(sheet: Sheet, city: CityData, results: dict[int, School]) -> None:
    """Per unit the self and review figures of the total and every dimension; on the unit's first
    row the official results: schools that passed, their share of the finalised ones, the target."""
    indicators = _indicators(city)
    units: dict[int, tuple[str, list[int]]] = {}
    for pk, m in city.meta.items():
        units.setdefault(m.district_id, (m.district, []))[1].append(pk)
    # the official results of the schools already computed for the detail sheet, not computed again
    outcomes = campaign_outcomes(campaign=city.campaign, results=(r.outcome for r in results.values()))
    table = outcome_groups(outcomes=outcomes, assessment_ids=city.meta)
    codes = dict(Region.objects.filter(pk__in=list(units)).values_list("pk", "code"))
    for district_id, (name, pks) in units.items():
        group = table.by_code.get(codes.get(district_id))
        rows = _statistics_rows(
            city, name, len(pks), (results[pk] for pk in pks if pk in results), indicators
        )
        for i, row in enumerate(rows):
            sheet.append(row + (_outcome_cells(group) if i == 0 else [None, None, None]))
    rows = _statistics_rows(
        city, _("合计（%(region)s）") % {"region": city.region.name}, city.total, results.values(), indicators
    )
    for i, row in enumerate(rows):
        sheet.total(row + (_outcome_cells(table.total) if i == 0 else [None, None, None]))


# --- 填报进度: each school in exactly one column, per grouping region, with 合计 -------------------


def progress_columns(city: CityData) -> list[Column]:
    return [Column(city.words.unit, 12), Column(_("学校数"), 8, COUNT_FORMAT)] + [
        Column(str(label), 8, COUNT_FORMAT) for _k, label in PROGRESS_BUCKETS
    ]


def write_progress(sheet: Sheet, city: CityData, results: dict[int, School]) -> None:
    keys = [k for k, _l in PROGRESS_BUCKETS]
    rows: dict[int, tuple[str, dict[str, int]]] = {}
    totals = dict.fromkeys(keys, 0)
    for pk, m in city.meta.items():
        counts = rows.setdefault(m.district_id, (m.district, dict.fromkeys(keys, 0)))[1]
        result = results.get(pk)
        bucket = result.progress if result is not None else Progress.NOT_STARTED
        counts[bucket] += 1
        totals[bucket] += 1
    for name, counts in rows.values():
        sheet.append([name, sum(counts.values()), *counts.values()])
    sheet.total([_("合计"), sum(totals.values()), *totals.values()])


# --- 必选项达标情况 (compliance frameworks): the counted schools' required items, per dimension ----
# Each school's counts are those of its reviewed values once the review is finalised (the values the
# official result is decided from), of its self-assessment before; the self index sits beside.


def compliance_columns(city: CityData) -> list[Column]:
    return [
        Column(city.words.unit, 12),
        Column(_("学校标识码"), 13),
        Column(_("学校"), 28),
        Column(_("状态"), 9),
        Column(_("依据"), 7),
        Column(_("必选项"), 7, COUNT_FORMAT),
        Column(_("达标"), 7, COUNT_FORMAT),
        Column(_("部分达标"), 8, COUNT_FORMAT),
        Column(_("未达标"), 7, COUNT_FORMAT),
        Column(_("未填写"), 7, COUNT_FORMAT),
        Column(_("达标指数（%）"), 9, SCORE_FORMAT),
        Column(_("全部必选项达标"), 9),
        Column(_("自评达标指数（%）"), 11, SCORE_FORMAT),
        Column(_("自评全部必选项达标"), 11),
        Column(_("选配项"), 7, COUNT_FORMAT),
        Column(_("选配达标"), 8, COUNT_FORMAT),
        Column(_("选配不适用"), 8, COUNT_FORMAT),
        *[Column(_("未达标 %(code)s %(name)s") % _dim(r, ""), 14, COUNT_FORMAT) for r in city.roots],
    ]


def write_compliance(sheet: Sheet, city: CityData, results: dict[int, School]) -> None:
    pks = _counted(city, results)
    sums = [0] * (5 + 3 + len(city.roots))
    meets = self_meets = reviewed = 0
    words = {True: _("是"), False: _("否")}
    basis = {True: _("评审"), False: _("自评")}
    for pk in pks:
        m, r = city.meta[pk], results[pk]
        by_review, *counts_ = r.compliance
        counts, percent, met_all, own_percent, own_met_all = counts_[:5], *counts_[5:9]
        optional, per_dim = counts_[9:12], counts_[12:]
        sheet.append(
            [
                m.district,
                m.code,
                m.name,
                r.summary[0],
                basis[by_review],
                *counts,
                percent,
                words[met_all],
                own_percent,
                words[own_met_all],
                *optional,
                *per_dim,
            ]
        )
        sums = [a + b for a, b in zip(sums, counts + optional + per_dim, strict=True)]
        meets += met_all
        self_meets += own_met_all
        reviewed += by_review
    counted = [results[pk] for pk in pks]
    sides = [r.review_exact if r.review_exact is not None else r.self_exact for r in counted]
    sheet.total(
        [
            _("合计"),
            None,
            _("已提交 %(n)s 所，其中已定稿 %(reviewed)s 所（平均达标指数）")
            % {"n": len(counted), "reviewed": reviewed},
            None,
            None,
            *sums[:5],
            statistics_of(city.shared.ordered(e[0] for e in sides)).mean,
            _("%(n)s 所") % {"n": meets},
            statistics_of(city.shared.ordered(r.self_exact[0] for r in counted)).mean,
            _("%(n)s 所") % {"n": self_meets},
            *sums[5:],
        ]
    )


# --- 年度对比 (a campaign with a predecessor): this year, last year and the change per school ------


def years_columns(city: CityData) -> list[Column]:
    return [
        Column(city.words.unit, 12),
        Column(_("学校标识码"), 14),
        Column(_("学校名称"), 28),
        Column(_("上年（%）"), 10, SCORE_FORMAT),
        Column(_("上年依据"), 8),
        Column(_("本年（%）"), 10, SCORE_FORMAT),
        Column(_("本年依据"), 8),
        Column(_("变化（百分点）"), 12, SCORE_FORMAT),
    ]


def write_years(sheet: Sheet, city: CityData) -> None:
    """One row per school of either round, from `campaign_comparison` (the command and the
    dashboard read the same): each year's finalised review, else its submitted self result."""
    comparison = campaign_comparison(campaign=city.campaign, region=city.region)
    for row in comparison.schools:
        sheet.append(
            [
                row.district,
                row.school_code,
                row.school_name,
                row.previous.percent,
                str(BASIS_LABEL[row.previous.basis]),
                row.this.percent,
                str(BASIS_LABEL[row.this.basis]),
                row.change,
            ]
        )


# --- 整改台账 (a campaign with rectification items): one row per item --------------------------------


def rectification_columns(city: CityData) -> list[Column]:
    return [
        Column(city.words.unit, 12),
        Column(_("学校标识码"), 14),
        Column(_("学校名称"), 28),
        Column(_("指标编号"), 8),
        Column(_("指标名称"), 36),
        Column(_("来源"), 14),
        Column(_("状态"), 10),
        Column(_("整改期限"), 11),
        Column(_("逾期"), 6),
        Column(_("验收日期"), 11),
        Column(_("最近变更"), 16),
    ]


def write_rectification(sheet: Sheet, city: CityData) -> None:
    """One row per item of the schools under the region, from `rectification_ledger` (the ledger
    command and the dashboard read the same rows); dates as text (YYYY-MM-DD, Asia/Shanghai)."""
    titles = {i.code: i.title for i in city.frame.items}
    ledger = rectification_ledger(campaign=city.campaign, region=city.region)
    for row in ledger.rows:
        verified = row.closed_at if row.state == RectificationState.VERIFIED else None
        sheet.append(
            [
                row.district,
                row.school_code,
                row.school_name,
                row.node,
                row.node_title or titles.get(row.node, ""),
                row.source_label,
                row.state_label,
                f"{row.due_date:%Y-%m-%d}",
                _("是") if row.overdue else _("否"),
                f"{timezone.localdate(verified):%Y-%m-%d}" if verified else None,
                f"{timezone.localtime(row.updated_at):%Y-%m-%d %H:%M}" if row.updated_at else None,
            ]
        )
    summary = ledger.summary
    sheet.total(
        [
            _("合计"),
            None,
            _("共 %(total)s 项：未办结 %(open)s，逾期 %(overdue)s，已验收 %(verified)s，免于整改 %(waived)s")
            % summary,
        ]
        + [None] * 8
    )
