from django.urls import path

from . import views

app_name = "indicators"

urlpatterns = [
    path("", views.framework_list_view, name="framework-list"),
    path("<slug:code>/", views.framework_detail_view, name="framework-detail"),
    path("<slug:code>/mapping/", views.framework_mapping_view, name="framework-mapping"),
    path(
        "<slug:code>/mapping/template.xlsx",
        views.framework_mapping_template_view,
        name="framework-mapping-template",
    ),
    path("<slug:code>/mapping/import/", views.framework_mapping_import_view, name="framework-mapping-import"),
]
