"""HTML views of the organisation part: schools, regions, bulk import. Querysets come from selectors."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from smartcampus.errors import error_response

from .. import resources, selectors, services
from ..forms import ImportUploadForm, RegionFilterForm, SchoolFilterForm
from ..scoping import Action


@login_required
def school_list_view(request: HttpRequest) -> HttpResponse:
    form = SchoolFilterForm(request.GET or None, regions=selectors.region_list(user=request.user))
    schools = selectors.school_list(user=request.user, filters=form.filters())
    page = Paginator(schools, 25).get_page(request.GET.get("page"))
    template = "assessments/_school_table.html" if request.htmx else "assessments/school_list.html"
    return render(request, template, {"form": form, "page": page})


@login_required
def school_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    school = selectors.school_get(user=request.user, pk=pk)
    members = school.memberships.select_related("user")
    years = selectors.school_years(user=request.user, school=school)
    return render(
        request, "assessments/school_detail.html", {"school": school, "members": members, "years": years}
    )


@login_required
def region_list_view(request: HttpRequest) -> HttpResponse:
    form = RegionFilterForm(request.GET or None)
    filters = form.filters()
    regions = selectors.region_overview(user=request.user).order_by("path")
    if q := filters.get("q"):
        regions = regions.filter(Q(name__icontains=q) | Q(code__icontains=q))
    if level := filters.get("level"):
        regions = regions.filter(level=level)
    page = Paginator(regions, 50).get_page(request.GET.get("page"))
    return render(request, "assessments/region_list.html", {"page": page, "form": form})


def _require_import(request: HttpRequest) -> None:
    """Bulk import is for commission staff: everyone else finds no such page."""
    if not selectors.user_can(user=request.user, action=Action.MANAGE):
        raise Http404


def _import_kind(kind: str) -> resources.ImportKind:
    try:
        return resources.KINDS[kind]
    except KeyError:
        raise Http404 from None


@login_required
def import_index_view(request: HttpRequest) -> HttpResponse:
    _require_import(request)
    return render(request, "assessments/import_index.html", {"kinds": resources.KINDS.values()})


@login_required
def import_template_view(request: HttpRequest, kind: str) -> HttpResponse:
    _require_import(request)
    import_kind = _import_kind(kind)
    examples = resources.template_examples(import_kind, request.user)
    response = HttpResponse(
        resources.template_xlsx(import_kind, examples=examples),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{import_kind.slug}-template.xlsx"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def import_upload_view(request: HttpRequest, kind: str) -> HttpResponse:
    """Step 1: upload → dry run → preview with row-level errors. Nothing is saved here."""
    _require_import(request)
    import_kind = _import_kind(kind)
    posted = request.method == "POST"
    form = ImportUploadForm(request.POST if posted else None, request.FILES if posted else None)
    context = {"kind": import_kind, "form": form, "preview": None}
    if request.method == "POST" and form.is_valid():
        try:
            context["preview"] = services.import_preview(
                kind=import_kind, uploaded=form.cleaned_data["file"], acting_user=request.user
            )
        except services.ImportFileError as exc:
            form.add_error("file", exc.message)
    status = 400 if request.method == "POST" and form.errors else 200
    return render(request, "assessments/import_upload.html", context, status=status)


@login_required
@require_POST
def import_confirm_view(request: HttpRequest, kind: str) -> HttpResponse:
    """Step 2: import the previewed file for real, all rows or none; changes to existing records
    only with the box ticked that confirms exactly the changes the preview listed."""
    _require_import(request)
    import_kind = _import_kind(kind)
    confirmed = request.POST.get("changes", "") if request.POST.get("confirm_updates") else ""
    try:
        result = services.import_commit(
            kind=import_kind,
            token=request.POST.get("token", ""),
            acting_user=request.user,
            confirmed_changes=confirmed,
        )
    except services.ImportFileError as exc:
        context = {"kind": import_kind, "form": ImportUploadForm(), "preview": None}
        return error_response(request, exc, template="assessments/import_upload.html", context=context)
    messages.success(
        request,
        _("导入完成：新增 %(new)d 行，更新 %(updated)d 行，未变 %(skipped)d 行。")
        % {"new": result.new, "updated": result.updated, "skipped": result.skipped},
    )
    return redirect("assessments:import-index")
