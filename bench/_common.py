"""What every benchmark shares: arguments, throwaway services, Django set-up, the demo city, a fresh
subprocess per measured variant (time and peak RSS), and output (JSON + a readable table).

Benchmarks run against production settings (DEBUG off) with a throwaway PostgreSQL and Redis
started by scripts/services.sh, unless DATABASE_URL is given (then that database is used as is and
must be migrated: the programs seed it, so never point them at real data).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable

BENCH_ENV = {
    "DJANGO_SETTINGS_MODULE": "bench.settings",
    "SECRET_KEY": "bench-only-secret-key-not-for-production-use-0123456789",
    "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
    "SECURE_SSL_REDIRECT": "false",
    "SECURE_HSTS_SECONDS": "0",
    "LOG_LEVEL": "WARNING",
}


def parser(description: str, *, schools: int = 2000) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--schools", type=int, default=schools, help=f"schools in the city (default {schools})")
    p.add_argument("--json", dest="json_out", help="write the results here as JSON")
    p.add_argument("--repeat", type=int, default=3, help="repetitions per variant; the median is reported")
    p.add_argument("--seed", type=int, default=7)
    return p


@contextlib.contextmanager
def services() -> Iterator[dict]:
    """PostgreSQL + Redis: the ones in the environment, or throwaway ones (torn down afterwards)."""
    os.environ.update({k: v for k, v in BENCH_ENV.items() if k not in os.environ})
    if os.environ.get("DATABASE_URL"):
        yield {"DATABASE_URL": os.environ["DATABASE_URL"], "REDIS_URL": os.environ.get("REDIS_URL", "")}
        return
    out = subprocess.run(
        ["bash", str(ROOT / "scripts/services.sh"), "start", "smartcampus-bench"],
        check=True,
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    ).stdout
    found = dict(line.split("=", 1) for line in out.splitlines() if "=" in line)
    media = tempfile.mkdtemp(prefix="smartcampus-bench-media-")
    os.environ.update(DATABASE_URL=found["DATABASE_URL"], REDIS_URL=found["REDIS_URL"], MEDIA_ROOT=media)
    try:
        yield found
    finally:
        subprocess.run(["bash", str(ROOT / "scripts/services.sh"), "stop", found["SERVICES_WORK"]], cwd=ROOT)
        subprocess.run(["rm", "-rf", media])


# The project package first, then its settings: the package's Celery app reads settings when it is
# imported, so a settings module that is itself the first to import the package (bench.settings)
# would be read half-imported. gunicorn (smartcampus.wsgi) and celery (-A smartcampus) import the
# package first by themselves; manage.py and the measuring processes go through these two.
MANAGE = (
    "import sys, smartcampus; from django.core.management import execute_from_command_line; "
    "execute_from_command_line(['manage.py', *sys.argv[1:]])"
)


def django_setup() -> None:
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    os.environ.update({k: v for k, v in BENCH_ENV.items() if k not in os.environ})
    import django

    import smartcampus  # noqa: F401 — see MANAGE

    django.setup()


def manage(*args: str) -> None:
    subprocess.run([PYTHON, "-c", MANAGE, *args], check=True, cwd=ROOT, stdout=subprocess.DEVNULL)


def prepare_city(*, schools: int, seed: int, framework: str = "beijing-k12") -> dict[str, float]:
    """Migrate, load the frameworks and seed + fill a city of `schools` schools (grows an existing one).
    Returns the seconds each step took (migrate, load_frameworks, seed_demo, vacuum_analyze)."""
    steps: dict[str, float] = {}

    def step(name: str, fn: Callable[[], object]) -> None:
        start = time.perf_counter()
        fn()
        steps[name] = time.perf_counter() - start

    step("migrate", lambda: manage("migrate", "-v0"))
    step("load_frameworks", lambda: manage("load_frameworks"))
    step(
        "seed_demo",
        lambda: manage(
            "seed_demo",
            "--schools",
            str(schools),
            "--campaign",
            framework,
            "--fill",
            "--quiet",
            "--seed",
            str(seed),
        ),
    )
    django_setup()
    from django.db import connection

    def vacuum() -> None:
        with connection.cursor() as cursor:  # fresh statistics, as autovacuum would have after a while
            cursor.execute("VACUUM ANALYZE")

    step("vacuum_analyze", vacuum)
    return steps


def city_campaign(framework: str = "beijing-k12"):
    from assessments.models import Campaign

    return Campaign.objects.select_related("framework", "region").get(
        framework__code=framework, title__startswith="2026"
    )


# --- measuring ------------------------------------------------------------------------------------


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def timed(fn: Callable[[], object], *, repeat: int = 1) -> tuple[float, list[float], object]:
    """(median seconds, all samples, last result)."""
    samples, result = [], None
    for _ in range(max(1, repeat)):
        start = time.perf_counter()
        result = fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples), samples, result


def in_subprocess(module: str, function: str, **kwargs) -> dict:
    """Run `module.function(**kwargs)` in a fresh Python process (Django set up there) and return its
    dict, with `rss_before_mb` (after set-up, before the call) and `peak_rss_mb` added."""
    code = (
        "import json, sys; from bench import _common as c; c.django_setup(); "
        f"import {module} as m; before = c.peak_rss_mb(); "
        f"r = m.{function}(**json.loads(sys.argv[1])); "
        "r.update(rss_before_mb=round(before, 1), peak_rss_mb=round(c.peak_rss_mb(), 1)); "
        "print('@@RESULT@@' + json.dumps(r, default=str))"
    )
    out = subprocess.run(
        [PYTHON, "-c", code, json.dumps(kwargs)], check=True, cwd=ROOT, stdout=subprocess.PIPE, text=True
    ).stdout
    line = next(line for line in out.splitlines() if line.startswith("@@RESULT@@"))
    return json.loads(line.removeprefix("@@RESULT@@"))


# --- reporting ------------------------------------------------------------------------------------


def machine() -> dict:
    cpu = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    pg = ""
    with contextlib.suppress(Exception):
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            pg = cursor.fetchone()[0]
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "ram_gb": round(mem_gb, 1),
        "python": platform.python_version(),
        "postgresql": pg,
        "platform": platform.platform(),
    }


def table(rows: list[dict], columns: list[tuple[str, str]], title: str = "") -> str:
    """A plain-text table; columns are (key, header)."""

    def fmt(v) -> str:
        if isinstance(v, float):
            return f"{v:.3f}" if abs(v) < 100 else f"{v:.1f}"
        return "" if v is None else str(v)

    cells = [[fmt(r.get(k)) for k, _h in columns] for r in rows]
    widths = [
        max(len(h), *(len(c[i]) for c in cells)) if cells else len(h) for i, (_k, h) in enumerate(columns)
    ]
    lines = [title] if title else []
    lines.append("  ".join(h.ljust(w) for (_k, h), w in zip(columns, widths, strict=True)))
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in cells]
    return "\n".join(lines)


def emit(result: dict, json_out: str | None, text: str) -> None:
    print(text)
    if json_out:
        Path(json_out).write_text(json.dumps(result, indent=2, ensure_ascii=False, default=str))
        print(f"\nJSON: {json_out}")
