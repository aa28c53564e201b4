from rest_framework import serializers

from ..models import Region, School


class RegionSerializer(serializers.ModelSerializer):
    parent = serializers.SlugRelatedField(slug_field="code", read_only=True)

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
