"""Forms of the rectification pages: each validates what one service takes."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import TEXT_MAX_LENGTH, RectificationSource


class VersionedForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)


class PlanForm(VersionedForm):
    responsible = forms.CharField(label=_("整改责任人"), max_length=100)
    plan = forms.CharField(
        label=_("整改方案"), max_length=TEXT_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 4})
    )


class CompleteForm(VersionedForm):
    report = forms.CharField(
        label=_("整改情况说明"), max_length=TEXT_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 4})
    )
    files = forms.TypedMultipleChoiceField(
        label=_("证明材料（从本校材料库选择）"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, files_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["files"].choices = list(files_choices)


class CommentForm(VersionedForm):
    comment = forms.CharField(
        label=_("意见"), max_length=TEXT_MAX_LENGTH, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ProposalRowForm(forms.Form):
    """One row of the proposed list on the confirmation page."""

    include = forms.BooleanField(label=_("列入"), required=False, initial=True)
    node = forms.IntegerField(widget=forms.HiddenInput)
    source = forms.ChoiceField(label=_("来源"), choices=RectificationSource.choices)
    problem = forms.CharField(
        label=_("存在问题"), max_length=TEXT_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 2})
    )
    action = forms.CharField(
        label=_("整改要求"), max_length=TEXT_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 2})
    )
    # an <input type="date"> shows only an ISO date: the localised format would leave it empty
    due_date = forms.DateField(
        label=_("整改期限"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # a row left out of the list need not be filled in
        if self.is_bound and not self.fields["include"].widget.value_from_datadict(
            self.data, self.files, self.add_prefix("include")
        ):
            for name in ("problem", "action", "due_date"):
                self.fields[name].required = False


ProposalFormSet = forms.formset_factory(ProposalRowForm, extra=0, max_num=1000, validate_max=True)
