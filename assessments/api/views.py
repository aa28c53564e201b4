from django.core.exceptions import ValidationError
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from .. import selectors, services
from .serializers import (
    AssessmentSerializer,
    CampaignCreateSerializer,
    CampaignSerializer,
    ItemResponseSerializer,
    ItemResponseUpdateSerializer,
    RegionSerializer,
    SchoolSerializer,
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


def _validation_response(exc: ValidationError, http_status: int) -> Response:
    detail = exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
    return Response(detail, status=http_status)


class CampaignViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Campaigns the caller takes part in; commission staff create them (one assessment per school)."""

    def get_serializer_class(self):
        return CampaignCreateSerializer if self.action == "create" else CampaignSerializer

    def get_queryset(self):
        return selectors.campaign_list(user=self.request.user).order_by("-year", "-created_at")

    def create(self, request, *args, **kwargs):
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


class AssessmentViewSet(viewsets.ReadOnlyModelViewSet):
    """Assessments in the caller's scope; `?campaign=`, `?status=` filter. POST …/submit/ submits."""

    serializer_class = AssessmentSerializer

    def get_queryset(self):
        params = self.request.query_params
        return selectors.assessment_list(
            user=self.request.user,
            filters={"campaign": params.get("campaign"), "status": params.get("status")},
        ).order_by("pk")

    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        assessment = self.get_object()
        try:
            assessment = services.assessment_submit(assessment=assessment, acting_user=request.user)
        except services.AssessmentIncomplete as exc:
            return Response(
                {"detail": exc.messages[0], "missing": [r.node.code for r in exc.missing]},
                status=status.HTTP_400_BAD_REQUEST,
            )
        except services.AssessmentLocked as exc:
            return _validation_response(exc, status.HTTP_403_FORBIDDEN)
        return Response(AssessmentSerializer(assessment).data)


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
            return Response(
                {"detail": exc.messages[0], "current": ItemResponseSerializer(exc.current).data},
                status=status.HTTP_409_CONFLICT,
            )
        except services.AssessmentLocked as exc:
            return _validation_response(exc, status.HTTP_403_FORBIDDEN)
        except ValidationError as exc:
            return _validation_response(exc, status.HTTP_400_BAD_REQUEST)
        return Response(ItemResponseSerializer(response).data)
