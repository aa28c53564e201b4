"""Automatic checks of the standards' numeric clauses: rules as plain data, their validation and the
evaluator. Pure functions — no database access — so pages, submission and reports call the same code
with whatever facts they hold.

    results = evaluate_rules(rules, facts={"students": 1200, "student_pcs": 150},
                             school_type="nine_year", catalogue=catalogue)

A rule is checked once (`compile_rule`: whitelisted expressions, known facts, types, message
placeholders) and evaluated in four steps:
  1. a level-dependent threshold naming none of the school's levels → 不适用 (the clause says nothing
     about this kind of school);
  2. `when` (“24个班级以上的学校”): a fact it needs is missing → 无法判断; false → 不适用;
  3. a fact the expression needs is missing → 无法判断 (passed = None), never a failure;
  4. otherwise the expression decides 符合 / 不符合, and the message shows the numbers used.
"""

from __future__ import annotations

import enum
import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import get_language
from django.utils.translation import gettext as _

from .expressions import (
    NAME_RE,
    RESERVED,
    SCHOOL_TYPE,
    Expression,
    ExpressionError,
    LevelNotApplicable,
    Scope,
    Type,
    Undefined,
    check_directions,
    evaluate,
    infer_type,
    level_alias,
    parse_expression,
)
from .facts import FactSpec, FactValue, format_number
from .levels import level_label, school_levels, school_type_label
from .models import Severity
from .trees import Problem, SpecError

RULE_CODE_RE = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")
PLACEHOLDER_RE = re.compile(r"\{([^{}]*)\}")
CLAUSE_SEPARATOR = "……"
LEVEL_PLACEHOLDER = "level"
RULE_KEYS = (
    "code",
    "node",
    "clause",
    "applies_to",
    "when",
    "values",
    "expression",
    "severity",
    "message",
    "edge",
    "note",
)


@dataclass(frozen=True)
class RuleSpec:
    """One rule as data: the fixture entry, the Excel row and `Rule.spec()` all become this.

    `values` are (name, expression) pairs of intermediate numbers; `row` is the spreadsheet row it
    came from (for error messages only, not part of the rule)."""

    code: str
    node: str
    expression: str
    message: str
    clause: str = ""
    applies_to: str = ""
    when: str = ""
    values: tuple[tuple[str, str], ...] = ()
    severity: str = Severity.BLOCKING
    edge: str = ""
    note: str = ""
    row: int | None = field(default=None, compare=False, hash=False)

    @property
    def where(self) -> str:
        if self.row:
            return _("第 %(row)d 行") % {"row": self.row}
        return _("规则 %(code)s") % {"code": self.code or "?"}


# --- the fixture ----------------------------------------------------------------------------------


def rules_from_dict(data) -> tuple[str, list[RuleSpec]]:
    """Read a rule file ({"framework": code, "rules": [...]}) → (framework code, specs).

    SpecError when the file is not shaped like a rule file; whether each rule makes sense is
    `rule_problems`' job."""
    if not isinstance(data, dict) or not isinstance(data.get("rules"), list) or not data.get("framework"):
        raise SpecError(_('规则文件应为 {"framework": 代码, "rules": [...]}'))
    specs = []
    for i, item in enumerate(data["rules"], start=1):
        if not isinstance(item, dict):
            raise SpecError(_("第 %(i)d 条规则应为对象") % {"i": i})
        unknown = set(item) - set(RULE_KEYS)
        if unknown:
            raise SpecError(
                _("第 %(i)d 条规则有未知字段：%(k)s") % {"i": i, "k": _("、").join(sorted(unknown))}
            )
        values = item.get("values") or {}
        if not isinstance(values, dict) or not all(isinstance(v, str) for v in values.values()):
            raise SpecError(_("第 %(i)d 条规则：values 应为 {名称: 表达式}") % {"i": i})
        texts = {}
        for key in RULE_KEYS:
            if key == "values":
                continue
            value = item.get(key, "")
            if value is None:
                value = ""
            if not isinstance(value, str):
                raise SpecError(_("第 %(i)d 条规则：%(k)s 应为文本") % {"i": i, "k": key})
            texts[key] = value
        texts["severity"] = texts["severity"] or Severity.BLOCKING
        specs.append(RuleSpec(values=tuple(values.items()), **texts))
    return str(data["framework"]), specs


def rule_to_dict(rule: RuleSpec) -> dict:
    """The fixture entry of a rule (keys in a fixed order, empty optional keys left out)."""
    out: dict = {"code": rule.code, "node": rule.node, "clause": rule.clause}
    if rule.applies_to:
        out["applies_to"] = rule.applies_to
    if rule.when:
        out["when"] = rule.when
    if rule.values:
        out["values"] = dict(rule.values)
    out["expression"] = rule.expression
    out["severity"] = rule.severity
    out["message"] = rule.message
    out["edge"] = rule.edge
    if rule.note:
        out["note"] = rule.note
    return out


def rules_to_dict(framework_code: str, rules: Iterable[RuleSpec]) -> dict:
    return {"framework": framework_code, "rules": [rule_to_dict(rule) for rule in rules]}


# --- checking -------------------------------------------------------------------------------------


class RuleError(ValueError):
    """A rule that cannot be evaluated; `problems` lists every reason (Chinese)."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__(_("；").join(problems))


@dataclass(frozen=True, eq=False)
class CompiledRule:
    """A checked rule, ready to evaluate: parsed expressions and the facts each step needs."""

    spec: RuleSpec
    expression: Expression
    when: Expression | None
    values: tuple[tuple[str, Expression], ...]  # in dependency order
    when_facts: tuple[str, ...]
    facts: tuple[str, ...]  # facts the values and the expression need
    level_sets: tuple[tuple[str, ...], ...]
    placeholders: tuple[str, ...]


def compile_rule(spec: RuleSpec, catalogue: Mapping[str, FactSpec]) -> CompiledRule:
    """Check `spec` against the fact catalogue; RuleError lists every problem found."""
    return _compile(spec, _fact_types(catalogue))


def _fact_types(catalogue: Mapping[str, FactSpec]) -> frozenset[tuple[str, Type]]:
    return frozenset((code, fact.value_type) for code, fact in catalogue.items())


@functools.lru_cache(maxsize=2048)
def _compile(spec: RuleSpec, fact_types: frozenset[tuple[str, Type]]) -> CompiledRule:
    types: dict[str, Type] = dict(fact_types)
    facts = set(types)
    types[SCHOOL_TYPE] = Type.TEXT
    problems: list[str] = []

    if not RULE_CODE_RE.fullmatch(spec.code or ""):
        problems.append(_("规则编号“%(c)s”应为小写字母、数字和连字符") % {"c": spec.code})
    if spec.severity not in Severity.values:
        problems.append(
            _("严重程度“%(s)s”无效，应为 advisory（提示）或 blocking（阻止提交）") % {"s": spec.severity}
        )
    if not spec.clause.strip():
        problems.append(_("缺少条款原文"))
    if not spec.message.strip():
        problems.append(_("缺少提示信息模板"))

    def parse(source: str, what: str) -> Expression | None:
        try:
            return parse_expression(source)
        except ExpressionError as exc:
            problems.append(_("%(what)s：%(error)s") % {"what": what, "error": exc})
            return None

    parsed_values: dict[str, Expression] = {}
    for name, source in spec.values:
        if not NAME_RE.fullmatch(name) or "__" in name or name in RESERVED or name in facts:
            problems.append(
                _("中间量名称“%(n)s”无效（小写字母开头，不能与事实代码或保留字重名）") % {"n": name}
            )
            continue
        if name in parsed_values:
            problems.append(_("中间量“%(n)s”重复") % {"n": name})
            continue
        expression = parse(source, _("中间量 %(n)s") % {"n": name})
        if expression is not None:
            parsed_values[name] = expression

    ordered = _dependency_order(parsed_values, problems)
    aliases: dict[str, str] = {}
    for name, expression in ordered:
        try:
            types[name] = infer_type(expression, types)
        except ExpressionError as exc:
            problems.append(_("中间量 %(n)s：%(e)s") % {"n": name, "e": exc})
            types[name] = Type.NUMBER
        alias = level_alias(expression)
        if alias:
            aliases[name] = alias

    when = parse(spec.when, _("适用条件")) if spec.when.strip() else None
    expression = parse(spec.expression, _("判定表达式"))
    for what, parsed in ((_("适用条件"), when), (_("判定表达式"), expression)):
        if parsed is None:
            continue
        try:
            if infer_type(parsed, types) is not Type.BOOL:
                problems.append(_("%(w)s应得出是/否（一个比较或条件），而不是数值或文本") % {"w": what})
            check_directions(parsed, aliases)
        except ExpressionError as exc:
            problems.append(_("%(what)s：%(error)s") % {"what": what, "error": exc})
    for name, parsed in ordered:
        try:
            check_directions(parsed, aliases)
        except ExpressionError as exc:
            problems.append(_("中间量 %(n)s：%(e)s") % {"n": name, "e": exc})

    level_sets = tuple(
        levels
        for parsed in (when, expression, *(e for _n, e in ordered))
        if parsed is not None
        for levels in parsed.level_sets
    )
    placeholders = _placeholders(spec.message, set(types) | {LEVEL_PLACEHOLDER}, problems)
    if LEVEL_PLACEHOLDER in placeholders and not level_sets:
        problems.append(_("提示信息中的 {level} 只能用于按学段取值（level_min / level_max）的规则"))
    if problems:
        raise RuleError(problems)

    value_names = dict(ordered)

    def needed(expr: Expression, seen: set[str]) -> set[str]:
        out = set()
        for name in expr.names:
            if name in facts:
                out.add(name)
            elif name in value_names and name not in seen:
                seen.add(name)
                out |= needed(value_names[name], seen)
        return out

    main = needed(expression, set())
    return CompiledRule(
        spec=spec,
        expression=expression,
        when=when,
        values=tuple(ordered),
        when_facts=tuple(sorted(needed(when, set()))) if when else (),
        facts=tuple(sorted(main)),
        level_sets=level_sets,
        placeholders=placeholders,
    )


def _dependency_order(values: dict[str, Expression], problems: list[str]) -> list[tuple[str, Expression]]:
    ordered: list[tuple[str, Expression]] = []
    pending = dict(values)
    while pending:
        ready = [name for name, expr in pending.items() if not expr.names & set(pending)]
        if not ready:
            problems.append(_("中间量循环引用：%(n)s") % {"n": _("、").join(sorted(pending))})
            break
        for name in ready:
            ordered.append((name, pending.pop(name)))
    return ordered


def _placeholders(message: str, known: set[str], problems: list[str]) -> tuple[str, ...]:
    names = []
    for match in PLACEHOLDER_RE.finditer(message):
        name = match.group(1)
        if name not in known:
            problems.append(
                _("提示信息中的 {%(n)s} 不是事实代码、中间量、{level} 或 {school_type}") % {"n": name}
            )
        names.append(name)
    if PLACEHOLDER_RE.sub("", message).count("{") or PLACEHOLDER_RE.sub("", message).count("}"):
        problems.append(_("提示信息中有不成对的花括号"))
    return tuple(names)


def clause_in_node(clause: str, node_texts: Iterable[str]) -> bool:
    """Whether every quoted part of `clause` (parts joined by “……”) is verbatim in the node's text."""
    blob = "\n".join(node_texts)
    parts = [part for part in clause.split(CLAUSE_SEPARATOR) if part.strip()]
    return bool(parts) and all(part in blob for part in parts)


def rule_problems(
    rules: Iterable[RuleSpec],
    *,
    nodes: Mapping[str, Iterable[str]],
    catalogue: Mapping[str, FactSpec],
) -> list[Problem]:
    """Everything wrong with a rule set of one framework: `nodes` maps each node code to the texts a
    clause may quote (name, text, note). Checks unique codes, the node, the verbatim clause and
    `compile_rule`'s checks (expressions, facts, types, placeholders)."""
    problems: list[Problem] = []
    seen: set[str] = set()
    for rule in rules:
        if rule.code in seen:
            problems.append(Problem(rule.where, _("规则编号 %(c)s 重复") % {"c": rule.code}))
        seen.add(rule.code)
        if rule.node not in nodes:
            problems.append(Problem(rule.where, _("找不到指标 %(n)s") % {"n": rule.node}))
        elif rule.clause.strip() and not clause_in_node(rule.clause, nodes[rule.node]):
            problems.append(
                Problem(
                    rule.where, _("条款原文不在指标 %(n)s 的原文或备注中（须逐字引用）") % {"n": rule.node}
                )
            )
        try:
            compile_rule(rule, catalogue)
        except RuleError as exc:
            problems.extend(Problem(rule.where, message) for message in exc.problems)
    return problems


def rule_fact_codes(rules: Iterable[RuleSpec], catalogue: Mapping[str, FactSpec]) -> list[str]:
    """The facts a set of rules reads, in catalogue order: what a framework asks schools to record."""
    used: set[str] = set()
    for rule in rules:
        try:
            compiled = compile_rule(rule, catalogue)
        except RuleError:
            continue
        used.update(compiled.facts, compiled.when_facts)
        used.update(name for name in compiled.placeholders if name in catalogue)
    return [code for code in catalogue if code in used]


# --- evaluation -----------------------------------------------------------------------------------


class RuleStatus(enum.StrEnum):
    PASS = "pass"  # noqa: S105 - a verdict, not a password
    FAIL = "fail"
    UNKNOWN = "unknown"
    NOT_APPLICABLE = "not_applicable"

    @property
    def label(self) -> str:
        return _verdicts(get_language())[self]


@functools.lru_cache(maxsize=16)
def _verdicts(language: str | None) -> dict[RuleStatus, str]:
    """Every status's label in the active language (`language` is only the cache key)."""
    return {
        RuleStatus.PASS: _("符合"),
        RuleStatus.FAIL: _("不符合"),
        RuleStatus.UNKNOWN: _("无法判断"),
        RuleStatus.NOT_APPLICABLE: _("不适用"),
    }


@dataclass(frozen=True)
class UsedNumber:
    """A number the result rests on: a fact or an intermediate value, with its text as shown."""

    name: str
    label: str
    value: FactValue | None
    text: str


@dataclass(frozen=True)
class RuleResult:
    """The outcome of one rule for one school.

    `passed` is True (符合, and also 不适用: the clause asks nothing of this school), False (不符合)
    or None (无法判断: a fact is missing or a number cannot be computed). `message` is the full
    Chinese sentence (“不符合：有效生机比 8:1……”), `detail` the same without the verdict,
    `numbers` the facts and intermediate values used, `missing` the codes of missing facts."""

    node: str
    rule: str
    severity: str
    status: RuleStatus
    message: str
    detail: str
    numbers: tuple[UsedNumber, ...] = ()
    missing: tuple[str, ...] = ()

    @property
    def passed(self) -> bool | None:
        if self.status is RuleStatus.UNKNOWN:
            return None
        return self.status is not RuleStatus.FAIL

    @property
    def failed(self) -> bool:
        return self.status is RuleStatus.FAIL

    @property
    def blocking(self) -> bool:
        return self.severity == Severity.BLOCKING

    def as_dict(self) -> dict:
        """The shape `evaluate_rules --json` prints per rule."""
        return {"node": self.node, "rule": self.rule, "passed": self.passed, "message": self.message}


def evaluate_rules(
    rules: Iterable[RuleSpec],
    *,
    facts: Mapping[str, object],
    school_type: str,
    catalogue: Mapping[str, FactSpec],
) -> list[RuleResult]:
    """One result per rule, in the order given.

    `facts` maps fact codes to values as `clean_fact_values` returns them (ints, floats and
    Decimals are all accepted; None or an absent code = not recorded). `school_type` is a
    `levels.SchoolType` code (UnknownSchoolType otherwise). `catalogue` maps codes to `FactSpec`s
    (labels, units and types for checking and messages). A rule that does not pass `compile_rule`
    yields 无法判断 with the reason, so a bad rule never hides the others."""
    context = _Context(
        school_type=school_type,
        levels=school_levels(school_type),
        catalogue=catalogue,
        fact_types=_fact_types(catalogue),
        order={code: i for i, code in enumerate(catalogue)},
        verdicts=_verdicts(get_language()),
    )
    values = {code: _as_value(value) for code, value in facts.items() if value is not None}
    return [_evaluate_one(rule, values, context) for rule in rules]


@dataclass(frozen=True)
class _Context:
    """What every rule of one evaluation shares, computed once per school."""

    school_type: str
    levels: tuple[str, ...]
    catalogue: Mapping[str, FactSpec]
    fact_types: frozenset[tuple[str, Type]]
    order: Mapping[str, int]
    verdicts: Mapping[RuleStatus, str]


def _as_value(value) -> FactValue:
    if isinstance(value, bool | Decimal):
        return value
    if isinstance(value, int | float):
        return Decimal(str(value))
    return value


def _evaluate_one(rule: RuleSpec, facts: dict[str, FactValue], context: _Context) -> RuleResult:
    school_type, levels, catalogue, order = (
        context.school_type,
        context.levels,
        context.catalogue,
        context.order,
    )

    def result(status: RuleStatus, detail: str, numbers=(), missing=()) -> RuleResult:
        return RuleResult(
            node=rule.node,
            rule=rule.code,
            severity=rule.severity,
            status=status,
            message=_("%(verdict)s：%(detail)s") % {"verdict": context.verdicts[status], "detail": detail},
            detail=detail,
            numbers=tuple(numbers),
            missing=tuple(missing),
        )

    try:
        compiled = _compile(rule, context.fact_types)
    except RuleError as exc:
        return result(RuleStatus.UNKNOWN, _("规则有误（%(e)s）") % {"e": exc})

    for level_set in compiled.level_sets:
        if not set(level_set) & set(levels):
            named = _("、").join(level_label(level) for level in level_set)
            return result(
                RuleStatus.NOT_APPLICABLE,
                _("该条款只对%(named)s规定了要求，本校为%(type)s")
                % {"named": named, "type": school_type_label(school_type)},
            )

    scope = Scope(values=dict(facts), school_type=school_type, levels=levels)

    def labels(codes) -> str:
        return _("、").join(catalogue[code].title for code in sorted(codes, key=order.__getitem__))

    def used(codes) -> list[UsedNumber]:
        return [
            UsedNumber(code, catalogue[code].label, facts.get(code), catalogue[code].text(facts.get(code)))
            for code in codes
        ]

    if compiled.when is not None:
        missing = [code for code in compiled.when_facts if code not in facts]
        if missing:
            missing.sort(key=order.__getitem__)
            return result(RuleStatus.UNKNOWN, _("缺少%(f)s") % {"f": labels(missing)}, missing=missing)
        try:
            applies = evaluate(compiled.when, scope)
        except Undefined:
            return result(RuleStatus.UNKNOWN, _("适用条件无法计算（0 ÷ 0）"), used(compiled.when_facts))
        if not applies:
            shown = _("，").join(f"{n.label} {n.text}" for n in used(compiled.when_facts))
            return result(
                RuleStatus.NOT_APPLICABLE,
                _("本条适用于%(scope)s（%(shown)s）") % {"scope": rule.applies_to, "shown": shown}
                if rule.applies_to
                else _("适用条件不满足（%(shown)s）") % {"shown": shown},
                used(compiled.when_facts),
            )

    missing = [code for code in compiled.facts if code not in facts]
    if missing:
        missing.sort(key=order.__getitem__)
        return result(RuleStatus.UNKNOWN, _("缺少%(f)s") % {"f": labels(missing)}, missing=missing)

    computed: dict[str, FactValue | None] = {}
    for name, expression in compiled.values:
        try:
            computed[name] = scope.values[name] = evaluate(expression, scope)
        except (Undefined, KeyError):
            computed[name] = None
    try:
        passed = evaluate(compiled.expression, scope)
    except (Undefined, KeyError):
        undefined = [name for name, value in computed.items() if value is None]
        return result(
            RuleStatus.UNKNOWN,
            _("%(n)s无法计算（0 ÷ 0）") % {"n": _("、").join(undefined) or _("结果")},
            used(compiled.facts),
        )
    except (ExpressionError, LevelNotApplicable) as exc:
        return result(RuleStatus.UNKNOWN, _("规则有误（%(e)s）") % {"e": exc})

    detail = _render(compiled, facts, computed, scope, school_type, catalogue)
    numbers = used(sorted(set(compiled.when_facts) | set(compiled.facts), key=order.__getitem__)) + [
        UsedNumber(name, name, value, _value_text(value)) for name, value in computed.items()
    ]
    return result(RuleStatus.PASS if passed else RuleStatus.FAIL, detail, numbers)


def _value_text(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if isinstance(value, Decimal):
        return format_number(value)
    return str(value)


def _render(compiled, facts, computed, scope, school_type, catalogue) -> str:
    def replace(match: re.Match) -> str:
        name = match.group(1)
        if name in catalogue:
            return catalogue[name].text(facts.get(name), unit=False)
        if name in computed:
            return _value_text(computed[name])
        if name == LEVEL_PLACEHOLDER:
            bound = scope.bound_levels[0] if scope.bound_levels else ()
            return _("、").join(level_label(level) for level in bound) or "—"
        if name == SCHOOL_TYPE:
            return school_type_label(school_type)
        return match.group(0)

    return PLACEHOLDER_RE.sub(replace, compiled.spec.message)


def results_by_item(results: Iterable[RuleResult], item_codes: Iterable[str]) -> dict[str, list[RuleResult]]:
    """Group results under the items (scoring nodes) they concern, for item pages and review badges.

    A rule on an item or below it (Beijing K-12 monitoring points under a scored level-2 node)
    belongs to that item; a rule on a node above the items (“24个班级以上…” on a level-2 heading whose
    items are level 3) belongs to every item under that node. Positional codes make this a prefix
    test, no tree needed."""
    items = list(item_codes)
    grouped: dict[str, list[RuleResult]] = {code: [] for code in items}
    for res in results:
        owner = [code for code in items if res.node == code or res.node.startswith(code + ".")]
        targets = (
            [max(owner, key=len)] if owner else [code for code in items if code.startswith(res.node + ".")]
        )
        for code in targets:
            grouped[code].append(res)
    return grouped
