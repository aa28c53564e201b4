"""Rule expressions: a small language over school facts, parsed and evaluated without `eval`.

The source is parsed by Python's own parser (`ast.parse(mode="eval")`) and then accepted only if
every node of the tree belongs to a short whitelist; evaluation walks that tree here. Nothing is
ever compiled or executed, no attribute, subscript or call of anything outside the functions below
can appear, and every operation is bounded (no `**`, literal size and tree size are capped), so an
expression typed into a spreadsheet by a region cannot do anything but compute a number or a truth
value.

Syntax (a subset of Python's)
  literals    integers and decimals (|x| ≤ 10¹²), 'text' (≤ 32 characters), true / false
  names       fact codes (`students`), the rule's named values (`ratio`), `school_type`
  arithmetic  + - * /            comparison  < <= > >= == != (chains allowed), in / not in ('a', 'b')
  logic       and  or  not       a if condition else b
  functions   level_min(primary=7, junior=6, senior=5)   smallest value over the school's levels
              level_max(primary=1, senior=2)             largest value over the school's levels
              has_level('primary')                        the school contains this level
              min(a, b, …)  max(a, b, …)
Full-width operators typed in Chinese text (≥ ≤ ≠ ＞ ＜ （ ） ，and curly quotes) are accepted.

Level-dependent thresholds take the strictest value over the levels a school contains: an upper
limit (`ratio <= level_min(...)`) uses `level_min`, a lower limit (`x >= level_max(...)`) uses
`level_max`; the checker refuses the other pairing. A school with none of the named levels is not
concerned by the clause (`LevelNotApplicable`).

Numbers are `Decimal`s. x / 0 is ±∞ for x ≠ 0 (a school with 0 computers has an infinite
student–computer ratio), 0 / 0 is undefined (`Undefined`).
"""

from __future__ import annotations

import ast
import decimal
import enum
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _

from .levels import Level, level_label

MAX_LENGTH = 500
MAX_NODES = 200
MAX_DEPTH = 40
MAX_NUMBER = Decimal(10) ** 12
MAX_TEXT = 32
MAX_ARGS = 10

NAME_RE = re.compile(r"[a-z][a-z0-9_]{0,63}")
LEVEL_FUNCTIONS = ("level_min", "level_max")
FUNCTIONS = (*LEVEL_FUNCTIONS, "has_level", "min", "max")
CONSTANT_NAMES = {"true": True, "false": False}
SCHOOL_TYPE = "school_type"
RESERVED = frozenset({*FUNCTIONS, *CONSTANT_NAMES, SCHOOL_TYPE, "level"})

_FULL_WIDTH = str.maketrans(
    {
        "≥": ">=",
        "≤": "<=",
        "≠": "!=",
        "＞": ">",  # i18n: data
        "＜": "<",  # i18n: data
        "＝": "=",  # i18n: data
        "（": "(",  # i18n: data
        "）": ")",  # i18n: data
        "，": ",",  # i18n: data
        "‘": "'",
        "’": "'",
        "“": "'",
        "”": "'",
        "＋": "+",  # i18n: data
        "－": "-",  # i18n: data
        "×": "*",
        "÷": "/",
        "\u3000": " ",  # i18n: data
    }
)

_ARITHMETIC = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/"}
_ORDER = (ast.Lt, ast.LtE, ast.Gt, ast.GtE)
_EQUALITY = (ast.Eq, ast.NotEq)
_MEMBERSHIP = (ast.In, ast.NotIn)
_OPERATOR_NODES = (
    ast.Load,
    ast.And,
    ast.Or,
    ast.Not,
    ast.USub,
    ast.UAdd,
    *_ARITHMETIC,
    *_ORDER,
    *_EQUALITY,
    *_MEMBERSHIP,
)
_ALLOWED_NODES = (
    ast.Expression,
    ast.BoolOp,
    ast.UnaryOp,
    ast.BinOp,
    ast.Compare,
    ast.IfExp,
    ast.Name,
    ast.Constant,
    ast.Call,
    ast.keyword,
    ast.Tuple,
    ast.List,
    *_OPERATOR_NODES,
)


class ExpressionError(ValueError):
    """The expression is malformed or refused; the message is Chinese and names the offending part."""


class Undefined(ArithmeticError):
    """The value cannot be computed from these facts (0 / 0, ∞ − ∞)."""


class LevelNotApplicable(Exception):
    """A level function names none of the levels the school contains."""

    def __init__(self, named: tuple[str, ...]):
        self.named = named
        super().__init__(_("、").join(level_label(level) for level in named))


class Type(enum.StrEnum):
    NUMBER = "number"
    BOOL = "bool"
    TEXT = "text"

    @property
    def label(self) -> str:
        return {Type.NUMBER: _("数值"), Type.BOOL: _("是/否"), Type.TEXT: _("文本")}[self]


Value = Decimal | bool | str


@dataclass(frozen=True, eq=False)
class Expression:
    """A parsed, whitelisted expression. `names` are the free names it reads (facts, values,
    `school_type`); `level_sets` the levels named by each level_min/level_max call in it."""

    source: str
    tree: ast.Expression = field(repr=False)
    names: frozenset[str]
    level_sets: tuple[tuple[str, ...], ...]
    calls: frozenset[str]

    def __str__(self) -> str:
        return self.source


def normalise(source: str) -> str:
    return source.translate(_FULL_WIDTH).strip()


def parse_expression(source: str) -> Expression:
    """Parse and whitelist `source`; ExpressionError (Chinese) for anything outside the language."""
    if not isinstance(source, str):
        raise ExpressionError(_("表达式应为文本"))
    text = normalise(source)
    if not text:
        raise ExpressionError(_("表达式为空"))
    if len(text) > MAX_LENGTH:
        raise ExpressionError(
            _("表达式过长（%(n)d 个字符，最多 %(max)d）") % {"n": len(text), "max": MAX_LENGTH}
        )
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError as exc:
        column = _("第 %(n)d 个字符附近") % {"n": exc.offset} if exc.offset else _("某处")
        raise ExpressionError(_("表达式语法错误（%(where)s）") % {"where": column}) from None
    except (ValueError, RecursionError, MemoryError):
        raise ExpressionError(_("表达式无法解析")) from None
    checker = _Whitelist()
    checker.check(tree, 0)
    return Expression(
        source=text,
        tree=tree,
        names=frozenset(checker.names),
        level_sets=tuple(checker.level_sets),
        calls=frozenset(checker.calls),
    )


class _Whitelist:
    def __init__(self):
        self.count = 0
        self.names: set[str] = set()
        self.level_sets: list[tuple[str, ...]] = []
        self.calls: set[str] = set()

    def check(self, node: ast.AST, depth: int) -> None:
        self.count += 1
        if self.count > MAX_NODES:
            raise ExpressionError(_("表达式过于复杂（超过 %(max)d 个节点）") % {"max": MAX_NODES})
        if depth > MAX_DEPTH:
            raise ExpressionError(_("表达式嵌套过深（超过 %(max)d 层）") % {"max": MAX_DEPTH})
        if not isinstance(node, _ALLOWED_NODES):
            raise ExpressionError(_("表达式中不允许使用 %(what)s") % {"what": _describe(node)})
        if isinstance(node, ast.BinOp) and type(node.op) not in _ARITHMETIC:
            raise ExpressionError(
                _("表达式中不允许使用运算符 %(what)s（只允许 + - * /）") % {"what": _describe(node.op)}
            )
        if isinstance(node, ast.Name):
            self._name(node.id)
        elif isinstance(node, ast.Constant):
            _constant(node.value)
        elif isinstance(node, ast.Call):
            self._call(node, depth)
            return  # arguments are checked by _call
        elif isinstance(node, ast.Tuple | ast.List):
            raise ExpressionError(
                _("列表只能出现在 in / not in 的右边，如 school_type in ('primary', 'junior')")
            )
        elif isinstance(node, ast.Compare):
            self._compare(node, depth)
            return
        for child in ast.iter_child_nodes(node):
            self.check(child, depth + 1)

    def _name(self, name: str) -> None:
        if not NAME_RE.fullmatch(name) or "__" in name:
            raise ExpressionError(
                _("名称“%(name)s”无效：只能用小写字母、数字和下划线，且以字母开头") % {"name": name}
            )
        if name in FUNCTIONS:
            raise ExpressionError(_("%(name)s 是函数，应写成 %(name)s(…)") % {"name": name})
        if name not in CONSTANT_NAMES:
            self.names.add(name)

    def _compare(self, node: ast.Compare, depth: int) -> None:
        self.check(node.left, depth + 1)
        for op, right in zip(node.ops, node.comparators, strict=True):
            if not isinstance(op, _ORDER + _EQUALITY + _MEMBERSHIP):
                raise ExpressionError(_("表达式中不允许使用比较 %(what)s") % {"what": _describe(op)})
            if isinstance(op, _MEMBERSHIP):
                if not isinstance(right, ast.Tuple | ast.List):
                    raise ExpressionError(_("in / not in 的右边应是列表，如 ('primary', 'junior')"))
                if not 1 <= len(right.elts) <= MAX_ARGS:
                    raise ExpressionError(_("in 的列表应有 1 至 %(max)d 项") % {"max": MAX_ARGS})
                for item in right.elts:
                    if not (isinstance(item, ast.Constant) and isinstance(item.value, str)):
                        raise ExpressionError(_("in 的列表只能包含带引号的文本"))
                    self.count += 1
                    _constant(item.value)
            else:
                self.check(right, depth + 1)
        _check_direction(node)

    def _call(self, node: ast.Call, depth: int) -> None:
        if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
            raise ExpressionError(
                _("不允许调用 %(what)s；可用的函数：%(functions)s")
                % {"what": _describe(node.func), "functions": _("、").join(FUNCTIONS)}
            )
        name = node.func.id
        self.calls.add(name)
        if name in LEVEL_FUNCTIONS:
            if node.args or not node.keywords:
                raise ExpressionError(
                    _("%(name)s 只接受“学段=数值”形式的参数，如 %(name)s(primary=7, junior=6)")
                    % {"name": name}
                )
            levels = []
            for keyword in node.keywords:
                if keyword.arg is None or keyword.arg not in Level.values:
                    raise ExpressionError(
                        _("%(name)s 的参数应为学段：%(levels)s")
                        % {
                            "name": name,
                            "levels": _("、").join(
                                _("%(value)s（%(label)s）") % {"value": v, "label": lbl}
                                for v, lbl in Level.choices
                            ),
                        }
                    )
                _number_literal(keyword.value, name)
                levels.append(keyword.arg)
                self.count += 2
            self.level_sets.append(tuple(levels))
            return
        if node.keywords:
            raise ExpressionError(_("%(name)s 不接受命名参数") % {"name": name})
        if name == "has_level":
            if len(node.args) != 1 or not (
                isinstance(node.args[0], ast.Constant) and node.args[0].value in Level.values
            ):
                raise ExpressionError(
                    _("has_level 需要一个学段，如 has_level('primary')；可选：%(levels)s")
                    % {"levels": _("、").join(Level.values)}
                )
            self.count += 1
            return
        if not 1 <= len(node.args) <= MAX_ARGS:
            raise ExpressionError(_("%(name)s 需要 1 至 %(max)d 个参数") % {"name": name, "max": MAX_ARGS})
        for arg in node.args:
            if isinstance(arg, ast.Starred):
                raise ExpressionError(_("表达式中不允许使用 *参数"))
            self.check(arg, depth + 1)


def _describe(node: ast.AST) -> str:
    names = {
        ast.Attribute: _("属性访问（.）"),
        ast.Subscript: _("下标（[]）"),
        ast.Lambda: "lambda",
        ast.Pow: _("乘方（**）"),
        ast.FloorDiv: _("整除（//）"),
        ast.Mod: _("取余（%）"),
        ast.NamedExpr: _("赋值（:=）"),
        ast.JoinedStr: _("f-字符串"),
        ast.Dict: _("字典"),
        ast.Set: _("集合"),
        ast.ListComp: _("推导式"),
        ast.SetComp: _("推导式"),
        ast.DictComp: _("推导式"),
        ast.GeneratorExp: _("推导式"),
        ast.Starred: _("*参数"),
        ast.Await: "await",
        ast.Yield: "yield",
        ast.YieldFrom: "yield",
        ast.Slice: _("切片"),
        ast.BitAnd: _("位运算"),
        ast.BitOr: _("位运算"),
        ast.BitXor: _("位运算"),
        ast.LShift: _("位运算"),
        ast.RShift: _("位运算"),
        ast.Invert: _("位运算"),
        ast.MatMult: _("矩阵乘法（@）"),
        ast.Is: "is",
        ast.IsNot: "is not",
    }
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return _("属性访问（.）")
    return names.get(type(node), type(node).__name__)


def _constant(value) -> None:
    if isinstance(value, bool):
        raise ExpressionError(_("请用 true / false 表示是与否"))
    if isinstance(value, int | float):
        _bounded(Decimal(str(value)))
    elif isinstance(value, str):
        if len(value) > MAX_TEXT:
            raise ExpressionError(_("文本常量过长（最多 %(max)d 个字符）") % {"max": MAX_TEXT})
    else:
        raise ExpressionError(_("不允许的常量 %(v)r") % {"v": value})


def _number_literal(node: ast.AST, where: str) -> Decimal:
    sign = 1
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        sign = -1 if isinstance(node.op, ast.USub) else 1
        node = node.operand
    if not (isinstance(node, ast.Constant) and isinstance(node.value, int | float)) or isinstance(
        node.value, bool
    ):
        raise ExpressionError(_("%(name)s 的各学段取值应为数字常量") % {"name": where})
    return sign * _bounded(Decimal(str(node.value)))


def _bounded(number: Decimal) -> Decimal:
    if not number.is_finite() or abs(number) > MAX_NUMBER:
        raise ExpressionError(_("数字 %(n)s 超出允许范围（绝对值不超过 10^12）") % {"n": number})
    return number


def _level_call(node: ast.AST) -> str | None:
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in LEVEL_FUNCTIONS:
        return node.func.id
    return None


def _check_direction(node: ast.Compare, aliases: Mapping[str, str] | None = None) -> None:
    """An upper limit takes level_min, a lower limit level_max: both give the strictest threshold."""
    operands = [node.left, *node.comparators]
    for i, op in enumerate(node.ops):
        if not isinstance(op, _ORDER):
            continue
        left, right = operands[i], operands[i + 1]
        for side, other_is_limit in ((right, True), (left, False)):
            func = _level_call(side)
            if func is None and aliases and isinstance(side, ast.Name):
                func = aliases.get(side.id)
            if func is None:
                continue
            # x <= limit / limit >= x: the limit is an upper bound.
            upper = isinstance(op, ast.Lt | ast.LtE) == other_is_limit
            if upper and func == "level_max":
                raise ExpressionError(
                    _("上限（不高于）按学段取严应使用 level_min：混合学段学校取各学段中最小的上限")
                )
            if not upper and func == "level_min":
                raise ExpressionError(
                    _("下限（不低于）按学段取严应使用 level_max：混合学段学校取各学段中最大的下限")
                )


def check_directions(expression: Expression, aliases: Mapping[str, str]) -> None:
    """Re-run the strictness check seeing through named values that are a level_min/max call."""
    for node in ast.walk(expression.tree):
        if isinstance(node, ast.Compare):
            _check_direction(node, aliases)


def level_alias(expression: Expression) -> str | None:
    """'level_min' / 'level_max' when the whole expression is one such call (a named threshold)."""
    return _level_call(expression.tree.body)


# --- types ----------------------------------------------------------------------------------------


def infer_type(expression: Expression, name_types: Mapping[str, Type]) -> Type:
    """The type the expression yields, given the types of the names it may read.

    ExpressionError for an unknown name or an operation on the wrong type (a truth value in a sum,
    a number compared with text); a checked rule cannot fail this way at evaluation time.
    """
    return _type(expression.tree.body, name_types)


def _type(node: ast.AST, types: Mapping[str, Type]) -> Type:
    if isinstance(node, ast.Constant):
        return Type.TEXT if isinstance(node.value, str) else Type.NUMBER
    if isinstance(node, ast.Name):
        if node.id in CONSTANT_NAMES:
            return Type.BOOL
        if node.id not in types:
            raise ExpressionError(
                _("未知的名称“%(name)s”：不是事实代码，也不是本规则定义的中间量") % {"name": node.id}
            )
        return types[node.id]
    if isinstance(node, ast.UnaryOp):
        operand = _type(node.operand, types)
        wanted = Type.BOOL if isinstance(node.op, ast.Not) else Type.NUMBER
        _expect(operand, wanted, "not" if wanted is Type.BOOL else _("正负号"))
        return wanted
    if isinstance(node, ast.BinOp):
        for side in (node.left, node.right):
            _expect(_type(side, types), Type.NUMBER, _ARITHMETIC[type(node.op)])
        return Type.NUMBER
    if isinstance(node, ast.BoolOp):
        for value in node.values:
            _expect(_type(value, types), Type.BOOL, "and / or")
        return Type.BOOL
    if isinstance(node, ast.IfExp):
        _expect(_type(node.test, types), Type.BOOL, _("if 条件"))
        body, orelse = _type(node.body, types), _type(node.orelse, types)
        if body is not orelse:
            raise ExpressionError(_("a if 条件 else b 的两个分支类型应相同"))
        return body
    if isinstance(node, ast.Compare):
        left = _type(node.left, types)
        for op, right_node in zip(node.ops, node.comparators, strict=True):
            if isinstance(op, _MEMBERSHIP):
                _expect(left, Type.TEXT, "in")
                continue
            right = _type(right_node, types)
            if isinstance(op, _ORDER):
                _expect(left, Type.NUMBER, _("大小比较"))
                _expect(right, Type.NUMBER, _("大小比较"))
            elif left is not right:
                raise ExpressionError(_("不能比较%(a)s与%(b)s") % {"a": left.label, "b": right.label})
            left = right
        return Type.BOOL
    if isinstance(node, ast.Call):
        name = node.func.id
        if name == "has_level":
            return Type.BOOL
        for arg in node.args:
            _expect(_type(arg, types), Type.NUMBER, name)
        return Type.NUMBER
    raise ExpressionError(
        _("表达式中不允许使用 %(what)s") % {"what": _describe(node)}
    )  # pragma: no cover - whitelisted


def _expect(actual: Type, wanted: Type, where: str) -> None:
    if actual is not wanted:
        raise ExpressionError(
            _("%(where)s 需要%(wanted)s，这里是%(actual)s")
            % {"where": where, "wanted": wanted.label, "actual": actual.label}
        )


# --- evaluation -----------------------------------------------------------------------------------

_CONTEXT = decimal.Context(prec=28, traps=[decimal.InvalidOperation, decimal.Overflow])
INFINITY = Decimal("Infinity")


@dataclass
class Scope:
    """What an expression can read: `values` by name, the school's type and levels. Level calls
    record which level gave the strictest value in `bound_levels` (for messages)."""

    values: Mapping[str, Value]
    school_type: str
    levels: tuple[str, ...]
    bound_levels: list[tuple[str, ...]] = field(default_factory=list)


def evaluate(expression: Expression, scope: Scope) -> Value:
    """Compute the expression. Raises KeyError for a name missing from `scope.values` (callers check
    availability first), Undefined for 0/0, LevelNotApplicable for a level call naming none of the
    school's levels."""
    with decimal.localcontext(_CONTEXT):
        try:
            return _eval(expression.tree.body, scope)
        except (decimal.InvalidOperation, decimal.Overflow):
            raise Undefined from None


def _eval(node: ast.AST, scope: Scope) -> Value:
    if isinstance(node, ast.Constant):
        return node.value if isinstance(node.value, str) else Decimal(str(node.value))
    if isinstance(node, ast.Name):
        if node.id in CONSTANT_NAMES:
            return CONSTANT_NAMES[node.id]
        if node.id == SCHOOL_TYPE:
            return scope.school_type
        return scope.values[node.id]
    if isinstance(node, ast.UnaryOp):
        operand = _eval(node.operand, scope)
        if isinstance(node.op, ast.Not):
            return not _bool(operand)
        number = _number(operand)
        return -number if isinstance(node.op, ast.USub) else number
    if isinstance(node, ast.BinOp):
        left, right = _number(_eval(node.left, scope)), _number(_eval(node.right, scope))
        if isinstance(node.op, ast.Add):
            return left + right
        if isinstance(node.op, ast.Sub):
            return left - right
        if isinstance(node.op, ast.Mult):
            return left * right
        return _divide(left, right)
    if isinstance(node, ast.BoolOp):
        if isinstance(node.op, ast.And):
            return all(_bool(_eval(value, scope)) for value in node.values)
        return any(_bool(_eval(value, scope)) for value in node.values)
    if isinstance(node, ast.IfExp):
        return _eval(node.body if _bool(_eval(node.test, scope)) else node.orelse, scope)
    if isinstance(node, ast.Compare):
        left = _eval(node.left, scope)
        for op, right_node in zip(node.ops, node.comparators, strict=True):
            if isinstance(op, _MEMBERSHIP):
                items = [item.value for item in right_node.elts]
                if (left in items) != isinstance(op, ast.In):
                    return False
                continue
            right = _eval(right_node, scope)
            if not _compare(op, left, right):
                return False
            left = right
        return True
    if isinstance(node, ast.Call):
        return _call(node, scope)
    raise ExpressionError(
        _("表达式中不允许使用 %(what)s") % {"what": _describe(node)}
    )  # pragma: no cover - whitelisted


def _call(node: ast.Call, scope: Scope) -> Value:
    name = node.func.id
    if name == "has_level":
        return node.args[0].value in scope.levels
    if name in LEVEL_FUNCTIONS:
        given = {kw.arg: _number_literal(kw.value, name) for kw in node.keywords}
        mine = {level: value for level, value in given.items() if level in scope.levels}
        if not mine:
            raise LevelNotApplicable(tuple(given))
        pick = min if name == "level_min" else max
        value = pick(mine.values())
        scope.bound_levels.append(tuple(level for level in scope.levels if mine.get(level) == value))
        return value
    numbers = [_number(_eval(arg, scope)) for arg in node.args]
    return min(numbers) if name == "min" else max(numbers)


def _divide(left: Decimal, right: Decimal) -> Decimal:
    if right == 0:
        if left == 0:
            raise Undefined
        return INFINITY if left > 0 else -INFINITY
    return left / right


def _compare(op: ast.cmpop, left: Value, right: Value) -> bool:
    if isinstance(op, ast.Eq):
        return left == right
    if isinstance(op, ast.NotEq):
        return left != right
    left, right = _number(left), _number(right)
    if isinstance(op, ast.Lt):
        return left < right
    if isinstance(op, ast.LtE):
        return left <= right
    if isinstance(op, ast.Gt):
        return left > right
    return left >= right


def _number(value: Value) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, Decimal):
        raise ExpressionError(_("需要数值，这里是 %(v)r") % {"v": value})
    return value


def _bool(value: Value) -> bool:
    if not isinstance(value, bool):
        raise ExpressionError(_("需要是/否，这里是 %(v)r") % {"v": value})
    return value
