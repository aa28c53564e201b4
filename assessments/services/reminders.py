"""Deadline reminders (run daily by Celery beat, `assessments.send_deadline_reminders`).

N days before each deadline (settings.REVIEW_REMINDER_DAYS, default 3): the CIOs of schools whose
assessment is still a draft or returned are reminded of the self-assessment deadline; reviewers
with unfinished work (submitted or in review) of the review deadline. Each reminder carries a key
naming the assessment or campaign and the day, so running the task twice a day sends nothing new.
"""

from __future__ import annotations

import datetime
from collections import defaultdict

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import Assessment, AssessmentStatus, Notification
from .notifications import cio_ids_by_school, notify, reviewer_ids_by_assessment


@transaction.atomic
def deadline_reminders_send(*, now: datetime.datetime | None = None, days: int | None = None) -> int:
    """Send today's reminders; returns how many notifications were created."""
    now = now or timezone.now()
    days = getattr(settings, "REVIEW_REMINDER_DAYS", 3) if days is None else days
    today = timezone.localdate(now)
    horizon = now + datetime.timedelta(days=days)
    created = 0
    drafts = (
        Assessment.objects.filter(status__in=[AssessmentStatus.DRAFT, AssessmentStatus.RETURNED])
        .annotate(due=Coalesce(F("deadline_override"), F("campaign__self_deadline")))
        .filter(due__gte=now, due__lte=horizon)
        .select_related("campaign", "school")
    )
    drafts = list(drafts)
    cios = cio_ids_by_school(school_ids={a.school_id for a in drafts})
    for a in drafts:
        created += len(
            notify(
                user_ids=cios[a.school_id],
                kind=Notification.Kind.REMINDER,
                title=_("自评将于 %(d)s 截止") % {"d": timezone.localtime(a.due).strftime("%Y-%m-%d")},
                body=_("%(c)s：%(s)s的自评尚未提交，请在截止前完成并提交。")
                % {"c": a.campaign.title, "s": a.school.name},
                url=reverse("assessment-detail", args=[a.pk]),
                key=f"remind-self:{a.pk}:{today:%Y%m%d}",
            )
        )
    unfinished = (
        Assessment.objects.filter(status__in=[AssessmentStatus.SUBMITTED, AssessmentStatus.IN_REVIEW])
        .filter(campaign__review_deadline__gte=now, campaign__review_deadline__lte=horizon)
        .select_related("campaign", "school__region")
    )
    per_reviewer: dict[tuple[int, int], list[Assessment]] = defaultdict(list)
    unfinished = list(unfinished)
    reviewers = reviewer_ids_by_assessment(assessments=unfinished)
    for a in unfinished:
        for user_id in reviewers[a.pk]:
            per_reviewer[(user_id, a.campaign_id)].append(a)
    for (user_id, campaign_id), rows in sorted(per_reviewer.items()):
        campaign = rows[0].campaign
        created += len(
            notify(
                user_ids=[user_id],
                kind=Notification.Kind.REMINDER,
                title=_("评审将于 %(d)s 截止")
                % {"d": timezone.localtime(campaign.review_deadline).strftime("%Y-%m-%d")},
                body=_("%(c)s：您还有 %(n)d 份自评未完成评审。") % {"c": campaign.title, "n": len(rows)},
                url=reverse("review-queue") + f"?campaign={campaign_id}",
                key=f"remind-review:{campaign_id}:{today:%Y%m%d}",
            )
        )
    return created
