"""What every bulk-import resource shares: cells as text, messages that name the column and say
what is expected, the widgets, and `ScopedResource` (the whole-row check and the scope)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q
from django.utils import translation
from django.utils.functional import lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export import resources, widgets

from ..models import Region
from ..scoping import Action, UserScope, get_scope

# --- cells and messages ------------------------------------------------------------------------------


def cell(value) -> str:
    """A cell as text: stripped, "" when empty, whole numbers without the ".0" Excel gives them."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value).strip()
    return text[:-2] if re.fullmatch(r"\d+\.0", text) else text


class RowProblems(ValueError):
    """Every problem of one row, each naming its column: the row is not imported."""

    def __init__(self, messages: list[str]):
        super().__init__(_("；").join(messages))
        self.messages = list(messages)


@dataclass(frozen=True)
class Change:
    """One field of an existing record that the row changes."""

    column: str
    old: str
    new: str


def empty(column: str, expected: str) -> str:
    return _("“%(column)s”不能为空，应填写%(expected)s。") % {"column": column, "expected": expected}


def empty_choice(column: str, choices) -> str:
    return _("“%(column)s”不能为空，%(expected)s。") % {"column": column, "expected": one_of(choices)}


def wrong(column: str, value: str, reason: str) -> str:
    return _("“%(column)s”为“%(value)s”，%(reason)s。") % {"column": column, "value": value, "reason": reason}


def one_of(choices) -> str:
    return _("应为以下之一：%(options)s") % {"options": _("、").join(str(label) for _v, label in choices)}


labels = lazy(lambda choices: _("、").join(str(label) for _v, label in choices), str)


def too_long(limit: int) -> str:
    return _("最多 %(n)d 个字") % {"n": limit}


def choice(value: str, choices) -> str | None:
    """The stored value of a choice given by its label (in the page's language or any other the
    product speaks: a Chinese file uploaded from the English pages still imports), or by the stored
    value itself."""
    for stored, label in choices:
        if value in (stored, str(label)):
            return stored
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            for stored, label in choices:
                if value == str(label):
                    return stored
    return None


class LabelChoiceWidget(widgets.Widget):
    """Accepts either the Chinese label or the stored value of a choice; exports the label."""

    def __init__(self, choices, column: str):
        self.choices = list(choices)
        self.column = column
        super().__init__()

    def clean(self, value, row=None, **kwargs):
        value = cell(value)
        stored = choice(value, self.choices)
        if stored is None:
            raise ValueError(wrong(self.column, value, one_of(self.choices)))
        return stored

    def render(self, value, obj=None, **kwargs):
        return str(dict(self.choices).get(value, value or ""))


class CodeForeignKeyWidget(widgets.ForeignKeyWidget):
    """Looks a row's region/school up by code (rows are checked before, see `check_row`)."""

    def __init__(self, model, field="code", *, column: str):
        super().__init__(model, field=field)
        self.column = column

    def clean(self, value, row=None, **kwargs):
        value = cell(value)
        if not value:
            return None
        try:
            return self.get_queryset(value, row, **kwargs).get(**{self.field: value})
        except self.model.DoesNotExist:
            raise ValueError(
                _("“%(column)s”为“%(value)s”：找不到该记录。") % {"column": self.column, "value": value}
            ) from None


class CodeWidget(widgets.CharWidget):
    def clean(self, value, row=None, **kwargs):
        return cell(value)


# --- the resources ---------------------------------------------------------------------------------------


class ScopedResource(resources.ModelResource):
    """A resource that checks each whole row first (`check_row`) and refuses rows outside the acting
    commission user's region subtrees. Existing rows are looked up only among those the user manages
    (`scope_q`), and a refusal names nothing of another scope."""

    def __init__(self, acting_user=None, **kwargs):
        super().__init__(**kwargs)
        self.acting_user = acting_user
        #: line of the file (the header is line 1) → what the row changes in an existing record
        self.changes: dict[int, list[Change]] = {}
        self._first_line: dict[object, int] = {}  # key of a row → the first line that had it
        self._regions: dict[str, Region] = {}

    @property
    def scope(self) -> UserScope:
        return get_scope(self.acting_user)

    def scope_q(self, scope: UserScope) -> Q:
        raise NotImplementedError

    def check_row(self, row: dict, line: int) -> tuple[list[str], list[Change]]:
        """Every problem of the row (Chinese, naming the column) and the changes it makes."""
        raise NotImplementedError

    def column_of(self, attribute: str) -> str:
        """The Chinese header of the column behind a model attribute (for the library's own errors)."""
        for f in self.fields.values():
            if f.attribute == attribute or f.attribute == f"{attribute}_id":
                return f.column_name
        return ""

    def get_queryset(self):
        if self.acting_user is None:
            return super().get_queryset()
        return self._meta.model.objects.filter(self.scope_q(self.scope))

    def before_import_row(self, row, **kwargs):
        line = kwargs.get("row_number", 0) + 1
        for key in list(row):
            if key is not None:
                row[key] = cell(row[key])
        problems, changes = self.check_row(row, line)
        if problems:
            raise RowProblems(problems)
        self.changes[line] = changes

    def duplicate(self, key, line: int) -> int | None:
        """The earlier line of the file with the same key, else None (and remember this one)."""
        if key in self._first_line:
            return self._first_line[key]
        self._first_line[key] = line
        return None

    def region(self, code: str) -> Region | None:
        """The region `code` if the user manages it, else None (also when it does not exist)."""
        if not code:
            return None
        region = self._regions.get(code) or Region.objects.filter(code=code).select_related("parent").first()
        if region is None or not self.scope.can(Action.MANAGE, region):
            return None
        self._regions[code] = region
        return region

    def _check_region_in_scope(self, region: Region | None) -> None:
        """The last guard before a save, whatever `check_row` said."""
        if region is None:
            if not self.scope.can_manage_top_level:
                raise RowProblems([_("只有系统管理员可以创建顶级地区。")])
        elif not self.scope.can(Action.MANAGE, region):
            raise RowProblems([_("找不到该地区，或它不在您的管理范围内。")])


# The columns of the import files. They are the files' format (the header row Chinese Excel users
# fill in and upload), matched as written whatever the page's language, so they are not translated.
REGION_CODE, REGION_NAME, REGION_LEVEL, REGION_PARENT = (
    "行政区划代码",  # i18n: data
    "名称",  # i18n: data
    "级别",  # i18n: data
    "上级地区代码",  # i18n: data
)
SCHOOL_CODE, SCHOOL_NAME, SCHOOL_TYPE, SCHOOL_REGION = (
    "学校标识码",  # i18n: data
    "学校名称",  # i18n: data
    "学校类型",  # i18n: data
    "所属地区代码",  # i18n: data
)
USERNAME, FULL_NAME, EMAIL, PASSWORD, ROLE, MEMBER_SCHOOL, MEMBER_REGION = (
    "用户名",  # i18n: data
    "姓名",  # i18n: data
    "邮箱",  # i18n: data
    "初始密码",  # i18n: data
    "角色",  # i18n: data
    "学校标识码",  # i18n: data
    "地区代码",  # i18n: data
)
EXPECT_REGION = gettext_lazy("已有地区的 6 位行政区划代码（如 370303）")
NOT_FOUND_REGION = gettext_lazy("找不到该地区，或它不在您的管理范围内；应为已有地区的 6 位行政区划代码")
