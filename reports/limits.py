"""Time limits of the report tasks, shared by the task decorators and the sweeper; heartbeats.

A task past its soft limit fails its job with a clear message; past the hard limit Celery kills
the process. The sweeper fails a job still running `SWEEP_GRACE` after its hard limit: by then no
worker can be working on it any more.

A running job stamps its heartbeat every `heartbeat_seconds()`; one silent for `heartbeat_timeout()`
has lost its process. The check runs every REPORTS_WATCHDOG_SECONDS in every worker and in beat, so a
dead worker's job is failed within timeout + watchdog interval (90 s with the defaults).
"""

from __future__ import annotations

import datetime

from django.conf import settings

# (soft, hard) seconds per kind of work; REPORTS_TIME_LIMITS in settings may override any entry.
DEFAULT_LIMITS: dict[str, tuple[int, int]] = {
    "school_pdf": (120, 150),
    "rectification_notice": (120, 150),
    "city_workbook": (1800, 1860),
    "fan_out": (120, 150),
    "assemble": (1200, 1260),
}
SWEEP_GRACE = datetime.timedelta(seconds=60)
QUEUED_TIMEOUT = datetime.timedelta(hours=settings.REPORTS_QUEUED_TIMEOUT_HOURS)


def limits(kind: str) -> tuple[int, int]:
    overrides = settings.REPORTS_TIME_LIMITS
    if kind in ("district_pdf_zip", "city_pdf_zip"):
        kind = "fan_out"
    return tuple(overrides.get(kind, DEFAULT_LIMITS[kind]))


def soft_limit(kind: str) -> int:
    return limits(kind)[0]


def hard_limit(kind: str) -> datetime.timedelta:
    return datetime.timedelta(seconds=limits(kind)[1])


def heartbeat_seconds() -> float:
    return settings.REPORTS_HEARTBEAT_SECONDS


def heartbeat_timeout() -> datetime.timedelta:
    return datetime.timedelta(seconds=settings.REPORTS_HEARTBEAT_TIMEOUT_SECONDS)
