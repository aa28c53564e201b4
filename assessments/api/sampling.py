"""API of the city re-check samples: `/api/samples/`.

GET lists the saved samples of the campaigns the caller may draw for (commission staff managing
them; `?campaign=`) and reads one with its schools. `POST …/draw/` draws on the same code path as
the sampling page and `manage.py draw_sample` (`sample_params_clean` → `sample_preview`, and with
`"save": true` `sample_save`): the answer is the command's JSON shape, plus the saved sample's id.
Parameters that do not make a sample are a 400 on their field; a campaign outside the caller's
sampling scope a 404.
"""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from .. import selectors, services
from ..models import Sample, SampleSchool
from ..scoping import Action, get_scope


class SampleSchoolSerializer(serializers.ModelSerializer):
    school_code = serializers.CharField(source="assessment.school.code", read_only=True)
    reviewer = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = SampleSchool
        fields = ["id", "position", "assessment", "school_code", "reviewer"]
        read_only_fields = fields


class SampleSerializer(serializers.ModelSerializer):
    drawn_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = Sample
        fields = [
            "id",
            "campaign",
            "method",
            "strata",
            "rate",
            "per_stratum",
            "seed",
            "manual_codes",
            "drawn_by",
            "drawn_at",
        ]
        read_only_fields = fields


class SampleDetailSerializer(SampleSerializer):
    schools = SampleSchoolSerializer(many=True, read_only=True)

    class Meta(SampleSerializer.Meta):
        fields = [*SampleSerializer.Meta.fields, "schools"]
        read_only_fields = fields


class DrawSerializer(serializers.Serializer):
    campaign = serializers.IntegerField(help_text=_("自评活动 id"))
    strata = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="district,school_type"
    )
    rate = serializers.CharField(required=False, allow_blank=True, default="", help_text=_("抽样比例 0–1"))
    count = serializers.CharField(required=False, allow_blank=True, default="", help_text=_("每层抽取数"))
    seed = serializers.CharField(help_text=_("随机种子"))
    manual = serializers.CharField(
        required=False, allow_blank=True, default="", help_text=_("人工增补的学校标识码")
    )
    save = serializers.BooleanField(required=False, default=False, help_text=_("保存抽样（默认只预览）"))


class DrawResultSerializer(serializers.Serializer):
    campaign = serializers.IntegerField()
    seed = serializers.IntegerField()
    rate = serializers.FloatField(allow_null=True)
    strata = serializers.ListField(child=serializers.CharField())
    schools = serializers.ListField(child=serializers.CharField())
    sample = serializers.IntegerField(allow_null=True)


class SampleFilterSet(django_filters.FilterSet):
    campaign = django_filters.NumberFilter(field_name="campaign_id", help_text=_("自评活动 id"))

    class Meta:
        model = Sample
        fields = ["campaign"]


class SampleViewSet(viewsets.ReadOnlyModelViewSet):
    """Re-check samples (抽样复核): list, read, draw (preview or save)."""

    filterset_class = SampleFilterSet

    def get_serializer_class(self):
        return SampleDetailSerializer if self.action == "retrieve" else SampleSerializer

    def get_queryset(self):
        scope = get_scope(self.request.user)
        queryset = Sample.objects.filter(scope.campaigns_q(Action.SAMPLE, "campaign__")).select_related(
            "drawn_by"
        )
        if self.action == "retrieve":
            queryset = queryset.prefetch_related("schools__assessment__school", "schools__reviewer")
        return queryset.order_by("-drawn_at", "-pk")

    @extend_schema(request=DrawSerializer, responses={200: DrawResultSerializer, 201: DrawResultSerializer})
    @action(detail=False, methods=["post"])
    def draw(self, request, format=None):
        data = DrawSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        campaign = selectors.campaign_get(user=request.user, pk=values["campaign"], action=Action.SAMPLE)
        params = services.sample_params_clean(
            strata=values["strata"],
            rate=values["rate"] or None,
            per_stratum=values["count"] or None,
            seed=values["seed"],
            manual=values["manual"],
        )
        sample = None
        if values["save"]:
            sample = services.sample_save(campaign=campaign, params=params, acting_user=request.user)
        result = services.sample_preview(campaign=campaign, params=params)
        body = {**result.as_json(campaign.pk), "sample": sample.pk if sample else None}
        return Response(body, status=status.HTTP_201_CREATED if sample else status.HTTP_200_OK)
