from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view, inline_serializer
from rest_framework import serializers, viewsets
from rest_framework.decorators import action

from .. import selectors
from .serializers import FrameworkDetailSerializer, FrameworkSerializer, NodeSerializer

_VERSION = OpenApiParameter(
    "version", OpenApiTypes.INT, OpenApiParameter.QUERY, description=_("版本号（默认最新版本）")
)


@extend_schema_view(
    retrieve=extend_schema(parameters=[_VERSION]),
    nodes=extend_schema(
        parameters=[_VERSION, OpenApiParameter("page", OpenApiTypes.INT, OpenApiParameter.QUERY)],
        responses=inline_serializer(
            "PaginatedNodeList",
            {
                "count": serializers.IntegerField(),
                "next": serializers.URLField(allow_null=True),
                "previous": serializers.URLField(allow_null=True),
                "results": NodeSerializer(many=True),
            },
        ),
    ),
)
class FrameworkViewSet(viewsets.ReadOnlyModelViewSet):
    """Frameworks (latest versions); `/{code}/?version=N` for an older one, `/{code}/nodes/` flat."""

    lookup_field = "code"
    lookup_value_regex = r"[-a-zA-Z0-9_]+"
    serializer_class = FrameworkSerializer

    def get_queryset(self):
        return selectors.framework_list(user=self.request.user)

    def get_serializer_class(self):
        return FrameworkDetailSerializer if self.action == "retrieve" else FrameworkSerializer

    def _version(self) -> int | None:
        version = self.request.query_params.get("version", "")
        return int(version) if version.isdigit() else None

    def get_object(self):
        framework = selectors.framework_get(
            user=self.request.user, code=self.kwargs["code"], version=self._version()
        )
        self.check_object_permissions(self.request, framework)
        return framework

    @action(detail=True, serializer_class=NodeSerializer)
    def nodes(self, request, code=None, format=None):
        framework = self.get_object()
        page = self.paginate_queryset(selectors.node_list(framework=framework).select_related("parent"))
        return self.get_paginated_response(NodeSerializer(page, many=True).data)
