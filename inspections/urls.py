from django.urls import path

from . import views

app_name = "inspections"

urlpatterns = [
    path("visits/", views.visit_list_view, name="visit-list"),
    path("assessments/<int:pk>/visits/new/", views.visit_schedule_view, name="visit-schedule"),
    path("visits/<int:pk>/", views.visit_detail_view, name="visit-detail"),
    path("visits/<int:pk>/sheet/", views.visit_sheet_view, name="visit-sheet"),
    path("findings/<int:pk>/record/", views.finding_record_view, name="finding-record"),
    path("findings/<int:pk>/rectify/", views.finding_rectify_view, name="finding-rectify"),
    path("findings/<int:pk>/adjust/", views.finding_adjust_view, name="finding-adjust"),
    path("publications/", views.publication_list_view, name="publication-list"),
    path("campaigns/<int:pk>/publish/", views.publication_create_view, name="publication-create"),
    path("publications/<int:pk>/", views.publication_detail_view, name="publication-detail"),
    path("publications/<int:pk>/close/", views.publication_close_view, name="publication-close"),
    path(
        "publications/<int:pk>/schools/<int:assessment_pk>/",
        views.publication_school_view,
        name="publication-school",
    ),
    path(
        "publications/<int:pk>/schools/<int:assessment_pk>/object/",
        views.objection_raise_view,
        name="objection-raise",
    ),
    path("objections/<int:pk>/<slug:decision>/", views.objection_decide_view, name="objection-decide"),
    path("results/<str:token>/", views.results_view, name="results"),
]
