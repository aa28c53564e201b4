"""Notifications of the review workflow: an in-app `Notification` row per recipient, written in the
caller's transaction, and an e-mail copy sent through Django's e-mail backend once it commits.

E-mails go out after commit (a rolled-back action notifies nobody) and never fail the action: a
mail server that is away costs the e-mail, not the submission or the verdict.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from ..models import Assessment, Membership, Notification, ReviewAssignment, Role

logger = logging.getLogger(__name__)


def _ancestor_paths(path: str) -> list[str]:
    """ "/110000/110108/" → ["/110000/", "/110000/110108/"]."""
    parts = [p for p in path.split("/") if p]
    return ["/" + "/".join(parts[: i + 1]) + "/" for i in range(len(parts))]


def assessment_reviewer_ids(*, assessment: Assessment) -> list[int]:
    """Reviewers of the school's region (any ancestor) and reviewers assigned to the assessment,
    without those who are CIOs of the school (conflict of interest)."""
    regional = Membership.objects.filter(
        role=Role.REVIEWER, region__path__in=_ancestor_paths(assessment.school.region.path)
    ).values_list("user_id", flat=True)
    assigned = ReviewAssignment.objects.filter(assessment=assessment).values_list("reviewer_id", flat=True)
    conflicted = set(
        Membership.objects.filter(role=Role.SCHOOL_CIO, school_id=assessment.school_id).values_list(
            "user_id", flat=True
        )
    )
    return sorted((set(regional) | set(assigned)) - conflicted)


def school_cio_ids(*, school_id: int) -> list[int]:
    return sorted(
        Membership.objects.filter(role=Role.SCHOOL_CIO, school_id=school_id).values_list("user_id", flat=True)
    )


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
    created = Notification.objects.bulk_create(rows)
    transaction.on_commit(lambda: _send_emails(user_ids=user_ids, title=title, body=body, url=url))
    return created


def _send_emails(*, user_ids: list[int], title: str, body: str, url: str) -> None:
    recipients = list(
        get_user_model().objects.filter(pk__in=user_ids).exclude(email="").values_list("email", flat=True)
    )
    base = getattr(settings, "SITE_URL", "").rstrip("/")
    message = body + (f"\n\n{base}{url}" if url else "")
    for address in recipients:
        try:
            send_mail(f"[智慧校园自评平台] {title}", message, None, [address])
        except Exception:  # noqa: BLE001 — an unreachable mail server must not break the workflow
            logger.exception("notification e-mail to %s failed", address)


@transaction.atomic
def notifications_mark_read(*, user, ids: Iterable[int] | None = None) -> int:
    """Mark the user's unread notifications (all, or those in `ids`) as read; returns how many."""
    qs = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=list(ids))
    return qs.update(read_at=timezone.now())
