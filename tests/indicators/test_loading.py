"""load_frameworks, framework_tree, validate_frameworks, versioning and locking."""

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from indicators.models import Framework, Node
from indicators.selectors import framework_latest
from indicators.services import LoadAction, framework_load, framework_lock
from indicators.trees import spec_from_dict

from .conftest import CODES, fixture_data

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out, stderr=out)
    return out.getvalue()


def tree_json(code, *extra) -> dict:
    return json.loads(run("framework_tree", code, "--json", *extra))


def compare(expected: list, actual: list, path="") -> None:
    assert [n["code"] for n in actual] == [n["code"] for n in expected], path
    for exp, act in zip(expected, actual, strict=True):
        for key, value in exp.items():
            if key == "children":
                compare(value, act["children"], exp["code"])
            else:
                assert act[key] == value, (exp["code"], key)
                assert type(act[key]) is type(value), (exp["code"], key)


@pytest.mark.parametrize("code", CODES)
def test_framework_tree_json_reproduces_the_fixture_node_by_node(frameworks, code):
    expected = fixture_data(code)
    actual = tree_json(code)
    for key, value in expected.items():
        if key != "nodes":
            assert actual[key] == value, key
    compare(expected["nodes"], actual["nodes"])


def test_points_are_ints_when_whole_and_floats_for_halves(db):
    data = fixture_data("zibo-k12")
    data["code"] = "half"
    data["nodes"][0]["children"][0]["children"][0]["points"] = 0.5
    framework_load(spec=spec_from_dict(data))
    nodes = tree_json("half")["nodes"]
    assert nodes[0]["points"] == 24 and isinstance(nodes[0]["points"], int)
    assert nodes[0]["children"][0]["children"][0]["points"] == 0.5
    assert tree_json("half")["total_points"] == 110


def test_counts_per_level(frameworks):
    expected = {
        "beijing-k12": [9, 46, 126],
        "beijing-higher": [10, 35, 173],
        "zibo-k12": [6, 22, 73],
        "zhejiang-k12": [6, 27, 88],
    }
    for code, counts in expected.items():
        fw = frameworks[code]
        assert [fw.nodes.filter(level=level).count() for level in (1, 2, 3)] == counts


def test_load_is_idempotent_and_prints_one_line_per_fixture(frameworks):
    before = {fw.code: (fw.pk, fw.updated_at) for fw in Framework.objects.all()}
    node_ids = set(Node.objects.values_list("pk", flat=True))
    output = run("load_frameworks")
    lines = output.strip().splitlines()
    # the fact catalogue, then per framework its tree and its rules, then the equipment catalogue
    assert len(lines) == 1 + 4 * 2 + 1 and all("未变化" in line for line in lines)
    assert {fw.code: (fw.pk, fw.updated_at) for fw in Framework.objects.all()} == before
    assert set(Node.objects.values_list("pk", flat=True)) == node_ids


def test_load_bulk_creates_nodes_with_few_queries(db, django_assert_max_num_queries):
    spec = spec_from_dict(fixture_data("beijing-higher"))
    with django_assert_max_num_queries(15):
        framework_load(spec=spec)
    assert Node.objects.count() == 218


def changed(code: str) -> dict:
    data = fixture_data(code)
    data["nodes"][0]["name"] += "（修订）"
    return data


def test_unlocked_framework_with_changed_data_is_replaced_in_place(frameworks):
    fw = frameworks["zibo-k12"]
    result = framework_load(spec=spec_from_dict(changed("zibo-k12")))
    assert result.action == LoadAction.REPLACED
    assert result.framework.pk == fw.pk and result.framework.version == 1
    assert Framework.objects.filter(code="zibo-k12").count() == 1
    assert fw.nodes.get(code="1").name == "智慧环境（修订）"
    assert fw.history.count() == 2


def test_locked_framework_with_changed_data_gets_a_new_version(frameworks):
    fw = frameworks["zibo-k12"]
    framework_lock(framework=fw)
    assert fw.locked_at is not None
    old_nodes = list(fw.nodes.values_list("pk", "name"))
    result = framework_load(spec=spec_from_dict(changed("zibo-k12")))
    assert result.action == LoadAction.NEW_VERSION
    assert result.framework.version == 2 and result.framework.pk != fw.pk
    assert list(fw.nodes.values_list("pk", "name")) == old_nodes  # history untouched
    assert framework_latest(code="zibo-k12") == result.framework
    assert tree_json("zibo-k12")["nodes"][0]["name"] == "智慧环境（修订）"
    assert tree_json("zibo-k12", "--version", "1")["nodes"][0]["name"] == "智慧环境"
    assert framework_load(spec=spec_from_dict(changed("zibo-k12"))).action == LoadAction.UNCHANGED


def test_lock_is_idempotent(frameworks):
    fw = frameworks["beijing-k12"]
    first = framework_lock(framework=fw).locked_at
    assert framework_lock(framework=fw).locked_at == first


def test_framework_tree_readable_outline(frameworks):
    output = run("framework_tree", "beijing-k12")
    assert output.splitlines()[0].startswith("北京市中小学智慧校园建设规范评价指标")
    assert "\n1 智能环境  [10分]" in output
    assert "\n  1.2 普适性数字终端环境  [2分（推定）]" in output
    assert "\n2 " in output and "*" in output


def test_framework_tree_unknown_code(db):
    with pytest.raises(CommandError):
        run("framework_tree", "nope", "--json")


def test_validate_reports_zibo_defects_without_failing(frameworks):
    output = run("validate_frameworks", "zibo-k12")
    assert "1级 6，2级 22，3级 73" in output
    assert "声明总分：110" in output
    assert "不是 100 分" in output
    assert "2.3 资源应用：声明 6 分，下级合计 8 分" in output
    assert "结构正确" in output


def test_validate_lists_inferred_values_with_notes_and_starred(frameworks):
    output = run("validate_frameworks", "beijing-k12")
    assert "推定值（10）" in output
    assert "1.2 普适性数字终端环境：原文提取丢失" in output
    assert "带*维度" in output and "2、3、4" in output


def test_validate_all_fixture_files(db):
    output = run("validate_frameworks", "--fixtures")
    assert output.count("结构正确") == 4


def test_validate_reports_points_in_a_compliance_framework(db):
    data = fixture_data("zhejiang-k12")
    data["nodes"][0]["points"] = 5
    framework_load(spec=spec_from_dict(data))
    assert "达标制指标体系中出现了分值 5" in run("validate_frameworks", "zhejiang-k12")


def test_validate_fails_on_structural_errors(frameworks):
    fw = frameworks["zibo-k12"]
    Node.objects.filter(framework=fw, code="1.1.2").update(code="1.1.9")
    with pytest.raises(CommandError):
        run("validate_frameworks", "zibo-k12")


def test_loader_refuses_a_structurally_broken_file(db, tmp_path):
    data = fixture_data("zibo-k12")
    data["nodes"][0]["children"][1]["code"] = "1.1"  # duplicate
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(CommandError):
        run("load_frameworks", str(path))
    assert not Framework.objects.exists()
