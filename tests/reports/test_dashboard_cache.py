"""The dashboard is computed once per campaign data version and scope: what a commission user sees
on the second visit, after a school saves, while another request recomputes, and with no cache."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessments import services
from assessments.models import ItemResponse, Role
from assessments.scoping import get_scope
from assessments.selectors import assessment_list
from reports.dashboard import _key as dashboard_key
from reports.dashboard import dashboard_parts
from smartcampus.settings.base import cache_settings
from tests.factories import MembershipFactory, UserFactory, small_points_framework

from ..assessments.conftest import make_campaign
from .conftest import fill_answers

STARTED = re.compile(r"已开始填报 (\d+) 所")
COMPUTED_AT = re.compile(r'<time datetime="([^"]+)"')


@pytest.fixture
def campaign(world):
    """City A, schools a1 and a1b answered, a2 (district A2) not started."""
    campaign = make_campaign(world, small_points_framework())
    fill_answers(campaign, seed=7, skip={world.school_a2.pk})
    return campaign


def visit(client, campaign):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("reports:dashboard") + f"?campaign={campaign.pk}")
    assert response.status_code == 200
    html = response.content.decode()
    return int(STARTED.search(html).group(1)), COMPUTED_AT.search(html).group(1), len(queries), html


def save_first_answer(world, campaign):
    """The CIO of a2 answers its first item (through the service, as the page does)."""
    response = (
        ItemResponse.objects.filter(assessment__campaign=campaign, assessment__school=world.school_a2)
        .select_related("node")
        .order_by("node__position")
        .first()
    )
    services.response_update(
        response=response, acting_user=world.users["other_cio"], version=response.version, self_score="1"
    )


def test_second_visit_is_served_from_cache_until_a_school_saves(world, client_for, campaign):
    client = client_for("commission")
    started, computed_at, computed_queries, _html = visit(client, campaign)
    assert started == 2
    again = visit(client, campaign)
    assert again[:2] == (2, computed_at)  # the same figures, computed at the same moment
    assert again[2] < computed_queries  # and without the aggregate queries

    save_first_answer(world, campaign)
    started, new_computed_at, queries, _html = visit(client, campaign)
    assert started == 3 and new_computed_at != computed_at
    assert queries == computed_queries  # recomputed


def test_figures_kept_by_the_process_last_no_longer_than_the_shared_cache_keeps_them(
    world, client_for, campaign, monkeypatch, settings
):
    """A change whose version bump was lost (the cache unreachable at that moment) shows once the
    cached figures' time-to-live has passed, in the process that served them as in any other."""
    import datetime

    from django.core.cache import cache
    from django.utils import timezone

    from assessments import freshness

    client = client_for("commission")
    started, computed_at, _q, _h = visit(client, campaign)
    monkeypatch.setattr(freshness, "_bump", lambda *args: None)
    save_first_answer(world, campaign)
    assert visit(client, campaign)[:2] == (started, computed_at)  # no bump: the same figures
    later = timezone.now() + datetime.timedelta(seconds=settings.DASHBOARD_CACHE_SECONDS + 1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    assert cache.get(dashboard_key(campaign, get_scope(world.users["commission"]))), "kept past its time"
    assert visit(client, campaign)[0] == started + 1


def test_a_submission_and_a_review_verdict_refresh_the_figures(world, client_for, campaign):
    client = client_for("commission")
    _s, first, _q, _h = visit(client, campaign)
    for r in ItemResponse.objects.filter(assessment__campaign=campaign, assessment__school=world.school_a2):
        services.response_update(
            response=r, acting_user=world.users["other_cio"], version=r.version, self_score="1"
        )
    _s, second, _q, _h = visit(client, campaign)
    assessment = campaign.assessments.get(school=world.school_a2)
    services.assessment_submit(assessment=assessment, acting_user=world.users["other_cio"])
    _s, third, _q, html = visit(client, campaign)
    assert len({first, second, third}) == 3
    assert "暂无评审" in html

    response = assessment.responses.order_by("node__position").first()
    services.verdict_save(
        response=response,
        acting_user=world.users["other_reviewer"],
        version=response.version,
        verdict="accept",
        score="1",
    )
    _s, fourth, _q, _h = visit(client, campaign)
    assert fourth != third


def test_users_share_figures_only_when_their_scopes_are_the_same(world, client_for, campaign):
    _s, _at, computed_queries, html = visit(client_for("commission"), campaign)
    assert "甲二区" in html

    # a colleague on the same commission: same schools, same cached figures
    colleague = UserFactory(username="commission_colleague")
    MembershipFactory(user=colleague, role=Role.COMMISSION, region=world.city_a)
    from django.test import Client

    client = Client()
    client.force_login(colleague)
    _s, _at, queries, _html = visit(client, campaign)
    assert queries < computed_queries

    # the A1 reviewer: a narrower scope never gets the city's figures
    _s, _at, _q, html = visit(client_for("reviewer"), campaign)
    assert "甲二区" not in html and "甲一区" in html


def test_while_one_request_recomputes_the_others_get_the_previous_figures(world, campaign):
    from django.core.cache import cache

    user = world.users["commission"]
    scope = get_scope(user)

    def parts():
        return dashboard_parts(
            campaign=campaign, assessments=assessment_list(user=user).filter(campaign=campaign), scope=scope
        )

    before = parts()
    save_first_answer(world, campaign)
    lock = f"{dashboard_key(campaign, scope)}:lock"
    assert cache.add(lock, 1)  # as if another request were computing right now
    with CaptureQueriesContext(connection) as queries:
        during = parts()
    assert len(queries) == 0
    assert during["computed_at"] == before["computed_at"] and during["board"].started_count == 2
    cache.delete(lock)
    after = parts()
    assert after["board"].started_count == 3 and after["computed_at"] > before["computed_at"]


def test_without_a_reachable_cache_pages_and_saves_still_work(world, client_for, campaign, settings):
    settings.CACHES = cache_settings("redis://127.0.0.1:9/0")  # nothing listens on port 9
    client = client_for("commission")
    started, _at, _q, _html = visit(client, campaign)
    assert started == 2
    save_first_answer(world, campaign)  # the version bump fails quietly; the answer is saved
    assert ItemResponse.objects.filter(assessment__school=world.school_a2, self_score=1).exists()
    started, _at, _q, _html = visit(client, campaign)
    assert started == 3
