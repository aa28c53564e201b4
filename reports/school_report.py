"""The school report: data gathered in a constant number of queries, HTML from a Django template,
PDF from WeasyPrint. Every total comes from the scoring engine (self and reviewer side)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone

from assessments.models import Assessment, ItemResponse, ReviewVerdict
from evidence.models import EvidenceLink, ResponseEvidence
from indicators.choices import ComplianceStatus
from indicators.scoring import score
from indicators.selectors import answerable_nodes, framework_nodes, scoring_tree

from . import charts

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
    self_value: str
    review_value: str
    verdict: str
    statement: str
    comment: str
    max_points: str = ""
    evidence: list[str] = field(default_factory=list)


@dataclass
class DimensionRow:
    code: str
    name: str
    max_points: str
    self_value: str
    self_percent: Decimal | None
    review_value: str
    review_percent: Decimal | None
    detail: str = ""


def _result_text(result, *, is_points: bool) -> tuple[str, Decimal | None]:
    if is_points:
        return fmt_decimal(result.score), result.percentage
    if result.index is None:
        return "—", None
    return f"{result.percentage}%", result.percentage


def school_report_context(*, assessment: Assessment) -> dict:
    """Everything the template needs. Queries: nodes, responses, attachments, links (4), whatever
    the framework's size; the caller passes the assessment with campaign/framework/school loaded."""
    campaign = assessment.campaign
    framework = campaign.framework
    nodes = framework_nodes(framework=framework)
    tree = scoring_tree(framework=framework, nodes=nodes)
    is_points = tree.is_points
    responses = {
        r.node_id: r
        for r in ItemResponse.objects.filter(assessment_id=assessment.pk).select_related("reviewed_by")
    }
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
    roots = {n.code: n for n in nodes if n.parent_id is None}
    code_by_node = {n.pk: n.code for n in nodes}
    files: dict[int, dict] = {}
    evidence_by_node: dict[int, list[str]] = {}
    for node_id, file_id, name, kind, size, sha in attachments:
        entry = files.setdefault(
            file_id, {"name": name, "kind": kind, "size": fmt_size(size), "sha256": sha, "items": []}
        )
        entry["items"].append(code_by_node.get(node_id, "?"))
        evidence_by_node.setdefault(node_id, []).append(name)

    answerable = answerable_nodes(tree=tree, nodes=nodes)
    self_answers, review_answers = {}, {}
    items: list[ReportItem] = []
    for node in answerable:
        r = responses.get(node.pk)
        self_v = r.self_value(is_points=is_points) if r else None
        review_v = r.review_value(is_points=is_points) if r else None
        self_answers[node.code] = self_v
        review_answers[node.code] = review_v
        root = roots[tree.dimension_of[node.code]]
        statement = (r.statement if r else "") or ""
        items.append(
            ReportItem(
                code=node.code,
                title=node.title,
                dimension=root.name,
                self_value=fmt_decimal(self_v) if is_points else status_label(self_v),
                review_value=fmt_decimal(review_v) if is_points else status_label(review_v),
                verdict=str(ReviewVerdict(r.review_verdict).label) if r and r.review_verdict else "",
                statement=statement if len(statement) <= 240 else statement[:238] + "……",
                comment=(r.review_comment if r else "") or "",
                max_points=fmt_decimal(tree.score_max.get(node.code)) if is_points else "",
                evidence=evidence_by_node.get(node.pk, []),
            )
        )
    self_result = score(tree, self_answers)
    review_result = score(tree, review_answers)
    reviewed = review_result.answered > 0
    dims = []
    for root in tree.roots:
        s_text, s_pct = _result_text(self_result.nodes[root.code], is_points=is_points)
        r_text, r_pct = _result_text(review_result.nodes[root.code], is_points=is_points)
        s_node = self_result.nodes[root.code]
        detail = (
            ""
            if is_points
            else f"达标 {s_node.met} / 部分 {s_node.partial} / 未达标 {s_node.not_met}"
            f" / 必选 {s_node.required}"
        )
        dims.append(
            DimensionRow(
                root.code,
                root.name,
                fmt_decimal(root.points),
                s_text,
                s_pct,
                r_text if reviewed else "—",
                r_pct if reviewed else None,
                detail,
            )
        )
    series = [("自评", [d.self_percent for d in dims])]
    if reviewed:
        series.append(("评审", [d.review_percent for d in dims]))
    chart = charts.radar_chart(
        [f"{d.code} {d.name}" for d in dims], series, title="各一级指标得分率（%）", max_value=100
    )
    if is_points:
        self_total = f"{fmt_decimal(self_result.total)} / {fmt_decimal(self_result.declared_total)}"
        review_total = (
            f"{fmt_decimal(review_result.total)} / {fmt_decimal(review_result.declared_total)}"
            if reviewed
            else "—"
        )
    else:
        self_total = f"{self_result.percentage}%" if self_result.index is not None else "—"
        review_total = f"{review_result.percentage}%" if reviewed and review_result.index is not None else "—"
    return {
        "assessment": assessment,
        "campaign": campaign,
        "framework": framework,
        "school": assessment.school,
        "district": assessment.school.region,
        "is_points": is_points,
        "generated_at": timezone.localtime(),
        "self_result": self_result,
        "review_result": review_result,
        "reviewed": reviewed,
        "self_total": self_total,
        "review_total": review_total,
        "self_percent": self_result.percentage,
        "self_total_declared": fmt_decimal(getattr(self_result, "declared_total", None)),
        "review_percent": review_result.percentage if reviewed else None,
        "dimensions": dims,
        "chart": chart,
        "items": items,
        "files": list(files.values()),
        "links": links,
        "font_family": settings.REPORTS_CJK_FONT,
    }


def school_report_html(*, assessment: Assessment) -> str:
    return render_to_string("reports/school_report.html", school_report_context(assessment=assessment))


def school_report_pdf(*, assessment: Assessment) -> bytes:
    from weasyprint import HTML
    from weasyprint.text.fonts import FontConfiguration

    html = school_report_html(assessment=assessment)
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf(font_config=FontConfiguration())


def school_report_filename(assessment: Assessment) -> str:
    return f"{assessment.school.name}_{assessment.campaign.title}_评估报告.pdf".replace("/", "_")
