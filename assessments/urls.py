from django.urls import path

from .views import acceptance as av
from .views import campaigns as wf
from .views import clauses as cv
from .views import designations as dv
from .views import facts as fv
from .views import notifications, organisations, years
from .views import results as rr
from .views import reviews as rv
from .views import sampling as sv

app_name = "assessments"

urlpatterns = [
    path("schools/", organisations.school_list_view, name="school-list"),
    path("schools/<int:pk>/", organisations.school_detail_view, name="school-detail"),
    path("regions/", organisations.region_list_view, name="region-list"),
    path("manage/import/", organisations.import_index_view, name="import-index"),
    path(
        "manage/import/<str:kind>/template.xlsx", organisations.import_template_view, name="import-template"
    ),
    path("manage/import/<str:kind>/", organisations.import_upload_view, name="import-upload"),
    path("manage/import/<str:kind>/confirm/", organisations.import_confirm_view, name="import-confirm"),
    path("campaigns/", wf.campaign_list_view, name="campaign-list"),
    path("campaigns/new/", wf.campaign_create_view, name="campaign-create"),
    path("campaigns/<int:pk>/", wf.campaign_detail_view, name="campaign-detail"),
    path("campaigns/<int:pk>/add-schools/", wf.campaign_add_schools_view, name="campaign-add-schools"),
    path("campaigns/<int:pk>/next-year/", years.campaign_copy_view, name="campaign-next-year"),
    path("campaigns/<int:pk>/result-rule/", rr.campaign_result_rule_view, name="campaign-result-rule"),
    path("campaigns/<int:pk>/designations/", dv.awarding_queue_view, name="designation-queue"),
    path(
        "campaigns/<int:pk>/designations/settings/", dv.designation_settings_view, name="designation-settings"
    ),
    path("campaigns/<int:pk>/nominations/", dv.nomination_board_view, name="designation-board"),
    path("assessments/<int:pk>/nominate/", dv.designation_nominate_view, name="designation-nominate"),
    path("designations/<int:pk>/decide/", dv.designation_decide_view, name="designation-decide"),
    path("campaigns/<int:pk>/acceptance/", av.acceptance_list_view, name="acceptance-list"),
    path("campaigns/<int:pk>/acceptance/bulk/", av.acceptance_bulk_view, name="acceptance-bulk"),
    path("assessments/<int:pk>/accept/", av.acceptance_accept_view, name="acceptance-accept"),
    path("assessments/<int:pk>/send-back/", av.acceptance_send_back_view, name="acceptance-send-back"),
    path(
        "campaigns/<int:pk>/acceptance/delegates/", av.acceptance_delegates_view, name="acceptance-delegates"
    ),
    path(
        "acceptance-delegates/<int:pk>/remove/",
        av.acceptance_delegate_remove_view,
        name="acceptance-delegate-remove",
    ),
    path("campaigns/<int:pk>/samples/", sv.sample_draw_view, name="sample-draw"),
    path("samples/<int:pk>/", sv.sample_detail_view, name="sample-detail"),
    path("samples/<int:pk>/schools/<int:row>/assign/", sv.sample_assign_view, name="sample-assign"),
    path("rechecks/", sv.recheck_list_view, name="recheck-list"),
    path("rechecks/assessments/<int:pk>/", sv.recheck_view, name="recheck"),
    path("rechecks/assessments/<int:pk>/items/<str:code>/", rv.recheck_item_view, name="recheck-item"),
    path(
        "rechecks/assessments/<int:pk>/items/<str:code>/save/",
        rv.recheck_item_save_view,
        name="recheck-item-save",
    ),
    path("assessments/", wf.assessment_list_view, name="assessment-list"),
    path("assessments/<int:pk>/", wf.assessment_detail_view, name="assessment-detail"),
    path("assessments/<int:pk>/extend/", wf.deadline_extend_view, name="assessment-extend"),
    path("assessments/<int:pk>/submit/", wf.assessment_submit_view, name="assessment-submit"),
    path("assessments/<int:pk>/history/", wf.assessment_history_view, name="assessment-history"),
    path("assessments/<int:pk>/facts/", fv.assessment_facts_view, name="assessment-facts"),
    path("assessments/<int:pk>/facts/<str:code>/save/", fv.fact_save_view, name="assessment-fact-save"),
    path("assessments/<int:pk>/facts/<str:code>/doubt/", fv.fact_doubt_view, name="assessment-fact-doubt"),
    path("assessments/<int:pk>/carry/", years.assessment_carry_view, name="assessment-carry"),
    path("assessments/<int:pk>/items/", wf.item_jump_view, name="assessment-item-jump"),
    path("assessments/<int:pk>/items/<str:code>/", wf.item_view, name="assessment-item"),
    path("assessments/<int:pk>/items/<str:code>/save/", wf.item_save_view, name="assessment-item-save"),
    path(
        "assessments/<int:pk>/items/<str:code>/history/", wf.item_history_view, name="assessment-item-history"
    ),
    path("assessments/<int:pk>/items/<str:code>/carry/", years.item_carry_view, name="assessment-item-carry"),
    path(
        "assessments/<int:pk>/items/<str:code>/confirm/",
        years.item_confirm_view,
        name="assessment-item-confirm",
    ),
    path(
        "assessments/<int:pk>/items/<str:code>/clauses/",
        cv.item_clauses_save_view,
        name="assessment-item-clauses",
    ),
    path("reviews/", rv.review_queue_view, name="review-queue"),
    path("reviews/assessments/<int:pk>/", rv.review_summary_view, name="review-summary"),
    path("reviews/assessments/<int:pk>/start/", rv.review_start_view, name="review-start"),
    path("reviews/assessments/<int:pk>/return/", rv.review_return_view, name="review-return"),
    path("reviews/assessments/<int:pk>/finalise/", rv.review_finalise_view, name="review-finalise"),
    path("reviews/assessments/<int:pk>/reopen/", rv.review_reopen_view, name="review-reopen"),
    path("reviews/assessments/<int:pk>/assign/", rv.review_assign_view, name="review-assign"),
    path("reviews/assessments/<int:pk>/reviewers/", rv.review_candidates_view, name="review-reviewers"),
    path("reviews/assessments/<int:pk>/history/", rv.review_history_view, name="review-history"),
    path("reviews/assessments/<int:pk>/items/<str:code>/", rv.review_item_view, name="review-item"),
    path(
        "reviews/assessments/<int:pk>/items/<str:code>/save/",
        rv.review_item_save_view,
        name="review-item-save",
    ),
    path(
        "reviews/assessments/<int:pk>/items/<str:code>/clauses/",
        cv.review_clauses_save_view,
        name="review-item-clauses",
    ),
    path("notifications/", notifications.notification_list_view, name="notification-list"),
    path("notifications/unread/", notifications.notification_unread_view, name="notification-unread"),
]
