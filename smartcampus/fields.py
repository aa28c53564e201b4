"""API input fields shared by every app."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers


@extend_schema_field(OpenApiTypes.INT)
class ScopedPrimaryKeyField(serializers.PrimaryKeyRelatedField):
    """A primary key looked up only among the rows a selector gives the requesting user, for an
    action: `ScopedPrimaryKeyField(school_list, action=Action.MANAGE)`. An id outside that scope
    gets exactly the error of an id that does not exist, so the answer names nothing."""

    def __init__(self, selector, *, action=None, **kwargs):
        self.selector = selector
        self.action = action
        super().__init__(**kwargs)

    def get_queryset(self):
        kwargs = {"action": self.action} if self.action is not None else {}
        return self.selector(user=self.context["request"].user, **kwargs)


@extend_schema_field(OpenApiTypes.STR)
class ChoiceLabelField(serializers.Field):
    """The label of a choices field's value, read-only: `ChoiceLabelField(Status.choices,
    source="status")`. A dict lookup per row, where `source="get_status_display"` makes DRF inspect
    and call the model's method for every row."""

    def __init__(self, choices, **kwargs):
        self.labels = dict(choices)
        kwargs["read_only"] = True
        super().__init__(**kwargs)

    def to_representation(self, value):
        return str(self.labels.get(value, value))
