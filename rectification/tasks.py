"""Celery tasks of rectification. They take no objects and call one service each."""

from celery import shared_task

from .services import rectification_reminders_send


@shared_task(name="rectification.send_due_reminders", acks_late=True, time_limit=600, soft_time_limit=540)
def send_due_reminders() -> int:
    """Daily: warn the schools of rectification items due soon and flag overdue ones (idempotent per
    day: a second run the same day sends nothing)."""
    return rectification_reminders_send()
