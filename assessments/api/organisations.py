"""API of the organisation tree: schools and regions in the caller's scope (read-only)."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, viewsets

from smartcampus.api import query_parameter
from smartcampus.fields import ChoiceLabelField

from .. import selectors
from ..models import Region, School, SchoolType


class RegionSerializer(serializers.ModelSerializer):
    parent = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)

    class Meta:
        model = Region
        fields = ("id", "code", "name", "level", "parent")


class SchoolSerializer(serializers.ModelSerializer):
    region = serializers.SlugRelatedField(slug_field="code", read_only=True)
    region_name = serializers.CharField(source="region.full_name", read_only=True)
    school_type_display = ChoiceLabelField(SchoolType.choices, source="school_type")

    class Meta:
        model = School
        fields = ("id", "code", "name", "school_type", "school_type_display", "region", "region_name")


@extend_schema_view(
    list=extend_schema(
        parameters=[
            query_parameter("q", _("名称或代码包含")),
            query_parameter("region", _("地区代码（含下级地区）")),
            query_parameter("school_type", _("学校类型")),
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
