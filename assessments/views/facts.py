"""HTML views of the 「学校基本情况」 tab: the school's facts (autosaved one by one), the automatic
checks they give, and the reviewer's doubts. The assessment comes from a selector asked with the
action the view performs (outside its scope: 404); each write goes through one service and its
refusals are answered by `smartcampus.errors.error_response`."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from indicators.selectors import fact_catalogue
from smartcampus.errors import DomainError, error_response

from .. import selectors, services
from ..scoping import Action


def _version(request: HttpRequest) -> int:
    try:
        return int(request.POST.get("version", ""))
    except ValueError:
        return -1


def _locked_reason(request: HttpRequest, assessment) -> str:
    """Why the CIO cannot change the facts now ("" when they can, or are not the school's CIO)."""
    if not selectors.user_can(user=request.user, action=Action.EDIT, obj=assessment):
        return ""
    try:
        services.facts_assert_editable(assessment=assessment, acting_user=request.user)
    except DomainError as exc:
        return exc.message
    return ""


def _facts_context(request: HttpRequest, assessment) -> dict:
    sheet = selectors.fact_sheet(assessment=assessment, user=request.user)
    return {
        "assessment": assessment,
        "campaign": assessment.campaign,
        "sheet": sheet,
        "checks": sheet.checks,
        "changes": selectors.fact_changes(assessment=assessment, catalogue=sheet.checks.catalogue),
        "locked_reason": _locked_reason(request, assessment),
        "days_left": (timezone.localdate(assessment.deadline) - timezone.localdate()).days,
        "facts_tab": True,
        **assessment.state_flags(),
    }


@login_required
def assessment_facts_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The tab: every fact the framework's checks read (and the basics), the checks, the history."""
    assessment = selectors.assessment_get(user=request.user, pk=pk)
    return render(request, "assessments/facts.html", _facts_context(request, assessment))


@login_required
@require_POST
def fact_save_view(request: HttpRequest, pk: int, code: str) -> HttpResponse:
    """Autosave of one fact (htmx): the save state, plus out-of-band the new version, the field's
    message and the checks. A refusal is swapped in too: 200 with the real status in
    `X-Save-Status` (see `error_response`)."""
    assessment = selectors.assessment_get(user=request.user, pk=pk, action=Action.EDIT)
    if code not in fact_catalogue():
        raise Http404
    error = None
    try:
        services.fact_values_set(
            assessment=assessment,
            values={code: request.POST.get("value", "")},
            versions={code: _version(request)},
            acting_user=request.user,
        )
    except (DomainError, ValidationError) as exc:
        error = exc
    assessment.refresh_from_db()
    sheet = selectors.fact_sheet(assessment=assessment, user=request.user)
    context = {
        "assessment": assessment,
        "sheet": sheet,
        "checks": sheet.checks,
        "field": sheet.by_code.get(code),
        "code": code,
        "now": timezone.now(),
    }
    template = "assessments/_fact_save_state.html"
    if error is not None:
        return error_response(request, error, template=template, context=context, swap=True)
    http = render(request, template, context)
    http["X-Save-Status"] = "200"
    return http


@login_required
@require_POST
def fact_doubt_view(request: HttpRequest, pk: int, code: str) -> HttpResponse:
    """The reviewer marks a fact doubtful with a comment, or clears the mark."""
    assessment = selectors.assessment_get(user=request.user, pk=pk, action=Action.REVIEW)
    doubtful = request.POST.get("doubtful") == "1"
    try:
        services.fact_doubt_set(
            assessment=assessment,
            code=code,
            acting_user=request.user,
            version=_version(request),
            doubtful=doubtful,
            comment=request.POST.get("comment", ""),
        )
    except (DomainError, ValidationError) as exc:
        assessment.refresh_from_db()
        return error_response(
            request, exc, template="assessments/facts.html", context=_facts_context(request, assessment)
        )
    messages.success(request, _("已标记为存疑。") if doubtful else _("已取消存疑标记。"))
    return redirect(reverse("assessments:assessment-facts", args=[pk]) + f"#fact-{code}")
