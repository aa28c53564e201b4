"""A school's asset list (资产清单) as a spreadsheet: the template, reading an uploaded file, and the
plan of what it would change — pure functions over the file and the catalogue (no database).

One row per device in a classroom: 教室名称, 教室类型, 座位数, 楼宇, 房间号, 设备名称, 数量, 购置年份,
then one column per spec of the catalogue (屏幕尺寸, 分辨率…, in table order). A row without a
device names a classroom only. The rows of one classroom may repeat its details or leave them
empty; values that disagree are an error. Every problem is reported per row, in Chinese, naming
the column; `services.classroom_import_preview/commit` run the plan (nothing is saved unless every
row is valid).
"""

from __future__ import annotations

import csv
import io
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation

from indicators.equipment.catalog import CatalogSpec, DeviceSpec
from indicators.equipment.check import ClassroomCheck
from indicators.models import ConfigRule
from smartcampus.spreadsheets import append_row

from . import checks
from .models import ClassroomKind

# Sheet names, column headers and the example rows (catalogue device names) are the workbook's file
# format — the template is filled in and imported again by them — so they stay Chinese (data).
SHEET = "资产清单"  # i18n: data
CATALOG_SHEET = "设备目录"  # i18n: data
NOTES_SHEET = "说明"  # i18n: data
NAME, KIND, SEATS, BUILDING, ROOM, DEVICE, COUNT, YEAR = (
    "教室名称",  # i18n: data
    "教室类型",  # i18n: data
    "座位数",  # i18n: data
    "楼宇",  # i18n: data
    "房间号",  # i18n: data
    "设备名称",  # i18n: data
    "数量",  # i18n: data
    "购置年份",  # i18n: data
)
BASE_COLUMNS = (NAME, KIND, SEATS, BUILDING, ROOM, DEVICE, COUNT, YEAR)
REQUIRED_COLUMNS = (NAME, KIND, DEVICE, COUNT)
MAX_ROWS = 5000
TEMPLATE_ROWS = 500  # rows that get the drop-down lists in the template


class AssetFileError(ValueError):
    """The file cannot be read as an asset list at all (format, headers, size); Chinese message."""


def spec_columns(catalog: CatalogSpec) -> list[str]:
    """One column per measured quantity of the catalogue (`Threshold.what`), in table order."""
    seen: dict[str, None] = {}
    for device in catalog.devices:
        for t in device.specs:
            seen.setdefault(t.what, None)
    return list(seen)


def columns(catalog: CatalogSpec) -> list[str]:
    return [*BASE_COLUMNS, *spec_columns(catalog)]


def _key(text: str) -> str:
    """How names are matched: full-width forms folded (（→(), spaces removed, case ignored."""
    return "".join(unicodedata.normalize("NFKC", text).split()).casefold()


KIND_BY_KEY = {
    **{_key(str(label)): value for value, label in ClassroomKind.choices},
    **{_key(value): value for value in ClassroomKind.values},
}


def device_lookup(catalog: CatalogSpec) -> dict[str, DeviceSpec]:
    """Device name (and code) → device, matched through `_key`."""
    found: dict[str, DeviceSpec] = {}
    for device in catalog.devices:
        found.setdefault(_key(device.code), device)
        found.setdefault(_key(device.name), device)
    return found


def _spec_hint(device: DeviceSpec) -> str:
    return _("；").join(str(t) for t in device.specs)


def _without_spec(what: str, message: str) -> str:
    """A measurement message without its leading spec name (the row names it as the column)."""
    return message.removeprefix(f"“{what}”").removeprefix("的")  # i18n: data


# --- the template ----------------------------------------------------------------------------------


EXAMPLE = (
    # (教室名称, 教室类型, 座位数, 楼宇, 房间号, 设备名称, 数量, 购置年份, {spec: value})
    ("初一(1)班", "智慧教室", 45, "教学楼A", "301", "绿板或白板", 1, 2024, {}),  # i18n: data
    ("初一(1)班", "", "", "", "", "组合型课桌", 45, 2024, {}),  # i18n: data
    ("初一(1)班", "", "", "", "", "普通窗帘", 2, 2024, {}),  # i18n: data
    (
        "初一(1)班",  # i18n: data
        "",
        "",
        "",
        "",
        "交互式触控一体机",  # i18n: data
        1,
        2024,
        {"屏幕尺寸": "86", "分辨率": "3840×2160", "显示比例": "16:9", "触控点数": "20"},  # i18n: data
    ),
    ("初一(1)班", "", "", "", "", "路由器", 1, 2024, {"同时接入终端数": "64"}),  # i18n: data
    ("初一(1)班", "", "", "", "", "交换机", 1, 2024, {"同时接入终端数": "64"}),  # i18n: data
)


def template_xlsx(catalog: CatalogSpec) -> bytes:
    """The asset-list template: the data sheet with an example classroom that meets the
    configuration and drop-down lists for 教室类型 and 设备名称, the catalogue as a sheet of its own
    (rules, groups, the specs each device takes), and notes."""
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET
    header = columns(catalog)
    append_row(ws, header)
    for cell in ws[1]:
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = PatternFill("solid", fgColor="0D6EFD")
    specs = spec_columns(catalog)
    for name, kind, seats, building, room, device, count, year, measured in EXAMPLE:
        append_row(
            ws,
            [name, kind, seats, building, room, device, count, year, *[measured.get(s, "") for s in specs]],
        )
    for index, title in enumerate(header, start=1):
        letter = ws.cell(row=1, column=index).column_letter
        ws.column_dimensions[letter].width = 20 if title == DEVICE else 12
    ws.freeze_panes = "B2"

    ref = ws.cell(row=1, column=header.index(KIND) + 1).column_letter
    kinds = DataValidation(
        type="list",
        formula1='"' + ",".join(str(label) for _v, label in ClassroomKind.choices) + '"',
        allow_blank=True,
        showErrorMessage=True,
        errorTitle=str(_("教室类型")),
        error=str(_("请从列表中选择教室类型。")),
    )
    kinds.add(f"{ref}2:{ref}{TEMPLATE_ROWS}")
    ws.add_data_validation(kinds)

    listing = wb.create_sheet(CATALOG_SHEET)
    append_row(listing, [_("序号"), _("分类"), DEVICE, _("配置要求"), _("选择组"), _("可填参数（要求）")])
    for cell in listing[1]:
        cell.font = Font(bold=True)
    groups = catalog.groups()
    for device in catalog.devices:
        members = _("、").join(m.name for m in groups.get(device.group, []))
        append_row(
            listing,
            [
                device.order,
                device.category,
                device.name,
                str(ConfigRule(device.rule).label),
                members,
                _spec_hint(device),
            ],
        )
    for letter, width in zip("ABCDEF", (6, 14, 24, 10, 40, 60), strict=True):
        listing.column_dimensions[letter].width = width
    listing.freeze_panes = "A2"
    ref = ws.cell(row=1, column=header.index(DEVICE) + 1).column_letter
    devices = DataValidation(
        type="list",
        formula1=f"'{CATALOG_SHEET}'!$C$2:$C${len(catalog.devices) + 1}",
        allow_blank=True,
        showErrorMessage=True,
        errorTitle=str(_("设备名称")),
        error=str(_("请从列表中选择设备（见「设备目录」工作表）。")),
    )
    devices.add(f"{ref}2:{ref}{TEMPLATE_ROWS}")
    ws.add_data_validation(devices)

    notes = wb.create_sheet(NOTES_SHEET)
    for line in (
        _("填写说明"),
        _(
            "每行登记一间教室中的一种设备；同一教室的多种设备写在多行，教室名称相同。第一行是列名，请勿修改；示例行可删除或覆盖。"
        ),
        _(
            "教室类型：普通教室、智慧教室、专用教室、录播教室。同一教室的教室类型、座位数、楼宇、房间号只需在其中一行填写，各行填写的必须一致。"
        ),
        _(
            "设备名称须与「设备目录」工作表中的名称一致（可从下拉列表选择）；只登记教室而不登记设备时，设备名称与数量留空。"
        ),
        _(
            "参数列（屏幕尺寸、分辨率……）填写实测或铭牌数值，只填该设备适用的参数（见「设备目录」）；"
            "可带单位，如 86 英寸、3840×2160、16:9。未填写的参数记为“未核实”。"
        ),
        _(
            "文件中出现的教室：已存在的按名称更新，其设备清单由文件中的行替换；留空的教室信息保持原值。文件中未出现的教室不变。"
        ),
        _("所有行校验通过后才会导入，任何一行有误则全部不导入。其他列（如资产编号）不会导入。"),
        _(
            "检查规则：必配设备须配置；多选一、二选一的组须至少配置一种；已配置设备的参数须达到要求；生机比只统计、不判定。"
        ),
    ):
        append_row(notes, [str(line)])
    notes.column_dimensions["A"].width = 120
    wb.active = 0
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# --- reading a file ---------------------------------------------------------------------------------


def _cell_text(value: Any) -> str:
    """A cell as text: numbers that are whole print without ".0" (room 302, seats 45)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def read_table(raw: bytes, filename: str) -> tuple[list[str], list[tuple[int, list]]]:
    """Headers and the non-empty rows (with their line numbers) of an .xlsx (the 资产清单 sheet, or
    the first one) or a UTF-8 .csv. Raises AssetFileError."""
    if filename.lower().endswith(".csv"):
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise AssetFileError(_("CSV 文件须为 UTF-8 编码，请在 Excel 中另存为“CSV UTF-8”。")) from None
        rows = list(csv.reader(io.StringIO(text)))
    else:
        try:
            wb = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
        except Exception:
            raise AssetFileError(_("无法读取文件：请上传 .xlsx 或 UTF-8 编码的 .csv 文件。")) from None
        ws = wb[SHEET] if SHEET in wb.sheetnames else wb.worksheets[0]
        rows = []
        for row in ws.iter_rows(values_only=True):
            rows.append(list(row))
            if len(rows) > MAX_ROWS + 1:
                break
        wb.close()
    if not rows:
        raise AssetFileError(_("文件中没有数据行。"))
    headers = [_cell_text(h) for h in rows[0]]
    data = [(line, row) for line, row in enumerate(rows[1:], start=2) if any(_cell_text(v) for v in row)]
    if len(data) > MAX_ROWS:
        raise AssetFileError(_("文件超过 %(n)d 行，请分成几个文件导入。") % {"n": MAX_ROWS})
    if not data:
        raise AssetFileError(_("文件中没有数据行。"))
    return headers, data


# --- the plan ---------------------------------------------------------------------------------------


@dataclass
class RowMessage:
    line: int
    messages: list[str]


@dataclass
class PlannedDevice:
    line: int
    device: DeviceSpec
    count: int
    year: int | None
    measured: dict


@dataclass
class PlannedClassroom:
    """A classroom as the file describes it. Fields left empty in every row are None (kept as they
    are for an existing classroom)."""

    name: str
    first_line: int
    kind: str | None = None
    seats: int | None = None
    #: some row gave a 教室类型 (valid or not): an empty one is not reported a second time
    kind_given: bool = False
    building: str | None = None
    room: str | None = None
    devices: list[PlannedDevice] = field(default_factory=list)
    #: the line each detail was first given on (to name it when a later row disagrees)
    detail_lines: dict[str, int] = field(default_factory=dict)
    #: filled in by the service: the existing classroom's id and version, and the check it would get
    existing_id: int | None = None
    existing_version: int | None = None
    result: ClassroomCheck | None = None

    @property
    def is_new(self) -> bool:
        return self.existing_id is None


@dataclass
class PreviewRow:
    line: int
    classroom: str
    device: str
    count: int | None
    values: list[str]
    errors: list[str]


@dataclass
class Plan:
    headers: list[str]
    ignored_columns: list[str]
    classrooms: list[PlannedClassroom]
    rows: list[PreviewRow]
    errors: list[RowMessage]

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def device_rows(self) -> int:
        return sum(len(c.devices) for c in self.classrooms)


def _int(text: str, column: str, *, low: int, high: int, errors: list[str]) -> int | None:
    if not text:
        return None
    try:
        number = float(text)
    except ValueError:
        number = None
    if number is None or not number.is_integer() or not low <= number <= high:
        errors.append(
            _("「%(col)s」“%(value)s”应为 %(low)d 到 %(high)d 之间的整数")
            % {"col": column, "value": text, "low": low, "high": high}
        )
        return None
    return int(number)


def _agree(
    planned: PlannedClassroom, attr: str, value, column: str, shown: str, errors: list[str], line: int
):
    """Set a classroom detail from a row, or report a row that contradicts an earlier one."""
    current = getattr(planned, attr)
    if current is None:
        setattr(planned, attr, value)
        planned.detail_lines[attr] = line
    elif current != value:
        errors.append(
            _("「%(col)s」“%(value)s”与第 %(line)d 行不一致")
            % {"col": column, "value": shown, "line": planned.detail_lines[attr]}
        )


def plan(headers: list[str], data: list[tuple[int, list]], catalog: CatalogSpec) -> Plan:
    """Read every row against the catalogue. Raises AssetFileError when a required column is missing;
    every other problem is a row message."""
    normalised = [_cell_text(h) for h in headers]
    missing = [c for c in REQUIRED_COLUMNS if c not in normalised]
    if missing:
        raise AssetFileError(_("缺少列：%(cols)s。请使用下载的模板。") % {"cols": _("、").join(missing)})
    known = set(columns(catalog))
    index = {h: i for i, h in reversed(list(enumerate(normalised))) if h in known}
    ignored = [h for h in normalised if h and h not in known]
    specs = [s for s in spec_columns(catalog) if s in index]
    devices = device_lookup(catalog)

    classrooms: dict[str, PlannedClassroom] = {}
    rows: list[PreviewRow] = []
    errors: list[RowMessage] = []
    for line, values in data:

        def cell(column: str, values=values) -> str:
            i = index.get(column)
            return _cell_text(values[i]) if i is not None and i < len(values) else ""

        problems: list[str] = []
        name = cell(NAME)
        if not name:
            problems.append(_("「%(col)s」不能为空") % {"col": NAME})
        elif len(name) > 64:
            problems.append(_("「%(col)s」不能超过 64 个字") % {"col": NAME})
        planned = classrooms.get(name) if name else None
        if name and planned is None and len(name) <= 64:
            planned = classrooms[name] = PlannedClassroom(name=name, first_line=line)

        kind_text = cell(KIND)
        kind = KIND_BY_KEY.get(_key(kind_text)) if kind_text else None
        if kind_text and kind is None:
            problems.append(
                _("「%(col)s」“%(value)s”无效，可选：%(options)s")
                % {
                    "col": KIND,
                    "value": kind_text,
                    "options": _("、").join(str(label) for _v, label in ClassroomKind.choices),
                }
            )
        seats = _int(cell(SEATS), SEATS, low=0, high=1000, errors=problems)
        building, room = cell(BUILDING), cell(ROOM)
        if len(building) > 64:
            problems.append(_("「%(col)s」不能超过 64 个字") % {"col": BUILDING})
        if len(room) > 32:
            problems.append(_("「%(col)s」不能超过 32 个字") % {"col": ROOM})
        if planned is not None:
            planned.kind_given = planned.kind_given or bool(kind_text)
            if kind is not None:
                _agree(planned, "kind", kind, KIND, kind_text, problems, line)
            if seats is not None:
                _agree(planned, "seats", seats, SEATS, str(seats), problems, line)
            if building:
                _agree(planned, "building", building, BUILDING, building, problems, line)
            if room:
                _agree(planned, "room", room, ROOM, room, problems, line)

        device_text, count_text, year_text = cell(DEVICE), cell(COUNT), cell(YEAR)
        given = {s: cell(s) for s in specs if cell(s)}
        device = devices.get(_key(device_text)) if device_text else None
        count = year = None
        if not device_text:
            for column, text in ((COUNT, count_text), (YEAR, year_text), *given.items()):
                if text:
                    problems.append(
                        _("「%(col)s」已填写，但缺少「%(device)s」") % {"col": column, "device": DEVICE}
                    )
        else:
            if device is None:
                problems.append(
                    _("「%(col)s」“%(value)s”不在设备配置目录中（见模板的「设备目录」工作表）")
                    % {"col": DEVICE, "value": device_text}
                )
            if not count_text:
                problems.append(_("「%(col)s」不能为空") % {"col": COUNT})
            else:
                count = _int(count_text, COUNT, low=1, high=1000, errors=problems)
            year = _int(year_text, YEAR, low=1980, high=2100, errors=problems)
            measured = {}
            if device is not None:
                try:
                    measured = checks.measured_parse(device, given)
                except checks.MeasurementError as exc:
                    # the message names the spec, which is the column: "「屏幕尺寸」测量值“很大”无法识别"
                    problems += [
                        _("「%(what)s」%(message)s") % {"what": what, "message": _without_spec(what, message)}
                        for what, message in exc.errors.items()
                    ]
            if planned is not None and device is not None and count is not None and not problems:
                planned.devices.append(PlannedDevice(line, device, count, year, measured))

        rows.append(
            PreviewRow(
                line=line,
                classroom=name,
                device=device.name if device else device_text,
                count=count,
                values=[_("%(spec)s：%(value)s") % {"spec": s, "value": v} for s, v in given.items()],
                errors=problems,
            )
        )
        if problems:
            errors.append(RowMessage(line, problems))
    return Plan(
        headers=normalised,
        ignored_columns=ignored,
        classrooms=list(classrooms.values()),
        rows=rows,
        errors=errors,
    )


def plan_check(planned: PlannedClassroom, catalog: CatalogSpec, *, seats: int | None) -> ClassroomCheck:
    """The check the classroom would get with the file's devices."""
    return checks.check(
        catalog, [checks.Row(d.device.code, d.count, d.measured) for d in planned.devices], seats=seats
    )
