"""API of rectification items: `/api/rectification-items/`.

GET lists the items of the assessments the caller may view (`?campaign=`, `?state=`, `?overdue=`,
`?school=`) and reads one with its history. The transitions are POSTs on an item, each calling the
same service as the item page's form, with the `version` the client read:

- the school's CIO: `…/plan/` (`plan`, `responsible`), `…/complete/` (`report`, `files`: ids of the
  school's evidence library);
- the assessment's reviewers: `…/approve/`, `…/return-plan/`, `…/verify/`, `…/return-completion/`
  (`comment`, required to return), `…/waive/` (`reason`).

The item is looked up with the action of the transition, so someone who may not perform it gets the
404 of an item that does not exist; a wrong state or a stale version is a 409 (`wrong_state`,
`stale` with `current`), a missing text a 400 on its field. The answer is the item as it is now.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from assessments.scoping import Action
from smartcampus.api import query_parameter

from .. import selectors, services
from .serializers import (
    CommentSerializer,
    CompleteSerializer,
    PlanSerializer,
    RectificationFilterSerializer,
    RectificationItemSerializer,
    WaiveSerializer,
)

#: the scope action each transition looks its item up with (reading: Action.VIEW)
TRANSITION_ACTIONS = {
    "plan": Action.RECTIFY,
    "complete": Action.RECTIFY,
    "approve": Action.VERIFY,
    "return_plan": Action.VERIFY,
    "verify": Action.VERIFY,
    "return_completion": Action.VERIFY,
    "waive": Action.VERIFY,
}


def _transition_schema(request):
    return extend_schema(request=request, responses={200: RectificationItemSerializer, 400: None, 409: None})


@extend_schema_view(
    list=extend_schema(
        parameters=[
            query_parameter("campaign", _("自评活动 id"), OpenApiTypes.INT),
            query_parameter(
                "state", _("状态：draft_plan/plan_review/in_progress/awaiting_verification/verified/waived")
            ),
            query_parameter("overdue", _("true：只列逾期未办结的；false：只列未逾期的"), OpenApiTypes.BOOL),
            query_parameter("school", _("学校 id"), OpenApiTypes.INT),
        ]
    )
)
class RectificationItemViewSet(viewsets.ReadOnlyModelViewSet):
    """Rectification items (整改事项) in the caller's scope, and their transitions."""

    serializer_class = RectificationItemSerializer
    filter_backends = []

    def get_queryset(self):
        user = self.request.user
        if self.action == "list":
            filters = RectificationFilterSerializer(data=self.request.query_params)
            filters.is_valid(raise_exception=True)
            data = filters.validated_data
            return selectors.rectification_search(
                user=user,
                campaign_id=data.get("campaign"),
                state=data.get("state"),
                overdue=data.get("overdue"),
                school_id=data.get("school"),
            )
        action = TRANSITION_ACTIONS.get(self.action, Action.VIEW)
        return selectors.rectification_list(user=user, action=action).order_by("pk")

    def retrieve(self, request, *args, **kwargs):
        return self._answer(self.get_object())

    def _answer(self, item) -> Response:
        """The item as the caller now reads it (with its evidence files and history)."""
        item = selectors.rectification_search(user=self.request.user).get(pk=item.pk)
        return Response(self.get_serializer(item).data)

    def _run(self, input_class, service):
        """Look the item up with the transition's action (404), check the input (400), then the service
        (409 on a wrong state or a stale version); the input's fields are the service's keywords."""
        item = self.get_object()
        data = input_class(data=self.request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        return self._answer(service(item=item, acting_user=self.request.user, **data.validated_data))

    @_transition_schema(PlanSerializer)
    @action(detail=True, methods=["post"])
    def plan(self, request, pk=None, format=None):
        """The school's plan (待制定方案 → 方案待审核)."""
        return self._run(PlanSerializer, services.rectification_plan_submit)

    @_transition_schema(CompleteSerializer)
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None, format=None):
        """The school reports completion (整改中 → 待验收) with files of its library."""
        item = self.get_object()
        data = CompleteSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        values = data.validated_data
        item = services.rectification_complete(
            item=item,
            acting_user=request.user,
            version=values["version"],
            report=values["report"],
            file_ids=[f.pk for f in values.get("files", [])],
        )
        return self._answer(item)

    @_transition_schema(CommentSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None, format=None):
        """The reviewer approves the plan (方案待审核 → 整改中)."""
        return self._run(CommentSerializer, services.rectification_plan_approve)

    @_transition_schema(CommentSerializer)
    @action(detail=True, methods=["post"], url_path="return-plan", url_name="return-plan")
    def return_plan(self, request, pk=None, format=None):
        """The reviewer returns the plan (方案待审核 → 待制定方案); `comment` is required."""
        return self._run(CommentSerializer, services.rectification_plan_return)

    @_transition_schema(CommentSerializer)
    @action(detail=True, methods=["post"])
    def verify(self, request, pk=None, format=None):
        """The reviewer accepts the completion (待验收 → 已验收)."""
        return self._run(CommentSerializer, services.rectification_verify)

    @_transition_schema(CommentSerializer)
    @action(detail=True, methods=["post"], url_path="return-completion", url_name="return-completion")
    def return_completion(self, request, pk=None, format=None):
        """The reviewer does not accept the completion (待验收 → 整改中); `comment` is required."""
        return self._run(CommentSerializer, services.rectification_verification_return)

    @_transition_schema(WaiveSerializer)
    @action(detail=True, methods=["post"])
    def waive(self, request, pk=None, format=None):
        """The reviewer exempts an open item (→ 免于整改); `reason` is required."""
        return self._run(WaiveSerializer, services.rectification_waive)
