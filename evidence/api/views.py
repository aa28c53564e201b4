"""REST endpoints of the evidence app. Querysets from selectors (asked with the action: outside its
scope, 404), writes through services (their refusals are mapped by `smartcampus.api`)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.exceptions import APIException
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from assessments.scoping import Action
from smartcampus.api import query_parameter

from .. import selectors, services
from ..uploads import RequestTooLarge, install_upload_limit, too_large_message
from .serializers import (
    EvidenceFileSerializer,
    EvidenceLinkSerializer,
    EvidenceUploadSerializer,
    ResponseEvidenceSerializer,
)


class PayloadTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "too_large"


def _response_filter() -> OpenApiParameter:
    return query_parameter("response", _("只列出该条目（作答）的材料"), OpenApiTypes.INT)


@extend_schema_view(
    list=extend_schema(
        parameters=[
            query_parameter("school", _("学校 id"), OpenApiTypes.INT),
            query_parameter("q", _("文件名包含")),
            query_parameter("kind", _("文件类型（pdf、png、docx…）")),
        ]
    ),
    create=extend_schema(
        request=EvidenceUploadSerializer,
        responses={200: EvidenceFileSerializer, 201: EvidenceFileSerializer, 413: None},
    ),
)
class EvidenceFileViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """Library files in the caller's scope (`?school=`, `?q=`, `?kind=`); POST multipart uploads one file.

    Answers 201 for a new file, 200 when the same bytes were already in the school's library.
    """

    serializer_class = EvidenceFileSerializer
    parser_classes = [MultiPartParser, FormParser]
    filter_backends = []

    def initial(self, request, *args, **kwargs):
        # Before authentication: DRF's CSRF check reads the body, so the limit must be in place first.
        if request.method == "POST":
            try:
                self.size_limit = install_upload_limit(request._request)
            except RequestTooLarge as exc:
                raise PayloadTooLarge(str(exc)) from None
        super().initial(request, *args, **kwargs)

    def get_queryset(self):
        params = self.request.query_params
        school = params.get("school")
        return selectors.evidence_file_list(
            user=self.request.user,
            school_id=int(school) if school and school.isdigit() else None,
            filters={"q": params.get("q"), "kind": params.get("kind")},
        )

    def create(self, request, *args, **kwargs):
        request.data  # noqa: B018 — parse the body now: only then does the limit know what it skipped
        if self.size_limit.oversized:
            raise PayloadTooLarge(too_large_message(self.size_limit.oversized[0]))
        serializer = EvidenceUploadSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        outcome = services.evidence_upload(
            school=serializer.validated_data["school"],
            uploaded_file=serializer.validated_data["file"],
            acting_user=request.user,
        )
        data = {**EvidenceFileSerializer(outcome.evidence_file).data, "created": outcome.created}
        data["notices"] = outcome.notices
        return Response(data, status=status.HTTP_201_CREATED if outcome.created else status.HTTP_200_OK)


@extend_schema_view(list=extend_schema(parameters=[_response_filter()]))
class ResponseEvidenceViewSet(
    mixins.ListModelMixin, mixins.CreateModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet
):
    """Files attached to responses in scope (`?response=`); POST attaches, DELETE detaches."""

    serializer_class = ResponseEvidenceSerializer
    filter_backends = []

    def get_queryset(self):
        return selectors.evidence_attachment_list(
            user=self.request.user,
            action=Action.EDIT if self.action == "destroy" else Action.VIEW,
            filters={"response": self.request.query_params.get("response")},
        )

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        response, evidence_file = serializer.validated_data["response"], serializer.validated_data["file"]
        created = services.evidence_attach(
            response=response, evidence_file=evidence_file, acting_user=request.user
        )
        attachment = self.get_queryset().get(response=response, file=evidence_file)
        return Response(
            self.get_serializer(attachment).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )

    def perform_destroy(self, instance):
        services.evidence_detach(
            response=instance.response, evidence_file=instance.file, acting_user=self.request.user
        )


@extend_schema_view(list=extend_schema(parameters=[_response_filter()]))
class EvidenceLinkViewSet(
    mixins.ListModelMixin, mixins.CreateModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet
):
    """Links attached to responses in scope (`?response=`); POST adds (http/https only), DELETE removes."""

    serializer_class = EvidenceLinkSerializer
    filter_backends = []

    def get_queryset(self):
        return selectors.evidence_link_list(
            user=self.request.user,
            action=Action.EDIT if self.action == "destroy" else Action.VIEW,
            filters={"response": self.request.query_params.get("response")},
        )

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        link = services.evidence_link_add(
            response=serializer.validated_data["response"],
            url=serializer.validated_data["url"],
            title=serializer.validated_data["title"],
            acting_user=request.user,
        )
        return Response(self.get_serializer(link).data, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance):
        services.evidence_link_remove(link=instance, acting_user=self.request.user)
