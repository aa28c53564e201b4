"""Imported by the real Celery worker that the tests start (tests/conftest.py, `--include`): the
monkeypatching a worker process needs, since a test cannot patch another process.

A city workbook of a campaign whose title starts with SLOW_TITLE takes SLOW_SECONDS per progress
step, so a test can kill the worker in the middle of the job. Production code has no such hook."""

from __future__ import annotations

import time

from reports import services
from reports.models import ReportJob

SLOW_TITLE = "慢任务"
SLOW_SECONDS = 1.5

_progress = services._progress


def _slow_progress(job_id: int, attempt: int, done: int, total: int) -> None:
    _progress(job_id, attempt, done, total)
    if ReportJob.objects.filter(pk=job_id, campaign__title__startswith=SLOW_TITLE).exists():
        time.sleep(SLOW_SECONDS)


services._progress = _slow_progress
