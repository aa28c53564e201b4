"""API of a school's results: the same `Results` the assessment page, the dashboard, the workbook and
the school PDF show (`selectors.assessment_results`), with the same rules — the review side, the
reviewer's values, verdicts, comments and the overall conclusion only once the review is finalised.

Every figure is a string decimal rounded once to one decimal (scores are exact); `exact` values are
left out on purpose: what a client shows must be what the pages show."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.response import Response

from .. import selectors, services
from ..models import ResultRule
from ..scoping import Action

FIGURE = {"max_digits": 7, "decimal_places": 1, "allow_null": True}


class ComplianceCountsSerializer(serializers.Serializer):
    required = serializers.IntegerField()
    met = serializers.IntegerField()
    partial = serializers.IntegerField()
    not_met = serializers.IntegerField()
    missing = serializers.IntegerField(help_text=_("必选条目中未填写的"))
    optional = serializers.IntegerField()
    optional_met = serializers.IntegerField(help_text=_("选配达标 optional_met / optional"))
    optional_na = serializers.IntegerField()
    percent = serializers.DecimalField(**FIGURE, help_text=_("达标指数（%）：达标 1、部分达标 0.5、未达标 0"))
    meets_standard = serializers.BooleanField(help_text=_("全部必选条目达标"))


class DimensionResultSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    max = serializers.DecimalField(**FIGURE, help_text=_("计分制：该维度满分"))
    score = serializers.DecimalField(**FIGURE, help_text=_("计分制：得分（封顶后）"))
    percent = serializers.DecimalField(**FIGURE, help_text=_("得分率或达标指数（%）"))
    value = serializers.DecimalField(
        **FIGURE, help_text=_("排名与统计所用的数：得分（计分制）或百分比（达标制）")
    )
    answered = serializers.IntegerField()
    total = serializers.IntegerField()
    compliance = ComplianceCountsSerializer(allow_null=True)


class SideResultSerializer(serializers.Serializer):
    total = serializers.DecimalField(**FIGURE, help_text=_("计分制：总分（各维度封顶后之和）"))
    declared_total = serializers.DecimalField(**FIGURE, help_text=_("计分制：声明总分（淄博为 110）"))
    percent = serializers.DecimalField(**FIGURE, help_text=_("得分率（占声明总分）或达标指数（%）"))
    value = serializers.DecimalField(**FIGURE, help_text=_("排名与统计所用的数"))
    answered = serializers.IntegerField()
    item_count = serializers.IntegerField()
    compliance = ComplianceCountsSerializer(allow_null=True)


class DimensionPairSerializer(serializers.Serializer):
    code = serializers.CharField(source="self.code")
    name = serializers.CharField(source="self.name")
    self = DimensionResultSerializer()
    review = DimensionResultSerializer(allow_null=True)
    difference = serializers.DecimalField(**FIGURE, help_text=_("评审 − 自评（按显示的数计算）"))


class ItemResultSerializer(serializers.Serializer):
    code = serializers.CharField()
    title = serializers.CharField()
    dimension = serializers.CharField()
    optional = serializers.BooleanField()
    max_points = serializers.DecimalField(**FIGURE)
    self_value = serializers.CharField(allow_null=True, help_text=_("分数或 met/partial/not_met/na"))
    review_value = serializers.CharField(allow_null=True, help_text=_("评审定稿后才有"))
    verdict = serializers.CharField(allow_null=True, help_text=_("accept/adjust（评审定稿后才有）"))
    comment = serializers.CharField(allow_blank=True)
    adjusted = serializers.BooleanField()


class OfficialSerializer(serializers.Serializer):
    percent = serializers.DecimalField(
        **FIGURE, help_text=_("结果得分率（占声明总分，去除不计入判定的指标）或达标指数 × 100")
    )
    grade = serializers.CharField(allow_blank=True, help_text=_("等级（规则未设等级时为空）"))
    passed = serializers.BooleanField(allow_null=True, help_text=_("是否达标"))
    rule = serializers.IntegerField(
        source="rule_id", allow_null=True, help_text=_("判定所依据的规则版本编号")
    )
    at = serializers.DateTimeField(allow_null=True, help_text=_("判定时间"))
    final = serializers.BooleanField(help_text=_("已通过市级验收：认定结果为最终结果（否则待市级验收）"))


class ResultsSerializer(serializers.Serializer):
    assessment = serializers.IntegerField(source="assessment_id")
    status = serializers.CharField()
    progress = serializers.CharField(help_text="not_started/draft/submitted/in_review/returned/finalised")
    scoring = serializers.CharField(help_text="points/compliance")
    self_counted = serializers.BooleanField(help_text=_("计入自评统计与排名（已提交及以后）"))
    review_counted = serializers.BooleanField(help_text=_("计入评审统计与排名（评审已定稿）"))
    self = SideResultSerializer()
    review = SideResultSerializer(allow_null=True, help_text=_("评审定稿后才有"))
    difference = serializers.DecimalField(**FIGURE, help_text=_("评审 − 自评（按显示的数计算）"))
    conclusion = serializers.CharField(allow_blank=True, help_text=_("总体评审意见（评审定稿后才有）"))
    official = OfficialSerializer(
        allow_null=True, help_text=_("认定结果：评审定稿时按活动的结果判定规则从评审值得出（未设规则时为空）")
    )
    dimensions = DimensionPairSerializer(many=True)
    items = ItemResultSerializer(many=True)


class ResultsViewSet(viewsets.GenericViewSet):
    """GET /api/results/{assessment id}/: a school's results (self; review once finalised)."""

    serializer_class = ResultsSerializer
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        return selectors.assessment_list(user=self.request.user)

    @extend_schema(responses={200: ResultsSerializer})
    def retrieve(self, request, pk=None, format=None):
        assessment = self.get_object()
        return Response(ResultsSerializer(selectors.assessment_results(assessment=assessment)).data)


class GradeBandSerializer(serializers.Serializer):
    label = serializers.CharField(max_length=20)
    min_percent = serializers.DecimalField(max_digits=5, decimal_places=2)


class ResultRuleSerializer(serializers.ModelSerializer):
    """One version of a campaign's result rule; `reason` is required once the rule is locked."""

    grades = GradeBandSerializer(many=True, required=False)
    excluded = serializers.ListField(child=serializers.CharField(max_length=32), required=False)
    dimension_min_percent = serializers.DictField(
        child=serializers.DecimalField(max_digits=5, decimal_places=2), required=False
    )
    district_targets = serializers.DictField(
        child=serializers.DecimalField(max_digits=4, decimal_places=3), required=False
    )
    reason = serializers.CharField(required=False, allow_blank=True, max_length=1000)
    created_by = serializers.CharField(source="created_by.get_full_name", read_only=True, default="")

    class Meta:
        model = ResultRule
        fields = [
            "version",
            "pass_rule",
            "pass_min_percent",
            "dimension_min_percent",
            "grades",
            "excluded",
            "target_share",
            "district_targets",
            "reason",
            "created_by",
            "created_at",
        ]
        read_only_fields = ["version", "created_by", "created_at"]


class CampaignRuleSerializer(serializers.Serializer):
    campaign = serializers.IntegerField()
    locked = serializers.BooleanField(help_text=_("已有学校完成评审：修改将生成新版本，须填写原因"))
    rule = ResultRuleSerializer(allow_null=True, help_text=_("现行规则（最新版本）；未设定时为空"))
    versions = ResultRuleSerializer(many=True, help_text=_("全部版本，最新在前"))


class ResultRuleViewSet(viewsets.GenericViewSet):
    """GET /api/result-rules/{campaign id}/: the campaign's result rule and its versions (anyone who
    may view the campaign); PUT sets it (commission staff managing the campaign)."""

    serializer_class = ResultRuleSerializer
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        action = Action.VIEW if self.action == "retrieve" else Action.MANAGE
        return selectors.campaign_list(user=self.request.user, action=action).select_related(
            "framework", "region"
        )

    def _answer(self, campaign):
        versions = selectors.rule_versions(campaign)
        data = {
            "campaign": campaign.pk,
            "locked": selectors.rule_locked(campaign),
            "rule": versions[0] if versions else None,
            "versions": versions,
        }
        return Response(CampaignRuleSerializer(data).data)

    @extend_schema(responses={200: CampaignRuleSerializer})
    def retrieve(self, request, pk=None, format=None):
        return self._answer(self.get_object())

    @extend_schema(request=ResultRuleSerializer, responses={200: CampaignRuleSerializer})
    def update(self, request, pk=None, format=None):
        campaign = self.get_object()
        serializer = ResultRuleSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        services.rule_save(
            campaign=campaign,
            acting_user=request.user,
            pass_rule=data["pass_rule"],
            pass_min_percent=data.get("pass_min_percent"),
            dimension_min_percent={k: float(v) for k, v in data.get("dimension_min_percent", {}).items()},
            grades=[
                {"label": g["label"], "min_percent": float(g["min_percent"])} for g in data.get("grades", [])
            ],
            excluded=data.get("excluded", []),
            target_share=data.get("target_share"),
            district_targets={k: float(v) for k, v in data.get("district_targets", {}).items()},
            reason=data.get("reason", ""),
        )
        return self._answer(campaign)
