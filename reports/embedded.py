"""Report jobs without a broker (the embedded default): run in a background thread of the server.

With no Celery broker configured, tasks run in-process. A report request must still answer at once,
so the job is handed to a small pool of threads of the web server process; the jobs page then shows
its progress exactly as with a worker. Such a job dies with the server process (a restart of
`runserver`); its heartbeat then stops and it is failed as interrupted, and can be retried.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.db import close_old_connections, connections

logger = logging.getLogger(__name__)

_lock = threading.Lock()
_executor: ThreadPoolExecutor | None = None


def submit(task, args: tuple) -> None:
    """Run `task` (a Celery task, executed eagerly) with `args` in a background thread."""
    global _executor
    with _lock:
        if _executor is None:
            _executor = ThreadPoolExecutor(
                max_workers=settings.REPORTS_EMBEDDED_THREADS, thread_name_prefix="report-job"
            )
    _executor.submit(_run, task, args)


def _run(task, args: tuple) -> None:
    close_old_connections()
    try:
        task.apply(args=args, throw=True)
    except Exception:
        logger.exception("report task %s%r failed in the embedded runner", task.name, args)
    finally:
        connections.close_all()  # this thread's connections only
