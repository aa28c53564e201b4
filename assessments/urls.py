from django.urls import path

from . import views
from . import workflow_views as wf

urlpatterns = [
    path("schools/", views.school_list_view, name="school-list"),
    path("schools/<int:pk>/", views.school_detail_view, name="school-detail"),
    path("regions/", views.region_list_view, name="region-list"),
    path("manage/import/", views.import_index_view, name="import-index"),
    path("manage/import/<str:kind>/template.xlsx", views.import_template_view, name="import-template"),
    path("manage/import/<str:kind>/", views.import_upload_view, name="import-upload"),
    path("manage/import/<str:kind>/confirm/", views.import_confirm_view, name="import-confirm"),
    path("campaigns/", wf.campaign_list_view, name="campaign-list"),
    path("campaigns/new/", wf.campaign_create_view, name="campaign-create"),
    path("campaigns/<int:pk>/", wf.campaign_detail_view, name="campaign-detail"),
    path("campaigns/<int:pk>/add-schools/", wf.campaign_add_schools_view, name="campaign-add-schools"),
    path("assessments/", wf.assessment_list_view, name="assessment-list"),
    path("assessments/<int:pk>/", wf.assessment_detail_view, name="assessment-detail"),
    path("assessments/<int:pk>/extend/", wf.deadline_extend_view, name="assessment-extend"),
    path("assessments/<int:pk>/submit/", wf.assessment_submit_view, name="assessment-submit"),
    path("assessments/<int:pk>/history/", wf.assessment_history_view, name="assessment-history"),
    path("assessments/<int:pk>/items/", wf.item_jump_view, name="assessment-item-jump"),
    path("assessments/<int:pk>/items/<str:code>/", wf.item_view, name="assessment-item"),
    path("assessments/<int:pk>/items/<str:code>/save/", wf.item_save_view, name="assessment-item-save"),
    path(
        "assessments/<int:pk>/items/<str:code>/history/", wf.item_history_view, name="assessment-item-history"
    ),
]
