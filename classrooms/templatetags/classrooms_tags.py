"""How check outcomes look on the classroom pages: ✓ / ✗ / 未核实 marks and the badges of a
classroom's stored status, so templates hold no literal values of their own."""

from __future__ import annotations

from fractions import Fraction

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext as _

from indicators.equipment.check import Status
from indicators.equipment.thresholds import value_text
from indicators.models import ConfigRule

from ..models import CheckStatus

register = template.Library()

MARKS = {
    Status.MET: ("✓", "text-success", "met"),
    Status.NOT_MET: ("✗", "text-danger", "not-met"),
    Status.UNVERIFIED: (None, "text-warning-emphasis", "unverified"),
    Status.ABSENT: ("—", "text-muted", "absent"),
}
BADGES = {
    CheckStatus.MET: "text-bg-success",
    CheckStatus.UNVERIFIED: "text-bg-warning",
    CheckStatus.NOT_MET: "text-bg-danger",
}


@register.filter
def check_mark(status) -> str:
    """✓ (达标), ✗ (未达标), 未核实 (a spec without a measured value), — (optional and absent)."""
    status = Status(status)
    symbol, css, key = MARKS[status]
    label = _("未核实") if status == Status.UNVERIFIED else status.label
    return format_html(
        '<span class="fw-semibold {}" data-mark="{}" title="{}">{}</span>', css, key, label, symbol or label
    )


@register.filter
def status_badge(status) -> str:
    """The badge of a classroom's stored check (达到配置要求 / 待核验 / 未达到配置要求)."""
    status = CheckStatus(status)
    return format_html(
        '<span class="badge {}" data-status="{}">{}</span>', BADGES[status], status.value, status.label
    )


@register.filter
def ratio(value: Fraction | None) -> str:
    """0.6667 → "0.67:1" (terminals per seat)."""
    return "" if value is None else f"{float(value):.2f}:1"


@register.filter
def percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.0f}%"


@register.filter
def rule_label(rule: str) -> str:
    return str(ConfigRule(rule).label)


@register.filter
def measured_text(result) -> str:
    """The measured value of a `ThresholdResult` as the source writes numbers (86, 3840×2160, 16:9)."""
    if result.measured is None:
        return ""
    return value_text(result.measured, ratio=result.threshold.is_ratio)


@register.filter
def device_row_class(result) -> str:
    """A checklist row: red when the device fails, grey when an optional device is not there."""
    if result.status == Status.NOT_MET:
        return "table-danger"
    return "" if result.present else "text-muted"


@register.filter
def device_names(devices) -> str:
    """“交互式触控一体机、电子白板+投影机”."""
    return _("、").join(d.name for d in devices)
