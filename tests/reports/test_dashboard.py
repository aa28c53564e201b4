"""Dashboard aggregates against the scoring engine, query counts, and the pages per role."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from assessments.models import Assessment, AssessmentStatus, School
from assessments.selectors import assessment_list, assessment_results
from reports.stats import campaign_dashboard, figures_of
from tests.factories import SchoolFactory, build_framework

from ..assessments.conftest import make_campaign
from .conftest import fill_answers, review_all, set_status


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


def check_against_results(board, campaign) -> int:
    """Every school's SQL figures are those of the results function; drafts have none, and only
    finalised reviews have review figures. Returns how many schools were counted."""
    assessments = Assessment.objects.filter(campaign=campaign).select_related("campaign__framework")
    counted = 0
    for assessment in assessments:
        results = assessment_results(assessment=assessment)
        if not results.self_counted:
            assert assessment.pk not in board.self_values, assessment.school
            assert not any(pk == assessment.pk for pk, _d in board.self_dims)
        else:
            counted += 1
            assert board.self_values[assessment.pk] == results.self.exact, assessment.school
            for dim in results.self.dimensions:
                root_id = campaign.framework.nodes.get(code=dim.code).pk
                assert board.self_dims.get((assessment.pk, root_id)) == dim.exact, (
                    assessment.school,
                    dim.code,
                )
        if results.review is None:
            assert assessment.pk not in board.review_values
        else:
            assert board.review_values[assessment.pk] == results.review.exact
    return counted


def district_figures(campaign, district):
    """The figures of one district, from the results function."""
    group = [
        assessment_results(assessment=a)
        for a in Assessment.objects.filter(campaign=campaign, school__region=district).select_related(
            "campaign__framework"
        )
    ]
    counted = [r for r in group if r.self_counted]
    return figures_of(
        (r.self.exact for r in counted), ((r.self.exact, r.review.exact) for r in counted if r.review)
    )


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_points_aggregates_match_the_results_function_with_caps(world, seed):
    campaign = make_campaign(world, zibo_like_framework())
    fill_answers(campaign, seed=seed, partial=True)
    set_status(campaign, AssessmentStatus.SUBMITTED, schools=[world.school_a1, world.school_a2])
    set_status(campaign, AssessmentStatus.FINALISED, schools=[world.school_a1])
    review_all(campaign, world.school_a1, adjust={"1.1.1": Decimal(1)})
    review_all(campaign, world.school_a1b)  # a draft's review values exist in the rows but count nowhere
    board = campaign_dashboard(campaign=campaign, assessments=assessment_list(user=world.users["commission"]))
    assert check_against_results(board, campaign) == 2
    assert len(board.review_values) == 1
    a1 = next(d for d in board.districts if d.name == "甲一区")
    assert a1.figures == district_figures(campaign, world.district_a1)
    assert a1.figures.self.count == 1 and sum(a1.bands) == 1  # a1b is a draft
    assert a1.figures.review.count == 1
    assert board.total.figures.self.count == 2 and sum(board.total.bands) == 2


def test_compliance_aggregates_match_the_results_function(world, compliance_campaign):
    set_status(compliance_campaign, AssessmentStatus.FINALISED, schools=[world.school_a2])
    review_all(compliance_campaign, world.school_a2, adjust={"2.1": "not_met"})
    board = campaign_dashboard(
        campaign=compliance_campaign, assessments=assessment_list(user=world.users["commission"])
    )
    assert not board.is_points and check_against_results(board, compliance_campaign) == 3
    a2 = next(d for d in board.districts if d.name == "甲二区")
    assert a2.figures == district_figures(compliance_campaign, world.district_a2)
    assert a2.figures.difference == a2.figures.review.mean - a2.figures.self_of_reviewed.mean


def test_progress_partitions_the_schools_with_a_total_and_reviewer_scope(world, points_campaign):
    untouched = SchoolFactory(code="S-A1C", name="甲一区第三小学", region=world.district_a1)
    from assessments import services

    services.campaign_add_schools(
        campaign=points_campaign, schools=[untouched], acting_user=world.users["commission"]
    )
    set_status(points_campaign, AssessmentStatus.DRAFT, schools=[world.school_a1b])
    board = campaign_dashboard(
        campaign=points_campaign, assessments=assessment_list(user=world.users["reviewer"])
    )
    assert [d.name for d in board.districts] == ["甲一区"]  # the reviewer sees their district only
    progress = board.districts[0].progress
    assert progress == {
        "not_started": 1,
        "draft": 1,
        "submitted": 1,
        "in_review": 0,
        "returned": 0,
        "finalised": 0,
    }
    assert board.districts[0].school_count == 3 == sum(progress.values())
    commission = campaign_dashboard(
        campaign=points_campaign, assessments=assessment_list(user=world.users["commission"])
    )
    assert commission.total.name == "合计" and commission.total.school_count == 4
    assert commission.total.progress == {
        k: sum(d.progress[k] for d in commission.districts) for k in commission.total.progress
    }
    assert commission.counted_count == 2 and commission.started_count == 3
    assert commission.words.unit == "区县" and commission.words.sheet == "区县统计"


def test_dashboard_queries_do_not_grow_with_schools(world, client_for, django_assert_max_num_queries):
    campaign = make_campaign(
        world, zibo_like_framework(), schools=School.objects.filter(pk=world.school_a1.pk)
    )
    fill_answers(campaign, seed=4)
    set_status(campaign, AssessmentStatus.FINALISED)
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
    set_status(campaign, AssessmentStatus.FINALISED)
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


def test_cio_dashboard_shows_no_review_until_it_is_finalised(world, client_for, points_campaign):
    review_all(points_campaign, world.school_a1, adjust={"1.2": Decimal("0.5")}, comment="不应提前展示")
    set_status(points_campaign, AssessmentStatus.IN_REVIEW, schools=[world.school_a1])
    url = reverse("reports:dashboard") + f"?campaign={points_campaign.pk}"
    html = client_for("cio").get(url).content.decode()
    assert 'data-testid="total-self"' in html and 'data-testid="total-review"' not in html
    assert "不应提前展示" not in html and "评审结果在定稿后显示" in html
    set_status(points_campaign, AssessmentStatus.FINALISED, schools=[world.school_a1], conclusion="总体良好")
    html = client_for("cio").get(url).content.decode()
    results = assessment_results(
        assessment=Assessment.objects.select_related("campaign__framework").get(
            campaign=points_campaign, school=world.school_a1
        )
    )
    assert 'data-testid="total-review"' in html and "总体良好" in html and "不应提前展示" in html
    assert f"{results.review.total.normalize():f}" in html


def test_compliance_dashboard_explains_the_index_in_percent(world, client_for, compliance_campaign):
    url = reverse("reports:dashboard") + f"?campaign={compliance_campaign.pk}"
    html = client_for("commission").get(url).content.decode()
    assert "部分达标计 0.5（算一半）" in html and 'data-testid="results-table"' in html
    board = campaign_dashboard(
        campaign=compliance_campaign, assessments=assessment_list(user=world.users["commission"])
    )
    mean = board.total.figures.self.mean
    assert mean is not None and f">{mean}<" in html  # percent with one decimal, never an index like 0.81
