"""Campaign fixtures on top of the shared `world`: a small points and a small compliance framework,
each with a campaign of city A (schools a1, a1b, a2) created through the real service."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from assessments import services
from assessments.models import Assessment, School

from ..factories import small_compliance_framework, small_points_framework


def make_campaign(world, framework, *, schools=None, days=30, title="2026年甲市智慧校园自评"):
    return services.campaign_create(
        framework=framework,
        year=2026,
        title=title,
        region=world.city_a,
        self_deadline=timezone.now() + datetime.timedelta(days=days),
        review_deadline=timezone.now() + datetime.timedelta(days=days + 30),
        schools=schools
        if schools is not None
        else School.objects.filter(region__path__startswith=world.city_a.path).select_related("region"),
        acting_user=world.users["commission"],
    )


@pytest.fixture
def points_campaign(world):
    return make_campaign(world, small_points_framework())


@pytest.fixture
def compliance_campaign(world):
    return make_campaign(world, small_compliance_framework(), title="2026年甲市达标自评")


@pytest.fixture
def points_assessment(world, points_campaign) -> Assessment:
    return Assessment.objects.get(campaign=points_campaign, school=world.school_a1)


@pytest.fixture
def compliance_assessment(world, compliance_campaign) -> Assessment:
    return Assessment.objects.get(campaign=compliance_campaign, school=world.school_a1)


def response(assessment, code):
    return assessment.responses.select_related("node", "assessment").get(node__code=code)


@pytest.fixture
def submitted(world, points_assessment):
    """The CIO's assessment, every item answered and submitted (what reviewers work on)."""
    from ..factories import fill_and_submit

    return fill_and_submit(points_assessment, world.users["cio"])
