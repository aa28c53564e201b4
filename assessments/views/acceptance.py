"""HTML views of the city acceptance (市级验收): the campaign's list of finalised results, accept
or send back one, accept several after a confirmation. The assessment comes from a selector asked
with `Action.ACCEPT` (outside it: 404); each write goes through one service."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from smartcampus.errors import DomainError, Invalid, error_response

from .. import selectors, services
from ..forms import AcceptanceSendBackForm
from ..models import Acceptance
from ..scoping import Action

PAGE_SIZE = 50


def _list_context(request: HttpRequest, campaign, **extra) -> dict:
    state = request.GET.get("state") or ""
    qs = selectors.acceptance_list(user=request.user, campaign=campaign, state=state or None)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    for assessment in page:
        assessment.abilities = selectors.acceptance_abilities(user=request.user, assessment=assessment)
        assessment.record = selectors.AcceptanceRecord.of(assessment)
    counts = selectors.acceptance_counts(user=request.user, campaign=campaign)
    return {
        "campaign": campaign,
        "page": page,
        "state": state,
        "states": [(value, label, counts.get(value, 0)) for value, label in Acceptance.choices],
        "send_back_form": AcceptanceSendBackForm(),
        **extra,
    }


@login_required
def acceptance_list_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Commission staff: the finalised results of the campaign, to accept or send back."""
    campaign = selectors.campaign_get(user=request.user, pk=pk, action=Action.ACCEPT)
    return render(request, "assessments/acceptance_list.html", _list_context(request, campaign))


def _back(request: HttpRequest, assessment) -> HttpResponse:
    return redirect(reverse("assessments:acceptance-list", args=[assessment.campaign_id]))


@login_required
@require_POST
def acceptance_accept_view(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = selectors.assessment_get(user=request.user, pk=pk, action=Action.ACCEPT)
    try:
        services.acceptance_accept(assessment=assessment, acting_user=request.user)
    except (DomainError, ValidationError) as exc:
        return error_response(
            request,
            exc,
            template="assessments/acceptance_list.html",
            context=_list_context(request, assessment.campaign),
        )
    messages.success(request, _("%(s)s的评审结果已通过市级验收。") % {"s": assessment.school.name})
    return _back(request, assessment)


@login_required
@require_POST
def acceptance_send_back_view(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = selectors.assessment_get(user=request.user, pk=pk, action=Action.ACCEPT)
    form = AcceptanceSendBackForm(request.POST)
    try:
        if not form.is_valid():
            raise Invalid(_("请检查退回原因。"), fields={k: list(v) for k, v in form.errors.items()})
        services.acceptance_send_back(
            assessment=assessment, acting_user=request.user, reason=form.cleaned_data["reason"]
        )
    except (DomainError, ValidationError) as exc:
        return error_response(
            request,
            exc,
            template="assessments/acceptance_list.html",
            context=_list_context(request, assessment.campaign),
        )
    messages.success(request, _("%(s)s已退回区县重新评审。") % {"s": assessment.school.name})
    return _back(request, assessment)


@login_required
@require_POST
def acceptance_bulk_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Several results accepted at once: the first POST shows the chosen schools for confirmation,
    the second (`confirm=1`) accepts them all, or none when one cannot be accepted."""
    campaign = selectors.campaign_get(user=request.user, pk=pk, action=Action.ACCEPT)
    ids = [int(i) for i in request.POST.getlist("ids") if i.isdigit()]
    chosen = list(selectors.acceptance_list(user=request.user, campaign=campaign).filter(pk__in=ids))
    if not chosen:
        return error_response(
            request,
            Invalid(_("请先勾选要验收的学校。"), code="nothing_chosen"),
            template="assessments/acceptance_list.html",
            context=_list_context(request, campaign),
        )
    if request.POST.get("confirm") != "1":
        return render(
            request, "assessments/acceptance_confirm.html", {"campaign": campaign, "chosen": chosen}
        )
    try:
        done = services.acceptance_accept_many(assessments=chosen, acting_user=request.user)
    except (DomainError, ValidationError) as exc:
        return error_response(
            request,
            exc,
            template="assessments/acceptance_confirm.html",
            context={"campaign": campaign, "chosen": chosen},
        )
    messages.success(request, _("已验收 %(n)d 所学校的评审结果。") % {"n": len(done)})
    return redirect(reverse("assessments:acceptance-list", args=[campaign.pk]))
