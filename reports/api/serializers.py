"""Shapes of the report job API. Validation only: the view checks scope and calls the service."""

from __future__ import annotations

from django.urls import reverse
from rest_framework import serializers

from ..models import JobKind, ReportJob


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
        if attrs["kind"] == JobKind.SCHOOL_PDF and not attrs.get("assessment"):
            raise serializers.ValidationError({"assessment": "学校报告需要指定 assessment（学校自评 id）。"})
        if attrs["kind"] != JobKind.SCHOOL_PDF and not attrs.get("campaign"):
            raise serializers.ValidationError({"campaign": "需要指定 campaign（自评活动 id）。"})
        if attrs["kind"] == JobKind.DISTRICT_PDF_ZIP and not attrs.get("region"):
            raise serializers.ValidationError({"region": "区县报告合集需要指定 region（区县 id）。"})
        return attrs
