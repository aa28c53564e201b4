"""Pages of the project itself: the home page (each user's workbench) and the health check."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from assessments import selectors
from assessments.scoping import Action


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness for load balancers and docker-compose: the database answers."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Each user's workbench: their schools and assessments (CIO), their regions (reviewers and
    commission staff)."""
    regions = []
    if selectors.user_can(user=request.user, action=Action.REPORT):
        regions = list(
            selectors.region_overview(user=request.user).filter(level__in=["city", "district"])[:40]
        )
    own = selectors.assessment_list(user=request.user, action=Action.EDIT)
    context = {
        "school_count": selectors.school_list(user=request.user).count(),
        "my_schools": list(selectors.school_list(user=request.user, action=Action.EDIT)),
        "regions": regions,
        "my_assessments": list(own.order_by("-campaign__year", "campaign__title")[:20]),
    }
    return render(request, "home.html", context)
