from django import forms
from django.utils.translation import gettext_lazy as _

from .models import KIND_CHOICES


class EvidenceSearchForm(forms.Form):
    q = forms.CharField(
        label=_("搜索"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"placeholder": _("文件名或 SHA-256 前缀"), "class": "form-control"}),
    )
    kind = forms.ChoiceField(
        label=_("类型"),
        required=False,
        choices=[("", _("全部类型")), *KIND_CHOICES],
        widget=forms.Select(attrs={"class": "form-select"}),
    )


class EvidenceLinkForm(forms.Form):
    """Shapes the add-link input; the service validates (http/https only) and saves."""

    title = forms.CharField(
        label=_("标题"),
        max_length=200,
        widget=forms.TextInput(attrs={"class": "form-control form-control-sm", "placeholder": _("链接标题")}),
    )
    url = forms.URLField(
        label=_("链接地址"),
        max_length=1000,
        assume_scheme="https",
        widget=forms.URLInput(attrs={"class": "form-control form-control-sm", "placeholder": "https://"}),
    )
