"""Autosave of the clause checklists (htmx): the school's ticks on the item page, the reviewer's on
the workbench. Each answers with the save state, plus out-of-band the new version and the
suggestion; a refusal is swapped in too: 200 with the real status in `X-Save-Status`."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_POST

from indicators.models import Node
from smartcampus.errors import DomainError, error_response

from .. import selectors, services
from ..models import ClauseSide
from ..scoping import Action

ACTIONS = {ClauseSide.SELF: Action.EDIT, ClauseSide.REVIEW: Action.REVIEW}


def _save(request: HttpRequest, pk: int, code: str, side: str) -> HttpResponse:
    action = ACTIONS[side]
    assessment = selectors.assessment_get(user=request.user, pk=pk, action=action)
    response = selectors.response_get(user=request.user, assessment=assessment, code=code, action=action)
    try:
        version = int(request.POST.get("version", ""))
    except ValueError:
        version = -1
    error = None
    try:
        services.clause_check_save(
            response=response,
            side=side,
            met=request.POST.getlist("met"),
            version=version,
            acting_user=request.user,
        )
    except (DomainError, ValidationError) as exc:
        error = exc
    response.refresh_from_db()
    assessment.refresh_from_db()
    response.assessment = assessment
    is_points = assessment.campaign.framework.is_points
    points = list(Node.objects.filter(parent_id=response.node_id).order_by("position")) if is_points else []
    sheet = selectors.clause_sheet(
        response=response, node=response.node, monitoring_points=points, is_points=is_points
    )
    chosen = (
        response.self_status
        if side == ClauseSide.SELF
        else selectors.review_chosen_status(response=response, user=request.user)
    )
    context = {
        "assessment": assessment,
        "node": response.node,
        "oob": True,
        **selectors.clause_side_context(sheet, side=side, chosen=chosen),
    }
    template = "assessments/_clause_save_state.html"
    if error is not None:
        return error_response(request, error, template=template, context=context, swap=True)
    http = render(request, template, context)
    http["X-Save-Status"] = "200"
    return http


@login_required
@require_POST
def item_clauses_save_view(request: HttpRequest, pk: int, code: str) -> HttpResponse:
    """The school's ticks on one item."""
    return _save(request, pk, code, ClauseSide.SELF)


@login_required
@require_POST
def review_clauses_save_view(request: HttpRequest, pk: int, code: str) -> HttpResponse:
    """The reviewer's ticks on one item."""
    return _save(request, pk, code, ClauseSide.REVIEW)
