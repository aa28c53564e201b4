"""Rules in the database: loading, `evaluate_rules`, `validate_frameworks`, Excel export/import, admin."""

import io
import json
import shutil
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import load_workbook

from indicators.models import FactDefinition, Framework, Rule
from indicators.resources import rule_workbook
from indicators.rules import rules_from_dict
from indicators.selectors import fact_catalogue, rule_list, rule_specs
from indicators.services import RuleSetError, framework_import, rule_set_load, rules_import

from .conftest import CODES

pytestmark = pytest.mark.django_db
FIXTURES = Path(settings.BASE_DIR) / "fixtures"


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out, stderr=out)
    return out.getvalue()


def fixture_rules(code: str):
    return rules_from_dict(json.loads((FIXTURES / "rules" / f"{code}.json").read_text("utf-8")))[1]


def facts_file(tmp_path, data, name="facts.json") -> str:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return str(path)


# --- loading --------------------------------------------------------------------------------------


def test_load_frameworks_stores_the_catalogue_and_every_rule_file(frameworks):
    assert FactDefinition.objects.count() == len(
        json.loads((FIXTURES / "facts.json").read_text("utf-8"))["facts"]
    )
    for code in CODES:
        stored = rule_specs(framework=frameworks[code])
        assert [r.code for r in stored] == [r.code for r in sorted_by_node(code)]
        assert {r.code: r for r in stored} == {r.code: r for r in fixture_rules(code)}


def sorted_by_node(code: str):
    position = {node.code: node.position for node in Framework.objects.get(code=code).nodes.all()}
    rules = fixture_rules(code)
    return sorted(rules, key=lambda r: (position[r.node], rules.index(r)))


def test_catalogue_has_every_fact_the_standards_need():
    catalogue = {f["code"]: f for f in json.loads((FIXTURES / "facts.json").read_text("utf-8"))["facts"]}
    required = {
        "students": "在校学生数",
        "teachers": "专任教师数",
        "staff": "教职工数",
        "classes": "教学班数",
        "ordinary_classrooms": "普通教室数",
        "student_pcs": "学生用计算机/终端数",
        "teacher_pcs": "教师用计算机数",
        "uplink_mbps": "出口带宽",
        "wifi_coverage_pct": "无线覆盖率",
        "ipv6": "支持IPv6",
        "ipv6_pct": "IPv6支持度",
        "security_level": "等级保护级别",
        "log_retention_days": "日志保存天数",
        "ups_hours": "不间断电源时长",
        "mailbox_gb": "邮箱容量",
        "data_retention_years": "重要数据保存年限",
        "emergency_drills_per_year": "每学年应急演练次数",
        "it_trainings_per_year": "每年信息化培训次数",
        "has_it_department": "设置信息化中层机构",
        "security_incidents": "本年度重大网络安全责任事件数",
        "online_courses_pct": "网络课程占比",
    }
    for code, label in required.items():
        assert catalogue[code]["label"] == label
    units = {
        "uplink_mbps": "Mbps",
        "classroom_mbps": "Mbps",
        "backbone_gbps": "Gbps",
        "building_link_gbps": "Gbps",
    }
    for code, unit in units.items():
        assert catalogue[code]["unit"] == unit
    assert catalogue["classrooms_interactive"]["part_of"] == "ordinary_classrooms"
    assert catalogue["classrooms_networked"]["part_of"] == "ordinary_classrooms"
    assert {c["kind"] for c in catalogue.values()} == {"integer", "decimal", "percent", "bool", "choice"}


def test_a_changed_rule_is_updated_in_place_and_a_dropped_one_deleted(frameworks):
    fw = frameworks["zhejiang-k12"]
    before = {rule.code: rule.pk for rule in Rule.objects.filter(framework=fw)}
    specs = fixture_rules("zhejiang-k12")
    changed = [s for s in specs if s.code != "emergency-drill"]
    index = next(i for i, s in enumerate(changed) if s.code == "uplink-1g")
    changed[index] = type(changed[index])(**{**changed[index].__dict__, "severity": "advisory"})
    result = rule_set_load(framework=fw, specs=changed)
    assert (result.created, result.updated, result.deleted) == (0, 1, 1)
    after = {rule.code: rule.pk for rule in Rule.objects.filter(framework=fw)}
    assert after == {code: pk for code, pk in before.items() if code != "emergency-drill"}
    assert Rule.objects.get(framework=fw, code="uplink-1g").severity == "advisory"
    assert Rule.history.filter(code="uplink-1g").count() == 2
    assert "未变化" in rule_set_load(framework=fw, specs=changed).summary()


def test_specs_read_after_a_change_show_it_at_once(frameworks):
    """Specs are made once per distinct stored content: a changed rule or fact is read anew."""
    fw = frameworks["zhejiang-k12"]
    assert {s.code: s.severity for s in rule_specs(framework=fw)}["uplink-1g"] != "advisory"
    specs = fixture_rules("zhejiang-k12")
    index = next(i for i, s in enumerate(specs) if s.code == "uplink-1g")
    specs[index] = type(specs[index])(**{**specs[index].__dict__, "severity": "advisory"})
    rule_set_load(framework=fw, specs=specs)
    assert {s.code: s.severity for s in rule_specs(framework=fw)}["uplink-1g"] == "advisory"
    code = next(iter(fact_catalogue()))
    FactDefinition.objects.filter(code=code).update(label="改过的名称")
    assert fact_catalogue()[code].label == "改过的名称"


def test_a_rule_set_is_stored_in_a_few_queries(frameworks, django_assert_max_num_queries):
    fw = frameworks["beijing-higher"]
    Rule.objects.filter(framework=fw).delete()
    with django_assert_max_num_queries(10):
        result = rule_set_load(framework=fw, specs=fixture_rules("beijing-higher"))
    assert result.created == 29 and Rule.history.filter(framework=fw, history_type="+").count() == 58


def test_a_broken_rule_set_changes_nothing(frameworks):
    fw = frameworks["zibo-k12"]
    before = list(Rule.objects.filter(framework=fw).values_list("pk", "expression"))
    specs = fixture_rules("zibo-k12")
    broken = [type(specs[0])(**{**specs[0].__dict__, "expression": "uplink_mbps.__class__"}), *specs[1:]]
    with pytest.raises(RuleSetError) as excinfo:
        rule_set_load(framework=fw, specs=broken)
    assert any("属性访问" in str(p) for p in excinfo.value.problems)
    assert list(Rule.objects.filter(framework=fw).values_list("pk", "expression")) == before


def test_load_frameworks_reports_a_broken_rule_file(db, settings, tmp_path):
    shutil.copytree(FIXTURES, tmp_path / "fixtures")
    path = tmp_path / "fixtures" / "rules" / "zibo-k12.json"
    data = json.loads(path.read_text("utf-8"))
    data["rules"][0]["node"] = "9.9.9"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    settings.BASE_DIR = tmp_path
    with pytest.raises(CommandError, match="1 个文件未能加载"):
        run("load_frameworks")
    assert not Rule.objects.filter(framework__code="zibo-k12").exists()
    assert Rule.objects.filter(framework__code="zhejiang-k12").count() == 13


def test_reloading_a_framework_in_place_brings_its_rules_back(frameworks, settings, tmp_path):
    """Replacing an unlocked framework's nodes drops their rules; the same run loads them again."""
    shutil.copytree(FIXTURES, tmp_path / "fixtures")
    path = tmp_path / "fixtures" / "frameworks" / "zhejiang-k12.json"
    data = json.loads(path.read_text("utf-8"))
    data["nodes"][0]["name"] += "（修订）"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    settings.BASE_DIR = tmp_path
    run("load_frameworks")
    assert Rule.objects.filter(framework__code="zhejiang-k12").count() == 13


# --- evaluate_rules -------------------------------------------------------------------------------

ZJ_FACTS = {
    "students": 1300,
    "student_pcs": 200,
    "teachers": 90,
    "teacher_pcs": 95,
    "uplink_mbps": 1000,
    "ipv6": True,
    "classes": 30,
    "has_it_department": False,
}


def test_evaluate_rules_json_shape(frameworks, tmp_path):
    output = run(
        "evaluate_rules",
        "--framework",
        "zhejiang-k12",
        "--school-type",
        "nine_year",
        "--facts",
        facts_file(tmp_path, ZJ_FACTS),
        "--json",
    )
    data = json.loads(output)
    assert set(data) == {"framework", "results"} and data["framework"] == "zhejiang-k12"
    rules = list(rule_list(framework=frameworks["zhejiang-k12"]))
    assert [(r["node"], r["rule"]) for r in data["results"]] == [(r.node.code, r.code) for r in rules]
    for entry in data["results"]:
        assert set(entry) == {"node", "rule", "passed", "message"}
        assert entry["passed"] in (True, False, None) and isinstance(entry["message"], str)
    by_rule = {r["rule"]: r for r in data["results"]}
    assert by_rule["uplink-1g"]["passed"] is True
    assert by_rule["student-pc-ratio"] == {
        "node": "1.2.1",
        "rule": "student-pc-ratio",
        "passed": False,
        "message": "不符合：在校学生 1300 人，学生用计算机/终端 200 台，有效生机比 6.5:1；"
        "初中标准不高于 6:1（学校类型：九年一贯制）",
    }
    assert by_rule["it-department-24-classes"]["passed"] is False
    assert by_rule["emergency-drill"]["passed"] is None
    assert by_rule["emergency-drill"]["message"] == "无法判断：缺少每学年应急演练次数（次）"


def test_evaluate_rules_from_the_fixture_files_matches_the_database(frameworks, tmp_path):
    args = ["--framework", "beijing-higher", "--school-type", "higher", "--facts", facts_file(tmp_path, {})]
    stored = json.loads(run("evaluate_rules", *args, "--json"))
    from_files = json.loads(run("evaluate_rules", *args, "--json", "--fixtures"))
    assert from_files["results"] == sorted(
        stored["results"], key=lambda r: [x["rule"] for x in from_files["results"]].index(r["rule"])
    )
    assert len(stored["results"]) == 29 and all(r["passed"] is None for r in stored["results"])


def test_evaluate_rules_readable_output(frameworks, tmp_path):
    output = run(
        "evaluate_rules",
        "--framework",
        "zhejiang-k12",
        "--school-type",
        "vocational",
        "--facts",
        facts_file(tmp_path, ZJ_FACTS),
    )
    assert "— 1.2.1 student-pc-ratio：不适用：该条款只对高中、初中、小学规定了要求，本校为职业学校" in output
    assert "✓ 1.1.1 uplink-1g：符合：" in output
    assert output.strip().splitlines()[-1] == "共 13 条：符合 3，不符合 1，无法判断 8，不适用 1"


@pytest.mark.parametrize(
    ("framework", "school_type", "content", "message"),
    [
        ("nope", "primary", {}, "找不到指标体系“nope”"),
        ("zibo-k12", "kindergarten", {}, "未知的学校类型“kindergarten”；可选：primary（小学）"),
        ("zibo-k12", "primary", "{not json", "不是有效的 JSON"),
        ("zibo-k12", "primary", "[1, 2]", "应为 JSON 对象"),
        ("zibo-k12", "primary", {"students": -3}, "students：在校学生数不能为负数（-3）"),
        ("zibo-k12", "primary", {"pupils": 3}, "pupils：未知的事实代码“pupils”"),
        ("zibo-k12", "primary", {"ipv6": "maybe"}, "支持IPv6“maybe”应填“是”或“否”"),
    ],
)
def test_evaluate_rules_errors_are_clear_chinese(
    frameworks, tmp_path, framework, school_type, content, message
):
    path = facts_file(tmp_path, content)
    with pytest.raises(CommandError) as excinfo:
        run(
            "evaluate_rules",
            "--framework",
            framework,
            "--school-type",
            school_type,
            "--facts",
            path,
            "--json",
        )
    assert message in str(excinfo.value)


def test_evaluate_rules_unreadable_facts_file(frameworks, tmp_path):
    args = ["evaluate_rules", "--framework", "zibo-k12", "--school-type", "primary", "--facts"]
    with pytest.raises(CommandError, match="文件不存在"):
        run(*args, str(tmp_path / "missing.json"))
    with pytest.raises(CommandError, match="这是一个目录"):
        run(*args, str(tmp_path))
    binary = tmp_path / "facts.bin"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(CommandError, match="不是有效的 JSON"):
        run(*args, str(binary))


# --- validate_frameworks --------------------------------------------------------------------------


def test_validate_lists_every_rule_of_the_fixtures(db):
    output = run("validate_frameworks", "--fixtures")
    assert "== 事实目录 facts.json · 50 项" in output
    assert "自动校验规则（13）：阻止提交 12，提示 1" in output
    assert (
        "    - 1.2.1 student-pc-ratio [阻止提交] ratio <= limit（ratio = students / student_pcs；"
        "limit = level_min(senior=5, junior=6, primary=7)）"
    ) in output
    assert (
        "    - 5.2 it-department-24-classes [阻止提交] has_it_department == true（适用：classes >= 24）"
        in output
    )
    total = sum(len(fixture_rules(code)) for code in CODES)
    listed = [line for line in output.splitlines() if " [阻止提交] " in line or " [提示] " in line]
    assert len(listed) == total and "规则错误" not in output


def test_validate_lists_stored_rules(frameworks):
    output = run("validate_frameworks", "beijing-k12")
    assert "自动校验规则（8）：阻止提交 8，提示 0" in output
    assert "    - 1.1.1 gigabit-to-school [阻止提交] uplink_mbps >= 1000" in output


BROKEN_RULES = [
    ("node", "9.9", "找不到指标 9.9"),
    ("clause", "千兆到桌面", "条款原文不在指标 1.1.1 的原文或备注中"),
    ("expression", "uplink_mbps >= 1000 and pupils > 1", "未知的名称“pupils”"),
    ("expression", "__import__('os').system('true')", "不允许调用"),
    ("message", "{uplink}", "{uplink} 不是事实代码"),
    ("severity", "fatal", "严重程度“fatal”无效"),
]


@pytest.mark.parametrize(("key", "value", "message"), BROKEN_RULES)
def test_validate_catches_a_broken_rule_file(db, settings, tmp_path, key, value, message):
    shutil.copytree(FIXTURES, tmp_path / "fixtures")
    path = tmp_path / "fixtures" / "rules" / "beijing-k12.json"
    data = json.loads(path.read_text("utf-8"))
    data["rules"][0][key] = value
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    settings.BASE_DIR = tmp_path
    out = StringIO()
    with pytest.raises(CommandError, match="规则错误"):
        call_command("validate_frameworks", "--fixtures", stdout=out)
    errors = [line for line in out.getvalue().splitlines() if "规则错误 · " in line]
    assert len(errors) == 1 and errors[0].startswith("  规则错误 · 规则 gigabit-to-school：")
    assert message in errors[0]


def test_validate_catches_an_unreadable_rule_file(db, settings, tmp_path):
    shutil.copytree(FIXTURES, tmp_path / "fixtures")
    (tmp_path / "fixtures" / "rules" / "zibo-k12.json").write_text("{", encoding="utf-8")
    (tmp_path / "fixtures" / "rules" / "beijing-k12.json").write_text(
        json.dumps({"framework": "zibo-k12", "rules": []}), encoding="utf-8"
    )
    settings.BASE_DIR = tmp_path
    out = StringIO()
    with pytest.raises(CommandError, match="2 个指标体系"):
        call_command("validate_frameworks", "--fixtures", stdout=out)
    assert "规则文件无法读取：rules/beijing-k12.json 属于 zibo-k12" in out.getvalue()


def test_validate_catches_a_broken_stored_rule(frameworks):
    Rule.objects.filter(framework=frameworks["zibo-k12"], code="ipv6").update(expression="ipv6 ** 2")
    out = StringIO()
    with pytest.raises(CommandError):
        call_command("validate_frameworks", "zibo-k12", stdout=out)
    assert "规则错误 · 规则 ipv6：判定表达式：表达式中不允许使用运算符 乘方（**）" in out.getvalue()


# --- Excel ----------------------------------------------------------------------------------------


def export(framework) -> bytes:
    return rule_workbook(framework, rule_list(framework=framework), fact_catalogue())


@pytest.mark.parametrize("code", CODES)
def test_round_trip_export_import_keeps_every_rule(frameworks, code):
    fw = frameworks[code]
    before = rule_specs(framework=fw)
    result = rules_import(framework=fw, raw=export(fw), filename="rules.xlsx")
    assert not result.changed and rule_specs(framework=fw) == before
    # a region copies the framework and its rules under a new code, without code
    copy = framework_import(
        raw=json.dumps(json.loads((FIXTURES / "frameworks" / f"{code}.json").read_text("utf-8"))).encode(),
        filename="fw.json",
        code=f"{code}-copy",
    )
    assert rules_import(framework=copy, raw=export(fw)).created == len(before)
    assert rule_specs(framework=copy) == before


def test_export_layout(frameworks):
    wb = load_workbook(io.BytesIO(export(frameworks["zhejiang-k12"])))
    assert wb.sheetnames == ["规则", "事实"]
    header = [c.value for c in wb["规则"][1]]
    columns = (
        "规则编号 指标编号 条款原文 适用范围 适用条件 中间量 判定表达式 严重程度 提示信息模板 边界说明 备注"
    )
    assert header == columns.split()
    rows = {row[0].value: [c.value for c in row] for row in wb["规则"].iter_rows(min_row=2)}
    ratio = rows["student-pc-ratio"]
    assert ratio[1] == "1.2.1" and ratio[7] == "阻止提交"
    assert ratio[5] == "ratio = students / student_pcs\nlimit = level_min(senior=5, junior=6, primary=7)"
    assert rows["interactive-classrooms"][7] == "提示"
    facts = [row[0].value for row in wb["事实"].iter_rows(min_row=2)]
    assert facts[:3] == ["students", "teachers", "staff"] and len(facts) == 50


def edited(framework, row_code: str, column: str, value) -> bytes:
    wb = load_workbook(io.BytesIO(export(framework)))
    ws = wb["规则"]
    columns = {cell.value: cell.column for cell in ws[1]}
    row = next(r for r in range(2, ws.max_row + 1) if ws.cell(r, 1).value == row_code)
    ws.cell(row, columns[column], value)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("严重程度", "严重", "第 2 行：严重程度“严重”应为“提示”或“阻止提交”"),
        ("中间量", "ratio: students", "第 2 行：中间量“ratio: students”应写成“名称 = 表达式”"),
        ("判定表达式", "open('x')", "第 2 行：判定表达式：不允许调用 open"),
        ("指标编号", "7.7.7", "第 2 行：找不到指标 7.7.7"),
        ("条款原文", "出口带宽 10G 以上", "第 2 行：条款原文不在指标 1.1.1 的原文或备注中"),
    ],
)
def test_bad_rule_workbooks_are_rejected_with_row_errors(frameworks, column, value, message):
    fw = frameworks["zhejiang-k12"]
    before = list(Rule.objects.filter(framework=fw).values_list("pk", "code", "expression", "severity"))
    with pytest.raises(RuleSetError) as excinfo:
        rules_import(framework=fw, raw=edited(fw, "ipv6", column, value))
    texts = [str(p) for p in excinfo.value.problems]
    assert any(message in t for t in texts), texts
    assert (
        list(Rule.objects.filter(framework=fw).values_list("pk", "code", "expression", "severity")) == before
    )


def test_unreadable_or_foreign_rule_files_are_refused(frameworks):
    fw = frameworks["zibo-k12"]
    with pytest.raises(RuleSetError, match="无法读取"):
        rules_import(framework=fw, raw=b"not a workbook")
    raw = (FIXTURES / "rules" / "zhejiang-k12.json").read_bytes()
    with pytest.raises(RuleSetError, match="该文件是 zhejiang-k12 的规则，不是 zibo-k12"):
        rules_import(framework=fw, raw=raw, filename="rules.json")


def test_export_and_import_rule_commands(frameworks, tmp_path):
    path = tmp_path / "rules.xlsx"
    assert "已导出 zibo-k12 v1 的 13 条规则" in run("export_rules", "zibo-k12", str(path))
    assert "自动校验规则 13 条 · 未变化" in run("import_rules", "zibo-k12", str(path))
    with pytest.raises(CommandError, match="未导入任何规则"):
        run("import_rules", "beijing-k12", str(path))
    with pytest.raises(CommandError, match="找不到指标体系"):
        run("export_rules", "nope", str(path))


def test_admin_rule_export_and_import(frameworks, admin_client):
    fw = frameworks["beijing-higher"]
    response = admin_client.get(f"/admin/indicators/rule/export/{fw.pk}/")
    assert response.status_code == 200
    upload = io.BytesIO(edited(fw, "mailbox-10g", "严重程度", "提示"))
    upload.name = "rules.xlsx"
    response = admin_client.post("/admin/indicators/rule/import/", {"framework": fw.pk, "file": upload})
    assert response.status_code == 302
    assert Rule.objects.get(framework=fw, code="mailbox-10g").severity == "advisory"
    bad = io.BytesIO(edited(fw, "mailbox-10g", "判定表达式", "mailbox_gb[0]"))
    bad.name = "rules.xlsx"
    response = admin_client.post("/admin/indicators/rule/import/", {"framework": fw.pk, "file": bad})
    assert response.status_code == 200 and "下标" in response.content.decode()
    assert admin_client.get("/admin/indicators/rule/").status_code == 200
    assert admin_client.get("/admin/indicators/factdefinition/").status_code == 200


def test_a_rule_cannot_point_at_another_frameworks_node(frameworks):
    from django.core.exceptions import ValidationError

    rule = Rule.objects.filter(framework=frameworks["zibo-k12"]).first()
    rule.node = frameworks["zhejiang-k12"].nodes.get(code="1.1.1")
    with pytest.raises(ValidationError, match="指标不属于该指标体系"):
        rule.full_clean()
