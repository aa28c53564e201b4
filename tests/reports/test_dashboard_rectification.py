"""The dashboard's rectification card counts in the database what the ledger counts item by item:
the same districts in the same order, the same counts and the same oldest overdue items, for every
scope and any day (overdue depends on it), and a state changed through the services shows at once."""

# ruff: noqa: F811 — the rectification fixtures are imported by name and requested as arguments

from __future__ import annotations

import datetime

from django.urls import reverse
from django.utils import timezone

from assessments.models import Assessment
from assessments.selectors import assessment_list
from rectification import services as rectification_services
from rectification.models import RectificationItem, RectificationSource, RectificationState
from rectification.selectors import rectification_ledger
from reports.selectors import dashboard_rectification
from tests.factories import fill_and_submit
from tests.rectification.conftest import campaign, finalise  # noqa: F401 — fixtures


def _items(assessment, reviewer, days: list[int]):
    nodes = assessment.responses.order_by("node__position").values_list("node_id", "node__code")
    items = [
        {
            "node": node,
            "source": RectificationSource.LOW_SCORE,
            "problem": f"问题 {code}",
            "action": "整改",
            "due_date": timezone.localdate() + datetime.timedelta(days=d),
        }
        for (node, code), d in zip(nodes, days, strict=False)
    ]
    return rectification_services.rectification_confirm(
        assessment=assessment, acting_user=reviewer, items=items
    )


def test_the_card_equals_the_ledger_for_every_scope_and_day(world, campaign, client_for):
    a1 = Assessment.objects.get(campaign=campaign, school=world.school_a1)
    a2 = Assessment.objects.get(campaign=campaign, school=world.school_a2)
    fill_and_submit(a1, world.users["cio"], score="2")
    fill_and_submit(a2, world.users["other_cio"], score="2")
    finalise(a1, world.users["reviewer"])
    finalise(a2, world.users["other_reviewer"])
    first = _items(a1, world.users["reviewer"], [30, 10, 10, 60])
    _items(a2, world.users["other_reviewer"], [5, 90, 20])
    RectificationItem.objects.filter(pk=first[0].pk).update(state=RectificationState.VERIFIED)
    RectificationItem.objects.filter(pk=first[3].pk).update(state=RectificationState.WAIVED)
    today = timezone.localdate()
    days = [None, today + datetime.timedelta(days=15), today + datetime.timedelta(days=400)]
    for role in ("commission", "reviewer", "other_reviewer", "other_commission", "cio"):
        scoped = assessment_list(user=world.users[role]).filter(campaign=campaign)
        for day in days:
            ledger = rectification_ledger(campaign=campaign, assessments=scoped, today=day)
            card = dashboard_rectification(user=world.users[role], campaign=campaign, today=day)
            assert card.rows == bool(ledger.rows), (role, day)
            assert card.by_district == ledger.by_district(), (role, day)
    late = dashboard_rectification(user=world.users["commission"], campaign=campaign, today=days[-1])
    assert [(d.district, d.open, d.overdue, d.verified, d.waived, d.total) for d in late.by_district] == [
        (world.school_a2.region.name, 3, 3, 0, 0, 3),  # region path order: 110105 before 110108
        (world.school_a1.region.name, 2, 2, 1, 1, 4),
    ]
    assert len(late.by_district[0].oldest_overdue) == 3

    page = client_for("commission").get(reverse("reports:dashboard") + f"?campaign={campaign.pk}")
    html = page.content.decode()
    assert 'data-testid="rectification-table"' in html
    assert f'data-district="{world.school_a2.region.name}"' in html


def test_the_card_is_rendered_once_per_content_and_language(world, campaign, client_for, monkeypatch):
    from django.conf import settings

    from reports import dashboard

    rendered = []
    render = dashboard.render_to_string

    def counting(name, context=None, *args, **kwargs):
        html = render(name, context, *args, **kwargs)
        if name == "rectification/_dashboard_card.html":
            rendered.append(html)
        return html

    monkeypatch.setattr(dashboard, "render_to_string", counting)
    a1 = Assessment.objects.get(campaign=campaign, school=world.school_a1)
    fill_and_submit(a1, world.users["cio"], score="2")
    finalise(a1, world.users["reviewer"])
    late, _later = _items(a1, world.users["reviewer"], [10, 20])
    RectificationItem.objects.filter(pk=late.pk).update(
        due_date=timezone.localdate() - datetime.timedelta(days=3)
    )
    client = client_for("commission")
    url = reverse("reports:dashboard") + f"?campaign={campaign.pk}"

    def card(html: str) -> str:
        start = html.index('data-testid="rectification-table"')
        return html[start : html.index("</table>", start)]

    first = card(client.get(url).content.decode())
    assert len(rendered) == 1 and 'data-count="open">2<' in first and 'data-count="overdue">1<' in first
    assert card(client.get(url).content.decode()) == first and len(rendered) == 1  # the same counts
    # another user whose card shows the same: the same rendering
    client_for("reviewer").get(url)
    assert len(rendered) == 1
    late.refresh_from_db()
    rectification_services.rectification_waive(
        item=late, acting_user=world.users["reviewer"], version=late.version, reason="学校已撤并"
    )
    changed = card(client.get(url).content.decode())
    assert len(rendered) == 2 and 'data-count="waived">1<' in changed and 'data-count="overdue">0<' in changed
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = client.get(url).content.decode()
    assert len(rendered) == 3 and "整改情况" not in english[english.index("<main") :]


def _counting_cards(monkeypatch) -> list:
    from reports import selectors

    counted = []
    count = selectors.dashboard_rectification

    def counting(**kwargs):
        counted.append(kwargs["user"].username)
        return count(**kwargs)

    monkeypatch.setattr(selectors, "dashboard_rectification", counting)
    return counted


def test_the_card_is_counted_once_per_day_and_version_of_the_items(world, campaign, client_for, monkeypatch):
    """Counting reads every item of the scope: it is kept per scope and day until a service writes
    an item of the campaign (confirmed, added, moved to another state) or the campaign's data
    changes; the next day counts afresh (what is overdue changes with it)."""
    counted = _counting_cards(monkeypatch)
    a1 = Assessment.objects.get(campaign=campaign, school=world.school_a1)
    fill_and_submit(a1, world.users["cio"], score="2")
    finalise(a1, world.users["reviewer"])
    client = client_for("commission")
    url = reverse("reports:dashboard") + f"?campaign={campaign.pk}"

    def card():
        context = client.get(url).context
        return [
            (d.district, d.open, d.overdue, d.waived, d.total) for d in context["rectification"].by_district
        ]

    district = world.school_a1.region.name
    assert card() == [] and card() == [] and len(counted) == 1
    first, _second = _items(a1, world.users["reviewer"], [10, 20])  # confirmed
    assert card() == [(district, 2, 0, 0, 2)] and card() == [(district, 2, 0, 0, 2)] and len(counted) == 2
    node = a1.responses.order_by("-node__position").values_list("node_id", flat=True).first()
    rectification_services.rectification_item_add(  # added after an on-site visit
        assessment=a1,
        acting_user=world.users["reviewer"],
        node_id=node,
        source=RectificationSource.ONSITE,
        problem="现场核验发现的问题",
        action="整改",
        due_date=timezone.localdate() + datetime.timedelta(days=30),
    )
    assert card() == [(district, 3, 0, 0, 3)] and len(counted) == 3
    rectification_services.rectification_waive(  # another state
        item=first, acting_user=world.users["reviewer"], version=first.version, reason="学校已撤并"
    )
    assert card() == [(district, 2, 0, 1, 3)] and len(counted) == 4
    client_for("reviewer").get(url)  # another scope: counted for it
    assert len(counted) == 5
    later = timezone.localdate() + datetime.timedelta(days=25)
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: later)
    assert card() == [(district, 2, 1, 1, 3)] and len(counted) == 6  # the 20-day item is overdue by then


def test_without_a_reachable_cache_the_card_is_counted_on_every_visit(
    world, campaign, client_for, monkeypatch, settings
):
    from smartcampus.settings.base import cache_settings

    counted = _counting_cards(monkeypatch)
    a1 = Assessment.objects.get(campaign=campaign, school=world.school_a1)
    fill_and_submit(a1, world.users["cio"], score="2")
    finalise(a1, world.users["reviewer"])
    _items(a1, world.users["reviewer"], [10, 20])
    settings.CACHES = cache_settings("redis://127.0.0.1:9/0")  # nothing listens on port 9
    client = client_for("commission")
    url = reverse("reports:dashboard") + f"?campaign={campaign.pk}"
    for visit in (1, 2):
        page = client.get(url)
        assert page.status_code == 200 and 'data-count="open">2<' in page.content.decode()
        assert len(counted) == visit
