from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Classroom, ClassroomDevice


class ClassroomDeviceInline(admin.TabularInline):
    model = ClassroomDevice
    extra = 0
    fields = ("device", "count", "measured", "year", "version")
    readonly_fields = fields
    can_delete = False


@admin.register(Classroom)
class ClassroomAdmin(SimpleHistoryAdmin):
    """Read-only: the inventory changes through the school's CIO (services), whose checks and
    history an admin form would bypass."""

    list_display = ("name", "school", "kind", "seats", "status", "updated_at")
    list_filter = ("kind", "status")
    search_fields = ("name", "school__name", "school__code")
    list_select_related = ("school",)
    inlines = [ClassroomDeviceInline]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
