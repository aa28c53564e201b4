from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from .models import SchoolType


class SchoolFilterForm(forms.Form):
    q = forms.CharField(
        label=_("搜索"), required=False, widget=forms.TextInput(attrs={"placeholder": _("学校名称或标识码")})
    )
    region = forms.ChoiceField(label=_("地区"), required=False)
    school_type = forms.ChoiceField(
        label=_("类型"), required=False, choices=[("", _("全部类型")), *SchoolType.choices]
    )

    def __init__(self, *args, regions=None, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", _("全部地区"))]
        if regions is not None:
            choices += [
                (r.code, r.name if r.level != "district" else f"— {r.name}") for r in regions.order_by("path")
            ]
        self.fields["region"].choices = choices


class ImportUploadForm(forms.Form):
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


class CampaignScopeForm(forms.Form):
    """Which schools a campaign covers: by region and school type, or an explicit list of codes."""

    scope_region = forms.ModelChoiceField(label=_("学校所在地区"), queryset=None, required=False)
    school_types = forms.MultipleChoiceField(
        label=_("学校类型"),
        choices=SchoolType.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
        help_text=_("不选表示所有类型"),
    )
    school_codes = forms.CharField(
        label=_("或：学校标识码清单"),
        required=False,
        widget=forms.Textarea(
            attrs={"rows": 3, "placeholder": _("每行一个，或用逗号分隔；填写后忽略上面的地区和类型")}
        ),
    )

    def __init__(self, *args, regions=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["scope_region"].queryset = regions

    def codes(self) -> list[str]:
        raw = self.cleaned_data.get("school_codes") or ""
        return [c for c in raw.replace(",", "\n").replace("，", "\n").split() if c]


class CampaignForm(CampaignScopeForm):
    framework = forms.ModelChoiceField(label=_("指标体系"), queryset=None)
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    title = forms.CharField(label=_("名称"), max_length=200)
    region = forms.ModelChoiceField(label=_("主管地区"), queryset=None)
    self_deadline = forms.DateField(
        label=_("自评截止日期"), widget=DateInput, help_text=_("当天 23:59（北京时间）截止")
    )
    review_deadline = forms.DateField(label=_("评审截止日期"), widget=DateInput)

    field_order = ["framework", "year", "title", "region", "self_deadline", "review_deadline"]

    def __init__(self, *args, frameworks=None, owner_regions=None, regions=None, **kwargs):
        super().__init__(*args, regions=regions, **kwargs)
        self.fields["framework"].queryset = frameworks
        self.fields["region"].queryset = owner_regions

    def clean(self):
        data = super().clean()
        if (
            data.get("self_deadline")
            and data.get("review_deadline")
            and data["review_deadline"] < data["self_deadline"]
        ):
            self.add_error("review_deadline", _("评审截止日期不能早于自评截止日期。"))
        return data


class DeadlineExtensionForm(forms.Form):
    new_deadline = forms.DateField(
        label=_("新的截止日期"), widget=DateInput, help_text=_("当天 23:59（北京时间）截止")
    )
    reason = forms.CharField(label=_("延期原因"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3}))
