from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from ..models import Assessment, Campaign, ItemResponse, Region, School


class RegionSerializer(serializers.ModelSerializer):
    parent = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)

    class Meta:
        model = Region
        fields = ("id", "code", "name", "level", "parent")


class SchoolSerializer(serializers.ModelSerializer):
    region = serializers.SlugRelatedField(slug_field="code", read_only=True)
    region_name = serializers.CharField(source="region.full_name", read_only=True)
    school_type_display = serializers.CharField(source="get_school_type_display", read_only=True)

    class Meta:
        model = School
        fields = ("id", "code", "name", "school_type", "school_type_display", "region", "region_name")


class CampaignSerializer(serializers.ModelSerializer):
    framework_code = serializers.CharField(source="framework.code", read_only=True)
    region_code = serializers.CharField(source="region.code", read_only=True)

    class Meta:
        model = Campaign
        fields = (
            "id",
            "framework",
            "framework_code",
            "year",
            "title",
            "region",
            "region_code",
            "self_deadline",
            "review_deadline",
            "created_at",
        )
        read_only_fields = ("created_at",)


class CampaignCreateSerializer(CampaignSerializer):
    """Input of a new campaign: the schools by id (they must lie in the owning region)."""

    schools = serializers.PrimaryKeyRelatedField(many=True, queryset=School.objects.select_related("region"))

    class Meta(CampaignSerializer.Meta):
        fields = (*CampaignSerializer.Meta.fields, "schools")

    def validate(self, attrs):
        if attrs["review_deadline"] < attrs["self_deadline"]:
            raise serializers.ValidationError({"review_deadline": _("评审截止时间不能早于自评截止时间。")})
        return attrs


class AssessmentSerializer(serializers.ModelSerializer):
    school_name = serializers.CharField(source="school.name", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    deadline = serializers.DateTimeField(read_only=True)

    class Meta:
        model = Assessment
        fields = (
            "id",
            "campaign",
            "school",
            "school_name",
            "status",
            "status_display",
            "deadline",
            "deadline_override",
            "submitted_at",
            "version",
        )
        read_only_fields = fields


class ItemResponseSerializer(serializers.ModelSerializer):
    """Read shape of a response; writes go through `response_update` (see ItemResponseViewSet)."""

    code = serializers.CharField(source="node.code", read_only=True)
    name = serializers.CharField(source="node.title", read_only=True)
    points = serializers.DecimalField(source="node.points", max_digits=6, decimal_places=1, read_only=True)
    optional = serializers.BooleanField(source="node.optional", read_only=True)

    class Meta:
        model = ItemResponse
        fields = (
            "id",
            "assessment",
            "node",
            "code",
            "name",
            "points",
            "optional",
            "self_score",
            "self_status",
            "statement",
            "version",
            "updated_at",
        )
        read_only_fields = ("id", "assessment", "node", "updated_at")


class ItemResponseUpdateSerializer(serializers.Serializer):
    """PATCH input: `version` is required; score/status values are checked by the service (scoring engine)."""

    version = serializers.IntegerField(error_messages={"required": _("缺少版本号 version。")})
    self_score = serializers.CharField(required=False, allow_null=True, allow_blank=True)
    self_status = serializers.CharField(required=False, allow_null=True, allow_blank=True)
    statement = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)


class ReviewQueueSerializer(AssessmentSerializer):
    """An assessment in the review queue with how many items still need a verdict."""

    status = serializers.CharField(read_only=True, help_text="submitted/in_review/returned/finalised")
    school_region = serializers.CharField(source="school.region.name", read_only=True)
    review_deadline = serializers.DateTimeField(source="campaign.review_deadline", read_only=True)
    item_total = serializers.IntegerField(read_only=True, default=None)
    item_pending = serializers.IntegerField(read_only=True, default=None)

    class Meta(AssessmentSerializer.Meta):
        fields = (
            *AssessmentSerializer.Meta.fields,
            "school_region",
            "review_round",
            "review_deadline",
            "item_total",
            "item_pending",
        )
        read_only_fields = fields


class ReviewItemSerializer(serializers.ModelSerializer):
    """A response with the school's answer and the consolidated review result."""

    code = serializers.CharField(source="node.code", read_only=True)
    name = serializers.CharField(source="node.title", read_only=True)
    # plain strings in the schema: the choice sets are documented on /api/responses/ already
    self_status = serializers.CharField(read_only=True, allow_null=True, help_text="met/partial/not_met/na")
    review_verdict = serializers.CharField(
        read_only=True, allow_null=True, help_text="accept/adjust/more_evidence"
    )
    review_status = serializers.CharField(read_only=True, allow_null=True, help_text="met/partial/not_met/na")

    class Meta:
        model = ItemResponse
        fields = (
            "id",
            "assessment",
            "code",
            "name",
            "self_score",
            "self_status",
            "statement",
            "reopened",
            "review_verdict",
            "review_score",
            "review_status",
            "review_comment",
            "reviewed_by",
            "reviewed_at",
            "version",
        )
        read_only_fields = fields


class VerdictSerializer(serializers.Serializer):
    """PATCH input of a verdict: `version` is required (single review: the response's version;
    second review: your own verdict's version, 0 for none). Values are checked by the service."""

    version = serializers.IntegerField(error_messages={"required": _("缺少版本号 version。")})
    verdict = serializers.CharField()
    score = serializers.CharField(required=False, allow_null=True, allow_blank=True)
    status = serializers.CharField(required=False, allow_null=True, allow_blank=True)
    comment = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False, default="")


class ReturnSerializer(serializers.Serializer):
    """Extra items to return (response id → reason); items judged "more evidence" always go back."""

    reasons = serializers.DictField(
        child=serializers.CharField(allow_blank=True), required=False, default=dict
    )


class ReopenSerializer(serializers.Serializer):
    reason = serializers.CharField()
