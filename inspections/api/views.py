"""API of on-site visits, publications and objections: `/api/visits/`, `/api/publications/`,
`/api/objections/`.

Each object is looked up through a selector with the action the request performs (outside it: 404
naming nothing) and each write calls the same service as the pages: a wrong state is 409 with the
service's code (`nothing_accepted`, `window_closed`, `not_accepted`, `decided`, `objections_open`…),
invalid input 400.

- visits: list and read (`inspect` scope; `?campaign=`, `?state=`), schedule (`assessment`, `date`,
  `team`, `items`, `note`), `…/{id}/findings/{finding}/` records a finding (`verdict`, `text`).
- publications: list and read (participants), publish (`campaign`, `visibility`, `fields_shown`,
  `window_start`, `window_end`; the commission), `…/{id}/close/`.
- objections: list (the commission: all of its publications; a school: its own), raise (the school's
  CIO: `publication`, `assessment`, `node` or null, `reason`, `files`), `…/{id}/uphold/` and
  `…/{id}/reject/` (`reason`; the commission).
"""

from __future__ import annotations

import django_filters
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from assessments import selectors as assessment_selectors
from assessments.scoping import Action

from .. import selectors, services
from ..models import Objection, ObjectionState, Publication, PublicationState, Visit, VisitState
from .serializers import (
    DecisionSerializer,
    FindingRecordSerializer,
    FindingSerializer,
    ObjectionCreateSerializer,
    ObjectionSerializer,
    PublicationCreateSerializer,
    PublicationSerializer,
    VisitCreateSerializer,
    VisitDetailSerializer,
    VisitSerializer,
)


class VisitFilterSet(django_filters.FilterSet):
    campaign = django_filters.NumberFilter(field_name="assessment__campaign_id", help_text=_("自评活动 id"))
    state = django_filters.ChoiceFilter(choices=VisitState.choices)

    class Meta:
        model = Visit
        fields = ["campaign", "state"]


class VisitViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """On-site visits (现场核验): list, read with findings, schedule, record a finding."""

    filterset_class = VisitFilterSet

    def get_serializer_class(self):
        return VisitDetailSerializer if self.action == "retrieve" else VisitSerializer

    def get_queryset(self):
        return (
            selectors.visit_list(user=self.request.user, action=Action.INSPECT)
            .prefetch_related("team")
            .order_by("-date", "-id")
        )

    @extend_schema(request=VisitCreateSerializer, responses={201: VisitDetailSerializer, 400: None})
    def create(self, request, *args, **kwargs):
        data = VisitCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        assessment = assessment_selectors.assessment_get(
            user=request.user, pk=values["assessment"], action=Action.INSPECT
        )
        visit = services.visit_schedule(
            assessment=assessment,
            acting_user=request.user,
            date=values["date"],
            team_ids=values["team"],
            node_ids=values["items"],
            note=values["note"],
        )
        visit = self.get_queryset().prefetch_related("findings__node").get(pk=visit.pk)
        return Response(VisitDetailSerializer(visit).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=FindingRecordSerializer, responses={200: FindingSerializer, 400: None, 409: None})
    @action(detail=True, methods=["post"], url_path=r"findings/(?P<finding_pk>\d+)")
    def findings(self, request, pk=None, finding_pk=None, format=None):
        visit = self.get_object()
        finding = get_object_or_404(visit.findings.all(), pk=finding_pk)
        data = FindingRecordSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        finding = services.finding_record(
            finding=finding,
            acting_user=request.user,
            verdict=data.validated_data["verdict"],
            text=data.validated_data["text"],
        )
        return Response(FindingSerializer(visit.findings.select_related("node").get(pk=finding.pk)).data)


class PublicationFilterSet(django_filters.FilterSet):
    campaign = django_filters.NumberFilter(field_name="campaign_id", help_text=_("自评活动 id"))
    state = django_filters.ChoiceFilter(choices=PublicationState.choices)

    class Meta:
        model = Publication
        fields = ["campaign", "state"]


class PublicationViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Publications (结果公示) of official results: list, read, publish, close."""

    serializer_class = PublicationSerializer
    filterset_class = PublicationFilterSet

    def get_queryset(self):
        action = Action.PUBLISH if self.action == "close" else Action.VIEW
        return selectors.publication_list(user=self.request.user, action=action).order_by(
            "-published_at", "-id"
        )

    @extend_schema(request=PublicationCreateSerializer, responses={201: PublicationSerializer, 409: None})
    def create(self, request, *args, **kwargs):
        data = PublicationCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        campaign = assessment_selectors.campaign_get(
            user=request.user, pk=values["campaign"], action=Action.PUBLISH
        )
        publication = services.publication_create(
            campaign=campaign,
            acting_user=request.user,
            visibility=values["visibility"],
            fields=values["fields_shown"],
            window_start=values["window_start"],
            window_end=values["window_end"],
        )
        return Response(PublicationSerializer(publication).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: PublicationSerializer, 409: None})
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None, format=None):
        publication = services.publication_close(publication=self.get_object(), acting_user=request.user)
        return Response(PublicationSerializer(publication).data)


class ObjectionFilterSet(django_filters.FilterSet):
    publication = django_filters.NumberFilter(field_name="publication_id", help_text=_("结果公示 id"))
    state = django_filters.ChoiceFilter(choices=ObjectionState.choices)

    class Meta:
        model = Objection
        fields = ["publication", "state"]


class ObjectionViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Objections (申辩): list, read, raise (the school), uphold or reject (the commission)."""

    serializer_class = ObjectionSerializer
    filterset_class = ObjectionFilterSet

    def get_queryset(self):
        action = Action.PUBLISH if self.action in ("uphold", "reject") else Action.VIEW
        return (
            selectors.objection_list(user=self.request.user, action=action)
            .prefetch_related("files")
            .order_by("-raised_at", "-id")
        )

    @extend_schema(request=ObjectionCreateSerializer, responses={201: ObjectionSerializer, 409: None})
    def create(self, request, *args, **kwargs):
        data = ObjectionCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        publication = selectors.publication_get(user=request.user, pk=values["publication"])
        assessment = assessment_selectors.assessment_get(
            user=request.user, pk=values["assessment"], action=Action.OBJECT
        )
        objection = services.objection_raise(
            publication=publication,
            assessment=assessment,
            acting_user=request.user,
            reason=values["reason"],
            node_id=values["node"],
            file_ids=values["files"],
        )
        return Response(
            ObjectionSerializer(self.get_queryset().get(pk=objection.pk)).data, status=status.HTTP_201_CREATED
        )

    def _decide(self, request, service) -> Response:
        objection = self.get_object()
        data = DecisionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        service(objection=objection, acting_user=request.user, reason=data.validated_data["reason"])
        return Response(ObjectionSerializer(self.get_queryset().get(pk=objection.pk)).data)

    @extend_schema(request=DecisionSerializer, responses={200: ObjectionSerializer, 400: None, 409: None})
    @action(detail=True, methods=["post"])
    def uphold(self, request, pk=None, format=None):
        return self._decide(request, services.objection_uphold)

    @extend_schema(request=DecisionSerializer, responses={200: ObjectionSerializer, 400: None, 409: None})
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None, format=None):
        return self._decide(request, services.objection_reject)
