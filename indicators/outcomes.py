"""The official result of one assessment: pure arithmetic over the reviewed side's scores.

`official_outcome(tree=…, side=…, rule=…)` takes the scoring tree, the reviewed `SideResult` (the
same one every page shows) and a `RuleSpec`, and returns an `Outcome`: the result percent, the grade
and pass / fail with the reasons of a fail. Nothing here touches the database.

The percent
    Points mode: the total as a percentage of the declared total. Compliance mode: the compliance
    index × 100 (达标指数). Without exclusions this is exactly the side's percentage.
Excluded from the pass decision
    An excluded node (an item, or a whole dimension: every node below it) counts neither in the
    score nor in the total: in points mode its score and its declared points are removed from every
    node above it (a parent scores the sum of its remaining children, capped at its remaining
    points) and from the declared total; in compliance mode its leaves leave the index and the
    「every required item met」 check. The same reduced figure gives the pass decision, the
    dimension minimums and the grade, so the percent shown is the one the rule was applied to.
Pass
    points / "percent": result percent ≥ `pass_min_percent`, and each dimension with a minimum
    (not excluded) scores ≥ its minimum percent of its (remaining) points;
    compliance / "all_required": every required, non-excluded item is 达标 (optional items and
    不适用 do not count); compliance / "min_index": result percent ≥ `pass_min_percent`.
    Every comparison is made on the figures as shown (rounded once to one decimal), edges included:
    a school shown at 60.0 % passes a 60 % line.
Grades
    Bands ordered by descending `min_percent`, the last one at 0, so every result gets a grade: the
    first band whose minimum the percent reaches (≥). A rule without bands gives no grade ("").
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from django.utils.translation import gettext as _

from .choices import COMPLIANCE_WEIGHTS, ComplianceStatus, PassRule
from .scoring import ZERO, ScoringNode, ScoringTree, SideResult, _fmt, round_once


@dataclass(frozen=True)
class GradeBand:
    """A grade and the least result percent that reaches it."""

    label: str
    min_percent: Decimal


@dataclass(frozen=True)
class RuleSpec:
    """A campaign's result rule reduced to what the arithmetic needs (percents as Decimals)."""

    pass_rule: str
    pass_min_percent: Decimal | None = None
    dimension_min_percent: Mapping[str, Decimal] = field(default_factory=dict)
    grades: tuple[GradeBand, ...] = ()
    excluded: frozenset[str] = frozenset()

    @classmethod
    def of(
        cls,
        *,
        pass_rule: str,
        pass_min_percent=None,
        dimension_min_percent: Mapping[str, object] | None = None,
        grades: Iterable[Mapping[str, object]] = (),
        excluded: Iterable[str] = (),
    ) -> RuleSpec:
        """A spec from stored values (numbers as int, float, str or Decimal; grades as dicts)."""
        return cls(
            pass_rule=str(pass_rule),
            pass_min_percent=_decimal(pass_min_percent),
            dimension_min_percent={str(k): _decimal(v) for k, v in (dimension_min_percent or {}).items()},
            grades=tuple(GradeBand(str(g["label"]), _decimal(g["min_percent"])) for g in grades),
            excluded=frozenset(str(c) for c in excluded),
        )


@dataclass(frozen=True)
class Outcome:
    """The official result: `percent` (one decimal; None without anything to count), `grade` ("" when
    the rule has no bands), `passed`, and why not (`failed_reasons`, Chinese, shown as they are)."""

    percent: Decimal | None
    grade: str
    passed: bool
    failed_reasons: tuple[str, ...] = ()


def _decimal(value) -> Decimal | None:
    if value is None or value == "":
        return None
    return value if isinstance(value, Decimal) else Decimal(str(value))


def grade_of(percent: Decimal | None, grades: Iterable[GradeBand]) -> str:
    """The first band (in descending order) whose minimum `percent` reaches, edges included."""
    if percent is None:
        return ""
    for band in grades:
        if percent >= band.min_percent:
            return band.label
    return ""


def excluded_codes(tree: ScoringTree, excluded: Iterable[str]) -> frozenset[str]:
    """Every node code under an excluded node (the excluded nodes included)."""
    out: set[str] = set()
    for code in excluded:
        node = tree.nodes.get(code)
        if node is not None:
            out.update(n.code for n in node.walk())
    return frozenset(out)


# --- points ---------------------------------------------------------------------------------------


def _points_without(tree: ScoringTree, side: SideResult, dropped: frozenset[str]) -> dict[str, tuple]:
    """(score, max) of every node with the `dropped` nodes removed; scores exact, max None where
    nothing is declared."""
    scores = side.engine.nodes
    out: dict[str, tuple[Fraction, Fraction | None]] = {}

    def removed_points(node: ScoringNode) -> Fraction:
        """Declared points of the dropped nodes right below `node` (the topmost dropped ones)."""
        total = Fraction(0)
        for child in node.children:
            if child.code in dropped:
                total += Fraction(_nominal(tree, child))
            else:
                total += removed_points(child)
        return total

    def visit(node: ScoringNode) -> tuple[Fraction, Fraction | None]:
        if node.code in tree.score_max:
            score = scores[node.code].score
            result = (Fraction(score or ZERO), Fraction(tree.score_max[node.code]))
        else:
            raw = sum((visit(c)[0] for c in node.children if c.code not in dropped), Fraction(0))
            maximum = (
                None
                if node.points is None
                else max(Fraction(node.points) - removed_points(node), Fraction(0))
            )
            result = (raw if maximum is None else min(raw, maximum), maximum)
        out[node.code] = result
        return result

    for root in tree.roots:
        if root.code not in dropped:
            visit(root)
    return out


def _nominal(tree: ScoringTree, node: ScoringNode) -> Decimal:
    """The points a node stands for in its parent's total: its declared points, else the sum of the
    points below it."""
    if node.points is not None:
        return node.points
    return sum((_nominal(tree, c) for c in node.children), ZERO)


def _points_outcome(tree: ScoringTree, side: SideResult, rule: RuleSpec) -> Outcome:
    dropped = excluded_codes(tree, rule.excluded)
    if not dropped:
        percent = side.percent
        dimensions = {d.code: d.percent for d in side.dimensions}
    else:
        nodes = _points_without(tree, side, dropped)
        total = sum((nodes[r.code][0] for r in tree.roots if r.code not in dropped), Fraction(0))
        topmost = [c for c in rule.excluded if c in tree.nodes and not _inside_other(tree, c, rule.excluded)]
        whole = Fraction(tree.declared_total) - sum(
            (Fraction(_nominal(tree, tree.nodes[c])) for c in topmost), Fraction(0)
        )
        percent = round_once(total * 100 / whole) if whole > 0 else None
        dimensions = {
            code: (round_once(score * 100 / maximum) if maximum else None)
            for code, (score, maximum) in ((r.code, nodes[r.code]) for r in tree.roots if r.code in nodes)
        }
    reasons: list[str] = []
    if percent is None:
        reasons.append(_("没有可计入的分值"))
    elif rule.pass_min_percent is not None and percent < rule.pass_min_percent:
        reasons.append(
            _("得分率 %(p)s%%，低于合格线 %(m)s%%") % {"p": _fmt(percent), "m": _fmt(rule.pass_min_percent)}
        )
    for code, minimum in rule.dimension_min_percent.items():
        if code in dropped or code not in dimensions or minimum is None:
            continue
        value = dimensions[code]
        if value is None or value < minimum:
            reasons.append(
                _("%(d)s 得分率 %(p)s%%，低于该维度最低要求 %(m)s%%")
                % {"d": _label(tree, code), "p": "—" if value is None else _fmt(value), "m": _fmt(minimum)}
            )
    return Outcome(percent, grade_of(percent, rule.grades), not reasons, tuple(reasons))


def _inside_other(tree: ScoringTree, code: str, excluded: Iterable[str]) -> bool:
    """`code` lies below another excluded node (whose points already left the total)."""
    return any(
        other != code and other in tree.nodes and any(n.code == code for n in tree.nodes[other].walk())
        for other in excluded
    )


# --- compliance -----------------------------------------------------------------------------------


def _compliance_outcome(tree: ScoringTree, side: SideResult, rule: RuleSpec) -> Outcome:
    dropped = excluded_codes(tree, rule.excluded)
    statuses = side.engine.nodes
    counted = [n for n in tree.leaves if not n.optional and n.code not in dropped]
    not_met = []
    weighted = Fraction(0)
    required = 0
    for node in counted:
        status = statuses[node.code].status
        if status == ComplianceStatus.NA:  # only optional items may be 不适用; never counted
            continue
        required += 1
        weighted += Fraction(COMPLIANCE_WEIGHTS.get(status, ZERO))
        if status != ComplianceStatus.MET:
            not_met.append(node.code)
    if not dropped:
        percent = side.percent
    else:
        percent = round_once(weighted * 100 / required) if required else None
    reasons: list[str] = []
    if rule.pass_rule == PassRule.MIN_INDEX:
        if percent is None:
            reasons.append(_("没有计入的必选条目"))
        elif rule.pass_min_percent is not None and percent < rule.pass_min_percent:
            reasons.append(
                _("达标指数 %(p)s%%，低于要求 %(m)s%%")
                % {"p": _fmt(percent), "m": _fmt(rule.pass_min_percent)}
            )
    elif not_met:
        shown = _("、").join(not_met[:20]) + ("……" if len(not_met) > 20 else "")
        reasons.append(_("%(n)d 个必选条目未达标：%(c)s") % {"n": len(not_met), "c": shown})
    return Outcome(percent, grade_of(percent, rule.grades), not reasons, tuple(reasons))


def _label(tree: ScoringTree, code: str) -> str:
    node = tree.nodes.get(code)
    return f"{code} {node.name}".strip() if node is not None else code


def official_outcome(*, tree: ScoringTree, side: SideResult, rule: RuleSpec) -> Outcome:
    """The official result of the reviewed `side` of an assessment of `tree` under `rule`."""
    if tree.is_points:
        return _points_outcome(tree, side, rule)
    return _compliance_outcome(tree, side, rule)
