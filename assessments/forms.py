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
        help_text=_("支持 .xlsx 与 .csv（UTF-8）。请先下载模板，按模板填写。"),
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
