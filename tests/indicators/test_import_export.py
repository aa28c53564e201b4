"""Excel export → import under a new code gives the identical tree; bad files save nothing."""

import io
import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import load_workbook

from indicators.models import Framework, Node
from indicators.resources import framework_workbook
from indicators.selectors import node_list
from indicators.services import FrameworkStructureError, framework_import

from .conftest import CODES

pytestmark = pytest.mark.django_db


def tree_json(code: str) -> dict:
    out = StringIO()
    call_command("framework_tree", code, "--json", stdout=out)
    data = json.loads(out.getvalue())
    data.pop("code")
    return data


def export(framework) -> bytes:
    return framework_workbook(framework, node_list(framework=framework).select_related("parent"))


@pytest.mark.parametrize("code", CODES)
def test_round_trip_export_import_gives_the_identical_tree(frameworks, code):
    raw = export(frameworks[code])
    new = framework_import(raw=raw, code=f"{code}-copy")
    assert new.version == 1 and new.code == f"{code}-copy"
    assert tree_json(f"{code}-copy") == tree_json(code)
    assert new.content_hash == frameworks[code].content_hash


def test_export_layout(frameworks):
    wb = load_workbook(io.BytesIO(export(frameworks["zibo-k12"])))
    assert wb.sheetnames == ["框架信息", "指标"]
    nodes = wb["指标"]
    header = [c.value for c in nodes[1]]
    assert header == "编号 层级 上级编号 名称 要求原文 分值 可选 可选条款 带星号 推定值 备注 原文位置".split()
    assert nodes.max_row == 1 + 101
    second = [c.value for c in nodes[3]]
    assert second[:3] == ["1.1", 2, "1"] and second[5] == 7
    meta = {row[0].value: row[1].value for row in wb["框架信息"].iter_rows(min_row=2)}
    assert meta["代码"] == "zibo-k12" and meta["评价方式"] == "计分制" and meta["声明总分"] == 110


def test_import_command(frameworks, tmp_path):
    path = tmp_path / "fw.xlsx"
    call_command("export_framework", "beijing-k12", str(path), stdout=StringIO())
    out = StringIO()
    call_command("import_framework", str(path), "--code", "shanghai-k12", stdout=out)
    assert "已导入 shanghai-k12 v1" in out.getvalue()
    assert Framework.objects.get(code="shanghai-k12").nodes.count() == 181


def edited(frameworks, edit) -> bytes:
    """Export zibo-k12, let `edit(nodes_sheet, meta_sheet)` change it, return the new file."""
    wb = load_workbook(io.BytesIO(export(frameworks["zibo-k12"])))
    edit(wb["指标"], wb["框架信息"])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def find_row(ws, code: str) -> int:
    return next(r for r in range(2, ws.max_row + 1) if ws.cell(r, 1).value == code)


def set_cell(code, column, value):
    columns = {"编号": 1, "层级": 2, "上级编号": 3, "分值": 6, "可选": 7}

    def edit(ws, _meta):
        ws.cell(find_row(ws, code), columns[column], value)

    return edit


def delete_row(code):
    def edit(ws, _meta):
        ws.delete_rows(find_row(ws, code))

    return edit


def add_level_4(ws, _meta):
    row = find_row(ws, "1.1.1") + 1
    ws.insert_rows(row)
    for col, value in enumerate(["1.1.1.1", 4, "1.1.1", "", "深一层", 1], start=1):
        ws.cell(row, col, value)


def make_cycle(ws, _meta):
    ws.cell(find_row(ws, "1"), 3, "1.1")  # 1's parent is 1.1, whose parent is 1


@pytest.mark.parametrize(
    ("edit", "row", "message"),
    [
        (delete_row("1.1"), 3, "找不到上级指标 1.1"),
        (set_cell("1.1.2", "编号", "1.1.1"), 5, "编号 1.1.1 重复"),
        (make_cycle, 2, "循环引用"),
        (set_cell("1.1.2", "分值", "两分"), 5, "分值“两分”不是数字"),
        (set_cell("1.1.2", "分值", 1.25), 5, "0.5 的整数倍"),
        (set_cell("1.1.2", "层级", 2), 5, "层级应为 3"),
        (set_cell("1.1.2", "层级", "三"), 5, "层级“三”应为 1、2 或 3"),
        (add_level_4, 5, "层级 4 无效"),
        (set_cell("1.1.2", "可选", "也许"), 5, "可选“也许”应填“是”或“否”"),
        (set_cell("1.1.2", "上级编号", "1.2"), 5, "编号 1.1.2 与位置不符"),
    ],
)
def test_bad_files_are_rejected_with_row_errors_and_nothing_is_saved(frameworks, edit, row, message):
    raw = edited(frameworks, edit)
    frameworks_before, nodes_before = Framework.objects.count(), Node.objects.count()
    with pytest.raises(FrameworkStructureError) as excinfo:
        framework_import(raw=raw, code="bad-import")
    texts = [str(p) for p in excinfo.value.problems]
    assert any(t.startswith(f"第 {row} 行") and message in t for t in texts), texts
    assert Framework.objects.count() == frameworks_before
    assert Node.objects.count() == nodes_before


def test_wrong_depth_is_rejected(frameworks):
    raw = edited(frameworks, delete_row("1.1.1"))  # fine: siblings renumbering is checked
    with pytest.raises(FrameworkStructureError, match="与位置不符"):
        framework_import(raw=raw, code="bad-depth")

    def leaf_on_level_2(ws, _meta):
        for code in ("6.2.1", "6.2.2", "6.2.3", "6.2.4", "6.2.5"):
            try:
                ws.delete_rows(find_row(ws, code))
            except StopIteration:
                pass

    with pytest.raises(FrameworkStructureError, match="层级深度不一致"):
        framework_import(raw=edited(frameworks, leaf_on_level_2), code="bad-depth")
    assert not Framework.objects.filter(code="bad-depth").exists()


def test_existing_code_is_refused(frameworks):
    with pytest.raises(FrameworkStructureError, match="已被使用"):
        framework_import(raw=export(frameworks["zibo-k12"]), code="zibo-k12")


def test_unreadable_file_is_refused(db):
    with pytest.raises(FrameworkStructureError, match="无法读取"):
        framework_import(raw=b"not a workbook", code="x")


def test_import_command_reports_errors(frameworks, tmp_path):
    path = tmp_path / "bad.xlsx"
    path.write_bytes(edited(frameworks, set_cell("1.1.2", "分值", "abc")))
    err = StringIO()
    with pytest.raises(CommandError, match="未导入任何数据"):
        call_command("import_framework", str(path), "--code", "bad", stdout=StringIO(), stderr=err)
    assert "第 5 行" in err.getvalue()


def test_admin_import_and_export(frameworks, admin_client):
    fw = frameworks["zhejiang-k12"]
    response = admin_client.get(f"/admin/indicators/framework/{fw.pk}/export/")
    assert response.status_code == 200
    raw = response.content
    upload = io.BytesIO(raw)
    upload.name = "zj.xlsx"
    response = admin_client.post(
        "/admin/indicators/framework/import/", {"file": upload, "code": "jiangsu-k12"}
    )
    assert response.status_code == 302
    assert tree_json("jiangsu-k12") == tree_json("zhejiang-k12")
    bad = io.BytesIO(edited(frameworks, delete_row("1.1")))
    bad.name = "bad.xlsx"
    response = admin_client.post("/admin/indicators/framework/import/", {"file": bad, "code": "bad-admin"})
    assert response.status_code == 200
    assert "找不到上级指标 1.1" in response.content.decode()
    assert not Framework.objects.filter(code="bad-admin").exists()
