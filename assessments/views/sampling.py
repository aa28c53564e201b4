"""HTML views of the city re-check: draw a sample (preview, then save), the saved draws, a
sample's schools with their city reviewers, and the city reviewer's re-check sheet. The draw goes
through `services.sample_preview` / `sample_save`, the same path as `manage.py draw_sample`."""

from __future__ import annotations

import secrets

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from smartcampus.errors import DomainError, Invalid, error_response

from .. import selectors, services
from ..forms import SampleForm
from ..models import Region, SchoolType
from ..scoping import Action

SEED_DIGITS = 10**9


def _draw_context(request: HttpRequest, campaign, form, **extra) -> dict:
    return {
        "campaign": campaign,
        "form": form,
        "samples": selectors.sample_list(user=request.user, campaign=campaign),
        "eligible_count": len(services.sample_eligible(campaign=campaign)),
        **extra,
    }


def _params(form: SampleForm) -> services.SampleParams:
    if not form.is_valid():
        raise Invalid(_("请检查抽样参数。"), fields={k: list(v) for k, v in form.errors.items()})
    data = form.cleaned_data
    return services.sample_params_clean(
        method=data["method"],
        strata=data["strata"],
        rate=data["rate"],
        per_stratum=data["per_stratum"],
        seed=data["seed"],
        manual=data["manual"],
    )


@login_required
def sample_draw_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The commission's sampling page: the form (seed prefilled at random, editable), a preview of
    the draw, saving it, and the campaign's past draws."""
    campaign = selectors.campaign_get(user=request.user, pk=pk, action=Action.SAMPLE)
    if request.method != "POST":
        form = SampleForm(
            initial={
                "method": "stratified",
                "strata": ["district"],
                "rate": "0.2",
                "seed": secrets.randbelow(SEED_DIGITS),
            }
        )
        return render(request, "assessments/sample_draw.html", _draw_context(request, campaign, form))
    form = SampleForm(request.POST)
    try:
        params = _params(form)
        if request.POST.get("save") == "1":
            sample = services.sample_save(campaign=campaign, params=params, acting_user=request.user)
            messages.success(request, _("抽样已保存：%(n)d 所学校。") % {"n": sample.schools.count()})
            return redirect("assessments:sample-detail", pk=sample.pk)
        result = services.sample_preview(campaign=campaign, params=params)
    except (DomainError, ValidationError) as exc:
        return error_response(
            request,
            exc,
            template="assessments/sample_draw.html",
            context=_draw_context(request, campaign, form),
            form=form,
        )
    return render(
        request,
        "assessments/sample_draw.html",
        _draw_context(request, campaign, form, result=result, strata=_stratum_rows(campaign, result)),
    )


def _stratum_rows(campaign, result) -> list[tuple[str, object]]:
    """Each stratum of the preview with its key in words (district name, school type label)."""
    names = dict(Region.objects.filter(path__startswith=campaign.region.path).values_list("code", "name"))
    names.update((value, str(label)) for value, label in SchoolType.choices)
    return [(" / ".join(names.get(v, v) for v in s.key), s) for s in result.strata]


def _detail_context(request: HttpRequest, sample) -> dict:
    return {
        "sample": sample,
        "campaign": sample.campaign,
        "rows": selectors.sample_rows(sample=sample),
        "candidates": selectors.recheck_reviewer_candidates(user=request.user, campaign=sample.campaign),
    }


@login_required
def sample_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    """A saved draw: its parameters and seed, its schools and their city reviewers."""
    sample = selectors.sample_get(user=request.user, pk=pk)
    return render(request, "assessments/sample_detail.html", _detail_context(request, sample))


@login_required
@require_POST
def sample_assign_view(request: HttpRequest, pk: int, row: int) -> HttpResponse:
    sample = selectors.sample_get(user=request.user, pk=pk)
    sample_row = selectors.sample_row_get(user=request.user, sample=sample, pk=row)
    reviewer_id = request.POST.get("reviewer", "")
    reviewer = None
    try:
        if reviewer_id:
            candidates = selectors.recheck_reviewer_candidates(user=request.user, campaign=sample.campaign)
            reviewer = candidates.filter(pk=int(reviewer_id) if reviewer_id.isdigit() else 0).first()
            if reviewer is None:
                message = _("请从列表中选择一位市级复核专家。")
                raise Invalid(message, fields={"reviewer": [message]})
        services.sample_reviewer_assign(row=sample_row, reviewer=reviewer, acting_user=request.user)
    except (DomainError, ValidationError) as exc:
        return error_response(
            request, exc, template="assessments/sample_detail.html", context=_detail_context(request, sample)
        )
    messages.success(request, _("已指派%(s)s的复核专家。") % {"s": sample_row.assessment.school.name})
    return redirect("assessments:sample-detail", pk=sample.pk)


@login_required
def recheck_list_view(request: HttpRequest) -> HttpResponse:
    """The city reviewer's list: the sampled schools they re-check."""
    if not selectors.user_can(user=request.user, action=Action.RECHECK):
        raise Http404
    return render(
        request, "assessments/recheck_list.html", {"assessments": selectors.recheck_list(user=request.user)}
    )


@login_required
@require_GET
def recheck_view(request: HttpRequest, pk: int) -> HttpResponse:
    """A sampled school's re-check opens in the review workbench in the city stage, at its first
    item without a city value (or its first item)."""
    assessment = selectors.assessment_get(user=request.user, pk=pk, action=Action.RECHECK)
    rows = selectors.recheck_sheet(assessment=assessment).rows
    if not rows:
        raise Http404
    first = next((r for r in rows if r.city is None), rows[0])
    return redirect("assessments:recheck-item", pk=assessment.pk, code=first.code)
