"""HTML page of a campaign's result rule: the commission sets how each school's official result is
decided (pass rule, pass line, grades, items left out, the target share) and sees every version.
The campaign comes from the selector asked with MANAGE (outside it: 404); the rule is saved by
`services.rule_save`, whose refusals `error_response` puts onto the form."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from indicators.selectors import framework_nodes
from smartcampus.errors import DomainError, error_response

from .. import selectors, services
from ..forms import ResultRuleForm
from ..scoping import Action

TEMPLATE = "assessments/result_rule.html"


@login_required
@require_http_methods(["GET", "POST"])
def campaign_result_rule_view(request: HttpRequest, pk: int) -> HttpResponse:
    """GET shows the rule in force in its form and the versions; POST saves it (a new version with a
    reason once a school has been finalised)."""
    campaign = selectors.campaign_get(user=request.user, pk=pk, action=Action.MANAGE)
    framework = campaign.framework
    versions = selectors.rule_versions(campaign)
    current = versions[0] if versions else None
    locked = current is not None and selectors.rule_locked(campaign)
    form = ResultRuleForm(
        request.POST if request.method == "POST" else None,
        initial=ResultRuleForm.initial_for(current),
        scoring=framework.scoring,
        nodes=framework_nodes(framework=framework),
        locked=locked,
    )
    context = {
        "campaign": campaign,
        "form": form,
        "versions": versions,
        "locked": locked,
        "next_version": current.version + 1 if current is not None else 1,
    }
    if request.method != "POST":
        return render(request, TEMPLATE, context)
    if not form.is_valid():
        return render(request, TEMPLATE, context, status=400)
    try:
        rule = services.rule_save(
            campaign=campaign,
            acting_user=request.user,
            # not on this page: kept as the rule in force has them
            dimension_min_percent=current.dimension_min_percent if current is not None else {},
            district_targets=current.district_targets if current is not None else {},
            **form.rule_values(),
        )
    except (DomainError, ValidationError) as exc:
        return error_response(request, exc, template=TEMPLATE, context=context, form=form)
    messages.success(request, _("已保存结果判定规则（第 %(v)d 版）") % {"v": rule.version})
    return redirect("assessments:campaign-detail", pk=campaign.pk)
