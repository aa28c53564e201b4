"""Numbered clauses （1）（2）… of the shipped texts, optional clauses, broken numbering."""

from io import StringIO

from django.core.management import call_command

from indicators.choices import ComplianceStatus
from indicators.clauses import (
    item_clauses,
    note_optional_numbers,
    numbering_problems,
    parse_clauses,
    suggest_status,
)
from indicators.models import Node
from indicators.services import framework_load
from indicators.trees import spec_from_dict

from .conftest import CODES, fixture_data


def walk(nodes):
    for node in nodes:
        yield node
        yield from walk(node.get("children", []))


def shipped(code: str) -> dict[str, dict]:
    return {n["code"]: n for n in walk(fixture_data(code)["nodes"])}


def no_space(text: str) -> str:
    return "".join(text.split())


def clauses_of(node: dict):
    return parse_clauses(node["text"], note=node["note"], optional_clauses=node["optional_clauses"])


def test_numbered_clauses_are_verbatim_slices_of_the_text():
    node = shipped("beijing-higher")["1.1.5"]  # 校园网出口, 备注 「人均带宽不低于1M」
    clauses = clauses_of(node)
    assert [c.label for c in clauses] == ["（1）", "（2）", "（3）", "（4）"]
    assert clauses[0].text == "接入中国教育和科研计算机网、北京市教育专网。"
    assert clauses[3].text == "应在校园网出口区部署防火墙、入侵检测系统等安全防护设备。"
    assert "".join(f"{c.label}{c.text}" for c in clauses) == node["text"]
    assert not any(c.optional for c in clauses)


def test_every_numbered_text_of_the_four_frameworks_splits_without_losing_a_character():
    counts = {}
    for code in CODES:
        found = 0
        for node in shipped(code).values():
            clauses = clauses_of(node)
            found += bool(clauses)
            if clauses:
                joined = "".join(f"{c.label}{c.text}" for c in clauses)
                assert no_space(joined) == no_space(node["text"]), node["code"]
        counts[code] = found
    # only the higher-education tables number their clauses; the K-12 frameworks put one
    # requirement per node (Zhejiang) or list 监测点 as nodes (Beijing K-12)
    assert counts == {"beijing-k12": 0, "beijing-higher": 146, "zibo-k12": 0, "zhejiang-k12": 0}


def test_optional_clause_from_the_remark():
    node = shipped("beijing-higher")["1.3.7"]  # 正版化软件服务, 备注 「第（5）条选配」
    assert note_optional_numbers(node["note"]) == {5}
    clauses = parse_clauses(node["text"], note=node["note"])  # without the stored list
    assert [c.number for c in clauses if c.optional] == [5]
    assert [c.number for c in clauses_of(shipped("beijing-higher")["5.1.6"]) if c.optional] == [2]


def test_inline_optional_marker_but_not_the_word_used_as_description():
    nodes = shipped("beijing-higher")
    inline = parse_clauses(nodes["5.2.4"]["text"])  # 「…给出参考预警）（选配）。」
    assert [c.number for c in inline if c.optional] == [4]
    # 「为机房选配精密机房空调」「可选配专业数据中心管理软件」 describe the requirement
    assert not any(c.optional for c in parse_clauses(nodes["1.2.1"]["text"]))
    assert not any(c.optional for c in parse_clauses(nodes["1.2.2"]["text"]))


def test_items_without_clauses():
    zhejiang = shipped("zhejiang-k12")["1.1.5"]
    assert clauses_of(zhejiang) == []
    zibo = shipped("zibo-k12")["1.1.1"]
    assert clauses_of(zibo) == []
    assert parse_clauses("") == []
    assert parse_clauses("（1）只有一条。") == []
    assert parse_clauses("前言。（1）甲。（2）乙。") == []  # a preamble: not a checklist
    # a bracketed number inside a sentence is not a clause
    assert parse_clauses("（1）参考GB50174(2)的规定。（2）乙。")[0].text == "参考GB50174(2)的规定。"


def test_monitoring_points_are_the_checklist_of_a_beijing_k12_item():
    item = shipped("beijing-k12")["1.1"]
    points = [Node(code=c["code"], name=c["name"], text=c["text"]) for c in item["children"]]
    clauses = item_clauses(Node(code="1.1", text=item["text"]), children=points)
    assert [c.label for c in clauses] == ["1", "2", "3"]
    assert clauses[0].text == "学校有光纤接入互联网或教育城域网，千兆进校、百兆进班；"
    assert clauses[0].code == "1.1.1"


def test_broken_numbering_is_found():
    assert numbering_problems(shipped("beijing-higher")["1.1.5"]["text"]) == []
    assert numbering_problems(shipped("beijing-higher")["9.3.3"]["text"]) == ["条款编号重复：（2）"]
    assert numbering_problems("（1）甲。（3）丙。") == ["条款编号缺失：（2）"]
    assert numbering_problems("（2）乙。（3）丙。") == ["条款编号不从（1）开始：（2）", "条款编号缺失：（1）"]
    assert numbering_problems("（1）甲。（3）丙。（2）乙。") == ["条款编号顺序错乱：（1）（3）（2）"]


def test_suggestion_ignores_optional_clauses():
    clauses = parse_clauses(shipped("beijing-higher")["1.3.7"]["text"], note="第（5）条选配")
    assert suggest_status(clauses, [1, 2, 3, 4]) == ComplianceStatus.MET
    assert suggest_status(clauses, [5]) == ComplianceStatus.NOT_MET
    assert suggest_status(clauses, [2, 5]) == ComplianceStatus.PARTIAL
    assert suggest_status(clauses, []) == ComplianceStatus.NOT_MET
    only_optional = parse_clauses("（1）甲。（2）乙。", optional_clauses=[1, 2])
    assert suggest_status(only_optional, [1]) is None


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out, stderr=out)
    return out.getvalue()


def test_validate_frameworks_reports_clauses_and_the_repeated_numbers_of_the_source(db):
    output = run("validate_frameworks", "--fixtures", "beijing-higher")
    assert "含编号条款的条目 146 个" in output
    assert "6.4.6 智能交通管理系统：条款编号重复：（2）" in output
    assert "9.3.3 顶层设计：条款编号重复：（2）" in output
    assert "结构正确" in output  # a defect of the source is reported, not fatal


def test_validate_frameworks_reports_a_gap_and_a_stray_optional_clause(db):
    data = fixture_data("beijing-higher")
    item = data["nodes"][0]["children"][0]["children"][1]  # 1.1.2 弱电机房 （1）（2）（3）
    assert item["code"] == "1.1.2"
    item["text"] = item["text"].replace("（2）", "（4）")
    item["optional_clauses"] = [9]
    framework_load(spec=spec_from_dict(data))
    output = run("validate_frameworks", "beijing-higher")
    assert "1.1.2 弱电机房：条款编号缺失：（2）" in output
    assert "1.1.2 弱电机房：可选条款 （9） 不是条目中的条款" in output
