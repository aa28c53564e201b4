"""「上年整改事项」: the school's items still open from an earlier round of the same standard appear on
this year's page of the same item, with their state, due date and a link, in one query."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from assessments import services as assessment_services
from assessments.models import Assessment
from rectification import services

from .conftest import finalise


@pytest.fixture
def next_year(world, campaign, item):
    """This year's round, copied from last year's (its `predecessor`), with last year's item confirmed."""
    return assessment_services.campaign_copy_next_year(
        campaign=campaign, acting_user=world.users["commission"]
    )


def item_page(client, campaign, school, code):
    assessment = Assessment.objects.get(campaign=campaign, school=school)
    return client.get(reverse("assessments:assessment-item", args=[assessment.pk, code]))


def test_an_open_item_of_last_year_shows_on_this_years_item_page(world, client_for, item, next_year):
    for role in ("cio", "reviewer", "commission"):
        page = item_page(client_for(role), next_year, world.school_a1, "1.2")
        assert page.status_code == 200
        html = page.content.decode()
        assert "上年整改事项" in html, role
        assert reverse("rectification:item", args=[item.pk]) in html
        assert "待制定方案" in html and item.due_date.strftime("%Y-%m-%d") in html
    # another item of the same school, the same item of another school: nothing carried over
    assert (
        "上年整改事项" not in item_page(client_for("cio"), next_year, world.school_a1, "1.1").content.decode()
    )
    other = item_page(client_for("reviewer"), next_year, world.school_a1b, "1.2").content.decode()
    assert "上年整改事项" not in other


def test_a_verified_or_waived_item_is_not_carried_over(world, client_for, item, next_year):
    services.rectification_waive(
        item=item, acting_user=world.users["reviewer"], version=item.version, reason="理由"
    )
    assert (
        "上年整改事项" not in item_page(client_for("cio"), next_year, world.school_a1, "1.2").content.decode()
    )


def test_an_earlier_year_of_the_same_framework_counts_without_a_predecessor(
    world, client_for, campaign, item
):
    later = assessment_services.campaign_create(
        framework=campaign.framework,
        year=campaign.year + 2,
        title="后年的自评",
        region=world.city_a,
        self_deadline=timezone.now() + datetime.timedelta(days=30),
        review_deadline=timezone.now() + datetime.timedelta(days=60),
        schools=[world.school_a1],
        acting_user=world.users["commission"],
    )
    assert later.predecessor_id is None
    cio = client_for("cio")
    assert "上年整改事项" in item_page(cio, later, world.school_a1, "1.2").content.decode()
    # last year's page itself does not list its own items as carried over
    assert "上年整改事项" not in item_page(cio, campaign, world.school_a1, "1.2").content.decode()


def test_the_item_page_asks_a_bounded_number_of_queries_for_it(
    world, client_for, next_year, django_assert_max_num_queries
):
    """One cheap query finds the codes with open items elsewhere; only an item that has one reads
    them through the user's scope: one query without, two with, whatever the number of items."""
    client = client_for("cio")
    assessment = Assessment.objects.get(campaign=next_year, school=world.school_a1)
    counts = {}
    for code, expected in (("1.1", 1), ("1.2", 2)):  # nothing carried over / last year's open item
        with django_assert_max_num_queries(20) as ctx:
            url = reverse("assessments:assessment-item", args=[assessment.pk, code])
            assert client.get(url).status_code == 200
        counts[code] = len(ctx)
        asked = [q["sql"] for q in ctx.captured_queries if "rectification_" in q["sql"]]
        assert len(asked) == expected, asked
    assert counts["1.2"] == counts["1.1"] + 1, counts


def test_a_list_confirmed_empty_carries_nothing(world, client_for, campaign):
    """Last year's review asked for nothing (the list was confirmed empty): nothing shows."""
    from ..factories import fill_and_submit

    assessment = Assessment.objects.get(campaign=campaign, school=world.school_a1)
    fill_and_submit(assessment, world.users["cio"], score="3")
    finalise(assessment, world.users["reviewer"])
    services.rectification_confirm(assessment=assessment, acting_user=world.users["reviewer"], items=[])
    following = assessment_services.campaign_copy_next_year(
        campaign=campaign, acting_user=world.users["commission"]
    )
    assert (
        "上年整改事项" not in item_page(client_for("cio"), following, world.school_a1, "1.2").content.decode()
    )
