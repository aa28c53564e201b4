"""The Celery application. Tasks live in the apps' `tasks.py`; this module wires Celery to Django,
schedules the periodic jobs and gives every worker its report watchdog."""

import logging
import os
import threading

from celery import Celery, bootsteps
from django.conf import settings

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smartcampus.settings.dev")

logger = logging.getLogger(__name__)

app = Celery("smartcampus")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


class ReportWatchdog(bootsteps.StartStopStep):
    """Every worker fails report jobs whose process died (their heartbeat went silent), every
    REPORTS_WATCHDOG_SECONDS, whether or not beat runs: `reports.services.report_jobs_sweep`.

    A bootstep rather than a thread started from the `worker_ready` signal: it is part of the worker's
    own start and stop (stopped and joined on shutdown), and every `celery worker` of this app has it
    without importing a signal module first. It runs in a thread of the worker's main process, so a
    slow or unreachable database never blocks the consumer's event loop, and it outlives the pool
    processes whose jobs it checks: a killed pool process is noticed by its own worker, a killed
    worker by any other worker — or by the same one once restarted — and by beat.
    """

    label = "report watchdog"

    def __init__(self, parent, **kwargs):
        super().__init__(parent, **kwargs)
        self._stop = threading.Event()
        self._thread = None

    def start(self, parent):
        self._thread = threading.Thread(target=self._run, name="report-watchdog", daemon=True)
        self._thread.start()

    def stop(self, parent):
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def _run(self):
        from django.db import connections

        from reports.services import report_jobs_sweep

        while True:
            try:
                report_jobs_sweep()
            except Exception:  # the database away, say: try again next round
                logger.exception("report watchdog: the sweep failed")
            finally:
                connections.close_all()  # this thread's connection: a fresh one each round
            if self._stop.wait(settings.REPORTS_WATCHDOG_SECONDS):
                return


app.steps["worker"].add(ReportWatchdog)


@app.task(name="smartcampus.ping", ignore_result=False)
def ping(payload: str = "") -> dict:
    """Round-trip probe used by the real-worker integration test: echoes, and proves the worker's DB works."""
    import socket

    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return {"pong": payload, "host": socket.gethostname(), "pid": os.getpid(), "db": connection.vendor}


# Periodic jobs (run `celery -A smartcampus beat` next to the workers): fail report jobs whose
# process died or that are stuck (also done by every worker's watchdog above), and delete expired
# report files.
app.conf.beat_schedule = {
    **(app.conf.beat_schedule or {}),
    "reports-sweep-stuck-jobs": {
        "task": "reports.sweep_stuck_jobs",
        "schedule": settings.REPORTS_WATCHDOG_SECONDS,
        "options": {"expires": settings.REPORTS_WATCHDOG_SECONDS},  # a backed-up queue keeps few sweeps
    },
    "reports-cleanup-expired": {"task": "reports.cleanup_expired", "schedule": 6 * 3600.0},
}

# District review (assessments): daily deadline reminders at 08:00 local time (idempotent per day).
from celery.schedules import crontab  # noqa: E402

app.conf.beat_schedule.update(
    {
        "assessments-deadline-reminders": {
            "task": "assessments.send_deadline_reminders",
            "schedule": crontab(hour=8, minute=0),
        },
        # rectification items due soon or overdue, with the deadline reminders (idempotent per day)
        "rectification-due-reminders": {
            "task": "rectification.send_due_reminders",
            "schedule": crontab(hour=8, minute=5),
        },
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
