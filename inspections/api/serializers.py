"""Serializers of the inspections API: they validate and shape data, the services write."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from smartcampus.fields import ChoiceLabelField

from ..models import (
    TEXT_MAX_LENGTH,
    Finding,
    FindingVerdict,
    Objection,
    ObjectionState,
    Publication,
    PublicationState,
    Visibility,
    Visit,
    VisitState,
)


class FindingSerializer(serializers.ModelSerializer):
    node_code = serializers.CharField(source="node.code", read_only=True)
    verdict_display = ChoiceLabelField(FindingVerdict.choices, source="verdict")

    class Meta:
        model = Finding
        fields = [
            "id",
            "node",
            "node_code",
            "verdict",
            "verdict_display",
            "text",
            "rectification_item",
            "adjusted",
            "recorded_at",
        ]
        read_only_fields = fields


class VisitSerializer(serializers.ModelSerializer):
    school_code = serializers.CharField(source="assessment.school.code", read_only=True)
    campaign = serializers.IntegerField(source="assessment.campaign_id", read_only=True)
    state_display = ChoiceLabelField(VisitState.choices, source="state")
    team = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = Visit
        fields = [
            "id",
            "assessment",
            "campaign",
            "school_code",
            "date",
            "team",
            "state",
            "state_display",
            "note",
            "check_sheet",
            "completed_at",
        ]
        read_only_fields = fields


class VisitDetailSerializer(VisitSerializer):
    findings = FindingSerializer(many=True, read_only=True)

    class Meta(VisitSerializer.Meta):
        fields = [*VisitSerializer.Meta.fields, "findings"]
        read_only_fields = fields


class VisitCreateSerializer(serializers.Serializer):
    assessment = serializers.IntegerField(help_text=_("学校自评 id"))
    date = serializers.DateField()
    team = serializers.ListField(child=serializers.IntegerField(), allow_empty=False)
    items = serializers.ListField(child=serializers.IntegerField(), allow_empty=False, help_text=_("条目 id"))
    note = serializers.CharField(max_length=TEXT_MAX_LENGTH, required=False, allow_blank=True, default="")


class FindingRecordSerializer(serializers.Serializer):
    verdict = serializers.ChoiceField(choices=FindingVerdict.choices)
    text = serializers.CharField(max_length=TEXT_MAX_LENGTH, required=False, allow_blank=True, default="")


class PublicationSerializer(serializers.ModelSerializer):
    state_display = ChoiceLabelField(PublicationState.choices, source="state")
    visibility_display = ChoiceLabelField(Visibility.choices, source="visibility")
    fields_shown = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = Publication
        fields = [
            "id",
            "campaign",
            "visibility",
            "visibility_display",
            "fields_shown",
            "window_start",
            "window_end",
            "state",
            "state_display",
            "published_at",
            "closed_at",
        ]
        read_only_fields = fields


class PublicationCreateSerializer(serializers.Serializer):
    campaign = serializers.IntegerField(help_text=_("自评活动 id"))
    visibility = serializers.ChoiceField(choices=Visibility.choices)
    fields_shown = serializers.ListField(
        child=serializers.ChoiceField(choices=["show_pass", "show_grade", "show_total", "show_designation"]),
        allow_empty=False,
    )
    window_start = serializers.DateField()
    window_end = serializers.DateField()


class ObjectionSerializer(serializers.ModelSerializer):
    school_code = serializers.CharField(source="assessment.school.code", read_only=True)
    node_code = serializers.CharField(source="node.code", read_only=True, default=None)
    state_display = ChoiceLabelField(ObjectionState.choices, source="state")
    files = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = Objection
        fields = [
            "id",
            "publication",
            "assessment",
            "school_code",
            "node",
            "node_code",
            "reason",
            "files",
            "state",
            "state_display",
            "decision",
            "raised_at",
            "decided_at",
        ]
        read_only_fields = fields


class ObjectionCreateSerializer(serializers.Serializer):
    publication = serializers.IntegerField()
    assessment = serializers.IntegerField()
    node = serializers.IntegerField(
        required=False, allow_null=True, default=None, help_text=_("空：总体结果")
    )
    reason = serializers.CharField(max_length=TEXT_MAX_LENGTH)
    files = serializers.ListField(child=serializers.IntegerField(), required=False, default=list)


class DecisionSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=TEXT_MAX_LENGTH, help_text=_("处理意见"))
