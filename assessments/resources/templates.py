"""The kinds of import (their columns, notes and drop-down lists) and the downloadable templates."""

from __future__ import annotations

import io
from dataclasses import dataclass, field

from django.utils.functional import Promise
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation

from smartcampus.spreadsheets import append_row

from ..models import Region, Role, School, SchoolType
from ..scoping import Action, get_scope
from .base import (
    EMAIL,
    FULL_NAME,
    MEMBER_REGION,
    MEMBER_SCHOOL,
    PASSWORD,
    REGION_CODE,
    REGION_LEVEL,
    REGION_NAME,
    REGION_PARENT,
    ROLE,
    SCHOOL_CODE,
    SCHOOL_NAME,
    SCHOOL_REGION,
    SCHOOL_TYPE,
    USERNAME,
    ScopedResource,
    labels,
)
from .organisations import MembershipResource, RegionResource, SchoolResource

# --- the kinds of import and their templates -------------------------------------------------------------


@dataclass(frozen=True)
class ImportKind:
    slug: str
    title: str
    resource_class: type[ScopedResource]
    columns: tuple[str, ...]
    example: tuple[tuple, ...]
    notes: tuple[str, ...] = field(default=())
    #: column → choices offered as a drop-down list in the template
    choices: tuple[tuple[str, tuple], ...] = field(default=())
    optional_columns: tuple[str, ...] = field(default=())


# the example people of the users' template
TEACHER, EXPERT = gettext_lazy("王老师"), gettext_lazy("李专家")

KINDS: dict[str, ImportKind] = {
    k.slug: k
    for k in (
        ImportKind(
            "regions",
            gettext_lazy("地区"),
            RegionResource,
            (REGION_CODE, REGION_NAME, REGION_LEVEL, REGION_PARENT),
            (
                ("371100", "日照市", Region.Level.CITY.label, "370000"),  # i18n: data
                ("371102", "东港区", Region.Level.DISTRICT.label, "371100"),  # i18n: data
            ),
            (
                gettext_lazy(
                    "行政区划代码：6 位数字（GB/T 2260），"
                    "省级以 0000 结尾，市级以 00 结尾，区县级后两位不是 00"
                ),
                gettext_lazy("下级地区的代码以上级地区代码的前几位开头（如 370303 属于 370300）"),
                gettext_lazy("级别：省级 / 市级 / 区县级（下拉选择）"),
                gettext_lazy("上级地区须已存在，或在本文件中更靠前的行里；已有地区只能修改名称"),
            ),
            ((REGION_LEVEL, tuple(Region.Level.choices)),),
        ),
        ImportKind(
            "schools",
            gettext_lazy("学校"),
            SchoolResource,
            (SCHOOL_CODE, SCHOOL_NAME, SCHOOL_TYPE, SCHOOL_REGION),
            (("2137000001", "张店区实验小学", SchoolType.PRIMARY.label, "370303"),),  # i18n: data
            (
                gettext_lazy(
                    "学校标识码：10 位数字 = 2 位学校类别码（21 小学、31 初中、34 高中、36 中职、41 高校等）"
                    "+ 2 位省级代码 + 6 位序号"
                ),
                format_lazy("{}{}", gettext_lazy("学校类型（下拉选择）："), labels(SchoolType.choices)),
                gettext_lazy("已有学校（学校标识码相同）将按本行更新：预览会逐项列出修改，确认后才导入"),
            ),
            ((SCHOOL_TYPE, tuple(SchoolType.choices)),),
        ),
        ImportKind(
            "users",
            gettext_lazy("用户与角色"),
            MembershipResource,
            (USERNAME, FULL_NAME, EMAIL, PASSWORD, ROLE, MEMBER_SCHOOL, MEMBER_REGION),
            (
                (
                    "zd_cio_01",
                    TEACHER,
                    "wang@example.cn",
                    "Xiaoyuan#2026",
                    Role.SCHOOL_CIO.label,
                    "2137000001",
                    "",
                ),
                ("zd_expert_01", EXPERT, "li@example.cn", "Pingshen#2026", Role.REVIEWER.label, "", "370303"),
            ),
            (
                gettext_lazy("每行一个角色授权；同一用户可出现在多行"),
                gettext_lazy("学校信息化负责人填写学校标识码；评审专家和教委工作人员填写地区代码"),
                gettext_lazy(
                    "初始密码仅对新用户生效，新用户首次登录时必须改为自己的密码；已存在的用户不会被改密码"
                ),
                gettext_lazy(
                    "已存在的用户须在您的管辖范围内；其姓名、邮箱的修改会在预览中逐项列出，确认后才导入"
                ),
            ),
            ((ROLE, tuple(Role.choices)),),
            optional_columns=(FULL_NAME, EMAIL, PASSWORD),
        ),
    )
}


def template_examples(kind: ImportKind, acting_user) -> tuple[tuple, ...]:
    """Example rows from the user's own regions: records that exist already (importing them changes
    nothing) or, for users, new accounts on the user's own schools and districts. Falls back to the
    kind's fixed examples when the user manages nothing to take them from."""
    scope = get_scope(acting_user)
    regions = Region.objects.filter(scope.regions_q(Action.MANAGE)).select_related("parent").order_by("path")
    schools = (
        School.objects.filter(scope.schools_q(Action.MANAGE))
        .select_related("region")
        .order_by("region__path", "code")
    )
    if kind.slug == "regions":
        children = [r for r in regions.filter(parent__isnull=False)[:2]]
        return tuple((r.code, r.name, r.get_level_display(), r.parent.code) for r in children) or kind.example
    if kind.slug == "schools":
        return (
            tuple((s.code, s.name, s.get_school_type_display(), s.region.code) for s in schools[:2])
            or kind.example
        )
    if kind.slug == "users":
        school = schools.first()
        district = regions.filter(level=Region.Level.DISTRICT).first() or regions.first()
        if school is None or district is None:
            return kind.example
        return (
            (
                "wang_laoshi",
                TEACHER,
                "wang@example.cn",
                "Xiaoyuan#2026",
                Role.SCHOOL_CIO.label,
                school.code,
                "",
            ),
            (
                "li_zhuanjia",
                EXPERT,
                "li@example.cn",
                "Pingshen#2026",
                Role.REVIEWER.label,
                "",
                district.code,
            ),
        )
    return kind.example


def template_xlsx(kind: ImportKind, *, examples: tuple[tuple, ...] | None = None) -> bytes:
    """The template of `kind`: the header, example rows, drop-down lists for the columns with choices
    (Excel data validation) and a sheet of notes. Text is written through smartcampus.spreadsheets."""
    wb = Workbook()
    ws = wb.active
    ws.title = _("数据")
    append_row(ws, kind.columns)
    for c in ws[1]:
        c.font = Font(bold=True, color="FFFFFF")
        c.fill = PatternFill("solid", fgColor="0D6EFD")
    for row in kind.example if examples is None else examples:
        append_row(ws, [str(v) if isinstance(v, Promise) else v for v in row])
    for col in ws.columns:
        ws.column_dimensions[col[0].column_letter].width = 18
    ws.freeze_panes = "A2"
    for column, choices in kind.choices:
        letter = ws.cell(row=1, column=kind.columns.index(column) + 1).column_letter
        labels = ",".join(str(label) for _v, label in choices)
        validation = DataValidation(
            type="list",
            formula1=f'"{labels}"',
            allow_blank=True,
            showErrorMessage=True,
            errorTitle=column,
            error=_("请从下拉列表中选择：%(options)s") % {"options": labels.replace(",", _("、"))},
            promptTitle=column,
            prompt=_("请从下拉列表中选择"),
            showInputMessage=True,
        )
        validation.add(f"{letter}2:{letter}5000")
        ws.add_data_validation(validation)
    notes = wb.create_sheet(_("说明"))
    append_row(notes, [_("填写说明")])
    append_row(
        notes,
        [
            _(
                "第一行是列名，请勿修改；示例行可删除或覆盖。所有行校验通过后才会导入，任何一行有误则全部不导入。"
            )
        ],
    )
    for note in kind.notes:
        append_row(notes, [str(note)])
    notes.column_dimensions["A"].width = 110
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
