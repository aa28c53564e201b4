"""HTML views of the organisation part: home, schools, regions, bulk import. Querysets come from selectors."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from . import imports, selectors
from .forms import ImportUploadForm, SchoolFilterForm
from .models import Role
from .scoping import get_scope


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness for load balancers and docker-compose: the database answers."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


@login_required
def home(request: HttpRequest) -> HttpResponse:
    scope = get_scope(request.user)
    schools = selectors.school_list(user=request.user)
    context = {
        "school_count": schools.count(),
        "my_schools": list(schools.filter(id__in=scope.cio_school_ids)) if scope.cio_school_ids else [],
        "regions": list(
            selectors.region_overview(user=request.user).filter(level__in=["city", "district"])[:40]
        )
        if scope.region_paths or scope.is_superuser
        else [],
        "Role": Role,
        "my_assessments": list(
            selectors.assessment_list(user=request.user)
            .filter(school_id__in=scope.cio_school_ids)
            .order_by("-campaign__year", "campaign__title")[:20]
        )
        if scope.cio_school_ids
        else [],
    }
    return render(request, "home.html", context)


@login_required
def school_list_view(request: HttpRequest) -> HttpResponse:
    form = SchoolFilterForm(request.GET or None, regions=selectors.region_list(user=request.user))
    filters = form.cleaned_data if form.is_valid() else {}
    schools = selectors.school_list(user=request.user, filters=filters)
    page = Paginator(schools, 25).get_page(request.GET.get("page"))
    template = "assessments/_school_table.html" if request.htmx else "assessments/school_list.html"
    return render(request, template, {"form": form, "page": page, "total": page.paginator.count})


@login_required
def school_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    school = selectors.school_get(user=request.user, pk=pk)
    members = school.memberships.select_related("user")
    return render(request, "assessments/school_detail.html", {"school": school, "members": members})


@login_required
def region_list_view(request: HttpRequest) -> HttpResponse:
    regions = selectors.region_overview(user=request.user).order_by("path")
    return render(request, "assessments/region_list.html", {"regions": regions})


def _require_commission(request: HttpRequest) -> None:
    if not get_scope(request.user).is_commission:
        raise Http404


def _import_kind(kind: str) -> imports.ImportKind:
    try:
        return imports.KINDS[kind]
    except KeyError:
        raise Http404 from None


@login_required
def import_index_view(request: HttpRequest) -> HttpResponse:
    _require_commission(request)
    return render(request, "assessments/import_index.html", {"kinds": imports.KINDS.values()})


@login_required
def import_template_view(request: HttpRequest, kind: str) -> HttpResponse:
    _require_commission(request)
    import_kind = _import_kind(kind)
    response = HttpResponse(
        imports.template_xlsx(import_kind),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{import_kind.slug}-template.xlsx"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def import_upload_view(request: HttpRequest, kind: str) -> HttpResponse:
    """Step 1: upload → dry run → preview with row-level errors. Nothing is saved here."""
    _require_commission(request)
    import_kind = _import_kind(kind)
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    preview = None
    if request.method == "POST" and form.is_valid():
        try:
            preview = imports.import_preview(
                kind=import_kind, uploaded=form.cleaned_data["file"], acting_user=request.user
            )
        except imports.ImportFileError as exc:
            form.add_error("file", str(exc))
    return render(
        request, "assessments/import_upload.html", {"kind": import_kind, "form": form, "preview": preview}
    )


@login_required
@require_POST
def import_confirm_view(request: HttpRequest, kind: str) -> HttpResponse:
    """Step 2: import the previewed file for real, all rows or none."""
    _require_commission(request)
    import_kind = _import_kind(kind)
    try:
        result = imports.import_commit(
            kind=import_kind, token=request.POST.get("token", ""), acting_user=request.user
        )
    except imports.ImportFileError as exc:
        messages.error(request, str(exc))
        return redirect("import-upload", kind=kind)
    messages.success(
        request,
        _("导入完成：新增 %(new)d 行，更新 %(updated)d 行，未变 %(skipped)d 行。")
        % {"new": result.new, "updated": result.updated, "skipped": result.skipped},
    )
    return redirect("import-index")
