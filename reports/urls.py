"""Mounted at `reports/`."""

from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("jobs/", views.job_list_view, name="job-list"),
    path("jobs/request/", views.job_request_view, name="job-request"),
    path("jobs/<int:pk>/", views.job_detail_view, name="job-detail"),
    path("jobs/<int:pk>/row/", views.job_row_view, name="job-row"),
    path("jobs/<int:pk>/retry/", views.job_retry_view, name="job-retry"),
    path("jobs/<int:pk>/download/", views.job_download_view, name="job-download"),
    path("dashboard/", views.dashboard_view, name="dashboard"),
    path(
        "assessments/<int:pk>/rectification-notice/",
        views.rectification_notice_view,
        name="rectification-notice",
    ),
]
