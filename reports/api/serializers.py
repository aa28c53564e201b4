"""Shapes of the report job API. Validation only: the view checks scope and calls the service."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from ..models import SCHOOL_KINDS, JobKind, ReportJob


class ReportJobSerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    target = serializers.CharField(source="target_name", read_only=True)
    percent = serializers.IntegerField(read_only=True)
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = ReportJob
        fields = [
            "id",
            "kind",
            "kind_display",
            "params",
            "campaign",
            "assessment",
            "region",
            "parent",
            "target",
            "status",
            "status_display",
            "progress_done",
            "progress_total",
            "percent",
            "error",
            "result_name",
            "download_url",
            "created_at",
            "started_at",
            "finished_at",
            "expires_at",
        ]
        read_only_fields = fields

    def get_download_url(self, job: ReportJob) -> str | None:
        return reverse("api-report-job-download", args=[job.pk]) if job.downloadable else None


class ReportJobRequestSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=JobKind.choices)
    assessment = serializers.IntegerField(required=False, min_value=1)
    campaign = serializers.IntegerField(required=False, min_value=1)
    region = serializers.IntegerField(required=False, min_value=1)

    def validate(self, attrs):
        if attrs["kind"] in SCHOOL_KINDS and not attrs.get("assessment"):
            raise serializers.ValidationError(
                {"assessment": _("学校报告需要指定 assessment（学校自评 id）。")}
            )
        if attrs["kind"] not in SCHOOL_KINDS and not attrs.get("campaign"):
            raise serializers.ValidationError({"campaign": _("需要指定 campaign（自评活动 id）。")})
        if attrs["kind"] == JobKind.DISTRICT_PDF_ZIP and not attrs.get("region"):
            raise serializers.ValidationError({"region": _("区县报告合集需要指定 region（区县 id）。")})
        return attrs


# --- statistics: the dashboard's figures ----------------------------------------------------------

FIGURE = {"max_digits": 9, "decimal_places": 1, "allow_null": True}


class StatisticsSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    mean = serializers.DecimalField(**FIGURE)
    median = serializers.DecimalField(**FIGURE)
    minimum = serializers.DecimalField(**FIGURE)
    maximum = serializers.DecimalField(**FIGURE)


class FiguresSerializer(serializers.Serializer):
    self = StatisticsSerializer(help_text=_("自评：已提交（及以后）的学校"))
    review = StatisticsSerializer(help_text=_("评审：评审已定稿的学校"))
    self_of_reviewed = StatisticsSerializer(help_text=_("评审已定稿的学校的自评"))
    difference = serializers.DecimalField(
        **FIGURE, help_text=_("评审平均 − 同批学校自评平均（按显示的数计算）")
    )


class DistrictStatisticsSerializer(serializers.Serializer):
    region = serializers.IntegerField(source="region_id", allow_null=True, help_text=_("合计行为 null"))
    name = serializers.CharField()
    school_count = serializers.IntegerField()
    progress = serializers.DictField(
        child=serializers.IntegerField(),
        help_text=_("每所学校恰在一项：not_started/draft/submitted/in_review/returned/finalised"),
    )
    bands = serializers.ListField(child=serializers.IntegerField(), help_text=_("自评得分率分段的学校数"))
    figures = FiguresSerializer()


class CampaignStatisticsSerializer(serializers.Serializer):
    campaign = serializers.IntegerField(source="campaign.pk")
    scoring = serializers.SerializerMethodField()
    unit = serializers.CharField(help_text=_("统计数字的单位：分（计分制）或 %（达标制）"))
    declared_total = serializers.DecimalField(**FIGURE)
    region_word = serializers.CharField(source="words.unit", help_text=_("分组地区的称谓：区县、市或地区"))
    districts = DistrictStatisticsSerializer(many=True)
    total = DistrictStatisticsSerializer(help_text=_("合计"))

    def get_scoring(self, board) -> str:
        return "points" if board.is_points else "compliance"
