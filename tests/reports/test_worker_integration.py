"""Report jobs on the real services: Redis broker, a separate `celery worker` process, PostgreSQL.

The worker (tests/conftest.py `celery_worker_process`) sees only committed rows, hence
`transactional_db`; it writes files under the session's MEDIA_ROOT, so these tests keep it. The test
that kills a worker's main process runs its own Redis and workers (tests/servers.py), so the
session's worker is not touched.
"""

from __future__ import annotations

import io
import os
import signal
import time
from decimal import Decimal

import pytest
from django.core.files.storage import default_storage
from openpyxl import load_workbook

from assessments.models import Assessment
from reports import services
from reports.models import JobKind, JobStatus, ReportJob
from reports.xlsx import HEADER_ROW
from tests.conftest import requires_services
from tests.servers import CeleryWorker, RedisServer, sending_to

from .conftest import engine_result

pytestmark = requires_services


@pytest.fixture
def report_media(settings):
    """Keep the MEDIA_ROOT the worker process was started with (overrides the tmp one)."""
    return settings.MEDIA_ROOT


def wait_for(job_id: int, statuses, timeout: float = 90) -> ReportJob:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = ReportJob.objects.get(pk=job_id)
        if job.status in statuses:
            return job
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} still {ReportJob.objects.get(pk=job_id).status} after {timeout}s")


def test_workbook_job_is_rendered_by_a_real_worker_and_sums_match_the_engine(
    real_celery, transactional_db, world, points_campaign
):
    job, created = services.report_job_request(
        kind=JobKind.CITY_WORKBOOK, campaign=points_campaign, acting_user=world.users["commission"]
    )
    assert created
    job = wait_for(job.pk, {JobStatus.DONE, JobStatus.FAILED})
    assert job.status == JobStatus.DONE, job.error
    assert (job.progress_done, job.progress_total) == (3, 3) and job.attempts == 1
    with default_storage.open(job.result.name) as fh:
        wb = load_workbook(io.BytesIO(fh.read()))
    rows = [r for r in wb["学校汇总"].iter_rows(min_row=HEADER_ROW + 1, values_only=True) if r[0] != "合计"]
    engine = {a.school.code: engine_result(a) for a in Assessment.objects.filter(campaign=points_campaign)}
    assert {r[1]: Decimal(str(r[6])) for r in rows} == {code: res.total for code, res in engine.items()}
    assert sum(Decimal(str(r[6])) for r in rows) == sum(res.total for res in engine.values())
    detail = list(wb["逐项明细"].iter_rows(min_row=HEADER_ROW + 1, values_only=True))
    assert sum(Decimal(str(r[9])) for r in detail if r[9] is not None) == sum(
        res.raw_total for res in engine.values()
    )


def _running_task_pid(app, job_id: int, timeout: float = 30) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for tasks in (app.control.inspect(timeout=1).active() or {}).values():
            for task in tasks:
                if task["name"] == "reports.run_job" and list(task["args"]) == [job_id]:
                    return task["worker_pid"]
        time.sleep(0.2)
    raise AssertionError("the job's task never showed up as active on the worker")


def test_killing_the_worker_process_mid_job_never_leaves_it_running(
    real_celery, transactional_db, world, points_campaign
):
    """SIGKILL the pool process while it renders: with acks_late + reject_on_worker_lost the message
    is delivered again and the job completes on its second attempt; if it had been lost instead, the
    sweeper fails it and a retry completes it (both paths asserted)."""
    # tests/reports/worker_patches.py slows the worker ~1.5 s per school for titles starting "慢任务"
    points_campaign.title = "慢任务（工作进程被终止）"
    points_campaign.save(update_fields=["title"])
    job, _ = services.report_job_request(
        kind=JobKind.CITY_WORKBOOK, campaign=points_campaign, acting_user=world.users["commission"]
    )
    wait_for(job.pk, {JobStatus.RUNNING}, timeout=30)
    pid = _running_task_pid(real_celery, job.pk)
    assert pid != os.getpid()
    os.kill(pid, signal.SIGKILL)
    job = wait_for(job.pk, {JobStatus.DONE, JobStatus.FAILED}, timeout=120)
    redelivered = job.status == JobStatus.DONE
    if not redelivered:  # not redelivered: the sweeper path must make it retryable
        services.report_job_retry(job=job, acting_user=world.users["commission"])
        job = wait_for(job.pk, {JobStatus.DONE}, timeout=120)
    assert job.status == JobStatus.DONE and job.result
    # it ran again after the kill: a second attempt of the same run, or a fresh attempt after the retry
    assert job.attempts >= 2 if redelivered else job.attempts == 1
    assert services.report_jobs_sweep() == 0  # nothing left stuck


def test_sweeper_then_retry_on_the_real_worker(real_celery, transactional_db, world, points_assessment):
    """A job whose worker vanished (row running, no message anywhere): the sweeper fails it, retry runs it."""
    import datetime

    from django.utils import timezone

    job = ReportJob.objects.create(
        kind=JobKind.SCHOOL_PDF,
        dedupe_key="lost",
        campaign=points_assessment.campaign,
        assessment=points_assessment,
        requested_by=world.users["cio"],
        status=JobStatus.RUNNING,
        attempts=1,
        started_at=timezone.now() - datetime.timedelta(hours=1),
        progress_total=1,
    )
    services.report_jobs_sweep()  # (or the session worker's watchdog, whichever comes first)
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and "处理进程意外停止" in job.error
    services.report_job_retry(job=job, acting_user=world.users["cio"])
    job = wait_for(job.pk, {JobStatus.DONE, JobStatus.FAILED})
    assert job.status == JobStatus.DONE, job.error


def test_killing_the_worker_main_process_mid_job_fails_it_within_two_minutes_without_beat(
    transactional_db, world, points_campaign
):
    """SIGKILL the worker's main process (its pool process dies with it) while it renders a workbook:
    the message stays unacknowledged in Redis and nothing works on the job any more. With no beat
    running, the restarted worker's watchdog sees the silent heartbeat and fails the job as
    interrupted within two minutes of the kill; a retry then completes it."""
    points_campaign.title = "慢任务（主进程被终止）"  # tests/reports/worker_patches.py: 1.5 s per school
    points_campaign.save(update_fields=["title"])
    commission = world.users["commission"]
    redis = RedisServer().start()
    doomed = CeleryWorker(broker_url=redis.url, name="doomed").start()
    restarted = None
    try:
        with sending_to(redis.url) as app:
            job, _ = services.report_job_request(
                kind=JobKind.CITY_WORKBOOK, campaign=points_campaign, acting_user=commission
            )
            wait_for(job.pk, {JobStatus.RUNNING}, timeout=30)
            pool_pid = _running_task_pid(app, job.pk)
            doomed.kill()
            killed_at = time.monotonic()
            _wait_gone(pool_pid)
            assert ReportJob.objects.get(pk=job.pk).status == JobStatus.RUNNING

            restarted = CeleryWorker(broker_url=redis.url, name="restarted").start()
            job = wait_for(
                job.pk, {JobStatus.DONE, JobStatus.FAILED}, timeout=120 - (time.monotonic() - killed_at)
            )
            assert job.status == JobStatus.FAILED and "处理进程意外停止" in job.error

            services.report_job_retry(job=job, acting_user=commission)
            job = wait_for(job.pk, {JobStatus.DONE, JobStatus.FAILED}, timeout=120)
            assert job.status == JobStatus.DONE and job.result, job.error
    finally:
        if restarted is not None:
            restarted.stop()
        doomed.stop()
        redis.stop(keep_dir=False)


def _wait_gone(pid: int, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
    raise AssertionError(f"pool process {pid} outlived its worker")
