"""Faults: the broker (Redis) away, and a database error in the middle of a write.

- With the broker unreachable (a closed port, no retries, eager mode off), a school can still
  save its answers and submit: nothing on those paths may wait for or depend on Celery.
- A report request then answers the queue error (503, page and API) and leaves a failed, retryable
  job; on a real Redis that is stopped or frozen it does so within 5 s, and once Redis is back the
  retry is rendered by a real worker.
- A `DatabaseError` after the first write of a submission or a save leaves no partial state:
  status, versions and history rows are exactly as before.
"""

from __future__ import annotations

import datetime
import time

import pytest
from django.db import DatabaseError
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import OperationalError as KombuOperationalError
from simple_history.models import HistoricalRecords

from assessments.models import Assessment, AssessmentStatus, ItemResponse
from assessments.services import campaign_create, end_of_day
from reports.models import JobStatus, ReportJob
from smartcampus.celery import app as celery_app
from smartcampus.celery import ping
from tests.conftest import requires_services
from tests.factories import small_points_framework
from tests.servers import CeleryWorker, RedisServer, sending_to

CLOSED_BROKER = "redis://127.0.0.1:1/0"


@pytest.fixture
def assessment(world):
    today = timezone.localdate()
    campaign = campaign_create(
        framework=small_points_framework(),
        year=2026,
        title="故障测试",
        region=world.city_a,
        self_deadline=end_of_day(today + datetime.timedelta(days=10)),
        review_deadline=end_of_day(today + datetime.timedelta(days=20)),
        schools=[world.school_a1],
        acting_user=world.users["commission"],
    )
    return campaign.assessments.get()


@pytest.fixture
def broker_down(settings):
    """Celery pointed at a closed port, not eager, giving up at once instead of retrying."""
    saved = {
        key: celery_app.conf.get(key)
        for key in (
            "broker_url",
            "task_always_eager",
            "broker_connection_retry",
            "broker_connection_max_retries",
            "broker_transport_options",
            "broker_connection_timeout",
        )
    }
    settings.CELERY_BROKER_URL = CLOSED_BROKER
    settings.CELERY_TASK_ALWAYS_EAGER = False
    celery_app.conf.update(
        broker_url=CLOSED_BROKER,
        task_always_eager=False,
        broker_connection_retry=False,
        broker_connection_max_retries=0,
        broker_transport_options={"max_retries": 0},
        broker_connection_timeout=1,
    )
    _drop_connection_pools()
    yield
    celery_app.conf.update(saved)
    _drop_connection_pools()


def _drop_connection_pools() -> None:
    """Celery keeps connection and producer pools bound to the old URL; new ones use the new URL."""
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


def test_the_fixture_really_cuts_the_broker(broker_down):
    """Proof that the harness works: an enqueue now fails instead of reaching a broker."""
    with pytest.raises((KombuOperationalError, ConnectionError, OSError)):
        ping.apply_async(("x",), retry=False)


def _fill_all(client: Client, assessment: Assessment) -> None:
    for response in assessment.responses.select_related("node"):
        r = client.post(
            reverse("assessments:assessment-item-save", args=[assessment.pk, response.node.code]),
            {"version": response.version, "self_score": "1"},
            HTTP_HX_REQUEST="true",
        )
        assert r.status_code == 200 and r["X-Save-Status"] == "200", r.content.decode()[:300]


def test_school_saves_and_submits_with_the_broker_down(world, client_for, assessment, broker_down):
    client = client_for("cio")
    _fill_all(client, assessment)
    r = client.post(reverse("assessments:assessment-submit", args=[assessment.pk]))
    assert r.status_code == 302, r.content.decode()[:500]
    assessment.refresh_from_db()
    assert assessment.status == AssessmentStatus.SUBMITTED


def test_api_save_and_submit_with_the_broker_down(world, client_for, assessment, broker_down):
    client = client_for("cio")
    for response in assessment.responses.all():
        r = client.patch(
            f"/api/responses/{response.pk}/",
            {"version": 1, "self_score": "1"},
            content_type="application/json",
        )
        assert r.status_code == 200
    r = client.post(f"/api/assessments/{assessment.pk}/submit/")
    assert r.status_code == 200 and r.json()["status"] == "submitted"


# --- a database error half-way ------------------------------------------------------------------------


def _snapshot(assessment: Assessment) -> dict:
    assessment = Assessment.objects.get(pk=assessment.pk)
    return {
        "status": assessment.status,
        "version": assessment.version,
        "submitted_at": assessment.submitted_at,
        "history": Assessment.history.filter(id=assessment.pk).count(),
        "responses": sorted(
            ItemResponse.objects.filter(assessment=assessment).values_list(
                "pk", "version", "self_score", "statement"
            )
        ),
        "response_history": ItemResponse.history.filter(assessment_id=assessment.pk).count(),
    }


def _fail_history_writes(monkeypatch):
    """simple_history writes its row right after the model's UPDATE: a failure after the first write."""

    def boom(self, *args, **kwargs):
        raise DatabaseError("disk full (simulated)")

    monkeypatch.setattr(HistoricalRecords, "create_historical_record", boom)


def test_database_error_during_submit_leaves_no_partial_state(world, client_for, assessment, monkeypatch):
    client = client_for("cio")
    _fill_all(client, assessment)
    before = _snapshot(assessment)
    _fail_history_writes(monkeypatch)
    failing = Client(raise_request_exception=False)
    failing.force_login(world.users["cio"])
    assert failing.post(reverse("assessments:assessment-submit", args=[assessment.pk])).status_code == 500
    assert failing.post(f"/api/assessments/{assessment.pk}/submit/").status_code == 500
    assert _snapshot(assessment) == before
    assert before["status"] == AssessmentStatus.DRAFT


def test_database_error_during_a_save_leaves_no_partial_state(world, client_for, assessment, monkeypatch):
    before = _snapshot(assessment)
    _fail_history_writes(monkeypatch)
    failing = Client(raise_request_exception=False)
    failing.force_login(world.users["cio"])
    response = assessment.responses.select_related("node").first()
    r = failing.post(
        reverse("assessments:assessment-item-save", args=[assessment.pk, response.node.code]),
        {"version": 1, "self_score": "1", "statement": "不会保存"},
    )
    assert r.status_code == 500
    r = failing.patch(
        f"/api/responses/{response.pk}/", {"version": 1, "self_score": "1"}, content_type="application/json"
    )
    assert r.status_code == 500
    assert _snapshot(assessment) == before


# --- report requests with the broker down ---------------------------------------------------------------


def test_report_request_with_the_broker_down_answers_the_queue_error_and_can_be_retried(
    transactional_db, world, client_for, assessment, broker_down, settings
):
    """The page and the API answer 503 with the Chinese message (never a 500, never a job left
    「排队中」); asking again makes a new job; 「重试」 is accepted and, once the queue is back, runs."""
    client = client_for("cio")
    r = client.post(reverse("reports:job-request"), {"kind": "school_pdf", "assessment": assessment.pk})
    assert r.status_code == 503
    assert "任务队列暂时不可用" in r.content.decode() and "重试" in r.content.decode()
    job = ReportJob.objects.get()
    assert job.status == JobStatus.FAILED
    assert "任务队列暂时不可用" in job.error and "重试" in job.error

    r = client.post("/api/reports/jobs/", {"kind": "school_pdf", "assessment": assessment.pk})
    assert r.status_code == 503
    assert r.json()["error"]["code"] == "queue_unavailable" and r.json()["error"]["job"] != job.pk
    assert not ReportJob.objects.exclude(status=JobStatus.FAILED).exists()

    r = client.post(f"/api/reports/jobs/{job.pk}/retry/")  # still down: failed again, still retryable
    assert r.status_code == 503 and r.json()["error"]["job"] == job.pk
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and "任务队列暂时不可用" in job.error

    celery_app.conf.task_always_eager = settings.CELERY_TASK_ALWAYS_EAGER = True  # the queue is back
    r = client.post(reverse("reports:job-retry", args=[job.pk]))
    assert r.status_code == 302
    job.refresh_from_db()
    assert job.status == JobStatus.DONE and job.error == ""


# --- the real broker stopped or frozen ------------------------------------------------------------------


QUEUE_DOWN = "任务队列暂时不可用"


@pytest.fixture
def redis_server():
    server = RedisServer().start()
    yield server
    server.stop(keep_dir=False)


@pytest.fixture
def on_redis(redis_server):
    """This process sends tasks to `redis_server` with the project's own broker settings; a worker
    consumes them."""
    worker = CeleryWorker(broker_url=redis_server.url, name="faults-broker").start()
    with sending_to(redis_server.url):
        yield redis_server
    worker.stop()


def _wait_for(job_id: int, statuses, timeout: float = 90) -> ReportJob:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = ReportJob.objects.get(pk=job_id)
        if job.status in statuses:
            return job
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} still {ReportJob.objects.get(pk=job_id).status} after {timeout}s")


def _timed(call):
    started = time.monotonic()
    response = call()
    return response, time.monotonic() - started


@requires_services
@pytest.mark.parametrize("outage", ["stopped", "frozen"])
def test_report_request_with_redis_down_fails_fast_and_retry_completes_once_it_is_back(
    transactional_db, world, client_for, assessment, on_redis, outage
):
    """Redis stopped (connections refused) or frozen (connections accepted, nothing answers): the API
    and the page answer the queue error within 5 s, the job is failed and retryable; with Redis back,
    the retry is rendered by the worker."""
    client = client_for("cio")
    body = {"kind": "school_pdf", "assessment": assessment.pk}
    on_redis.stop() if outage == "stopped" else on_redis.freeze()

    r, seconds = _timed(lambda: client.post("/api/reports/jobs/", body, content_type="application/json"))
    assert seconds <= 5, f"the API answered after {seconds:.1f} s"
    assert r.status_code == 503 and r["Content-Type"] == "application/json", r.content[:300]
    error = r.json()["error"]
    assert error["code"] == "queue_unavailable" and QUEUE_DOWN in error["message"]
    job = ReportJob.objects.get(pk=error["job"])
    assert job.status == JobStatus.FAILED and QUEUE_DOWN in job.error and "重试" in job.error

    r, seconds = _timed(lambda: client.post(reverse("reports:job-request"), body))
    assert seconds <= 5, f"the page answered after {seconds:.1f} s"
    page = r.content.decode()
    assert r.status_code == 503 and QUEUE_DOWN in page and "重试" in page
    # asking again after the failure made a new (failed) job: no queued job is left behind
    assert not ReportJob.objects.filter(status=JobStatus.QUEUED).exists()
    assert ReportJob.objects.filter(status=JobStatus.FAILED).count() == 2

    on_redis.start() if outage == "stopped" else on_redis.thaw()
    r = client.post(f"/api/reports/jobs/{job.pk}/retry/")
    assert r.status_code == 200, r.content[:300]
    job = _wait_for(job.pk, {JobStatus.DONE})
    assert job.result and job.error == ""
