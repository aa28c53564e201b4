"""Forms of the assessments pages: list filters, bulk import, campaigns and deadline extensions.

Every form renders through `templates/assessments/_field.html`: `BootstrapForm` gives Django's
widgets Bootstrap's classes and marks a field with errors (`is-invalid`, `aria-invalid`), so an
error always appears next to its field and nothing depends on a script to look right."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from indicators.choices import PassRule
from indicators.models import Framework

from .models import AssessmentStatus, Region, SchoolType
from .models.notifications import Notification
from .models.results import GRADE_LABEL_MAX_LENGTH


class BootstrapForm(forms.Form):
    """Bootstrap classes on every widget; fields with errors get `is-invalid` and `aria-invalid`."""

    compact = False  # filter bars: the small variants of the controls

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            widget = field.widget
            if isinstance(widget, forms.HiddenInput):
                continue
            if isinstance(widget, forms.CheckboxInput | forms.CheckboxSelectMultiple | forms.RadioSelect):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select form-select-sm" if self.compact else "form-select"
            else:
                css = "form-control form-control-sm" if self.compact else "form-control"
            widget.attrs["class"] = " ".join(filter(None, [widget.attrs.get("class"), css]))
            if field.help_text:
                widget.attrs.setdefault("aria-describedby", f"{self.auto_id % name}_help")

    def full_clean(self):
        super().full_clean()
        self.mark_invalid()

    def add_error(self, field, error):
        super().add_error(field, error)
        self.mark_invalid()

    @property
    def visible_fields_with_errors(self) -> list:
        """The shown fields that carry errors (each shows its own message beside it)."""
        return [f for f in self.visible_fields() if f.errors]

    def mark_invalid(self) -> None:
        for name in self.errors:
            if name in self.fields:
                attrs = self.fields[name].widget.attrs
                if "is-invalid" not in attrs.get("class", ""):
                    attrs["class"] = f"{attrs.get('class', '')} is-invalid".strip()
                attrs["aria-invalid"] = "true"


class FilterForm(BootstrapForm):
    """A list's filter bar (GET): a search box and the list's own choices; invalid values are ignored."""

    compact = True
    q = forms.CharField(label=_("搜索"), required=False, max_length=100)

    def filters(self) -> dict:
        """The valid filters, for the list's selector."""
        if not self.is_bound or not self.is_valid():
            return {}
        return {k: v for k, v in self.cleaned_data.items() if v not in (None, "", [])}

    @property
    def active(self) -> bool:
        return bool(self.filters())


def _region_choices(regions, empty) -> list[tuple[str, str]]:
    choices = [("", empty)]
    if regions is not None:
        choices += [
            (r.code, f"— {r.name}" if r.level == Region.Level.DISTRICT else r.name)
            for r in regions.order_by("path")
        ]
    return choices


class SchoolFilterForm(FilterForm):
    region = forms.ChoiceField(label=_("地区"), required=False)
    school_type = forms.ChoiceField(
        label=_("类型"), required=False, choices=[("", _("全部类型")), *SchoolType.choices]
    )

    def __init__(self, *args, regions=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["q"].widget.attrs["placeholder"] = _("学校名称或标识码")
        self.fields["region"].choices = _region_choices(regions, _("全部地区"))


class RegionFilterForm(FilterForm):
    level = forms.ChoiceField(
        label=_("级别"), required=False, choices=[("", _("全部级别")), *Region.Level.choices]
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["q"].widget.attrs["placeholder"] = _("地区名称或代码")


class CampaignFilterForm(FilterForm):
    year = forms.TypedChoiceField(label=_("年度"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args, years=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["q"].widget.attrs["placeholder"] = _("活动名称")
        self.fields["year"].choices = [("", _("全部年度")), *[(y, str(y)) for y in years]]


class AssessmentFilterForm(FilterForm):
    """The assessments of a list (all of the user's, or one campaign's): school, region, status, type."""

    campaign = forms.TypedChoiceField(label=_("自评活动"), required=False, coerce=int, empty_value=None)
    region = forms.ChoiceField(label=_("地区"), required=False)
    status = forms.ChoiceField(
        label=_("状态"), required=False, choices=[("", _("全部状态")), *AssessmentStatus.choices]
    )
    school_type = forms.ChoiceField(
        label=_("学校类型"), required=False, choices=[("", _("全部类型")), *SchoolType.choices]
    )

    def __init__(self, *args, regions=None, campaigns=None, school_types=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["q"].widget.attrs["placeholder"] = _("学校名称或标识码")
        self.fields["region"].choices = _region_choices(regions, _("全部地区"))
        if campaigns is None:
            del self.fields["campaign"]
        else:
            self.fields["campaign"].choices = [("", _("全部活动")), *[(c.pk, c.title) for c in campaigns]]
        if school_types is not None:
            self.fields["school_type"].choices = [
                ("", _("全部类型")),
                *[(t.value, t.label) for t in school_types],
            ]


class ReviewQueueFilterForm(FilterForm):
    """The reviewer's queue: the same filters as the API's (`campaign`, `district`, `status`,
    `deadline`) and the school's name or code, and its type."""

    campaign = forms.TypedChoiceField(label=_("自评活动"), required=False, coerce=int, empty_value=None)
    district = forms.ChoiceField(label=_("区县"), required=False)
    status = forms.ChoiceField(label=_("状态"), required=False)
    school_type = forms.ChoiceField(
        label=_("学校类型"), required=False, choices=[("", _("全部类型")), *SchoolType.choices]
    )
    deadline = forms.ChoiceField(
        label=_("评审截止"),
        required=False,
        choices=[("", _("不限")), ("week", _("7 天内截止")), ("overdue", _("已过截止时间"))],
    )

    def __init__(self, *args, campaigns=(), districts=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["q"].widget.attrs["placeholder"] = _("学校名称或标识码")
        self.fields["campaign"].choices = [("", _("全部活动")), *[(c.pk, c.title) for c in campaigns]]
        self.fields["district"].choices = [("", _("全部区县")), *[(d.code, d.name) for d in districts]]
        self.fields["status"].choices = [
            ("", _("全部状态")),
            *[(s, label) for s, label in AssessmentStatus.choices if s in AssessmentStatus.in_review()],
        ]


class NotificationFilterForm(FilterForm):
    unread = forms.ChoiceField(
        label=_("显示"), required=False, choices=[("", _("全部通知")), ("1", _("只看未读"))]
    )
    kind = forms.ChoiceField(
        label=_("类型"), required=False, choices=[("", _("全部类型")), *Notification.Kind.choices]
    )


class ImportUploadForm(BootstrapForm):
    file = forms.FileField(
        label=_("Excel 或 CSV 文件"),
        help_text=_("支持 .xlsx 与 .csv（UTF-8 或 Excel 默认的 GBK 编码）。请先下载模板，按模板填写。"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )

    def clean_file(self):
        f = self.cleaned_data["file"]
        limit = settings.IMPORT_MAX_UPLOAD_MB * 1024 * 1024
        if f.size > limit:
            raise forms.ValidationError(
                _("文件过大：上限为 %(mb)d MB。") % {"mb": settings.IMPORT_MAX_UPLOAD_MB}
            )
        if f.size == 0:
            raise forms.ValidationError(_("文件为空。"))
        return f


# --- campaigns and assessments ---------------------------------------------------------------------


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class FrameworkChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Framework) -> str:
        parts = [obj.get_school_level_display(), obj.get_scoring_display()]
        if obj.region:
            parts.insert(0, obj.region)
        return _("%(name)s（%(details)s）") % {"name": obj.name, "details": " · ".join(str(p) for p in parts)}


class CampaignScopeForm(BootstrapForm):
    """Which schools a campaign covers: by region and school type, or an explicit list of codes.
    `school_types` offers only the types the campaign's framework applies to, when it is known."""

    scope_region = forms.ModelChoiceField(
        label=_("学校所在地区"),
        queryset=None,
        required=False,
        empty_label=_("主管地区内全部学校"),
        help_text=_("不选表示主管地区内全部学校"),
    )
    school_types = forms.MultipleChoiceField(
        label=_("学校类型"),
        choices=SchoolType.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("不选表示所有适用的类型"),
    )
    school_codes = forms.CharField(
        label=_("或：学校标识码清单"),
        required=False,
        widget=forms.Textarea(
            attrs={"rows": 3, "placeholder": _("每行一个，或用逗号分隔；填写后忽略上面的地区和类型")}
        ),
    )

    def __init__(self, *args, regions=None, framework: Framework | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["scope_region"].queryset = regions
        if framework is not None:
            self.fields["school_types"].choices = [
                (t.value, t.label) for t in SchoolType.for_level(framework.school_level)
            ]

    def codes(self) -> list[str]:
        raw = self.cleaned_data.get("school_codes") or ""
        raw = raw.replace("，", "\n")  # i18n: data (the full-width comma users type)
        return [c for c in raw.replace(",", "\n").split() if c]

    def clean_school_types_for(self, framework: Framework | None) -> None:
        """Chosen school types that the framework does not apply to are an error on the field."""
        chosen = self.cleaned_data.get("school_types") or []
        if framework is None or not chosen:
            return
        fitting = {t.value for t in SchoolType.for_level(framework.school_level)}
        unfit = [SchoolType(t).label for t in chosen if t not in fitting]
        if unfit:
            self.add_error(
                "school_types",
                _("“%(fw)s”适用于%(level)s，不能选择：%(types)s")
                % {
                    "fw": framework.name,
                    "level": framework.get_school_level_display(),
                    "types": _("、").join(str(u) for u in unfit),
                },
            )


class CampaignForm(CampaignScopeForm):
    """A new campaign: the framework (only those that fit the commission's region), year, title, the
    owning region, two deadlines (a date already past needs `past_deadline_ok`), and the schools."""

    framework = FrameworkChoiceField(label=_("指标体系"), queryset=None, empty_label=_("请选择指标体系"))
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    title = forms.CharField(label=_("名称"), max_length=200)
    region = forms.ModelChoiceField(label=_("主管地区"), queryset=None, empty_label=_("请选择主管地区"))
    self_deadline = forms.DateField(
        label=_("自评截止日期"), widget=DateInput, help_text=_("当天 23:59（北京时间）截止")
    )
    review_deadline = forms.DateField(
        label=_("评审截止日期"), widget=DateInput, help_text=_("不早于自评截止日期")
    )
    past_deadline_ok = forms.BooleanField(
        label=_("确认使用已经过去的截止日期（学校将无法再提交，除非单独延期）"), required=False
    )

    field_order = [
        "framework",
        "year",
        "title",
        "region",
        "self_deadline",
        "review_deadline",
        "past_deadline_ok",
    ]
    MAIN_FIELDS = ("framework", "year", "title", "region", "self_deadline", "review_deadline")

    def __init__(
        self, *args, frameworks=None, owner_regions=None, regions=None, framework_fits=None, **kwargs
    ):
        super().__init__(*args, regions=regions, **kwargs)
        self.fields["framework"].queryset = frameworks
        self.fields["region"].queryset = owner_regions
        if owner_regions is not None and len(owner_regions) == 1:
            self.fields["region"].initial = owner_regions[0].pk
        # framework_fits(framework, region) -> bool: the region rule of `campaign_framework_list`
        self.framework_fits = framework_fits

    @property
    def main_fields(self):
        return [self[name] for name in self.MAIN_FIELDS]

    @property
    def needs_past_confirmation(self) -> bool:
        """Show the confirmation checkbox: a deadline is in the past (or it was ticked already)."""
        return "past_deadline_ok" in self.errors or bool(self.data.get("past_deadline_ok"))

    def clean(self):
        data = super().clean()
        framework, region = data.get("framework"), data.get("region")
        if framework and region and self.framework_fits and not self.framework_fits(framework, region):
            self.add_error(
                "framework",
                _("“%(fw)s”由%(by)s发布，不适用于%(region)s。")
                % {"fw": framework.name, "by": framework.region, "region": region.name},
            )
        self.clean_school_types_for(framework)
        self_deadline, review_deadline = data.get("self_deadline"), data.get("review_deadline")
        if self_deadline and review_deadline and review_deadline < self_deadline:
            self.add_error("review_deadline", _("评审截止日期不能早于自评截止日期。"))
        today = timezone.localdate()
        if self_deadline and self_deadline < today and not data.get("past_deadline_ok"):
            self.add_error(
                "self_deadline",
                _("自评截止日期 %(d)s 已经过去。如确需使用，请勾选下方的确认。")
                % {"d": self_deadline.isoformat()},
            )
            self.add_error("past_deadline_ok", _("请确认使用已经过去的截止日期。"))
        return data


class DeadlineExtensionForm(BootstrapForm):
    new_deadline = forms.DateField(
        label=_("新的截止日期"), widget=DateInput, help_text=_("当天 23:59（北京时间）截止")
    )
    reason = forms.CharField(label=_("延期原因"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3}))


# --- review -----------------------------------------------------------------------------------------


class ReviewFinaliseForm(BootstrapForm):
    """The overall conclusion written when finalising; the service decides whether it is enough."""

    conclusion = forms.CharField(
        label=_("总体评审意见"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": 4000}),
        help_text=_("对本校智慧校园建设的总体评价、主要问题和改进建议；定稿后学校和教委可见。"),
    )


class ReviewerAssignForm(BootstrapForm):
    """The reviewer picked in the searchable list (a user id; the view looks it up among the
    candidates the selector offers), and whether they lead the review."""

    reviewer = forms.IntegerField(
        label=_("评审专家"),
        widget=forms.HiddenInput,
        error_messages={"required": _("请从列表中选择一位评审专家。")},
    )
    lead = forms.BooleanField(label=_("主评专家"), required=False)


class ReviewReopenForm(BootstrapForm):
    reason = forms.CharField(
        label=_("重新打开的原因"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("原因会记录在修改记录中，并通知学校和评审专家。"),
    )


# --- result rules -----------------------------------------------------------------------------------

GRADE_ROWS = 5


class ResultRuleForm(BootstrapForm):
    """A campaign's result rule as the commission edits it: percents throughout (the target share
    too), grade bands as fixed rows (blank rows are left out), the framework's dimensions and items
    to leave out of the decision. The rule itself is validated by `services.rule_save`."""

    pass_rule = forms.ChoiceField(label=_("判定方式"))
    pass_min_percent = forms.DecimalField(
        label=_("合格线（%）"),
        required=False,
        min_value=0,
        max_value=100,
        decimal_places=2,
        help_text=_("计分制为得分率；达标制“最低达标指数”为达标指数 × 100。"),
    )
    excluded = forms.MultipleChoiceField(
        label=_("不计入达标判定的指标"), required=False, widget=forms.CheckboxSelectMultiple
    )
    target_share = forms.DecimalField(
        label=_("目标达标率（%）"),
        required=False,
        min_value=0,
        max_value=100,
        decimal_places=1,
        help_text=_("全市希望达标的学校比例。"),
    )
    reason = forms.CharField(
        label=_("修改原因"), required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, scoring: str, nodes, locked: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.locked = locked
        self.fields["pass_rule"].choices = [(r.value, r.label) for r in PassRule.for_scoring(scoring)]
        self.fields["excluded"].choices = _excluded_choices(nodes)
        if locked:
            self.fields["reason"].required = True
            self.fields["reason"].error_messages["required"] = _("规则已锁定，修改须填写原因。")
        for n in range(1, GRADE_ROWS + 1):
            label = forms.CharField(label=_("等级名称"), required=False, max_length=GRADE_LABEL_MAX_LENGTH)
            minimum = forms.DecimalField(
                label=_("最低得分率（%）"), required=False, min_value=0, max_value=100, decimal_places=2
            )
            for name, field in ((f"grade_label_{n}", label), (f"grade_min_{n}", minimum)):
                field.widget.attrs["class"] = "form-control form-control-sm"
                self.fields[name] = field

    @classmethod
    def initial_for(cls, rule) -> dict:
        """The form's initial values from the rule in force (None: nothing set yet)."""
        if rule is None:
            return {}
        initial = {
            "pass_rule": rule.pass_rule,
            "pass_min_percent": rule.pass_min_percent,
            "excluded": list(rule.excluded or []),
            "target_share": None if rule.target_share is None else (rule.target_share * 100).normalize(),
        }
        for n, band in enumerate(rule.grades or [], start=1):
            if n > GRADE_ROWS:
                break
            initial[f"grade_label_{n}"] = band.get("label", "")
            initial[f"grade_min_{n}"] = band.get("min_percent")
        return initial

    def grade_rows(self) -> list[tuple]:
        """(label field, minimum field) of every grade row, for the template."""
        return [(self[f"grade_label_{n}"], self[f"grade_min_{n}"]) for n in range(1, GRADE_ROWS + 1)]

    def clean(self):
        data = super().clean()
        grades = []
        for n in range(1, GRADE_ROWS + 1):
            label = (data.get(f"grade_label_{n}") or "").strip()
            minimum = data.get(f"grade_min_{n}")
            if f"grade_min_{n}" in self.errors or f"grade_label_{n}" in self.errors:
                continue
            if not label and minimum is None:
                continue
            if not label:
                self.add_error(f"grade_label_{n}", _("请填写等级名称。"))
            elif minimum is None:
                self.add_error(f"grade_min_{n}", _("请填写最低得分率。"))
            else:
                grades.append({"label": label, "min_percent": float(minimum)})
        data["grades"] = grades
        return data

    def rule_values(self) -> dict:
        """The cleaned values as `services.rule_save` takes them."""
        data = self.cleaned_data
        share = data.get("target_share")
        return {
            "pass_rule": data["pass_rule"],
            "pass_min_percent": data.get("pass_min_percent"),
            "grades": data["grades"],
            "excluded": data.get("excluded") or [],
            "target_share": None if share is None else share / 100,
            "reason": data.get("reason") or "",
        }


def _excluded_choices(nodes) -> list[tuple[str, str]]:
    """The first-level dimensions (the whole dimension) and the items (leaves), in tree order."""
    parents = {n.parent_id for n in nodes}
    choices = []
    for node in nodes:
        if node.level == 1:
            choices.append((node.code, _("%(c)s %(t)s（整个维度）") % {"c": node.code, "t": node.title}))
        elif node.pk not in parents:
            title = node.title if len(node.title) <= 40 else f"{node.title[:40]}…"
            choices.append((node.code, f"{node.code} {title}"))
    return choices


# --- city acceptance and re-check sampling -----------------------------------------------------------


class AcceptanceSendBackForm(BootstrapForm):
    reason = forms.CharField(
        label=_("退回原因"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("区县评审专家在评审工作台上看到此原因，重新评审后再次定稿。"),
    )


class SampleForm(BootstrapForm):
    """The parameters of a draw; `services.sample_params_clean` checks them (the same as the
    `draw_sample` command)."""

    method = forms.ChoiceField(
        label=_("抽样方法"), choices=[("simple", _("简单随机抽样")), ("stratified", _("分层随机抽样"))]
    )
    strata = forms.MultipleChoiceField(
        label=_("分层依据"),
        required=False,
        choices=[("district", _("区县")), ("school_type", _("学校类型"))],
        widget=forms.CheckboxSelectMultiple,
    )
    rate = forms.CharField(
        label=_("抽样比例"), required=False, help_text=_("0 到 1 之间，如 0.2；每层向上取整，至少 1 所")
    )
    per_stratum = forms.CharField(label=_("或每层抽取数"), required=False)
    seed = forms.CharField(
        label=_("随机种子"), help_text=_("已随机生成，可修改；同一种子和参数总是抽到同样的学校")
    )
    manual = forms.CharField(
        label=_("人工增补的学校"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("学校标识码，以逗号、空格或换行分隔"),
    )
