"""The resources of regions, schools and users with their roles: the columns and the checks of a
row (`check_row`)."""

from __future__ import annotations

import re

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models import Q
from django.utils.translation import gettext as _
from import_export import fields, widgets

from .. import codes
from ..models import Membership, Region, Role, School, SchoolType
from ..scoping import Action, UserScope
from ..services.accounts import password_assigned
from .base import (
    EMAIL,
    EXPECT_REGION,
    FULL_NAME,
    MEMBER_REGION,
    MEMBER_SCHOOL,
    NOT_FOUND_REGION,
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
    Change,
    CodeForeignKeyWidget,
    CodeWidget,
    LabelChoiceWidget,
    ScopedResource,
    choice,
    empty,
    empty_choice,
    one_of,
    too_long,
    wrong,
)


class RegionResource(ScopedResource):
    code = fields.Field(attribute="code", column_name=REGION_CODE, widget=CodeWidget())
    name = fields.Field(attribute="name", column_name=REGION_NAME)
    level = fields.Field(
        attribute="level",
        column_name=REGION_LEVEL,
        widget=LabelChoiceWidget(Region.Level.choices, REGION_LEVEL),
    )
    parent = fields.Field(
        attribute="parent",
        column_name=REGION_PARENT,
        widget=CodeForeignKeyWidget(Region, column=REGION_PARENT),
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

    def check_row(self, row, line):
        problems: list[str] = []
        code, name = row.get(REGION_CODE, ""), row.get(REGION_NAME, "")
        level_text, parent_code = row.get(REGION_LEVEL, ""), row.get(REGION_PARENT, "")
        existing = Region.objects.filter(code=code).select_related("parent").first() if code else None
        mine = existing is not None and self.scope.can(Action.MANAGE, existing)
        code_ok = False
        if not code:
            problems.append(empty(REGION_CODE, _("行政区划代码（6 位数字，GB/T 2260，如 370303）")))
        elif existing is None:
            reason = codes.region_code_problem(code)
            code_ok = reason is None
            if reason:
                problems.append(wrong(REGION_CODE, code, reason))
        elif not mine:
            problems.append(wrong(REGION_CODE, code, _("该代码已登记为其他地区，不能在此导入或修改")))
        if code and (earlier := self.duplicate(code, line)):
            problems.append(
                _("“行政区划代码”“%(code)s”与第 %(line)d 行重复。") % {"code": code, "line": earlier}
            )

        if not name:
            problems.append(empty(REGION_NAME, _("地区名称（如 张店区）")))
        elif len(name) > 64:
            problems.append(wrong(REGION_NAME, name, too_long(64)))

        level = choice(level_text, Region.Level.choices)
        if not level_text:
            problems.append(empty_choice(REGION_LEVEL, Region.Level.choices))
        elif level is None:
            problems.append(wrong(REGION_LEVEL, level_text, one_of(Region.Level.choices)))
        elif code_ok and (reason := codes.region_level_problem(code, level)):
            problems.append(
                _("“行政区划代码”为“%(code)s”，与“级别”（%(level)s）不符：%(reason)s。")
                % {"code": code, "level": Region.Level(level).label, "reason": reason}
            )

        parent = self.region(parent_code)
        if parent_code and parent is None:
            problems.append(wrong(REGION_PARENT, parent_code, NOT_FOUND_REGION))
        elif parent_code and parent_code == code:
            problems.append(wrong(REGION_PARENT, parent_code, _("不能是该地区自己")))
        elif (
            not parent_code
            and not self.scope.can_manage_top_level
            and not (mine and existing.parent_id is None)
        ):
            problems.append(
                _("“上级地区代码”不能为空：只有系统管理员可以导入没有上级的地区；应填写%(expected)s。")
                % {"expected": EXPECT_REGION}
            )

        changes: list[Change] = []
        if mine:
            old_parent = existing.parent.code if existing.parent else ""
            if parent_code != old_parent and (parent is not None or not parent_code):
                problems.append(
                    _("“上级地区代码”不能修改：该地区登记在“%(old)s”之下，导入不能移动地区。")
                    % {"old": old_parent or _("（无）")}
                )
            if level and level != existing.level:
                problems.append(
                    _("“级别”不能修改：该地区登记为%(old)s。") % {"old": existing.get_level_display()}
                )
            if name and name != existing.name:
                changes.append(Change(REGION_NAME, existing.name, name))
        elif parent is not None and level is not None:
            if codes.RANK[parent.level] >= codes.RANK[level]:
                problems.append(
                    _(
                        "“级别”为%(level)s，而上级地区“%(parent)s”是%(parent_level)s：上级地区的级别应高于本地区。"
                    )
                    % {
                        "level": Region.Level(level).label,
                        "parent": parent_code,
                        "parent_level": parent.get_level_display(),
                    }
                )
            elif code_ok and not code.startswith(prefix := codes.region_prefix(parent.code)):
                problems.append(
                    _(
                        "“行政区划代码”为“%(code)s”，"
                        "应以上级地区代码“%(parent)s”的前 %(n)d 位“%(prefix)s”开头（GB/T 2260 逐级编码）。"
                    )
                    % {"code": code, "parent": parent_code, "n": len(prefix), "prefix": prefix}
                )
        return problems, changes

    def before_save_instance(self, instance, row, **kwargs):
        self._check_region_in_scope(instance.parent)


class SchoolResource(ScopedResource):
    code = fields.Field(attribute="code", column_name=SCHOOL_CODE, widget=CodeWidget())
    name = fields.Field(attribute="name", column_name=SCHOOL_NAME)
    school_type = fields.Field(
        attribute="school_type",
        column_name=SCHOOL_TYPE,
        widget=LabelChoiceWidget(SchoolType.choices, SCHOOL_TYPE),
    )
    region = fields.Field(
        attribute="region",
        column_name=SCHOOL_REGION,
        widget=CodeForeignKeyWidget(Region, column=SCHOOL_REGION),
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

    def check_row(self, row, line):
        problems: list[str] = []
        code, name = row.get(SCHOOL_CODE, ""), row.get(SCHOOL_NAME, "")
        type_text, region_code = row.get(SCHOOL_TYPE, ""), row.get(SCHOOL_REGION, "")
        existing = School.objects.filter(code=code).select_related("region").first() if code else None
        mine = existing is not None and self.scope.can(Action.MANAGE, existing)
        code_ok = False
        if not code:
            problems.append(empty(SCHOOL_CODE, _("学校标识码（10 位数字，如 2137000001）")))
        elif existing is None:
            reason = codes.school_code_problem(code)
            code_ok = reason is None
            if reason:
                problems.append(wrong(SCHOOL_CODE, code, reason))
        elif not mine:
            problems.append(wrong(SCHOOL_CODE, code, _("该标识码已登记为其他学校，不能在此导入或修改")))
        if code and (earlier := self.duplicate(code, line)):
            problems.append(
                _("“学校标识码”“%(code)s”与第 %(line)d 行重复。") % {"code": code, "line": earlier}
            )

        if not name:
            problems.append(empty(SCHOOL_NAME, _("学校全称")))
        elif len(name) > 128:
            problems.append(wrong(SCHOOL_NAME, name, too_long(128)))

        school_type = choice(type_text, SchoolType.choices)
        if not type_text:
            problems.append(empty_choice(SCHOOL_TYPE, SchoolType.choices))
        elif school_type is None:
            problems.append(wrong(SCHOOL_TYPE, type_text, one_of(SchoolType.choices)))

        region = self.region(region_code)
        if not region_code:
            problems.append(empty(SCHOOL_REGION, EXPECT_REGION))
        elif region is None:
            problems.append(wrong(SCHOOL_REGION, region_code, NOT_FOUND_REGION))
        elif code_ok and code[2:4] != region.code[:2] and codes.region_code_problem(region.code) is None:
            problems.append(
                _(
                    "“学校标识码”为“%(code)s”，第 3–4 位省级代码“%(mine)s”"
                    "与“所属地区代码”%(region)s 的省级代码“%(theirs)s”不一致。"
                )
                % {"code": code, "mine": code[2:4], "region": region_code, "theirs": region.code[:2]}
            )

        changes: list[Change] = []
        if mine:
            if name and name != existing.name:
                changes.append(Change(SCHOOL_NAME, existing.name, name))
            if school_type and school_type != existing.school_type:
                new_type = str(SchoolType(school_type).label)
                changes.append(Change(SCHOOL_TYPE, existing.get_school_type_display(), new_type))
            if region and region.pk != existing.region_id:
                changes.append(
                    Change(
                        SCHOOL_REGION,
                        _("%(code)s（%(name)s）") % {"code": existing.region.code, "name": existing.region},
                        _("%(code)s（%(name)s）") % {"code": region.code, "name": region},
                    )
                )
        return problems, changes

    def before_save_instance(self, instance, row, **kwargs):
        self._check_region_in_scope(instance.region)


class MembershipResource(ScopedResource):
    """One row per membership; the user is created (or their name and e-mail updated) from the row
    first. A new user's initial password must be replaced at the first login."""

    username = fields.Field(
        attribute="user", column_name=USERNAME, widget=widgets.ForeignKeyWidget(get_user_model(), "username")
    )
    full_name = fields.Field(column_name=FULL_NAME, attribute="user__first_name", readonly=True)
    email = fields.Field(column_name=EMAIL, attribute="user__email", readonly=True)
    role = fields.Field(attribute="role", column_name=ROLE, widget=LabelChoiceWidget(Role.choices, ROLE))
    school = fields.Field(
        attribute="school",
        column_name=MEMBER_SCHOOL,
        widget=CodeForeignKeyWidget(School, column=MEMBER_SCHOOL),
    )
    region = fields.Field(
        attribute="region",
        column_name=MEMBER_REGION,
        widget=CodeForeignKeyWidget(Region, column=MEMBER_REGION),
    )

    class Meta:
        model = Membership
        fields = ("username", "full_name", "email", "role", "school", "region")
        import_id_fields = ("username", "role", "school", "region")
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = True

    def __init__(self, acting_user=None, **kwargs):
        super().__init__(acting_user=acting_user, **kwargs)
        self._people: dict[str, tuple[int, str, str]] = {}  # username → (first line, name, e-mail)

    def scope_q(self, scope: UserScope) -> Q:
        return scope.schools_q(Action.MANAGE, "school__") | scope.regions_q(Action.MANAGE, "region__")

    def check_row(self, row, line):
        problems: list[str] = []
        User = get_user_model()
        username, full_name, email = row.get(USERNAME, ""), row.get(FULL_NAME, ""), row.get(EMAIL, "")
        password, role_text = row.get(PASSWORD, ""), row.get(ROLE, "")
        school_code, region_code = row.get(MEMBER_SCHOOL, ""), row.get(MEMBER_REGION, "")

        user = User.objects.filter(username=username).first() if username else None
        mine = (
            user is not None and User.objects.filter(self.scope.users_q(Action.MANAGE), pk=user.pk).exists()
        )
        if not username:
            problems.append(empty(USERNAME, _("登录用的用户名（字母、数字或 @ . + - _）")))
        elif len(username) > 150 or not re.fullmatch(UnicodeUsernameValidator.regex, username):
            problems.append(wrong(USERNAME, username, _("应只含字母、数字和 @ . + - _，最多 150 个字符")))
        elif user is not None and not mine:
            problems.append(
                wrong(USERNAME, username, _("该用户名已被其他账号使用，不能在此导入或修改；请换一个用户名"))
            )
        if len(full_name) > 150:
            problems.append(wrong(FULL_NAME, full_name, too_long(150)))
        if email:
            try:
                validate_email(email)
            except ValidationError:
                problems.append(
                    wrong(EMAIL, email, _("应为有效的电子邮件地址（如 wang@example.cn），或留空"))
                )
        if username and user is None:
            if not password:
                problems.append(
                    _(
                        "“初始密码”不能为空：“%(username)s”是新用户，"
                        "应填写至少 8 个字符、不全是数字、不过于常见的密码。"
                    )
                    % {"username": username}
                )
            else:
                try:
                    validate_password(password, User(username=username, first_name=full_name, email=email))
                except ValidationError as exc:
                    problems.append(
                        _("“初始密码”不符合要求：%(reasons)s") % {"reasons": "".join(exc.messages)}
                    )
        if username in self._people:
            first, earlier_name, earlier_email = self._people[username]
            if full_name and earlier_name and full_name != earlier_name:
                problems.append(
                    _("“姓名”为“%(value)s”，与第 %(line)d 行同一用户的姓名“%(other)s”不同。")
                    % {"value": full_name, "line": first, "other": earlier_name}
                )
            if email and earlier_email and email != earlier_email:
                problems.append(
                    _("“邮箱”为“%(value)s”，与第 %(line)d 行同一用户的邮箱“%(other)s”不同。")
                    % {"value": email, "line": first, "other": earlier_email}
                )
        elif username:
            self._people[username] = (line, full_name, email)

        role = choice(role_text, Role.choices)
        if not role_text:
            problems.append(empty_choice(ROLE, Role.choices))
        elif role is None:
            problems.append(wrong(ROLE, role_text, one_of(Role.choices)))
        elif role == Role.SCHOOL_CIO:
            if not school_code:
                problems.append(
                    _("“学校标识码”不能为空：角色为学校信息化负责人时，应填写所负责学校的学校标识码。")
                )
            if region_code:
                problems.append(_("“地区代码”应留空：学校信息化负责人只关联学校，不关联地区。"))
        else:
            if not region_code:
                problems.append(
                    _("“地区代码”不能为空：角色为%(role)s时，应填写%(expected)s。")
                    % {"role": Role(role).label, "expected": EXPECT_REGION}
                )
            if school_code:
                problems.append(
                    _("“学校标识码”应留空：%(role)s关联地区，不关联学校。") % {"role": Role(role).label}
                )
        if school_code and not (
            (school := School.objects.filter(code=school_code).select_related("region").first())
            and self.scope.can(Action.MANAGE, school)
        ):
            problems.append(
                wrong(
                    MEMBER_SCHOOL,
                    school_code,
                    _("找不到该学校，或它不在您的管理范围内；应为已登记学校的 10 位学校标识码"),
                )
            )
        if region_code and self.region(region_code) is None:
            problems.append(wrong(MEMBER_REGION, region_code, NOT_FOUND_REGION))
        if username and (earlier := self.duplicate((username, role, school_code, region_code), line)):
            problems.append(_("该角色授权与第 %(line)d 行重复。") % {"line": earlier})

        changes: list[Change] = []
        if mine:
            if full_name and full_name != user.first_name:
                changes.append(Change(FULL_NAME, user.first_name, full_name))
            if email and email != user.email:
                changes.append(Change(EMAIL, user.email, email))
        return problems, changes

    def before_import_row(self, row, **kwargs):
        super().before_import_row(row, **kwargs)  # raises RowProblems unless the row is valid
        User = get_user_model()
        username = row[USERNAME]
        user = User.objects.filter(username=username).first()
        created = user is None
        if created:
            user = User(username=username)
            user.set_password(row[PASSWORD])
        user.first_name = row.get(FULL_NAME) or user.first_name
        user.email = row.get(EMAIL) or user.email
        user.full_clean(exclude=["password"])
        user.save()
        if created:
            password_assigned(user=user, acting_user=self.acting_user)

    def before_save_instance(self, instance, row, **kwargs):
        self._check_region_in_scope(instance.school.region if instance.school_id else instance.region)
