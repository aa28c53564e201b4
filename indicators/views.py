"""Pages of the frameworks: read-only for every logged-in role; the correspondence of two versions
(node mappings) for those who look after the frameworks. Querysets come from selectors."""

from __future__ import annotations

from collections import Counter

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from smartcampus.errors import Conflict, DomainError, error_response

from . import selectors, services
from .mapping import MappingFileError, mapping_workbook
from .models import Framework, MappingMatch


@login_required
@require_GET
def framework_list_view(request: HttpRequest) -> HttpResponse:
    frameworks = selectors.framework_list(user=request.user)
    return render(request, "indicators/framework_list.html", {"frameworks": frameworks})


def can_read_data_notes(user) -> bool:
    """Whether `user` sees the data notes of the frameworks (reconstructions, 推定值 flags, how the
    source was read). Who looks after the data is decided where the roles are known: the setting
    FRAMEWORK_DATA_NOTE_READERS names a `(*, user) -> bool`; without it, superusers."""
    path = getattr(settings, "FRAMEWORK_DATA_NOTE_READERS", "")
    return bool(import_string(path)(user=user)) if path else user.is_superuser


@login_required
@require_GET
def framework_detail_view(request: HttpRequest, code: str) -> HttpResponse:
    version = request.GET.get("version")
    framework = selectors.framework_get(
        user=request.user, code=code, version=int(version) if version and version.isdigit() else None
    )
    tree = selectors.framework_tree(framework=framework)
    counts = Counter()
    optional = inferred = 0
    for dim in tree:
        counts[1] += 1
        for sub in dim.children:
            counts[2] += 1
            inferred += sub.node.points_inferred
            for item in sub.children:
                counts[3] += 1
                optional += item.node.optional
        inferred += dim.node.points_inferred
    versions = list(
        selectors.framework_list(user=request.user, all_versions=True)
        .filter(code=framework.code)
        .values_list("version", flat=True)
    )
    context = {
        "framework": framework,
        "tree": tree,
        "counts": [counts[level] for level in (1, 2, 3) if counts[level]],
        "optional_count": optional,
        "inferred_count": inferred,
        "versions": versions,
        "can_read_data_notes": can_read_data_notes(request.user),
        "can_edit_mappings": len(versions) > 1 and services.mapping_editor(request.user),
    }
    return render(request, "indicators/framework_detail.html", context)


# --- the correspondence of two versions (commission staff) -------------------------------------------

MAPPING_TEMPLATE = "indicators/framework_mapping.html"


def _version(value) -> int | None:
    return int(value) if value and str(value).isdigit() else None


def _mapping_pair(request: HttpRequest, code: str) -> tuple[Framework, Framework] | None:
    """The two versions the page compares (`?from=`, `?to=`; default the latest and the one before),
    or None when the code has one version only. Outside the editors: 404 naming nothing."""
    if not services.mapping_editor(request.user):
        raise Http404
    versions = {f.version: f for f in selectors.framework_versions(code=code)}
    if not versions:
        raise Http404
    data = request.POST if request.method == "POST" else request.GET
    to = versions.get(_version(data.get("to"))) or versions[max(versions)]
    earlier = [v for v in versions if v < to.version]
    old = versions.get(_version(data.get("from")))
    if old is None or old.version >= to.version:
        old = versions[max(earlier)] if earlier else None
    return (old, to) if old is not None else None


def _single_version() -> Conflict:
    return Conflict(_("该指标体系只有一个版本，无需对应。"), code="single_version")


def _mapping_context(request: HttpRequest, code: str, pair) -> dict:
    context = {"code": code, "view": None, "versions": selectors.framework_versions(code=code)}
    if pair is not None:
        context["view"] = selectors.framework_mapping_view(from_framework=pair[0], to_framework=pair[1])
    return context


@login_required
@require_http_methods(["GET", "POST"])
def framework_mapping_view(request: HttpRequest, code: str) -> HttpResponse:
    """Old items ↔ new items of two versions, a select per old item; POST saves the selects."""
    pair = _mapping_pair(request, code)
    context = _mapping_context(request, code, pair)
    if request.method == "POST":
        if pair is None:
            return error_response(request, _single_version(), template=MAPPING_TEMPLATE, context=context)
        pairs: dict[int, int | None] = {}
        for key, value in request.POST.items():
            if key.startswith("map-") and key[4:].isdigit():
                pairs[int(key[4:])] = int(value) if value.isdigit() else None
        try:
            services.framework_mapping_save(
                from_framework=pair[0], to_framework=pair[1], pairs=pairs, acting_user=request.user
            )
        except (DomainError, ValidationError) as exc:
            return error_response(request, exc, template=MAPPING_TEMPLATE, context=context)
        messages.success(request, _("对应关系已保存。"))
        return redirect(_mapping_url(code, pair))
    return render(request, MAPPING_TEMPLATE, context)


def _mapping_url(code: str, pair) -> str:
    return (
        reverse("indicators:framework-mapping", args=[code]) + f"?from={pair[0].version}&to={pair[1].version}"
    )


@login_required
@require_GET
def framework_mapping_template_view(request: HttpRequest, code: str) -> HttpResponse:
    """The mapping as it stands, as the workbook to edit and upload again."""
    pair = _mapping_pair(request, code)
    if pair is None:
        context = _mapping_context(request, code, pair)
        return error_response(request, _single_version(), template=MAPPING_TEMPLATE, context=context)
    view = selectors.framework_mapping_view(from_framework=pair[0], to_framework=pair[1])
    rows = [
        (
            r.old.code,
            r.old.title[:200],
            r.new.code if r.new else "",
            r.new.title[:200] if r.new else "",
            str(MappingMatch(r.match).label) if r.match else str(_("已删除")),
        )
        for r in view.rows
    ]
    response = HttpResponse(
        mapping_workbook(rows),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    name = f"{code}-v{pair[0].version}-v{pair[1].version}-mapping.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
@require_POST
def framework_mapping_import_view(request: HttpRequest, code: str) -> HttpResponse:
    """Upload the workbook: every row checked first, errors name the row and the column."""
    pair = _mapping_pair(request, code)
    context = _mapping_context(request, code, pair)
    if pair is None:
        return error_response(request, _single_version(), template=MAPPING_TEMPLATE, context=context)
    upload = request.FILES.get("file")
    if upload is None:
        context["error_messages"] = [_("请选择要导入的 .xlsx 文件。")]
        return render(request, MAPPING_TEMPLATE, context, status=400)
    try:
        services.framework_mapping_import(
            from_framework=pair[0], to_framework=pair[1], raw=upload.read(), acting_user=request.user
        )
    except MappingFileError as exc:
        context["error_messages"] = [_("文件未导入：")] + exc.problems
        return render(request, MAPPING_TEMPLATE, context, status=400)
    except (DomainError, ValidationError) as exc:
        return error_response(request, exc, template=MAPPING_TEMPLATE, context=context)
    messages.success(request, _("已从文件导入对应关系。"))
    return redirect(_mapping_url(code, pair))
