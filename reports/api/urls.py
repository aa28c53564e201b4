"""The API routes of this app, registered on the project's one router (`smartcampus.urls`)."""

from .views import CampaignStatisticsViewSet, ReportJobViewSet

ROUTES = [
    ("reports/jobs", ReportJobViewSet, "api-report-job"),
    ("statistics", CampaignStatisticsViewSet, "api-statistics"),
]
