"""The job state machine: request, claim, terminal no-op, duplicates, retry, batches, sweeper, cleanup."""

from __future__ import annotations

import datetime
import io
import zipfile

import pytest
from django.core.files.storage import default_storage
from django.utils import timezone

from assessments.models import Assessment
from reports import services
from reports.models import JobKind, JobStatus, ReportJob


def request_school(world, assessment, user="cio"):
    return services.report_job_request(
        kind=JobKind.SCHOOL_PDF,
        campaign=assessment.campaign,
        assessment=assessment,
        acting_user=world.users[user],
    )


def test_request_creates_a_queued_job_and_enqueues_it_on_commit(
    world, points_assessment, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        job, created = request_school(world, points_assessment)
    assert created and job.status == JobStatus.QUEUED
    assert job.params == {"campaign": points_assessment.campaign_id, "assessment": points_assessment.pk}
    assert len(callbacks) == 1  # the task is sent only once the row is committed


def test_run_renders_the_pdf_and_a_terminal_job_is_left_alone(world, points_assessment):
    job, _ = request_school(world, points_assessment)
    services.report_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == JobStatus.DONE and job.attempts == 1
    assert job.result.name.startswith(f"reports/{job.pk}/") and job.result_name.endswith("评估报告.pdf")
    assert default_storage.open(job.result.name).read(5) == b"%PDF-"
    assert (job.progress_done, job.progress_total, job.percent) == (1, 1, 100)
    assert job.started_at <= job.finished_at < job.expires_at
    finished = job.finished_at
    assert services.report_job_run(job_id=job.pk) is None  # a redelivered message: nothing happens
    job.refresh_from_db()
    assert job.attempts == 1 and job.finished_at == finished


def test_identical_request_returns_the_active_job(world, points_assessment):
    first, created = request_school(world, points_assessment)
    again, created_again = request_school(world, points_assessment)
    assert created and not created_again and again.pk == first.pk
    other, created_other = request_school(world, points_assessment, user="reviewer")
    assert created_other and other.pk != first.pk  # another user's request is their own job
    services.report_job_run(job_id=first.pk)
    fresh, created_fresh = request_school(world, points_assessment)
    assert created_fresh and fresh.pk != first.pk  # once done, asking again makes a new report


def test_a_render_error_fails_the_job_with_a_chinese_message_and_retry_requeues_it(
    world, points_assessment, monkeypatch, django_capture_on_commit_callbacks
):
    job, _ = request_school(world, points_assessment)
    monkeypatch.setattr("reports.school_report.school_report_pdf", lambda **kw: 1 / 0)
    services.report_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and "内部错误" in job.error and f"#{job.pk}" in job.error
    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        retried = services.report_job_retry(job=job, acting_user=world.users["cio"])
    assert len(callbacks) == 1
    retried.refresh_from_db()
    assert retried.pk == job.pk and retried.status == JobStatus.DONE and retried.error == ""


def test_only_failed_jobs_can_be_retried(world, points_assessment):
    from smartcampus.errors import Conflict

    job, _ = request_school(world, points_assessment)
    with pytest.raises(Conflict):
        services.report_job_retry(job=job, acting_user=world.users["cio"])


def test_a_superseded_attempt_cannot_overwrite_the_newer_state(world, points_assessment, monkeypatch):
    job, _ = request_school(world, points_assessment)

    def render_while_sweeper_fails_it(**kwargs):
        services._fail(job.pk, None, services.MSG_STUCK)
        return b"%PDF-late"

    monkeypatch.setattr("reports.school_report.school_report_pdf", render_while_sweeper_fails_it)
    services.report_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and job.error == services.MSG_STUCK and not job.result


def test_redelivery_claims_again_until_the_attempt_limit(world, points_assessment, settings):
    settings.REPORTS_MAX_ATTEMPTS = 2
    job, _ = request_school(world, points_assessment)
    ReportJob.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING, attempts=2)
    assert services.report_job_run(job_id=job.pk) is None
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and "已尝试 2 次" in job.error


def test_sweeper_fails_jobs_stuck_running_or_queued_and_they_can_be_retried(world, points_assessment):
    running, _ = request_school(world, points_assessment)
    queued, _ = request_school(world, points_assessment, user="commission")
    fresh, _ = request_school(world, points_assessment, user="reviewer")
    long_ago = timezone.now() - datetime.timedelta(hours=7)
    ReportJob.objects.filter(pk=running.pk).update(status=JobStatus.RUNNING, attempts=1, started_at=long_ago)
    ReportJob.objects.filter(pk=queued.pk).update(created_at=long_ago)
    ReportJob.objects.filter(pk=fresh.pk).update(
        status=JobStatus.RUNNING, attempts=1, started_at=timezone.now()
    )
    assert services.report_jobs_sweep() == 2
    running.refresh_from_db(), queued.refresh_from_db(), fresh.refresh_from_db()
    assert running.status == JobStatus.FAILED and "中断" in running.error
    assert queued.status == JobStatus.FAILED and "排队超时" in queued.error
    assert fresh.status == JobStatus.RUNNING
    services.report_job_retry(job=running, acting_user=world.users["cio"])
    services.report_job_run(job_id=running.pk)
    running.refresh_from_db()
    assert running.status == JobStatus.DONE


def test_district_batch_fans_out_one_job_per_school_and_zips_their_pdfs(
    world, points_campaign, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        parent, created = services.report_job_request(
            kind=JobKind.DISTRICT_PDF_ZIP,
            campaign=points_campaign,
            region=world.district_a1,
            acting_user=world.users["reviewer"],
        )
    parent.refresh_from_db()
    children = list(parent.children.select_related("assessment__school"))
    assert {c.assessment.school for c in children} == {world.school_a1, world.school_a1b}
    assert all(c.status == JobStatus.DONE for c in children)
    assert parent.status == JobStatus.DONE and (parent.progress_done, parent.progress_total) == (2, 2)
    with default_storage.open(parent.result.name) as fh:
        names = zipfile.ZipFile(io.BytesIO(fh.read())).namelist()
    assert len(names) == 2 and all(n.startswith("甲一区/") and n.endswith(".pdf") for n in names)


def test_a_failed_school_fails_the_batch_and_retrying_it_completes_the_zip(
    world, points_campaign, monkeypatch, django_capture_on_commit_callbacks
):
    from reports import school_report

    real = school_report.school_report_pdf
    broken = Assessment.objects.get(campaign=points_campaign, school=world.school_a1b).pk

    def flaky(*, assessment):
        if assessment.pk == broken:
            raise RuntimeError("boom")
        return real(assessment=assessment)

    monkeypatch.setattr(school_report, "school_report_pdf", flaky)
    with django_capture_on_commit_callbacks(execute=True):
        parent, _ = services.report_job_request(
            kind=JobKind.CITY_PDF_ZIP, campaign=points_campaign, acting_user=world.users["commission"]
        )
    parent.refresh_from_db()
    assert parent.status == JobStatus.FAILED and "1 所学校" in parent.error
    assert (parent.progress_done, parent.progress_total) == (2, 3)
    failed_child = parent.children.get(status=JobStatus.FAILED)
    monkeypatch.setattr(school_report, "school_report_pdf", real)
    with django_capture_on_commit_callbacks(execute=True):
        services.report_job_retry(job=failed_child, acting_user=world.users["commission"])
    parent.refresh_from_db()
    assert parent.status == JobStatus.DONE and parent.progress_done == 3 and parent.result


def test_retrying_a_failed_batch_after_asking_again_follows_the_new_batch(
    world, points_campaign, monkeypatch, django_capture_on_commit_callbacks
):
    from reports import school_report

    monkeypatch.setattr(school_report, "school_report_pdf", lambda **kw: 1 / 0)
    commission = world.users["commission"]
    with django_capture_on_commit_callbacks(execute=True):
        old, _ = services.report_job_request(
            kind=JobKind.CITY_PDF_ZIP, campaign=points_campaign, acting_user=commission
        )
    old.refresh_from_db()
    assert old.status == JobStatus.FAILED
    new, created = services.report_job_request(
        kind=JobKind.CITY_PDF_ZIP, campaign=points_campaign, acting_user=commission
    )  # asked again (not run here: no callbacks)
    assert created
    followed = services.report_job_retry(job=old, acting_user=commission)
    assert followed.pk == new.pk  # no error page: the user is sent to the batch already running
    old.refresh_from_db()
    assert old.status == JobStatus.FAILED and not old.children.exclude(status=JobStatus.FAILED).exists()


def test_a_packing_error_fails_the_batch_at_once_and_retry_packs_it(
    world, points_campaign, monkeypatch, django_capture_on_commit_callbacks
):
    from django.core.files.storage import FileSystemStorage

    commission = world.users["commission"]

    def unreadable(self, name, mode="rb"):
        raise OSError("disk gone")

    monkeypatch.setattr(FileSystemStorage, "open", unreadable)  # the children's PDFs cannot be read
    with django_capture_on_commit_callbacks(execute=True):
        parent, _ = services.report_job_request(
            kind=JobKind.CITY_PDF_ZIP, campaign=points_campaign, acting_user=commission
        )
    parent.refresh_from_db()
    # not left "running" until the sweeper's time limit: failed now, with the message and job number
    assert (
        parent.status == JobStatus.FAILED and f"#{parent.pk}" in parent.error and "内部错误" in parent.error
    )
    assert not parent.children.exclude(status=JobStatus.DONE).exists()
    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=True):
        services.report_job_retry(job=parent, acting_user=commission)
    parent.refresh_from_db()
    assert parent.status == JobStatus.DONE and parent.result


def test_cleanup_deletes_expired_jobs_and_their_files(world, points_assessment):
    job, _ = request_school(world, points_assessment)
    services.report_job_run(job_id=job.pk)
    job.refresh_from_db()
    name = job.result.name
    assert default_storage.exists(name)
    assert services.report_files_cleanup() == 0
    assert services.report_files_cleanup(now=job.expires_at + datetime.timedelta(seconds=1)) == 1
    assert not default_storage.exists(name) and not ReportJob.objects.filter(pk=job.pk).exists()


def test_cleanup_command_runs_sweeper_and_cleanup(db, capsys):
    from django.core.management import call_command

    call_command("cleanup_reports")
    assert "标记失败 0" in capsys.readouterr().out


def test_without_a_broker_a_request_answers_at_once_and_the_job_runs_in_a_server_thread(
    transactional_db, world, client_for, points_assessment, settings, monkeypatch
):
    """The embedded default (no broker): the click answers while the report is still being made, and
    the jobs page follows it (生成中, a polling row) until it is done — as with a worker."""
    import threading

    from django.urls import reverse

    from reports import school_report

    settings.REPORTS_EMBEDDED_THREADS = 1
    real, rendering, release = school_report.school_report_pdf, threading.Event(), threading.Event()

    def held(**kwargs):
        rendering.set()
        release.wait(timeout=30)  # inside the request, this would hold the answer for 30 s
        return real(**kwargs)

    monkeypatch.setattr(school_report, "school_report_pdf", held)
    client = client_for("cio")
    try:
        r = client.post(
            reverse("reports:job-request"), {"kind": "school_pdf", "assessment": points_assessment.pk}
        )
        assert r.status_code == 302
        job = ReportJob.objects.get()
        assert job.status in (JobStatus.QUEUED, JobStatus.RUNNING)  # answered before the report exists
        assert rendering.wait(timeout=30)
        page = client.get(reverse("reports:job-list")).content.decode()
        assert "生成中" in page and f'hx-get="{reverse("reports:job-row", args=[job.pk])}"' in page
    finally:
        release.set()
    for _ in range(300):
        job.refresh_from_db()
        if job.is_terminal:
            break
        threading.Event().wait(0.1)
    assert job.status == JobStatus.DONE and job.result, job.error


# --- heartbeats: a job whose process died is failed within two minutes, not after its time limit ------


def _running(job, *, started_ago: float, heartbeat_ago: float | None):
    now = timezone.now()
    ReportJob.objects.filter(pk=job.pk).update(
        status=JobStatus.RUNNING,
        attempts=1,
        started_at=now - datetime.timedelta(seconds=started_ago),
        heartbeat_at=None if heartbeat_ago is None else now - datetime.timedelta(seconds=heartbeat_ago),
    )
    job.refresh_from_db()
    return job


def test_a_job_whose_heartbeat_went_silent_is_failed_by_the_sweep_long_before_its_time_limit(
    world, points_campaign, points_assessment, django_capture_on_commit_callbacks
):
    commission = world.users["commission"]
    silent, _ = request_school(world, points_assessment)
    alive, _ = services.report_job_request(
        kind=JobKind.CITY_WORKBOOK, campaign=points_campaign, acting_user=commission
    )
    silent = _running(silent, started_ago=100, heartbeat_ago=90)  # a school PDF may take 150 s
    alive = _running(alive, started_ago=1200, heartbeat_ago=5)  # a long workbook, heartbeat fresh
    assert services.report_jobs_sweep() == 1
    silent.refresh_from_db(), alive.refresh_from_db()
    assert silent.status == JobStatus.FAILED and "处理进程意外停止" in silent.error
    assert alive.status == JobStatus.RUNNING
    with django_capture_on_commit_callbacks(execute=True):
        services.report_job_retry(job=silent, acting_user=world.users["cio"])
    silent.refresh_from_db()
    assert silent.status == JobStatus.DONE


def test_asking_again_for_a_report_whose_process_died_fails_it_and_makes_a_new_one(
    world, points_assessment, django_capture_on_commit_callbacks
):
    dead, _ = request_school(world, points_assessment)
    dead = _running(dead, started_ago=120, heartbeat_ago=75)
    with django_capture_on_commit_callbacks(execute=True):
        fresh, created = request_school(world, points_assessment)
    assert created and fresh.pk != dead.pk
    dead.refresh_from_db(), fresh.refresh_from_db()
    assert dead.status == JobStatus.FAILED and "处理进程意外停止" in dead.error
    assert fresh.status == JobStatus.DONE
    alive, _ = request_school(world, points_assessment)
    alive = _running(alive, started_ago=120, heartbeat_ago=10)
    again, created = request_school(world, points_assessment)
    assert not created and again.pk == alive.pk  # a job with a fresh heartbeat is being made: follow it


def test_retrying_a_job_whose_process_died_is_accepted(
    world, points_assessment, django_capture_on_commit_callbacks
):
    from smartcampus.errors import Conflict

    job, _ = request_school(world, points_assessment)
    job = _running(job, started_ago=100, heartbeat_ago=10)
    with pytest.raises(Conflict):  # alive: nothing to retry
        services.report_job_retry(job=job, acting_user=world.users["cio"])
    job = _running(job, started_ago=100, heartbeat_ago=70)
    with django_capture_on_commit_callbacks(execute=True):
        services.report_job_retry(job=job, acting_user=world.users["cio"])
    job.refresh_from_db()
    assert job.status == JobStatus.DONE and job.attempts == 1


def test_a_batch_waiting_for_its_packing_is_not_taken_for_dead(
    world, points_campaign, monkeypatch, django_capture_on_commit_callbacks
):
    """Once its schools are done a batch's packing may wait in the queue behind other work: no
    heartbeat then, and not failed; once packing started, a silent heartbeat fails it."""
    monkeypatch.setattr(services, "_enqueue_assemble", lambda *args, **kwargs: None)  # the queue holds it
    with django_capture_on_commit_callbacks(execute=True):
        parent, _ = services.report_job_request(
            kind=JobKind.CITY_PDF_ZIP, campaign=points_campaign, acting_user=world.users["commission"]
        )
    parent.refresh_from_db()
    assert parent.status == JobStatus.RUNNING and parent.progress_done == parent.progress_total == 3
    assert parent.heartbeat_at is None
    ReportJob.objects.filter(pk=parent.pk).update(started_at=timezone.now() - datetime.timedelta(hours=1))
    assert services.report_jobs_sweep() == 0
    ReportJob.objects.filter(pk=parent.pk).update(heartbeat_at=timezone.now() - datetime.timedelta(minutes=2))
    assert services.report_jobs_sweep() == 1
    parent.refresh_from_db()
    assert parent.status == JobStatus.FAILED and "处理进程意外停止" in parent.error


def test_a_running_job_stamps_its_heartbeat_while_it_works(
    transactional_db, world, points_assessment, settings, monkeypatch
):
    """The heartbeat is written on a timer from beside the work, also through a step that reports no
    progress (one school's PDF is a single step)."""
    import time

    from reports import school_report

    settings.REPORTS_HEARTBEAT_SECONDS = 0.05
    real, beats = school_report.school_report_pdf, []

    def slow(**kwargs):
        job = ReportJob.objects.get()
        claimed = job.heartbeat_at
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and len(set(beats)) < 3:
            beats.append(ReportJob.objects.get(pk=job.pk).heartbeat_at)
            time.sleep(0.02)
        assert all(b >= claimed for b in beats)
        return real(**kwargs)

    monkeypatch.setattr(school_report, "school_report_pdf", slow)
    job, _ = request_school(world, points_assessment)
    job.refresh_from_db()
    assert job.status == JobStatus.DONE
    assert len(set(beats)) >= 3  # the claim's stamp and at least two from the timer
