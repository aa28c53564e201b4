"""The dashboard page's content is rendered once per everything it shows: a second visit renders
nothing, and whatever the page shows that changes (a campaign's title, a new campaign, the figures,
the language, the rectification card) shows on the next visit. The versions the page depends on are
read in one round trip to the cache, and the rectification card kept by the process is kept no
longer than the shared cache keeps it."""

# ruff: noqa: F811 — the fixture `campaign` is imported by name and requested as an argument

from __future__ import annotations

import datetime
import re

import pytest
from django.conf import settings as django_settings
from django.template import engines
from django.urls import reverse

from assessments.freshness import campaign_data_changed, campaign_data_version, campaign_data_versions
from assessments.models import Assessment, Campaign
from reports import views
from tests.assessments.test_years import last_year, two_years  # noqa: F401 — fixtures
from tests.factories import fill_and_submit, small_points_framework
from tests.rectification.conftest import finalise

from ..assessments.conftest import make_campaign
from .test_dashboard_cache import campaign, save_first_answer  # noqa: F401
from .test_dashboard_rectification import _items

OPTIONS = re.compile(r'<option value="(\d+)"\s+lang="zh-CN"(?: selected)?>([^<]*)</option>')


@pytest.fixture
def figures_rendered(monkeypatch):
    """The pages that rendered their content (the figures are its first input)."""
    calls = []
    figures = views.dashboard_figures

    def counting(parts):
        calls.append(parts["token"])
        return figures(parts)

    monkeypatch.setattr(views, "dashboard_figures", counting)
    return calls


def page(client, campaign=None) -> str:
    """The page's content (the shell around `<main>` carries the request's CSRF token)."""
    url = reverse("reports:dashboard") + (f"?campaign={campaign.pk}" if campaign else "")
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    return html[html.index("<main") : html.index("</main>")]


def test_the_content_is_rendered_once_until_something_it_shows_changes(
    world, client_for, campaign, figures_rendered
):
    client = client_for("commission")
    first = page(client, campaign)
    assert page(client, campaign) == first and len(figures_rendered) == 1

    # a campaign renamed where no service bumps any version: shown at once
    Campaign.objects.filter(pk=campaign.pk).update(title="2026年甲市智慧校园自评（更正）")
    renamed = page(client, campaign)
    assert (str(campaign.pk), "2026年甲市智慧校园自评（更正）") in OPTIONS.findall(renamed)
    assert len(figures_rendered) == 2

    # a new campaign is listed at once
    newer = make_campaign(world, small_points_framework(), title="2027年甲市智慧校园自评")
    Campaign.objects.filter(pk=newer.pk).update(year=2027)
    listed = OPTIONS.findall(page(client, campaign))
    assert listed[0] == (str(newer.pk), "2027年甲市智慧校园自评")
    assert (str(campaign.pk), "2026年甲市智慧校园自评（更正）") in listed

    # a school saves: new figures
    started = re.compile(r"已开始填报 (\d+) 所")
    before = int(started.search(page(client, campaign)).group(1))
    save_first_answer(world, campaign)
    assert int(started.search(page(client, campaign)).group(1)) == before + 1

    # another language: its own rendering
    rendered = len(figures_rendered)
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    english = page(client, campaign)
    assert len(figures_rendered) == rendered + 1 and "统计报表" not in english


def test_the_same_content_is_rendered_once_for_users_who_see_the_same(
    world, client_for, campaign, figures_rendered
):
    from django.test import Client

    from assessments.models import Role
    from tests.factories import MembershipFactory, UserFactory

    commission = page(client_for("commission"), campaign)
    colleague = UserFactory(username="commission_colleague")
    MembershipFactory(user=colleague, role=Role.COMMISSION, region=world.city_a)
    client = Client()
    client.force_login(colleague)
    same = page(client, campaign)
    assert len(figures_rendered) == 1 and same == commission
    page(client_for("reviewer"), campaign)  # a narrower scope: other figures, another rendering
    assert len(figures_rendered) == 2


def test_the_page_is_the_same_with_and_without_its_content_kept(world, client_for, campaign):
    """`{% dashboard_block %}` leaves the markup as written: the page rendered once per content is
    the page the template renders without it."""
    html = page(client_for("commission"), campaign)
    again = page(client_for("commission"), campaign)
    assert again == html
    source = (
        "{% load dashboard_blocks %}<main>\n  {% dashboard_block %}\n  <p>{{ a }}</p>\n"
        "{% enddashboard_block %}\n</main>"
    )
    plain = "<main>\n  <p>{{ a }}</p>\n</main>"
    engine = engines["django"]
    assert engine.from_string(source).render({"a": 1}) == engine.from_string(plain).render({"a": 1})


def test_the_rectification_card_kept_by_the_process_no_longer_than_the_shared_cache_keeps_it(
    world, client_for, monkeypatch, settings
):
    """An item written while the version bump was lost (the cache unreachable at that moment) shows
    once the card's time-to-live has passed, in the process that kept it as in any other."""
    from django.utils import timezone

    from assessments import freshness
    from rectification.models import RectificationItem

    campaign = make_campaign(world, small_points_framework())
    a1 = Assessment.objects.get(campaign=campaign, school=world.school_a1)
    fill_and_submit(a1, world.users["cio"], score="2")
    finalise(a1, world.users["reviewer"])
    _items(a1, world.users["reviewer"], [10, 20])
    client = client_for("commission")

    def open_count() -> str:
        html = page(client, campaign)
        return re.search(r'data-count="open">(\d+)<', html).group(1)

    assert open_count() == "2"
    monkeypatch.setattr(freshness, "_bump", lambda *args: None)
    RectificationItem.objects.filter(assessment=a1).first().delete()
    assert open_count() == "2"  # no bump: the same card
    later = timezone.now() + datetime.timedelta(seconds=settings.DASHBOARD_CACHE_SECONDS + 1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    assert open_count() == "1"


def test_the_versions_are_read_in_one_round_trip(world, campaign, monkeypatch):
    from django.core.cache import cache

    campaign_data_changed(campaign.pk)
    reads = []
    get_many = cache.get_many

    def counting(keys, *args, **kwargs):
        reads.append(list(keys))
        return get_many(keys, *args, **kwargs)

    monkeypatch.setattr(cache, "get_many", counting)
    other = campaign.pk + 10_000  # a campaign whose counters were never started
    found = campaign_data_versions((campaign.pk, "data"), (other, "rectification"))
    assert len(reads) == 1 and len(reads[0]) == 2
    assert found == {
        (campaign.pk, "data"): campaign_data_version(campaign.pk),
        (other, "rectification"): campaign_data_version(other, "rectification"),
    }
    assert found[(other, "rectification")] is not None  # started, as a single read starts it
    before = found[(campaign.pk, "data")]
    campaign_data_changed(campaign.pk)
    assert campaign_data_versions((campaign.pk, "data"))[(campaign.pk, "data")] != before


def test_without_a_reachable_cache_no_version_is_read(world, campaign, settings):
    from smartcampus.settings.base import cache_settings

    settings.CACHES = cache_settings("redis://127.0.0.1:9/0")  # nothing listens on port 9
    assert campaign_data_versions((campaign.pk, "data"), (campaign.pk, "rectification")) == {
        (campaign.pk, "data"): None,
        (campaign.pk, "rectification"): None,
    }


def test_the_year_comparison_shows_the_predecessors_year_as_it_is(world, two_years, client_for):
    """The predecessor comes with the campaign list (no query of its own), and its year as it is
    now, also where no service bumps a version."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for("commission")
    previous = two_years.predecessor
    assert 'data-testid="year-comparison"' in page(client, two_years)
    with CaptureQueriesContext(connection) as queries:
        html = page(client, two_years)
    assert f"（{previous.year} 年与 {two_years.year} 年" in html
    alone = f'FROM "assessments_campaign" WHERE "assessments_campaign"."id" = {previous.pk}'
    assert not [q for q in queries.captured_queries if alone in q["sql"]]
    Campaign.objects.filter(pk=previous.pk).update(year=2024)
    assert f"（2024 年与 {two_years.year} 年" in page(client, two_years)
