"""The school report: data gathered in a constant number of queries, HTML from a Django template,
PDF from WeasyPrint. Every figure comes from the one results function
(`assessments.selectors.assessment_results`): the self side always, the review side only once the
review is finalised; an assessment the school has not submitted carries a 「草稿／未提交」 watermark.
With a predecessor campaign, 「与上年对比」 sets each dimension's figure beside last year's (the side a
year counts for, `assessments.selectors.years.year_side`, as in 「年度对比」); an assessment with
rectification items lists them in the appendix 「整改事项」."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assessments.models import Assessment, AssessmentStatus, ItemResponse
from assessments.selectors import assessment_results, designations_of, results_frame
from assessments.selectors.results import Results
from assessments.selectors.years import REVIEW, year_figure, year_side
from evidence.models import EvidenceLink, ResponseEvidence
from indicators.choices import ComplianceStatus
from indicators.notes import is_data_note
from indicators.scoring import COMPLIANCE_INDEX_RULE
from indicators.selectors import framework_nodes
from rectification.selectors import assessment_rectification_items

from . import charts
from .pdf_fonts import compact_fonts

# WeasyPrint logs every layout step at INFO; a worker rendering thousands of schools does not need that.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)


def fmt_decimal(value) -> str:
    if value is None:
        return "—"
    value = Decimal(value)
    return str(int(value)) if value == value.to_integral_value() else f"{value.normalize()}"


def status_label(value) -> str:
    return str(ComplianceStatus(value).label) if value else "—"


def fmt_size(size: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return str(size)


@dataclass
class ReportItem:
    code: str
    title: str
    dimension: str
    optional: bool
    self_value: str
    review_value: str
    verdict: str
    adjusted: bool
    statement: str
    comment: str
    max_points: str = ""
    evidence: list[str] = field(default_factory=list)
    note: str = ""  # the standard's remark (备注); notes about the transcription are left out


def _value_text(value, *, is_points: bool) -> str:
    return fmt_decimal(value) if is_points else status_label(value)


@dataclass(frozen=True)
class YearDimension:
    code: str
    name: str
    previous: Decimal | None
    this: Decimal | None

    @property
    def change(self) -> Decimal | None:
        if self.previous is None or self.this is None:
            return None
        return self.this - self.previous


@dataclass(frozen=True)
class YearComparison:
    """This year's and last year's figures of one school, each year on the side it counts for
    (`year_side`): the overall percent with its basis, and every dimension of this year's framework
    (matched by code; a dimension new this year has no previous figure)."""

    previous_title: str
    previous_percent: Decimal | None
    previous_basis: str
    this_percent: Decimal | None
    this_basis: str
    dimensions: tuple[YearDimension, ...]
    chart: str

    @property
    def change(self) -> Decimal | None:
        if self.previous_percent is None or self.this_percent is None:
            return None
        return self.this_percent - self.previous_percent


BASIS_TEXT = {REVIEW: gettext_lazy("评审"), "self": gettext_lazy("自评")}


def year_comparison(*, assessment: Assessment, results: Results) -> YearComparison | None:
    """「与上年对比」 of `assessment`, or None unless its campaign has a predecessor in which the same
    school has a counted result and it has one this year. Three queries when there is a previous
    assessment (it, its responses, its framework's nodes when not cached)."""
    predecessor_id = assessment.campaign.predecessor_id
    this_side = year_side(results)
    if predecessor_id is None or this_side is None:
        return None
    previous = (
        Assessment.objects.filter(campaign_id=predecessor_id, school_id=assessment.school_id)
        .select_related("campaign__framework")
        .first()
    )
    if previous is None:
        return None
    previous_results = assessment_results(assessment=previous)
    previous_side = year_side(previous_results)
    if previous_side is None:
        return None
    before = {d.code: d.percent for d in previous_side.dimensions}
    dimensions = tuple(
        YearDimension(d.code, d.name, before.get(d.code), d.percent) for d in this_side.dimensions
    )
    this_figure, previous_figure = year_figure(results), year_figure(previous_results)
    previous_label = _("%(year)s 年（上年）") % {"year": previous.campaign.year}
    this_label = _("%(year)s 年（本年）") % {"year": assessment.campaign.year}
    chart = charts.bar_chart(
        [f"{d.code} {d.name}" for d in dimensions],
        [(previous_label, [d.previous for d in dimensions]), (this_label, [d.this for d in dimensions])],
        title=_("各一级指标与上年对比（%）"),
        max_value=100,
        unit="%",
    )
    return YearComparison(
        previous_title=previous.campaign.title,
        previous_percent=previous_figure.percent,
        previous_basis=BASIS_TEXT[previous_figure.basis],
        this_percent=this_figure.percent,
        this_basis=BASIS_TEXT[this_figure.basis],
        dimensions=dimensions,
        chart=chart,
    )


@dataclass(frozen=True)
class RectificationRow:
    code: str
    title: str
    source: str
    state: str
    due_date: object
    overdue: bool
    problem: str


def school_report_context(*, assessment: Assessment) -> dict:
    """Everything the template needs; every figure comes from `assessment_results` (the review only
    once it is finalised). Queries: nodes, responses, attachments, links (4), whatever the
    framework's size; the caller passes the assessment with campaign/framework/school loaded."""
    campaign = assessment.campaign
    framework = campaign.framework
    frame = results_frame(framework=framework)
    responses = list(ItemResponse.objects.filter(assessment_id=assessment.pk))
    results = assessment_results(assessment=assessment, responses=responses, frame=frame)
    is_points = results.is_points
    statements = {r.node_id: r.statement or "" for r in responses}
    attachments = (
        ResponseEvidence.objects.filter(response__assessment_id=assessment.pk)
        .select_related("file")
        .order_by("file__original_name", "file_id")
        .values_list(
            "response__node_id", "file_id", "file__original_name", "file__kind", "file__size", "file__sha256"
        )
    )
    links = list(
        EvidenceLink.objects.filter(response__assessment_id=assessment.pk)
        .order_by("added_at", "id")
        .values_list("response__node__code", "title", "url")
    )
    code_by_node = {i.node_id: i.code for i in frame.items}
    node_by_code = {i.code: i.node_id for i in frame.items}
    files: dict[int, dict] = {}
    evidence_by_node: dict[int, list[str]] = {}
    for node_id, file_id, name, kind, size, sha in attachments:
        entry = files.setdefault(
            file_id, {"name": name, "kind": kind, "size": fmt_size(size), "sha256": sha, "items": []}
        )
        entry["items"].append(code_by_node.get(node_id, "?"))
        evidence_by_node.setdefault(node_id, []).append(name)

    dimension_names = {d.code: d.name for d in results.self.dimensions}
    remarks = {
        n.pk: n.note
        for n in framework_nodes(framework=framework)
        if n.note and not is_data_note(note=n.note, points_inferred=n.points_inferred)
    }
    items = []
    for item in results.items:
        node_id = node_by_code[item.code]
        statement = statements.get(node_id, "")
        items.append(
            ReportItem(
                code=item.code,
                title=item.title,
                dimension=dimension_names[item.dimension],
                optional=item.optional,
                self_value=_value_text(item.self_value, is_points=is_points),
                review_value=_value_text(item.review_value, is_points=is_points),
                verdict=item.verdict_label,
                adjusted=item.adjusted,
                statement=statement if len(statement) <= 400 else statement[:398] + "……",
                comment=item.comment,
                max_points=fmt_decimal(item.max_points) if is_points else "",
                evidence=evidence_by_node.get(node_id, []),
                note=remarks.get(node_id, ""),
            )
        )
    series = [(_("自评"), [d.percent for d in results.self.dimensions])]
    if results.review is not None:
        series.append((_("评审"), [d.percent for d in results.review.dimensions]))
    chart = charts.radar_chart(
        [f"{d.code} {d.name}" for d in results.self.dimensions],
        series,
        title=_("各一级指标得分率（%）") if is_points else _("各一级指标达标指数（%）"),
        max_value=100,
    )
    unfinished = assessment.status in AssessmentStatus.editable()
    today = timezone.localdate()
    rectification = [
        RectificationRow(
            code=i.node.code,
            title=i.node.title,
            source=i.get_source_display(),
            state=i.get_state_display(),
            due_date=i.due_date,
            overdue=i.is_overdue(today),
            problem=i.problem,
        )
        for i in assessment_rectification_items(assessment=assessment)
    ]
    return {
        "assessment": assessment,
        "campaign": campaign,
        "framework": framework,
        "school": assessment.school,
        "district": assessment.school.region,
        "is_points": is_points,
        "generated_at": timezone.localtime(),
        "results": results,
        "self": results.self,
        "review": results.review,
        "watermark": _("草稿／未提交") if unfinished else "",
        "review_pending": results.self_counted and results.review is None,
        "compliance_rule": COMPLIANCE_INDEX_RULE,
        "chart": chart,
        "items": items,
        "adjusted": [i for i in items if i.adjusted],
        "files": list(files.values()),
        "links": links,
        "font_family": settings.REPORTS_CJK_FONT,
        "official": results.official,
        "designations": designations_of([assessment.pk])[assessment.pk],
        "years": year_comparison(assessment=assessment, results=results),
        "rectification": rectification,
    }


def school_report_html(*, assessment: Assessment) -> str:
    return render_to_string("reports/school_report.html", school_report_context(assessment=assessment))


def school_report_pdf(*, assessment: Assessment) -> bytes:
    from weasyprint import HTML
    from weasyprint.text.fonts import FontConfiguration

    html = school_report_html(assessment=assessment)
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf(
        font_config=FontConfiguration(), finisher=compact_fonts
    )


def school_report_filename(assessment: Assessment) -> str:
    name = _("%(school)s_%(campaign)s_评估报告.pdf") % {
        "school": assessment.school.name,
        "campaign": assessment.campaign.title,
    }
    return name.replace("/", "_")
