"""REST endpoints of the classroom inventory. Querysets from selectors (asked with the action: outside
its scope, 404), writes through services (their refusals are mapped by `smartcampus.api`)."""

from __future__ import annotations

from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.response import Response

from assessments.scoping import Action
from indicators.models import EquipmentDevice
from smartcampus.api import query_parameter
from smartcampus.errors import Invalid

from .. import selectors, services
from ..models import CheckStatus, ClassroomKind
from .serializers import (
    ClassroomDetailSerializer,
    ClassroomDeviceCreateSerializer,
    ClassroomDeviceSerializer,
    ClassroomDeviceUpdateSerializer,
    ClassroomSerializer,
    ClassroomUpdateSerializer,
)

WRITE_ACTIONS = ("partial_update", "destroy")


def _id(value) -> int | None:
    """`?school=` as given by a client: an id that is not a number matches nothing (not a 500)."""
    return int(value) if str(value).isdigit() else -1 if value not in (None, "") else None


@extend_schema_view(
    list=extend_schema(
        parameters=[
            query_parameter("school", gettext_lazy("学校 id"), OpenApiTypes.INT),
            query_parameter(
                "kind",
                format_lazy(gettext_lazy("教室类型：{values}"), values=" / ".join(ClassroomKind.values)),
            ),
            query_parameter(
                "status",
                format_lazy(gettext_lazy("配置检查：{values}"), values=" / ".join(CheckStatus.values)),
            ),
            query_parameter("q", gettext_lazy("教室名称包含")),
        ]
    ),
    create=extend_schema(request=ClassroomSerializer, responses={201: ClassroomSerializer}),
    partial_update=extend_schema(
        request=ClassroomUpdateSerializer, responses={200: ClassroomSerializer, 409: None}
    ),
    destroy=extend_schema(responses={204: None}),
)
class ClassroomViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Classrooms in the caller's scope (`?school=`, `?kind=`, `?status=`, `?q=`); the detail adds the
    check computed now (failures, groups, devices with their thresholds, seat ratio). The school's
    CIO creates (POST), changes (PATCH with `version`: 409 when stale) and deletes them."""

    filter_backends = []
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_serializer_class(self):
        return ClassroomDetailSerializer if self.action == "retrieve" else ClassroomSerializer

    def get_queryset(self):
        params = self.request.query_params
        qs = selectors.classroom_list(
            user=self.request.user,
            action=Action.EDIT if self.action in WRITE_ACTIONS else Action.VIEW,
            school_id=_id(params.get("school")),
            filters={"kind": params.get("kind"), "status": params.get("status"), "q": params.get("q")},
        )
        return qs.order_by("school_id", "name", "id")

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = services.classroom_create(
            school=data["school"],
            name=data["name"],
            kind=data["kind"],
            seats=data.get("seats"),
            building=data.get("building", ""),
            room=data.get("room", ""),
            acting_user=self.request.user,
        )

    def partial_update(self, request, *args, **kwargs):
        classroom = self.get_object()
        serializer = ClassroomUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        values = dict(serializer.validated_data)
        version = values.pop("version")
        classroom = services.classroom_update(
            classroom=classroom, version=version, acting_user=request.user, **values
        )
        return Response(ClassroomSerializer(classroom, context=self.get_serializer_context()).data)

    def perform_destroy(self, instance):
        services.classroom_delete(classroom=instance, acting_user=self.request.user)


@extend_schema_view(
    list=extend_schema(parameters=[query_parameter("classroom", gettext_lazy("教室 id"), OpenApiTypes.INT)]),
    create=extend_schema(request=ClassroomDeviceCreateSerializer, responses={201: ClassroomDeviceSerializer}),
    partial_update=extend_schema(
        request=ClassroomDeviceUpdateSerializer, responses={200: ClassroomDeviceSerializer, 409: None}
    ),
    destroy=extend_schema(responses={204: None}),
)
class ClassroomDeviceViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Device rows of classrooms in scope (`?classroom=`). The school's CIO adds (POST: `device` is
    the catalogue code, `measured` the values per spec as typed), changes (PATCH with `version`)
    and removes them; each change checks the classroom again."""

    serializer_class = ClassroomDeviceSerializer
    filter_backends = []
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        return selectors.classroom_device_list(
            user=self.request.user,
            action=Action.EDIT if self.action in WRITE_ACTIONS else Action.VIEW,
            classroom_id=_id(self.request.query_params.get("classroom")),
        )

    def create(self, request, *args, **kwargs):
        serializer = ClassroomDeviceCreateSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        classroom = data["classroom"]
        device = EquipmentDevice.objects.filter(catalog_id=classroom.catalog_id, code=data["device"]).first()
        if device is None:
            message = _("“%(code)s”不是设备配置目录中的设备代码。") % {"code": data["device"]}
            raise Invalid(message, fields={"device": [message]})
        row = services.classroom_device_add(
            classroom=classroom,
            device=device,
            count=data["count"],
            measured=data["measured"],
            year=data.get("year"),
            acting_user=request.user,
        )
        return Response(self.get_serializer(row).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        row = self.get_object()
        serializer = ClassroomDeviceUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        values = dict(serializer.validated_data)
        version = values.pop("version")
        row = services.classroom_device_update(
            installed=row, version=version, acting_user=request.user, **values
        )
        return Response(self.get_serializer(row).data)

    def perform_destroy(self, instance):
        services.classroom_device_remove(installed=instance, acting_user=self.request.user)
