"""Read-only pages of the frameworks, for every logged-in role. Querysets come from selectors."""

from __future__ import annotations

from collections import Counter

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.module_loading import import_string
from django.views.decorators.http import require_GET

from . import selectors


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
    }
    return render(request, "indicators/framework_detail.html", context)
