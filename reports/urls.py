"""Mounted at `reports/`."""

from django.urls import path

from . import views

urlpatterns = [
    path("jobs/", views.job_list_view, name="report-job-list"),
    path("jobs/request/", views.job_request_view, name="report-job-request"),
    path("jobs/<int:pk>/", views.job_detail_view, name="report-job-detail"),
    path("jobs/<int:pk>/row/", views.job_row_view, name="report-job-row"),
    path("jobs/<int:pk>/retry/", views.job_retry_view, name="report-job-retry"),
    path("jobs/<int:pk>/download/", views.job_download_view, name="report-job-download"),
    path("dashboard/", views.dashboard_view, name="report-dashboard"),
]
