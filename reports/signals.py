"""What the reports app does when something happens in a lower app (connected in `apps.py`)."""

from __future__ import annotations

from django.dispatch import receiver

from rectification.signals import rectification_confirmed

from . import services


@receiver(rectification_confirmed, dispatch_uid="reports.rectification_notice")
def queue_rectification_notice(sender, *, assessment, acting_user, items, **kwargs) -> None:
    """A confirmed rectification list: queue the school's 整改通知书 (sent to the worker on commit)."""
    if items:
        services.rectification_notice_queue(assessment=assessment, acting_user=acting_user)
