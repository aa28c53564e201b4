"""The city-wide workbook (openpyxl, write-only), streamed from the database.

Responses are read once, as `values_list` tuples from `.iterator(chunk_size=…)`, grouped per school
and scored with the scoring engine; the detail sheet is written row by row as they stream. What is
kept per school is a fixed handful of numbers (totals, per-dimension results, compliance counts),
never its responses, so memory does not grow with the size of the framework or the evidence, and
the per-school part stays a few hundred bytes (the ranks and district medians need it).
"""

from __future__ import annotations

import itertools
import statistics
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import BinaryIO

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

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
from indicators.scoring import score
from indicators.selectors import answerable_nodes, framework_nodes, scoring_tree

CHUNK_SIZE = 2000
HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="1F4E79")
SCORE_FORMAT = "0.0"
PERCENT_FORMAT = "0.0%"
STATUS_LABEL = {k: str(v) for k, v in AssessmentStatus.choices}
TYPE_LABEL = {k: str(v) for k, v in SchoolType.choices}


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


@dataclass
class _Meta:
    code: str
    name: str
    school_type: str
    district: str
    district_id: int
    status: str
    extra: dict = field(default_factory=dict)


class _Sheet:
    """A write-only sheet with a styled, frozen, filtered header and set column widths."""

    def __init__(self, wb: Workbook, title: str, headers: list[tuple[str, int, str | None]], freeze: str):
        self.ws = wb.create_sheet(title)
        self.formats = [fmt for _h, _w, fmt in headers]
        for i, (_h, width, _f) in enumerate(headers, start=1):
            self.ws.column_dimensions[get_column_letter(i)].width = width
        self.ws.freeze_panes = freeze
        self.rows = 0
        cells = []
        for header, _w, _f in headers:
            cell = WriteOnlyCell(self.ws, value=header)
            cell.font, cell.fill = HEADER_FONT, HEADER_FILL
            cell.alignment = Alignment(vertical="center", wrap_text=True)
            cells.append(cell)
        self.ws.append(cells)
        self.width = len(headers)
        self.styled = []
        for fmt in self.formats:
            cell = None
            if fmt:
                cell = WriteOnlyCell(self.ws)
                cell.number_format = fmt
            self.styled.append(cell)

    def append(self, values: list) -> None:
        # One styled cell per formatted column, reused row after row: openpyxl's write-only sheet
        # serialises each cell as soon as the row is appended (it reuses one cell object itself), so
        # only the value changes; building a new styled cell per value cost ~10 % of the export.
        cells = []
        for value, cell in zip(values, self.styled, strict=False):
            if cell is not None and value is not None:
                cell.value = value
                cells.append(cell)
            else:
                cells.append(value)
        self.ws.append(cells)
        self.rows += 1

    def finish(self) -> None:
        last = get_column_letter(self.width)
        self.ws.auto_filter.ref = f"A1:{last}{self.rows + 1}"


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
    framework = campaign.framework
    nodes = framework_nodes(framework=framework)
    tree = scoring_tree(framework=framework, nodes=nodes)
    is_points = tree.scoring == "points"
    by_id = {n.pk: n for n in nodes}
    roots = [n for n in nodes if n.parent_id is None]
    items = answerable_nodes(tree=tree, nodes=nodes)
    item_ids = {n.pk for n in items}

    def root_of(node):
        while node.parent_id:
            node = by_id[node.parent_id]
        return node

    dim_of = {n.pk: root_of(n) for n in items}
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
    total = len(meta)

    wb = Workbook(write_only=True)
    dim_headers_self = [
        (f"{r.code} {r.name}", 14, SCORE_FORMAT if is_points else PERCENT_FORMAT) for r in roots
    ]
    summary_headers = [
        ("区县", 12, None),
        ("学校标识码", 13, None),
        ("学校", 28, None),
        ("学校类型", 10, None),
        ("状态", 9, None),
        ("已填写条目", 9, None),
        ("自评总分" if is_points else "自评达标指数", 11, SCORE_FORMAT if is_points else PERCENT_FORMAT),
        ("自评得分率" if is_points else "全部必选项达标", 11, PERCENT_FORMAT if is_points else None),
        ("评审总分" if is_points else "评审达标指数", 11, SCORE_FORMAT if is_points else PERCENT_FORMAT),
        ("市内排名", 9, "0"),
        ("区内排名", 9, "0"),
        ("市内排名（评审）", 10, "0"),
        ("区内排名（评审）", 10, "0"),
        *[(f"自评 {h}", w, f) for h, w, f in dim_headers_self],
        *[(f"评审 {h}", w, f) for h, w, f in dim_headers_self],
    ]
    summary = _Sheet(wb, "学校汇总", summary_headers, "D2")
    detail = _Sheet(
        wb,
        "逐项明细",
        [
            ("区县", 12, None),
            ("学校标识码", 13, None),
            ("学校", 26, None),
            ("一级指标", 18, None),
            ("编号", 8, None),
            ("指标", 40, None),
            ("分值", 7, SCORE_FORMAT),
            ("自评", 9, SCORE_FORMAT if is_points else None),
            ("评审", 9, SCORE_FORMAT if is_points else None),
            ("评审结论", 11, None),
            ("评审意见", 40, None),
        ],
        "G2",
    )
    stats = _Sheet(
        wb,
        "区县统计",
        [
            ("区县", 12, None),
            ("指标", 26, None),
            ("学校数", 8, "0"),
            ("平均", 10, SCORE_FORMAT if is_points else PERCENT_FORMAT),
            ("中位数", 10, SCORE_FORMAT if is_points else PERCENT_FORMAT),
            ("最低", 10, SCORE_FORMAT if is_points else PERCENT_FORMAT),
            ("最高", 10, SCORE_FORMAT if is_points else PERCENT_FORMAT),
        ],
        "C2",
    )
    progress_sheet = _Sheet(
        wb,
        "填报进度",
        [("区县", 12, None), ("学校数", 8, "0"), ("未开始", 8, "0")]
        + [(str(label), 9, "0") for _s, label in AssessmentStatus.choices],
        "B2",
    )
    compliance = None
    if not is_points:
        compliance = _Sheet(
            wb,
            "必选项达标情况",
            [
                ("区县", 12, None),
                ("学校标识码", 13, None),
                ("学校", 28, None),
                ("必选项", 8, "0"),
                ("达标", 8, "0"),
                ("部分达标", 9, "0"),
                ("未达标", 8, "0"),
                ("未填写", 8, "0"),
                ("全部达标", 9, None),
                ("可选项达标", 10, "0"),
                *[(f"未达标 {r.code} {r.name}", 14, "0") for r in roots],
            ],
            "D2",
        )

    rcols = ("review_verdict", "review_score", "review_status", "review_comment")
    responses = (
        ItemResponse.objects.filter(
            assessment__campaign_id=campaign.pk, assessment__school__region__path__startswith=region.path
        )
        .order_by("assessment__school__region__path", "assessment__school__code", "node__position")
        .values_list("assessment_id", "node_id", "self_score", "self_status", *rcols)
    )
    results: dict[int, SchoolResult] = {}
    not_met_by_dim: dict[int, list[int]] = {}
    step = max(1, total // 50)
    done = 0
    for assessment_id, rows in itertools.groupby(
        responses.iterator(chunk_size=chunk_size), key=lambda r: r[0]
    ):
        m = meta.get(assessment_id)
        if m is None:  # a school moved out of the region between the two reads
            continue
        self_answers, review_answers = {}, {}
        dim_not_met = [0] * len(roots)
        root_index = {r.pk: i for i, r in enumerate(roots)}
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
            if not is_points and not node.optional and self_status == ComplianceStatus.NOT_MET:
                dim_not_met[root_index[dim_of[node_id].pk]] += 1
            detail.append(
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
        self_result = score(tree, self_answers)
        review_result = score(tree, review_answers)
        reviewed = review_result.answered
        if is_points:
            self_total, review_total = self_result.total, review_result.total if reviewed else None
            self_dims = [self_result.nodes[r.code].score for r in roots]
            review_dims = [review_result.nodes[r.code].score if reviewed else None for r in roots]
        else:
            self_total = self_result.index
            review_total = review_result.index if reviewed else None
            self_dims = [self_result.nodes[r.code].index for r in roots]
            review_dims = [review_result.nodes[r.code].index if reviewed else None for r in roots]
        result = SchoolResult(
            assessment_id, self_total, review_total, self_dims, review_dims, self_result.answered
        )
        result.reviewed = reviewed
        if not is_points:
            result.compliance = (
                self_result.required,
                self_result.required_met,
                self_result.partial,
                self_result.not_met,
                sum(self_result.nodes[r.code].missing for r in roots),
                self_result.meets_standard,
                self_result.optional_met,
            )
            not_met_by_dim[assessment_id] = dim_not_met
        results[assessment_id] = result
        done += 1
        if on_progress and done % step == 0:
            on_progress(done, total)

    # Ranks need only the per-school totals.
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

    for pk, m in meta.items():
        r = results.get(pk)
        if r is None:
            r = SchoolResult(pk, None, None, [None] * len(roots), [None] * len(roots), 0)
        summary.append(
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
        if compliance is not None and r.compliance:
            req, met, partial, not_met, missing, meets, optional_met = r.compliance
            compliance.append(
                [
                    m.district,
                    m.code,
                    m.name,
                    req,
                    met,
                    partial,
                    not_met,
                    missing,
                    "是" if meets else "否",
                    optional_met,
                ]
                + not_met_by_dim.get(pk, [0] * len(roots))
            )

    # District statistics: per district and for the whole region, total and every dimension.
    labels = ["总分" if is_points else "总体达标指数"] + [f"{r.code} {r.name}" for r in roots]
    groups: dict[str, list[SchoolResult]] = {}
    for pk, m in meta.items():
        if pk in results:
            groups.setdefault(m.district, []).append(results[pk])
    groups_all = [*groups.items(), (f"{region.name}（全部）", list(results.values()))]
    for district, rows in groups_all:
        for index, label in enumerate(labels):
            values = [(r.self_total if index == 0 else r.self_dims[index - 1]) for r in rows]
            values = [v for v in values if v is not None]
            if not values:
                stats.append([district, label, 0, None, None, None, None])
                continue
            stats.append(
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
    progress_rows: dict[str, list[int]] = {}
    for pk, m in meta.items():
        row = progress_rows.setdefault(m.district, [0] * (2 + len(AssessmentStatus.choices)))
        row[0] += 1
        answered = results[pk].answered if pk in results else 0
        if m.status == AssessmentStatus.DRAFT and not answered:
            row[1] += 1
        for i, (s, _l) in enumerate(AssessmentStatus.choices):
            if m.status == s:
                row[2 + i] += 1
    for district, row in progress_rows.items():
        progress_sheet.append([district, *row])

    for sheet in (summary, detail, stats, progress_sheet, compliance):
        if sheet is not None:
            sheet.finish()
    wb.save(out)
    if on_progress:
        on_progress(total, total)
    return total
