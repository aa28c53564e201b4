"""The Celery application. Tasks live in the apps' `tasks.py`; this module only wires Celery to Django."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smartcampus.settings.dev")

app = Celery("smartcampus")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.task(name="smartcampus.ping")
def ping(payload: str = "") -> dict:
    """Round-trip probe used by the health check and the real-worker integration test."""
    import socket

    return {"pong": payload, "host": socket.gethostname(), "pid": os.getpid()}
