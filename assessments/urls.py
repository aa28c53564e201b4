from django.urls import path

from . import views

urlpatterns = [
    path("schools/", views.school_list_view, name="school-list"),
    path("schools/<int:pk>/", views.school_detail_view, name="school-detail"),
    path("regions/", views.region_list_view, name="region-list"),
    path("manage/import/", views.import_index_view, name="import-index"),
    path("manage/import/<str:kind>/template.xlsx", views.import_template_view, name="import-template"),
    path("manage/import/<str:kind>/", views.import_upload_view, name="import-upload"),
    path("manage/import/<str:kind>/confirm/", views.import_confirm_view, name="import-confirm"),
]
