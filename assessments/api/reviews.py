"""API of the district review: the queue, the workflow actions and per-item verdicts."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from smartcampus.api import PageNumberPagination, RowListMixin, RowShape, query_parameter
from smartcampus.errors import Invalid

from .. import selectors, services
from ..models import ItemResponse
from ..scoping import Action
from .campaigns import DEADLINE, NODE_TITLE, AssessmentSerializer


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


class FinaliseSerializer(serializers.Serializer):
    """The overall conclusion (总体评审意见), required by the service."""

    conclusion = serializers.CharField(required=False, allow_blank=True, default="", trim_whitespace=False)


class ReviewerCandidateSerializer(serializers.Serializer):
    """A person who may be assigned to review the assessment, with their reviewer regions."""

    id = serializers.IntegerField()
    username = serializers.CharField()
    name = serializers.SerializerMethodField()
    regions = serializers.SerializerMethodField()

    def get_name(self, user) -> str:
        return user.first_name or user.username

    def get_regions(self, user) -> list[str]:
        return [m.scope_name for m in user.memberships.all()]


class AssignSerializer(serializers.Serializer):
    """`reviewer`: a user id among GET …/reviewers/ (any other id gets the error of an unknown one)."""

    reviewer = serializers.IntegerField()
    lead = serializers.BooleanField(required=False, default=False)


#: the scope action each of ReviewViewSet's actions asks its queryset with
REVIEW_ACTIONS = {
    "start": Action.REVIEW,
    "return_": Action.REVIEW,
    "finalise": Action.REVIEW,
    "reopen": Action.REOPEN,
    "assign": Action.ASSIGN,
    "reviewers": Action.ASSIGN,
}


@extend_schema_view(
    list=extend_schema(
        parameters=[
            query_parameter("campaign", _("自评活动 id"), OpenApiTypes.INT),
            query_parameter("district", _("区县代码（含下级）")),
            query_parameter("status", _("状态")),
            query_parameter("deadline", _("week：7 天内截止；overdue：已过评审截止时间")),
        ]
    )
)
class ReviewViewSet(RowListMixin, viewsets.ReadOnlyModelViewSet):
    """The review queue (assessments the caller reviews, with items still to review) and the
    workflow actions: start, return, finalise (with the overall conclusion), reopen, and the
    assignment of reviewers chosen among …/reviewers/ (commission)."""

    serializer_class = ReviewQueueSerializer
    list_rows = RowShape(ReviewQueueSerializer, deadline=DEADLINE)
    pagination_class = PageNumberPagination

    def _list_filters(self) -> dict:
        params = self.request.query_params
        return {k: params.get(k) for k in ("campaign", "district", "status", "deadline")}

    def get_queryset(self):
        if self.action == "list":  # rows are read as values (list_rows): no related objects
            return selectors.review_queue(
                user=self.request.user, filters=self._list_filters()
            ).select_related(None)
        action = REVIEW_ACTIONS.get(self.action, Action.READ_REVIEW)
        return selectors.assessment_list(user=self.request.user, action=action).order_by("pk")

    def list(self, request, *args, **kwargs):
        """`RowListMixin.list` over the same rows, read through statements compiled once per process
        for the user's scope, the filters and the page (`selectors.QueueListing`)."""
        rows = selectors.QueueListing(
            user=request.user, filters=self._list_filters(), values=self.list_rows.values, shape="api"
        )
        page = self.paginate_queryset(rows)
        if page is None:
            return Response(self.list_rows.shape(rows[0:None]))
        return self.get_paginated_response(self.list_rows.shape(page))

    def _done(self, assessment) -> Response:
        assessment = selectors.assessment_get(
            user=self.request.user, pk=assessment.pk, action=Action.READ_REVIEW
        )
        return Response(ReviewQueueSerializer(assessment).data)

    @extend_schema(request=None, responses={200: ReviewQueueSerializer, 409: None})
    @action(detail=True, methods=["post"])
    def start(self, request, pk=None, format=None):
        return self._done(services.review_start(assessment=self.get_object(), acting_user=request.user))

    @extend_schema(request=ReturnSerializer, responses={200: ReviewQueueSerializer, 409: None})
    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def return_(self, request, pk=None, format=None):
        assessment = self.get_object()
        serializer = ReturnSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        reasons = {}
        for key, value in serializer.validated_data["reasons"].items():
            if not str(key).isdigit():
                message = _("reasons 的键须为条目 id。")
                raise Invalid(message, fields={"reasons": [message]})
            reasons[int(key)] = value
        services.review_return(assessment=assessment, acting_user=request.user, reasons=reasons)
        return self._done(assessment)

    @extend_schema(request=FinaliseSerializer, responses={200: ReviewQueueSerializer, 400: None, 409: None})
    @action(detail=True, methods=["post"])
    def finalise(self, request, pk=None, format=None):
        assessment = self.get_object()
        serializer = FinaliseSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        conclusion = serializer.validated_data["conclusion"]
        return self._done(
            services.review_finalise(assessment=assessment, acting_user=request.user, conclusion=conclusion)
        )

    @extend_schema(
        parameters=[query_parameter("q", _("按姓名、登录名或地区查找"))],
        responses={200: ReviewerCandidateSerializer(many=True)},
    )
    @action(detail=True, methods=["get"])
    def reviewers(self, request, pk=None, format=None):
        """The people the caller may assign to review this assessment (commission staff)."""
        candidates = selectors.reviewer_candidate_list(
            user=request.user, assessment=self.get_object(), q=request.query_params.get("q", "")
        )
        page = self.paginate_queryset(candidates)
        data = ReviewerCandidateSerializer(page if page is not None else candidates, many=True).data
        return self.get_paginated_response(data) if page is not None else Response(data)

    @extend_schema(request=AssignSerializer, responses={200: ReviewQueueSerializer, 400: None})
    @action(detail=True, methods=["post"])
    def assign(self, request, pk=None, format=None):
        assessment = self.get_object()
        serializer = AssignSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        reviewer = (
            selectors.reviewer_candidate_list(user=request.user, assessment=assessment)
            .filter(pk=serializer.validated_data["reviewer"])
            .first()
        )
        if reviewer is None:
            message = _("请从可指派的评审专家中选择（GET …/reviewers/）。")
            raise Invalid(message, code="not_eligible", fields={"reviewer": [message]})
        services.review_assign(
            assessment=assessment,
            reviewer=reviewer,
            acting_user=request.user,
            lead=serializer.validated_data["lead"],
        )
        return self._done(assessment)

    @extend_schema(request=ReopenSerializer, responses={200: ReviewQueueSerializer, 409: None})
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None, format=None):
        assessment = self.get_object()
        serializer = ReopenSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        reason = serializer.validated_data["reason"]
        return self._done(
            services.review_reopen(assessment=assessment, acting_user=request.user, reason=reason)
        )


@extend_schema_view(
    list=extend_schema(parameters=[query_parameter("assessment", _("只列出该自评的条目"), OpenApiTypes.INT)]),
    partial_update=extend_schema(request=VerdictSerializer, responses={200: ReviewItemSerializer, 409: None}),
)
class ReviewItemViewSet(RowListMixin, mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Items of the assessments the caller reviews, with the consolidated review result.
    PATCH saves a verdict (`version` required; 409 when stale)."""

    serializer_class = ReviewItemSerializer
    list_rows = RowShape(ReviewItemSerializer, name=NODE_TITLE)
    pagination_class = PageNumberPagination
    http_method_names = ["get", "patch", "head", "options"]

    def get_queryset(self):
        action = Action.REVIEW if self.action == "partial_update" else Action.READ_REVIEW
        qs = selectors.response_list(user=self.request.user, action=action).order_by(
            "assessment_id", "node__position"
        )
        if (assessment := self.request.query_params.get("assessment", "")).isdigit():
            qs = qs.filter(assessment_id=assessment)
        return qs

    def partial_update(self, request, *args, **kwargs):
        response = self.get_object()
        serializer = VerdictSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        values = dict(serializer.validated_data)
        version = values.pop("version")
        services.verdict_save(response=response, acting_user=request.user, version=version, **values)
        response.refresh_from_db()
        return Response(ReviewItemSerializer(response).data)
