"""Celery tasks of the reports app: each takes an id and calls one service.

Settings give every task acks_late, prefetch 1 and reject_on_worker_lost (a task whose worker
dies is delivered again); here each task gets its own time limits and retries transient errors
(database or broker briefly unavailable) with exponential backoff. Everything else is handled by
the service, which fails the job with a message for the user.
"""

from __future__ import annotations

from celery import shared_task

from . import dashboard, services
from .limits import DEFAULT_LIMITS

RETRY = {
    "autoretry_for": services.TRANSIENT_ERRORS,
    "retry_backoff": 5,
    "retry_backoff_max": 300,
    "retry_jitter": True,
    "max_retries": 5,
    "acks_late": True,
}


def _limits(kind: str) -> dict:
    soft, hard = DEFAULT_LIMITS[kind]
    return {"soft_time_limit": soft, "time_limit": hard}


# The workbook is the longest job, so the run task carries its limits; a school PDF is also bounded
# by the sweeper at its own (shorter) limit, see reports.limits.
@shared_task(name="reports.run_job", **RETRY, **_limits("city_workbook"))
def report_job_run_task(job_id: int) -> None:
    services.report_job_run(job_id=job_id)


@shared_task(name="reports.assemble_batch", **RETRY, **_limits("assemble"))
def report_batch_assemble_task(job_id: int) -> None:
    services.report_batch_assemble(job_id=job_id)


@shared_task(name="reports.sweep_stuck_jobs", **RETRY, soft_time_limit=120, time_limit=150)
def report_jobs_sweep_task() -> int:
    return services.report_jobs_sweep()


@shared_task(name="reports.cleanup_expired", **RETRY, soft_time_limit=600, time_limit=660)
def report_files_cleanup_task() -> int:
    return services.report_files_cleanup()


# A dashboard is recomputed when a visit finds its data version moved; a later visit enqueues it
# again, so a lost task costs staleness, not figures. The request's lock lasts LOCK_SECONDS.
@shared_task(
    name="reports.refresh_dashboard",
    **RETRY,
    soft_time_limit=dashboard.LOCK_SECONDS,
    time_limit=dashboard.LOCK_SECONDS + 30,
)
def dashboard_refresh_task(campaign_id: int, user_id: int, language: str) -> bool:
    return dashboard.dashboard_refresh(campaign_id=campaign_id, user_id=user_id, language=language)
