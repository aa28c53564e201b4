"""Every shipped rule, checked against its clause: a passing school, a failing one, one at the limit.

The table below is written from the clauses (see docs/rules.md), not derived from the rule files: if a
rule's expression drifts from what the standard says, a row here fails. A rule added to a fixture
without a row here fails `test_every_shipped_rule_has_a_row`.
"""

import json
from pathlib import Path

import pytest
from django.conf import settings

from indicators.facts import facts_from_dict
from indicators.rules import RuleStatus, evaluate_rules, rules_from_dict

FIXTURES = Path(settings.BASE_DIR) / "fixtures"
CATALOGUE = {f.code: f for f in facts_from_dict(json.loads((FIXTURES / "facts.json").read_text("utf-8")))}


def shipped(code: str) -> dict:
    _framework, rules = rules_from_dict(json.loads((FIXTURES / "rules" / f"{code}.json").read_text("utf-8")))
    return {rule.code: rule for rule in rules}


RULES = {code: shipped(code) for code in ("beijing-k12", "zibo-k12", "zhejiang-k12", "beijing-higher")}

# A row: (framework, rule, school type, passing facts, failing facts, facts at the limit, verdict at
# the limit). `one(...)` writes the common single-fact row: fact code, passing, failing and limit value.


def row(framework, rule, school_type, passing, failing, limit, at_limit=True):
    return (framework, rule, school_type, passing, failing, limit, at_limit)


def one(framework, rule, school_type, fact, passing, failing, limit, at_limit=True):
    return row(framework, rule, school_type, {fact: passing}, {fact: failing}, {fact: limit}, at_limit)


BJ, ZB, ZJ, HE = "beijing-k12", "zibo-k12", "zhejiang-k12", "beijing-higher"
CASES = [
    # 北京市中小学 — 附录A
    one(BJ, "gigabit-to-school", "primary", "uplink_mbps", 2000, 999, 1000),
    one(BJ, "100m-to-classroom", "junior", "classroom_mbps", 1000, 99, 100),
    row(
        BJ,
        "teacher-pc-ratio",
        "senior",
        {"teachers": 80, "teacher_pcs": 95},
        {"teachers": 80, "teacher_pcs": 79},
        {"teachers": 80, "teacher_pcs": 80},
    ),
    row(
        BJ,
        "online-courses-per-type",
        "primary",
        {"online_courses_national": 3, "online_courses_local": 4, "online_courses_school": 6},
        {"online_courses_national": 5, "online_courses_local": 1, "online_courses_school": 5},
        {"online_courses_national": 2, "online_courses_local": 2, "online_courses_school": 2},
    ),
    one(BJ, "research-project", "complete", "research_projects", 3, 0, 1),
    one(BJ, "teachers-trained-all", "nine_year", "teachers_trained_pct", 100, 99.5, 100),
    one(BJ, "teachers-sharing-30pct", "primary", "teachers_sharing_pct", 45, 29.9, 30),
    one(BJ, "security-level", "primary", "security_level", 3, 0, 1),
    # 淄博市
    one(ZB, "uplink-600m", "primary", "uplink_mbps", 1000, 599, 600),
    one(ZB, "ipv6", "junior", "ipv6", True, False, True),
    one(ZB, "gigabit-backbone", "senior", "backbone_gbps", 10, 0.1, 1),
    one(ZB, "gigabit-to-desktop", "primary", "classroom_mbps", 2500, 100, 1000),
    row(
        ZB,
        "interactive-classrooms",
        "primary",
        {"ordinary_classrooms": 24, "classrooms_interactive": 24},
        {"ordinary_classrooms": 30, "classrooms_interactive": 29},
        {"ordinary_classrooms": 30, "classrooms_interactive": 30},
    ),
    row(
        ZB,
        "networked-classrooms",
        "junior",
        {"ordinary_classrooms": 24, "classrooms_networked": 24},
        {"ordinary_classrooms": 30, "classrooms_networked": 12},
        {"ordinary_classrooms": 30, "classrooms_networked": 30},
    ),
    one(ZB, "security-level", "primary", "security_level", 2, 0, 1),
    one(ZB, "log-six-months", "primary", "log_retention_days", 365, 179, 180),
    one(ZB, "teacher-space", "primary", "teacher_space_pct", 100, 98, 100),
    one(ZB, "student-space", "primary", "student_space_pct", 100, 99.9, 100),
    one(ZB, "teachers-trained-all", "primary", "teachers_trained_pct", 100, 90, 100),
    one(ZB, "it-meetings-per-term", "primary", "it_meetings_per_term", 3, 0, 1),
    row(
        ZB,
        "subject-it-lead",
        "primary",
        {"subjects": 12, "subjects_with_it_lead": 12},
        {"subjects": 12, "subjects_with_it_lead": 11},
        {"subjects": 9, "subjects_with_it_lead": 9},
    ),
    # 浙江省
    one(ZJ, "ipv6", "primary", "ipv6", True, False, True),
    one(ZJ, "uplink-1g", "primary", "uplink_mbps", 10000, 999, 1000),
    one(ZJ, "gigabit-to-terminal", "junior", "classroom_mbps", 10000, 100, 1000),
    row(
        ZJ,
        "student-pc-ratio",
        "senior",
        {"students": 1000, "student_pcs": 250},
        {"students": 1000, "student_pcs": 199},
        {"students": 1000, "student_pcs": 200},
    ),
    row(
        ZJ,
        "teacher-pc-ratio",
        "primary",
        {"teachers": 80, "teacher_pcs": 100},
        {"teachers": 80, "teacher_pcs": 79},
        {"teachers": 80, "teacher_pcs": 80},
    ),
    row(
        ZJ,
        "interactive-classrooms",
        "primary",
        {"ordinary_classrooms": 18, "classrooms_interactive": 18},
        {"ordinary_classrooms": 20, "classrooms_interactive": 19},
        {"ordinary_classrooms": 20, "classrooms_interactive": 20},
    ),
    one(ZJ, "quality-courses", "junior", "quality_courses", 5, 0, 1),
    one(ZJ, "teacher-space", "primary", "teacher_space_pct", 100, 99, 100),
    one(ZJ, "student-space", "primary", "student_space_pct", 100, 60, 100),
    one(ZJ, "no-major-incident", "primary", "security_incidents", 0, 1, 0),
    row(
        ZJ,
        "it-department-24-classes",
        "junior",
        {"classes": 30, "has_it_department": True},
        {"classes": 30, "has_it_department": False},
        {"classes": 24, "has_it_department": False},
        False,  # “24个班级以上”: a 24-class school must have one
    ),
    row(
        ZJ,
        "subject-it-teacher",
        "primary",
        {"subjects": 9, "subjects_with_it_lead": 9},
        {"subjects": 9, "subjects_with_it_lead": 0},
        {"subjects": 12, "subjects_with_it_lead": 12},
    ),
    one(ZJ, "emergency-drill", "senior", "emergency_drills_per_year", 2, 0, 1),
    # 北京市高等学校
    one(HE, "building-10g-fiber", "higher", "building_link_gbps", 40, 1, 10),
    one(HE, "building-10g", "higher", "building_link_gbps", 40, 9.9, 10),
    one(HE, "gigabit-to-desktop", "higher", "classroom_mbps", 10000, 100, 1000),
    one(HE, "wifi-coverage", "higher", "wifi_coverage_pct", 100, 99.5, 100),
    row(
        HE,
        "bandwidth-per-capita",
        "higher",
        {"uplink_mbps": 40000, "students": 20000, "staff": 3000},
        {"uplink_mbps": 20000, "students": 20000, "staff": 3000},
        {"uplink_mbps": 23000, "students": 20000, "staff": 3000},  # exactly 1 Mbps each
    ),
    one(HE, "ipv6-network", "higher", "ipv6", True, False, True),
    one(HE, "ipv6-portal", "higher", "ipv6_pct", 95, 89.9, 90),
    one(HE, "auth-log-six-months", "higher", "log_retention_days", 365, 179, 180),
    one(HE, "mailbox-10g", "higher", "mailbox_gb", 50, 5, 10),
    one(HE, "text-resources-max-50", "higher", "text_resources_pct", 30, 50.1, 50),
    one(HE, "online-courses-over-50", "higher", "online_courses_pct", 60, 40, 50, False),  # “>50%”
    one(HE, "dept-it-coverage", "higher", "dept_it_coverage_pct", 100, 90, 100),
    one(HE, "service-processes-over-100", "higher", "service_processes", 150, 80, 100, False),  # 超过
    one(HE, "cross-dept-processes", "higher", "cross_dept_process_pct", 40, 29, 30),
    one(HE, "one-stop-processes", "higher", "one_stop_pct", 80, 69.9, 70),
    one(HE, "data-exchange-coverage", "higher", "data_exchange_coverage_pct", 100, 99, 100),
    one(HE, "hazmat-sensors", "higher", "hazmat_sensor_coverage_pct", 100, 50, 100),
    one(HE, "no-security-incident", "higher", "security_incidents", 0, 2, 0),
    one(HE, "security-filing", "higher", "security_filing_pct", 100, 95, 100),
    one(HE, "ups-2h", "higher", "ups_hours", 4, 1.5, 2),
    one(HE, "data-retention-10y", "higher", "data_retention_years", 15, 5, 10),
    one(HE, "log-180-days", "higher", "log_retention_days", 365, 90, 180),
    one(HE, "leader-lectures", "higher", "leader_it_lectures_per_year", 3, 0, 1),
    one(HE, "it-staff-trainings", "higher", "it_staff_trainings_per_year", 4, 1, 2),
    one(HE, "teacher-trainings", "higher", "it_trainings_per_year", 6, 1, 2),
    one(HE, "teacher-training-coverage", "higher", "teacher_training_coverage_pct", 100, 90, 100),
    one(HE, "student-digital-training", "higher", "student_digital_trainings_per_year", 2, 0, 1),
    one(HE, "it-meetings-per-term", "higher", "it_meetings_per_term", 2, 0, 1),
    one(HE, "it-department", "higher", "has_it_department", True, False, True),
]

# Clauses worded as aspiration or guidance (原则上, 力争, 有需求, 较大规模 undefined, optional items, 备注)
ADVISORY = {
    ("zibo-k12", "uplink-600m"),
    ("zibo-k12", "gigabit-to-desktop"),
    ("zhejiang-k12", "interactive-classrooms"),
    ("beijing-higher", "bandwidth-per-capita"),
    ("beijing-higher", "service-processes-over-100"),
    ("beijing-higher", "cross-dept-processes"),
    ("beijing-higher", "one-stop-processes"),
    ("beijing-higher", "no-security-incident"),
}


def run(framework: str, rule: str, school_type: str, facts: dict):
    [result] = evaluate_rules(
        [RULES[framework][rule]], facts=facts, school_type=school_type, catalogue=CATALOGUE
    )
    return result


def ids(case) -> str:
    return f"{case[0]}:{case[1]}"


def shown(code: str, value) -> str:
    """How a fact value must appear in the message."""
    if isinstance(value, bool):
        return "是" if value else "否"
    if code == "security_level":
        return ["未定级", "第一级", "第二级", "第三级"][value]
    return str(value)


def test_every_shipped_rule_has_a_row():
    in_table = {(case[0], case[1]) for case in CASES}
    in_fixtures = {(fw, code) for fw, rules in RULES.items() for code in rules}
    assert in_fixtures - in_table == set(), "rules without a pass/fail/limit row"
    assert in_table - in_fixtures == set(), "rows for rules that are not shipped"
    assert len(CASES) == len(in_table)


@pytest.mark.parametrize("case", CASES, ids=ids)
def test_passing_school(case):
    framework, rule, school_type, facts, _fail, _limit, _at_limit = case
    result = run(framework, rule, school_type, facts)
    assert result.passed is True and result.status is RuleStatus.PASS, result.message
    assert result.message.startswith("符合：")
    for code, value in facts.items():
        assert shown(code, value) in result.message, (code, result.message)


@pytest.mark.parametrize("case", CASES, ids=ids)
def test_failing_school(case):
    framework, rule, school_type, _pass, facts, _limit, _at_limit = case
    result = run(framework, rule, school_type, facts)
    assert result.passed is False and result.status is RuleStatus.FAIL, result.message
    assert result.message.startswith("不符合：")
    for code, value in facts.items():
        assert shown(code, value) in result.message, (code, result.message)


@pytest.mark.parametrize("case", CASES, ids=ids)
def test_school_at_the_limit(case):
    framework, rule, school_type, _pass, _fail, facts, at_limit = case
    assert run(framework, rule, school_type, facts).passed is at_limit


@pytest.mark.parametrize("case", CASES, ids=ids)
def test_missing_facts_give_no_verdict(case):
    framework, rule, school_type, facts, *_rest = case
    result = run(framework, rule, school_type, {})
    assert result.passed is None and result.status is RuleStatus.UNKNOWN
    assert result.message.startswith("无法判断：缺少")
    assert set(result.missing) <= set(facts) and result.missing


@pytest.mark.parametrize("case", CASES, ids=ids)
def test_severity_follows_the_wording(case):
    framework, rule, *_rest = case
    expected = "advisory" if (framework, rule) in ADVISORY else "blocking"
    assert RULES[framework][rule].severity == expected


# 浙江 1.2.1 “有效生机比高中 5:1, 初中 6:1, 小学 7:1”: mixed-level schools take the strictest level.
STUDENT_PC = [
    ("primary", 1400, 200, True, "小学标准不高于 7:1"),
    ("primary", 1401, 200, False, "小学标准不高于 7:1"),
    ("junior", 1200, 200, True, "初中标准不高于 6:1"),
    ("junior", 1400, 200, False, "初中标准不高于 6:1"),
    ("senior", 1001, 200, False, "高中标准不高于 5:1"),
    ("nine_year", 1200, 200, True, "初中标准不高于 6:1"),
    ("nine_year", 1300, 200, False, "初中标准不高于 6:1"),  # 6.5:1 meets 小学 7:1, not 初中 6:1
    ("complete", 1000, 200, True, "高中标准不高于 5:1"),
    ("complete", 1100, 200, False, "高中标准不高于 5:1"),  # 5.5:1 meets 初中 6:1, not 高中 5:1
    ("complete", 1000, 0, False, "有效生机比 ∞:1"),
]


@pytest.mark.parametrize(("school_type", "students", "pcs", "passed", "text"), STUDENT_PC)
def test_student_pc_ratio_takes_the_strictest_level(school_type, students, pcs, passed, text):
    result = run("zhejiang-k12", "student-pc-ratio", school_type, {"students": students, "student_pcs": pcs})
    assert result.passed is passed
    assert text in result.message, result.message


@pytest.mark.parametrize("school_type", ["vocational", "higher"])
def test_student_pc_ratio_does_not_concern_other_schools(school_type):
    result = run("zhejiang-k12", "student-pc-ratio", school_type, {"students": 5000, "student_pcs": 10})
    assert result.status is RuleStatus.NOT_APPLICABLE and result.passed is True
    assert result.message.startswith("不适用：") and "高中、初中、小学" in result.message


def test_nine_year_ratio_message_names_the_school_type():
    result = run("zhejiang-k12", "student-pc-ratio", "nine_year", {"students": 1265, "student_pcs": 200})
    assert result.message == (
        "不符合：在校学生 1265 人，学生用计算机/终端 200 台，有效生机比 6.33:1；"
        "初中标准不高于 6:1（学校类型：九年一贯制）"
    )


def test_it_department_rule_does_not_concern_small_schools():
    result = run(
        "zhejiang-k12", "it-department-24-classes", "primary", {"classes": 23, "has_it_department": False}
    )
    assert result.status is RuleStatus.NOT_APPLICABLE and result.passed is True
    assert result.message == "不适用：本条适用于24个班级以上的学校（教学班数 23 个）"
    unknown = run("zhejiang-k12", "it-department-24-classes", "primary", {"has_it_department": True})
    assert unknown.passed is None and unknown.missing == ("classes",)


def test_six_months_are_180_days_but_days_stay_days():
    zibo = RULES["zibo-k12"]["log-six-months"]
    higher = RULES["beijing-higher"]["log-180-days"]
    assert zibo.expression == higher.expression == "log_retention_days >= 180"
    assert "月按 30 天计" in zibo.edge and "不折算月" in higher.edge


def test_per_capita_bandwidth_message_shows_the_arithmetic():
    result = run(
        "beijing-higher",
        "bandwidth-per-capita",
        "higher",
        {"uplink_mbps": 10000, "students": 15000, "staff": 2000},
    )
    assert result.message == (
        "不符合：出口带宽 10000 Mbps，师生 17000 人（在校学生 15000 人、教职工 2000 人），"
        "人均 0.59 Mbps；原则上不低于 1 Mbps"
    )


def test_docs_list_every_rule_with_its_clause():
    doc = (Path(settings.BASE_DIR) / "docs" / "rules.md").read_text("utf-8")
    for rules in RULES.values():
        for rule in rules.values():
            assert f"`{rule.code}`" in doc and f"「{rule.clause}」" in doc, rule.code
