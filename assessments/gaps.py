"""Self-assessment vs reviewer: the gap per item and per dimension.

Pure functions over values and scoring-engine results (no database access), shared by the review
workbench, its summary and the reports: gap = reviewer − self, so a negative gap means the school
rated itself higher than the reviewer did. Points mode compares scores; compliance mode compares
statuses by their compliance value (达标 1, 部分达标 0.5, 未达标 0; 不适用 has no value).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

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


@dataclass(frozen=True)
class SameItems:
    """The reviewed items of an unfinished review beside the same items' self values: never a
    partial review total beside the whole self total. Points: the items' summed scores (nominal, no
    caps); compliance: the compliance index over the reviewed required items, in percent."""

    reviewed: int  # items with a reviewer value
    total: int  # items compared against
    self_value: Decimal | None
    review_value: Decimal | None

    @property
    def gap(self) -> Decimal | None:
        if self.self_value is None or self.review_value is None:
            return None
        return self.review_value - self.self_value

    @property
    def complete(self) -> bool:
        return self.reviewed == self.total


def _index_percent(statuses: list) -> Decimal | None:
    weights = [_status_value(s) for s in statuses]
    if not weights:
        return None
    mean = sum((w or Decimal(0) for w in weights), Decimal(0)) / len(weights)
    return (mean * 100).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def same_items(pairs: Iterable[tuple], *, is_points: bool) -> SameItems:
    """`pairs`: (self value, reviewer value, optional) of each item; an item counts once the reviewer
    gave it a value (an item awaiting more evidence has none)."""
    pairs = list(pairs)
    reviewed = [(s, r, optional) for s, r, optional in pairs if r is not None]
    if is_points:
        self_value = sum((Decimal(s) for s, _r, _o in reviewed if s is not None), Decimal(0))
        review_value = sum((Decimal(r) for _s, r, _o in reviewed), Decimal(0))
        if not reviewed:
            self_value = review_value = None
    else:
        required = [(s, r) for s, r, optional in reviewed if not optional]
        self_value = _index_percent([s for s, _r in required])
        review_value = _index_percent([r for _s, r in required])
    return SameItems(len(reviewed), len(pairs), self_value, review_value)
