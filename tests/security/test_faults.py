"""Faults: the broker (Redis) away, and a database error in the middle of a write.

- With the broker unreachable (a closed port, no retries, eager mode off), a school can still
  save its answers and submit: nothing on those paths may wait for or depend on Celery.
- A `DatabaseError` after the first write of a submission or a save leaves no partial state:
  status, versions and history rows are exactly as before.
"""

from __future__ import annotations

import datetime

import pytest
from django.db import DatabaseError
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import OperationalError as KombuOperationalError
from simple_history.models import HistoricalRecords

from assessments.models import Assessment, AssessmentStatus, ItemResponse
from assessments.services import campaign_create, end_of_day
from smartcampus.celery import app as celery_app
from smartcampus.celery import ping
from tests.factories import small_points_framework

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


def test_report_request_with_the_broker_down_fails_clearly_and_can_be_retried(
    world, client_for, assessment, broker_down, django_capture_on_commit_callbacks
):
    from reports.models import JobStatus, ReportJob

    client = client_for("cio")
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(reverse("reports:job-request"), {"kind": "school_pdf", "assessment": assessment.pk})
    assert r.status_code == 302  # not a 500
    job = ReportJob.objects.get()
    assert job.status == JobStatus.FAILED
    assert "任务队列暂时不可用" in job.error and "重试" in job.error
    assert "任务队列暂时不可用" in client.get(reverse("reports:job-list")).content.decode()

    r = client.post(reverse("reports:job-retry", args=[job.pk]))  # later: the retry is accepted
    assert r.status_code == 302
    job.refresh_from_db()
    assert job.status != JobStatus.FAILED and job.error == ""
