"""Serializers validate and shape; the views call one service each."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from assessments.scoping import Action
from assessments.selectors import school_list
from indicators.models import ConfigRule
from smartcampus.fields import ScopedPrimaryKeyField

from .. import selectors
from ..models import Classroom, ClassroomDevice, ClassroomKind


class ClassroomSerializer(serializers.ModelSerializer):
    """A classroom with its stored check (`status`: met / unverified / not_met)."""

    school = ScopedPrimaryKeyField(school_list, action=Action.EDIT)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    catalog = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Classroom
        fields = (
            "id",
            "school",
            "catalog",
            "name",
            "kind",
            "kind_display",
            "seats",
            "building",
            "room",
            "status",
            "status_display",
            "interactive",
            "networked",
            "version",
            "updated_at",
        )
        read_only_fields = ("id", "status", "interactive", "networked", "version", "updated_at")
        validators = []  # a duplicate name is the service's business (400 on `name`)


class ClassroomUpdateSerializer(serializers.Serializer):
    """PATCH input: `version` (the one the client read) and any of the classroom's own fields."""

    version = serializers.IntegerField()
    name = serializers.CharField(max_length=64, required=False)
    kind = serializers.ChoiceField(choices=ClassroomKind.choices, required=False)
    seats = serializers.IntegerField(min_value=0, max_value=1000, required=False, allow_null=True)
    building = serializers.CharField(max_length=64, required=False, allow_blank=True)
    room = serializers.CharField(max_length=32, required=False, allow_blank=True)


class ThresholdSerializer(serializers.Serializer):
    what = serializers.CharField()
    requirement = serializers.CharField(help_text=_("如“屏幕尺寸 ≥ 80 英寸”"))
    measured = serializers.JSONField(allow_null=True)
    status = serializers.CharField(help_text="met / not_met / unverified")


class ClassroomCheckSerializer(serializers.Serializer):
    """The check computed now (the checklist page's numbers)."""

    status = serializers.CharField(help_text="met / unverified / not_met")
    failures = serializers.ListField(child=serializers.CharField())
    groups = serializers.ListField(child=serializers.DictField())
    devices = serializers.ListField(child=serializers.DictField())
    seat_ratio = serializers.DictField(allow_null=True)


class ClassroomDetailSerializer(ClassroomSerializer):
    check = serializers.SerializerMethodField()

    class Meta(ClassroomSerializer.Meta):
        fields = (*ClassroomSerializer.Meta.fields, "check")

    @extend_schema_field(ClassroomCheckSerializer)
    def get_check(self, obj: Classroom) -> dict:
        result = selectors.classroom_check_get(classroom=obj)
        ratio = result.seat_ratio
        return {
            "status": result.status.value,
            "failures": result.failures,
            "groups": [
                {
                    "group": g.group,
                    "rule": g.rule,
                    "members": [m.code for m in g.members],
                    "present": [m.code for m in g.present],
                    "status": g.status.value,
                }
                for g in result.groups
            ],
            "devices": [
                {
                    "device": r.device.code,
                    "name": r.device.name,
                    "rule": r.device.rule,
                    "count": r.count,
                    "status": r.status.value,
                    "thresholds": [
                        {
                            "what": t.threshold.what,
                            "requirement": str(t.threshold),
                            "measured": list(t.measured) if isinstance(t.measured, tuple) else t.measured,
                            "status": t.status.value,
                        }
                        for e in r.entries
                        for t in e.thresholds
                    ],
                }
                for r in result.devices
                if r.present or r.device.rule == ConfigRule.REQUIRED
            ],
            "seat_ratio": None
            if ratio is None
            else {
                "device": ratio.device.code,
                "terminals": ratio.terminals,
                "seats": ratio.seats,
                "ratio": float(ratio.ratio) if ratio.ratio is not None else None,
                "one_to_one": ratio.one_to_one,
            },
        }


@extend_schema_field(
    {
        "type": "object",
        "additionalProperties": {"oneOf": [{"type": "number"}, {"type": "string"}, {"type": "array"}]},
        "description": _('按参数名（what）填写的实测值，如 {"屏幕尺寸": "86", "分辨率": "3840×2160"}'),
    }
)
class MeasuredField(serializers.DictField):
    pass


class ClassroomDeviceSerializer(serializers.ModelSerializer):
    """A device row; `device` is the catalogue device's code (`interactive-panel`…)."""

    classroom = ScopedPrimaryKeyField(selectors.classroom_list, action=Action.EDIT)
    device = serializers.SlugRelatedField(slug_field="code", read_only=True)
    device_name = serializers.CharField(source="device.name", read_only=True)
    measured = MeasuredField(required=False)

    class Meta:
        model = ClassroomDevice
        fields = (
            "id",
            "classroom",
            "device",
            "device_name",
            "count",
            "measured",
            "year",
            "version",
            "updated_at",
        )
        read_only_fields = ("id", "version", "updated_at")


class ClassroomDeviceCreateSerializer(serializers.Serializer):
    classroom = ScopedPrimaryKeyField(selectors.classroom_list, action=Action.EDIT)
    device = serializers.SlugField(help_text=_("目录设备代码，如 interactive-panel"))
    count = serializers.IntegerField(min_value=1, max_value=1000, default=1)
    measured = MeasuredField(required=False, default=dict)
    year = serializers.IntegerField(min_value=1980, max_value=2100, required=False, allow_null=True)


class ClassroomDeviceUpdateSerializer(serializers.Serializer):
    version = serializers.IntegerField()
    count = serializers.IntegerField(min_value=1, max_value=1000, required=False)
    measured = MeasuredField(required=False)
    year = serializers.IntegerField(min_value=1980, max_value=2100, required=False, allow_null=True)
