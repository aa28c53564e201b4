"""A large city's dashboard is computed by a worker, never inside the request: what a commission user
sees on the first visit (「正在计算」), after a school saves (the previous figures and when they
were computed, while a task recomputes), once the worker is done, and when the broker is down.
"Large" is a scope of more schools than DASHBOARD_INLINE_MAX_SCHOOLS; the test city has three, so
the threshold is lowered to one here."""

from __future__ import annotations

from unittest import mock

import pytest
from django.urls import reverse
from django.utils.translation import get_language

from reports.dashboard import dashboard_refresh

from ..assessments.conftest import make_campaign
from ..factories import small_points_framework
from .conftest import fill_answers
from .test_dashboard_cache import STARTED, save_first_answer, visit

pytestmark = pytest.mark.usefixtures("large_city")


@pytest.fixture
def campaign(world):
    """City A, schools a1 and a1b answered, a2 (district A2) not started."""
    campaign = make_campaign(world, small_points_framework())
    fill_answers(campaign, seed=7, skip={world.school_a2.pk})
    return campaign


@pytest.fixture
def large_city(settings):
    settings.DASHBOARD_INLINE_MAX_SCHOOLS = 1


@pytest.fixture
def enqueued():
    """The task's `delay`, recorded instead of sent: the tests run the worker's side themselves."""
    with mock.patch("reports.tasks.dashboard_refresh_task.delay") as delay:
        yield delay.call_args_list


def run_worker(calls) -> None:
    """What the worker does with the last enqueued task."""
    campaign_id, user_id, language = calls[-1].args
    assert dashboard_refresh(campaign_id=campaign_id, user_id=user_id, language=language)


def page(client, campaign) -> str:
    response = client.get(reverse("reports:dashboard") + f"?campaign={campaign.pk}")
    assert response.status_code == 200
    return response.content.decode()


def test_first_visit_enqueues_and_says_the_figures_are_being_computed(world, client_for, campaign, enqueued):
    client = client_for("commission")
    html = page(client, campaign)
    assert "正在计算" in html and not STARTED.search(html)
    assert [c.args for c in enqueued] == [(campaign.pk, world.users["commission"].pk, get_language())]

    page(client, campaign)  # a second visit while the worker is busy: no second task
    assert len(enqueued) == 1

    run_worker(enqueued)
    started, _at, _q, _html = visit(client, campaign)
    assert started == 2
    assert len(enqueued) == 1  # current figures: nothing enqueued


def test_a_changed_version_shows_the_previous_figures_with_their_time_and_enqueues(
    world, client_for, campaign, enqueued
):
    client = client_for("commission")
    page(client, campaign)
    run_worker(enqueued)
    started, computed_at, cached_queries, _html = visit(client, campaign)

    save_first_answer(world, campaign)
    started_now, at_now, queries, _html = visit(client, campaign)
    assert (started_now, at_now) == (started, computed_at)  # the previous figures, with their time
    assert queries <= cached_queries + 1  # nothing computed in the request: one count of its size
    assert len(enqueued) == 2

    run_worker(enqueued)
    started_now, at_now, _q, _html = visit(client, campaign)
    assert started_now == started + 1 and at_now != computed_at


def test_figures_past_their_time_stay_on_the_page_while_a_worker_recomputes(
    world, client_for, campaign, enqueued, monkeypatch, settings
):
    """No change for longer than the figures count as current: the page goes on showing them, with
    their time, while a task recomputes them; it never falls back to 「正在计算」."""
    import datetime

    from django.utils import timezone

    client = client_for("commission")
    page(client, campaign)
    run_worker(enqueued)
    started, computed_at, _q, _html = visit(client, campaign)
    later = timezone.now() + datetime.timedelta(seconds=settings.DASHBOARD_CACHE_SECONDS + 1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    started_now, at_now, _q, html = visit(client, campaign)
    assert (started_now, at_now) == (started, computed_at) and "正在计算" not in html
    assert len(enqueued) == 2
    run_worker(enqueued)  # the aged figures are not taken for current ones
    started_now, at_now, _q, _html = visit(client, campaign)
    assert started_now == started and at_now != computed_at  # the same figures, computed afresh
    assert len(enqueued) == 2  # current again: nothing more enqueued


def test_the_worker_skips_figures_that_are_already_current(world, client_for, campaign, enqueued):
    client = client_for("commission")
    page(client, campaign)
    run_worker(enqueued)
    assert not dashboard_refresh(
        campaign_id=campaign.pk, user_id=world.users["commission"].pk, language=get_language()
    )


def test_with_tasks_run_in_process_the_first_visit_shows_the_figures(world, client_for, campaign):
    started, _at, _q, _html = visit(client_for("commission"), campaign)
    assert started == 2


def test_an_unreachable_broker_computes_in_the_request(world, client_for, campaign):
    with mock.patch("reports.tasks.dashboard_refresh_task.delay", side_effect=ConnectionError("broker down")):
        started, _at, _q, _html = visit(client_for("commission"), campaign)
    assert started == 2


def test_a_small_scope_is_computed_in_the_request(world, client_for, campaign, enqueued, settings):
    settings.DASHBOARD_INLINE_MAX_SCHOOLS = 300
    client = client_for("commission")
    started, _at, _q, _html = visit(client, campaign)
    save_first_answer(world, campaign)
    assert visit(client, campaign)[0] == started + 1
    assert enqueued == []


def test_the_statistics_api_answers_202_while_computing(world, client_for, campaign, enqueued):
    client = client_for("commission")
    url = reverse("api-statistics-detail", args=[campaign.pk])
    response = client.get(url)
    assert response.status_code == 202 and response["Retry-After"]
    run_worker(enqueued)
    response = client.get(url)
    assert response.status_code == 200
