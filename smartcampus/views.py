"""Pages of the project itself: the home page (each user's workbench) and the health check."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from assessments import selectors
from assessments.models import Assessment, AssessmentStatus, Campaign
from assessments.scoping import Action

OWN_ASSESSMENTS_SHOWN = 10
CAMPAIGNS_SHOWN = 5
NEXT_REVIEWS_SHOWN = 6


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness for load balancers and docker-compose: the database answers."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


@dataclass
class OwnAssessment:
    """A CIO's assessment on the home page: what to do next, by when, how far, the live score."""

    assessment: Assessment
    ws: object  # selectors.Workspace
    abilities: object  # selectors.AssessmentAbilities
    days_left: int

    @property
    def returned_items(self) -> list:
        return [i for i in self.ws.items if i.response.reopened]


@dataclass
class CampaignProgress:
    campaign: Campaign
    overall: selectors.ProgressRow | None
    regions: list[selectors.ProgressRow]


def _own_assessments(user) -> list[OwnAssessment]:
    own = selectors.assessment_list(user=user, action=Action.EDIT)
    own = own.order_by("-campaign__year", "campaign__title")
    today = timezone.localdate()
    cards = []
    for a in own[:OWN_ASSESSMENTS_SHOWN]:
        cards.append(
            OwnAssessment(
                assessment=a,
                ws=selectors.assessment_workspace(assessment=a),
                abilities=selectors.assessment_abilities(user=user, assessment=a),
                days_left=(timezone.localdate(a.deadline) - today).days,
            )
        )
    return cards


def _campaign_progress(user) -> list[CampaignProgress]:
    campaigns = selectors.campaign_list(user=user, action=Action.MANAGE).order_by("-year", "-created_at")
    result = []
    for campaign in campaigns[:CAMPAIGNS_SHOWN]:
        overall = selectors.campaign_progress(user=user, campaign=campaign)
        regions = selectors.campaign_progress(user=user, campaign=campaign, by_region=True)
        result.append(CampaignProgress(campaign, overall[0] if overall else None, regions))
    return result


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Each user's workbench: the CIO's assessments (deadline, progress, live score, returned items),
    the reviewer's schools waiting per campaign, the commission's progress per campaign and district,
    and the regions in scope."""
    user = request.user
    regions = []
    if selectors.user_can(user=user, action=Action.REPORT):
        regions = list(selectors.region_overview(user=user).filter(level__in=["city", "district"])[:40])
    reviews = []
    next_reviews = []
    if selectors.user_can(user=user, action=Action.REVIEW):
        reviews = selectors.review_queue_summary(user=user)
        queue = selectors.review_queue(user=user).filter(status__in=AssessmentStatus.reviewable())
        next_reviews = list(queue[:NEXT_REVIEWS_SHOWN])
    context = {
        "school_count": selectors.school_list(user=user).count(),
        "my_schools": list(selectors.school_list(user=user, action=Action.EDIT)),
        "regions": regions,
        "my_assessments": _own_assessments(user),
        "reviews": reviews,
        "next_reviews": next_reviews,
        "campaigns": _campaign_progress(user) if selectors.user_can(user=user, action=Action.MANAGE) else [],
        "progress_columns": selectors.PROGRESS,
    }
    return render(request, "home.html", context)
