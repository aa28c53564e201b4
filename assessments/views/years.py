"""HTML views of the year-over-year slice: 「复制为下一年活动」 (a confirmation, then the copy), and the
CIO's carry-forward of last year's answers (all items, one item) and the confirmation of carried items."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from smartcampus.errors import Conflict, DomainError, error_response

from .. import selectors, services
from ..scoping import Action

TEMPLATE = "assessments/campaign_next_year.html"


@login_required
@require_http_methods(["GET", "POST"])
def campaign_copy_view(request: HttpRequest, pk: int) -> HttpResponse:
    """GET shows what the copy would create; POST with confirm=1 creates it."""
    campaign = selectors.campaign_get(user=request.user, pk=pk, action=Action.MANAGE)
    context = {
        "campaign": campaign,
        "plan": selectors.campaign_next_year(campaign=campaign),
        "successors": list(campaign.successors.all()),
    }
    if request.method == "POST":
        if request.POST.get("confirm") != "1":
            return render(
                request, TEMPLATE, {**context, "error_messages": [_("请确认后再创建。")]}, status=400
            )
        try:
            successor = services.campaign_copy_next_year(campaign=campaign, acting_user=request.user)
        except (DomainError, ValidationError) as exc:
            return error_response(request, exc, template=TEMPLATE, context=context)
        messages.success(request, _("已创建“%(title)s”。") % {"title": successor.title})
        return redirect("assessments:campaign-detail", pk=successor.pk)
    return render(request, TEMPLATE, context)


# --- carrying last year's answers forward (the school's CIO) ------------------------------------------

CARRY_TEMPLATE = "assessments/carry.html"


def _carry_context(request: HttpRequest, assessment) -> dict:
    abilities = selectors.assessment_abilities(user=request.user, assessment=assessment)
    plan = selectors.carry_offer(user=request.user, assessment=assessment, can_edit=abilities.can_edit)
    from .campaigns import _days_left

    return {
        "assessment": assessment,
        "campaign": assessment.campaign,
        "plan": plan,
        "abilities": abilities,
        "days_left": _days_left(assessment.deadline),
        **assessment.state_flags(),
    }


@login_required
@require_http_methods(["GET", "POST"])
def assessment_carry_view(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: what last year's assessment offers (items empty this year ticked, items filled this
    year not), POST: carry the ticked items (and the facts), overwriting only with the confirmation."""
    assessment = selectors.assessment_get(user=request.user, pk=pk, action=Action.EDIT)
    context = _carry_context(request, assessment)
    if context["plan"] is None:
        refusal = Conflict(
            _("没有可带入的上年内容：本活动没有上一年度活动，本校上一年度没有自评，或本自评已不是草稿。"),
            code="no_previous",
        )
        return error_response(request, refusal, template=CARRY_TEMPLATE, context=context)
    if request.method == "POST":
        codes = request.POST.getlist("item")
        versions = {code: request.POST.get(f"version-{code}", "") for code in codes}
        if not versions and request.POST.get("facts") != "1":
            context["error_messages"] = [_("请至少选择一个条目。")]
            return render(request, CARRY_TEMPLATE, context, status=400)
        try:
            outcome = services.assessment_carry_forward(
                assessment=assessment,
                acting_user=request.user,
                versions=versions,
                overwrite=request.POST.get("overwrite") == "1",
                facts=request.POST.get("facts") == "1",
            )
        except (DomainError, ValidationError) as exc:
            return error_response(request, exc, template=CARRY_TEMPLATE, context=context)
        messages.success(
            request,
            _(
                "已从上年带入 %(n)d 个条目（%(e)d 份佐证材料）、%(f)d 项学校基本情况。"
                "带入的条目须逐项确认得分后才算已填写。"
            )
            % {"n": outcome.items, "e": outcome.evidence, "f": outcome.facts},
        )
        if outcome.facts_skipped:
            messages.warning(
                request, _("上年的学校基本情况未通过本年的校验，未带入，请在“学校基本情况”中填写。")
            )
        return redirect("assessments:assessment-detail", pk=pk)
    return render(request, CARRY_TEMPLATE, context)


def _item_redirect(pk: int, code: str) -> HttpResponse:
    return redirect("assessments:assessment-item", pk=pk, code=code)


def _item_error(request: HttpRequest, exc, assessment, code: str) -> HttpResponse:
    """A refused item action: the item page again with the message (409 / 400), 404 outside the scope."""
    from .campaigns import item_context

    assessment.refresh_from_db()
    context = item_context(request, assessment, code)
    return error_response(request, exc, template="assessments/item.html", context=context)


@login_required
@require_POST
def item_carry_view(request: HttpRequest, pk: int, code: str) -> HttpResponse:
    """Carry one item from last year (its statement and evidence); `overwrite=1` confirms replacing
    what this year already has."""
    assessment = selectors.assessment_get(user=request.user, pk=pk, action=Action.EDIT)
    response = selectors.response_get(user=request.user, assessment=assessment, code=code, action=Action.EDIT)
    try:
        services.response_carry_forward(
            response=response,
            acting_user=request.user,
            version=_int(request.POST.get("version")),
            overwrite=request.POST.get("overwrite") == "1",
        )
    except (DomainError, ValidationError) as exc:
        return _item_error(request, exc, assessment, code)
    messages.success(request, _("已从上年带入本条目的说明与佐证材料，请确认本年的得分。"))
    return _item_redirect(pk, code)


@login_required
@require_POST
def item_confirm_view(request: HttpRequest, pk: int, code: str) -> HttpResponse:
    """Confirm a carried item with the score or status the CIO chose."""
    assessment = selectors.assessment_get(user=request.user, pk=pk, action=Action.EDIT)
    response = selectors.response_get(user=request.user, assessment=assessment, code=code, action=Action.EDIT)
    try:
        services.response_carry_confirm(
            response=response,
            acting_user=request.user,
            version=_int(request.POST.get("version")),
            value=request.POST.get("value", "").strip(),
        )
    except (DomainError, ValidationError) as exc:
        return _item_error(request, exc, assessment, code)
    messages.success(request, _("已确认条目 %(code)s。") % {"code": code})
    return _item_redirect(pk, code)


def _int(value) -> int:
    try:
        return int(value or "")
    except ValueError:
        return -1
