"""The report jobs list's filters (the same filter bar as every list)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from assessments.forms import FilterForm

from .models import JobKind, JobStatus


class JobFilterForm(FilterForm):
    kind = forms.ChoiceField(label=_("报告"), required=False, choices=[("", _("全部报告")), *JobKind.choices])
    status = forms.ChoiceField(
        label=_("状态"), required=False, choices=[("", _("全部状态")), *JobStatus.choices]
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["q"].widget.attrs["placeholder"] = _("活动、学校或地区")
