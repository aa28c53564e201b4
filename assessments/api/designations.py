"""API of designations: `/api/designations/`.

GET lists the designations of the assessments the caller may view (with `?campaign=`); POST
nominates a school (`{"assessment": id, "kind": "standard"|"demonstration"}`, the school's district);
`…/{id}/award/`, `…/refuse/` and `…/revoke/` (the commission; refuse and revoke with a `reason`).
A school whose result did not pass, a used-up quota or a wrong state: 409 with the message.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from smartcampus.api import query_parameter
from smartcampus.fields import ChoiceLabelField, ScopedPrimaryKeyField

from .. import selectors, services
from ..models import Designation, DesignationKind, DesignationState
from ..scoping import Action


class DesignationSerializer(serializers.ModelSerializer):
    school_code = serializers.CharField(source="assessment.school.code", read_only=True)
    school_name = serializers.CharField(source="assessment.school.name", read_only=True)
    label = serializers.SerializerMethodField(help_text=_("本活动中该类命名的称号，如“淄博市智慧校园”"))
    state_display = ChoiceLabelField(DesignationState.choices, source="state")

    class Meta:
        model = Designation
        fields = [
            "id",
            "campaign",
            "assessment",
            "school_code",
            "school_name",
            "kind",
            "label",
            "state",
            "state_display",
            "reason",
            "nominated_at",
            "decided_at",
        ]
        read_only_fields = fields

    def get_label(self, designation) -> str:
        labels = self.context.setdefault("labels", {})
        if designation.campaign_id not in labels:
            labels[designation.campaign_id] = selectors.campaign_designation_labels(designation.campaign)
        return labels[designation.campaign_id][designation.kind]


class NominateSerializer(serializers.Serializer):
    assessment = ScopedPrimaryKeyField(selectors.assessment_list, action=Action.NOMINATE)
    kind = serializers.ChoiceField(choices=DesignationKind.choices)


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=1000)


@extend_schema_view(list=extend_schema(parameters=[query_parameter("campaign", _("自评活动 id"))]))
class DesignationViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Designations (达标命名、示范校): nominate, award, refuse, revoke."""

    serializer_class = DesignationSerializer

    def get_queryset(self):
        action = Action.AWARD if self.action in ("award", "refuse", "revoke") else Action.VIEW
        queryset = selectors.designation_list(user=self.request.user, action=action).order_by("pk")
        campaign = self.request.query_params.get("campaign", "")
        if self.action == "list" and campaign.isdigit():
            queryset = queryset.filter(campaign_id=int(campaign))
        return queryset

    def _done(self, designation, code=status.HTTP_200_OK) -> Response:
        designation = selectors.designation_get(user=self.request.user, pk=designation.pk)
        return Response(DesignationSerializer(designation, context=self.get_serializer_context()).data, code)

    @extend_schema(request=NominateSerializer, responses={201: DesignationSerializer, 409: None})
    def create(self, request, *args, **kwargs):
        serializer = NominateSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        designation = services.designation_nominate(
            assessment=serializer.validated_data["assessment"],
            kind=serializer.validated_data["kind"],
            acting_user=request.user,
        )
        return self._done(designation, status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: DesignationSerializer, 409: None})
    @action(detail=True, methods=["post"])
    def award(self, request, pk=None, format=None):
        return self._done(services.designation_award(designation=self.get_object(), acting_user=request.user))

    def _with_reason(self, request, service) -> Response:
        designation = self.get_object()
        serializer = ReasonSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return self._done(
            service(
                designation=designation, reason=serializer.validated_data["reason"], acting_user=request.user
            )
        )

    @extend_schema(request=ReasonSerializer, responses={200: DesignationSerializer, 400: None, 409: None})
    @action(detail=True, methods=["post"])
    def refuse(self, request, pk=None, format=None):
        return self._with_reason(request, services.designation_refuse)

    @extend_schema(request=ReasonSerializer, responses={200: DesignationSerializer, 400: None, 409: None})
    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None, format=None):
        return self._with_reason(request, services.designation_revoke)
