"""The clause checklist of one item: its clauses (indicators.clauses), what the school and the
reviewers ticked, and what the ticks suggest for a compliance item."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from indicators.choices import ComplianceStatus
from indicators.clauses import Clause, item_clauses, suggest_status
from indicators.models import Node
from smartcampus.db import KeyedInstances

from ..models import ClauseCheck, ClauseSide, ItemResponse, ItemReview


@dataclass(frozen=True)
class ClauseRow:
    clause: Clause
    self_met: bool
    review_met: bool


@dataclass
class ClauseSheet:
    """Everything a checklist shows for one item. `suggests` is False for points items (Beijing
    K-12 监测点 are guidance for the holistic score, no score is suggested)."""

    response: ItemResponse
    clauses: list[Clause]
    checks: dict[str, ClauseCheck]  # side → its row (unsaved with version 0 when never ticked)
    suggests: bool

    @property
    def rows(self) -> list[ClauseRow]:
        self_met = set(self.checks[ClauseSide.SELF].met)
        review_met = set(self.checks[ClauseSide.REVIEW].met)
        return [ClauseRow(c, c.index in self_met, c.index in review_met) for c in self.clauses]

    @property
    def has_optional(self) -> bool:
        return any(c.optional for c in self.clauses)

    def check(self, side: str) -> ClauseCheck:
        return self.checks[side]

    def suggestion(self, side: str) -> ComplianceStatus | None:
        """The status the side's ticks suggest; None before anything was ticked on that side or
        for a points item."""
        check = self.checks[side]
        if not self.suggests or not check.version:
            return None
        return suggest_status(self.clauses, check.met)

    def mismatch(self, side: str, chosen: str | None) -> bool:
        """Whether the status chosen on that side differs from what its ticks suggest (不适用 and
        an unanswered item are never flagged)."""
        suggested = self.suggestion(side)
        return bool(suggested and chosen and chosen != ComplianceStatus.NA and chosen != suggested)


def _checks_query(response_id: int):
    # unordered (one row per side): the model's default order would join the response and its node
    return ClauseCheck.objects.filter(response_id=response_id).order_by()


# the enumerations' values, read once (an enum's `values` builds its list on every call)
_SIDES = tuple(ClauseSide.values)
_STATUSES = frozenset(ComplianceStatus.values)

# the ticks' statement, compiled once per process (every item page runs it)
_CHECKS = KeyedInstances()


def clause_sheet(
    *, response: ItemResponse, node: Node, monitoring_points: Sequence[Node] = (), is_points: bool
) -> ClauseSheet | None:
    """The checklist of `response` (obtained through a selector), or None when its item has no
    clauses. `monitoring_points` are the item's children already loaded by the workspace. One
    query (the two sides' ticks), asked for every item so that a page costs the same whatever the
    item."""
    rows = _CHECKS.instances("checks", _checks_query, response.pk) if response.pk else ()
    found = {c.side: c for c in rows}
    clauses = item_clauses(node, children=monitoring_points)
    if not clauses:
        return None
    checks = {
        side: found.get(side) or ClauseCheck(response=response, side=side, met=[], version=0)
        for side in _SIDES
    }
    return ClauseSheet(response=response, clauses=clauses, checks=checks, suggests=not is_points)


def review_chosen_status(*, response: ItemResponse, user) -> str | None:
    """The status the reviewer `user` chose for the item in this round (an accept carries the
    school's status), or with a single review the consolidated one. One query."""
    assessment = response.assessment
    mine = (
        ItemReview.objects.filter(response_id=response.pk, reviewer=user, round=assessment.review_round)
        .only("status")
        .first()
    )
    if mine is not None:
        return mine.status
    return None if assessment.campaign.second_review else response.review_status


def clause_side_context(sheet: ClauseSheet | None, *, side: str, chosen: str | None) -> dict:
    """What a checklist template shows for one side: its row, the suggestion and whether the
    chosen status differs from it, and the tick count."""
    if sheet is None:
        return {"sheet": None, "side": side}
    check = sheet.check(side)
    suggestion = sheet.suggestion(side)
    return {
        "sheet": sheet,
        "side": side,
        "check": check,
        "suggestion": suggestion,
        "chosen": ComplianceStatus(chosen) if chosen in _STATUSES else None,
        "mismatch": sheet.mismatch(side, chosen),
        "met_count": len(check.met),
        "total": len(sheet.clauses),
        "required_met": sum(1 for c in sheet.clauses if not c.optional and c.index in check.met),
        "required_total": sum(1 for c in sheet.clauses if not c.optional),
    }
