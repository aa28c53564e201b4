"""A finalised points assessment of school a1 in a city-A campaign with a result rule, a visit of it
and a publication, built through the real services."""

from __future__ import annotations

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from assessments import services as assessment_services
from assessments.models import Assessment
from inspections import services
from tests.samples import image_bytes, pdf_bytes

from ..assessments.conftest import make_campaign
from ..factories import fill_and_submit, small_points_framework
from ..rectification.conftest import finalise


def png(name: str = "现场照片.png", color: str = "red") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, image_bytes("PNG", color), content_type="image/png")


def pdf(name: str = "核验单.pdf", tag: str = "") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, pdf_bytes(tag), content_type="application/pdf")


@pytest.fixture
def campaign(world):
    campaign = make_campaign(world, small_points_framework())
    assessment_services.rule_save(
        campaign=campaign,
        acting_user=world.users["commission"],
        pass_rule="percent",
        pass_min_percent="60",
        grades=[{"label": "优秀", "min_percent": 85}, {"label": "合格", "min_percent": 0}],
    )
    return campaign


@pytest.fixture
def finalised(world, campaign) -> Assessment:
    assessment = Assessment.objects.get(campaign=campaign, school=world.school_a1)
    fill_and_submit(assessment, world.users["cio"], score="3")
    return finalise(assessment, world.users["reviewer"])


@pytest.fixture
def node_ids(finalised):
    return dict(finalised.responses.values_list("node__code", "node_id"))


@pytest.fixture
def visit(world, finalised, node_ids):
    return services.visit_schedule(
        assessment=finalised,
        acting_user=world.users["commission"],
        date=timezone.localdate() + datetime.timedelta(days=3),
        team_ids=[world.users["reviewer"].pk, world.users["commission"].pk],
        node_ids=[node_ids["1.2"], node_ids["2.1"]],
    )


@pytest.fixture
def accepted(world, finalised) -> Assessment:
    """School a1's result accepted by the city (a publication shows accepted results only)."""
    return assessment_services.acceptance_accept(assessment=finalised, acting_user=world.users["commission"])


@pytest.fixture
def publication(world, accepted):
    today = timezone.localdate()
    return services.publication_create(
        campaign=accepted.campaign,
        acting_user=world.users["commission"],
        visibility="public",
        fields=["show_pass"],
        window_start=today,
        window_end=today + datetime.timedelta(days=7),
    )
