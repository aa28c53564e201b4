"""Pages of the project itself: the home page (each user's workbench) and the health check."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from assessments import selectors
from assessments.models import Role
from assessments.scoping import get_scope


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
