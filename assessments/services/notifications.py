"""Notifications of the review workflow: an in-app `Notification` row per recipient, written in the
caller's transaction, and an e-mail copy sent through Django's e-mail backend once it commits.

E-mails go out after commit (a rolled-back action notifies nobody) and never fail the action: a
mail server that is away costs the e-mail, not the submission or the verdict.

Deadline reminders (run daily by Celery beat, `assessments.send_deadline_reminders`): N days before
each deadline (settings.REVIEW_REMINDER_DAYS) the CIOs of schools whose assessment is still a draft
or returned are reminded of the self-assessment deadline; reviewers with unfinished work (submitted
or in review) of the review deadline. Each reminder carries a key naming the assessment or campaign
and the day, so running the task twice a day sends nothing new.
"""

from __future__ import annotations

import datetime
import logging
from collections import defaultdict
from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import Assessment, AssessmentStatus, Notification
from ..models.notifications import notifications_written
from ..scoping import cio_ids_by_school, reviewer_ids_by_assessment

logger = logging.getLogger(__name__)


def assessment_reviewer_ids(*, assessment: Assessment) -> list[int]:
    return reviewer_ids_by_assessment(assessments=[assessment])[assessment.pk]


def school_cio_ids(*, school_id: int) -> list[int]:
    return cio_ids_by_school(school_ids=[school_id])[school_id]


def notify(
    *, user_ids: Iterable[int], kind: str, title: str, body: str = "", url: str = "", key: str = ""
) -> list[Notification]:
    """Create one notification per user (skipping users who already have one with the same `key`)
    and e-mail them after commit. Returns the notifications created."""
    user_ids = sorted(set(user_ids))
    if key:
        seen = set(
            Notification.objects.filter(user_id__in=user_ids, key=key).values_list("user_id", flat=True)
        )
        user_ids = [u for u in user_ids if u not in seen]
    if not user_ids:
        return []
    rows = [Notification(user_id=u, kind=kind, title=title, body=body, url=url, key=key) for u in user_ids]
    for row in rows:
        row.full_clean(exclude=["user"], validate_unique=False, validate_constraints=False)
    # the pre-check above skips what exists; ignore_conflicts covers a concurrent run of the same
    # reminder task (acks_late may deliver it twice), which would otherwise roll back every reminder
    created = Notification.objects.bulk_create(rows, ignore_conflicts=True)
    notifications_written()
    transaction.on_commit(lambda: _send_emails(user_ids=user_ids, title=title, body=body, url=url))
    return created


def _send_emails(*, user_ids: list[int], title: str, body: str, url: str) -> None:
    recipients = list(
        get_user_model().objects.filter(pk__in=user_ids).exclude(email="").values_list("email", flat=True)
    )
    base = settings.SITE_URL.rstrip("/")
    message = body + (f"\n\n{base}{url}" if url else "")
    for address in recipients:
        try:
            send_mail(_("[智慧校园自评平台] %(title)s") % {"title": title}, message, None, [address])
        except Exception:
            logger.exception("notification e-mail to %s failed", address)


@transaction.atomic
def notifications_mark_read(*, acting_user, ids: Iterable[int] | None = None) -> int:
    """Mark the user's unread notifications (all, or those in `ids`) as read; returns how many."""
    qs = Notification.objects.filter(user=acting_user, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=list(ids))
    marked = qs.update(read_at=timezone.now())
    notifications_written()
    return marked


@transaction.atomic
def deadline_reminders_send(*, now: datetime.datetime | None = None, days: int | None = None) -> int:
    """Send today's reminders; returns how many notifications were created."""
    now = now or timezone.now()
    days = settings.REVIEW_REMINDER_DAYS if days is None else days
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
                url=reverse("assessments:assessment-detail", args=[a.pk]),
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
                url=reverse("assessments:review-queue") + f"?campaign={campaign_id}",
                key=f"remind-review:{campaign_id}:{today:%Y%m%d}",
            )
        )
    return created
