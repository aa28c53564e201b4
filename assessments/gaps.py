"""Self-assessment vs reviewer: the gap per item and per dimension.

Pure functions over values and scoring-engine results (no database access), shared by the review
workbench, its summary and the reports: gap = reviewer − self, so a negative gap means the school
rated itself higher than the reviewer did. Points mode compares scores; compliance mode compares
statuses by their compliance value (达标 1, 部分达标 0.5, 未达标 0; 不适用 has no value).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from indicators.choices import ComplianceStatus


def _status_value(status) -> Decimal | None:
    if not status:
        return None
    try:
        return ComplianceStatus(status).weight
    except ValueError:
        return None


def item_gap(self_value, review_value, *, is_points: bool) -> Decimal | None:
    """reviewer − self for one item, or None when either side has no comparable value."""
    if is_points:
        if self_value is None or review_value is None:
            return None
        return Decimal(review_value) - Decimal(self_value)
    a, b = _status_value(self_value), _status_value(review_value)
    if a is None or b is None:
        return None if (self_value != review_value or not self_value) else Decimal(0)
    return b - a


@dataclass(frozen=True)
class DimensionGap:
    code: str
    name: str
    self_value: Decimal | None  # points: dimension score; compliance: compliance index
    review_value: Decimal | None
    gap: Decimal | None


def dimension_gaps(roots: Iterable, self_result, review_result, *, is_points: bool) -> list[DimensionGap]:
    """Per first-level dimension (`roots`: objects with `code` and `name`), the self and reviewer
    results from the scoring engine (`score(tree, answers)`) and their difference."""
    out = []
    for root in roots:
        s, r = self_result.nodes.get(root.code), review_result.nodes.get(root.code)
        sv = (s.score if is_points else s.index) if s else None
        # a dimension's reviewer result counts once every item of it has a reviewer value
        rv = (r.score if is_points else r.index) if r and r.answered == r.total else None
        out.append(DimensionGap(root.code, root.name, sv, rv, None if sv is None or rv is None else rv - sv))
    return out


def total_gap(self_result, review_result, *, is_points: bool) -> Decimal | None:
    """reviewer − self for the whole assessment (points total, or compliance index), once every item
    has a reviewer value (a partial review would show a meaningless gap)."""
    if review_result.answered < review_result.item_count:
        return None
    if is_points:
        return review_result.total - self_result.total
    if self_result.index is None or review_result.index is None:
        return None
    return review_result.index - self_result.index
