"""Writes of the reports app: requesting, running, retrying, sweeping and cleaning up report jobs.

Life of a job (docs/reports.md): `report_job_request` creates the row (or returns the identical
active one) and enqueues `tasks.report_job_run_task` on commit. The task calls `report_job_run`,
which claims the row under `select_for_update()`; a terminal row is left alone. Rendering happens
outside any transaction; the result is stored first and then attached by `_finish`, which only
accepts it while the row is still running under the same attempt (a run that was superseded by a
redelivery, or failed by the sweeper, cannot overwrite the newer state).

A running job stamps `heartbeat_at` with its progress and, from a thread beside the work, every
`REPORTS_HEARTBEAT_SECONDS`. A job silent for `REPORTS_HEARTBEAT_TIMEOUT_SECONDS` has lost its
process (a killed worker, a restarted server): `report_jobs_sweep` — run by every worker's watchdog
(smartcampus/celery.py) and by beat — fails it as interrupted, and so do a new request for the same
report and a retry of it, so nobody waits for a job that nothing is making.
"""

from __future__ import annotations

import datetime
import logging
import tempfile
import threading
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.conf import settings
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import (
    DatabaseError,
    IntegrityError,
    InterfaceError,
    OperationalError,
    connections,
    transaction,
)
from django.db.models import Count, Max, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from assessments.models import Assessment, Campaign, Region
from rectification.selectors import assessment_has_rectification_items
from smartcampus.errors import Conflict, Unavailable

from . import embedded
from .limits import QUEUED_TIMEOUT, SWEEP_GRACE, hard_limit, heartbeat_seconds, heartbeat_timeout, limits
from .models import (
    ACTIVE,
    BATCH_KINDS,
    DEFAULT_JOB_LANGUAGE,
    SCHOOL_KINDS,
    JobKind,
    JobStatus,
    ReportJob,
    default_expiry,
)

logger = logging.getLogger(__name__)

# Errors worth another try (database or broker briefly away). Everything else fails the job.
TRANSIENT_ERRORS = (OperationalError, InterfaceError)

MSG_INTERNAL = _("生成报告时发生内部错误（任务编号 #%(id)s）。请点击“重试”；如仍失败，请联系管理员。")
MSG_TIMEOUT = _("生成超时：报告未能在规定时间内完成（任务编号 #%(id)s）。请点击“重试”，或缩小范围后再试。")
MSG_STUCK = _("生成中断：处理进程意外停止，任务未能完成。请点击“重试”。")
MSG_OVERTIME = _("生成中断：报告超过了规定的生成时间（任务编号 #%(id)s）。请点击“重试”，或缩小范围后再试。")
MSG_QUEUED_TOO_LONG = _("排队超时：长时间没有处理进程接手该任务。请点击“重试”；如仍失败，请联系管理员。")
MSG_TOO_MANY_ATTEMPTS = _("生成多次中断（已尝试 %(n)d 次），已停止。请点击“重试”；如仍失败，请联系管理员。")
MSG_CHILDREN_FAILED = _(
    "有 %(n)d 所学校的报告生成失败（共 %(total)d 所）。请在任务详情中重试失败的学校，完成后将自动打包。"
)
MSG_NOTHING = _("所选范围内没有学校，无法生成报告。")
MSG_QUEUE_UNAVAILABLE = _("任务队列暂时不可用，报告未能开始生成。请稍后点击“重试”。")


class JobSuperseded(Exception):
    """This run no longer owns the job (a newer attempt claimed it, or the sweeper failed it)."""


# --- requesting ------------------------------------------------------------------------------------


def _dedupe_key(
    *, kind: str, campaign: Campaign, assessment: Assessment | None, region: Region | None, language: str
) -> str:
    key = f"{kind}:{campaign.pk}:{assessment.pk if assessment else '-'}:{region.pk if region else '-'}"
    # The Chinese key stays as it always was; another language is another document.
    return key if language == DEFAULT_JOB_LANGUAGE else f"{key}:{language}"


def _job_language(language: str | None) -> str:
    """The language a job's files are written in: the one asked for when the product offers it,
    else the product's default (Chinese)."""
    offered = {code for code, _name in settings.LANGUAGES}
    if language in offered:
        return language
    base = (language or "").split("-")[0]
    return base if base in offered else DEFAULT_JOB_LANGUAGE


def report_job_request(
    *,
    kind: str,
    campaign: Campaign,
    acting_user,
    assessment: Assessment | None = None,
    region: Region | None = None,
    language: str | None = None,
) -> tuple[ReportJob, bool]:
    """Create a job and enqueue it, or return the caller's identical queued/running job.

    The caller has checked scope (reports.selectors.report_target). Returns (job, created). When the
    task queue cannot take the job, the job is failed (retryable) and `QueueUnavailable` is raised.
    A 整改通知书 needs a confirmed rectification list (else a conflict, `not_confirmed`).
    """
    if kind == JobKind.RECTIFICATION_NOTICE and not _has_rectification_items(assessment):
        raise Conflict(_("本校的整改事项尚未确定，不能生成整改通知书。"), code="not_confirmed")
    language = _job_language(language)
    key = _dedupe_key(kind=kind, campaign=campaign, assessment=assessment, region=region, language=language)
    params = {"campaign": campaign.pk}
    if assessment is not None:
        params["assessment"] = assessment.pk
    if region is not None:
        params["region"] = region.pk
    dispatch = _Dispatch()
    with transaction.atomic():
        existing = _active_duplicate(user=acting_user, key=key)
        if existing is not None and _is_stale(existing, timezone.now()):
            _fail_row(existing, MSG_STUCK)  # its process is gone: make the report afresh
            existing = None
        if existing is not None:
            return existing, False
        job = ReportJob(
            kind=kind,
            params=params,
            dedupe_key=key,
            language=language,
            campaign=campaign,
            assessment=assessment,
            region=region,
            requested_by=acting_user,
            progress_total=1 if kind in SCHOOL_KINDS else 0,
        )
        job.full_clean(exclude=["result"])
        try:
            with transaction.atomic():  # savepoint: a concurrent identical request wins the constraint
                job.save()
        except IntegrityError:
            existing = _active_duplicate(user=acting_user, key=key)
            if existing is None:
                raise
            return existing, False
        _enqueue_run(job.pk, job.kind, dispatch)
    dispatch.raise_if_failed(job)
    return job, True


def _has_rectification_items(assessment: Assessment | None) -> bool:
    return assessment is not None and assessment_has_rectification_items(assessment=assessment)


def rectification_notice_queue(*, assessment: Assessment, acting_user) -> ReportJob:
    """Queue the 整改通知书 of `assessment` for `acting_user` (the reviewer who confirmed its list),
    inside the caller's transaction: the row is written with the confirmation and the task is sent
    when it commits (a queue that refuses it fails the job, which the reviewer can retry)."""
    job, _created = report_job_request(
        kind=JobKind.RECTIFICATION_NOTICE,
        campaign=assessment.campaign,
        assessment=assessment,
        acting_user=acting_user,
    )
    return job


def _active_duplicate(*, user, key: str) -> ReportJob | None:
    return (
        ReportJob.objects.select_for_update()
        .filter(requested_by=user, dedupe_key=key, status__in=ACTIVE, parent__isnull=True)
        .first()
    )


# --- handing jobs to the task queue ----------------------------------------------------------------


class QueueUnavailable(Unavailable):
    """The task queue did not take the job: the job is failed with MSG_QUEUE_UNAVAILABLE and can be
    retried. `extra["job"]` is its id."""

    def __init__(self, job: ReportJob):
        super().__init__(job.error or MSG_QUEUE_UNAVAILABLE, code="queue_unavailable", extra={"job": job.pk})


class _Dispatch:
    """The sends a write registered. They happen once its transaction commits: when the service's own
    transaction is the outermost one (a request), that is before the service returns, so it can tell
    the caller that the queue refused the job; inside a caller's transaction the job is failed later,
    at that transaction's commit."""

    def __init__(self) -> None:
        self.failed: list[int] = []

    def raise_if_failed(self, job: ReportJob) -> None:
        if self.failed:
            job.refresh_from_db()
            raise QueueUnavailable(job)


def _enqueue_run(job_id: int, kind: str, dispatch: _Dispatch | None = None) -> None:
    from .tasks import report_job_run_task

    soft, hard = limits(kind)
    transaction.on_commit(
        lambda: _send(job_id, report_job_run_task, dispatch, soft_time_limit=soft, time_limit=hard)
    )


def _enqueue_assemble(job_id: int, dispatch: _Dispatch | None = None) -> None:
    from .tasks import report_batch_assemble_task

    transaction.on_commit(lambda: _send(job_id, report_batch_assemble_task, dispatch))


def _send(job_id: int, task, dispatch: _Dispatch | None, **options) -> None:
    """Hand the job to the broker. The broker settings bound connecting and publishing to a few
    seconds and publishing is not retried (smartcampus/settings/base.py), so an unreachable broker
    costs the request at most that; the job is then failed with a message the user can act on (it can
    be retried) instead of a 500 and a job left queued with no message behind it.

    Without a broker (the embedded default) the task runs in this process: in a background thread of
    the server (`REPORTS_EMBEDDED_THREADS`), or inside the call when that is 0 (the tests)."""
    from celery import current_app

    if current_app.conf.task_always_eager:
        if settings.REPORTS_EMBEDDED_THREADS:
            embedded.submit(task, (job_id,))
        else:  # the task's own errors propagate
            task.apply_async((job_id,), **options)
        return
    try:
        task.apply_async((job_id,), retry=False, **options)
    except Exception:  # whatever the transport raises (kombu, redis-py, socket): the job was not sent
        logger.exception("report job %s: the task queue is unavailable", job_id)
        _fail(job_id, None, MSG_QUEUE_UNAVAILABLE)
        if dispatch is not None:
            dispatch.failed.append(job_id)


# --- running ---------------------------------------------------------------------------------------


def _claim(job_id: int) -> ReportJob | None:
    """Lock the row; leave a terminal (or vanished) job alone; else mark it running for a new attempt.

    A running row is claimed again: that is a redelivery after the previous worker died
    (acks_late + reject_on_worker_lost), or a retry after a transient error.
    """
    with transaction.atomic():
        job = ReportJob.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.is_terminal:
            return None
        if job.is_batch and job.progress_total:
            return None  # already fanned out: a duplicate message; the children carry the work
        max_attempts = settings.REPORTS_MAX_ATTEMPTS
        now = timezone.now()
        if job.attempts >= max_attempts:
            job.status, job.finished_at = JobStatus.FAILED, now
            job.error = MSG_TOO_MANY_ATTEMPTS % {"n": job.attempts}
            job.save(update_fields=["status", "finished_at", "error"])
            _parent_check_after_commit(job)
            return None
        job.status = JobStatus.RUNNING
        job.attempts += 1
        job.started_at = job.heartbeat_at = now
        job.error = ""
        if job.kind not in SCHOOL_KINDS:
            job.progress_done = 0
        job.save(update_fields=["status", "attempts", "started_at", "heartbeat_at", "error", "progress_done"])
        if job.is_batch:
            _fan_out(job)
        return job


def report_job_run(*, job_id: int) -> ReportJob | None:
    """Claim the job and produce its result. Transient errors propagate (the task retries them);
    a timeout or any other error fails the job with a message for the user."""
    job = _claim(job_id)
    if job is None or job.is_batch:
        return job
    attempt = job.attempts
    if job.kind == JobKind.SCHOOL_PDF:
        _guarded(job_id, attempt, lambda: _run_school_pdf(job, attempt))
    elif job.kind == JobKind.RECTIFICATION_NOTICE:
        _guarded(job_id, attempt, lambda: _run_rectification_notice(job, attempt))
    elif job.kind == JobKind.CITY_WORKBOOK:
        _guarded(job_id, attempt, lambda: _run_workbook(job, attempt))
    return ReportJob.objects.filter(pk=job_id).first()


def _guarded(job_id: int, attempt: int, work: Callable[[], None]) -> None:
    """Run one attempt's work: transient errors propagate (the task retries them); a superseded
    attempt stops quietly; a timeout or any other error fails the job with a message for the user."""
    try:
        with _heartbeat(job_id, attempt):
            work()
    except JobSuperseded:
        logger.info("report job %s attempt %s superseded", job_id, attempt)
    except TRANSIENT_ERRORS:
        raise
    except Exception as exc:
        from celery.exceptions import SoftTimeLimitExceeded

        if isinstance(exc, SoftTimeLimitExceeded):
            message = MSG_TIMEOUT % {"id": job_id}
        else:
            logger.exception("report job %s failed", job_id)
            message = MSG_INTERNAL % {"id": job_id}
        _fail(job_id, attempt, message)


@contextmanager
def _heartbeat(job_id: int, attempt: int) -> Iterator[None]:
    """While the block runs, a thread stamps the job's heartbeat every REPORTS_HEARTBEAT_SECONDS (also
    through a long step that reports no progress). It stops with the block, when this attempt no
    longer owns the job, and with the process: a job whose heartbeat stops has lost its process."""
    stop = threading.Event()

    def beat() -> None:
        try:
            while not stop.wait(heartbeat_seconds()):
                try:
                    owned = ReportJob.objects.filter(
                        pk=job_id, status=JobStatus.RUNNING, attempts=attempt
                    ).update(heartbeat_at=timezone.now())
                except DatabaseError:
                    logger.warning("report job %s: heartbeat not written", job_id, exc_info=True)
                    connections.close_all()  # reconnect on the next beat
                    continue
                if not owned:
                    return
        finally:
            connections.close_all()  # this thread's connection

    thread = threading.Thread(target=beat, name=f"report-heartbeat-{job_id}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=heartbeat_seconds())


def _run_school_pdf(job: ReportJob, attempt: int) -> None:
    from .school_report import school_report_filename, school_report_pdf

    assessment = Assessment.objects.select_related(
        "campaign__framework", "school__region__parent", "campaign__region"
    ).get(pk=job.assessment_id)
    with translation.override(job.language):
        pdf = school_report_pdf(assessment=assessment)
        name = school_report_filename(assessment)
    _finish(job, attempt, ContentFile(pdf), name, progress=(1, 1))


def _run_rectification_notice(job: ReportJob, attempt: int) -> None:
    """Make the 整改通知书, then tell the school's CIOs where to download it (once per job)."""
    from assessments.models import Notification
    from assessments.services.notifications import notify, school_cio_ids

    from .notice import rectification_notice_filename, rectification_notice_pdf

    assessment = Assessment.objects.select_related("campaign", "school__region").get(pk=job.assessment_id)
    with translation.override(job.language):
        pdf = rectification_notice_pdf(assessment=assessment)
        name = rectification_notice_filename(assessment)
    _finish(job, attempt, ContentFile(pdf), name, progress=(1, 1))
    with transaction.atomic():
        notify(
            user_ids=school_cio_ids(school_id=assessment.school_id),
            kind=Notification.Kind.RECTIFICATION,
            title=_("%(c)s：整改通知书") % {"c": assessment.campaign.title},
            body=_("评审组出具了%(s)s的整改通知书，请下载查阅并按期整改。") % {"s": assessment.school.name},
            url=reverse("reports:rectification-notice", args=[assessment.pk]),
            key=f"rectification-notice-pdf:{job.pk}",
        )


def _run_workbook(job: ReportJob, attempt: int) -> None:
    from .workbook import city_workbook_filename, city_workbook_write

    campaign = Campaign.objects.select_related("framework", "region").get(pk=job.campaign_id)
    region = job.region or campaign.region

    def on_progress(done: int, total: int) -> None:
        _progress(job.pk, attempt, done, total)

    with tempfile.TemporaryFile() as out:
        with translation.override(job.language):
            total = city_workbook_write(campaign=campaign, region=region, out=out, on_progress=on_progress)
            name = city_workbook_filename(campaign, region)
        out.seek(0)
        _finish(job, attempt, File(out), name, progress=(total, total))


def _progress(job_id: int, attempt: int, done: int, total: int) -> None:
    updated = ReportJob.objects.filter(pk=job_id, status=JobStatus.RUNNING, attempts=attempt).update(
        progress_done=done, progress_total=total, heartbeat_at=timezone.now()
    )
    if not updated:
        raise JobSuperseded


def _finish(job: ReportJob, attempt: int, content: File, filename: str, *, progress: tuple[int, int]) -> None:
    """Store the file, then attach it if this attempt still owns the job (else throw the file away)."""
    stored = default_storage.save(f"reports/{job.pk}/{filename}", content)
    with transaction.atomic():
        row = ReportJob.objects.select_for_update().get(pk=job.pk)
        if row.status != JobStatus.RUNNING or row.attempts != attempt:
            transaction.on_commit(lambda: default_storage.delete(stored))
            raise JobSuperseded
        row.result.name = stored
        row.result_name = filename
        row.status = JobStatus.DONE
        row.progress_done, row.progress_total = progress
        row.finished_at = row.heartbeat_at = timezone.now()
        row.expires_at = default_expiry()
        row.error = ""
        row.save()
        _parent_check_after_commit(row)


def _fail(job_id: int, attempt: int | None, message: str, *, if_silent_since=None) -> bool:
    """Fail the job unless it is finished, claimed again (another attempt) or — with
    `if_silent_since` — gave a sign of life since then (re-checked under the row lock)."""
    with transaction.atomic():
        row = ReportJob.objects.select_for_update().get(pk=job_id)
        if row.is_terminal or (attempt is not None and row.attempts != attempt):
            return False
        last = row.heartbeat_at or row.started_at
        if if_silent_since is not None and last is not None and last >= if_silent_since:
            return False
        _fail_row(row, message)
        return True


def _fail_row(row: ReportJob, message: str) -> None:
    """Inside the caller's transaction, with the row locked."""
    row.status, row.error, row.finished_at = JobStatus.FAILED, message, timezone.now()
    row.save(update_fields=["status", "error", "finished_at"])
    _parent_check_after_commit(row)


# --- batches: one child job per school, the parent zips their PDFs ---------------------------------


def _batch_assessments(job: ReportJob):
    region = job.region or job.campaign.region
    return (
        Assessment.objects.filter(campaign_id=job.campaign_id, school__region__path__startswith=region.path)
        .order_by("school__region__path", "school__code")
        .values_list("pk", flat=True)
    )


def _fan_out(job: ReportJob) -> None:
    """Inside the claim's transaction: create the children and enqueue them once it commits."""
    ids = list(_batch_assessments(job))
    if not ids:
        job.status, job.error, job.finished_at = JobStatus.FAILED, MSG_NOTHING, timezone.now()
        job.save(update_fields=["status", "error", "finished_at"])
        return
    children = ReportJob.objects.bulk_create(
        [
            ReportJob(
                kind=JobKind.SCHOOL_PDF,
                params={"campaign": job.campaign_id, "assessment": pk},
                dedupe_key=f"child:{job.pk}:{pk}",
                language=job.language,
                campaign_id=job.campaign_id,
                assessment_id=pk,
                parent=job,
                requested_by_id=job.requested_by_id,
                progress_total=1,
                expires_at=job.expires_at,
            )
            for pk in ids
        ],
        batch_size=500,
    )
    job.progress_total = len(children)
    job.save(update_fields=["progress_total"])
    child_ids = [c.pk for c in children]

    for pk in child_ids:
        _enqueue_run(pk, JobKind.SCHOOL_PDF)


def _parent_check_after_commit(child: ReportJob) -> None:
    if child.parent_id:
        parent_id = child.parent_id
        transaction.on_commit(lambda: report_batch_check(parent_id=parent_id))


def report_batch_check(*, parent_id: int) -> None:
    """After a child finished: update the parent's progress; when no child is active, enqueue assembly."""
    with transaction.atomic():
        parent = ReportJob.objects.select_for_update().filter(pk=parent_id).first()
        if parent is None or parent.is_terminal:
            return
        counts = dict(
            parent.children.values_list("status").annotate(n=Count("id")).values_list("status", "n")
        )
        parent.progress_done = counts.get(JobStatus.DONE, 0)
        packing = not any(counts.get(s, 0) for s in ACTIVE)
        # while its packing waits in the queue a batch has no heartbeat: nothing works on it yet
        parent.heartbeat_at = None if packing else timezone.now()
        parent.save(update_fields=["progress_done", "heartbeat_at"])
        if packing:
            _enqueue_assemble(parent.pk)


def report_batch_assemble(*, job_id: int) -> None:
    """Zip the children's PDFs into the parent's result, or fail the parent naming how many failed."""
    with transaction.atomic():
        parent = ReportJob.objects.select_for_update().filter(pk=job_id).first()
        if parent is None or parent.is_terminal or not parent.is_batch:
            return
        counts = dict(
            parent.children.values_list("status").annotate(n=Count("id")).values_list("status", "n")
        )
        if any(counts.get(s, 0) for s in ACTIVE):
            return  # a child was retried meanwhile; its completion triggers assembly again
        failed, total = counts.get(JobStatus.FAILED, 0), sum(counts.values())
        if failed:
            parent.status, parent.finished_at = JobStatus.FAILED, timezone.now()
            parent.error = MSG_CHILDREN_FAILED % {"n": failed, "total": total}
            parent.progress_done = total - failed
            parent.save(update_fields=["status", "finished_at", "error", "progress_done"])
            return
        parent.heartbeat_at = timezone.now()
        parent.save(update_fields=["heartbeat_at"])
        attempt = parent.attempts
    _guarded(job_id, attempt, lambda: _zip_children(parent, attempt, total))


def _zip_children(parent: ReportJob, attempt: int, total: int) -> None:
    children = (
        parent.children.filter(status=JobStatus.DONE)
        .select_related("assessment__school__region")
        .order_by("assessment__school__region__path", "assessment__school__code")
    )
    with tempfile.TemporaryFile() as out:
        with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
            for child in children.iterator(chunk_size=200):
                school = child.assessment.school
                arcname = f"{school.region.name}/{school.code}_{child.result_name or 'report.pdf'}"
                with default_storage.open(child.result.name, "rb") as src, archive.open(arcname, "w") as dst:
                    while chunk := src.read(1 << 20):
                        dst.write(chunk)
        out.seek(0)
        with translation.override(parent.language):
            name = batch_filename(parent)
        _finish(parent, attempt, File(out), name, progress=(total, total))


def batch_filename(job: ReportJob) -> str:
    region = job.region or job.campaign.region
    return _("%(campaign)s_%(region)s_学校报告.zip") % {"campaign": job.campaign.title, "region": region.name}


# --- retry, sweeping, cleanup ----------------------------------------------------------------------


def _reset(job: ReportJob) -> None:
    job.status = JobStatus.QUEUED
    job.error = ""
    job.attempts = 0
    job.started_at = job.finished_at = job.heartbeat_at = None
    job.expires_at = default_expiry()
    if job.kind not in SCHOOL_KINDS:
        job.progress_done = 0


def report_job_retry(*, job: ReportJob, acting_user) -> ReportJob:
    """Run a failed job again. For a batch: retry its failed schools (or just the packing step).
    For a school inside a batch: retry it and reopen the batch so it packs when the school is done.
    Returns the job to follow (the caller's identical active job if one was requested meanwhile).
    When the task queue cannot take it, the job is failed again and `QueueUnavailable` is raised."""
    dispatch = _Dispatch()
    followed = _retry(job=job, dispatch=dispatch)
    dispatch.raise_if_failed(followed)
    return followed


@transaction.atomic
def _retry(*, job: ReportJob, dispatch: _Dispatch) -> ReportJob:
    row = ReportJob.objects.select_for_update().get(pk=job.pk)
    if _is_stale(row, timezone.now()):
        _fail_row(row, MSG_STUCK)
    if row.status != JobStatus.FAILED:
        raise Conflict(_("只有失败的任务可以重试。"), code="not_failed")
    if row.is_batch and row.progress_total:
        row.status, row.error, row.finished_at = JobStatus.RUNNING, "", None
        row.heartbeat_at = timezone.now()
        row.expires_at = default_expiry()
        if not _save_reactivated(row):  # the user asked for the same batch again after the failure
            return _active_duplicate(user=row.requested_by, key=row.dedupe_key) or row
        failed = list(row.children.select_for_update().filter(status=JobStatus.FAILED))
        for child in failed:
            _reset(child)
            child.save()
            _enqueue_run(child.pk, child.kind, dispatch)
        if not failed:
            row.heartbeat_at = None  # packing queued
            row.save(update_fields=["heartbeat_at"])
            _enqueue_assemble(row.pk, dispatch)
        return row
    _reset(row)
    if row.is_batch:
        row.progress_total = 0
    if not _save_reactivated(row):  # the user asked for the same report again after the failure
        return _active_duplicate(user=row.requested_by, key=row.dedupe_key) or row
    _enqueue_run(row.pk, row.kind, dispatch)
    if row.parent_id:
        parent = ReportJob.objects.select_for_update().get(pk=row.parent_id)
        if parent.status == JobStatus.FAILED:
            parent.status, parent.error, parent.finished_at = JobStatus.RUNNING, "", None
            parent.heartbeat_at = timezone.now()
            # if the same batch was requested again meanwhile, the old one stays failed; the new one
            # covers the school
            _save_reactivated(parent, update_fields=["status", "error", "finished_at", "heartbeat_at"])
    return row


def _save_reactivated(job: ReportJob, **kwargs) -> bool:
    """Save a failed job made active again; False (nothing saved) when an identical active job of the
    same user exists (one active job per request: `reportjob_one_active_per_request`)."""
    try:
        with transaction.atomic():
            job.save(**kwargs)
    except IntegrityError:
        return False
    return True


def _is_stale(job: ReportJob, now: datetime.datetime) -> bool:
    """A running job whose process is gone: no heartbeat for REPORTS_HEARTBEAT_TIMEOUT_SECONDS. A
    batch is judged only while it packs (its schools are jobs of their own, with their heartbeats)."""
    if job.status != JobStatus.RUNNING:
        return False
    if job.is_batch and job.progress_total:
        if job.heartbeat_at is None or _has_active_children(job.pk):
            return False  # its schools are being made, or its packing waits in the queue
    last = job.heartbeat_at or job.started_at
    return last is not None and now - last > heartbeat_timeout()


def report_jobs_sweep(*, now=None) -> int:
    """Fail jobs that cannot finish any more: running with a heartbeat older than
    REPORTS_HEARTBEAT_TIMEOUT_SECONDS (their process died), running past their hard time limit,
    queued for longer than REPORTS_QUEUED_TIMEOUT (also a batch whose packing waits that long).
    Returns how many were failed. Cheap enough to run every half minute (it reads running rows only,
    and queued ones by index)."""
    now = now or timezone.now()
    silent_since = now - heartbeat_timeout()
    failed = 0
    candidates = ReportJob.objects.filter(status=JobStatus.RUNNING).values_list(
        "pk", "kind", "started_at", "heartbeat_at", "progress_total", "attempts"
    )
    # `attempts` as read here: a job claimed again meanwhile (a redelivered message) is left alone
    for pk, kind, started_at, heartbeat_at, total, attempts in candidates.iterator(chunk_size=500):
        last = heartbeat_at or started_at
        if kind in BATCH_KINDS and total:
            if _has_active_children(pk):
                continue
            if heartbeat_at is None:  # packing queued since the last school finished
                queued_since = ReportJob.objects.filter(parent_id=pk).aggregate(t=Max("finished_at"))["t"]
                if queued_since and now - queued_since > QUEUED_TIMEOUT:
                    failed += _fail(pk, attempts, MSG_QUEUED_TOO_LONG)
            elif heartbeat_at < silent_since:
                failed += _fail(pk, attempts, MSG_STUCK, if_silent_since=silent_since)
        elif last and last < silent_since:
            failed += _fail(pk, attempts, MSG_STUCK, if_silent_since=silent_since)
        elif started_at and now - started_at > hard_limit(kind) + SWEEP_GRACE:
            failed += _fail(pk, attempts, MSG_OVERTIME % {"id": pk})
    stale_queued = ReportJob.objects.filter(status=JobStatus.QUEUED, created_at__lt=now - QUEUED_TIMEOUT)
    for pk, attempts in stale_queued.values_list("pk", "attempts").iterator(chunk_size=500):
        failed += _fail(pk, attempts, MSG_QUEUED_TOO_LONG)
    if failed:
        logger.warning("report sweeper failed %d stuck job(s)", failed)
    return failed


def _has_active_children(pk: int) -> bool:
    return ReportJob.objects.filter(parent_id=pk, status__in=ACTIVE).exists()


def report_files_cleanup(*, now=None, log: Callable[[str], None] | None = None) -> int:
    """Delete expired finished jobs and their files (children with their batch). Returns rows deleted."""
    now = now or timezone.now()
    expired = ReportJob.objects.filter(
        Q(expires_at__lt=now), ~Q(status__in=ACTIVE), parent__isnull=True
    ).values_list("pk", flat=True)
    deleted = 0
    for pk in list(expired.iterator(chunk_size=500)):
        names = list(
            ReportJob.objects.filter(Q(pk=pk) | Q(parent_id=pk))
            .exclude(result="")
            .values_list("result", flat=True)
        )
        for name in names:
            try:
                default_storage.delete(name)
            except OSError:
                logger.warning("could not delete expired report file %s", name)
        deleted += ReportJob.objects.filter(pk=pk).delete()[1].get("reports.ReportJob", 0)
        if log:
            log(f"#{pk}: {len(names)} file(s)")
    return deleted
