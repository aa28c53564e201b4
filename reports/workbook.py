"""The city-wide workbook, streamed from the database through the reports' one writer (`reports.xlsx`).

Responses are read once, as `values_list` tuples from `.iterator(chunk_size=…)`, grouped per school
and scored with the scoring engine; the detail sheet is written row by row as they stream. What is
kept per school is a fixed handful of numbers (totals, per-dimension results, compliance counts),
never its responses, so memory does not grow with the size of the framework or the evidence, and
the per-school part stays a few hundred bytes (the ranks and district medians need it).

One sheet = two functions: `<sheet>_columns(city)` (headers, widths, number formats) and
`write_<sheet>(sheet, city, results)` (its rows). `city_workbook_write` adds the sheets in the
order they appear in the file, streams the detail sheet (which yields the per-school results), and
then lets every other writer fill its sheet. To add a sheet, write those two functions and add it
in `city_workbook_write` where it should appear.
"""

from __future__ import annotations

import itertools
import statistics
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import BinaryIO

from django.utils import timezone

from assessments.models import (
    Assessment,
    AssessmentStatus,
    Campaign,
    ItemResponse,
    Region,
    ReviewVerdict,
    SchoolType,
)
from indicators.choices import ComplianceStatus
from indicators.scoring import ScoringTree, score
from indicators.selectors import answerable_nodes, framework_nodes, scoring_tree

from .smart_classrooms import SMART_CLASSROOMS, smart_classrooms_columns, write_smart_classrooms
from .xlsx import Book, Column, Sheet

CHUNK_SIZE = 2000
SCORE_FORMAT = "0.0"
PERCENT_FORMAT = "0.0%"
STATUS_LABEL = {k: str(v) for k, v in AssessmentStatus.choices}
TYPE_LABEL = {k: str(v) for k, v in SchoolType.choices}

SUMMARY = "学校汇总"
DETAIL = "逐项明细"
STATISTICS = "区县统计"
PROGRESS = "填报进度"
COMPLIANCE = "必选项达标情况"


@dataclass
class SchoolResult:
    """What the summary, ranks and statistics need of one school (no responses)."""

    assessment_id: int
    self_total: Decimal | None
    review_total: Decimal | None
    self_dims: list[Decimal | None]
    review_dims: list[Decimal | None]
    answered: int
    compliance: tuple | None = None  # (required, met, partial, not_met, missing, meets, optional_met)
    reviewed: int = 0
    not_met_by_dim: list[int] | None = None  # compliance: required items not met, per dimension


@dataclass
class _Meta:
    code: str
    name: str
    school_type: str
    district: str
    district_id: int
    status: str
    extra: dict = field(default_factory=dict)


@dataclass
class CityData:
    """What every sheet writer reads: the campaign, the region, the framework's tree and the schools
    (in district, code order). Small: no responses."""

    campaign: Campaign
    region: Region
    tree: ScoringTree
    is_points: bool
    by_id: dict
    roots: list
    items: list
    dim_of: dict
    meta: dict[int, _Meta]
    chunk_size: int

    @property
    def total(self) -> int:
        return len(self.meta)


def _competition_ranks(values: dict[int, Decimal | None]) -> dict[int, int]:
    """1, 2, 2, 4 … by descending value; schools without a value get no rank."""
    ordered = sorted(((v, k) for k, v in values.items() if v is not None), key=lambda t: -t[0])
    ranks, previous, rank = {}, None, 0
    for position, (value, key) in enumerate(ordered, start=1):
        if value != previous:
            rank, previous = position, value
        ranks[key] = rank
    return ranks


def city_workbook_filename(campaign: Campaign, region: Region) -> str:
    return f"{campaign.title}_{region.name}_统计.xlsx".replace("/", "_")


def city_data(*, campaign: Campaign, region: Region, chunk_size: int = CHUNK_SIZE) -> CityData:
    framework = campaign.framework
    nodes = framework_nodes(framework=framework)
    tree = scoring_tree(framework=framework, nodes=nodes)
    by_id = {n.pk: n for n in nodes}
    items = answerable_nodes(tree=tree, nodes=nodes)

    by_code = {n.code: n for n in nodes}

    def root_of(node):
        return by_code[tree.dimension_of[node.code]]

    meta: dict[int, _Meta] = {}
    assessments = (
        Assessment.objects.filter(campaign_id=campaign.pk, school__region__path__startswith=region.path)
        .order_by("school__region__path", "school__code")
        .values_list(
            "pk",
            "school__code",
            "school__name",
            "school__school_type",
            "school__region__name",
            "school__region_id",
            "status",
        )
    )
    for pk, code, name, school_type, district, district_id, status in assessments.iterator(
        chunk_size=chunk_size
    ):
        meta[pk] = _Meta(code, name, school_type, district, district_id, status)
    return CityData(
        campaign=campaign,
        region=region,
        tree=tree,
        is_points=tree.is_points,
        by_id=by_id,
        roots=[n for n in nodes if n.parent_id is None],
        items=items,
        dim_of={n.pk: root_of(n) for n in items},
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
        title=f"{campaign.title}（{region.name}）",
        author=campaign.region.name,
        as_of=timezone.localtime(),
    )
    summary = book.sheet(SUMMARY, summary_columns(city), freeze_cols=3)
    detail = book.sheet(DETAIL, detail_columns(city), freeze_cols=6)
    stats = book.sheet(STATISTICS, statistics_columns(city), freeze_cols=2)
    progress = book.sheet(PROGRESS, progress_columns(city), freeze_cols=1)
    compliance = None if city.is_points else book.sheet(COMPLIANCE, compliance_columns(city), freeze_cols=3)
    smart_classrooms = book.sheet(SMART_CLASSROOMS, smart_classrooms_columns(city), freeze_cols=3)

    results = write_detail(detail, city, on_progress=on_progress)
    write_summary(summary, city, results)
    write_statistics(stats, city, results)
    write_progress(progress, city, results)
    if compliance is not None:
        write_compliance(compliance, city, results)
    write_smart_classrooms(smart_classrooms, city, results)
    book.save(out)
    if on_progress:
        on_progress(city.total, city.total)
    return city.total


# --- 学校汇总: one row per school, totals, ranks, per-dimension results ---------------------------


def summary_columns(city: CityData) -> list[Column]:
    is_points = city.is_points
    value = SCORE_FORMAT if is_points else PERCENT_FORMAT
    dim = [(f"{r.code} {r.name}", 14, value) for r in city.roots]
    return [
        Column("区县", 12),
        Column("学校标识码", 13),
        Column("学校", 28),
        Column("学校类型", 10),
        Column("状态", 9),
        Column("已填写条目", 9),
        Column("自评总分" if is_points else "自评达标指数", 11, value),
        Column("自评得分率" if is_points else "全部必选项达标", 11, PERCENT_FORMAT if is_points else None),
        Column("评审总分" if is_points else "评审达标指数", 11, value),
        Column("市内排名", 9, "0"),
        Column("区内排名", 9, "0"),
        Column("市内排名（评审）", 10, "0"),
        Column("区内排名（评审）", 10, "0"),
        *[Column(f"自评 {h}", w, f) for h, w, f in dim],
        *[Column(f"评审 {h}", w, f) for h, w, f in dim],
    ]


def write_summary(sheet: Sheet, city: CityData, results: dict[int, SchoolResult]) -> None:
    tree, is_points, meta = city.tree, city.is_points, city.meta
    self_totals = {pk: r.self_total for pk, r in results.items()}
    review_totals = {pk: r.review_total for pk, r in results.items()}
    city_rank, city_rank_review = _competition_ranks(self_totals), _competition_ranks(review_totals)
    district_rank, district_rank_review = {}, {}
    for _district, pks in itertools.groupby(
        sorted(results, key=lambda pk: meta[pk].district_id), key=lambda pk: meta[pk].district_id
    ):
        pks = list(pks)
        district_rank.update(_competition_ranks({pk: self_totals[pk] for pk in pks}))
        district_rank_review.update(_competition_ranks({pk: review_totals[pk] for pk in pks}))
    empty = [None] * len(city.roots)
    for pk, m in meta.items():
        r = results.get(pk) or SchoolResult(pk, None, None, empty, empty, 0)
        sheet.append(
            [
                m.district,
                m.code,
                m.name,
                TYPE_LABEL.get(m.school_type, m.school_type),
                STATUS_LABEL.get(m.status, m.status),
                r.answered,
                r.self_total,
                Decimal(r.self_total) / tree.declared_total
                if is_points and r.self_total is not None and tree.declared_total
                else (("是" if r.compliance[5] else "否") if r.compliance else None),
                r.review_total,
                city_rank.get(pk),
                district_rank.get(pk),
                city_rank_review.get(pk),
                district_rank_review.get(pk),
                *r.self_dims,
                *r.review_dims,
            ]
        )


# --- 逐项明细: one row per school × item, streamed; scores each school on the way ----------------


def detail_columns(city: CityData) -> list[Column]:
    is_points = city.is_points
    return [
        Column("区县", 12),
        Column("学校标识码", 13),
        Column("学校", 26),
        Column("一级指标", 18),
        Column("编号", 8),
        Column("指标", 40),
        Column("分值", 7, SCORE_FORMAT),
        Column("自评", 9, SCORE_FORMAT if is_points else None),
        Column("评审", 9, SCORE_FORMAT if is_points else None),
        Column("评审结论", 11),
        Column("评审意见", 40),
    ]


def write_detail(
    sheet: Sheet, city: CityData, *, on_progress: Callable[[int, int], None] | None = None
) -> dict[int, SchoolResult]:
    """Stream every response of the region's schools into the sheet and return each school's
    result (assessment id → `SchoolResult`); schools with no responses have none."""
    tree, is_points, by_id, roots, dim_of, meta = (
        city.tree,
        city.is_points,
        city.by_id,
        city.roots,
        city.dim_of,
        city.meta,
    )
    item_ids = {n.pk for n in city.items}
    root_index = {r.pk: i for i, r in enumerate(roots)}
    rcols = ("review_verdict", "review_score", "review_status", "review_comment")
    responses = (
        ItemResponse.objects.filter(
            assessment__campaign_id=city.campaign.pk,
            assessment__school__region__path__startswith=city.region.path,
        )
        .order_by("assessment__school__region__path", "assessment__school__code", "node__position")
        .values_list("assessment_id", "node_id", "self_score", "self_status", *rcols)
    )
    results: dict[int, SchoolResult] = {}
    total = city.total
    step = max(1, total // 50)
    done = 0
    for assessment_id, rows in itertools.groupby(
        responses.iterator(chunk_size=city.chunk_size), key=lambda r: r[0]
    ):
        m = meta.get(assessment_id)
        if m is None:  # a school moved out of the region between the two reads
            continue
        self_answers, review_answers = {}, {}
        reviewed_any = False
        dim_not_met = [0] * len(roots)
        for row in rows:
            node_id, self_score, self_status = row[1], row[2], row[3]
            if node_id not in item_ids:
                continue
            verdict, review_score, review_status, comment = row[4:8] if rcols else (None, None, None, "")
            node = by_id[node_id]
            self_v = self_score if is_points else self_status
            review_v = review_score if is_points else review_status
            self_answers[node.code] = self_v
            review_answers[node.code] = review_v
            reviewed_any = reviewed_any or review_v not in (None, "")
            if not is_points and not node.optional and self_status == ComplianceStatus.NOT_MET:
                dim_not_met[root_index[dim_of[node_id].pk]] += 1
            sheet.append(
                [
                    m.district,
                    m.code,
                    m.name,
                    dim_of[node_id].name,
                    node.code,
                    node.title[:200],
                    tree.score_max.get(node.code) if is_points else None,
                    self_v if is_points else (str(ComplianceStatus(self_v).label) if self_v else None),
                    review_v if is_points else (str(ComplianceStatus(review_v).label) if review_v else None),
                    str(ReviewVerdict(verdict).label) if verdict else None,
                    comment or None,
                ]
            )
        result = _school_result(
            city, assessment_id, self_answers, review_answers if reviewed_any else None, dim_not_met
        )
        results[assessment_id] = result
        done += 1
        if on_progress and done % step == 0:
            on_progress(done, total)
    return results


def _school_result(
    city: CityData,
    assessment_id: int,
    self_answers: dict,
    review_answers: dict | None,
    dim_not_met: list[int],
) -> SchoolResult:
    """`review_answers` is None when the school has no review value at all (nothing to score)."""
    tree, roots = city.tree, city.roots
    self_result = score(tree, self_answers)
    review_result = score(tree, review_answers) if review_answers is not None else None
    reviewed = review_result.answered if review_result is not None else 0
    if city.is_points:
        self_total, review_total = self_result.total, review_result.total if reviewed else None
        self_dims = [self_result.nodes[r.code].score for r in roots]
        review_dims = [review_result.nodes[r.code].score if reviewed else None for r in roots]
    else:
        self_total = self_result.index
        review_total = review_result.index if reviewed else None
        self_dims = [self_result.nodes[r.code].index for r in roots]
        review_dims = [review_result.nodes[r.code].index if reviewed else None for r in roots]
    answered = self_result.answered
    result = SchoolResult(assessment_id, self_total, review_total, self_dims, review_dims, answered)
    result.reviewed = reviewed
    if not city.is_points:
        result.compliance = (
            self_result.required,
            self_result.required_met,
            self_result.partial,
            self_result.not_met,
            sum(self_result.nodes[r.code].missing for r in roots),
            self_result.meets_standard,
            self_result.optional_met,
        )
        result.not_met_by_dim = dim_not_met
    return result


# --- 区县统计: per district and for the whole region, total and every dimension -------------------


def statistics_columns(city: CityData) -> list[Column]:
    value = SCORE_FORMAT if city.is_points else PERCENT_FORMAT
    return [
        Column("区县", 12),
        Column("指标", 26),
        Column("学校数", 8, "0"),
        Column("平均", 10, value),
        Column("中位数", 10, value),
        Column("最低", 10, value),
        Column("最高", 10, value),
    ]


def write_statistics(sheet: Sheet, city: CityData, results: dict[int, SchoolResult]) -> None:
    labels = ["总分" if city.is_points else "总体达标指数"] + [f"{r.code} {r.name}" for r in city.roots]
    groups: dict[str, list[SchoolResult]] = {}
    for pk, m in city.meta.items():
        if pk in results:
            groups.setdefault(m.district, []).append(results[pk])
    groups_all = [*groups.items(), (f"{city.region.name}（全部）", list(results.values()))]
    for district, rows in groups_all:
        for index, label in enumerate(labels):
            values = [(r.self_total if index == 0 else r.self_dims[index - 1]) for r in rows]
            values = [v for v in values if v is not None]
            if not values:
                sheet.append([district, label, 0, None, None, None, None])
                continue
            sheet.append(
                [
                    district,
                    label,
                    len(values),
                    sum(values) / len(values),
                    statistics.median(values),
                    min(values),
                    max(values),
                ]
            )


# --- 填报进度: schools per district and status ----------------------------------------------------


def progress_columns(city: CityData) -> list[Column]:
    return [Column("区县", 12), Column("学校数", 8, "0"), Column("未开始", 8, "0")] + [
        Column(str(label), 9, "0") for _s, label in AssessmentStatus.choices
    ]


def write_progress(sheet: Sheet, city: CityData, results: dict[int, SchoolResult]) -> None:
    progress_rows: dict[str, list[int]] = {}
    for pk, m in city.meta.items():
        row = progress_rows.setdefault(m.district, [0] * (2 + len(AssessmentStatus.choices)))
        row[0] += 1
        answered = results[pk].answered if pk in results else 0
        if m.status == AssessmentStatus.DRAFT and not answered:
            row[1] += 1
        for i, (s, _l) in enumerate(AssessmentStatus.choices):
            if m.status == s:
                row[2 + i] += 1
    for district, row in progress_rows.items():
        sheet.append([district, *row])


# --- 必选项达标情况 (compliance frameworks): required items met, per school and dimension -----------


def compliance_columns(city: CityData) -> list[Column]:
    return [
        Column("区县", 12),
        Column("学校标识码", 13),
        Column("学校", 28),
        Column("必选项", 8, "0"),
        Column("达标", 8, "0"),
        Column("部分达标", 9, "0"),
        Column("未达标", 8, "0"),
        Column("未填写", 8, "0"),
        Column("全部达标", 9),
        Column("可选项达标", 10, "0"),
        *[Column(f"未达标 {r.code} {r.name}", 14, "0") for r in city.roots],
    ]


def write_compliance(sheet: Sheet, city: CityData, results: dict[int, SchoolResult]) -> None:
    for pk, m in city.meta.items():
        r = results.get(pk)
        if r is None or not r.compliance:
            continue
        req, met, partial, not_met, missing, meets, optional_met = r.compliance
        counts = [req, met, partial, not_met, missing, "是" if meets else "否", optional_met]
        sheet.append([m.district, m.code, m.name, *counts, *(r.not_met_by_dim or [0] * len(city.roots))])
