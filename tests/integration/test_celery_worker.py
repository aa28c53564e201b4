"""The real-services path: a task goes through Redis to a separate worker process and back."""

import os

from smartcampus.celery import ping
from tests.conftest import requires_services

pytestmark = requires_services


def test_task_round_trips_through_redis_to_a_real_worker(real_celery, transactional_db):
    result = ping.delay("你好，worker")
    answer = result.get(timeout=60)
    assert answer["pong"] == "你好，worker"
    assert answer["pid"] != os.getpid(), "the task must run in the worker process, not in the test"
    assert answer["db"] == "postgresql"


def test_worker_is_configured_for_long_jobs(real_celery):
    conf = real_celery.conf
    assert conf.task_acks_late is True
    assert conf.worker_prefetch_multiplier == 1
    assert conf.task_reject_on_worker_lost is True
    assert conf.task_time_limit > conf.task_soft_time_limit > 0
