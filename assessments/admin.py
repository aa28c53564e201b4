from django.contrib import admin
from django.core.exceptions import PermissionDenied
from import_export.admin import ImportExportModelAdmin
from simple_history.admin import SimpleHistoryAdmin

from .models import (
    AccountState,
    Assessment,
    Campaign,
    DeadlineExtension,
    Designation,
    DesignationQuota,
    ItemResponse,
    Membership,
    Region,
    ResultRule,
    School,
)
from .resources import MembershipResource, RegionResource, SchoolResource


class ScopedImportMixin:
    """Passes the acting user to our resources so admin imports obey the same scope rules."""

    def get_import_resource_kwargs(self, request, **kwargs):
        return {**super().get_import_resource_kwargs(request, **kwargs), "acting_user": request.user}

    def get_export_resource_kwargs(self, request, **kwargs):
        return {**super().get_export_resource_kwargs(request, **kwargs), "acting_user": request.user}


@admin.register(Region)
class RegionAdmin(ScopedImportMixin, ImportExportModelAdmin, SimpleHistoryAdmin):
    resource_classes = [RegionResource]
    list_display = ("name", "code", "level", "parent")
    list_filter = ("level",)
    search_fields = ("name", "code")
    autocomplete_fields = ("parent",)


@admin.register(School)
class SchoolAdmin(ScopedImportMixin, ImportExportModelAdmin, SimpleHistoryAdmin):
    resource_classes = [SchoolResource]
    list_display = ("name", "code", "school_type", "region")
    list_filter = ("school_type",)
    search_fields = ("name", "code")
    autocomplete_fields = ("region",)
    list_select_related = ("region",)


@admin.register(Membership)
class MembershipAdmin(ScopedImportMixin, ImportExportModelAdmin, SimpleHistoryAdmin):
    resource_classes = [MembershipResource]
    list_display = ("user", "role", "school", "region", "created_at")
    list_filter = ("role",)
    search_fields = ("user__username", "user__first_name", "school__name", "region__name")
    autocomplete_fields = ("user", "school", "region")
    list_select_related = ("user", "school", "region")


# --- campaigns: read-mostly views for support staff; writes go through the web UI's services


class ReadOnlyAdmin(SimpleHistoryAdmin):
    """Rows that only the services may write (they check versions, states and scope and keep the
    history): the admin shows them and their history, and offers no way to add, change, delete or
    revert one — not even a POST to the history page's revert form."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        # simple_history saves a POST to this page without asking has_change_permission
        if request.method != "GET":
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)


class DeadlineExtensionInline(admin.TabularInline):
    model = DeadlineExtension
    extra = 0
    readonly_fields = ("new_deadline", "reason", "granted_by", "created_at")
    can_delete = False


@admin.register(Campaign)
class CampaignAdmin(SimpleHistoryAdmin):
    list_display = ("title", "framework", "year", "region", "self_deadline", "review_deadline")
    list_filter = ("year", "framework__code")
    search_fields = ("title",)
    readonly_fields = ("framework", "region", "created_by", "created_at")


@admin.register(Assessment)
class AssessmentAdmin(ReadOnlyAdmin):
    """Status, deadlines, versions and the review conclusion change through the workflow services."""

    list_display = ("school", "campaign", "status", "result_grade", "result_passed", "submitted_at")
    list_filter = ("status", "campaign")
    search_fields = ("school__name", "school__code")
    list_select_related = ("school", "campaign")
    readonly_fields = ("campaign", "school", "status", "submitted_at", "version", "deadline_override")
    inlines = [DeadlineExtensionInline]


@admin.register(ItemResponse)
class ItemResponseAdmin(ReadOnlyAdmin):
    """Answers change only through `services.response_update` / the review services (version check,
    editable state, history)."""

    list_display = ("assessment", "node", "self_score", "self_status", "version", "updated_at")
    list_select_related = ("assessment__school", "assessment__campaign", "node")
    search_fields = ("assessment__school__name", "node__code")
    raw_id_fields = ("assessment", "node", "updated_by")
    readonly_fields = ("version", "updated_by", "updated_at")


@admin.register(AccountState)
class AccountStateAdmin(ReadOnlyAdmin):
    """Who must replace a password someone else set; resets happen on the 用户 page (services)."""

    list_display = ("user", "must_change_password", "password_set_by", "password_set_at")
    list_filter = ("must_change_password",)
    search_fields = ("user__username", "user__first_name")
    list_select_related = ("user", "password_set_by")


@admin.register(ResultRule)
class ResultRuleAdmin(ReadOnlyAdmin):
    """Versions of the campaigns' result rules: set through the campaign's rule page or the API
    (`services.rule_save` versions and locks them and decides the finalised schools again)."""

    list_display = (
        "campaign",
        "version",
        "pass_rule",
        "pass_min_percent",
        "target_share",
        "created_by",
        "created_at",
    )
    list_filter = ("pass_rule", "campaign")
    list_select_related = ("campaign", "created_by")


# --- designations: written by the services (state machine, quotas, history)


@admin.register(Designation)
class DesignationAdmin(ReadOnlyAdmin):
    list_display = ("assessment", "kind", "state", "nominated_at", "decided_at")
    list_filter = ("kind", "state")
    list_select_related = ("assessment__school", "assessment__campaign")
    search_fields = ("assessment__school__name", "assessment__school__code")


@admin.register(DesignationQuota)
class DesignationQuotaAdmin(ReadOnlyAdmin):
    list_display = ("campaign", "region", "kind", "quota", "updated_at")
    list_select_related = ("campaign", "region")
