from django.contrib import admin

from .models import ReportJob


@admin.register(ReportJob)
class ReportJobAdmin(admin.ModelAdmin):
    """Read-only view of report jobs for operators (retry happens on the jobs page or the API)."""

    list_display = ["id", "kind", "status", "progress_done", "progress_total", "requested_by", "created_at"]
    list_filter = ["kind", "status"]
    search_fields = ["id", "requested_by__username", "error"]
    raw_id_fields = ["campaign", "assessment", "region", "parent", "requested_by"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
