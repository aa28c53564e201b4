"""HTML views of the district review: queue, workbench (summary + per item), verdict autosave,
return, finalise, reopen, assignments, notifications. Querysets come from selectors, each write
goes through one service; objects outside the user's scope answer 404."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from .. import selectors, services
from ..models import AssessmentStatus, Campaign, Region
from ..scoping import get_scope


def _errors(exc: ValidationError) -> list[str]:
    return [str(m) for m in exc.messages]


@login_required
def review_queue_view(request: HttpRequest) -> HttpResponse:
    """The reviewer's queue: filters, counts per status, items still to review per assessment."""
    scope = get_scope(request.user)
    if not scope.is_reviewer:
        raise Http404
    filters = {k: request.GET.get(k, "") for k in ("campaign", "district", "status", "deadline")}
    queue = selectors.review_queue(user=request.user, filters=filters)
    page = Paginator(queue, 50).get_page(request.GET.get("page"))
    counts = selectors.review_queue_counts(user=request.user)
    campaigns = Campaign.objects.filter(
        pk__in=selectors.review_queue(user=request.user).values("campaign_id")
    ).order_by("-year", "title")
    districts = Region.objects.filter(level=Region.Level.DISTRICT).filter(
        pk__in=selectors.review_queue(user=request.user).values("school__region_id")
    )
    return render(
        request,
        "assessments/review_queue.html",
        {
            "page": page,
            "filters": filters,
            "campaigns": campaigns,
            "districts": districts,
            "status_counts": [
                (s, label, counts.get(s, 0))
                for s, label in AssessmentStatus.choices
                if s != AssessmentStatus.DRAFT
            ],
            "total": sum(counts.values()),
            "conflict_school_ids": scope.cio_school_ids,
            "now": timezone.now(),
        },
    )


def _workbench_context(request, assessment) -> dict:
    rw = selectors.review_workbench(assessment=assessment, user=request.user)
    scope = get_scope(request.user)
    refusal = services.review_refusal(assessment=assessment, user=request.user)
    return {
        "assessment": assessment,
        "campaign": assessment.campaign,
        "rw": rw,
        "ws": rw.ws,
        "refusal": refusal,
        "can_review": refusal is None
        and assessment.status in (AssessmentStatus.SUBMITTED, AssessmentStatus.IN_REVIEW),
        "is_lead": scope.is_superuser or assessment.pk in scope.lead_assessment_ids,
        "manages": selectors.campaign_managed_list(user=request.user)
        .filter(pk=assessment.campaign_id)
        .exists(),
    }


@login_required
def review_summary_view(request: HttpRequest, pk: int) -> HttpResponse:
    """All items with self vs reviewer value, verdict and gap; dimension gaps; return/finalise."""
    assessment = selectors.review_assessment_get(user=request.user, pk=pk)
    context = _workbench_context(request, assessment)
    if context["manages"]:
        context["assignments"] = assessment.review_assignments.select_related("reviewer", "assigned_by")
    return render(request, "assessments/review_summary.html", context)


@login_required
@require_POST
def review_start_view(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = selectors.review_assessment_get(user=request.user, pk=pk)
    try:
        services.review_start(assessment=assessment, acting_user=request.user)
    except ValidationError as exc:
        for m in _errors(exc):
            messages.error(request, m)
        return redirect("review-summary", pk=pk)
    rw = selectors.review_workbench(assessment=assessment, user=request.user)
    first = next((i for i in rw.items if not i.reviewed_by_me), rw.items[0] if rw.items else None)
    if first is None:
        return redirect("review-summary", pk=pk)
    return redirect("review-item", pk=pk, code=first.node.code)


def _neighbours(rw, current) -> dict:
    items = rw.items
    pos = items.index(current)
    after = items[pos + 1 :] + items[:pos]
    return {
        "prev_item": items[pos - 1] if pos > 0 else None,
        "next_item": items[pos + 1] if pos + 1 < len(items) else None,
        "next_todo": next((i for i in after if not i.reviewed_by_me), None),
        "position": pos + 1,
    }


@login_required
def review_item_view(request: HttpRequest, pk: int, code: str) -> HttpResponse:
    """The workbench for one item: the school's input and evidence beside the reviewer's panel."""
    assessment = selectors.review_assessment_get(user=request.user, pk=pk)
    context = _workbench_context(request, assessment)
    current = context["rw"].by_code.get(code)
    if current is None:
        raise Http404
    context.update(
        ri=current, item=current.item, response=current.response, **_neighbours(context["rw"], current)
    )
    context["statuses"] = [
        s for s in ("met", "partial", "not_met", "na") if s != "na" or current.node.optional
    ]
    return render(request, "assessments/review_item.html", context)


def _verdict_values(post) -> dict:
    return {
        "verdict": post.get("verdict", ""),
        "score": (post.get("score") or "").strip() or None,
        "status": post.get("status") or None,
        "comment": post.get("comment", ""),
    }


@login_required
@require_POST
def review_item_save_view(request: HttpRequest, pk: int, code: str) -> HttpResponse:
    """Autosave of the verdict (htmx): the save state, plus out-of-band the new version and counts."""
    assessment = selectors.review_assessment_get(user=request.user, pk=pk)
    response = get_object_or_404(
        selectors.response_list(user=request.user).filter(assessment=assessment), node__code=code
    )
    try:
        version = int(request.POST.get("version", ""))
    except ValueError:
        version = -1
    state, status = {"ok": True}, 200
    consolidate = request.POST.get("consolidate") == "1"
    try:
        if consolidate:
            services.review_consolidate(
                response=response, acting_user=request.user, version=version, **_verdict_values(request.POST)
            )
        else:
            services.verdict_save(
                response=response, acting_user=request.user, version=version, **_verdict_values(request.POST)
            )
    except services.ReviewConflict as exc:
        state, status = {"conflict": True, "message": exc.messages[0]}, 409
    except services.ReviewRefused as exc:
        state, status = {"locked": True, "message": exc.messages[0]}, 403
    except ValidationError as exc:
        state, status = {"errors": _errors(exc)}, 400
    assessment.refresh_from_db()
    context = _workbench_context(request, assessment)
    current = context["rw"].by_code[code]
    context.update(
        state=state, ri=current, response=current.response, consolidate=consolidate, now=timezone.now()
    )
    http = render(request, "assessments/_review_save_state.html", context)
    http["X-Save-Status"] = str(status)
    return http


@login_required
@require_POST
def review_return_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Return to the school: the items with "more evidence" plus the ticked ones with their reasons."""
    assessment = selectors.review_assessment_get(user=request.user, pk=pk)
    reasons = {
        int(rid): request.POST.get(f"reason-{rid}", "")
        for rid in request.POST.getlist("items")
        if rid.isdigit()
    }
    try:
        returned = services.review_return(assessment=assessment, acting_user=request.user, reasons=reasons)
    except ValidationError as exc:
        for m in _errors(exc):
            messages.error(request, m)
    else:
        messages.success(
            request,
            _("已退回%(s)s修改 %(n)d 个条目：%(c)s")
            % {
                "s": assessment.school.name,
                "n": len(returned),
                "c": "、".join(r.node.code for r in returned),
            },
        )
    return redirect("review-summary", pk=pk)


@login_required
@require_POST
def review_finalise_view(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = selectors.review_assessment_get(user=request.user, pk=pk)
    try:
        services.review_finalise(assessment=assessment, acting_user=request.user)
    except ValidationError as exc:
        for m in _errors(exc):
            messages.error(request, m)
    else:
        messages.success(
            request, _("评审已完成，%(s)s的自评结果已定稿（只读）。") % {"s": assessment.school.name}
        )
    return redirect("review-summary", pk=pk)


@login_required
@require_http_methods(["GET", "POST"])
def review_reopen_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Commission staff reopen a finalised assessment with a recorded reason."""
    assessment = selectors.review_assessment_get(user=request.user, pk=pk)
    if not selectors.campaign_managed_list(user=request.user).filter(pk=assessment.campaign_id).exists():
        raise Http404
    error = None
    if request.method == "POST":
        try:
            services.review_reopen(
                assessment=assessment, acting_user=request.user, reason=request.POST.get("reason", "")
            )
        except ValidationError as exc:
            error = " ".join(_errors(exc))
        else:
            messages.success(request, _("已重新打开%(s)s的评审。") % {"s": assessment.school.name})
            return redirect("review-summary", pk=pk)
    return render(
        request,
        "assessments/review_reopen.html",
        {"assessment": assessment, "error": error, "reason": request.POST.get("reason", "")},
        status=400 if error else 200,
    )


@login_required
@require_POST
def review_assign_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Commission staff assign a named reviewer (by login name) to this assessment."""
    assessment = selectors.review_assessment_get(user=request.user, pk=pk)
    if not selectors.campaign_managed_list(user=request.user).filter(pk=assessment.campaign_id).exists():
        raise Http404
    username = (request.POST.get("username") or "").strip()
    reviewer = get_user_model().objects.filter(username=username, is_active=True).first()
    if reviewer is None:
        messages.error(request, _("找不到用户“%(u)s”。") % {"u": username})
        return redirect("review-summary", pk=pk)
    try:
        services.review_assign(
            assessment=assessment,
            reviewer=reviewer,
            acting_user=request.user,
            lead=request.POST.get("lead") == "1",
        )
    except ValidationError as exc:
        for m in _errors(exc):
            messages.error(request, m)
    else:
        messages.success(
            request, _("已指派%(u)s评审本校。") % {"u": reviewer.first_name or reviewer.username}
        )
    return redirect("review-summary", pk=pk)


@login_required
def review_history_view(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = selectors.review_assessment_get(user=request.user, pk=pk)
    changes = selectors.assessment_changes(assessment=assessment)
    return render(
        request, "assessments/history.html", {"assessment": assessment, "changes": changes, "item": None}
    )
