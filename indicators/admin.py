"""Admin: frameworks are loaded from fixtures or imported from Excel, then only browsed here.

Nodes are read-only in the admin: editing a tree node by node would bypass the structural checks
and the locking of versions used by campaigns. To change a framework, export it, edit the workbook
and import it (new code) — or change the fixture and run load_frameworks (new version if locked).
Rules and the fact catalogue are read-only here for the same reason: a framework's rules are
exported and imported as one workbook (checked as a whole), the catalogue comes from its fixture.
Equipment catalogues are read-only for the same reason: change fixtures/equipment and reload.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from .models import EquipmentCatalog, EquipmentDevice, FactDefinition, Framework, Node, Rule
from .resources import framework_workbook, rule_workbook
from .selectors import fact_catalogue, node_list, rule_list
from .services import FrameworkStructureError, RuleSetError, framework_import, rules_import


class FrameworkImportForm(forms.Form):
    file = forms.FileField(label=_("文件"), help_text=_("从本平台导出的 .xlsx（或 fixtures 格式的 .json）"))
    code = forms.SlugField(
        label=_("新指标体系代码"),
        required=False,
        help_text=_("如 shanghai-k12；留空则取“框架信息”表中的代码"),
    )


@admin.register(Framework)
class FrameworkAdmin(SimpleHistoryAdmin):
    list_display = ("code", "version", "name", "region", "scoring", "total_points", "node_total", "locked_at")
    list_filter = ("scoring", "school_level", "region")
    search_fields = ("code", "name", "region")
    readonly_fields = ("code", "version", "content_hash", "locked_at", "created_at", "updated_at")
    change_list_template = "admin/indicators/framework/change_list.html"
    change_form_template = "admin/indicators/framework/change_form.html"

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_node_total=Count("nodes"))

    @admin.display(description=_("指标数"), ordering="_node_total")
    def node_total(self, obj) -> int:
        return obj._node_total

    def has_add_permission(self, request) -> bool:
        return False  # frameworks enter through load_frameworks or the import below

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.locked_at:
            return [f.name for f in Framework._meta.fields]
        return self.readonly_fields

    def has_delete_permission(self, request, obj=None) -> bool:
        return super().has_delete_permission(request, obj) and not (obj and obj.locked_at)

    def get_urls(self):
        extra = [
            path("import/", self.admin_site.admin_view(self.import_view), name="indicators_framework_import"),
            path(
                "<int:pk>/export/",
                self.admin_site.admin_view(self.export_view),
                name="indicators_framework_export",
            ),
        ]
        return extra + super().get_urls()

    def export_view(self, request, pk: int) -> HttpResponse:
        framework = get_object_or_404(Framework, pk=pk)
        if not self.has_view_permission(request, framework):
            return redirect("admin:index")
        raw = framework_workbook(framework, node_list(framework=framework).select_related("parent"))
        response = HttpResponse(
            raw, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
        filename = f"{framework.code}-v{framework.version}.xlsx"
        response["Content-Disposition"] = f"attachment; filename*=UTF-8''{filename}"
        return response

    def import_view(self, request):
        if not self.has_change_permission(request):
            return redirect("admin:index")
        form = FrameworkImportForm(request.POST or None, request.FILES or None)
        problems = []
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                framework = framework_import(
                    raw=upload.read(), filename=upload.name, code=form.cleaned_data["code"] or None
                )
            except FrameworkStructureError as exc:
                problems = exc.problems
            else:
                messages.success(
                    request,
                    _("已导入指标体系 %(code)s（%(name)s）。")
                    % {"code": framework.code, "name": framework.name},
                )
                return redirect(reverse("admin:indicators_framework_change", args=[framework.pk]))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("从 Excel 导入指标体系"),
            "form": form,
            "problems": problems,
        }
        return render(request, "admin/indicators/framework/import.html", context)


@admin.register(Node)
class NodeAdmin(admin.ModelAdmin):
    list_display = ("code", "framework", "level", "name", "points", "optional", "starred", "points_inferred")
    list_filter = ("framework", "level", "optional", "starred", "points_inferred")
    search_fields = ("code", "name", "text", "note")
    list_select_related = ("framework",)
    ordering = ("framework", "position")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(FactDefinition)
class FactDefinitionAdmin(admin.ModelAdmin):
    list_display = ("code", "label", "unit", "kind", "levels", "part_of", "position")
    list_filter = ("kind",)
    search_fields = ("code", "label", "help_text")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class RuleImportForm(forms.Form):
    framework = forms.ModelChoiceField(
        label=_("指标体系"),
        queryset=Framework.objects.latest_versions().order_by("code"),
        help_text=_("导入的规则将替换该指标体系（最新版本）的全部规则"),
    )
    file = forms.FileField(
        label=_("文件"), help_text=_("从本平台导出的规则 .xlsx（或 fixtures 格式的 .json）")
    )


@admin.register(Rule)
class RuleAdmin(SimpleHistoryAdmin):
    list_display = ("code", "framework", "node_code", "severity", "expression", "clause")
    list_filter = ("framework", "severity")
    search_fields = ("code", "clause", "expression", "message")
    list_select_related = ("framework", "node")
    ordering = ("framework", "node__position", "position")
    change_list_template = "admin/indicators/rule/change_list.html"

    @admin.display(description=_("指标编号"), ordering="node__position")
    def node_code(self, obj) -> str:
        return obj.node.code

    def has_add_permission(self, request) -> bool:
        return False  # rules enter through load_frameworks or the import below

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def get_urls(self):
        extra = [
            path("import/", self.admin_site.admin_view(self.import_view), name="indicators_rule_import"),
            path(
                "export/<int:framework_pk>/",
                self.admin_site.admin_view(self.export_view),
                name="indicators_rule_export",
            ),
        ]
        return extra + super().get_urls()

    def export_view(self, request, framework_pk: int) -> HttpResponse:
        framework = get_object_or_404(Framework, pk=framework_pk)
        if not self.has_view_permission(request):
            return redirect("admin:index")
        raw = rule_workbook(framework, rule_list(framework=framework), fact_catalogue())
        response = HttpResponse(
            raw, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
        filename = f"{framework.code}-v{framework.version}-rules.xlsx"
        response["Content-Disposition"] = f"attachment; filename*=UTF-8''{filename}"
        return response

    def import_view(self, request):
        # Importing replaces rules, so it needs the right to change frameworks (rules are read-only).
        if not request.user.has_perm("indicators.change_framework"):
            return redirect("admin:index")
        form = RuleImportForm(request.POST or None, request.FILES or None)
        problems = []
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            framework = form.cleaned_data["framework"]
            try:
                result = rules_import(framework=framework, raw=upload.read(), filename=upload.name)
            except RuleSetError as exc:
                problems = exc.problems
            else:
                messages.success(request, result.summary())
                return redirect(
                    f"{reverse('admin:indicators_rule_changelist')}?framework__id__exact={framework.pk}"
                )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("从 Excel 导入自动校验规则"),
            "form": form,
            "problems": problems,
            "frameworks": Framework.objects.latest_versions().order_by("code"),
        }
        return render(request, "admin/indicators/rule/import.html", context)


class EquipmentDeviceInline(admin.TabularInline):
    model = EquipmentDevice
    fields = ("order", "category", "name", "rule", "group", "scene", "specs", "inferred")
    ordering = ("order",)
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(EquipmentCatalog)
class EquipmentCatalogAdmin(admin.ModelAdmin):
    """Catalogues come from fixtures/equipment (load_frameworks); here they are only browsed."""

    list_display = ("code", "title", "region", "year", "device_total", "updated_at")
    search_fields = ("code", "title")
    inlines = [EquipmentDeviceInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_device_total=Count("devices"))

    @admin.display(description=_("设备数"), ordering="_device_total")
    def device_total(self, obj) -> int:
        return obj._device_total

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(EquipmentDevice)
class EquipmentDeviceAdmin(admin.ModelAdmin):
    list_display = ("order", "name", "category", "rule", "group", "scene", "inferred", "catalog")
    list_filter = ("catalog", "rule", "category", "scene", "inferred")
    search_fields = ("code", "name", "requirement", "note")
    list_select_related = ("catalog",)
    ordering = ("catalog", "order")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
