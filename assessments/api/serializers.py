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
