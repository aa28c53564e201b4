"""Mounted at `classrooms/`, namespace `classrooms`."""

from django.urls import path

from . import views

app_name = "classrooms"

urlpatterns = [
    path("", views.overview_view, name="overview"),
    path("schools/<int:school_id>/", views.school_view, name="school"),
    path("schools/<int:school_id>/new/", views.classroom_create_view, name="classroom-create"),
    path("schools/<int:school_id>/import/", views.import_upload_view, name="import-upload"),
    path("schools/<int:school_id>/import/template/", views.import_template_view, name="import-template"),
    path("schools/<int:school_id>/import/confirm/", views.import_confirm_view, name="import-confirm"),
    path("<int:pk>/", views.classroom_detail_view, name="classroom-detail"),
    path("<int:pk>/edit/", views.classroom_edit_view, name="classroom-edit"),
    path("<int:pk>/delete/", views.classroom_delete_view, name="classroom-delete"),
    path("<int:pk>/devices/new/", views.device_add_view, name="device-add"),
    path("<int:pk>/devices/<int:device_id>/edit/", views.device_edit_view, name="device-edit"),
    path("<int:pk>/devices/<int:device_id>/remove/", views.device_remove_view, name="device-remove"),
    path("<int:pk>/evidence/", views.evidence_attach_view, name="evidence-attach"),
    path("<int:pk>/evidence/<int:file_id>/detach/", views.evidence_detach_view, name="evidence-detach"),
]
