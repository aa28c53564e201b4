"""Mounted at `api/`: /api/reports/jobs/ (list, create), /api/reports/jobs/{id}/ (+ retry/, download/)."""

from django.urls import include, path
from rest_framework.routers import DefaultRouter

from .views import ReportJobViewSet

router = DefaultRouter()
router.register("reports/jobs", ReportJobViewSet, basename="api-report-job")

urlpatterns = [path("", include(router.urls))]
