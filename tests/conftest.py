"""Shared fixtures: a small two-city world and a logged-in client per role.

world:   city A (district A1 with schools a1, a1b; district A2 with school a2)
         city B (district B1 with school b1)
roles:   cio (a1), other_cio (a2), reviewer (A1), other_reviewer (A2), commission (city A),
         other_commission (city B), anonymous.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.test import Client

from assessments.models import Region, Role

from .factories import PASSWORD, MembershipFactory, RegionFactory, SchoolFactory, UserFactory


@dataclass
class World:
    city_a: Region
    city_b: Region
    district_a1: Region
    district_a2: Region
    district_b1: Region
    school_a1: object
    school_a1b: object
    school_a2: object
    school_b1: object
    users: dict


@pytest.fixture(autouse=True)
def _empty_cache():
    """Every test starts with an empty cache: cached figures belong to the test that computed them."""
    from django.core.cache import cache

    from indicators.selectors import clear_node_cache

    cache.clear()
    clear_node_cache()
    yield


@pytest.fixture
def world(db) -> World:
    city_a = RegionFactory(code="110000", name="甲市", level=Region.Level.CITY)
    city_b = RegionFactory(code="370300", name="乙市", level=Region.Level.CITY)
    a1 = RegionFactory(code="110108", name="甲一区", parent=city_a)
    a2 = RegionFactory(code="110105", name="甲二区", parent=city_a)
    b1 = RegionFactory(code="370303", name="乙一区", parent=city_b)
    s_a1 = SchoolFactory(code="S-A1", name="甲一区第一小学", region=a1)
    s_a1b = SchoolFactory(code="S-A1B", name="甲一区第二中学", region=a1)
    s_a2 = SchoolFactory(code="S-A2", name="甲二区实验学校", region=a2)
    s_b1 = SchoolFactory(code="S-B1", name="乙一区第一中学", region=b1)
    users = {
        "cio": MembershipFactory(user=UserFactory(username="cio"), role=Role.SCHOOL_CIO, school=s_a1).user,
        "other_cio": MembershipFactory(
            user=UserFactory(username="other_cio"), role=Role.SCHOOL_CIO, school=s_a2
        ).user,
        "reviewer": MembershipFactory(
            user=UserFactory(username="reviewer"), role=Role.REVIEWER, region=a1
        ).user,
        "other_reviewer": MembershipFactory(
            user=UserFactory(username="other_reviewer"), role=Role.REVIEWER, region=a2
        ).user,
        "commission": MembershipFactory(
            user=UserFactory(username="commission"), role=Role.COMMISSION, region=city_a
        ).user,
        "other_commission": MembershipFactory(
            user=UserFactory(username="other_commission"), role=Role.COMMISSION, region=city_b
        ).user,
    }
    return World(city_a, city_b, a1, a2, b1, s_a1, s_a1b, s_a2, s_b1, users)


ROLES = ("anonymous", "cio", "other_cio", "reviewer", "other_reviewer", "commission", "other_commission")


@pytest.fixture
def client_for(world):
    """`client_for("reviewer")` → a Django test client logged in as that role (or anonymous)."""

    def make(role: str) -> Client:
        client = Client()
        if role != "anonymous":
            client.force_login(world.users[role])
        return client

    return make


@pytest.fixture
def login_password() -> str:
    return PASSWORD


# --- Real services ------------------------------------------------------------------------------
# scripts/test.sh (`make test`) starts PostgreSQL and Redis and sets SMARTCAMPUS_REAL_SERVICES=1.
# Without them (a laptop without the servers) these tests are skipped with the reason below and
# test.sh prints that the real-services tests did not run; under CI=true test.sh refuses to run.
import os  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

REAL_SERVICES = os.environ.get("SMARTCAMPUS_REAL_SERVICES") == "1"
requires_services = pytest.mark.skipif(
    not REAL_SERVICES,
    reason="真实服务未启动（PostgreSQL/Redis）：请安装 postgresql 与 redis-server 后运行 make test",
)


@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup, django_db_blocker):
    """A real `celery worker` process on the real Redis broker, using the test database."""
    if not REAL_SERVICES:
        pytest.skip("真实服务未启动：Celery worker 测试需要 Redis（make test 会自动启动）")
    from django.conf import settings

    db = settings.DATABASES["default"]
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "smartcampus.settings.test",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
    }
    log = open(Path("test-artifacts") / "celery-worker.log", "w")
    proc = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("celery")),
            "-A",
            "smartcampus",
            "worker",
            "--loglevel=INFO",
            "--concurrency=2",
            "--pool=prefork",
            "--hostname=test-worker@%h",
            "--without-gossip",
            "--without-mingle",
            "--prefetch-multiplier=1",
            # test-only behaviour of this worker process (monkeypatching, not production hooks)
            "--include=tests.reports.worker_patches",
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    from smartcampus.celery import app

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"celery worker exited with {proc.returncode}; see test-artifacts/celery-worker.log")
        if app.control.ping(timeout=1):
            break
    else:
        proc.kill()
        pytest.fail("celery worker did not answer a ping within 60 s")
    yield proc
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


@pytest.fixture
def real_celery(celery_worker_process, settings):
    """Send tasks through the broker instead of running them in-process, for one test."""
    from smartcampus.celery import app

    app.conf.task_always_eager = False
    settings.CELERY_TASK_ALWAYS_EAGER = False
    yield app
    app.conf.task_always_eager = True
