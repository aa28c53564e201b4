"""The school report: data gathered in a constant number of queries, HTML from a Django template,
PDF from WeasyPrint. Every figure comes from the one results function
(`assessments.selectors.assessment_results`): the self side always, the review side only once the
review is finalised; an assessment the school has not submitted carries a 「草稿／未提交」 watermark."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone

from assessments.models import Assessment, AssessmentStatus, ItemResponse
from assessments.selectors import assessment_results, designations_of, results_frame
from evidence.models import EvidenceLink, ResponseEvidence
from indicators.choices import ComplianceStatus
from indicators.notes import is_data_note
from indicators.scoring import COMPLIANCE_INDEX_RULE
from indicators.selectors import framework_nodes

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
    series = [("自评", [d.percent for d in results.self.dimensions])]
    if results.review is not None:
        series.append(("评审", [d.percent for d in results.review.dimensions]))
    chart = charts.radar_chart(
        [f"{d.code} {d.name}" for d in results.self.dimensions],
        series,
        title="各一级指标得分率（%）" if is_points else "各一级指标达标指数（%）",
        max_value=100,
    )
    unfinished = assessment.status in AssessmentStatus.editable()
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
        "watermark": "草稿／未提交" if unfinished else "",
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
    return f"{assessment.school.name}_{assessment.campaign.title}_评估报告.pdf".replace("/", "_")
