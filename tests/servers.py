"""Real servers a fault test can stop, freeze and start again.

- `RedisServer`: a throwaway redis-server of the test's own (free port, temp directory), so stopping
  or freezing it disturbs nothing else of the session.
- `CeleryWorker`: a `celery worker` process of this project on a given broker, using the session's
  test database; its main process can be killed like a crashed machine's.
- `session_postgres_stop()` / `session_postgres_start()`: the session's PostgreSQL cluster (started
  by scripts/services.sh), stopped and started again on the same port and data directory.

Nothing here is imported by production code.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError(f"{what} within {timeout} s")


class RedisServer:
    """redis-server on a free loopback port; `stop()` ends the process, `start()` brings it back on the
    same port, `freeze()`/`thaw()` stop and continue it (the port accepts connections, nothing answers)."""

    def __init__(self) -> None:
        self.port = free_port()
        self.dir = tempfile.mkdtemp(prefix="smartcampus-redis-")
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def _answers(self) -> bool:
        import redis

        try:
            return bool(redis.Redis(port=self.port, socket_timeout=0.5, socket_connect_timeout=0.5).ping())
        except redis.RedisError:
            return False

    def start(self) -> RedisServer:
        log = open(Path(self.dir) / "redis.log", "a")  # noqa: SIM115 — kept open by the child
        self.proc = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            cwd=self.dir,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            _wait(self._answers, 10, "redis-server did not answer")
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self, *, keep_dir: bool = True) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGCONT)
            self.proc.terminate()
            self.proc.wait(timeout=10)
        if not keep_dir:
            shutil.rmtree(self.dir, ignore_errors=True)

    def freeze(self) -> None:
        self.proc.send_signal(signal.SIGSTOP)

    def thaw(self) -> None:
        self.proc.send_signal(signal.SIGCONT)


class CeleryWorker:
    """`celery -A smartcampus worker` on `broker_url`, on the session's test database and MEDIA_ROOT.

    `kill()` sends SIGKILL to the worker's main process (its pool processes die with it: Celery sets
    the parent-death signal); `stop()` asks for a warm shutdown."""

    def __init__(self, *, broker_url: str, name: str, env: dict | None = None, concurrency: int = 1) -> None:
        from django.conf import settings

        db = settings.DATABASES["default"]
        self.broker_url = broker_url
        self.name = name
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "smartcampus.settings.test",
            "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
            "MEDIA_ROOT": str(settings.MEDIA_ROOT),
            "CELERY_BROKER_URL": broker_url,
            **(env or {}),
        }
        self.concurrency = concurrency
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 60) -> CeleryWorker:
        ARTIFACTS.mkdir(exist_ok=True)
        self.log_path = ARTIFACTS / f"celery-{self.name}.log"
        self.log = open(self.log_path, "a")  # noqa: SIM115 — closed in stop()
        self.log_start = self.log.tell()
        self.proc = subprocess.Popen(
            [
                str(Path(sys.executable).with_name("celery")),
                "-A",
                "smartcampus",
                "worker",
                "--loglevel=INFO",
                f"--concurrency={self.concurrency}",
                "--pool=prefork",
                f"--hostname={self.name}@%h",
                "--without-gossip",
                "--without-mingle",
                "--prefetch-multiplier=1",
                # test-only behaviour of this worker process (monkeypatching, not production hooks)
                "--include=tests.reports.worker_patches",
            ],
            env=self.env,
            cwd=ROOT,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        try:
            _wait(self.answers, timeout, f"celery worker {self.name} was not ready")
        except BaseException:
            self.stop()
            raise
        return self

    def answers(self) -> bool:
        """The worker says it is ready (connected to the broker, consuming) in its log."""
        if self.proc.poll() is not None:
            raise AssertionError(f"celery worker {self.name} exited with {self.proc.returncode}")
        self.log.flush()
        text = self.log_path.read_bytes()[self.log_start :].decode(errors="replace")
        return f"{self.name}@" in text and " ready." in text

    def kill(self) -> None:
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self.log.close()


def _services(command: str) -> None:
    subprocess.run(["bash", str(ROOT / "scripts/services.sh"), command], cwd=ROOT, check=True, timeout=120)


def session_postgres_stop() -> None:
    """Stop the session's PostgreSQL (fast shutdown: connections are cut, data is kept)."""
    _services("pg-stop")


def session_postgres_start() -> None:
    _services("pg-start")


class sending_to:  # noqa: N801 — used as a context manager, like a function
    """This process sends Celery tasks to `broker_url` (through the broker, not in-process) inside
    the block. Celery keeps connection and producer pools bound to the old URL: they are dropped."""

    KEYS = ("broker_url", "task_always_eager")

    def __init__(self, broker_url: str) -> None:
        self.broker_url = broker_url

    def _drop_pools(self) -> None:
        from smartcampus.celery import app

        app._pool = None
        app.amqp._producer_pool = None

    def __enter__(self):
        from smartcampus.celery import app

        self.saved = {key: app.conf.get(key) for key in self.KEYS}
        app.conf.update(broker_url=self.broker_url, task_always_eager=False)
        self._drop_pools()
        return app

    def __exit__(self, *exc) -> None:
        from smartcampus.celery import app

        app.conf.update(self.saved)
        self._drop_pools()
