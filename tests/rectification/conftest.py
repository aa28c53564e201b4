"""A finalised points assessment of school a1 (reviewer of district A1 adjusted 1.2 down) and its
confirmed rectification list, built through the real services."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from assessments import services as assessment_services
from assessments.models import Assessment
from evidence.models import EvidenceFile
from rectification import selectors, services

from ..assessments.conftest import make_campaign, response
from ..factories import fill_and_submit, small_points_framework


def finalise(assessment, reviewer, *, adjust: dict[str, str] | None = None) -> Assessment:
    """Accept every item except those in `adjust` (code → reviewed score), then finalise."""
    adjust = adjust or {}
    for r in assessment.responses.select_related("node", "assessment"):
        if r.node.code in adjust:
            assessment_services.verdict_save(
                response=r,
                acting_user=reviewer,
                version=r.version,
                verdict="adjust",
                score=adjust[r.node.code],
                comment=f"{r.node.code}佐证材料不足",
            )
        else:
            assessment_services.verdict_save(
                response=r, acting_user=reviewer, version=r.version, verdict="accept"
            )
    return assessment_services.review_finalise(
        assessment=assessment, acting_user=reviewer, conclusion="总体达标。"
    )


@pytest.fixture
def campaign(world):
    return make_campaign(world, small_points_framework())


@pytest.fixture
def finalised(world, campaign) -> Assessment:
    assessment = Assessment.objects.get(campaign=campaign, school=world.school_a1)
    fill_and_submit(assessment, world.users["cio"], score="3")
    return finalise(assessment, world.users["reviewer"], adjust={"1.2": "2"})


@pytest.fixture
def confirmed(world, finalised):
    """The proposal confirmed as it stands: one item (1.2, adjusted down)."""
    proposal = selectors.assessment_rectification_proposal(assessment=finalised)
    items = [
        {
            "node": p.node_id,
            "source": p.source,
            "problem": p.problem,
            "action": p.action,
            "due_date": p.due_date,
        }
        for p in proposal
    ]
    return services.rectification_confirm(
        assessment=finalised, acting_user=world.users["reviewer"], items=items
    )


@pytest.fixture
def item(confirmed):
    return confirmed[0]


@pytest.fixture
def library_file(world):
    def make(school=None, name="整改照片.png"):
        school = school or world.school_a1
        return EvidenceFile.objects.create(
            school=school,
            file=f"evidence/{school.pk}/{name}",
            original_name=name,
            content_type="image/png",
            kind="png",
            size=10,
            sha256=f"{school.pk:064d}"[-60:] + f"{len(name):04d}",
        )

    return make


def due_in(days: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=days)


__all__ = ["due_in", "finalise", "response"]
