"""HTML views of the reports app: request a report, follow its progress, download it, dashboards.

Every queryset comes from `reports.selectors` (jobs) or `assessments.selectors` (campaigns and
assessments), so a job or campaign outside the user's scope answers 404.
"""

from __future__ import annotations

import mimetypes

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from assessments import selectors as assessment_selectors
from assessments.scoping import Action, get_scope
from indicators.scoring import COMPLIANCE_INDEX_RULE
from smartcampus.downloads import content_disposition
from smartcampus.errors import DomainError, error_response

from . import charts, selectors, services
from .dashboard import (
    Block,
    dashboard_campaigns,
    dashboard_figures,
    dashboard_parts,
    dashboard_versions,
    rectification_card,
    rectification_card_html,
)
from .forms import JobFilterForm

CONTENT_TYPES = {
    ".pdf": "application/pdf",
    ".zip": "application/zip",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@login_required
@require_POST
def job_request_view(request: HttpRequest) -> HttpResponse:
    """Request a report (form buttons on the assessment and campaign pages)."""
    target = selectors.report_target(
        user=request.user,
        kind=request.POST.get("kind", ""),
        campaign=request.POST.get("campaign"),
        assessment=request.POST.get("assessment"),
        region=request.POST.get("region") or None,
    )
    try:
        job, created = services.report_job_request(
            kind=target.kind,
            campaign=target.campaign,
            assessment=target.assessment,
            region=target.region,
            acting_user=request.user,
            language=translation.get_language(),
        )
    except DomainError as exc:  # the task queue is away: the job is listed as failed, with 「重试」
        return _job_list_error(request, exc)
    if created:
        messages.success(request, _("已提交报告任务 #%(id)s，生成后可在此下载。") % {"id": job.pk})
    else:
        messages.info(request, _("相同的报告正在生成（任务 #%(id)s），无需重复提交。") % {"id": job.pk})
    return redirect("reports:job-list")


@login_required
@require_GET
def job_list_view(request: HttpRequest) -> HttpResponse:
    form = JobFilterForm(request.GET or None)
    filters = form.filters()
    jobs = selectors.report_job_list(user=request.user)
    if kind := filters.get("kind"):
        jobs = jobs.filter(kind=kind)
    if status := filters.get("status"):
        jobs = jobs.filter(status=status)
    if q := filters.get("q"):
        school = Q(assessment__school__name__icontains=q)
        jobs = jobs.filter(Q(campaign__title__icontains=q) | school | Q(region__name__icontains=q))
    page = Paginator(jobs, 30).get_page(request.GET.get("page"))
    return render(request, "reports/job_list.html", {"page": page, "form": form})


@login_required
@require_GET
def job_row_view(request: HttpRequest, pk: int) -> HttpResponse:
    """One row of the jobs table (htmx polls it every 2 s while the job is not finished)."""
    job = selectors.report_job_get(user=request.user, pk=pk)
    template = "reports/_child_row.html" if job.parent_id else "reports/_job_row.html"
    return render(request, template, {"job": job})


@login_required
@require_GET
def job_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    job = selectors.report_job_get(user=request.user, pk=pk)
    children = selectors.report_job_children(job=job) if job.is_batch else None
    page = Paginator(children, 100).get_page(request.GET.get("page")) if children is not None else None
    return render(request, "reports/job_detail.html", {"job": job, "page": page})


@login_required
@require_POST
def job_retry_view(request: HttpRequest, pk: int) -> HttpResponse:
    job = selectors.report_job_get(user=request.user, pk=pk)
    try:
        job = services.report_job_retry(job=job, acting_user=request.user)
    except DomainError as exc:
        return _job_list_error(request, exc)
    messages.success(request, _("任务 #%(id)s 已重新排队。") % {"id": job.pk})
    next_url = request.POST.get("next", "")
    if next_url and url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        return redirect(next_url)
    return redirect("reports:job-list")


def _job_list_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    page = Paginator(selectors.report_job_list(user=request.user), 30).get_page(1)
    return error_response(request, exc, template="reports/job_list.html", context={"page": page})


@login_required
@require_GET
def job_download_view(request: HttpRequest, pk: int) -> FileResponse:
    """The only way to read a report file: scoped to the requester, never sniffable, never public."""
    return job_file_response(selectors.report_job_get(user=request.user, pk=pk))


@login_required
@require_GET
def rectification_notice_view(request: HttpRequest, pk: int) -> FileResponse:
    """The newest 整改通知书 of assessment `pk`, for everyone who may view the assessment (the
    school's CIO follows the notification here); 404 outside the scope or before one is made."""
    return job_file_response(selectors.rectification_notice_get(user=request.user, assessment_pk=pk))


def job_file_response(job) -> FileResponse:
    """The file of a job obtained through `selectors.report_job_get` (also used by the API)."""
    if not job.downloadable:
        raise Http404
    try:
        handle = job.result.storage.open(job.result.name, "rb")
    except OSError:
        raise Http404 from None
    name = job.result_name or job.result.name.rsplit("/", 1)[-1]
    ext = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    content_type = CONTENT_TYPES.get(ext) or mimetypes.guess_type(name)[0] or "application/octet-stream"
    response = FileResponse(handle, content_type=content_type)
    response["Content-Disposition"] = content_disposition(name, fallback=f"report-{job.pk}{ext}")
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


# --- dashboards ------------------------------------------------------------------------------------


@login_required
@require_GET
def dashboard_view(request: HttpRequest) -> HttpResponse:
    """Commission: the city by district; reviewer: their district; school: its own results."""
    user = request.user
    # the campaigns in scope are listed on the page anyway: the chosen one is picked from them (the
    # same scope), not read again
    campaigns = dashboard_campaigns(user=user)
    campaign_id = request.GET.get("campaign")
    if campaign_id:
        campaign = next((c for c in campaigns if str(c.pk) == campaign_id), None)
        if campaign is None:
            raise Http404
    else:
        campaign = campaigns[0] if campaigns else None
    context = {"campaigns": campaigns, "campaign": campaign}
    if campaign is None:
        return render(request, "reports/dashboard.html", context)
    scope = get_scope(user)

    def assessments():
        return assessment_selectors.assessment_list(user=user).filter(campaign=campaign)

    if not assessment_selectors.user_can(user=user, action=Action.REPORT):
        context.update(_school_dashboard(request, assessments()))
        return render(request, "reports/dashboard.html", context)
    figures_version, card_version = dashboard_versions(campaign)
    parts = dashboard_parts(
        campaign=campaign, assessments=assessments, scope=scope, user=user, version=figures_version
    )
    if parts is None:  # a large scope's first figures are being computed by a worker
        return render(request, "reports/dashboard_computing.html", context)
    context.update(parts)
    context["compliance_rule"] = COMPLIANCE_INDEX_RULE
    context["may_request_city"] = selectors.report_may_request_city(user=user, campaign=campaign)
    card, card_content = rectification_card(user=user, campaign=campaign, scope=scope, version=card_version)
    context["rectification"] = card
    deviation = assessment_selectors.recheck_deviation(campaign=campaign, user=user)
    if deviation[None].items:
        board = context["board"]
        context["recheck_rows"] = [(d, deviation.get(d.region_id)) for d in [*board.districts, board.total]]
    # the year comparison shows the predecessor's year (loaded with the campaigns listed)
    previous_year = campaign.predecessor.year if parts.get("year_districts") else None

    def content() -> dict:
        """Everything the page's content shows (`{% dashboard_block %}`)."""
        context["figures"] = dashboard_figures(parts)
        context["rectification_card"] = rectification_card_html(card, card_content)
        return context

    token = parts.get("token")
    if token is None:  # figures computed without a cache: rendered as they are
        content()
    else:
        key = (
            tuple((c.pk, c.title) for c in campaigns),
            campaign.pk,
            str(campaign.framework),
            campaign.year,
            previous_year,
            token,
            context["may_request_city"],
            frozenset(deviation.items()) if "recheck_rows" in context else None,
            card_content,
        )
        context["dashboard_block"] = Block(key=key, inputs=content)
    return render(request, "reports/dashboard.html", context)


def _school_dashboard(request: HttpRequest, assessments) -> dict:
    """A CIO sees their own school's results over the campaign: self, and the review beside it once
    it is finalised (nothing of an unfinished review), from the one results function."""
    assessment = assessments.select_related("school__region", "campaign__framework").first()
    if assessment is None:
        return {}
    results = assessment_selectors.assessment_results(assessment=assessment)
    series = [(str(_("自评")), [d.percent for d in results.self.dimensions])]
    if results.review is not None:
        series.append((str(_("评审")), [d.percent for d in results.review.dimensions]))
    chart = charts.radar_chart(
        [f"{d.code} {d.name}" for d in results.self.dimensions],
        series,
        title=_("各一级指标得分率（%）") if results.is_points else _("各一级指标达标指数（%）"),
    )
    return {
        "school_assessment": assessment,
        "results": results,
        "school_chart": chart,
        "compliance_rule": COMPLIANCE_INDEX_RULE,
    }
