"""The fact catalogue as plain data: what a school records (students, computers, bandwidth…).

`FactSpec` is the in-memory form of one entry of `fixtures/facts.json` and of a stored
`FactDefinition`; rules are checked and evaluated against specs, never against the database.
`clean_fact_values` turns what a user, an API client or a JSON file sends into the values the
evaluator reads (numbers as `Decimal`, truth values as `bool`, a missing value as absent), with a
Chinese message per bad entry.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils.translation import gettext as _

from .expressions import MAX_NUMBER, NAME_RE, RESERVED, Type
from .levels import Level, school_levels
from .models import FactKind
from .trees import Problem, SpecError

# what a school may type for yes/no: accepted in either language
YES = ("是", "true", "yes", "y", "1", "✓", "√", "有")  # i18n: data
NO = ("否", "false", "no", "n", "0", "✗", "×", "无")  # i18n: data
HUNDRED = Decimal(100)
CENT = Decimal("0.01")

FactValue = Decimal | bool


@dataclass(frozen=True)
class FactSpec:
    """One fact a school records. `levels` empty = every school level; `part_of` names the fact this
    one is a subset of (配置多媒体交互设备的普通教室 ⊆ 普通教室), so a value above it is refused;
    `choices` are (value, label) pairs for the `choice` kind (等级保护 0 未定级 … 5 第五级)."""

    code: str
    label: str
    kind: str
    unit: str = ""
    help_text: str = ""
    levels: tuple[str, ...] = ()
    choices: tuple[tuple[int, str], ...] = ()
    part_of: str = ""

    @property
    def value_type(self) -> Type:
        return Type.BOOL if self.kind == FactKind.BOOL else Type.NUMBER

    def applies_to(self, school_type: str) -> bool:
        """Whether a school of this type records this fact (every fact when `levels` is empty)."""
        return not self.levels or bool(set(self.levels) & set(school_levels(school_type)))

    def clean(self, raw) -> FactValue | None:
        """The stored value for `raw` (None/"" → None). ValueError with a Chinese message otherwise."""
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            return None
        if self.kind == FactKind.BOOL:
            return _clean_bool(raw, self.label)
        if self.kind == FactKind.CHOICE:
            return self._clean_choice(raw)
        number = _clean_number(raw, self.label)
        if self.kind == FactKind.INTEGER and number != number.to_integral_value():
            raise ValueError(_("%(label)s应为整数（%(v)s）") % {"label": self.label, "v": raw})
        if self.kind == FactKind.PERCENT and number > HUNDRED:
            raise ValueError(
                _("%(label)s是百分比，应在 0 至 100 之间（%(v)s）") % {"label": self.label, "v": raw}
            )
        return number

    def _clean_choice(self, raw) -> Decimal:
        text = str(raw).strip()
        for value, label in self.choices:
            if text in (str(value), label) or (not isinstance(raw, bool) and raw == value):
                return Decimal(value)
        options = _("、").join(
            _("%(value)s（%(label)s）") % {"value": value, "label": label} for value, label in self.choices
        )
        raise ValueError(
            _("%(label)s“%(v)s”无效，可选：%(options)s") % {"label": self.label, "v": raw, "options": options}
        )

    def text(self, value: FactValue | None, *, unit: bool = True) -> str:
        """How a value reads in a message: 1000 Mbps, 92%, 是, 第二级; 未填 when missing."""
        if value is None:
            return _("未填")
        if self.kind == FactKind.BOOL or isinstance(value, bool):
            return _("是") if value else _("否")
        if self.kind == FactKind.CHOICE:
            labels = dict(self.choices)
            return labels.get(int(value), format_number(value))
        number = format_number(value)
        if not unit or not self.unit:
            return number
        return f"{number}{self.unit}" if self.unit == "%" else f"{number} {self.unit}"

    @property
    def title(self) -> str:
        """The label with its unit: 出口带宽（Mbps）."""
        return (
            _("%(label)s（%(unit)s）") % {"label": self.label, "unit": self.unit} if self.unit else self.label
        )


def format_number(value: Decimal | int | float) -> str:
    """6 → "6", 6.25 → "6.25", 6.1666 → "6.17", ∞ → "∞": at most two decimals, no exponent."""
    number = value if isinstance(value, Decimal) else Decimal(str(value))
    if number.is_infinite():
        return "∞" if number > 0 else "-∞"
    if number == number.to_integral_value():
        return f"{number.to_integral_value():f}"
    text = f"{number.quantize(CENT, rounding=ROUND_HALF_UP):f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _clean_bool(raw, label: str) -> bool:
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().lower()
    if text in YES:
        return True
    if text in NO:
        return False
    raise ValueError(_("%(label)s“%(v)s”应填“是”或“否”") % {"label": label, "v": raw})


def _clean_number(raw, label: str) -> Decimal:
    if isinstance(raw, bool):
        raise ValueError(_("%(label)s应为数字，不是是/否") % {"label": label})
    try:
        number = Decimal(str(raw).strip().replace(",", ""))
    except InvalidOperation:
        raise ValueError(_("%(label)s“%(v)s”不是数字") % {"label": label, "v": raw}) from None
    if not number.is_finite():
        raise ValueError(_("%(label)s“%(v)s”不是数字") % {"label": label, "v": raw})
    if number < 0:
        raise ValueError(_("%(label)s不能为负数（%(v)s）") % {"label": label, "v": raw})
    if number > MAX_NUMBER:
        raise ValueError(_("%(label)s数值过大（%(v)s）") % {"label": label, "v": raw})
    return number


class FactValueError(ValueError):
    """Some fact values cannot be stored; `problems` has one entry per bad fact (where = fact code)."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__(_("；").join(p.message for p in problems[:5]))


def clean_fact_values(raw: Mapping, catalogue: Mapping[str, FactSpec]) -> dict[str, FactValue]:
    """Clean a whole set of values (a form, a PATCH body, a facts file): every entry is checked, a
    part never exceeds its whole, unknown codes are refused; missing/empty values are left out.
    Raises FactValueError listing every problem, so a caller saves all or nothing."""
    problems: list[Problem] = []
    values: dict[str, FactValue] = {}
    if not isinstance(raw, Mapping):
        raise FactValueError([Problem("", _("事实应为“代码: 数值”的对象"))])
    for code, value in raw.items():
        fact = catalogue.get(code)
        if fact is None:
            problems.append(Problem(str(code), _("未知的事实代码“%(code)s”") % {"code": code}))
            continue
        try:
            cleaned = fact.clean(value)
        except ValueError as exc:
            problems.append(Problem(code, str(exc)))
            continue
        if cleaned is not None:
            values[code] = cleaned
    for code, value in values.items():
        whole = catalogue[code].part_of
        if whole and whole in values and value > values[whole]:
            problems.append(
                Problem(
                    code,
                    _("%(part)s（%(v)s）不能大于%(whole)s（%(w)s）")
                    % {
                        "part": catalogue[code].label,
                        "v": format_number(value),
                        "whole": catalogue[whole].label,
                        "w": format_number(values[whole]),
                    },
                )
            )
    if problems:
        raise FactValueError(problems)
    return values


# --- the fixture ----------------------------------------------------------------------------------


def facts_from_dict(data) -> list[FactSpec]:
    """Read `fixtures/facts.json` ({"facts": [...]}, in display order). SpecError if malformed."""
    if not isinstance(data, dict) or not isinstance(data.get("facts"), list):
        raise SpecError(_('事实目录应为 {"facts": [...]}'))
    specs = []
    for i, item in enumerate(data["facts"], start=1):
        if not isinstance(item, dict):
            raise SpecError(_("第 %(i)d 项应为对象") % {"i": i})
        try:
            choices = tuple((int(value), str(label)) for value, label in item.get("choices") or ())
            levels = tuple(str(level) for level in item.get("levels") or ())
            specs.append(
                FactSpec(
                    code=str(item["code"]),
                    label=str(item["label"]),
                    kind=str(item["kind"]),
                    unit=str(item.get("unit") or ""),
                    help_text=str(item.get("help_text") or ""),
                    levels=levels,
                    choices=choices,
                    part_of=str(item.get("part_of") or ""),
                )
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise SpecError(_("第 %(i)d 项无法读取：%(e)s") % {"i": i, "e": exc}) from None
    return specs


def fact_to_dict(fact: FactSpec) -> dict:
    out = {"code": fact.code, "label": fact.label, "unit": fact.unit, "kind": fact.kind}
    if fact.choices:
        out["choices"] = [[value, label] for value, label in fact.choices]
    out["levels"] = list(fact.levels)
    if fact.part_of:
        out["part_of"] = fact.part_of
    out["help_text"] = fact.help_text
    return out


def fact_problems(facts: list[FactSpec]) -> list[Problem]:
    """Everything wrong with a catalogue: codes usable as expression names and unique, known kinds
    and levels, choices exactly for the choice kind, `part_of` naming a numeric fact."""
    problems: list[Problem] = []
    seen: set[str] = set()
    by_code = {fact.code: fact for fact in facts}
    for fact in facts:
        where = fact.code or "?"
        if not NAME_RE.fullmatch(fact.code) or "__" in fact.code or fact.code in RESERVED:
            problems.append(Problem(where, _("代码应为小写字母开头的字母、数字、下划线，且不能是保留字")))
        if fact.code in seen:
            problems.append(Problem(where, _("代码重复")))
        seen.add(fact.code)
        if not fact.label.strip():
            problems.append(Problem(where, _("缺少名称")))
        if fact.kind not in FactKind.values:
            problems.append(
                Problem(
                    where,
                    _("类型“%(k)s”无效，可选：%(o)s") % {"k": fact.kind, "o": _("、").join(FactKind.values)},
                )
            )
        if (fact.kind == FactKind.CHOICE) != bool(fact.choices):
            problems.append(Problem(where, _("只有“等级”类型有选项，且必须有选项")))
        if len({value for value, _label in fact.choices}) != len(fact.choices):
            problems.append(Problem(where, _("选项取值重复")))
        for level in fact.levels:
            if level not in Level.values:
                problems.append(Problem(where, _("学段“%(l)s”无效") % {"l": level}))
        if fact.part_of:
            whole = by_code.get(fact.part_of)
            if whole is None or whole.kind != fact.kind or fact.part_of == fact.code:
                problems.append(Problem(where, _("part_of 应为同类型的另一个事实代码")))
        if re.search(r"[{}]", fact.label + fact.unit):
            problems.append(Problem(where, _("名称和单位中不能有花括号")))
    return problems
