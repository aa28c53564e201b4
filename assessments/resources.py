"""Bulk-import resources (django-import-export) of regions, schools and users with their roles:
the columns of each file, how a cell becomes a value, and the refusal of rows outside the acting
commission user's region subtrees. `services.organisations` runs them."""

from __future__ import annotations

import io
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export import fields, resources, widgets
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill

from smartcampus.spreadsheets import append_row

from .models import Membership, Region, Role, School, SchoolType
from .scoping import Action, UserScope, get_scope


class LabelChoiceWidget(widgets.Widget):
    """Accepts either the Chinese label or the stored value of a choice; exports the label."""

    def __init__(self, choices, field_label: str):
        self.by_label = {str(label): value for value, label in choices}
        self.values = {value for value, _label in choices}
        self.labels = dict(choices)
        self.field_label = field_label
        super().__init__()

    def clean(self, value, row=None, **kwargs):
        value = str(value).strip() if value is not None else ""
        if value in self.values:
            return value
        if value in self.by_label:
            return self.by_label[value]
        raise ValueError(
            _("%(field)s“%(value)s”无效，可选：%(options)s")
            % {"field": self.field_label, "value": value, "options": "、".join(self.by_label)}
        )

    def render(self, value, obj=None, **kwargs):
        return str(self.labels.get(value, value or ""))


class CodeForeignKeyWidget(widgets.ForeignKeyWidget):
    """Looks a row's region/school up by code and says in Chinese when it does not exist."""

    def __init__(self, model, field="code", *, label: str, required: bool = True):
        super().__init__(model, field=field)
        self.label, self.required = label, required

    def clean(self, value, row=None, **kwargs):
        value = str(value).strip() if value not in (None, "") else ""
        if value.endswith(".0"):  # Excel stores numeric codes as floats
            value = value[:-2]
        if not value:
            if self.required:
                raise ValueError(_("缺少%(label)s。") % {"label": self.label})
            return None
        try:
            return self.get_queryset(value, row, **kwargs).get(**{self.field: value})
        except self.model.DoesNotExist:
            raise ValueError(
                _("找不到%(label)s为“%(value)s”的记录。") % {"label": self.label, "value": value}
            ) from None


class CodeWidget(widgets.CharWidget):
    def clean(self, value, row=None, **kwargs):
        value = super().clean(value, row, **kwargs)
        value = (value or "").strip()
        return value[:-2] if value.endswith(".0") else value


class ScopedResource(resources.ModelResource):
    """A resource that refuses rows outside the acting commission user's region subtrees. Existing
    rows are looked up only among those the user manages (`scope_q`), and a refusal names nothing."""

    def __init__(self, acting_user=None, **kwargs):
        super().__init__(**kwargs)
        self.acting_user = acting_user

    def scope_q(self, scope: UserScope) -> Q:
        raise NotImplementedError

    def get_queryset(self):
        scope = get_scope(self.acting_user)
        return (
            self._meta.model.objects.filter(self.scope_q(scope))
            if self.acting_user
            else super().get_queryset()
        )

    def _check_region_in_scope(self, region: Region | None) -> None:
        scope = get_scope(self.acting_user)
        if region is None:
            if not scope.can_manage_top_level:
                raise ValueError(_("只有系统管理员可以创建顶级地区。"))
            return
        if not scope.can(Action.MANAGE, region):
            raise ValueError(_("找不到该地区，或它不在您的管理范围内。"))


class RegionResource(ScopedResource):
    code = fields.Field(attribute="code", column_name="行政区划代码", widget=CodeWidget())
    name = fields.Field(attribute="name", column_name="名称")
    level = fields.Field(
        attribute="level", column_name="级别", widget=LabelChoiceWidget(Region.Level.choices, "级别")
    )
    parent = fields.Field(
        attribute="parent",
        column_name="上级地区代码",
        widget=CodeForeignKeyWidget(Region, label="上级地区代码", required=False),
    )

    class Meta:
        model = Region
        fields = ("code", "name", "level", "parent")
        import_id_fields = ("code",)
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = True

    def scope_q(self, scope: UserScope) -> Q:
        return scope.regions_q(Action.MANAGE)

    def before_save_instance(self, instance, row, **kwargs):
        self._check_region_in_scope(instance.parent)


class SchoolResource(ScopedResource):
    code = fields.Field(attribute="code", column_name="学校标识码", widget=CodeWidget())
    name = fields.Field(attribute="name", column_name="学校名称")
    school_type = fields.Field(
        attribute="school_type",
        column_name="学校类型",
        widget=LabelChoiceWidget(SchoolType.choices, "学校类型"),
    )
    region = fields.Field(
        attribute="region",
        column_name="所属地区代码",
        widget=CodeForeignKeyWidget(Region, label="所属地区代码"),
    )

    class Meta:
        model = School
        fields = ("code", "name", "school_type", "region")
        import_id_fields = ("code",)
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = True

    def scope_q(self, scope: UserScope) -> Q:
        return scope.schools_q(Action.MANAGE)

    def before_save_instance(self, instance, row, **kwargs):
        self._check_region_in_scope(instance.region)


class MembershipResource(ScopedResource):
    """One row per membership; the user is created (or updated) from the same row first."""

    username = fields.Field(
        attribute="user", column_name="用户名", widget=widgets.ForeignKeyWidget(get_user_model(), "username")
    )
    full_name = fields.Field(column_name="姓名", attribute="user__first_name", readonly=True)
    email = fields.Field(column_name="邮箱", attribute="user__email", readonly=True)
    role = fields.Field(attribute="role", column_name="角色", widget=LabelChoiceWidget(Role.choices, "角色"))
    school = fields.Field(
        attribute="school",
        column_name="学校标识码",
        widget=CodeForeignKeyWidget(School, label="学校标识码", required=False),
    )
    region = fields.Field(
        attribute="region",
        column_name="地区代码",
        widget=CodeForeignKeyWidget(Region, label="地区代码", required=False),
    )

    class Meta:
        model = Membership
        fields = ("username", "full_name", "email", "role", "school", "region")
        import_id_fields = ("username", "role", "school", "region")
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = True

    def scope_q(self, scope: UserScope) -> Q:
        return scope.schools_q(Action.MANAGE, "school__") | scope.regions_q(Action.MANAGE, "region__")

    def before_import_row(self, row, **kwargs):
        User = get_user_model()
        username = str(row.get("用户名") or "").strip()
        if not username:
            raise ValueError(_("缺少用户名。"))
        row["用户名"] = username
        password = str(row.get("初始密码") or "").strip()
        user = User.objects.filter(username=username).first()
        if user is None:
            if not password:
                raise ValueError(_("新用户“%(u)s”必须填写初始密码。") % {"u": username})
            user = User(username=username)
            try:
                validate_password(password, user)
            except ValidationError as exc:
                raise ValueError(_("初始密码不符合要求：") + " ".join(exc.messages)) from None
            user.set_password(password)
        user.first_name = str(row.get("姓名") or user.first_name or "").strip()[:150]
        user.email = str(row.get("邮箱") or user.email or "").strip()
        user.full_clean(exclude=["password"])
        user.save()

    def before_save_instance(self, instance, row, **kwargs):
        if instance.school_id:
            self._check_region_in_scope(instance.school.region)
        else:
            self._check_region_in_scope(instance.region)


@dataclass(frozen=True)
class ImportKind:
    slug: str
    title: str
    resource_class: type[ScopedResource]
    columns: tuple[str, ...]
    example: tuple[tuple, ...]
    notes: tuple[str, ...] = field(default=())


KINDS: dict[str, ImportKind] = {
    k.slug: k
    for k in (
        ImportKind(
            "regions",
            gettext_lazy("地区"),
            RegionResource,
            ("行政区划代码", "名称", "级别", "上级地区代码"),
            (("371100", "日照市", "市级", "370000"), ("371102", "东港区", "区县级", "371100")),
            ("级别：省级 / 市级 / 区县级", "上级地区须已存在，或在本文件中更靠前的行里"),
        ),
        ImportKind(
            "schools",
            gettext_lazy("学校"),
            SchoolResource,
            ("学校标识码", "学校名称", "学校类型", "所属地区代码"),
            (("2137000001", "张店区实验小学", "小学", "370303"),),
            ("学校类型：" + "、".join(str(label) for _v, label in SchoolType.choices),),
        ),
        ImportKind(
            "users",
            gettext_lazy("用户与角色"),
            MembershipResource,
            ("用户名", "姓名", "邮箱", "初始密码", "角色", "学校标识码", "地区代码"),
            (
                (
                    "zd_cio_01",
                    "王老师",
                    "wang@example.cn",
                    "Xiaoyuan#2026",
                    "学校信息化负责人",
                    "2137000001",
                    "",
                ),
                ("zd_expert_01", "李专家", "li@example.cn", "Pingshen#2026", "区县评审专家", "", "370303"),
            ),
            (
                "每行一个角色授权；同一用户可出现在多行",
                "学校信息化负责人填写学校标识码；评审专家和教委工作人员填写地区代码",
                "初始密码仅对新用户生效，已存在的用户不会被改密码",
            ),
        ),
    )
}


def template_xlsx(kind: ImportKind) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "数据"
    append_row(ws, kind.columns)
    for cell in ws[1]:
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = PatternFill("solid", fgColor="0D6EFD")
    for row in kind.example:
        append_row(ws, row)
    for col in ws.columns:
        ws.column_dimensions[col[0].column_letter].width = 18
    ws.freeze_panes = "A2"
    notes = wb.create_sheet("说明")
    notes.append(["填写说明"])
    notes.append(
        ["第一行是列名，请勿修改；示例行可删除或覆盖。所有行校验通过后才会导入，任何一行有误则全部不导入。"]
    )
    for note in kind.notes:
        append_row(notes, [note])
    notes.column_dimensions["A"].width = 90
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
