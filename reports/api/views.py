"""REST endpoints of report jobs. Querysets from selectors, writes through services."""

from __future__ import annotations

from django.utils import translation
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from assessments import selectors as assessment_selectors
from assessments.scoping import Action, get_scope

from .. import selectors, services, views
from ..dashboard import dashboard_parts
from .serializers import CampaignStatisticsSerializer, ReportJobRequestSerializer, ReportJobSerializer

COMPUTING_RETRY_SECONDS = 5


class ReportJobViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The caller's report jobs (batches list their schools as jobs with `parent`).

    POST creates a job (201), or returns the caller's identical queued/running job (200); when the
    task queue cannot take it, the job is failed and the answer is 503 (`queue_unavailable`, with the
    failed job's id in `error.job`: retry it once the queue is back).
    """

    serializer_class = ReportJobSerializer
    filter_backends = []

    def get_queryset(self):
        return selectors.report_job_list(user=self.request.user, include_children=self.action != "list")

    @extend_schema(
        request=ReportJobRequestSerializer,
        responses={200: ReportJobSerializer, 201: ReportJobSerializer, 503: None},
    )
    def create(self, request, *args, **kwargs):
        serializer = ReportJobRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        target = selectors.report_target(user=request.user, **serializer.validated_data)
        job, created = services.report_job_request(
            kind=target.kind,
            campaign=target.campaign,
            assessment=target.assessment,
            region=target.region,
            acting_user=request.user,
            language=translation.get_language(),
        )
        job = selectors.report_job_get(user=request.user, pk=job.pk)
        return Response(
            ReportJobSerializer(job).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )

    @extend_schema(request=None, responses={200: ReportJobSerializer, 409: None, 503: None})
    @action(detail=True, methods=["post"])
    def retry(self, request, pk=None, format=None):  # `format`: DRF passes it for .json suffixes
        job = services.report_job_retry(job=self.get_object(), acting_user=request.user)
        return Response(ReportJobSerializer(selectors.report_job_get(user=request.user, pk=job.pk)).data)

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"], url_path="download", url_name="download")
    def download(self, request, pk=None, format=None):
        return views.job_file_response(self.get_object())


class CampaignStatisticsViewSet(viewsets.GenericViewSet):
    """GET /api/statistics/{campaign id}/: the dashboard's figures for the campaign's schools in the
    caller's scope (reviewers and commission staff): progress per district (every school in exactly
    one bucket), self and review statistics under the same rules as the dashboard and the workbook."""

    serializer_class = CampaignStatisticsSerializer
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        return assessment_selectors.campaign_list(user=self.request.user)

    @extend_schema(responses={200: CampaignStatisticsSerializer, 202: None})
    def retrieve(self, request, pk=None, format=None):
        campaign = self.get_object()
        if not assessment_selectors.user_can(user=request.user, action=Action.REPORT):
            raise NotFound
        assessments = assessment_selectors.assessment_list(user=request.user).filter(campaign=campaign)
        parts = dashboard_parts(
            campaign=campaign, assessments=assessments, scope=get_scope(request.user), user=request.user
        )
        if parts is None:  # a large scope's first figures are being computed by a worker
            return Response(
                {"detail": _("统计数据正在计算，请稍后再试。")},
                status=status.HTTP_202_ACCEPTED,
                headers={"Retry-After": str(COMPUTING_RETRY_SECONDS)},
            )
        return Response(CampaignStatisticsSerializer(parts["board"]).data)
