from django import forms
from django.utils.translation import gettext_lazy as _

from indicators.equipment.catalog import DeviceSpec

from .models import ClassroomKind


class ClassroomForm(forms.Form):
    name = forms.CharField(label=_("教室名称"), max_length=64)
    kind = forms.ChoiceField(label=_("教室类型"), choices=ClassroomKind.choices)
    seats = forms.IntegerField(
        label=_("座位数"), required=False, min_value=0, max_value=1000, help_text=_("用于计算生机比，可留空")
    )
    building = forms.CharField(label=_("楼宇"), max_length=64, required=False)
    room = forms.CharField(label=_("房间号"), max_length=32, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class DeviceChoiceForm(forms.Form):
    """Step one of adding a device: which catalogue row (the next step asks for its specs)."""

    # the options are catalogue device names (data from the standard), shown as written
    device = forms.ChoiceField(
        label=_("设备"), widget=forms.Select(attrs={"class": "form-select", "lang": "zh-CN"})
    )

    def __init__(self, *args, devices: list[DeviceSpec], **kwargs):
        super().__init__(*args, **kwargs)
        choices, runs = [("", _("请选择设备"))], {}
        for device in devices:
            runs.setdefault(device.category, []).append((device.code, f"{device.order} {device.name}"))
        choices += list(runs.items())
        self.fields["device"].choices = choices


class DeviceForm(forms.Form):
    """Count, year and one text field per spec of the device (`spec_<n>`, labelled with the spec's
    requirement); values are parsed by the service, which names the spec when it cannot read one."""

    count = forms.IntegerField(label=_("数量"), min_value=1, max_value=1000, initial=1)
    year = forms.IntegerField(label=_("购置年份"), required=False, min_value=1980, max_value=2100)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, device: DeviceSpec, **kwargs):
        super().__init__(*args, **kwargs)
        self.device = device
        for index, threshold in enumerate(device.specs):
            self.fields[f"spec_{index}"] = forms.CharField(
                label=threshold.what,
                required=False,
                max_length=40,
                help_text=_("要求：%(t)s；未填写记为未核实") % {"t": threshold},
            )

    @property
    def spec_fields(self):
        return [self[f"spec_{i}"] for i in range(len(self.device.specs))]

    def measured(self) -> dict[str, str]:
        return {t.what: self.cleaned_data.get(f"spec_{i}") or "" for i, t in enumerate(self.device.specs)}

    def field_for(self, what: str) -> str:
        for index, threshold in enumerate(self.device.specs):
            if threshold.what == what:
                return f"spec_{index}"
        return "__all__"


class AttachForm(forms.Form):
    """A file of the school's library; `files` are those the user may attach (anything else is
    answered like an id that does not exist)."""

    file = forms.ModelChoiceField(label=_("从本校材料库选择文件"), queryset=None, empty_label=_("请选择文件"))

    def __init__(self, *args, files, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].queryset = files
