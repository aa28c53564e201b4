"""Celery tasks of the assessment workflow. They take no objects, call one service each."""

from celery import shared_task

from .services.notifications import deadline_reminders_send


@shared_task(name="assessments.send_deadline_reminders", acks_late=True, time_limit=600, soft_time_limit=540)
def send_deadline_reminders() -> int:
    """Daily: remind CIOs of the self-assessment deadline and reviewers of the review deadline
    (idempotent per day: a second run the same day sends nothing)."""
    return deadline_reminders_send()
