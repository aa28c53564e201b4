"""Dashboard aggregates against the scoring engine, query counts, and the pages per role."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from assessments.models import Assessment, AssessmentStatus, School
from assessments.selectors import assessment_list
from reports.stats import campaign_dashboard
from tests.factories import SchoolFactory, build_framework

from ..assessments.conftest import make_campaign
from .conftest import engine_result, fill_answers


def zibo_like_framework():
    """Nested caps: 3-level items under a 6-point heading worth 8 in sum, and a starred dimension."""
    return build_framework(
        "points",
        [
            ("1", 10, False, False),
            ("1.1", 6, False, False),
            ("1.1.1", 4, False, False),
            ("1.1.2", 4, False, False),
            ("1.2", 4, False, False),
            ("1.2.1", 4, False, False),
            ("2", 8, False, True),
            ("2.1", 4, False, False),
            ("2.2", 4, False, False),
            ("3", 5, False, False),
        ],
        total_points=Decimal(23),
    )


def check_against_engine(board, campaign):
    assessments = Assessment.objects.filter(campaign=campaign).select_related("campaign__framework")
    checked = 0
    for assessment in assessments:
        result = engine_result(assessment)
        if not result.answered:
            assert assessment.pk not in board.self_totals
            continue
        expected = result.total if board.is_points else result.index
        assert board.self_totals[assessment.pk] == expected, assessment.school
        for root_code, node_result in result.nodes.items():
            if "." in root_code:
                continue
            root_id = assessment.campaign.framework.nodes.get(code=root_code).pk
            value = node_result.score if board.is_points else node_result.index
            if value is not None:
                assert board.self_dims[(assessment.pk, root_id)] == value
        checked += 1
    return checked


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_points_aggregates_match_the_scoring_engine_with_caps(world, seed):
    campaign = make_campaign(world, zibo_like_framework())
    fill_answers(campaign, seed=seed, partial=True)
    board = campaign_dashboard(campaign=campaign, assessments=assessment_list(user=world.users["commission"]))
    assert check_against_engine(board, campaign) >= 1
    a1 = next(d for d in board.districts if d.name == "甲一区")
    totals = [
        board.self_totals[a.pk]
        for a in Assessment.objects.filter(campaign=campaign, school__region=world.district_a1)
        if a.pk in board.self_totals
    ]
    assert a1.self_mean == sum(totals) / len(totals)
    assert sum(a1.bands) == len(totals)


def test_compliance_aggregates_match_the_scoring_engine(world, compliance_campaign):
    board = campaign_dashboard(
        campaign=compliance_campaign, assessments=assessment_list(user=world.users["commission"])
    )
    assert not board.is_points and check_against_engine(board, compliance_campaign) == 3


def test_progress_buckets_and_reviewer_scope(world, points_campaign):
    untouched = SchoolFactory(code="S-A1C", name="甲一区第三小学", region=world.district_a1)
    from assessments import services

    services.campaign_add_schools(
        campaign=points_campaign, schools=[untouched], acting_user=world.users["commission"]
    )
    Assessment.objects.filter(campaign=points_campaign, school=world.school_a1b).update(
        status=AssessmentStatus.SUBMITTED
    )
    board = campaign_dashboard(
        campaign=points_campaign, assessments=assessment_list(user=world.users["reviewer"])
    )
    assert [d.name for d in board.districts] == ["甲一区"]  # the reviewer sees their district only
    progress = board.districts[0].progress
    assert progress["not_started"] == 1 and progress["draft"] == 1 and progress["submitted"] == 1


def test_dashboard_queries_do_not_grow_with_schools(world, client_for, django_assert_max_num_queries):
    campaign = make_campaign(
        world, zibo_like_framework(), schools=School.objects.filter(pk=world.school_a1.pk)
    )
    fill_answers(campaign, seed=4)
    client = client_for("commission")
    url = reverse("reports:dashboard") + f"?campaign={campaign.pk}"
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    from assessments import services

    more = [SchoolFactory(region=world.district_a2 if i % 2 else world.district_a1) for i in range(12)]
    services.campaign_add_schools(campaign=campaign, schools=more, acting_user=world.users["commission"])
    fill_answers(campaign, seed=5)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(url)
    assert response.status_code == 200 and "<svg" in response.content.decode()


@pytest.mark.parametrize("role", ["commission", "reviewer", "cio", "other_commission"])
def test_dashboard_page_per_role(world, client_for, points_campaign, role):
    response = client_for(role).get(reverse("reports:dashboard") + f"?campaign={points_campaign.pk}")
    if role == "other_commission":
        assert response.status_code == 404
        return
    html = response.content.decode()
    assert response.status_code == 200 and "统计报表" in html and "<svg" in html
    if role == "cio":
        assert "甲一区第一小学" in html and "各区县填报进度" not in html
    else:
        assert "各区县填报进度" in html and "最薄弱的条目" in html
    if role == "reviewer":
        assert "甲二区" not in html
