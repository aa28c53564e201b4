"""Pages of rectification: the CIO's 「整改清单」, the reviewer's 「整改审核」 queue, one item with its
history and the forms of the transitions the user may perform, and the confirmation of the list
proposed after finalisation. Querysets come from selectors asked with the action the view performs;
each write goes through one service, refusals are answered by `error_response`."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from assessments import selectors as assessment_selectors
from assessments.scoping import Action
from evidence.selectors import evidence_file_list
from smartcampus.errors import DomainError, error_response

from . import selectors, services
from .forms import CommentForm, CompleteForm, PlanForm, ProposalFormSet

PAGE_SIZE = 50


@login_required
def due_list_view(request: HttpRequest) -> HttpResponse:
    """The CIO's 「整改清单」: their schools' items, what is due next first."""
    if not assessment_selectors.user_can(user=request.user, action=Action.RECTIFY):
        raise Http404
    items = selectors.rectification_due_list(user=request.user)
    open_items = [i for i in items if i.is_open]
    closed = [i for i in items if not i.is_open]
    return render(
        request,
        "rectification/due_list.html",
        {"open_items": open_items, "closed_items": closed, "today": timezone.localdate()},
    )


@login_required
def review_queue_view(request: HttpRequest) -> HttpResponse:
    """The reviewer's 「整改审核」 queue: plans to approve and completions to verify."""
    if not assessment_selectors.user_can(user=request.user, action=Action.VERIFY):
        raise Http404
    page = Paginator(selectors.rectification_review_queue(user=request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    to_confirm = selectors.rectification_to_confirm(user=request.user)[:PAGE_SIZE]
    return render(
        request,
        "rectification/review_queue.html",
        {"page": page, "to_confirm": to_confirm, "today": timezone.localdate()},
    )


def _item_context(request, item, **forms) -> dict:
    abilities = selectors.rectification_abilities(user=request.user, item=item)
    version = {"version": item.version}
    context = {
        "item": item,
        "assessment": item.assessment,
        "abilities": abilities,
        "events": item.events.select_related("actor"),
        "evidence": item.evidence.select_related("file"),
        "today": timezone.localdate(),
    }
    if abilities["can_plan"]:
        context["plan_form"] = forms.get("plan_form") or PlanForm(
            initial={**version, "plan": item.plan, "responsible": item.responsible}
        )
    if abilities["can_complete"]:
        context["complete_form"] = forms.get("complete_form") or CompleteForm(
            initial={**version, "report": item.report}, files_choices=_library(request, item)
        )
    if abilities["can_approve"] or abilities["can_verify"] or abilities["can_waive"]:
        context["comment_form"] = forms.get("comment_form") or CommentForm(initial=version)
    if abilities["can_approve"] or abilities["can_verify"]:
        context["next_item"] = (
            selectors.rectification_review_queue(user=request.user).exclude(pk=item.pk).first()
        )
    return context


def _library(request, item):
    files = evidence_file_list(user=request.user, action=Action.EDIT, school_id=item.assessment.school_id)
    return [(f.pk, f.original_name) for f in files.order_by("-uploaded_at")[:200]]


@login_required
def item_view(request: HttpRequest, pk: int) -> HttpResponse:
    item = selectors.rectification_get(user=request.user, pk=pk)
    return render(request, "rectification/item.html", _item_context(request, item))


#: step → (form, service, the action the item is fetched with, form name in the context)
STEPS = {
    "plan": (PlanForm, services.rectification_plan_submit, Action.RECTIFY, "plan_form"),
    "complete": (CompleteForm, services.rectification_complete, Action.RECTIFY, "complete_form"),
    "approve": (CommentForm, services.rectification_plan_approve, Action.VERIFY, "comment_form"),
    "return-plan": (CommentForm, services.rectification_plan_return, Action.VERIFY, "comment_form"),
    "verify": (CommentForm, services.rectification_verify, Action.VERIFY, "comment_form"),
    "return-completion": (
        CommentForm,
        services.rectification_verification_return,
        Action.VERIFY,
        "comment_form",
    ),
    "waive": (CommentForm, services.rectification_waive, Action.VERIFY, "comment_form"),
}
DONE = {
    "plan": gettext_lazy("整改方案已提交，等待评审专家审核。"),
    "complete": gettext_lazy("已报告整改完成，等待评审专家验收。"),
    "approve": gettext_lazy("整改方案已通过。"),
    "return-plan": gettext_lazy("整改方案已退回学校。"),
    "verify": gettext_lazy("整改已验收。"),
    "return-completion": gettext_lazy("整改未通过验收，已退回学校。"),
    "waive": gettext_lazy("已免于整改。"),
}


@login_required
@require_POST
def item_step_view(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    """One transition of an item (`step` names it); the answer is the item page again."""
    if step not in STEPS:
        raise Http404
    form_class, service, action, form_name = STEPS[step]
    item = selectors.rectification_get(user=request.user, pk=pk, action=action)
    kwargs = {"files_choices": _library(request, item)} if form_class is CompleteForm else {}
    form = form_class(request.POST, **kwargs)
    if not form.is_valid():
        return render(
            request, "rectification/item.html", _item_context(request, item, **{form_name: form}), status=400
        )
    data = form.cleaned_data
    params = {"item": item, "acting_user": request.user, "version": data["version"]}
    if step == "plan":
        params.update(plan=data["plan"], responsible=data["responsible"])
    elif step == "complete":
        params.update(report=data["report"], file_ids=data["files"])
    elif step == "waive":
        params.update(reason=data["comment"])
    else:
        params.update(comment=data["comment"])
    try:
        item = service(**params)
    except DomainError as exc:
        return error_response(
            request,
            exc,
            template="rectification/item.html",
            context=_item_context(request, item, **{form_name: form}),
            form=form,
        )
    messages.success(request, DONE[step])
    if action == Action.VERIFY:
        following = selectors.rectification_review_queue(user=request.user).first()
        if following is not None:
            return redirect("rectification:item", following.pk)
        return redirect("rectification:review-queue")
    return redirect("rectification:item", item.pk)


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@login_required
@require_http_methods(["GET", "POST"])
def confirm_view(request: HttpRequest, pk: int) -> HttpResponse:
    """After finalising: the proposed list, which the reviewer edits (untick, rewrite, re-date) and
    confirms; the school is then notified."""
    assessment = assessment_selectors.assessment_get(user=request.user, pk=pk, action=Action.VERIFY)
    confirmed = not selectors.rectification_confirmable(assessment=assessment)
    proposal = [] if confirmed else selectors.assessment_rectification_proposal(assessment=assessment)
    labels = {p.node_id: f"{p.code} {p.title}" for p in proposal}
    if request.method == "POST":
        formset = ProposalFormSet(request.POST)
    else:
        formset = ProposalFormSet(
            initial=[
                {
                    "include": True,
                    "node": p.node_id,
                    "source": p.source,
                    "problem": p.problem,
                    "action": p.action,
                    "due_date": p.due_date,
                }
                for p in proposal
            ]
        )
    rows = [(form, labels.get(_int(form["node"].value()), "")) for form in formset]
    context = {"assessment": assessment, "formset": formset, "rows": rows, "confirmed": confirmed}
    if request.method == "GET":
        return render(request, "rectification/confirm.html", context)
    if not formset.is_valid():
        return render(request, "rectification/confirm.html", context, status=400)
    chosen = [f.cleaned_data for f in formset if f.cleaned_data.get("include")]
    try:
        created = services.rectification_confirm(
            assessment=assessment, acting_user=request.user, items=chosen
        )
    except DomainError as exc:
        return error_response(request, exc, template="rectification/confirm.html", context=context)
    messages.success(
        request,
        _("已确定 %(n)d 项整改事项并通知学校。") % {"n": len(created)}
        if created
        else _("已确认本校无需整改。"),
    )
    return redirect("rectification:review-queue")
