"""API of campaigns, assessments and the school's item responses."""

from django.db.models import TextField, Value
from django.db.models.functions import Coalesce, NullIf
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from indicators.selectors import framework_list
from smartcampus.api import PageNumberPagination, RowListMixin, RowShape, query_parameter
from smartcampus.fields import ChoiceLabelField, ScopedPrimaryKeyField

from .. import selectors, services
from ..models import Assessment, AssessmentStatus, Campaign, ItemResponse
from ..scoping import Action, get_scope


class ScopedRowListMixin(RowListMixin):
    """A `RowListMixin` whose list depends on the caller's scope and the query string alone: its
    statements are compiled once per process for each scope and query string."""

    def list_inputs(self):
        return get_scope(self.request.user)


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


def _any_framework_version(*, user):
    return framework_list(user=user, all_versions=True)


class CampaignCreateSerializer(CampaignSerializer):
    """Input of a new campaign: every id is looked up in the caller's scope (an id outside it gets
    the error of an id that does not exist); the schools must lie in the owning region."""

    framework = ScopedPrimaryKeyField(_any_framework_version)
    region = ScopedPrimaryKeyField(selectors.campaign_owner_region_list)
    schools = ScopedPrimaryKeyField(selectors.school_list, action=Action.MANAGE, many=True)

    class Meta(CampaignSerializer.Meta):
        fields = (*CampaignSerializer.Meta.fields, "schools")

    def validate(self, attrs):
        if attrs["review_deadline"] < attrs["self_deadline"]:
            raise serializers.ValidationError({"review_deadline": _("评审截止时间不能早于自评截止时间。")})
        return attrs


class AssessmentSerializer(serializers.ModelSerializer):
    school_name = serializers.CharField(source="school.name", read_only=True)
    status_display = ChoiceLabelField(AssessmentStatus.choices, source="status")
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


#: `Assessment.deadline` (the extension if any, else the campaign's deadline) as a column of the row
DEADLINE = Coalesce("deadline_override", "campaign__self_deadline")
#: `Node.title` (its name, or its text for unnamed items) of a response's node, as a column of the row
NODE_TITLE = Coalesce(NullIf("node__name", Value("")), "node__text", output_field=TextField())


class ItemResponseUpdateSerializer(serializers.Serializer):
    """PATCH input: `version` is required; score/status values are checked by the service (scoring engine)."""

    version = serializers.IntegerField(error_messages={"required": _("缺少版本号 version。")})
    self_score = serializers.CharField(required=False, allow_null=True, allow_blank=True)
    self_status = serializers.CharField(required=False, allow_null=True, allow_blank=True)
    statement = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)


@extend_schema_view(create=extend_schema(responses={201: CampaignSerializer}))
class CampaignViewSet(ScopedRowListMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Campaigns the caller takes part in; commission staff create them (one assessment per school)."""

    list_rows = RowShape(CampaignSerializer)
    pagination_class = PageNumberPagination

    def get_serializer_class(self):
        return CampaignCreateSerializer if self.action == "create" else CampaignSerializer

    def get_queryset(self):
        return selectors.campaign_list(user=self.request.user).order_by("-year", "-created_at")

    def create(self, request, *args, **kwargs):
        if not selectors.user_can(user=request.user, action=Action.MANAGE):
            raise NotFound
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        campaign = services.campaign_create(
            framework=data["framework"],
            year=data["year"],
            title=data["title"],
            region=data["region"],
            self_deadline=data["self_deadline"],
            review_deadline=data["review_deadline"],
            schools=data["schools"],
            acting_user=request.user,
        )
        return Response(CampaignSerializer(campaign).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(
        parameters=[
            query_parameter("campaign", _("自评活动 id"), OpenApiTypes.INT),
            query_parameter("status", _("状态")),
        ]
    )
)
class AssessmentViewSet(ScopedRowListMixin, viewsets.ReadOnlyModelViewSet):
    """Assessments in the caller's scope; `?campaign=`, `?status=` filter. POST …/submit/ submits."""

    serializer_class = AssessmentSerializer
    list_rows = RowShape(AssessmentSerializer, deadline=DEADLINE)
    pagination_class = PageNumberPagination

    def get_queryset(self):
        params = self.request.query_params
        qs = selectors.assessment_list(
            user=self.request.user,
            action=Action.SUBMIT if self.action == "submit" else Action.VIEW,
            filters={"campaign": params.get("campaign"), "status": params.get("status")},
        ).order_by("pk")
        if self.action == "list":  # rows are read as values (list_rows): no related objects
            qs = qs.select_related(None)
        return qs

    @extend_schema(request=None, responses={200: AssessmentSerializer, 409: None})
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None, format=None):
        assessment = services.assessment_submit(assessment=self.get_object(), acting_user=request.user)
        return Response(AssessmentSerializer(assessment).data)


@extend_schema_view(
    list=extend_schema(parameters=[query_parameter("assessment", _("只列出该自评的条目"), OpenApiTypes.INT)]),
    partial_update=extend_schema(
        request=ItemResponseUpdateSerializer, responses={200: ItemResponseSerializer, 409: None}
    ),
)
class ItemResponseViewSet(ScopedRowListMixin, mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Responses in scope (`?assessment=` for one assessment). PATCH with `version`: 409 when stale."""

    serializer_class = ItemResponseSerializer
    list_rows = RowShape(ItemResponseSerializer, name=NODE_TITLE)
    pagination_class = PageNumberPagination
    http_method_names = ["get", "patch", "head", "options"]

    def get_queryset(self):
        action = Action.EDIT if self.action == "partial_update" else Action.VIEW
        qs = selectors.response_list(user=self.request.user, action=action).order_by(
            "assessment_id", "node__position"
        )
        if (assessment := self.request.query_params.get("assessment", "")).isdigit():
            qs = qs.filter(assessment_id=assessment)
        return qs

    def partial_update(self, request, *args, **kwargs):
        response = self.get_object()
        serializer = ItemResponseUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        values = dict(serializer.validated_data)
        version = values.pop("version")
        response = services.response_update(
            response=response, acting_user=request.user, version=version, **values
        )
        return Response(ItemResponseSerializer(response).data)
