"""HTML views of the year-over-year slice: 「复制为下一年活动」 (a confirmation, then the copy)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from smartcampus.errors import DomainError, error_response

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
