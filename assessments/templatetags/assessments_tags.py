"""How the workflow's values look: the badge colours of statuses and verdicts and the compliance
labels, so templates hold no literal values of their own (labels come from the choices)."""

from __future__ import annotations

from dataclasses import dataclass

from django import template

from indicators.choices import ComplianceStatus

from ..models import AssessmentStatus, ReviewVerdict

register = template.Library()

STATUS_BADGES = {
    AssessmentStatus.DRAFT: "text-bg-secondary",
    AssessmentStatus.SUBMITTED: "text-bg-primary",
    AssessmentStatus.IN_REVIEW: "text-bg-info",
    AssessmentStatus.RETURNED: "text-bg-warning",
    AssessmentStatus.FINALISED: "text-bg-success",
}
COMPLIANCE_BUTTONS = {
    ComplianceStatus.MET: "btn-outline-success",
    ComplianceStatus.PARTIAL: "btn-outline-warning",
    ComplianceStatus.NOT_MET: "btn-outline-danger",
    ComplianceStatus.NA: "btn-outline-secondary",
}


@dataclass(frozen=True)
class VerdictOption:
    value: str
    label: str
    badge: str  # badge class
    button: str  # outline button class of the radio
    icon: str
    key: str  # keyboard shortcut (static/js/review.js)


VERDICTS = {
    ReviewVerdict.ACCEPT: VerdictOption(
        ReviewVerdict.ACCEPT,
        ReviewVerdict.ACCEPT.label,
        "text-bg-success",
        "btn-outline-success",
        "check-lg",
        "A",
    ),
    ReviewVerdict.ADJUST: VerdictOption(
        ReviewVerdict.ADJUST,
        ReviewVerdict.ADJUST.label,
        "text-bg-warning",
        "btn-outline-warning",
        "sliders",
        "D",
    ),
    ReviewVerdict.MORE_EVIDENCE: VerdictOption(
        ReviewVerdict.MORE_EVIDENCE,
        ReviewVerdict.MORE_EVIDENCE.label,
        "text-bg-danger",
        "btn-outline-danger",
        "paperclip",
        "E",
    ),
}


@register.filter
def status_badge(status: str) -> str:
    """The badge class of an assessment status."""
    return STATUS_BADGES.get(status, "text-bg-light")


@register.filter
def compliance_button(status: str) -> str:
    return COMPLIANCE_BUTTONS.get(status, "btn-outline-secondary")


@register.filter
def compliance_label(status: str | None) -> str:
    return str(ComplianceStatus(status).label) if status else "—"


@register.filter
def verdict(value: str | None) -> VerdictOption | None:
    """The verdict's label and colours, or None for an item not reviewed yet."""
    return VERDICTS.get(value) if value else None


@register.simple_tag
def verdict_options() -> list[VerdictOption]:
    return list(VERDICTS.values())


@register.filter
def page_links(page):
    """The page numbers a pager shows: the first and last, two on each side of the current one, and
    `Paginator.ELLIPSIS` between (Django's elided range)."""
    return page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1)
