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
from django.views.decorators.http import require_http_methods, require_POST

from smartcampus.errors import DomainError, Invalid, error_response

from .. import selectors, services
from ..forms import AcceptanceSendBackForm
from ..models import Acceptance
from ..scoping import Action, get_scope

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
        "can_delegate": get_scope(request.user).can(Action.MANAGE, campaign),
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


# --- delegation to city reviewers -------------------------------------------------------------------


def _delegates_context(request: HttpRequest, campaign, **extra) -> dict:
    return {
        "campaign": campaign,
        "delegates": selectors.acceptance_delegate_list(user=request.user, campaign=campaign),
        "candidates": selectors.recheck_reviewer_candidates(user=request.user, campaign=campaign),
        "assessments": campaign.assessments.select_related("school").order_by("school__code"),
        **extra,
    }


@login_required
@require_http_methods(["GET", "POST"])
def acceptance_delegates_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Commission staff delegate the campaign's acceptance (or some schools') to city reviewers: the
    first POST shows what will be delegated for confirmation, the second (`confirm=1`) does it."""
    campaign = selectors.campaign_get(user=request.user, pk=pk, action=Action.MANAGE)
    template = "assessments/acceptance_delegates.html"
    if request.method == "GET":
        return render(request, template, _delegates_context(request, campaign))
    candidates = _delegates_context(request, campaign)["candidates"]
    reviewer_id = request.POST.get("reviewer") or ""
    reviewer = candidates.filter(pk=reviewer_id).first() if reviewer_id.isdigit() else None
    ids = [int(i) for i in request.POST.getlist("ids") if i.isdigit()]
    chosen = list(campaign.assessments.filter(pk__in=ids).select_related("school").order_by("school__code"))
    if reviewer is None:
        message = _("请选择要委托的市级评审专家。")
        return error_response(
            request,
            Invalid(message, fields={"reviewer": [message]}),
            template=template,
            context=_delegates_context(request, campaign),
        )
    if request.POST.get("confirm") != "1":
        return render(
            request,
            template,
            _delegates_context(request, campaign, confirm_reviewer=reviewer, confirm_chosen=chosen),
        )
    try:
        services.acceptance_delegate_assign(
            campaign=campaign, reviewer=reviewer, acting_user=request.user, assessments=chosen
        )
    except (DomainError, ValidationError) as exc:
        return error_response(request, exc, template=template, context=_delegates_context(request, campaign))
    messages.success(request, _("已委托%(u)s验收。") % {"u": reviewer.first_name or reviewer.username})
    return redirect(reverse("assessments:acceptance-delegates", args=[campaign.pk]))


@login_required
@require_POST
def acceptance_delegate_remove_view(request: HttpRequest, pk: int) -> HttpResponse:
    delegate = selectors.acceptance_delegate_get(user=request.user, pk=pk)
    campaign = delegate.campaign
    try:
        services.acceptance_delegate_remove(delegate=delegate, acting_user=request.user)
    except (DomainError, ValidationError) as exc:
        return error_response(
            request,
            exc,
            template="assessments/acceptance_delegates.html",
            context=_delegates_context(request, campaign),
        )
    messages.success(request, _("已取消该验收委托。"))
    return redirect(reverse("assessments:acceptance-delegates", args=[campaign.pk]))
