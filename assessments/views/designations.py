"""HTML views of designations: the district's nomination board (its passed schools, its quota used
and left), the commission's awarding queue (award, refuse, revoke, the names and the quotas).
Objects come from selectors asked with the action the view performs (outside it: 404); each write
goes through one service and `error_response` answers its refusals on the page it came from."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from smartcampus.errors import DomainError, Invalid, error_response

from .. import selectors, services
from ..models import DesignationKind, Region
from ..scoping import Action


def _board_context(request: HttpRequest, campaign) -> dict:
    return {
        "campaign": campaign,
        "board": selectors.nomination_board(user=request.user, campaign=campaign),
        "kinds": DesignationKind.choices,
    }


def _queue_context(request: HttpRequest, campaign) -> dict:
    return {
        "campaign": campaign,
        "queue": selectors.awarding_queue(user=request.user, campaign=campaign),
        "kinds": DesignationKind.choices,
    }


@login_required
def nomination_board_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The district's page: its finalised schools that passed, what each may be nominated for."""
    campaign = selectors.campaign_get(user=request.user, pk=pk, action=Action.NOMINATE)
    return render(request, "assessments/designation_board.html", _board_context(request, campaign))


@login_required
@require_POST
def designation_nominate_view(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = selectors.assessment_get(user=request.user, pk=pk, action=Action.NOMINATE)
    try:
        designation = services.designation_nominate(
            assessment=assessment, kind=request.POST.get("kind", ""), acting_user=request.user
        )
    except (DomainError, ValidationError) as exc:
        return error_response(
            request,
            exc,
            template="assessments/designation_board.html",
            context=_board_context(request, assessment.campaign),
        )
    label = selectors.campaign_designation_labels(assessment.campaign)[designation.kind]
    messages.success(request, _("已推荐%(s)s为“%(l)s”。") % {"s": assessment.school.name, "l": label})
    return redirect("assessments:designation-board", pk=assessment.campaign_id)


@login_required
def awarding_queue_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The commission's page: nominations to decide, awards, the names and the districts' quotas."""
    campaign = selectors.campaign_get(user=request.user, pk=pk, action=Action.AWARD)
    return render(request, "assessments/designation_queue.html", _queue_context(request, campaign))


def _queue_error(request: HttpRequest, exc, campaign) -> HttpResponse:
    return error_response(
        request, exc, template="assessments/designation_queue.html", context=_queue_context(request, campaign)
    )


@login_required
@require_POST
def designation_decide_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Award (`decision=award`), refuse (`refuse`, with `reason`) or revoke (`revoke`, with `reason`)."""
    designation = selectors.designation_get(user=request.user, pk=pk, action=Action.AWARD)
    decision = request.POST.get("decision", "")
    reason = request.POST.get("reason", "")
    try:
        if decision == "award":
            services.designation_award(designation=designation, acting_user=request.user)
            done = _("已授予。")
        elif decision == "refuse":
            services.designation_refuse(designation=designation, reason=reason, acting_user=request.user)
            done = _("已不予授予。")
        elif decision == "revoke":
            services.designation_revoke(designation=designation, reason=reason, acting_user=request.user)
            done = _("已撤销。")
        else:
            raise Invalid(_("请选择处理方式。"), code="invalid", fields={"decision": [_("请选择处理方式。")]})
    except (DomainError, ValidationError) as exc:
        return _queue_error(request, exc, designation.campaign)
    messages.success(request, done)
    return redirect("assessments:designation-queue", pk=designation.campaign_id)


@login_required
@require_POST
def designation_settings_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Name a kind (`label`) or set a district's quota (`region`, `quota`) for a kind."""
    campaign = selectors.campaign_get(user=request.user, pk=pk, action=Action.AWARD)
    kind = request.POST.get("kind", "")
    try:
        if "label" in request.POST:
            services.designation_title_set(
                campaign=campaign, kind=kind, label=request.POST["label"], acting_user=request.user
            )
            done = _("称号已保存。")
        else:
            region = _district(request, campaign)
            try:
                quota = int(request.POST.get("quota", ""))
            except ValueError:
                message = _("名额须为整数。")
                raise Invalid(message, code="invalid", fields={"quota": [message]}) from None
            services.designation_quota_set(
                campaign=campaign, region=region, kind=kind, quota=quota, acting_user=request.user
            )
            done = _("名额已保存。")
    except (DomainError, ValidationError) as exc:
        return _queue_error(request, exc, campaign)
    messages.success(request, done)
    return redirect("assessments:designation-queue", pk=campaign.pk)


def _district(request: HttpRequest, campaign) -> Region:
    """The district named in the form, among the campaign's (an unknown id is invalid input)."""
    try:
        region_id = int(request.POST.get("region", ""))
    except ValueError:
        region_id = None
    districts = {r.pk: r for r in selectors.campaign_districts(campaign=campaign)}
    if region_id not in districts:
        message = _("请选择本活动学校所在的区县。")
        raise Invalid(message, code="invalid", fields={"region": [message]})
    return districts[region_id]
