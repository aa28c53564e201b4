"""Shapes of the rectification API: an item as read (with its evidence files and history), and the
input of each transition. Texts are checked by the services (the same messages as the pages), so the
inputs here only say which fields exist; `version` is the item's version the client read."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from assessments.scoping import Action
from evidence.selectors import evidence_file_list
from smartcampus.fields import ScopedPrimaryKeyField

from ..models import RectificationEvent, RectificationItem, RectificationState


class RectificationEventSerializer(serializers.ModelSerializer):
    """One transition: from which state to which, who (their name), when and why."""

    actor = serializers.SerializerMethodField()

    class Meta:
        model = RectificationEvent
        fields = ["from_state", "to_state", "actor", "comment", "created_at"]
        read_only_fields = fields

    def get_actor(self, event) -> str:
        actor = event.actor
        return "" if actor is None else actor.first_name or actor.username


class RectificationItemSerializer(serializers.ModelSerializer):
    """An item with its school, node and dates; `overdue` is open and past its due date (Asia/Shanghai)."""

    campaign = serializers.IntegerField(source="assessment.campaign_id", read_only=True)
    school = serializers.IntegerField(source="assessment.school_id", read_only=True)
    school_code = serializers.CharField(source="assessment.school.code", read_only=True)
    school_name = serializers.CharField(source="assessment.school.name", read_only=True)
    district = serializers.CharField(source="assessment.school.region.name", read_only=True)
    node_code = serializers.CharField(source="node.code", read_only=True)
    node_title = serializers.CharField(source="node.name", read_only=True)
    source_display = serializers.CharField(source="get_source_display", read_only=True)
    state_display = serializers.CharField(source="get_state_display", read_only=True)
    overdue = serializers.SerializerMethodField()
    evidence_files = serializers.SerializerMethodField(help_text=_("本校材料库中证明整改完成的文件 id"))
    history = RectificationEventSerializer(source="events", many=True, read_only=True)

    class Meta:
        model = RectificationItem
        fields = [
            "id",
            "assessment",
            "campaign",
            "school",
            "school_code",
            "school_name",
            "district",
            "node_code",
            "node_title",
            "source",
            "source_display",
            "state",
            "state_display",
            "problem",
            "action",
            "due_date",
            "overdue",
            "responsible",
            "plan",
            "report",
            "waiver_reason",
            "evidence_files",
            "version",
            "created_at",
            "updated_at",
            "closed_at",
            "history",
        ]
        read_only_fields = fields

    def get_overdue(self, item) -> bool:
        today = self.context.setdefault("today", timezone.localdate())
        return item.is_overdue(today)

    def get_evidence_files(self, item) -> list[int]:
        return [e.file_id for e in item.evidence.all()]


class RectificationFilterSerializer(serializers.Serializer):
    """The list's query parameters; a value that cannot be meant is a 400 on its name."""

    campaign = serializers.IntegerField(required=False, min_value=1, help_text=_("自评活动 id"))
    state = serializers.ChoiceField(choices=RectificationState.choices, required=False, help_text=_("状态"))
    overdue = serializers.BooleanField(required=False, allow_null=True, default=None, help_text=_("是否逾期"))
    school = serializers.IntegerField(required=False, min_value=1, help_text=_("学校 id"))


class VersionSerializer(serializers.Serializer):
    version = serializers.IntegerField(error_messages={"required": _("缺少版本号 version。")})


def _text(**kwargs):
    return serializers.CharField(
        required=False, allow_blank=True, trim_whitespace=False, default="", **kwargs
    )


class PlanSerializer(VersionSerializer):
    """待制定方案 → 方案待审核: the plan and the person responsible (both required)."""

    plan = _text(help_text=_("整改方案"))
    responsible = _text(help_text=_("整改责任人"))


class CompleteSerializer(VersionSerializer):
    """整改中 → 待验收: what was done, with files of the school's evidence library (ids; an id outside
    the caller's library is answered like one that does not exist)."""

    report = _text(help_text=_("整改情况说明"))
    files = ScopedPrimaryKeyField(
        evidence_file_list, action=Action.EDIT, many=True, required=False, help_text=_("材料库文件 id")
    )


class CommentSerializer(VersionSerializer):
    """Approve or verify (the comment is optional), return (the reason is required)."""

    comment = _text(help_text=_("审核意见或退回原因"))


class WaiveSerializer(VersionSerializer):
    reason = _text(help_text=_("免于整改的理由"))
