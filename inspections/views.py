"""Pages of on-site visits and of the publication of results. Querysets come from selectors asked
with the action the view performs; each write goes through one service, and refusals are answered by
`error_response` (a refusal: 404 naming nothing)."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from assessments import selectors as assessment_selectors
from assessments.scoping import Action
from assessments.selectors.results import assessment_results
from evidence.selectors import evidence_file_list
from evidence.uploads import too_large_message
from evidence.views import upload_view
from indicators.choices import ComplianceStatus
from smartcampus.errors import DomainError, error_response

from . import selectors, services
from .forms import (
    AdjustForm,
    DecisionForm,
    FindingForm,
    ObjectionForm,
    PublicationForm,
    RectifyForm,
    SheetForm,
    VisitForm,
)
from .models import PUBLISHED_FIELDS, FindingVerdict, ObjectionState, Visibility

LIST_SIZE = 200


# --- visits -------------------------------------------------------------------------------------------


@login_required
def visit_list_view(request: HttpRequest) -> HttpResponse:
    """The visits the user may inspect, and the schools a visit may be scheduled for."""
    if not assessment_selectors.user_can(user=request.user, action=Action.INSPECT):
        raise Http404
    visits = selectors.visit_list(user=request.user, action=Action.INSPECT).order_by("-date", "-id")[
        :LIST_SIZE
    ]
    return render(
        request,
        "inspections/visit_list.html",
        {"visits": visits, "schedulable": selectors.visits_to_schedule(user=request.user)[:LIST_SIZE]},
    )


def _visit_form_choices(assessment):
    team = [
        (u.pk, f"{u.first_name or u.username}（{u.username}）")  # i18n: data
        for u in selectors.inspector_candidates(assessment=assessment)
    ]
    items = [
        (r.node_id, f"{r.node.code} {r.node.title}")
        for r in assessment.responses.select_related("node").order_by("node__position")
    ]
    return {"team_choices": team, "item_choices": items}


@login_required
@require_http_methods(["GET", "POST"])
def visit_schedule_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Schedule a visit of one assessment: date, team, items."""
    assessment = assessment_selectors.assessment_get(user=request.user, pk=pk, action=Action.INSPECT)
    choices = _visit_form_choices(assessment)
    if request.method == "GET":
        form = VisitForm(initial={"team": [request.user.pk]}, **choices)
        return render(request, "inspections/visit_schedule.html", {"assessment": assessment, "form": form})
    form = VisitForm(request.POST, **choices)
    context = {"assessment": assessment, "form": form}
    if not form.is_valid():
        return render(request, "inspections/visit_schedule.html", context, status=400)
    data = form.cleaned_data
    try:
        visit = services.visit_schedule(
            assessment=assessment,
            acting_user=request.user,
            date=data["date"],
            team_ids=data["team"],
            node_ids=data["items"],
            note=data["note"],
        )
    except DomainError as exc:
        return error_response(
            request, exc, template="inspections/visit_schedule.html", context=context, form=form
        )
    messages.success(request, _("已安排现场核验，并通知学校。"))
    return redirect("inspections:visit-detail", visit.pk)


def _visit_context(request, visit, **extra) -> dict:
    abilities = selectors.visit_abilities(user=request.user, visit=visit)
    return {
        "visit": visit,
        "assessment": visit.assessment,
        "findings": selectors.visit_findings(visit=visit),
        "team": list(visit.team.order_by("username")),
        "abilities": abilities,
        "finding_form": FindingForm(),
        "sheet_form": SheetForm(),
        "rectify_form": RectifyForm(),
        "adjust_form": AdjustForm(),
        "discrepancy": FindingVerdict.DISCREPANCY,
        "status_choices": [c for c in ComplianceStatus.choices if c[0] != ComplianceStatus.NA],
        "today": timezone.localdate(),
        **extra,
    }


@login_required
def visit_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    visit = selectors.visit_get(user=request.user, pk=pk)
    return render(request, "inspections/visit_detail.html", _visit_context(request, visit))


def _oversized(request, form) -> None:
    """Files the size limit skipped while the body was read: an error on the form, by name."""
    for name in request.evidence_limit.oversized:
        form.add_error(None, too_large_message(name))


@upload_view
def finding_record_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Record one finding (verdict, text, photos into the school's library)."""
    finding = selectors.finding_get(user=request.user, pk=pk)
    visit = finding.visit
    form = FindingForm(request.POST, request.FILES)
    form.is_valid()
    _oversized(request, form)
    if not form.is_valid():
        return render(
            request,
            "inspections/visit_detail.html",
            _visit_context(request, visit, bad_form=form),
            status=400,
        )
    data = form.cleaned_data
    try:
        services.finding_record(
            finding=finding,
            acting_user=request.user,
            verdict=data["verdict"],
            text=data["text"],
            photos=data["photos"],
        )
    except DomainError as exc:
        return error_response(
            request, exc, template="inspections/visit_detail.html", context=_visit_context(request, visit)
        )
    messages.success(request, _("已记录条目 %(c)s 的核验发现。") % {"c": finding.node.code})
    return redirect("inspections:visit-detail", visit.pk)


@upload_view
def visit_sheet_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Upload the signed check sheet (PDF); the visit is then complete."""
    visit = selectors.visit_get(user=request.user, pk=pk, action=Action.INSPECT)
    form = SheetForm(request.POST, request.FILES)
    form.is_valid()
    _oversized(request, form)
    if not form.is_valid():
        return render(
            request,
            "inspections/visit_detail.html",
            _visit_context(request, visit, sheet_form=form),
            status=400,
        )
    try:
        services.visit_sheet_upload(
            visit=visit, acting_user=request.user, uploaded_file=form.cleaned_data["sheet"]
        )
    except DomainError as exc:
        return error_response(
            request, exc, template="inspections/visit_detail.html", context=_visit_context(request, visit)
        )
    messages.success(request, _("已上传签字核验单，本次现场核验已完成。"))
    return redirect("inspections:visit-detail", visit.pk)


@login_required
@require_POST
def finding_rectify_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Turn a discrepancy into a rectification item of the school."""
    finding = selectors.finding_get(user=request.user, pk=pk)
    visit = finding.visit
    form = RectifyForm(request.POST)
    if not form.is_valid():
        return render(
            request,
            "inspections/visit_detail.html",
            _visit_context(request, visit, rectify_form=form),
            status=400,
        )
    try:
        item = services.finding_to_rectification(
            finding=finding,
            acting_user=request.user,
            action=form.cleaned_data["action"],
            due_date=form.cleaned_data["due_date"],
        )
    except DomainError as exc:
        return error_response(
            request, exc, template="inspections/visit_detail.html", context=_visit_context(request, visit)
        )
    messages.success(request, _("已转为整改事项（%(c)s），并通知学校。") % {"c": item.node.code})
    return redirect("inspections:visit-detail", visit.pk)


@login_required
@require_POST
def finding_adjust_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Turn a discrepancy into a review adjustment of the item (the review must be open)."""
    finding = selectors.finding_get(user=request.user, pk=pk)
    visit = finding.visit
    form = AdjustForm(request.POST)
    if not form.is_valid():
        return render(
            request,
            "inspections/visit_detail.html",
            _visit_context(request, visit, adjust_form=form),
            status=400,
        )
    try:
        services.finding_to_adjustment(
            finding=finding,
            acting_user=request.user,
            score=form.cleaned_data["score"],
            status=form.cleaned_data["status"] or None,
        )
    except DomainError as exc:
        return error_response(
            request, exc, template="inspections/visit_detail.html", context=_visit_context(request, visit)
        )
    messages.success(request, _("已按核验发现调整条目 %(c)s 的评审结果。") % {"c": finding.node.code})
    return redirect("inspections:visit-detail", visit.pk)


# --- publications -------------------------------------------------------------------------------------


@login_required
def publication_list_view(request: HttpRequest) -> HttpResponse:
    """Publications of the campaigns the user takes part in or manages; campaigns to publish."""
    publications = selectors.publication_list(user=request.user).order_by("-published_at")[:LIST_SIZE]
    return render(
        request,
        "inspections/publication_list.html",
        {
            "publications": publications,
            "publishable": selectors.publishable_campaigns(user=request.user)[:LIST_SIZE],
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def publication_create_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Publish a campaign's results: fields, visibility, objection window."""
    campaign = assessment_selectors.campaign_get(user=request.user, pk=pk, action=Action.PUBLISH)
    counts = selectors.acceptance_counts(campaign_id=campaign.pk)
    if request.method == "GET":
        today = timezone.localdate()
        form = PublicationForm(
            initial={"window_start": today, "window_end": today + datetime.timedelta(days=7)}
        )
        return render(
            request,
            "inspections/publication_create.html",
            {"campaign": campaign, "form": form, "counts": counts},
        )
    form = PublicationForm(request.POST)
    context = {"campaign": campaign, "form": form, "counts": counts}
    if not form.is_valid():
        return render(request, "inspections/publication_create.html", context, status=400)
    data = form.cleaned_data
    try:
        publication = services.publication_create(
            campaign=campaign,
            acting_user=request.user,
            visibility=data["visibility"],
            fields=data["fields_shown"],
            window_start=data["window_start"],
            window_end=data["window_end"],
        )
    except DomainError as exc:
        return error_response(
            request, exc, template="inspections/publication_create.html", context=context, form=form
        )
    messages.success(request, _("结果已公示，并通知各校。"))
    return redirect("inspections:publication-detail", publication.pk)


def _publication_context(request, publication, **extra) -> dict:
    abilities = selectors.publication_abilities(user=request.user, publication=publication)
    return {
        "publication": publication,
        "campaign": publication.campaign,
        "abilities": abilities,
        "objections": selectors.publication_objections(user=request.user, publication=publication),
        "own_assessments": selectors.publication_school_assessments(
            user=request.user, publication=publication
        ),
        "decision_form": DecisionForm(),
        "fields": [label for name, label in PUBLISHED_FIELDS if getattr(publication, name)],
        "results_url": request.build_absolute_uri(_results_path(publication)),
        "is_public": publication.visibility == Visibility.PUBLIC,
        "open_state": ObjectionState.OPEN,
        "counts": selectors.acceptance_counts(campaign_id=publication.campaign_id),
        **extra,
    }


def _results_path(publication) -> str:
    return reverse("inspections:results", args=[publication.token])


@login_required
def publication_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    publication = selectors.publication_get(user=request.user, pk=pk)
    return render(request, "inspections/publication_detail.html", _publication_context(request, publication))


@login_required
@require_POST
def publication_close_view(request: HttpRequest, pk: int) -> HttpResponse:
    publication = selectors.publication_get(user=request.user, pk=pk, action=Action.PUBLISH)
    try:
        services.publication_close(publication=publication, acting_user=request.user)
    except DomainError as exc:
        return error_response(
            request,
            exc,
            template="inspections/publication_detail.html",
            context=_publication_context(request, publication),
        )
    messages.success(request, _("公示已结束，本活动的结果和命名已冻结。"))
    return redirect("inspections:publication-detail", publication.pk)


#: decision → service and message
DECISIONS = {
    "uphold": (services.objection_uphold, _("申辩成立，已重新打开该校的评审。")),
    "reject": (services.objection_reject, _("已驳回申辩。")),
}


@login_required
@require_POST
def objection_decide_view(request: HttpRequest, pk: int, decision: str) -> HttpResponse:
    if decision not in DECISIONS:
        raise Http404
    service, done = DECISIONS[decision]
    objection = selectors.objection_get(user=request.user, pk=pk, action=Action.PUBLISH)
    publication = objection.publication
    form = DecisionForm(request.POST)
    if not form.is_valid():
        return render(
            request,
            "inspections/publication_detail.html",
            _publication_context(request, publication, decision_form=form),
            status=400,
        )
    try:
        service(objection=objection, acting_user=request.user, reason=form.cleaned_data["reason"])
    except DomainError as exc:
        return error_response(
            request,
            exc,
            template="inspections/publication_detail.html",
            context=_publication_context(request, publication),
        )
    messages.success(request, done)
    return redirect("inspections:publication-detail", publication.pk)


def _school_context(request, publication, assessment, **extra) -> dict:
    results = assessment_results(assessment=assessment)
    window_open = publication.window_open()
    files = evidence_file_list(user=request.user, action=Action.EDIT, school_id=assessment.school_id)
    file_choices = [(f.pk, f.original_name) for f in files.order_by("-uploaded_at")[:LIST_SIZE]]
    open_nodes = selectors.open_objection_nodes(publication=publication, assessment=assessment)
    frame_nodes = dict(assessment.responses.values_list("node__code", "node_id"))
    items = [
        {"code": i.code, "title": i.title, "node_id": frame_nodes.get(i.code), "review": i.review_value}
        for i in results.items
    ]
    published = assessment.is_accepted
    return {
        "publication": publication,
        "assessment": assessment,
        "items": items,
        "open_nodes": open_nodes,
        "result_open": None in open_nodes,
        "published": published,
        "can_object": window_open and published,
        "objection_form": ObjectionForm(files_choices=file_choices),
        "objections": selectors.publication_objections(user=request.user, publication=publication).filter(
            assessment=assessment
        ),
        **extra,
    }


@login_required
def publication_school_view(request: HttpRequest, pk: int, assessment_pk: int) -> HttpResponse:
    """The school's own result in the publication, with 「提出申辩」 on the result and on each item
    during the window."""
    publication = selectors.publication_get(user=request.user, pk=pk)
    assessment = assessment_selectors.assessment_get(
        user=request.user, pk=assessment_pk, action=Action.OBJECT
    )
    if assessment.campaign_id != publication.campaign_id:
        raise Http404
    return render(
        request, "inspections/publication_school.html", _school_context(request, publication, assessment)
    )


@login_required
@require_POST
def objection_raise_view(request: HttpRequest, pk: int, assessment_pk: int) -> HttpResponse:
    publication = selectors.publication_get(user=request.user, pk=pk)
    assessment = assessment_selectors.assessment_get(
        user=request.user, pk=assessment_pk, action=Action.OBJECT
    )
    if assessment.campaign_id != publication.campaign_id:
        raise Http404
    files = evidence_file_list(user=request.user, action=Action.EDIT, school_id=assessment.school_id)
    form = ObjectionForm(request.POST, files_choices=[(f.pk, f.original_name) for f in files[:LIST_SIZE]])
    if not form.is_valid():
        return render(
            request,
            "inspections/publication_school.html",
            _school_context(request, publication, assessment, objection_form=form),
            status=400,
        )
    data = form.cleaned_data
    try:
        services.objection_raise(
            publication=publication,
            assessment=assessment,
            acting_user=request.user,
            reason=data["reason"],
            node_id=data["node"],
            file_ids=data["files"],
        )
    except DomainError as exc:
        return error_response(
            request,
            exc,
            template="inspections/publication_school.html",
            context=_school_context(request, publication, assessment),
        )
    messages.success(request, _("申辩已提交，等待教委处理。"))
    return redirect("inspections:publication-school", publication.pk, assessment.pk)


def results_view(request: HttpRequest, token: str) -> HttpResponse:
    """The read-only results page of a publication: the chosen fields per school and nothing else.
    A public one is open to anyone with the link; a login-only one to the campaign's participants."""
    publication = selectors.publication_by_token(user=request.user, token=token)
    if publication is None:
        return redirect_to_login(request.get_full_path())
    return render(
        request,
        "inspections/results.html",
        {
            "publication": publication,
            "rows": selectors.publication_rows(publication=publication),
            "fields": {name: getattr(publication, name) for name, _label in PUBLISHED_FIELDS},
        },
    )
