"""The dashboard's figures (outcome cards, charts, distributions, progress and results tables) are
rendered once per computation of its parts and cached: a second visit renders nothing, a change
through a service gives new parts and new HTML on the next visit, the language is part of the key,
and without a reachable cache the figures are rendered on every visit."""

# ruff: noqa: F811 — the fixture `campaign` is imported by name and requested as an argument

from __future__ import annotations

import pytest
from django.conf import settings as django_settings
from django.urls import reverse

from reports import dashboard
from smartcampus.settings.base import cache_settings

from .test_dashboard_cache import campaign, save_first_answer  # noqa: F401


@pytest.fixture
def renders(monkeypatch):
    calls = []
    render = dashboard.render_to_string

    def counting(name, context=None, *args, **kwargs):
        if name == "reports/_dashboard_figures.html":
            calls.append(name)
        return render(name, context, *args, **kwargs)

    monkeypatch.setattr(dashboard, "render_to_string", counting)
    return calls


def progress(client, campaign) -> str:
    html = client.get(reverse("reports:dashboard") + f"?campaign={campaign.pk}").content.decode()
    start = html.index('data-testid="progress-table"')
    return html[start : html.index("</table>", start)]


def test_figures_are_rendered_once_per_computation(world, client_for, campaign, renders):
    client = client_for("commission")
    first = progress(client, campaign)
    assert renders == ["reports/_dashboard_figures.html"]
    assert progress(client, campaign) == first and len(renders) == 1  # from the cache
    save_first_answer(world, campaign)
    changed = progress(client, campaign)
    assert changed != first and len(renders) == 2
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    progress(client, campaign)
    assert len(renders) == 3  # another language: its own rendering


def test_without_a_reachable_cache_the_figures_are_rendered_each_time(
    world,
    client_for,
    campaign,
    renders,
    settings,
):
    settings.CACHES = cache_settings("redis://127.0.0.1:9/0")  # nothing listens on port 9
    client = client_for("commission")
    first = progress(client, campaign)
    assert progress(client, campaign) == first and len(renders) == 2
    save_first_answer(world, campaign)
    assert progress(client, campaign) != first
