from rest_framework import serializers

from ..models import Framework, Node
from ..selectors import framework_spec
from ..trees import json_number, spec_to_dict


class FrameworkSerializer(serializers.ModelSerializer):
    total_points = serializers.SerializerMethodField()
    locked = serializers.SerializerMethodField()
    node_count = serializers.IntegerField(read_only=True)
    leaf_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Framework
        fields = (
            "code",
            "version",
            "name",
            "region",
            "school_level",
            "source_document",
            "source_file",
            "year",
            "scoring",
            "total_points",
            "locked",
            "node_count",
            "leaf_count",
        )

    def get_total_points(self, obj) -> float | None:
        return json_number(obj.total_points)

    def get_locked(self, obj) -> bool:
        return obj.locked_at is not None


class FrameworkDetailSerializer(FrameworkSerializer):
    """The framework with its nested tree, in the fixture / `framework_tree --json` shape."""

    note = serializers.CharField(read_only=True)
    nodes = serializers.SerializerMethodField()

    class Meta(FrameworkSerializer.Meta):
        fields = (*FrameworkSerializer.Meta.fields, "note", "nodes")

    def get_nodes(self, obj) -> list[dict]:
        return spec_to_dict(framework_spec(framework=obj))["nodes"]


class NodeSerializer(serializers.ModelSerializer):
    parent_code = serializers.CharField(source="parent.code", default=None, read_only=True)
    points = serializers.SerializerMethodField()

    class Meta:
        model = Node
        fields = (
            "code",
            "level",
            "parent_code",
            "position",
            "name",
            "text",
            "points",
            "optional",
            "optional_clauses",
            "starred",
            "points_inferred",
            "note",
            "source_section",
        )

    def get_points(self, obj) -> float | None:
        return json_number(obj.points)
