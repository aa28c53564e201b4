"""The evaluator and rule checks on small hand-made rules; fact values; grouping results by item.

No test here touches the database: the evaluator is pure, and pytest-django refuses any query
from a test without the `db` fixture.
"""

from decimal import Decimal

import pytest
from django.utils import translation

from indicators.facts import FactSpec, FactValueError, clean_fact_values, format_number
from indicators.levels import SCHOOL_TYPE_LEVELS, UnknownSchoolType, school_levels
from indicators.rules import (
    RuleError,
    RuleSpec,
    RuleStatus,
    compile_rule,
    evaluate_rules,
    results_by_item,
    rule_fact_codes,
    rule_problems,
    rules_from_dict,
    rules_to_dict,
)
from indicators.trees import SpecError

CATALOGUE = {
    fact.code: fact
    for fact in [
        FactSpec("students", "在校学生数", "integer", "人"),
        FactSpec("student_pcs", "学生用计算机数", "integer", "台"),
        FactSpec("classes", "教学班数", "integer", "个"),
        FactSpec("has_it_department", "设置信息化中层机构", "bool"),
        FactSpec("wifi_pct", "无线覆盖率", "percent", "%"),
        FactSpec("uplink", "出口带宽", "decimal", "Mbps"),
        FactSpec(
            "security_level", "等级保护级别", "choice", choices=((0, "未定级"), (1, "第一级"), (2, "第二级"))
        ),
        FactSpec("rooms", "普通教室数", "integer", "间"),
        FactSpec("rooms_smart", "智慧教室数", "integer", "间", part_of="rooms"),
    ]
}


def rule(expression, message="{students}", code="r", node="1.1", clause="原文", **kwargs) -> RuleSpec:
    return RuleSpec(code=code, node=node, expression=expression, message=message, clause=clause, **kwargs)


def one(spec: RuleSpec, school_type="primary", **facts):
    [result] = evaluate_rules([spec], facts=facts, school_type=school_type, catalogue=CATALOGUE)
    return result


def test_missing_fact_is_unknown_not_a_failure():
    result = one(rule("students / student_pcs <= 7"), students=100)
    assert result.status is RuleStatus.UNKNOWN and result.passed is None
    assert result.missing == ("student_pcs",)
    assert result.message == "无法判断：缺少学生用计算机数（台）"
    assert result.as_dict() == {"node": "1.1", "rule": "r", "passed": None, "message": result.message}


def test_verdicts_follow_the_active_language():
    spec = rule("students / student_pcs <= 7")
    with translation.override("en"):
        assert one(spec, students=100).message.startswith("Cannot tell")
        assert RuleStatus.FAIL.label == "Not met"
    assert one(spec, students=100).message.startswith("无法判断：")
    assert RuleStatus.FAIL.label == "不符合"


def test_none_counts_as_missing():
    assert one(rule("students >= 1"), students=None).passed is None


def test_missing_facts_are_listed_in_catalogue_order():
    result = one(rule("wifi_pct >= 100 and students >= 1"))
    assert result.missing == ("students", "wifi_pct")


@pytest.mark.parametrize(
    ("expression", "value", "passed"),
    [
        ("uplink >= 1000", 1000, True),  # 不低于 / 不少于 / 以上 / 至少 / ≥ include the limit
        ("uplink >= 1000", 999.99, False),
        ("uplink > 1000", 1000, False),  # 超过 / 大于 exclude it
        ("uplink > 1000", 1000.01, True),
        ("uplink <= 50", 50, True),  # 不超过
        ("uplink < 50", 50, False),
    ],
)
def test_edges(expression, value, passed):
    assert one(rule(expression, "{uplink}"), uplink=value).passed is passed


def test_message_shows_the_numbers_used():
    spec = rule(
        "ratio <= limit",
        "学生 {students} 人，计算机 {student_pcs} 台，"
        "生机比 {ratio}:1；{level}标准 {limit}:1（{school_type}）",
        values=(("ratio", "students / student_pcs"), ("limit", "level_min(primary=7, junior=6)")),
    )
    result = one(spec, "nine_year", students=1300, student_pcs=200)
    assert result.status is RuleStatus.FAIL
    assert result.message == "不符合：学生 1300 人，计算机 200 台，生机比 6.5:1；初中标准 6:1（九年一贯制）"
    assert result.detail == result.message.removeprefix("不符合：")
    numbers = {n.name: n.text for n in result.numbers}
    assert numbers == {"students": "1300 人", "student_pcs": "200 台", "ratio": "6.5", "limit": "6"}


def test_message_shows_yes_no_and_grades():
    spec = rule(
        "has_it_department and security_level >= 1", "机构：{has_it_department}；等保：{security_level}"
    )
    assert one(spec, has_it_department=False, security_level=2).message == "不符合：机构：否；等保：第二级"
    assert one(spec, has_it_department=True, security_level=1).message == "符合：机构：是；等保：第一级"


def test_a_fact_only_in_the_message_may_be_missing():
    result = one(rule("students >= 1", "学生 {students}，班 {classes}"), students=5)
    assert result.passed is True and result.message == "符合：学生 5，班 未填"


def test_when_restricts_the_rule_to_the_schools_it_concerns():
    spec = rule("has_it_department", "班 {classes}", when="classes >= 24", applies_to="24个班级以上的学校")
    small = one(spec, classes=23, has_it_department=False)
    assert small.status is RuleStatus.NOT_APPLICABLE and small.passed is True
    assert small.message == "不适用：本条适用于24个班级以上的学校（教学班数 23 个）"
    assert one(spec, classes=24, has_it_department=False).passed is False
    assert one(spec, classes=24).passed is None  # applies, but the answer is missing
    assert one(spec, has_it_department=True).missing == ("classes",)
    unnamed = rule("has_it_department", when="classes >= 24")
    assert one(unnamed, classes=3).message == "不适用：适用条件不满足（教学班数 3 个）"


def test_level_threshold_without_the_schools_level_does_not_apply():
    spec = rule("students <= level_min(primary=7, junior=6)", "{students}")
    result = one(spec, "vocational", students=1)
    assert result.status is RuleStatus.NOT_APPLICABLE and result.passed is True
    assert result.message == "不适用：该条款只对小学、初中规定了要求，本校为职业学校"
    assert one(spec, "vocational").status is RuleStatus.NOT_APPLICABLE  # even with facts missing


def test_zero_by_zero_is_unknown():
    spec = rule("ratio <= 7", values=(("ratio", "students / student_pcs"),))
    result = one(spec, students=0, student_pcs=0)
    assert result.passed is None and "ratio无法计算" in result.message
    assert one(spec, students=5, student_pcs=0).passed is False  # infinitely many pupils per computer


def test_a_condition_that_cannot_be_computed_is_unknown():
    spec = rule("has_it_department", when="students / classes > 45")
    assert one(spec, students=0, classes=0, has_it_department=True).passed is None
    assert one(spec, students=10, classes=0, has_it_department=False).passed is False


def test_an_unused_value_that_cannot_be_computed_shows_a_dash():
    spec = rule(
        "rooms_smart >= rooms",
        "{rooms_smart}/{rooms}（{share}%）",
        values=(("share", "rooms_smart / rooms * 100"),),
    )
    assert one(spec, rooms=0, rooms_smart=0).message == "符合：0/0（—%）"


def test_a_broken_rule_answers_unknown_without_hiding_the_others():
    broken, fine = rule("nobody > 1", code="broken"), rule("students > 1", code="fine")
    results = evaluate_rules([broken, fine], facts={"students": 5}, school_type="junior", catalogue=CATALOGUE)
    assert [r.rule for r in results] == ["broken", "fine"]
    assert results[0].passed is None and results[0].message.startswith("无法判断：规则有误（")
    assert results[1].passed is True


def test_unknown_school_type_is_refused():
    with pytest.raises(UnknownSchoolType, match="未知的学校类型“kindergarten”"):
        evaluate_rules([], facts={}, school_type="kindergarten", catalogue=CATALOGUE)


def test_school_types_contain_their_levels():
    assert school_levels("nine_year") == ("primary", "junior")
    assert school_levels("complete") == ("junior", "senior")
    assert school_levels("vocational") == ("vocational",)
    assert school_levels("higher") == ("higher",)


def test_school_types_are_those_stored_on_schools():
    from assessments.models import SchoolType as StoredSchoolType
    from indicators.levels import SchoolType

    assert list(StoredSchoolType.choices) == list(SchoolType.choices)
    assert set(SCHOOL_TYPE_LEVELS) == set(StoredSchoolType.values)


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (rule("teachers > 1"), "未知的名称“teachers”"),
        (rule("students + 1"), "应得出是/否"),
        (rule("has_it_department + 1 > 1"), "需要数值"),
        (rule("students > 1", "{nobody}"), "{nobody} 不是事实代码"),
        (rule("students > 1", "{students"), "不成对的花括号"),
        (rule("students > 1", "{level}"), "{level} 只能用于"),
        (rule("students > 1", ""), "缺少提示信息模板"),
        (rule("students > 1", clause=" "), "缺少条款原文"),
        (rule("students > 1", code="Bad Code"), "规则编号"),
        (rule("students > 1", severity="fatal"), "严重程度"),
        (rule("a > 1", values=(("a", "b"), ("b", "a"))), "循环引用"),
        (rule("a > 1", values=(("a", "a + 1"),)), "循环引用"),
        (rule("students > 1", values=(("students", "1"),)), "中间量名称“students”无效"),
        (rule("x >= limit", values=(("x", "students"), ("limit", "level_min(primary=1)"))), "level_max"),
        (rule("students > 1", when="students"), "应得出是/否"),
        (rule("students.real > 1"), "属性访问"),
    ],
)
def test_rule_checks(spec, message):
    with pytest.raises(RuleError) as excinfo:
        compile_rule(spec, CATALOGUE)
    assert any(message in problem for problem in excinfo.value.problems), excinfo.value.problems


def test_rule_problems_check_nodes_and_verbatim_clauses():
    nodes = {"1.1": ("高性能设施环境", "学校有光纤接入互联网，千兆进校、百兆进班；", "")}
    good = RuleSpec(code="a", node="1.1", clause="千兆进校", expression="uplink >= 1000", message="{uplink}")
    two_parts = RuleSpec(code="b", node="1.1", clause="光纤……百兆进班", expression="uplink > 0", message="x")
    assert rule_problems([good, two_parts], nodes=nodes, catalogue=CATALOGUE) == []
    problems = rule_problems(
        [
            good,
            RuleSpec(code="a", node="9.9", clause="千兆进校", expression="uplink >= 1000", message="x"),
            RuleSpec(code="c", node="1.1", clause="千兆到桌面", expression="uplink >= 1000", message="x"),
            RuleSpec(code="d", node="1.1", clause="千兆进校", expression="open(1)", message="x", row=7),
        ],
        nodes=nodes,
        catalogue=CATALOGUE,
    )
    texts = [str(p) for p in problems]
    assert "规则 a：规则编号 a 重复" in texts
    assert "规则 a：找不到指标 9.9" in texts
    assert "规则 c：条款原文不在指标 1.1 的原文或备注中（须逐字引用）" in texts
    assert any(t.startswith("第 7 行：判定表达式：不允许调用 open") for t in texts)


def test_rule_fact_codes_lists_what_a_framework_asks_for():
    rules = [
        rule("students / student_pcs <= 7", "{students}"),
        rule("has_it_department", "{classes}", when="classes >= 24"),
        rule("nobody > 1"),
    ]
    assert rule_fact_codes(rules, CATALOGUE) == ["students", "student_pcs", "classes", "has_it_department"]


def test_results_by_item():
    results = evaluate_rules(
        [
            rule("students > 1", code="on-monitoring-point", node="1.2.1"),
            rule("students > 1", code="on-item", node="1.2"),
            rule("students > 1", code="on-heading", node="2"),
            rule("students > 1", code="elsewhere", node="3.1"),
        ],
        facts={"students": 5},
        school_type="primary",
        catalogue=CATALOGUE,
    )
    grouped = results_by_item(results, ["1.1", "1.2", "2.1", "2.2", "2.10"])
    assert {code: [r.rule for r in rs] for code, rs in grouped.items()} == {
        "1.1": [],
        "1.2": ["on-monitoring-point", "on-item"],
        "2.1": ["on-heading"],
        "2.2": ["on-heading"],
        "2.10": ["on-heading"],
    }


def test_rule_file_round_trip_and_shape_errors():
    data = {
        "framework": "x",
        "rules": [
            {
                "code": "a",
                "node": "1",
                "clause": "c",
                "values": {"r": "students / 2"},
                "expression": "r > 1",
                "severity": "advisory",
                "message": "{r}",
                "edge": "e",
            }
        ],
    }
    code, specs = rules_from_dict(data)
    assert code == "x" and specs[0].values == (("r", "students / 2"),)
    assert rules_to_dict(code, specs) == data
    for bad in ({"rules": []}, {"framework": "x", "rules": [1]}, {"framework": "x", "rules": [{"code": 1}]}):
        with pytest.raises(SpecError):
            rules_from_dict(bad)
    with pytest.raises(SpecError, match="未知字段：colour"):
        rules_from_dict({"framework": "x", "rules": [{"colour": "red"}]})


# --- fact values ----------------------------------------------------------------------------------


def test_clean_fact_values():
    values = clean_fact_values(
        {
            "students": "1,200",
            "uplink": 1000.5,
            "wifi_pct": "100",
            "has_it_department": "是",
            "security_level": "第二级",
            "classes": "",
            "rooms": 30,
            "rooms_smart": None,
        },
        CATALOGUE,
    )
    assert values == {
        "students": Decimal(1200),
        "uplink": Decimal("1000.5"),
        "wifi_pct": Decimal(100),
        "has_it_department": True,
        "security_level": Decimal(2),
        "rooms": Decimal(30),
    }


def test_bad_fact_values_are_all_listed():
    with pytest.raises(FactValueError) as excinfo:
        clean_fact_values(
            {
                "students": -1,
                "classes": 2.5,
                "wifi_pct": 101,
                "uplink": "快",
                "has_it_department": "也许",
                "security_level": 7,
                "rooms": 10,
                "rooms_smart": 11,
                "nobody": 1,
                "student_pcs": True,
            },
            CATALOGUE,
        )
    messages = {p.where: p.message for p in excinfo.value.problems}
    assert messages == {
        "students": "在校学生数不能为负数（-1）",
        "classes": "教学班数应为整数（2.5）",
        "wifi_pct": "无线覆盖率是百分比，应在 0 至 100 之间（101）",
        "uplink": "出口带宽“快”不是数字",
        "has_it_department": "设置信息化中层机构“也许”应填“是”或“否”",
        "security_level": "等级保护级别“7”无效，可选：0（未定级）、1（第一级）、2（第二级）",
        "rooms_smart": "智慧教室数（11）不能大于普通教室数（10）",
        "nobody": "未知的事实代码“nobody”",
        "student_pcs": "学生用计算机数应为数字，不是是/否",
    }


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (Decimal(6), "6"),
        (Decimal("6.50"), "6.5"),
        (Decimal(19) / Decimal(3), "6.33"),
        (Decimal("Infinity"), "∞"),
    ],
)
def test_format_number(value, text):
    assert format_number(value) == text


def test_fact_text():
    assert CATALOGUE["uplink"].text(Decimal(1000)) == "1000 Mbps"
    assert CATALOGUE["wifi_pct"].text(Decimal("92.5")) == "92.5%"
    assert CATALOGUE["security_level"].text(Decimal(0)) == "未定级"
    assert CATALOGUE["students"].text(None) == "未填"
    assert CATALOGUE["uplink"].title == "出口带宽（Mbps）"
