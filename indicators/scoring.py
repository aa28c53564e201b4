"""The scoring engine: pure functions over plain dataclasses.

Nothing here touches the database. Build a `ScoringTree` once with `scoring_tree_from_nodes`
(from model instances, `NodeSpec`s or fixture dicts), then call `score_points` /
`score_compliance` as often as needed. The validators (`validate_points_score`,
`validate_compliance_status`) are what forms and reviewers call for a single answer.

Points mode
    A score is given on the *scoring node*: the deepest node of its branch that carries points.
    0 ≤ score ≤ max, in steps of 0.5. A parent's score is the sum of its children, capped at its
    declared points. Inside a starred (*) dimension every scoring node may reach the dimension's
    maximum (its nominal points stay as guidance), the dimension itself is capped at its maximum.
Compliance mode
    Each leaf is met / partial / not_met, or na for optional leaves only. The standard is met
    only if every required leaf is met. Compliance index = mean over required leaves of
    met 1, partial 0.5, not met 0; an unanswered required leaf counts 0 and is listed as missing.
    Optional leaves never change the index or the verdict; how many were met is reported apart.
Rounding
    Every figure shown is computed from exact values and rounded once, half away from zero, to one
    decimal (`round_once`): a percentage of points, a compliance index as a percentage, a mean, a
    median. A difference between two shown figures is taken from the rounded figures, so what is
    shown always adds up (82.3 % and 81.6 % differ by 0.7, never by a figure of their own).
Summaries
    `side_result` condenses one side of an assessment (the school's values, or the reviewer's) into
    what every output shows: the total, its percentage, each dimension, the compliance counts.
    `statistics_of` and `competition_ranks` are the statistics taken over such results.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from fractions import Fraction

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from .choices import COMPLIANCE_WEIGHTS, ComplianceStatus, Scoring

ZERO = Decimal(0)
HALF = Decimal("0.5")
HUNDRED = Decimal(100)
#: the one precision of every figure shown: one decimal
FIGURE_STEP = Decimal("0.1")
#: how the compliance index is computed, said wherever it is shown
COMPLIANCE_INDEX_RULE = _lazy(
    "达标指数 = 必选条目的平均达标程度：达标计 1、部分达标计 0.5（算一半）、未达标或未填写计 0，"
    "以百分比表示；选配条目不计入，另行统计选配达标数。"
)


class ScoreError(ValueError):
    """An answer that the rules do not allow; the message is shown to the user as is."""


# --- the tree -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScoringNode:
    code: str
    level: int
    name: str = ""
    points: Decimal | None = None
    optional: bool = False
    starred: bool = False
    children: tuple[ScoringNode, ...] = ()

    @property
    def is_leaf(self) -> bool:
        return not self.children

    def walk(self) -> Iterable[ScoringNode]:
        yield self
        for child in self.children:
            yield from child.walk()


@dataclass(frozen=True)
class ScoringTree:
    """A framework reduced to what scoring needs. `scoring` is a `Scoring` value.

    `items` are the codes of the answerable nodes in tree order (the scoring nodes in points mode,
    the leaves in compliance mode); `dimension_of` maps every code to its first-level node's code."""

    roots: tuple[ScoringNode, ...]
    scoring: str = Scoring.POINTS
    total_points: Decimal | None = None
    nodes: dict[str, ScoringNode] = field(default_factory=dict, compare=False)
    # points mode: code of each scoring node → the max a score may reach (starred: dimension max)
    score_max: dict[str, Decimal] = field(default_factory=dict, compare=False)
    dimension_of: dict[str, str] = field(default_factory=dict, compare=False)

    @property
    def is_points(self) -> bool:
        return self.scoring == Scoring.POINTS

    @property
    def items(self) -> tuple[str, ...]:
        if self.is_points:
            return tuple(code for code in self.nodes if code in self.score_max)
        return tuple(n.code for n in self.nodes.values() if n.is_leaf)

    def dimension(self, code: str) -> ScoringNode:
        """The first-level node (dimension) above `code`, or the node itself on the first level."""
        return self.nodes[self.dimension_of[code]]

    @property
    def declared_total(self) -> Decimal:
        if self.total_points is not None:
            return self.total_points
        return sum((r.points or ZERO for r in self.roots), ZERO)

    @property
    def leaves(self) -> list[ScoringNode]:
        return [n for n in self.nodes.values() if n.is_leaf]


def _get(obj, key, default=None):
    return obj.get(key, default) if isinstance(obj, Mapping) else getattr(obj, key, default)


def _decimal(value) -> Decimal | None:
    if value is None or value == "":
        return None
    return value if isinstance(value, Decimal) else Decimal(str(value))


def scoring_tree_from_nodes(nodes: Iterable, *, scoring: str | None = None, total_points=None) -> ScoringTree:
    """Build the tree from model `Node`s, `NodeSpec`s, or fixture dicts (nested with "children" or
    flat with "parent_code"). `scoring` defaults to "points" when any node carries points."""
    items = list(nodes)
    flat: list[tuple[object, str | None]] = []

    def flatten(objs, parent_code):
        for obj in objs:
            flat.append((obj, parent_code))
            kids = _get(obj, "children")
            if isinstance(kids, list | tuple) and kids and isinstance(kids[0], Mapping):
                flatten(kids, _get(obj, "code"))

    flatten(items, None)
    code_by_id = {_get(o, "pk"): _get(o, "code") for o, _p in flat if _get(o, "pk") is not None}
    children: dict[str | None, list[str]] = {}
    raw: dict[str, dict] = {}
    for obj, nested_parent in flat:
        code = str(_get(obj, "code"))
        parent = nested_parent
        if parent is None:
            parent = _get(obj, "parent_code")
        if parent is None and _get(obj, "parent_id") is not None:
            parent = code_by_id.get(_get(obj, "parent_id"))
        raw[code] = {
            "code": code,
            "level": int(_get(obj, "level") or 0),
            "name": _get(obj, "name") or "",
            "points": _decimal(_get(obj, "points")),
            "optional": bool(_get(obj, "optional")),
            "starred": bool(_get(obj, "starred")),
        }
        children.setdefault(parent, []).append(code)

    def build(code: str) -> ScoringNode:
        return ScoringNode(**raw[code], children=tuple(build(c) for c in children.get(code, [])))

    roots = tuple(build(c) for c in children.get(None, []))
    index = {n.code: n for root in roots for n in root.walk()}
    dimension_of = {n.code: root.code for root in roots for n in root.walk()}
    if scoring is None:
        scoring = Scoring.POINTS if any(n.points is not None for n in index.values()) else Scoring.COMPLIANCE
    score_max: dict[str, Decimal] = {}
    if scoring == Scoring.POINTS:
        for root in roots:
            _collect_scoring_nodes(root, root.points if root.starred else None, score_max)
    return ScoringTree(roots, Scoring(scoring), _decimal(total_points), index, score_max, dimension_of)


def _carries_points_below(node: ScoringNode) -> bool:
    return any(d.points is not None for c in node.children for d in c.walk())


def _collect_scoring_nodes(node: ScoringNode, starred_max: Decimal | None, out: dict) -> None:
    if node.points is not None and not _carries_points_below(node):
        out[node.code] = starred_max if starred_max is not None and starred_max > node.points else node.points
        return
    for child in node.children:
        _collect_scoring_nodes(child, starred_max, out)


# --- validation of single answers ----------------------------------------------------------------


def _node(tree: ScoringTree, code: str) -> ScoringNode:
    try:
        return tree.nodes[code]
    except KeyError:
        raise ScoreError(_("指标 %(code)s 不存在") % {"code": code}) from None


def validate_points_score(tree: ScoringTree, code: str, score) -> Decimal:
    """The score as a Decimal, or ScoreError: wrong mode, non-scoring node, not a number, out of
    range, not a multiple of 0.5."""
    if not tree.is_points:
        raise ScoreError(_("达标制指标体系不能打分，请选择达标情况"))
    node = _node(tree, code)
    if code not in tree.score_max:
        raise ScoreError(
            _("指标 %(code)s 不是计分指标，请在其下级指标上打分") % {"code": code}
            if node.children
            else _("指标 %(code)s 没有分值，不能打分") % {"code": code}
        )
    if isinstance(score, bool):
        raise ScoreError(_("分数须为数字"))
    try:
        value = score if isinstance(score, Decimal) else Decimal(str(score).strip())
    except (InvalidOperation, ValueError):
        raise ScoreError(_("分数“%(v)s”不是数字") % {"v": score}) from None
    if not value.is_finite():
        raise ScoreError(_("分数“%(v)s”不是数字") % {"v": score})
    maximum = tree.score_max[code]
    if value < 0:
        raise ScoreError(_("分数不能为负数"))
    if value > maximum:
        raise ScoreError(
            _("指标 %(code)s 最高 %(max)s 分，不能给 %(v)s 分")
            % {"code": code, "max": _fmt(maximum), "v": _fmt(value)}
        )
    if value % HALF:
        raise ScoreError(_("分数须为 0.5 的整数倍（%(v)s）") % {"v": _fmt(value)})
    return value


def validate_compliance_status(tree: ScoringTree, code: str, status) -> ComplianceStatus:
    """The status as a `ComplianceStatus`, or ScoreError: wrong mode, not a leaf, unknown value, na
    when required."""
    if tree.is_points:
        raise ScoreError(_("计分制指标体系须填写分数，不能选择达标情况"))
    node = _node(tree, code)
    if node.children:
        raise ScoreError(_("指标 %(code)s 不是末级条目，请在其下级条目上选择达标情况") % {"code": code})
    try:
        value = ComplianceStatus(status)
    except ValueError:
        raise ScoreError(
            _("达标情况“%(v)s”无效，可选：达标、部分达标、未达标、不适用") % {"v": status}
        ) from None
    if value == ComplianceStatus.NA and not node.optional:
        raise ScoreError(_("指标 %(code)s 是必选条目，不能选择“不适用”") % {"code": code})
    return value


def _fmt(value: Decimal) -> str:
    """10 → "10", 1.50 → "1.5"; an absurd value (a typed 1e999999) in scientific notation."""
    value = value.normalize()
    return f"{value:f}" if value.adjusted() < 20 else str(value)


def round_once(value: Fraction | Decimal | int, step: Decimal = FIGURE_STEP) -> Decimal:
    """`value`, exact, rounded half away from zero to a multiple of `step` (one decimal): the only
    rounding a shown figure goes through. Exact input (a Fraction, not a float) makes the result
    independent of how the value was computed (in Python or from the database's sums)."""
    units = Fraction(value) / Fraction(step)
    whole = math.floor(abs(units) + Fraction(1, 2))
    return Decimal(whole if units >= 0 else -whole) * step


def percent_of(part, whole) -> Decimal | None:
    """part / whole as a percentage, rounded once to one decimal; None without a whole."""
    if not whole:
        return None
    return _percent_of(part, whole)


@functools.lru_cache(maxsize=65536)
def _percent_of(part, whole) -> Decimal:
    # a pure function of the two numbers' values (equal numbers hash alike and give the same
    # figure), asked with the same few pairs for every item of every school: computed once each
    return round_once(Fraction(part) * 100 / Fraction(whole))


def compliance_ratio(counts: Mapping[str, int], required: int) -> Fraction | None:
    """The compliance index, exact: Σ weight × count over the required items / their number
    (`counts` maps a status to how many required items have it; unanswered ones weigh 0)."""
    if not required:
        return None
    weighted = sum((Fraction(w) * counts.get(str(s), 0) for s, w in COMPLIANCE_WEIGHTS.items()), Fraction(0))
    return weighted / required


# --- points mode ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PointsNodeResult:
    code: str
    score: Decimal | None  # None: a scoring node without an answer
    max: Decimal | None  # declared points (None above the scoring level when nothing is declared)
    raw: Decimal  # uncapped sum of the children (= score on a scoring node)
    answered: int  # scoring nodes answered in this subtree
    total: int  # scoring nodes in this subtree
    percentage: Decimal | None  # score / max × 100

    @property
    def capped(self) -> bool:
        return self.score is not None and self.raw > self.score


@dataclass(frozen=True)
class PointsResult:
    nodes: dict[str, PointsNodeResult]
    total: Decimal  # sum of the first-level scores (each capped)
    raw_total: Decimal  # sum of every answered scoring node, no caps
    declared_total: Decimal
    percentage: Decimal | None  # total / declared_total × 100
    answered: int
    item_count: int
    missing: tuple[str, ...]  # codes of unanswered scoring nodes, in tree order

    @property
    def complete(self) -> bool:
        return not self.missing


def score_points(tree: ScoringTree, scores: Mapping[str, object]) -> PointsResult:
    """Score a points-mode framework; `scores` maps scoring-node codes to scores (None = unanswered).
    Raises ScoreError for the first answer the rules do not allow."""
    values: dict[str, Decimal] = {}
    for code, score in scores.items():
        if score is None or score == "":
            continue
        values[code] = validate_points_score(tree, code, score)
    results: dict[str, PointsNodeResult] = {}
    missing: list[str] = []

    def visit(node: ScoringNode) -> PointsNodeResult:
        if node.code in tree.score_max:
            maximum = tree.score_max[node.code]
            score = values.get(node.code)
            if score is None:
                missing.append(node.code)
            result = PointsNodeResult(
                node.code,
                score,
                maximum,
                score or ZERO,
                int(score is not None),
                1,
                percent_of(score, maximum) if score is not None else None,
            )
        else:
            kids = [visit(child) for child in node.children]
            raw = sum((k.score or ZERO for k in kids), ZERO)
            score = min(raw, node.points) if node.points is not None else raw
            result = PointsNodeResult(
                node.code,
                score,
                node.points,
                raw,
                sum(k.answered for k in kids),
                sum(k.total for k in kids),
                percent_of(score, node.points) if node.points is not None else None,
            )
        results[node.code] = result
        return result

    roots = [visit(root) for root in tree.roots]
    total = sum((r.score or ZERO for r in roots), ZERO)
    declared = tree.declared_total
    return PointsResult(
        nodes=results,
        total=total,
        raw_total=sum(values.values(), ZERO),
        declared_total=declared,
        percentage=percent_of(total, declared),
        answered=len(values),
        item_count=len(tree.score_max),
        missing=tuple(missing),
    )


# --- compliance mode ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ComplianceNodeResult:
    code: str
    status: ComplianceStatus | None  # leaves only; None = unanswered
    met: int  # required leaves met
    partial: int
    not_met: int
    missing: int  # required leaves unanswered
    required: int  # required leaves in this subtree
    optional: int  # optional leaves in this subtree
    optional_met: int
    optional_na: int
    answered: int  # leaves (required and optional) with a status
    total: int  # leaves in this subtree
    index: Decimal | None  # mean of 1 / 0.5 / 0 over required leaves (None without required leaves)
    meets_standard: bool  # every required leaf met

    @property
    def ratio(self) -> Fraction | None:
        """The index, exact."""
        return compliance_ratio({"met": self.met, "partial": self.partial}, self.required)

    @property
    def percentage(self) -> Decimal | None:
        """The index as a percentage, rounded once (from the exact ratio, not the 4-place index)."""
        ratio = self.ratio
        return None if ratio is None else round_once(ratio * 100)


@dataclass(frozen=True)
class ComplianceResult:
    nodes: dict[str, ComplianceNodeResult]
    meets_standard: bool
    index: Decimal | None
    required: int
    required_met: int
    partial: int
    not_met: int
    optional: int
    optional_met: int
    optional_na: int
    answered: int
    item_count: int
    missing: tuple[str, ...]  # every unanswered leaf (required and optional), in tree order

    @property
    def complete(self) -> bool:
        return not self.missing

    @property
    def ratio(self) -> Fraction | None:
        """The index, exact."""
        return compliance_ratio({"met": self.required_met, "partial": self.partial}, self.required)

    @property
    def percentage(self) -> Decimal | None:
        """The index as a percentage, rounded once (from the exact ratio, not the 4-place index)."""
        ratio = self.ratio
        return None if ratio is None else round_once(ratio * 100)


def score_compliance(tree: ScoringTree, statuses: Mapping[str, object]) -> ComplianceResult:
    """Evaluate a compliance-mode framework; `statuses` maps leaf codes to met/partial/not_met/na."""
    values: dict[str, ComplianceStatus] = {}
    for code, status in statuses.items():
        if status is None or status == "":
            continue
        values[code] = validate_compliance_status(tree, code, status)
    results: dict[str, ComplianceNodeResult] = {}
    missing: list[str] = []
    index_sums: dict[str, Decimal] = {}

    def visit(node: ScoringNode) -> ComplianceNodeResult:
        if node.is_leaf:
            status = values.get(node.code)
            if status is None:
                missing.append(node.code)
            req = not node.optional
            counts = {
                "met": int(req and status == ComplianceStatus.MET),
                "partial": int(req and status == ComplianceStatus.PARTIAL),
                "not_met": int(req and status == ComplianceStatus.NOT_MET),
                "missing": int(req and status is None),
                "required": int(req),
                "optional": int(not req),
                "optional_met": int(not req and status == ComplianceStatus.MET),
                "optional_na": int(not req and status == ComplianceStatus.NA),
                "answered": int(status is not None),
                "total": 1,
            }
            index_sums[node.code] = COMPLIANCE_WEIGHTS.get(status, ZERO) if req else ZERO
        else:
            kids = [visit(child) for child in node.children]
            counts = {key: sum(getattr(k, key) for k in kids) for key in _COUNT_KEYS}
            index_sums[node.code] = sum((index_sums[k.code] for k in kids), ZERO)
            status = None
        index = index_sums[node.code] / counts["required"] if counts["required"] else None
        result = ComplianceNodeResult(
            node.code,
            status,
            index=index.quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP) if index is not None else None,
            meets_standard=counts["met"] == counts["required"],
            **counts,
        )
        results[node.code] = result
        return result

    roots = [visit(root) for root in tree.roots]
    required = sum(r.required for r in roots)
    index_sum = sum((index_sums[r.code] for r in roots), ZERO)
    return ComplianceResult(
        nodes=results,
        meets_standard=all(r.meets_standard for r in roots),
        index=(index_sum / required).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)
        if required
        else None,
        required=required,
        required_met=sum(r.met for r in roots),
        partial=sum(r.partial for r in roots),
        not_met=sum(r.not_met for r in roots),
        optional=sum(r.optional for r in roots),
        optional_met=sum(r.optional_met for r in roots),
        optional_na=sum(r.optional_na for r in roots),
        answered=len(values),
        item_count=sum(r.total for r in roots),
        missing=tuple(missing),
    )


_COUNT_KEYS = (
    "met",
    "partial",
    "not_met",
    "missing",
    "required",
    "optional",
    "optional_met",
    "optional_na",
    "answered",
    "total",
)


# Results of `score` kept per process: a page that shows a school's results scores the same answers
# more than once (workspace and results), and the next view of an unchanged school scores them again.
# The key is the tree object and every answer with its type and exact text (Decimal("1.0") and
# Decimal("1.00") are equal but print differently), so a hit is what scoring would return; errors are
# raised, never kept. Results are shared: callers must not change them.
_SCORED: dict[tuple, tuple[ScoringTree, PointsResult | ComplianceResult]] = {}
_SCORED_MAX = 128


def score(tree: ScoringTree, answers: Mapping[str, object]) -> PointsResult | ComplianceResult:
    """Dispatch on the framework's scoring mode."""
    key = (id(tree), frozenset((code, type(v), str(v)) for code, v in answers.items()))
    found = _SCORED.get(key)
    if found is not None and found[0] is tree:
        return found[1]
    result = score_points(tree, answers) if tree.is_points else score_compliance(tree, answers)
    if len(_SCORED) >= _SCORED_MAX:
        _SCORED.pop(next(iter(_SCORED)))  # the oldest
    _SCORED[key] = (tree, result)
    return result


# --- summaries: what every output shows of one side of an assessment ------------------------------


@dataclass(frozen=True)
class ComplianceCounts:
    """How the items of a compliance framework (or of one dimension) were answered.

    `required`, `met`, `partial`, `not_met`, `missing` count required items; `optional`,
    `optional_met`, `optional_na` optional ones (shown as 「选配达标 optional_met / optional」)."""

    required: int
    met: int
    partial: int
    not_met: int
    missing: int
    optional: int
    optional_met: int
    optional_na: int

    @property
    def ratio(self) -> Fraction | None:
        """The compliance index, exact (met 1, partial 0.5, not met and unanswered 0)."""
        return compliance_ratio({"met": self.met, "partial": self.partial}, self.required)

    @property
    def percent(self) -> Decimal | None:
        """The compliance index as a percentage, rounded once."""
        ratio = self.ratio
        return None if ratio is None else round_once(ratio * 100)

    @property
    def meets_standard(self) -> bool:
        """Every required item met."""
        return self.met == self.required


@dataclass(frozen=True)
class DimensionResult:
    """One first-level dimension of one side.

    Points mode: `score` (capped at `max`), `percent` of `max`. Compliance mode: `percent` is the
    compliance index of the dimension's required items, `compliance` the counts. `exact` is the
    unrounded figure statistics are taken over, in the side's unit (points, or percent)."""

    code: str
    name: str
    starred: bool
    max: Decimal | None
    score: Decimal | None
    raw: Decimal | None
    percent: Decimal | None
    exact: Fraction | None
    answered: int
    total: int
    compliance: ComplianceCounts | None = None

    @property
    def value(self) -> Decimal | None:
        """The figure shown, ranked and averaged: the score (points) or the percentage (compliance)."""
        return None if self.exact is None else round_once(self.exact)

    @property
    def capped(self) -> bool:
        return self.score is not None and self.raw is not None and self.raw > self.score


@dataclass(frozen=True)
class SideResult:
    """One side of an assessment — the school's self-assessment, or the reviewer's values — reduced
    to what the pages, the dashboard, the workbook, the PDF and the API show.

    Points mode: `total` (dimensions capped) of `declared_total`, `percent` of the declared total.
    Compliance mode: `total` is None, `percent` is the compliance index, `compliance` the counts.
    `exact` is the unrounded figure in the side's unit (points, or percent) that statistics and ranks
    are taken over; `value` is that figure as shown. `engine` is the full scoring-engine result
    (every node), for rules that need more than the dimensions; None in results summarised to keep
    many schools in memory (`Results.without_items`)."""

    scoring: str
    total: Decimal | None
    declared_total: Decimal | None
    percent: Decimal | None
    exact: Fraction | None
    answered: int
    item_count: int
    missing: tuple[str, ...]
    dimensions: tuple[DimensionResult, ...]
    compliance: ComplianceCounts | None
    engine: PointsResult | ComplianceResult | None = field(repr=False, compare=False)

    @property
    def is_points(self) -> bool:
        return self.scoring == Scoring.POINTS

    @property
    def value(self) -> Decimal | None:
        """The figure shown, ranked and averaged: the total (points) or the percentage (compliance)."""
        return None if self.exact is None else round_once(self.exact)

    @property
    def complete(self) -> bool:
        return not self.missing

    def dimension(self, code: str) -> DimensionResult:
        return next(d for d in self.dimensions if d.code == code)


def _counts(node: ComplianceNodeResult | ComplianceResult) -> ComplianceCounts:
    if isinstance(node, ComplianceResult):  # the whole tree: required items neither met, partial nor not met
        met = node.required_met
        missing = node.required - node.required_met - node.partial - node.not_met
    else:
        met, missing = node.met, node.missing
    return ComplianceCounts(
        required=node.required,
        met=met,
        partial=node.partial,
        not_met=node.not_met,
        missing=missing,
        optional=node.optional,
        optional_met=node.optional_met,
        optional_na=node.optional_na,
    )


def side_result(tree: ScoringTree, answers: Mapping[str, object]) -> SideResult:
    """Score `answers` (item code → score or status, None = unanswered) and summarise them.
    Raises ScoreError like `score` for an answer the rules do not allow."""
    return side_result_of(tree, score(tree, answers))


def side_result_of(tree: ScoringTree, result: PointsResult | ComplianceResult) -> SideResult:
    """The summary of a scoring-engine result of `tree`."""
    dimensions = []
    for root in tree.roots:
        node = result.nodes[root.code]
        if tree.is_points:
            # a dimension that is itself a scoring node and has no answer scores 0, like any other
            # dimension without answers (and like the total counts it)
            dim_score = node.score if node.score is not None else ZERO
            dimensions.append(
                DimensionResult(
                    code=root.code,
                    name=root.name,
                    starred=root.starred,
                    max=node.max,
                    score=dim_score,
                    raw=node.raw,
                    percent=percent_of(dim_score, node.max),
                    exact=Fraction(dim_score),
                    answered=node.answered,
                    total=node.total,
                )
            )
        else:
            counts = _counts(node)
            ratio = counts.ratio
            dimensions.append(
                DimensionResult(
                    code=root.code,
                    name=root.name,
                    starred=root.starred,
                    max=None,
                    score=None,
                    raw=None,
                    percent=counts.percent,
                    exact=None if ratio is None else ratio * 100,
                    answered=node.answered,
                    total=node.total,
                    compliance=counts,
                )
            )
    if tree.is_points:
        return SideResult(
            scoring=tree.scoring,
            total=result.total,
            declared_total=result.declared_total,
            percent=result.percentage,
            exact=Fraction(result.total),
            answered=result.answered,
            item_count=result.item_count,
            missing=result.missing,
            dimensions=tuple(dimensions),
            compliance=None,
            engine=result,
        )
    counts = _counts(result)
    ratio = counts.ratio
    return SideResult(
        scoring=tree.scoring,
        total=None,
        declared_total=None,
        percent=counts.percent,
        exact=None if ratio is None else ratio * 100,
        answered=result.answered,
        item_count=result.item_count,
        missing=result.missing,
        dimensions=tuple(dimensions),
        compliance=counts,
        engine=result,
    )


# --- statistics over many schools -----------------------------------------------------------------


@dataclass(frozen=True)
class Statistics:
    """Count, mean, median, minimum and maximum of exact figures, each rounded once."""

    count: int
    mean: Decimal | None = None
    median: Decimal | None = None
    minimum: Decimal | None = None
    maximum: Decimal | None = None


def statistics_of(values: Iterable[Fraction | Decimal | int | None]) -> Statistics:
    """The statistics of the exact figures `values` (None values are left out), computed exactly
    and rounded once: the same figures give the same statistics in whatever order they come."""
    exact = sorted(Fraction(v) for v in values if v is not None)
    if not exact:
        return Statistics(0)
    n = len(exact)
    middle = exact[n // 2] if n % 2 else (exact[n // 2 - 1] + exact[n // 2]) / 2
    return Statistics(
        count=n,
        mean=round_once(sum(exact, Fraction(0)) / n),
        median=round_once(middle),
        minimum=round_once(exact[0]),
        maximum=round_once(exact[-1]),
    )


def competition_ranks(values: Mapping[Hashable, Decimal | None]) -> dict:
    """1, 2, 2, 4 … by descending value; keys whose value is None get no rank."""
    ordered = sorted(((v, k) for k, v in values.items() if v is not None), key=lambda t: -t[0])
    ranks, previous, rank = {}, None, 0
    for position, (value, key) in enumerate(ordered, start=1):
        if value != previous:
            rank, previous = position, value
        ranks[key] = rank
    return ranks
