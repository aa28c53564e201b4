"""The rule expression language: what the whitelist refuses, and how accepted expressions compute."""

from decimal import Decimal

import pytest

from indicators.expressions import (
    ExpressionError,
    LevelNotApplicable,
    Scope,
    Type,
    Undefined,
    evaluate,
    infer_type,
    parse_expression,
)

D = Decimal
TYPES = {"students": Type.NUMBER, "student_pcs": Type.NUMBER, "ipv6": Type.BOOL, "school_type": Type.TEXT}


def compute(source: str, school_type: str = "primary", levels=("primary",), **values):
    scope = Scope(values={k: D(str(v)) if not isinstance(v, bool) else v for k, v in values.items()},
                  school_type=school_type, levels=levels)  # fmt: skip
    return evaluate(parse_expression(source), scope)


HOSTILE = [
    ("().__class__.__bases__[0].__subclasses__()", "属性访问"),
    ("students.__class__", "属性访问"),
    ("__import__('os')", "不允许调用 __import__"),
    ("__import__('os').system('id')", "不允许调用"),
    ("eval('1')", "不允许调用 eval"),
    ("exec('import os')", "不允许调用 exec"),
    ("open('/etc/passwd')", "不允许调用 open"),
    ("getattr(students, 'real')", "不允许调用 getattr"),
    ("(lambda: 1)()", "不允许调用"),
    ("lambda: 1", "lambda"),
    ("students[0]", "下标"),
    ("9 ** 9 ** 9", "乘方"),
    ("2 ** 10", "乘方"),
    ("10 // 3", "整除"),
    ("10 % 3", "取余"),
    ("students << 1000", "位运算"),
    ("~students", "位运算"),
    ("(x := 1)", "赋值"),
    ("f'{students}'", "f-字符串"),
    ("{'a': 1}", "字典"),
    ("{1, 2}", "集合"),
    ("[s for s in 'abc']", "推导式"),
    ("__builtins__", "无效"),
    ("_private", "无效"),
    ("Students >= 1", "无效"),
    ("学生 >= 1", "无效"),
    ("students is 1", "is"),
    ("students is not 1", "is not"),
    ("None", "常量"),
    ("b'x'", "常量"),
    ("...", "常量"),
    ("True", "true / false"),
    ("1e400 > 1", "超出允许范围"),
    ("10000000000000 > 1", "超出允许范围"),
    ("'" + "x" * 40 + "' == school_type", "文本常量过长"),
    ("students >= 1; import os", "语法错误"),
    ("students >= 1\nimport os", "语法错误"),
    ("import os", "语法错误"),
    ("students >= 1\x00", "语法错误"),
    ("+".join(["1"] * 300), "过长"),
    ("min(" * 45 + "1" + ")" * 45, "嵌套过深"),
    ("min(*students)", "*参数"),
    ("min(a=1)", "命名参数"),
    ("level_min(7, 6)", "学段=数值"),
    ("level_min(kindergarten=3)", "参数应为学段"),
    ("level_min(primary=students)", "数字常量"),
    ("has_level(school_type)", "has_level 需要一个学段"),
    ("school_type in students", "右边应是列表"),
    ("school_type in ('a', students)", "只能包含带引号的文本"),
    ("students >= level_min(primary=7)", "应使用 level_max"),
    ("students <= level_max(primary=7)", "应使用 level_min"),
    ("level_max(primary=7) >= students", "应使用 level_min"),
    ("", "为空"),
    ("min", "是函数"),
]


@pytest.mark.parametrize(("source", "message"), HOSTILE)
def test_hostile_or_malformed_expressions_are_refused_in_chinese(source, message):
    with pytest.raises(ExpressionError) as excinfo:
        parse_expression(source)
    assert message in str(excinfo.value)


def test_refusal_is_an_error_not_a_crash_for_deep_nesting():
    with pytest.raises(ExpressionError, match="嵌套过深"):
        parse_expression("-" * 400 + "1")
    with pytest.raises(ExpressionError, match="复杂"):
        parse_expression("<".join(["1"] * 240))


def test_text_arithmetic_is_refused_by_the_type_check():
    for source in (
        "'ab' * 100000 == school_type",
        "school_type + 1 > 0",
        "ipv6 + 1 > 0",
        "students and ipv6",
    ):
        with pytest.raises(ExpressionError):
            infer_type(parse_expression(source), TYPES)


def test_unknown_names_are_refused_by_the_type_check():
    with pytest.raises(ExpressionError, match="未知的名称“teachers”"):
        infer_type(parse_expression("teachers > 1"), TYPES)


def test_types():
    assert infer_type(parse_expression("students / student_pcs"), TYPES) is Type.NUMBER
    assert infer_type(parse_expression("students >= 1 and not ipv6"), TYPES) is Type.BOOL
    assert infer_type(parse_expression("school_type in ('primary',)"), TYPES) is Type.BOOL
    with pytest.raises(ExpressionError, match="类型应相同"):
        infer_type(parse_expression("1 if ipv6 else true"), TYPES)


def test_full_width_operators_typed_in_chinese_are_accepted():
    expression = parse_expression("students ≥ 1000 and （students ＜ 2000）")
    assert expression.source == "students >= 1000 and (students < 2000)"


@pytest.mark.parametrize(
    ("source", "values", "expected"),
    [
        ("students >= 1000", {"students": 1000}, True),
        ("students > 1000", {"students": 1000}, False),
        ("students <= 50", {"students": 50}, True),
        ("students < 50", {"students": 50}, False),
        ("students == 0", {"students": 0}, True),
        ("students != 0", {"students": 0}, False),
        ("1 <= students <= 3", {"students": 3}, True),
        ("1 <= students < 3", {"students": 3}, False),
        ("students / student_pcs", {"students": 1, "student_pcs": 3}, D(1) / D(3)),
        ("students * 2 - student_pcs + 1", {"students": 5, "student_pcs": 3}, D(8)),
        ("-students", {"students": 5}, D(-5)),
        ("min(students, 7, student_pcs)", {"students": 9, "student_pcs": 8}, D(7)),
        ("max(students, 7)", {"students": 9}, D(9)),
        ("0.1 + 0.2 == 0.3", {}, True),
        ("ipv6 == true", {"ipv6": True}, True),
        ("not ipv6 or students > 1", {"ipv6": True, "students": 1}, False),
        ("students if ipv6 else 0", {"ipv6": False, "students": 4}, D(0)),
        ("school_type in ('primary', 'junior')", {}, True),
        ("school_type not in ('primary', 'junior')", {}, False),
        ("has_level('primary') and not has_level('senior')", {}, True),
    ],
)
def test_evaluation(source, values, expected):
    assert compute(source, **values) == expected


def test_division_by_zero_is_infinite_and_zero_by_zero_undefined():
    assert compute("students / student_pcs > 1000000", students=5, student_pcs=0) is True
    assert compute("students / student_pcs < 0", students=-5, student_pcs=0) is True
    with pytest.raises(Undefined):
        compute("students / student_pcs > 1", students=0, student_pcs=0)
    with pytest.raises(Undefined):
        compute("students / student_pcs - students / student_pcs > 1", students=5, student_pcs=0)


def test_an_upper_limit_may_stand_on_either_side():
    assert compute("level_min(primary=7) >= students", students=7) is True


def test_level_functions_take_the_strictest_level_and_record_it():
    expression = parse_expression("students <= level_min(senior=5, junior=6, primary=7)")
    for levels, students, expected, bound in [
        (("primary",), 7, True, ("primary",)),
        (("primary", "junior"), 7, False, ("junior",)),
        (("junior", "senior"), 5, True, ("senior",)),
    ]:
        scope = Scope(values={"students": D(students)}, school_type="x", levels=levels)
        assert evaluate(expression, scope) is expected
        assert scope.bound_levels == [bound]
    lower = parse_expression("students >= level_max(primary=1, junior=2)")
    assert (
        evaluate(lower, Scope(values={"students": D(1)}, school_type="x", levels=("primary", "junior")))
        is False
    )
    with pytest.raises(LevelNotApplicable):
        evaluate(expression, Scope(values={"students": D(1)}, school_type="x", levels=("vocational",)))


def test_parsed_expression_lists_what_it_reads():
    expression = parse_expression("students / student_pcs <= level_min(junior=6) and ipv6 == true")
    assert expression.names == {"students", "student_pcs", "ipv6"}
    assert expression.level_sets == (("junior",),)
