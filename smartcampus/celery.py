"""The Celery application. Tasks live in the apps' `tasks.py`; this module only wires Celery to Django."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smartcampus.settings.dev")

app = Celery("smartcampus")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.task(name="smartcampus.ping", ignore_result=False)
def ping(payload: str = "") -> dict:
    """Round-trip probe used by the real-worker integration test: echoes, and proves the worker's DB works."""
    import socket

    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return {"pong": payload, "host": socket.gethostname(), "pid": os.getpid(), "db": connection.vendor}


# Periodic jobs (run `celery -A smartcampus beat` next to the workers): fail report jobs stuck past
# their time limit, and delete expired report files.
app.conf.beat_schedule = {
    **(app.conf.beat_schedule or {}),
    "reports-sweep-stuck-jobs": {"task": "reports.sweep_stuck_jobs", "schedule": 300.0},
    "reports-cleanup-expired": {"task": "reports.cleanup_expired", "schedule": 6 * 3600.0},
}

# District review (assessments): daily deadline reminders at 08:00 local time (idempotent per day).
from celery.schedules import crontab  # noqa: E402

app.conf.beat_schedule.update(
    {
        "assessments-deadline-reminders": {
            "task": "assessments.send_deadline_reminders",
            "schedule": crontab(hour=8, minute=0),
        }
    }
)

# Evidence: delete stored files that no library row refers to (older than the grace period), daily.
app.conf.beat_schedule.update(
    {
        "evidence-sweep-orphans": {
            "task": "evidence.sweep_orphans",
            "schedule": crontab(hour=3, minute=30),
        }
    }
)
