"""Framework trees as plain data: parsing the fixture format, structural checks, source-defect reports.

A `FrameworkSpec` is the in-memory form of `docs/fixture-format.md`, independent of the database.
The loader, the Excel import, `framework_tree` and `validate_frameworks` all go through it, so a
fixture, an imported workbook and a stored framework are compared in one shape.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import asdict, dataclass, field
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from .models import MAX_DEPTH, SchoolLevel, Scoring

HALF = Decimal("0.5")


class SpecError(ValueError):
    """The data cannot be read as a framework at all (wrong types, missing keys)."""


@dataclass
class NodeSpec:
    code: str
    level: int
    parent_code: str | None
    name: str = ""
    text: str = ""
    points: Decimal | None = None
    optional: bool = False
    optional_clauses: list[int] = field(default_factory=list)
    starred: bool = False
    points_inferred: bool = False
    note: str = ""
    source_section: str = ""
    row: int | None = None  # the spreadsheet row it came from, for error messages

    @property
    def where(self) -> str:
        return (
            _("第 %(row)d 行") % {"row": self.row} if self.row else _("指标 %(code)s") % {"code": self.code}
        )


@dataclass
class FrameworkSpec:
    code: str
    name: str
    scoring: str
    school_level: str = SchoolLevel.K12
    region: str = ""
    source_document: str = ""
    source_file: str = ""
    year: int | None = None
    total_points: Decimal | None = None
    note: str = ""
    nodes: list[NodeSpec] = field(default_factory=list)  # depth-first order

    def content_hash(self) -> str:
        """Stable hash of everything stored from this spec except the code (a copy hashes the same)."""
        payload = asdict(self)
        payload.pop("code")
        for node in payload["nodes"]:
            node.pop("row")
        blob = json.dumps(payload, ensure_ascii=False, sort_keys=True, default=str)
        return hashlib.sha256(blob.encode()).hexdigest()


@dataclass(frozen=True)
class Problem:
    where: str
    message: str

    def __str__(self) -> str:
        return _("%(where)s：%(message)s") % {"where": self.where, "message": self.message}


# --- numbers --------------------------------------------------------------------------------------


def parse_points(value) -> Decimal | None:
    """A point value from JSON/Excel: None/"" → None, else a Decimal; raises ValueError in Chinese."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise ValueError(_("分值“%(v)s”不是数字") % {"v": value})
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError(_("分值“%(v)s”不是数字") % {"v": value}) from None
    if not number.is_finite():
        raise ValueError(_("分值“%(v)s”不是数字") % {"v": value})
    if number < 0:
        raise ValueError(_("分值不能为负数（%(v)s）") % {"v": value})
    if number % HALF:
        raise ValueError(_("分值须为 0.5 的整数倍（%(v)s）") % {"v": value})
    return number.quantize(Decimal("0.1"))  # the stored precision, so hashes match after a round trip


def json_number(value: Decimal | None) -> int | float | None:
    """24 → 24, 2.5 → 2.5, None → None: how points appear in JSON."""
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def fmt_points(value: Decimal | None) -> str:
    number = json_number(value)
    return "—" if number is None else str(number)


# --- from/to the fixture dict ---------------------------------------------------------------------


def _text(data: dict, key: str, where: str) -> str:
    value = data.get(key, "")
    if value is None:
        return ""
    if not isinstance(value, str):
        raise SpecError(_("%(where)s：%(key)s 应为文本") % {"where": where, "key": key})
    return value


def spec_from_dict(data: dict) -> FrameworkSpec:
    """Read a fixture dict (nested `children`). Raises SpecError for malformed data, not for bad trees."""
    if not isinstance(data, dict):
        raise SpecError(_("顶层应为对象"))
    for key in ("code", "name", "scoring", "nodes"):
        if key not in data:
            raise SpecError(_("缺少字段 %(key)s") % {"key": key})
    if data["scoring"] not in Scoring.values:
        raise SpecError(_("scoring 应为 points 或 compliance"))
    try:
        total = parse_points(data.get("total_points"))
    except ValueError as exc:
        raise SpecError(str(exc)) from None
    spec = FrameworkSpec(
        code=str(data["code"]),
        name=_text(data, "name", "framework"),
        scoring=data["scoring"],
        school_level=data.get("school_level") or SchoolLevel.K12,
        region=_text(data, "region", "framework"),
        source_document=_text(data, "source_document", "framework"),
        source_file=_text(data, "source_file", "framework"),
        year=data.get("year"),
        total_points=total,
        note=_text(data, "note", "framework"),
    )

    def walk(items, parent_code):
        if not isinstance(items, list):
            raise SpecError(_("children 应为列表"))
        for item in items:
            if not isinstance(item, dict) or "code" not in item:
                raise SpecError(_("每个指标都需要 code"))
            where = str(item["code"])
            try:
                points = parse_points(item.get("points"))
            except ValueError as exc:
                raise SpecError(_("%(where)s：%(message)s") % {"where": where, "message": exc}) from None
            clauses = item.get("optional_clauses") or []
            if not isinstance(clauses, list) or not all(isinstance(c, int) for c in clauses):
                raise SpecError(_("%(where)s：optional_clauses 应为整数列表") % {"where": where})
            spec.nodes.append(
                NodeSpec(
                    code=where,
                    level=int(item.get("level") or 0),
                    parent_code=parent_code,
                    name=_text(item, "name", where),
                    text=_text(item, "text", where),
                    points=points,
                    optional=bool(item.get("optional")),
                    optional_clauses=list(clauses),
                    starred=bool(item.get("starred")),
                    points_inferred=bool(item.get("points_inferred")),
                    note=_text(item, "note", where),
                    source_section=_text(item, "source_section", where),
                )
            )
            walk(item.get("children") or [], where)

    walk(data["nodes"], None)
    return spec


def spec_from_models(framework, nodes) -> FrameworkSpec:
    """The spec of a stored framework; `nodes` in position order, parents already resolvable by id."""
    code_by_id = {n.pk: n.code for n in nodes}
    return FrameworkSpec(
        code=framework.code,
        name=framework.name,
        scoring=framework.scoring,
        school_level=framework.school_level,
        region=framework.region,
        source_document=framework.source_document,
        source_file=framework.source_file,
        year=framework.year,
        total_points=framework.total_points,
        note=framework.note,
        nodes=[
            NodeSpec(
                code=n.code,
                level=n.level,
                parent_code=code_by_id.get(n.parent_id),
                name=n.name,
                text=n.text,
                points=n.points,
                optional=n.optional,
                optional_clauses=list(n.optional_clauses or []),
                starred=n.starred,
                points_inferred=n.points_inferred,
                note=n.note,
                source_section=n.source_section,
            )
            for n in nodes
        ],
    )


def node_dict(node: NodeSpec) -> dict:
    return {
        "code": node.code,
        "level": node.level,
        "name": node.name,
        "text": node.text,
        "points": json_number(node.points),
        "optional": node.optional,
        "optional_clauses": list(node.optional_clauses),
        "starred": node.starred,
        "points_inferred": node.points_inferred,
        "note": node.note,
        "source_section": node.source_section,
        "children": [],
    }


def spec_to_dict(spec: FrameworkSpec, *, version: int | None = None) -> dict:
    """The fixture shape (what `framework_tree --json` and the API print)."""
    out = {
        "code": spec.code,
        "name": spec.name,
        "region": spec.region,
        "school_level": spec.school_level,
        "source_document": spec.source_document,
        "source_file": spec.source_file,
        "year": spec.year,
        "scoring": spec.scoring,
        "total_points": json_number(spec.total_points),
        "note": spec.note,
    }
    if version is not None:
        out["version"] = version
    out["nodes"] = nest(spec.nodes, node_dict)
    return out


def nest(nodes: list[NodeSpec], make) -> list:
    """Nest depth-first `nodes` into `make(node)` dicts with "children" lists."""
    by_code: dict[str, dict] = {}
    roots: list = []
    for node in nodes:
        item = make(node)
        by_code[node.code] = item
        parent = by_code.get(node.parent_code) if node.parent_code else None
        (parent["children"] if parent is not None else roots).append(item)
    return roots


# --- structural checks ----------------------------------------------------------------------------


def structure_errors(nodes: list[NodeSpec]) -> list[Problem]:
    """Errors that make the tree unusable: duplicate codes, missing parents, cycles, wrong levels/depth,
    codes that do not match the node's parent and position. Empty list = a sound tree."""
    problems: list[Problem] = []
    if not nodes:
        return [Problem(_("指标体系"), _("没有任何指标"))]
    counts = Counter(n.code for n in nodes)
    by_code: dict[str, NodeSpec] = {}
    for node in nodes:
        if not node.code:
            problems.append(Problem(node.where, _("缺少编号")))
        elif counts[node.code] > 1 and node.code in by_code:
            problems.append(Problem(node.where, _("编号 %(code)s 重复") % {"code": node.code}))
        else:
            by_code.setdefault(node.code, node)

    cyclic: set[str] = set()
    for node in nodes:
        seen = {node.code}
        current = node
        while current.parent_code:
            if current.parent_code in seen:
                cyclic.add(node.code)
                break
            seen.add(current.parent_code)
            parent = by_code.get(current.parent_code)
            if parent is None:
                break
            current = parent
    for node in nodes:
        if node.code in cyclic:
            problems.append(
                Problem(node.where, _("上级指标形成循环引用（%(code)s 是自己的上级）") % {"code": node.code})
            )

    seen_codes: set[str] = set()
    child_counter: Counter = Counter()
    leaf_levels: set[int] = set()
    has_children = {n.parent_code for n in nodes if n.parent_code}
    for node in nodes:
        if node.code in cyclic or not node.code:
            continue
        if not 1 <= node.level <= MAX_DEPTH:
            problems.append(
                Problem(
                    node.where,
                    _("层级 %(level)s 无效（应为 1 至 %(max)d）") % {"level": node.level, "max": MAX_DEPTH},
                )
            )
            continue
        parent = by_code.get(node.parent_code) if node.parent_code else None
        if node.parent_code and parent is None:
            problems.append(Problem(node.where, _("找不到上级指标 %(code)s") % {"code": node.parent_code}))
            continue
        if node.parent_code and node.parent_code not in seen_codes:
            problems.append(
                Problem(node.where, _("上级指标 %(code)s 应排在它之前") % {"code": node.parent_code})
            )
        expected_level = parent.level + 1 if parent else 1
        if node.level != expected_level:
            problems.append(
                Problem(
                    node.where,
                    _("层级应为 %(expected)d（上级为 %(parent)s），实为 %(level)d")
                    % {"expected": expected_level, "parent": node.parent_code or "—", "level": node.level},
                )
            )
        child_counter[node.parent_code] += 1
        expected_code = (
            f"{node.parent_code}.{child_counter[node.parent_code]}"
            if node.parent_code
            else str(child_counter[None])
        )
        if node.code != expected_code:
            problems.append(
                Problem(
                    node.where,
                    _("编号 %(code)s 与位置不符，按上级和顺序应为 %(expected)s")
                    % {"code": node.code, "expected": expected_code},
                )
            )
        seen_codes.add(node.code)
        if node.code not in has_children:
            leaf_levels.add(node.level)
    if len(leaf_levels) > 1:
        depth = max(leaf_levels)
        for node in nodes:
            if node.code not in has_children and node.level != depth and node.code not in cyclic:
                problems.append(
                    Problem(
                        node.where,
                        _("层级深度不一致：末级指标应在第 %(depth)d 级，此处为第 %(level)d 级")
                        % {"depth": depth, "level": node.level},
                    )
                )
    return problems


# --- defects of the source (reported, never fatal) ------------------------------------------------


@dataclass
class Report:
    counts: dict[int, int]
    mismatches: list[Problem]
    warnings: list[Problem]
    inferred: list[Problem]


def source_report(spec: FrameworkSpec) -> Report:
    """Counts per level and every inconsistency of the declared values (kept as declared)."""
    counts = dict(sorted(Counter(n.level for n in spec.nodes).items()))
    children: dict[str | None, list[NodeSpec]] = {}
    for node in spec.nodes:
        children.setdefault(node.parent_code, []).append(node)
    mismatches: list[Problem] = []
    warnings: list[Problem] = []

    def label(node: NodeSpec) -> str:
        return f"{node.code} {node.name}".strip()

    if spec.scoring == Scoring.POINTS:
        roots = children.get(None, [])
        root_sum = sum((n.points or 0 for n in roots), Decimal(0))
        if spec.total_points is not None and root_sum != spec.total_points:
            mismatches.append(
                Problem(
                    _("总分"),
                    _("声明总分 %(declared)s，一级指标合计 %(sum)s")
                    % {"declared": fmt_points(spec.total_points), "sum": fmt_points(root_sum)},
                )
            )
        if spec.total_points is None:
            warnings.append(Problem(_("总分"), _("计分制指标体系未声明总分")))
        declared = spec.total_points if spec.total_points is not None else root_sum
        if declared != 100:
            warnings.append(
                Problem(_("总分"), _("总分为 %(total)s，不是 100 分") % {"total": fmt_points(declared)})
            )
        for node in spec.nodes:
            kids = children.get(node.code, [])
            pointed = [k for k in kids if k.points is not None]
            if node.points is None or not pointed:
                continue
            kid_sum = sum((k.points for k in pointed), Decimal(0))
            if kid_sum != node.points:
                more = kid_sum > node.points
                mismatches.append(
                    Problem(
                        label(node),
                        (
                            _("声明 %(declared)s 分，下级合计 %(sum)s 分（计分时按 %(declared)s 分封顶）")
                            if more
                            else _("声明 %(declared)s 分，下级合计 %(sum)s 分（下级满分也达不到声明分值）")
                        )
                        % {"declared": fmt_points(node.points), "sum": fmt_points(kid_sum)},
                    )
                )
            if len(pointed) != len(kids):
                warnings.append(Problem(label(node), _("部分下级指标有分值、部分没有")))
        for node in spec.nodes:
            if (
                node.points is None
                and not any(k.points is not None for k in _descendants(node, children))
                and node.level == 1
            ):
                warnings.append(Problem(label(node), _("计分制的一级指标没有分值")))
    else:
        for node in spec.nodes:
            if node.points is not None:
                warnings.append(
                    Problem(
                        label(node), _("达标制指标体系中出现了分值 %(p)s") % {"p": fmt_points(node.points)}
                    )
                )
        if spec.total_points is not None:
            warnings.append(Problem(_("总分"), _("达标制指标体系不应声明总分")))
    for node in spec.nodes:
        if node.starred and node.level != 1:
            warnings.append(Problem(label(node), _("只有一级指标可以带 *")))
        if node.optional and children.get(node.code):
            warnings.append(Problem(label(node), _("可选标记应在末级指标上")))
    inferred = [
        Problem(label(n), n.note or _("（推定值，但没有说明）")) for n in spec.nodes if n.points_inferred
    ]
    for node in spec.nodes:
        if node.points_inferred and not node.note:
            warnings.append(Problem(label(node), _("推定值没有说明来源")))
    return Report(counts=counts, mismatches=mismatches, warnings=warnings, inferred=inferred)


def _descendants(node: NodeSpec, children: dict) -> list[NodeSpec]:
    out = []
    stack = list(children.get(node.code, []))
    while stack:
        current = stack.pop()
        out.append(current)
        stack.extend(children.get(current.code, []))
    return out
