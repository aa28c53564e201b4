from typing import NoReturn

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from smartcampus.api import ApiError

from .. import selectors, services
from ..scoping import get_scope
from .serializers import (
    AssessmentSerializer,
    CampaignCreateSerializer,
    CampaignSerializer,
    ItemResponseSerializer,
    ItemResponseUpdateSerializer,
    RegionSerializer,
    ReopenSerializer,
    ReturnSerializer,
    ReviewItemSerializer,
    ReviewQueueSerializer,
    SchoolSerializer,
    VerdictSerializer,
)


def _query(name: str, description: str, type_=OpenApiTypes.STR) -> OpenApiParameter:
    return OpenApiParameter(name, type_, OpenApiParameter.QUERY, description=description)


@extend_schema_view(
    list=extend_schema(
        parameters=[
            _query("q", "名称或代码包含"),
            _query("region", "地区代码（含下级地区）"),
            _query("school_type", "学校类型"),
        ]
    )
)
class SchoolViewSet(viewsets.ReadOnlyModelViewSet):
    """Schools in the caller's scope; `?q=` searches name and code, `?region=` a region code subtree."""

    serializer_class = SchoolSerializer

    def get_queryset(self):
        params = self.request.query_params
        return selectors.school_list(
            user=self.request.user,
            filters={
                "q": params.get("q"),
                "region": params.get("region"),
                "school_type": params.get("school_type"),
            },
        )


class RegionViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = RegionSerializer

    def get_queryset(self):
        return selectors.region_list(user=self.request.user).order_by("path")


def _validation_response(exc: ValidationError, http_status: int) -> NoReturn:
    raise ApiError.from_django(exc, status_code=http_status)


@extend_schema_view(create=extend_schema(responses={201: CampaignSerializer}))
class CampaignViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Campaigns the caller takes part in; commission staff create them (one assessment per school)."""

    def get_serializer_class(self):
        return CampaignCreateSerializer if self.action == "create" else CampaignSerializer

    def get_queryset(self):
        return selectors.campaign_list(user=self.request.user).order_by("-year", "-created_at")

    def create(self, request, *args, **kwargs):
        if not get_scope(request.user).is_commission:
            raise PermissionDenied(_("只有教委工作人员可以创建自评活动。"))
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
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
        except ValidationError as exc:
            return _validation_response(exc, status.HTTP_400_BAD_REQUEST)
        return Response(CampaignSerializer(campaign).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(
        parameters=[_query("campaign", "自评活动 id", OpenApiTypes.INT), _query("status", "状态")]
    )
)
class AssessmentViewSet(viewsets.ReadOnlyModelViewSet):
    """Assessments in the caller's scope; `?campaign=`, `?status=` filter. POST …/submit/ submits."""

    serializer_class = AssessmentSerializer

    def get_queryset(self):
        params = self.request.query_params
        return selectors.assessment_list(
            user=self.request.user,
            filters={"campaign": params.get("campaign"), "status": params.get("status")},
        ).order_by("pk")

    @extend_schema(request=None, responses={200: AssessmentSerializer})
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None, format=None):  # noqa: A002 — DRF's format-suffix kwarg
        assessment = self.get_object()
        try:
            assessment = services.assessment_submit(assessment=assessment, acting_user=request.user)
        except services.AssessmentIncomplete as exc:
            raise ApiError(
                exc.messages[0],
                status_code=status.HTTP_400_BAD_REQUEST,
                code="incomplete",
                extra={"missing": [r.node.code for r in exc.missing]},
            ) from None
        except services.AssessmentLocked as exc:
            return _validation_response(exc, status.HTTP_403_FORBIDDEN)
        return Response(AssessmentSerializer(assessment).data)


@extend_schema_view(
    list=extend_schema(parameters=[_query("assessment", "只列出该自评的条目", OpenApiTypes.INT)]),
    partial_update=extend_schema(
        request=ItemResponseUpdateSerializer, responses={200: ItemResponseSerializer, 409: None}
    ),
)
class ItemResponseViewSet(mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Responses in scope (`?assessment=` for one assessment). PATCH with `version`: 409 when stale."""

    serializer_class = ItemResponseSerializer
    http_method_names = ["get", "patch", "head", "options"]

    def get_queryset(self):
        qs = selectors.response_list(user=self.request.user).order_by("assessment_id", "node__position")
        if (assessment := self.request.query_params.get("assessment", "")).isdigit():
            qs = qs.filter(assessment_id=assessment)
        return qs

    def partial_update(self, request, *args, **kwargs):
        response = self.get_object()
        serializer = ItemResponseUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        values = dict(serializer.validated_data)
        version = values.pop("version")
        try:
            response = services.response_update(
                response=response, user=request.user, version=version, **values
            )
        except services.ResponseConflict as exc:
            raise ApiError(
                exc.messages[0],
                status_code=status.HTTP_409_CONFLICT,
                code="conflict",
                extra={"current": ItemResponseSerializer(exc.current).data},
            ) from None
        except services.AssessmentLocked as exc:
            return _validation_response(exc, status.HTTP_403_FORBIDDEN)
        except ValidationError as exc:
            return _validation_response(exc, status.HTTP_400_BAD_REQUEST)
        return Response(ItemResponseSerializer(response).data)


def _review_error(exc: ValidationError):
    """Map a review service refusal to the API's error body: 409 stale, 403 refused, 400 invalid."""
    if isinstance(exc, services.ReviewConflict):
        raise ApiError(
            exc.messages[0],
            status_code=status.HTTP_409_CONFLICT,
            code="conflict",
            extra={"current": ReviewItemSerializer(exc.current).data},
        ) from None
    if isinstance(exc, services.ReviewIncomplete):
        raise ApiError(
            exc.messages[0],
            status_code=status.HTTP_400_BAD_REQUEST,
            code="incomplete",
            extra={"pending": [r.node.code for r in exc.pending]},
        ) from None
    if isinstance(exc, services.ReviewRefused):
        return _validation_response(exc, status.HTTP_403_FORBIDDEN)
    return _validation_response(exc, status.HTTP_400_BAD_REQUEST)


@extend_schema_view(
    list=extend_schema(
        parameters=[
            _query("campaign", "自评活动 id", OpenApiTypes.INT),
            _query("district", "区县代码（含下级）"),
            _query("status", "状态"),
            _query("deadline", "week：7 天内截止；overdue：已过评审截止时间"),
        ]
    )
)
class ReviewViewSet(viewsets.ReadOnlyModelViewSet):
    """The review queue (assessments the caller reviews, with items still to review) and the
    workflow actions: start, return, finalise, reopen (commission)."""

    serializer_class = ReviewQueueSerializer

    def get_queryset(self):
        if self.action == "list":
            params = self.request.query_params
            return selectors.review_queue(
                user=self.request.user,
                filters={k: params.get(k) for k in ("campaign", "district", "status", "deadline")},
            )
        return selectors.review_assessment_list(user=self.request.user).order_by("pk")

    def _act(self, call):
        try:
            assessment = call()
        except ValidationError as exc:
            return _review_error(exc)
        assessment = selectors.review_assessment_list(user=self.request.user).get(pk=assessment.pk)
        return Response(ReviewQueueSerializer(assessment).data)

    @extend_schema(request=None, responses={200: ReviewQueueSerializer})
    @action(detail=True, methods=["post"])
    def start(self, request, pk=None, format=None):  # noqa: A002
        assessment = self.get_object()
        return self._act(lambda: services.review_start(assessment=assessment, acting_user=request.user))

    @extend_schema(request=ReturnSerializer, responses={200: ReviewQueueSerializer})
    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def return_(self, request, pk=None, format=None):  # noqa: A002
        assessment = self.get_object()
        serializer = ReturnSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        reasons = {}
        for key, value in serializer.validated_data["reasons"].items():
            if not str(key).isdigit():
                raise ApiError(_("reasons 的键须为条目 id。"), status_code=status.HTTP_400_BAD_REQUEST)
            reasons[int(key)] = value

        def call():
            services.review_return(assessment=assessment, acting_user=request.user, reasons=reasons)
            return assessment

        return self._act(call)

    @extend_schema(request=None, responses={200: ReviewQueueSerializer})
    @action(detail=True, methods=["post"])
    def finalise(self, request, pk=None, format=None):  # noqa: A002
        assessment = self.get_object()
        return self._act(lambda: services.review_finalise(assessment=assessment, acting_user=request.user))

    @extend_schema(request=ReopenSerializer, responses={200: ReviewQueueSerializer})
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None, format=None):  # noqa: A002
        assessment = self.get_object()
        serializer = ReopenSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return self._act(
            lambda: services.review_reopen(
                assessment=assessment, acting_user=request.user, reason=serializer.validated_data["reason"]
            )
        )


@extend_schema_view(
    list=extend_schema(parameters=[_query("assessment", "只列出该自评的条目", OpenApiTypes.INT)]),
    partial_update=extend_schema(request=VerdictSerializer, responses={200: ReviewItemSerializer, 409: None}),
)
class ReviewItemViewSet(mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Items of the assessments the caller reviews, with the consolidated review result.
    PATCH saves a verdict (`version` required; 409 when stale)."""

    serializer_class = ReviewItemSerializer
    http_method_names = ["get", "patch", "head", "options"]

    def get_queryset(self):
        assessments = selectors.review_assessment_list(user=self.request.user)
        qs = (
            selectors.response_list(user=self.request.user)
            .filter(assessment__in=assessments.values("pk"))
            .order_by("assessment_id", "node__position")
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
        try:
            services.verdict_save(response=response, acting_user=request.user, version=version, **values)
        except ValidationError as exc:
            return _review_error(exc)
        response.refresh_from_db()
        return Response(ReviewItemSerializer(response).data)
