"""Forms of the visit and publication pages: each validates what one service takes."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import PUBLISHED_FIELDS, TEXT_MAX_LENGTH, FindingVerdict, Visibility


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (the photos of a finding)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/jpeg,image/png"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, (list, tuple)):
            return [super(MultipleFileField, self).clean(d, initial) for d in data]
        return [super().clean(data, initial)] if data else []


class VisitForm(forms.Form):
    date = forms.DateField(
        label=_("核验日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    team = forms.TypedMultipleChoiceField(
        label=_("核验组成员"), coerce=int, widget=forms.CheckboxSelectMultiple
    )
    items = forms.TypedMultipleChoiceField(
        label=_("核验条目"), coerce=int, widget=forms.CheckboxSelectMultiple
    )
    note = forms.CharField(
        label=_("说明"), max_length=TEXT_MAX_LENGTH, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, team_choices=(), item_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].choices = list(team_choices)
        self.fields["items"].choices = list(item_choices)


class FindingForm(forms.Form):
    verdict = forms.ChoiceField(label=_("核验结论"), choices=FindingVerdict.choices)
    text = forms.CharField(
        label=_("核验情况"),
        max_length=TEXT_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    photos = MultipleFileField(label=_("现场照片（JPEG/PNG，存入学校材料库）"), required=False)


class SheetForm(forms.Form):
    sheet = forms.FileField(
        label=_("签字核验单（PDF）"), widget=forms.ClearableFileInput(attrs={"accept": "application/pdf"})
    )


class RectifyForm(forms.Form):
    action = forms.CharField(
        label=_("整改要求"), max_length=TEXT_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 2})
    )
    due_date = forms.DateField(
        label=_("整改期限"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )


class AdjustForm(forms.Form):
    score = forms.DecimalField(label=_("调整后得分"), required=False, max_digits=6, decimal_places=2)
    status = forms.CharField(label=_("调整后达标情况"), required=False, max_length=20)


class PublicationForm(forms.Form):
    fields_shown = forms.MultipleChoiceField(
        label=_("公示内容"),
        choices=PUBLISHED_FIELDS,
        widget=forms.CheckboxSelectMultiple,
        initial=["show_pass"],
    )
    visibility = forms.ChoiceField(
        label=_("公示范围"), choices=Visibility.choices, widget=forms.RadioSelect, initial=Visibility.LOGIN
    )
    window_start = forms.DateField(
        label=_("申辩开始日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    window_end = forms.DateField(
        label=_("申辩截止日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )


class ObjectionForm(forms.Form):
    node = forms.IntegerField(required=False, widget=forms.HiddenInput)
    reason = forms.CharField(
        label=_("申辩理由"), max_length=TEXT_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 2})
    )
    files = forms.TypedMultipleChoiceField(
        label=_("证明材料（从本校材料库选择，可选）"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, files_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["files"].choices = list(files_choices)


class DecisionForm(forms.Form):
    reason = forms.CharField(
        label=_("处理意见"), max_length=TEXT_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 2})
    )
