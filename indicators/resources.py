"""Excel layout of a framework (django-import-export resources) and reading it back.

A workbook has two sheets:
  框架信息  two columns 字段 / 值: 代码, 名称, 发布地区, 学段, 来源文件, 来源文本文件,
            发布年份, 评价方式, 声明总分, 说明
  指标      one row per node in tree order: 编号, 层级, 上级编号, 名称, 要求原文, 分值, 可选, 可选条款,
            带星号, 推定值, 备注, 原文位置
The same layout is exported (`framework_workbook`) and imported (`spec_from_workbook`), so a
workbook exported from one framework, edited, and imported under a new code is how another region's
framework enters the platform without code. Rules travel in a workbook of their own
(`rule_workbook` / `rules_from_workbook`, layout below).
"""

from __future__ import annotations

import io
import re

import tablib
from django.utils.translation import gettext as _
from import_export import fields, resources, widgets
from openpyxl import load_workbook
from openpyxl.styles import Alignment, Font, PatternFill

from smartcampus.spreadsheets import text_cell

from .levels import level_label
from .models import FactKind, Framework, Node, Rule, SchoolLevel, Scoring, Severity
from .rules import RuleSpec
from .trees import FrameworkSpec, NodeSpec, Problem, json_number, parse_points

# Sheet names, column headers and 是/否 cells are the workbook's file format — an exported workbook
# is imported again by them — so they stay Chinese in every language (marked as data below).
NODE_SHEET = "指标"  # i18n: data
META_SHEET = "框架信息"  # i18n: data
YES = ("是", "y", "yes", "true", "1", "✓", "√")  # i18n: data
NO = ("", "否", "n", "no", "false", "0")  # i18n: data


class TextWidget(widgets.Widget):
    """Text cell: None → "", numbers as Excel stores them (1.0 → "1") for codes."""

    def clean(self, value, row=None, **kwargs):
        if value is None:
            return ""
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return str(value).strip()

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else str(value)


class LevelWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        text = TextWidget().clean(value)
        if not re.fullmatch(r"\d+", text):
            raise ValueError(_("层级“%(v)s”应为 1、2 或 3") % {"v": text})
        return int(text)

    def render(self, value, obj=None, **kwargs):
        return value


class YesNoWidget(widgets.Widget):
    def __init__(self, label: str):
        self.label = label
        super().__init__()

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, bool):
            return value
        text = TextWidget().clean(value).lower()
        if text in YES:
            return True
        if text in NO:
            return False
        raise ValueError(_("%(label)s“%(v)s”应填“是”或“否”") % {"label": self.label, "v": value})

    def render(self, value, obj=None, **kwargs):
        return "是" if value else "否"  # i18n: data


class PointsWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        return parse_points(value)

    def render(self, value, obj=None, **kwargs):
        return json_number(value)


class ClausesWidget(widgets.Widget):
    """[5, 6] ⇄ "5、6" (also accepts commas and spaces)."""

    def clean(self, value, row=None, **kwargs):
        text = TextWidget().clean(value)
        parts = [p for p in re.split(r"[,，、;；\s]+", text) if p]  # i18n: data
        if not all(re.fullmatch(r"\d+", p) for p in parts):
            raise ValueError(_("可选条款“%(v)s”应为条款序号，如“5”或“2、5”") % {"v": text})
        return [int(p) for p in parts]

    def render(self, value, obj=None, **kwargs):
        return "、".join(str(v) for v in value or [])  # i18n: data


#: column headers of the sheet, by attribute
NODE_COLUMNS = {
    "code": "编号",  # i18n: data
    "level": "层级",  # i18n: data
    "parent_code": "上级编号",  # i18n: data
    "name": "名称",  # i18n: data
    "text": "要求原文",  # i18n: data
    "points": "分值",  # i18n: data
    "optional": "可选",  # i18n: data
    "optional_clauses": "可选条款",  # i18n: data
    "starred": "带星号",  # i18n: data
    "points_inferred": "推定值",  # i18n: data
    "note": "备注",  # i18n: data
    "source_section": "原文位置",  # i18n: data
}


class NodeResource(resources.ModelResource):
    """One row per indicator. Used for export and to clean each imported row (widgets)."""

    code = fields.Field(attribute="code", column_name=NODE_COLUMNS["code"], widget=TextWidget())
    level = fields.Field(attribute="level", column_name=NODE_COLUMNS["level"], widget=LevelWidget())
    parent_code = fields.Field(
        attribute="parent__code", column_name=NODE_COLUMNS["parent_code"], widget=TextWidget()
    )
    name = fields.Field(attribute="name", column_name=NODE_COLUMNS["name"], widget=TextWidget())
    text = fields.Field(attribute="text", column_name=NODE_COLUMNS["text"], widget=TextWidget())
    points = fields.Field(attribute="points", column_name=NODE_COLUMNS["points"], widget=PointsWidget())
    optional = fields.Field(
        attribute="optional",
        column_name=NODE_COLUMNS["optional"],
        widget=YesNoWidget(NODE_COLUMNS["optional"]),
    )
    optional_clauses = fields.Field(
        attribute="optional_clauses",
        column_name=NODE_COLUMNS["optional_clauses"],
        widget=ClausesWidget(),
    )
    starred = fields.Field(
        attribute="starred", column_name=NODE_COLUMNS["starred"], widget=YesNoWidget(NODE_COLUMNS["starred"])
    )
    points_inferred = fields.Field(
        attribute="points_inferred",
        column_name=NODE_COLUMNS["points_inferred"],
        widget=YesNoWidget(NODE_COLUMNS["points_inferred"]),
    )
    note = fields.Field(attribute="note", column_name=NODE_COLUMNS["note"], widget=TextWidget())
    source_section = fields.Field(
        attribute="source_section", column_name=NODE_COLUMNS["source_section"], widget=TextWidget()
    )

    class Meta:
        model = Node
        fields = (
            "code",
            "level",
            "parent_code",
            "name",
            "text",
            "points",
            "optional",
            "optional_clauses",
            "starred",
            "points_inferred",
            "note",
            "source_section",
        )
        export_order = fields

    @classmethod
    def columns(cls) -> list[str]:
        resource = cls()
        return [resource.fields[name].column_name for name in cls._meta.fields]

    def clean_row(self, row: dict) -> dict:
        """The row's values by attribute name; ValueError lists every bad cell of the row."""
        values, errors = {}, []
        for name in self._meta.fields:
            field = self.fields[name]
            try:
                values[name] = field.widget.clean(row.get(field.column_name))
            except ValueError as exc:
                errors.append(str(exc))
        if errors:
            raise ValueError(_("；").join(errors))
        return values


SCORING_LABELS = {str(label): value for value, label in Scoring.choices}
LEVEL_LABELS = {str(label): value for value, label in SchoolLevel.choices}
META_FIELDS = (
    ("code", "代码"),  # i18n: data
    ("name", "名称"),  # i18n: data
    ("region", "发布地区"),  # i18n: data
    ("school_level", "学段"),  # i18n: data
    ("source_document", "来源文件"),  # i18n: data
    ("source_file", "来源文本文件"),  # i18n: data
    ("year", "发布年份"),  # i18n: data
    ("scoring", "评价方式"),  # i18n: data
    ("total_points", "声明总分"),  # i18n: data
    ("note", "说明"),  # i18n: data
)


def framework_workbook(framework: Framework, nodes) -> bytes:
    """The .xlsx export of one framework version (`nodes` in tree order, with parents selected)."""
    node_sheet = NodeResource().export(queryset=nodes)
    node_sheet.title = NODE_SHEET
    meta = tablib.Dataset(headers=["字段", "值"], title=META_SHEET)  # i18n: data
    for attr, label in META_FIELDS:
        value = getattr(framework, attr)
        if attr == "scoring":
            value = framework.get_scoring_display()
        elif attr == "school_level":
            value = framework.get_school_level_display()
        elif attr == "total_points":
            value = json_number(value)
        meta.append([label, "" if value is None else value])
    meta.append(["版本", framework.version])  # i18n: data
    raw = tablib.Databook([meta, node_sheet]).export("xlsx")
    return _styled(raw)


def _styled(raw: bytes) -> bytes:
    wb = load_workbook(io.BytesIO(raw))
    widths = {
        "编号": 9,  # i18n: data
        "层级": 6,  # i18n: data
        "上级编号": 9,  # i18n: data
        "名称": 22,  # i18n: data
        "要求原文": 70,  # i18n: data
        "备注": 40,  # i18n: data
        "原文位置": 24,  # i18n: data
        "值": 90,  # i18n: data
    }
    for ws in wb.worksheets:
        for cell in ws[1]:
            cell.font = Font(bold=True, color="FFFFFF")
            cell.fill = PatternFill("solid", fgColor="0D6EFD")
            ws.column_dimensions[cell.column_letter].width = widths.get(cell.value, 12)
        for row in ws.iter_rows(min_row=2):
            for cell in row:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
                text_cell(cell)  # tablib typed any "=…" text as a formula
        ws.freeze_panes = "A2"
    wb.active = 1
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


class WorkbookError(ValueError):
    """The workbook cannot be imported; `problems` lists every error with its row."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__(_("；").join(str(p) for p in problems[:5]))


def _sheet(book: tablib.Databook, title: str) -> tablib.Dataset | None:
    return next((s for s in book.sheets() if s.title == title), None)


def spec_from_workbook(raw: bytes, *, code: str | None = None) -> FrameworkSpec:
    """Read an exported/edited workbook. Raises WorkbookError listing every bad cell and row.
    Structural checks of the tree (parents, cycles, levels, codes) are left to the service."""
    try:
        book = tablib.Databook().load(io.BytesIO(raw), format="xlsx")
    except Exception:
        raise WorkbookError([Problem(_("文件"), _("无法读取：请上传从本平台导出的 .xlsx 文件"))]) from None
    problems: list[Problem] = []
    meta_sheet, node_sheet = _sheet(book, META_SHEET), _sheet(book, NODE_SHEET)
    if node_sheet is None:
        raise WorkbookError([Problem(_("文件"), _("缺少工作表“%(s)s”") % {"s": NODE_SHEET})])
    meta: dict[str, object] = {}
    if meta_sheet is not None:
        for row in meta_sheet:
            if row and row[0]:
                meta[str(row[0]).strip()] = row[1] if len(row) > 1 else None
    elif not code:
        problems.append(Problem(META_SHEET, _("缺少工作表“%(s)s”") % {"s": META_SHEET}))

    def meta_text(label: str) -> str:
        return TextWidget().clean(meta.get(label))

    scoring_text = meta_text("评价方式")  # i18n: data
    scoring = SCORING_LABELS.get(scoring_text, scoring_text)
    if scoring not in Scoring.values:
        problems.append(Problem(META_SHEET, _("评价方式“%(v)s”应为“计分制”或“达标制”") % {"v": scoring_text}))
    level_text = meta_text("学段") or SchoolLevel.K12  # i18n: data
    school_level = LEVEL_LABELS.get(level_text, level_text)
    if school_level not in SchoolLevel.values:
        problems.append(Problem(META_SHEET, _("学段“%(v)s”应为“中小学”或“高等学校”") % {"v": level_text}))
    year_text = meta_text("发布年份")  # i18n: data
    if year_text and not re.fullmatch(r"\d{4}", year_text):
        problems.append(Problem(META_SHEET, _("发布年份“%(v)s”应为四位数字") % {"v": year_text}))
    try:
        total = parse_points(meta.get("声明总分"))  # i18n: data
    except ValueError as exc:
        problems.append(Problem(META_SHEET, _("声明总分：%(error)s") % {"error": exc}))
        total = None
    spec = FrameworkSpec(
        code=(code or meta_text("代码")).strip(),  # i18n: data
        name=meta_text("名称"),  # i18n: data
        scoring=scoring,
        school_level=school_level,
        region=meta_text("发布地区"),  # i18n: data
        source_document=meta_text("来源文件"),  # i18n: data
        source_file=meta_text("来源文本文件"),  # i18n: data
        year=int(year_text) if re.fullmatch(r"\d{4}", year_text or "") else None,
        total_points=total,
        note=meta_text("说明"),  # i18n: data
    )
    if not spec.code or not re.fullmatch(r"[-a-zA-Z0-9_]+", spec.code):
        problems.append(
            Problem(META_SHEET, _("代码“%(v)s”只能包含字母、数字、连字符和下划线") % {"v": spec.code})
        )
    if not spec.name:
        problems.append(Problem(META_SHEET, _("缺少名称")))

    headers = [str(h or "").strip() for h in node_sheet.headers or []]
    missing = [c for c in NodeResource.columns() if c not in headers]
    if missing:
        problems.append(Problem(NODE_SHEET, _("缺少列：%(c)s") % {"c": _("、").join(missing)}))
        raise WorkbookError(problems)
    resource = NodeResource()
    for i, values in enumerate(node_sheet):
        if all(v in (None, "") for v in values):
            continue
        row = dict(zip(headers, values, strict=False))
        line = i + 2
        try:
            cleaned = resource.clean_row(row)
        except ValueError as exc:
            problems.append(Problem(_("第 %(row)d 行") % {"row": line}, str(exc)))
            continue
        spec.nodes.append(
            NodeSpec(
                code=cleaned["code"],
                level=cleaned["level"],
                parent_code=cleaned["parent_code"] or None,
                name=cleaned["name"],
                text=cleaned["text"],
                points=cleaned["points"],
                optional=cleaned["optional"],
                optional_clauses=cleaned["optional_clauses"],
                starred=cleaned["starred"],
                points_inferred=cleaned["points_inferred"],
                note=cleaned["note"],
                source_section=cleaned["source_section"],
                row=line,
            )
        )
    if problems:
        raise WorkbookError(problems)
    return spec


# --- rules ----------------------------------------------------------------------------------------
#
# A rule workbook has the sheet 规则 (one row per rule, the columns of RuleResource) and, for the
# author's reference, the sheet 事实 (the fact catalogue: codes usable in expressions). Only 规则 is
# read back. 中间量 holds one “名称 = 表达式” per line; 严重程度 is 提示 or 阻止提交.

RULE_SHEET = "规则"  # i18n: data
FACT_SHEET = "事实"  # i18n: data
FACT_COLUMNS = ["代码", "名称", "单位", "类型", "适用学段", "填写说明"]  # i18n: data
SEVERITY_LABELS = {str(label): value for value, label in Severity.choices}
_VALUE_LINE = re.compile(r"\s*([a-z][a-z0-9_]*)\s*=(?!=)\s*(.+?)\s*")


class SeverityWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        text = TextWidget().clean(value)
        severity = SEVERITY_LABELS.get(text, text)
        if severity not in Severity.values:
            raise ValueError(_("严重程度“%(v)s”应为“提示”或“阻止提交”") % {"v": text})
        return severity

    def render(self, value, obj=None, **kwargs):
        return str(Severity(value).label) if value in Severity.values else value


class RuleValuesWidget(widgets.Widget):
    """[["ratio", "students / student_pcs"]] ⇄ "ratio = students / student_pcs" (one per line)."""

    def clean(self, value, row=None, **kwargs):
        pairs = []
        for line in TextWidget().clean(value).splitlines():
            if not line.strip():
                continue
            match = _VALUE_LINE.fullmatch(line)
            if match is None:
                raise ValueError(_("中间量“%(v)s”应写成“名称 = 表达式”，每行一个") % {"v": line.strip()})
            pairs.append((match.group(1), match.group(2)))
        return tuple(pairs)

    def render(self, value, obj=None, **kwargs):
        return "\n".join(f"{name} = {source}" for name, source in value or ())


#: column headers of the sheet, by attribute
RULE_COLUMNS = {
    "code": "规则编号",  # i18n: data
    "node": "指标编号",  # i18n: data
    "clause": "条款原文",  # i18n: data
    "applies_to": "适用范围",  # i18n: data
    "when": "适用条件",  # i18n: data
    "values": "中间量",  # i18n: data
    "expression": "判定表达式",  # i18n: data
    "severity": "严重程度",  # i18n: data
    "message": "提示信息模板",  # i18n: data
    "edge": "边界说明",  # i18n: data
    "note": "备注",  # i18n: data
}


class RuleResource(resources.ModelResource):
    """One row per rule. Used for export and to clean each imported row (widgets)."""

    code = fields.Field(attribute="code", column_name=RULE_COLUMNS["code"], widget=TextWidget())
    node = fields.Field(attribute="node__code", column_name=RULE_COLUMNS["node"], widget=TextWidget())
    clause = fields.Field(attribute="clause", column_name=RULE_COLUMNS["clause"], widget=TextWidget())
    applies_to = fields.Field(
        attribute="applies_to", column_name=RULE_COLUMNS["applies_to"], widget=TextWidget()
    )
    when = fields.Field(attribute="when", column_name=RULE_COLUMNS["when"], widget=TextWidget())
    values = fields.Field(attribute="values", column_name=RULE_COLUMNS["values"], widget=RuleValuesWidget())
    expression = fields.Field(
        attribute="expression", column_name=RULE_COLUMNS["expression"], widget=TextWidget()
    )
    severity = fields.Field(
        attribute="severity", column_name=RULE_COLUMNS["severity"], widget=SeverityWidget()
    )
    message = fields.Field(attribute="message", column_name=RULE_COLUMNS["message"], widget=TextWidget())
    edge = fields.Field(attribute="edge", column_name=RULE_COLUMNS["edge"], widget=TextWidget())
    note = fields.Field(attribute="note", column_name=RULE_COLUMNS["note"], widget=TextWidget())

    class Meta:
        model = Rule
        fields = (
            "code",
            "node",
            "clause",
            "applies_to",
            "when",
            "values",
            "expression",
            "severity",
            "message",
            "edge",
            "note",
        )
        export_order = fields

    @classmethod
    def columns(cls) -> list[str]:
        resource = cls()
        return [resource.fields[name].column_name for name in cls._meta.fields]

    def clean_row(self, row: dict) -> dict:
        """The row's values by attribute name; ValueError lists every bad cell of the row."""
        values, errors = {}, []
        for name in self._meta.fields:
            field = self.fields[name]
            try:
                values[name] = field.widget.clean(row.get(field.column_name))
            except ValueError as exc:
                errors.append(str(exc))
        if errors:
            raise ValueError(_("；").join(errors))
        return values


def rule_workbook(framework: Framework, rules, catalogue) -> bytes:
    """The .xlsx export of a framework version's rules (`rules` in order, node selected) with the
    fact catalogue (code → FactSpec) as a reference sheet."""
    rule_sheet = RuleResource().export(queryset=rules)
    rule_sheet.title = RULE_SHEET
    fact_sheet = tablib.Dataset(headers=FACT_COLUMNS, title=FACT_SHEET)
    kinds = dict(FactKind.choices)
    for fact in catalogue.values():
        kind = str(kinds.get(fact.kind, fact.kind))
        if fact.choices:
            options = _("、").join(f"{value}={label}" for value, label in fact.choices)
            kind = _("%(kind)s（%(options)s）") % {"kind": kind, "options": options}
        levels = _("、").join(level_label(level) for level in fact.levels) or _("全部")
        fact_sheet.append([fact.code, fact.label, fact.unit, kind, levels, fact.help_text])
    raw = tablib.Databook([rule_sheet, fact_sheet]).export("xlsx")
    wb = load_workbook(io.BytesIO(raw))
    widths = {
        "条款原文": 40,  # i18n: data
        "适用条件": 20,  # i18n: data
        "中间量": 36,  # i18n: data
        "判定表达式": 36,  # i18n: data
        "提示信息模板": 50,  # i18n: data
        "边界说明": 40,  # i18n: data
    }
    widths.update({"备注": 30, "名称": 24, "填写说明": 60, "适用学段": 16, "类型": 16})  # i18n: data
    for ws in wb.worksheets:
        for cell in ws[1]:
            cell.font = Font(bold=True, color="FFFFFF")
            cell.fill = PatternFill("solid", fgColor="0D6EFD")
            ws.column_dimensions[cell.column_letter].width = widths.get(cell.value, 12)
        for row in ws.iter_rows(min_row=2):
            for cell in row:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
                text_cell(cell)  # tablib typed any "=…" text as a formula
        ws.freeze_panes = "A2"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def rules_from_workbook(raw: bytes) -> list[RuleSpec]:
    """Read an exported/edited rule workbook. Raises WorkbookError listing every bad cell and row;
    whether the rules make sense (nodes, facts, expressions) is the service's check."""
    try:
        book = tablib.Databook().load(io.BytesIO(raw), format="xlsx")
    except Exception:  # noqa: BLE001 — any parser failure means "not a readable workbook"
        raise WorkbookError([Problem(_("文件"), _("无法读取：请上传从本平台导出的 .xlsx 文件"))]) from None
    sheet = _sheet(book, RULE_SHEET)
    if sheet is None:
        raise WorkbookError([Problem(_("文件"), _("缺少工作表“%(s)s”") % {"s": RULE_SHEET})])
    headers = [str(h or "").strip() for h in sheet.headers or []]
    missing = [c for c in RuleResource.columns() if c not in headers]
    if missing:
        raise WorkbookError([Problem(RULE_SHEET, _("缺少列：%(c)s") % {"c": _("、").join(missing)})])
    resource = RuleResource()
    problems: list[Problem] = []
    specs: list[RuleSpec] = []
    for i, cells in enumerate(sheet):
        if all(v in (None, "") for v in cells):
            continue
        line = i + 2
        try:
            cleaned = resource.clean_row(dict(zip(headers, cells, strict=False)))
        except ValueError as exc:
            problems.append(Problem(_("第 %(row)d 行") % {"row": line}, str(exc)))
            continue
        specs.append(RuleSpec(row=line, **cleaned))
    if problems:
        raise WorkbookError(problems)
    return specs
