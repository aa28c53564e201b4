"""The asset-list import: template, preview with row errors in Chinese naming the column, nothing
saved unless every row is valid, confirmation, replacement of a classroom's devices."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

from classrooms import imports, services
from classrooms.models import CheckStatus, Classroom, ClassroomDevice
from indicators.selectors import equipment_catalog_spec
from smartcampus.errors import Conflict, Refused

pytestmark = pytest.mark.django_db

PANEL = {"屏幕尺寸": "86 英寸", "分辨率": "3840x2160", "显示比例": "16:9", "触控点数": 20}


def rows_of(name: str, *, display: bool, kind: str = "智慧教室", seats=45) -> list[dict]:
    """The asset-list rows of one classroom; without a display device it fails 二选一."""
    rows = [
        {
            "教室名称": name,
            "教室类型": kind,
            "座位数": seats,
            "楼宇": "教学楼A",
            "设备名称": "绿板或白板",
            "数量": 1,
        },
        {"教室名称": name, "设备名称": "组合型课桌", "数量": 45, "购置年份": 2024},
        {"教室名称": name, "设备名称": "普通窗帘", "数量": 2},
        {"教室名称": name, "设备名称": "路由器", "数量": 1, "同时接入终端数": 64},
        {"教室名称": name, "设备名称": "交换机", "数量": 1, "同时接入终端数": "64个"},
    ]
    if display:
        rows.append({"教室名称": name, "设备名称": "交互式触控一体机", "数量": 1, **PANEL})
    return rows


def xlsx(
    rows: list[dict], headers: list[str] | None = None, *, sheet_first: str | None = None
) -> SimpleUploadedFile:
    wb = Workbook()
    ws = wb.active
    if sheet_first:  # another sheet first, as a user might save it
        ws.title = sheet_first
        ws = wb.create_sheet(imports.SHEET)
    headers = headers or [
        *imports.BASE_COLUMNS,
        "屏幕尺寸",
        "分辨率",
        "显示比例",
        "触控点数",
        "同时接入终端数",
    ]
    ws.append(headers)
    for row in rows:
        ws.append([row.get(h) for h in headers])
    buf = io.BytesIO()
    wb.save(buf)
    return SimpleUploadedFile("资产清单.xlsx", buf.getvalue())


def preview(world, upload, user=None):
    return services.classroom_import_preview(
        school=world.school_a1, uploaded=upload, acting_user=user or world.users["cio"]
    )


def commit(world, token, user=None):
    return services.classroom_import_commit(
        school=world.school_a1, token=token, acting_user=user or world.users["cio"]
    )


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def test_template_has_the_columns_drop_downs_and_the_catalogue(catalog):
    spec = equipment_catalog_spec(catalog=catalog)
    wb = load_workbook(io.BytesIO(imports.template_xlsx(spec)))
    assert wb.sheetnames == ["资产清单", "设备目录", "说明"]
    ws = wb["资产清单"]
    header = [c.value for c in ws[1]]
    assert header[:8] == list(imports.BASE_COLUMNS)
    assert header[8:] == [
        "屏幕尺寸",
        "分辨率",
        "显示比例",
        "触控点数",
        "投影机照度",
        "同时接入终端数",
        "灵敏度",
        "信噪比",
        "功率",
        "单支功率",
        "像素",
        "同时充电终端数",
    ]
    validations = {str(v.sqref).split(":")[0]: v.formula1 for v in ws.data_validations.dataValidation}
    assert validations["B2"] == '"普通教室,智慧教室,专用教室,录播教室"'
    assert validations["F2"] == "'设备目录'!$C$2:$C$43"
    listing = wb["设备目录"]
    assert listing["C14"].value == "交互式触控一体机"
    assert listing["E14"].value == "交互式触控一体机、电子白板+投影机"
    assert "屏幕尺寸 ≥ 80 英寸" in listing["F14"].value


def test_the_templates_example_imports_as_a_classroom_that_meets_the_configuration(catalog, world):
    raw = imports.template_xlsx(equipment_catalog_spec(catalog=catalog))
    result = preview(world, SimpleUploadedFile("模板.xlsx", raw))
    assert result.ok, result.plan.errors
    assert [c.result.status for c in result.plan.classrooms] == ["met"]


def test_preview_shows_each_classrooms_check_and_saves_nothing(catalog, world):
    upload = xlsx(rows_of("301", display=True) + rows_of("302", display=False))
    result = preview(world, upload)
    assert result.ok
    assert (result.new, result.updated, result.plan.device_rows) == (2, 0, 11)
    by_name = {c.name: c for c in result.plan.classrooms}
    assert by_name["301"].result.status == "met"
    assert by_name["302"].result.status == "not_met"
    assert by_name["302"].result.failures == ["二选一未满足：交互式触控一体机、电子白板+投影机"]
    assert not Classroom.objects.exists()


def test_confirming_imports_every_row(catalog, world, django_capture_on_commit_callbacks):
    token = preview(world, xlsx(rows_of("301", display=True) + rows_of("302", display=False))).token
    with django_capture_on_commit_callbacks(execute=True):
        outcome = commit(world, token)
    assert (outcome.created, outcome.updated, outcome.devices) == (2, 0, 11)
    rooms = {c.name: c for c in Classroom.objects.filter(school=world.school_a1)}
    assert rooms["301"].status == CheckStatus.MET and rooms["302"].status == CheckStatus.NOT_MET
    assert (rooms["301"].seats, rooms["301"].building, rooms["301"].kind) == (45, "教学楼A", "smart")
    panel = ClassroomDevice.objects.get(classroom=rooms["301"], device__code="interactive-panel")
    assert panel.measured == {"屏幕尺寸": 86, "分辨率": [3840, 2160], "显示比例": [16, 9], "触控点数": 20}
    desk = ClassroomDevice.objects.get(classroom=rooms["301"], device__code="combinable-desk")
    assert (desk.count, desk.year) == (45, 2024)
    assert set(Classroom.history.values_list("history_user__username", flat=True)) == {"cio"}
    with pytest.raises(services.ClassroomImportError):
        commit(world, token)  # the preview is used up


def test_reimport_replaces_a_classrooms_devices_and_keeps_other_classrooms(catalog, world, make_classroom):
    make_classroom("其他教室")
    commit(world, preview(world, xlsx(rows_of("302", display=False))).token)
    room = Classroom.objects.get(name="302")
    result = preview(world, xlsx([*rows_of("302", display=True)[5:], *rows_of("302", display=False)]))
    assert (result.new, result.updated) == (0, 1)
    commit(world, result.token)
    room.refresh_from_db()
    assert room.status == CheckStatus.MET and room.version == 2
    assert room.devices.count() == 6
    assert room.seats == 45  # given once, on the file's first row of the classroom
    assert Classroom.objects.filter(name="其他教室").exists()


def test_every_row_error_names_its_column_and_nothing_is_saved(catalog, world):
    rows = [
        {"教室名称": "", "设备名称": "路由器", "数量": 1},
        {"教室名称": "A", "教室类型": "多媒体教室", "设备名称": "路由器", "数量": 1},
        {"教室名称": "B", "教室类型": "智慧教室", "座位数": "四十", "设备名称": "黑板擦", "数量": 1},
        {
            "教室名称": "C",
            "教室类型": "智慧教室",
            "设备名称": "交互式触控一体机",
            "数量": 0,
            "屏幕尺寸": "很大",
        },
        {
            "教室名称": "D",
            "教室类型": "智慧教室",
            "设备名称": "交换机",
            "同时接入终端数": "64",
            "分辨率": "1920x1080",
        },
        {"教室名称": "E", "教室类型": "智慧教室", "数量": 2},
        {"教室名称": "F", "教室类型": "智慧教室", "座位数": 40, "设备名称": "路由器", "数量": 1},
        {"教室名称": "F", "教室类型": "普通教室", "座位数": 41, "设备名称": "交换机", "数量": 1},
        {"教室名称": "G", "设备名称": "路由器", "数量": 1, "购置年份": 1900},
        {"教室名称": "H", "教室类型": "智慧教室", "设备名称": "路由器", "数量": 1.5},
    ]
    result = preview(world, xlsx(rows))
    assert not result.ok
    errors = {e.line: "；".join(e.messages) for e in result.plan.errors}
    assert errors[2] == "「教室名称」不能为空"
    assert "「教室类型」“多媒体教室”无效，可选：普通教室、智慧教室、专用教室、录播教室" in errors[3]
    assert "「座位数」“四十”应为 0 到 1000 之间的整数" in errors[4]
    assert "「设备名称」“黑板擦”不在设备配置目录中" in errors[4]
    assert "「数量」“0”应为 1 到 1000 之间的整数" in errors[5]
    assert "「屏幕尺寸」测量值“很大”无法识别（示例：80）" in errors[5]
    assert "「数量」不能为空" in errors[6]
    assert "「分辨率」不是设备“交换机”的参数" in errors[6]
    assert errors[7] == "「数量」已填写，但缺少「设备名称」"
    assert "「教室类型」“普通教室”与第 8 行不一致" in errors[9]
    assert "「座位数」“41”与第 8 行不一致" in errors[9]
    assert "「购置年份」“1900”应为 1980 到 2100 之间的整数" in errors[10]
    assert "「教室类型」不能为空（新教室“G”）" in errors[10]
    assert "「数量」“1.5”应为 1 到 1000 之间的整数" in errors[11]
    assert len(errors) == 9  # line 8 (F's first row) is valid
    assert not Classroom.objects.exists()


def test_device_names_match_across_width_and_spacing(catalog, world):
    rows = [
        {"教室名称": "A", "教室类型": "智慧教室", "设备名称": "无线AP", "数量": 1},
        {"教室名称": "A", "设备名称": "全向麦克(拾音器)", "数量": 1},
        {"教室名称": "A", "设备名称": "interactive-panel", "数量": 1},
    ]
    result = preview(world, xlsx(rows))
    assert result.ok, result.plan.errors
    assert [d.device.name for d in result.plan.classrooms[0].devices] == [
        "无线 AP",
        "全向麦克（拾音器）",
        "交互式触控一体机",
    ]


def test_file_level_problems_are_refused_in_chinese(catalog, world):
    with pytest.raises(services.ClassroomImportError) as caught:
        preview(world, xlsx(rows_of("A", display=True), headers=["教室名称", "设备名称"]))
    assert caught.value.message == "缺少列：教室类型、数量。请使用下载的模板。"
    with pytest.raises(services.ClassroomImportError) as caught:
        preview(world, SimpleUploadedFile("x.xlsx", b"not a workbook"))
    assert "无法读取文件" in caught.value.message
    with pytest.raises(services.ClassroomImportError) as caught:
        preview(world, xlsx([]))
    assert caught.value.message == "文件中没有数据行。"


def test_the_asset_sheet_is_found_whichever_sheet_is_active_and_extra_columns_are_ignored(catalog, world):
    headers = [
        "资产编号",
        *imports.BASE_COLUMNS,
        "屏幕尺寸",
        "分辨率",
        "显示比例",
        "触控点数",
        "同时接入终端数",
    ]
    rows = [{**r, "资产编号": f"ZC-{i}"} for i, r in enumerate(rows_of("301", display=True))]
    result = preview(world, xlsx(rows, headers, sheet_first="说明"))
    assert result.ok
    assert result.plan.ignored_columns == ["资产编号"]


def test_csv_is_read_as_utf8(catalog, world):
    text = "教室名称,教室类型,设备名称,数量\n301,智慧教室,路由器,1\n"
    result = preview(world, SimpleUploadedFile("清单.csv", text.encode("utf-8-sig")))
    assert result.ok and result.plan.classrooms[0].devices[0].device.code == "router"
    with pytest.raises(services.ClassroomImportError) as caught:
        preview(world, SimpleUploadedFile("清单.csv", text.encode("gbk")))
    assert "UTF-8" in caught.value.message


def test_a_classroom_changed_after_the_preview_is_not_overwritten(catalog, world, make_classroom):
    room = make_classroom("301")
    token = preview(world, xlsx(rows_of("301", display=True))).token
    services.classroom_update(classroom=room, version=1, seats=30, acting_user=world.users["cio"])
    with pytest.raises(Conflict) as caught:
        commit(world, token)
    assert caught.value.code == "changed_since_preview"
    room.refresh_from_db()
    assert room.seats == 30 and not room.devices.exists()


def test_only_the_schools_cio_imports(catalog, world):
    upload = xlsx(rows_of("301", display=True))
    for role in ("reviewer", "commission", "other_cio"):
        with pytest.raises(Refused):
            preview(world, upload, world.users[role])
    token = preview(world, upload).token
    with pytest.raises(Refused):
        commit(world, token, world.users["commission"])


def test_a_token_of_another_user_or_a_path_is_an_expired_preview(catalog, world):
    token = preview(world, xlsx(rows_of("301", display=True))).token
    other = world.users["other_cio"]
    for bad in ("../../etc/passwd", "", token.replace("a", "b", 1) if "a" in token else "0" + token):
        with pytest.raises(services.ClassroomImportError):
            commit(world, bad)
    with pytest.raises(services.ClassroomImportError):  # kept per user and school
        services.classroom_import_commit(school=world.school_a2, token=token, acting_user=other)
    assert not Classroom.objects.exists()
