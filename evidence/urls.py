"""Mounted at `evidence/`, namespace `evidence`."""

from django.urls import path

from . import views

app_name = "evidence"

urlpatterns = [
    path("schools/<int:school_id>/", views.library_view, name="library"),
    path("schools/<int:school_id>/upload/", views.library_upload_view, name="library-upload"),
    path("files/<int:pk>/download", views.file_download_view, name="file-download"),
    path("files/<int:pk>/preview/", views.file_preview_view, name="file-preview"),
    path("files/<int:pk>/thumbnail", views.file_thumbnail_view, name="file-thumbnail"),
    path("files/<int:pk>/delete/", views.file_delete_view, name="file-delete"),
    path("responses/<int:response_id>/panel/", views.response_panel_view, name="response-panel"),
    path("responses/<int:response_id>/upload/", views.response_upload_view, name="response-upload"),
    path("responses/<int:response_id>/attach/", views.response_attach_view, name="response-attach"),
    path(
        "responses/<int:response_id>/files/<int:file_id>/detach/",
        views.response_detach_view,
        name="response-detach",
    ),
    path("responses/<int:response_id>/links/", views.response_link_add_view, name="response-link-add"),
    path(
        "responses/<int:response_id>/links/<int:link_id>/remove/",
        views.response_link_remove_view,
        name="response-link-remove",
    ),
    path("responses/<int:response_id>/picker/", views.response_picker_view, name="response-picker"),
    path("responses/<int:response_id>/history/", views.response_history_view, name="response-history"),
]
