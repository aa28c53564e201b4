from django.contrib import admin
from import_export.admin import ImportExportModelAdmin
from simple_history.admin import SimpleHistoryAdmin

from .imports import MembershipResource, RegionResource, SchoolResource
from .models import Membership, Region, School


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
