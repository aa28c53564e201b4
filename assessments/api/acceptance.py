"""API of the city acceptance (市级验收): `/api/acceptance/`.

GET lists the finalised (and sent-back) assessments the caller may accept, by district and school
code, with `?campaign=` and `?state=pending|accepted|sent_back`; commission staff managing the
campaign and the city reviewers they delegated it to see them, nobody else. `…/{id}/accept/` and
`…/{id}/send-back/` (`reason`) call the same services as the acceptance page, with the `version`
of the assessment the client read: a stale version is 409 `stale` with `current`, a result that is
not finalised or already accepted 409, a missing reason 400, an assessment outside the caller's
acceptance scope 404.
"""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from smartcampus.fields import ChoiceLabelField

from .. import selectors, services
from ..models import Acceptance, Assessment
from ..scoping import Action
from ..services.acceptance import REASON_MAX_LENGTH


class AcceptanceSerializer(serializers.ModelSerializer):
    school_code = serializers.CharField(source="school.code", read_only=True)
    school_name = serializers.CharField(source="school.name", read_only=True)
    district = serializers.CharField(source="school.region.name", read_only=True)
    acceptance_display = ChoiceLabelField(Acceptance.choices, source="acceptance")
    acceptance_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = Assessment
        fields = [
            "id",
            "campaign",
            "school_code",
            "school_name",
            "district",
            "status",
            "version",
            "result_percent",
            "result_grade",
            "result_passed",
            "acceptance",
            "acceptance_display",
            "acceptance_by",
            "acceptance_at",
            "acceptance_reason",
        ]
        read_only_fields = fields


class AcceptanceFilterSet(django_filters.FilterSet):
    campaign = django_filters.NumberFilter(field_name="campaign_id", help_text=_("自评活动 id"))
    state = django_filters.ChoiceFilter(
        field_name="acceptance", choices=Acceptance.choices, help_text=_("市级验收状态")
    )

    class Meta:
        model = Assessment
        fields = ["campaign", "state"]


class VersionSerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=1, required=False, help_text=_("客户端读取时的版本"))


class SendBackSerializer(VersionSerializer):
    reason = serializers.CharField(max_length=REASON_MAX_LENGTH, help_text=_("退回原因"))


class AcceptanceViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """City acceptance: list, accept, send back to the district."""

    serializer_class = AcceptanceSerializer
    filterset_class = AcceptanceFilterSet

    def get_queryset(self):
        return (
            selectors.assessment_list(user=self.request.user, action=Action.ACCEPT)
            .filter(selectors.ACCEPTANCE_ROWS)
            .select_related("school__region", "acceptance_by")
            .order_by("school__region__path", "school__code", "pk")
        )

    def _done(self, assessment) -> Response:
        return Response(self.get_serializer(self.get_queryset().get(pk=assessment.pk)).data)

    @extend_schema(request=VersionSerializer, responses={200: AcceptanceSerializer, 409: None})
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None, format=None):
        assessment = self.get_object()
        data = VersionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._done(
            services.acceptance_accept(
                assessment=assessment, acting_user=request.user, version=data.validated_data.get("version")
            )
        )

    @extend_schema(request=SendBackSerializer, responses={200: AcceptanceSerializer, 400: None, 409: None})
    @action(detail=True, methods=["post"], url_path="send-back")
    def send_back(self, request, pk=None, format=None):
        assessment = self.get_object()
        data = SendBackSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._done(
            services.acceptance_send_back(
                assessment=assessment,
                acting_user=request.user,
                reason=data.validated_data["reason"],
                version=data.validated_data.get("version"),
            )
        )
