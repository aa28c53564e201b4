"""Numeric specifications of catalogue devices (参数) and measured values: pure functions.

A `Threshold` is one spec parsed from a requirement text: {"what": "屏幕尺寸", "op": ">=",
"value": 80, "unit": "英寸"}. `value` is a number, or a pair of numbers: a pair whose unit is
"比例" is a ratio (16:9, compared as a fraction), any other pair is a size compared component-wise
(分辨率 3840×2160: both width and height must satisfy `op`). An optional "tolerance" widens the
bound in the lenient direction ("灵敏度 > -50 ± 3 dB").
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from fractions import Fraction

from django.utils.translation import gettext as _

Number = int | float
Value = Number | tuple[Number, Number]

OPS = (">=", ">", "<=", "<", "=")
OP_SIGNS = {">=": "≥", ">": ">", "<=": "≤", "<": "<", "=": "="}
RATIO_UNIT = "比例"  # i18n: data
THRESHOLD_KEYS = {"what", "op", "value", "unit", "tolerance"}


@dataclass(frozen=True)
class Threshold:
    """One numeric specification of a device: `what` `op` `value` `unit`."""

    what: str
    op: str
    value: Value
    unit: str
    tolerance: Number | None = None

    @property
    def is_ratio(self) -> bool:
        return isinstance(self.value, tuple) and self.unit == RATIO_UNIT

    def as_dict(self) -> dict:
        out = {"what": self.what, "op": self.op, "value": json_value(self.value), "unit": self.unit}
        if self.tolerance is not None:
            out["tolerance"] = self.tolerance
        return out

    def __str__(self) -> str:
        """“屏幕尺寸 ≥ 80 英寸”, “分辨率 ≥ 3840×2160 像素”, “显示比例 = 16:9”, “灵敏度 > -50 ± 3 dB”."""
        value = value_text(self.value, ratio=self.is_ratio)
        if self.tolerance is not None:
            value += f" ± {_num(self.tolerance)}"
        unit = "" if self.is_ratio or not self.unit else f" {self.unit}"
        return f"{self.what} {OP_SIGNS[self.op]} {value}{unit}"


# --- values -------------------------------------------------------------------------------------


def _is_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _num(value: Number) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def json_value(value: Value):
    return list(value) if isinstance(value, tuple) else value


def value_text(value: Value, *, ratio: bool = False) -> str:
    """80 → "80", (3840, 2160) → "3840×2160", a ratio (16, 9) → "16:9"."""
    if isinstance(value, tuple):
        return (":" if ratio else "×").join(_num(v) for v in value)
    return _num(value)


_PAIR = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*[×xX*:：]\s*(-?\d+(?:\.\d+)?)\s*")  # i18n: data
_NUMBER = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*")


def parse_measurement(text, *, threshold: Threshold) -> Value:
    """A measured value as typed by a person or read from a spreadsheet cell, for `threshold`:
    "86", "86 英寸", 86.0 → 86; "3840×2160", "3840x2160", "16:9" → a pair. The unit may follow the
    number; any other trailing text is refused. Raises ValueError with a message in Chinese."""
    expects_pair = isinstance(threshold.value, tuple)
    if _is_number(text) and not expects_pair:
        return text
    raw = str(text).strip() if text is not None else ""
    match = (_PAIR if expects_pair else _NUMBER).match(raw)
    rest = raw[match.end() :].strip() if match else raw
    if not match or (rest and rest != threshold.unit):
        example = value_text(threshold.value, ratio=threshold.is_ratio)
        raise ValueError(
            _("“%(what)s”的测量值“%(text)s”无法识别（示例：%(example)s）")
            % {"what": threshold.what, "text": raw, "example": example}
        )
    numbers = [float(g) if "." in g else int(g) for g in match.groups()]
    return (numbers[0], numbers[1]) if expects_pair else numbers[0]


def _compare(op: str, left: Fraction, right: Fraction) -> bool:
    return {
        ">=": left >= right,
        ">": left > right,
        "<=": left <= right,
        "<": left < right,
        "=": left == right,
    }[op]


def _fraction(value: Number) -> Fraction:
    return Fraction(str(value))  # exact decimal, so 0.1 + 0.2 style errors cannot flip a result


def meets(threshold: Threshold, measured: Value) -> bool:
    """Whether `measured` satisfies `threshold`. Raises ValueError if the two are not comparable
    (a pair against a number or the reverse)."""
    if isinstance(threshold.value, tuple) != isinstance(measured, tuple):
        raise ValueError(_("测量值与参数的形式不一致"))
    if threshold.is_ratio:
        (a, b), (c, d) = measured, threshold.value
        if not b or not d:
            raise ValueError(_("比例的后项不能为 0"))
        return _compare(threshold.op, _fraction(a) / _fraction(b), _fraction(c) / _fraction(d))
    if isinstance(threshold.value, tuple):
        return all(
            _compare(threshold.op, _fraction(m), _fraction(v))
            for m, v in zip(measured, threshold.value, strict=True)
        )
    value, slack = _fraction(threshold.value), _fraction(threshold.tolerance or 0)
    measured_f = _fraction(measured)
    if threshold.op == "=":
        return abs(measured_f - value) <= slack
    bound = value - slack if threshold.op in (">=", ">") else value + slack
    return _compare(threshold.op, measured_f, bound)


def threshold_problems(items) -> list[str]:
    """Every reason why `items` (a device's "specs" JSON) is not a well-formed list of thresholds."""
    if not isinstance(items, list):
        return [_("参数应为列表")]
    problems: list[str] = []
    seen: Counter = Counter()
    for i, item in enumerate(items, start=1):
        where = _("第 %(n)d 项参数") % {"n": i}
        if not isinstance(item, dict):
            problems.append(_("%(where)s应为对象") % {"where": where})
            continue
        missing = {"what", "op", "value", "unit"} - item.keys()
        unknown = item.keys() - THRESHOLD_KEYS
        if missing:
            problems.append(
                _("%(where)s缺少 %(keys)s") % {"where": where, "keys": _("、").join(sorted(missing))}
            )
        if unknown:
            problems.append(
                _("%(where)s有未知字段 %(keys)s") % {"where": where, "keys": _("、").join(sorted(unknown))}
            )
        what = item.get("what")
        if not isinstance(what, str) or not what.strip():
            problems.append(_("%(where)s的 what 应为非空文本") % {"where": where})
        else:
            seen[what] += 1
        if item.get("op") not in OPS:
            problems.append(
                _("%(where)s的 op“%(op)s”无效（应为 %(ops)s）")
                % {"where": where, "op": item.get("op"), "ops": " ".join(OPS)}
            )
        value = item.get("value")
        is_pair = isinstance(value, list | tuple)
        if is_pair:
            if len(value) != 2 or not all(_is_number(v) and v > 0 for v in value):
                problems.append(_("%(where)s的 value 数对应为两个正数") % {"where": where})
        elif not _is_number(value):
            problems.append(_("%(where)s的 value 应为数字或两个数的数对") % {"where": where})
        if not isinstance(item.get("unit"), str):
            problems.append(_("%(where)s的 unit 应为文本") % {"where": where})
        tolerance = item.get("tolerance")
        if tolerance is not None and (not _is_number(tolerance) or tolerance < 0 or is_pair):
            problems.append(_("%(where)s的 tolerance 应为非负数，且只用于单个数值") % {"where": where})
    for what, n in seen.items():
        if n > 1:
            problems.append(_("参数“%(what)s”重复") % {"what": what})
    return problems


def thresholds_from_list(items: list[dict]) -> list[Threshold]:
    """Thresholds from well-formed JSON (check with `threshold_problems` first)."""
    return [
        Threshold(
            what=item["what"],
            op=item["op"],
            value=tuple(item["value"]) if isinstance(item["value"], list | tuple) else item["value"],
            unit=item["unit"],
            tolerance=item.get("tolerance"),
        )
        for item in items
    ]
