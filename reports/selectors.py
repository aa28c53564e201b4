"""Reads of the reports app scoped to the user asking: their jobs, and what they may request.

Who may request what (the same rules decide downloads, since a job is only visible to its
requester while it is in their scope):
- a school's PDF: anyone whose scope covers the school (its CIO, its district's reviewer, commission);
- a school's 整改通知书: the assessment's reviewers (`Action.VERIFY`); once made, everyone who may view
  the assessment downloads the newest one (`rectification_notice_job`), the school's CIO first of all;
- a district's zip of PDFs: reviewers and commission staff covering that district;
- the city-wide zip and workbook: commission staff covering the region (by default the campaign's).
Everything else answers 404, like a row that does not exist.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, F, Min, Q, QuerySet, Window
from django.db.models.functions import RowNumber
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from assessments.models import Assessment, Campaign, Region
from assessments.scoping import Action, UserScope, get_scope
from assessments.selectors import (
    assessment_get,
    assessment_list,
    campaign_get,
    region_get,
    region_list,
    user_can,
)
from rectification.models import RectificationItem, RectificationState
from rectification.selectors import LEDGER_ROW_COLUMNS, DistrictCounts, LedgerRow
from smartcampus.db import KeyedStatements

from .models import SCHOOL_KINDS, JobKind, JobStatus, ReportJob

CITY_KINDS = (JobKind.CITY_PDF_ZIP, JobKind.CITY_WORKBOOK)


def _jobs_scope_q(scope: UserScope) -> Q:
    """A job stays visible while what it covers is in scope: a school's PDF while the school may be
    viewed, a district's zip while the district's reports may be requested, a city's while managed."""
    school = Q(kind__in=SCHOOL_KINDS) & scope.schools_q(Action.VIEW, "assessment__school__")
    district = Q(kind=JobKind.DISTRICT_PDF_ZIP) & scope.regions_q(Action.REPORT, "region__")
    city = Q(kind__in=CITY_KINDS) & scope.regions_q(Action.MANAGE, "region__")
    return school | district | city


def report_job_list(*, user, include_children: bool = False) -> QuerySet[ReportJob]:
    """The user's own jobs that are still within their scope, newest first."""
    scope = get_scope(user)
    if scope.user_id is None:
        return ReportJob.objects.none()
    qs = ReportJob.objects.filter(_jobs_scope_q(scope), requested_by_id=scope.user_id).select_related(
        "campaign", "assessment__school", "region"
    )
    if not include_children:
        qs = qs.filter(parent__isnull=True)
    return qs


def report_job_get(*, user, pk: int) -> ReportJob:
    return get_object_or_404(report_job_list(user=user, include_children=True), pk=pk)


def report_job_children(*, job: ReportJob) -> QuerySet[ReportJob]:
    """The schools of a batch the caller already obtained through `report_job_get`."""
    return job.children.select_related("assessment__school__region").order_by(
        "assessment__school__region__path", "assessment__school__code"
    )


@dataclass(frozen=True)
class ReportTarget:
    kind: str
    campaign: Campaign
    assessment: Assessment | None = None
    region: Region | None = None


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise Http404 from None


def report_target(*, user, kind: str, campaign=None, assessment=None, region=None) -> ReportTarget:
    """Check that `user` may request this report and return its objects; 404 otherwise."""
    if kind not in JobKind.values:
        raise Http404
    if kind == JobKind.SCHOOL_PDF:
        found = assessment_get(user=user, pk=_int(assessment))
        return ReportTarget(kind, found.campaign, assessment=found)
    if kind == JobKind.RECTIFICATION_NOTICE:
        found = assessment_get(user=user, pk=_int(assessment), action=Action.VERIFY)
        return ReportTarget(kind, found.campaign, assessment=found)
    found_campaign = campaign_get(user=user, pk=_int(campaign))
    if kind == JobKind.DISTRICT_PDF_ZIP:
        found_region = region_get(user=user, pk=_int(region), action=Action.REPORT)
    elif region in (None, ""):
        found_region = found_campaign.region
        if not user_can(user=user, action=Action.MANAGE, obj=found_region):
            raise Http404
    else:
        found_region = region_get(user=user, pk=_int(region), action=Action.MANAGE)
    return ReportTarget(kind, found_campaign, region=found_region)


def report_districts(*, user, campaign: Campaign) -> QuerySet[Region]:
    """Districts of the campaign's schools for which the user may request a zip of school reports."""
    in_campaign = Assessment.objects.filter(campaign=campaign).values("school__region_id")
    return region_list(user=user, action=Action.REPORT).filter(pk__in=in_campaign)


def report_may_request_city(*, user, campaign: Campaign) -> bool:
    return user_can(user=user, action=Action.MANAGE, obj=campaign.region)


def rectification_notice_job(*, assessment: Assessment) -> ReportJob | None:
    """The newest downloadable 整改通知书 of `assessment` (obtained through a selector with the
    caller's scope), whoever requested it: the school reads what its reviewers had made."""
    return (
        ReportJob.objects.filter(
            kind=JobKind.RECTIFICATION_NOTICE,
            assessment_id=assessment.pk,
            status=JobStatus.DONE,
            expires_at__gt=timezone.now(),
        )
        .exclude(result="")
        .order_by("-finished_at", "-pk")
        .first()
    )


def rectification_notice_get(*, user, assessment_pk: int) -> ReportJob:
    """The 整改通知书 to download for an assessment the user may view; 404 outside the scope or
    while none has been made."""
    assessment = assessment_get(user=user, pk=assessment_pk)
    job = rectification_notice_job(assessment=assessment)
    if job is None:
        raise Http404
    return job


@dataclass(frozen=True)
class RectificationCard:
    """The dashboard's rectification card (`rectification/_dashboard_card.html`): whether the
    campaign has items in scope, and per district the counts and the oldest overdue items, as
    `rectification_ledger(...).by_district()` gives them, counted by the database instead of read
    item by item."""

    rows: bool
    by_district: list[DistrictCounts]


_LEDGER_ORDER = ("assessment__school__region__path", "assessment__school__code", "node__position")


# compiled once per process for the scope, the campaign and the day
_STATEMENTS = KeyedStatements()


def dashboard_rectification(*, user, campaign: Campaign, today=None, oldest: int = 3) -> RectificationCard:
    """The card over the campaign's assessments in the user's scope (`view`): districts in the
    ledger's order (region path), their `oldest` overdue items (earliest due date first, ties in the
    ledger's order). Two queries whatever the number of items, built and compiled once per process
    for the user's scope, the campaign and the day."""
    today = today or timezone.localdate()
    key = (get_scope(user), campaign.pk, today, oldest)
    district = "assessment__school__region__name"
    open_q = Q(state__in=RectificationState.open())
    overdue_q = open_q & Q(due_date__lt=today)

    def items():
        in_scope = assessment_list(user=user).filter(campaign_id=campaign.pk).values("pk")
        return RectificationItem.objects.filter(
            assessment__campaign_id=campaign.pk, assessment__in=in_scope
        ).order_by()

    def counted():
        return (
            items()
            .values(district)
            .annotate(
                first=Min("assessment__school__region__path"),
                open=Count("pk", filter=open_q),
                overdue=Count("pk", filter=overdue_q),
                verified=Count("pk", filter=Q(state=RectificationState.VERIFIED)),
                waived=Count("pk", filter=Q(state=RectificationState.WAIVED)),
                total=Count("pk"),
            )
            .order_by("first")
        )

    def overdue():
        ledger_order = [F("due_date").asc(), *(F(name).asc() for name in _LEDGER_ORDER)]
        return (
            items()
            .filter(overdue_q)
            .annotate(rank=Window(RowNumber(), partition_by=F(district), order_by=ledger_order))
            .filter(rank__lte=oldest)
            .order_by("due_date", *_LEDGER_ORDER)
            .values_list(*LEDGER_ROW_COLUMNS)
        )

    districts = {
        row[district]: DistrictCounts(
            district=row[district],
            open=row["open"],
            overdue=row["overdue"],
            verified=row["verified"],
            waived=row["waived"],
            total=row["total"],
        )
        for row in _STATEMENTS.dicts(("rectification-counts", *key), counted)
    }
    if any(d.overdue for d in districts.values()):
        rows = _STATEMENTS.rows(("rectification-overdue", *key), overdue)
        for pk, assessment_id, code, name, where, node, title, source, state, due, closed, updated in rows:
            districts[where].oldest_overdue.append(
                LedgerRow(
                    item_id=pk,
                    assessment_id=assessment_id,
                    school_code=code,
                    school_name=name,
                    district=where,
                    node=node,
                    node_title=title,
                    source=source,
                    state=state,
                    due_date=due,
                    overdue=True,
                    closed_at=closed,
                    updated_at=updated,
                )
            )
    return RectificationCard(rows=bool(districts), by_district=list(districts.values()))
