"""Report fixtures on top of the shared `world`: campaigns of city A with answers filled in.

`fill_answers` writes self-assessment answers straight into the rows (test data, not a workflow
under test): random half-point scores up to each item's maximum, starred items above their nominal
points, or random compliance statuses (na only on optional items). `set_status` moves assessments to a
status the same way; the campaign fixtures are submitted (statistics count submitted schools only).
`review_all` gives every item of one school a reviewer's verdict (accept, or adjust on `adjust`).
"""

from __future__ import annotations

import random
from decimal import Decimal

import pytest
from django.utils import timezone

from assessments.freshness import campaign_data_changed
from assessments.models import Assessment, AssessmentStatus, ItemResponse
from indicators.scoring import score
from indicators.selectors import framework_nodes, scoring_tree

from ..assessments.conftest import make_campaign
from ..factories import small_compliance_framework, small_points_framework


def fill_answers(campaign, *, seed: int = 1, skip: set[int] | None = None, partial: bool = False) -> None:
    rng = random.Random(seed)  # noqa: S311 — reproducible test data, not secrets
    framework = campaign.framework
    tree = scoring_tree(framework=framework, nodes=framework_nodes(framework=framework))
    rows = ItemResponse.objects.filter(assessment__campaign=campaign).select_related("node")
    for r in rows:
        if skip and r.assessment.school_id in skip:
            continue
        if partial and rng.random() < 0.3:
            continue
        if tree.scoring == "points":
            steps = int(tree.score_max[r.node.code] * 2)
            r.self_score = Decimal(rng.randint(0, steps)) / 2
        else:
            choices = ["met", "partial", "not_met"] + (["na"] if r.node.optional else [])
            r.self_status = rng.choice(choices)
        r.statement = f"第{r.node.code}项自评说明：学校已建成统一身份认证与数据中台。"
        r.save(update_fields=["self_score", "self_status", "statement"])
    campaign_data_changed(campaign.pk)  # what the services do after a write (bypassed here for speed)


def set_status(campaign, status: str, *, schools=None, conclusion: str = "") -> None:
    """Move the campaign's assessments (of `schools`, default all) to `status`, as test data."""
    qs = Assessment.objects.filter(campaign=campaign)
    if schools is not None:
        qs = qs.filter(school__in=schools)
    submitted = None if status == AssessmentStatus.DRAFT else timezone.now()
    qs.update(status=status, submitted_at=submitted, review_conclusion=conclusion)
    campaign_data_changed(campaign.pk)


def review_all(campaign, school, *, adjust: dict | None = None, comment: str = "证据不足以支撑") -> None:
    """The reviewer's verdict on every item of `school`: accept, or adjust to `adjust[code]`."""
    adjust = adjust or {}
    points = campaign.framework.scoring == "points"
    for r in ItemResponse.objects.filter(
        assessment__campaign=campaign, assessment__school=school
    ).select_related("node"):
        value = adjust.get(r.node.code)
        if value is None:
            r.review_verdict, r.review_comment = "accept", ""
            r.review_score, r.review_status = (r.self_score, None) if points else (None, r.self_status)
        else:
            r.review_verdict, r.review_comment = "adjust", comment
            r.review_score, r.review_status = (value, None) if points else (None, value)
        r.save()
    campaign_data_changed(campaign.pk)


def engine_result(assessment: Assessment, *, field: str = "self"):
    """The scoring engine's result for one assessment, straight from its rows."""
    framework = assessment.campaign.framework
    tree = scoring_tree(framework=framework, nodes=framework_nodes(framework=framework))
    column = f"{field}_score" if tree.scoring == "points" else f"{field}_status"
    answers = {r.node.code: getattr(r, column) for r in assessment.responses.select_related("node")}
    return score(tree, answers)


@pytest.fixture(autouse=True)
def report_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def points_campaign(world):
    campaign = make_campaign(world, small_points_framework())
    fill_answers(campaign, seed=7)
    set_status(campaign, AssessmentStatus.SUBMITTED)
    return campaign


@pytest.fixture
def compliance_campaign(world):
    campaign = make_campaign(world, small_compliance_framework(), title="2026年甲市达标自评")
    fill_answers(campaign, seed=3)
    set_status(campaign, AssessmentStatus.SUBMITTED)
    return campaign


@pytest.fixture
def points_assessment(world, points_campaign) -> Assessment:
    return Assessment.objects.select_related("campaign__framework", "school__region").get(
        campaign=points_campaign, school=world.school_a1
    )
