"""City re-check: the commission assigns a city reviewer to a sampled school, who re-scores it
(the city stage of the review); the deviation |district − city| per district, from the one
selector the dashboard uses, shown next to the self − review gap."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from assessments import selectors, services
from assessments.models import Assessment, CityReview, SampleSchool
from assessments.scoping import Action, clear_scope_cache, get_scope
from smartcampus.errors import Conflict, Invalid, Refused

from ..factories import UserFactory
from .conftest import response
from .test_result_rules import finalise
from .test_reviews import verdict

D = Decimal


@pytest.fixture
def expert(db):
    """A city reviewer: an expert without any role, who re-checks only what they are assigned."""
    return UserFactory(username="city_expert", first_name="市级专家")


@pytest.fixture
def sampled(world, submitted, expert):
    """School a1 finalised by the district (1.2 adjusted from 1 to 3, the rest accepted), drawn in a
    sample, with the expert assigned to re-check it."""
    finalise(world, submitted, **{"1.2": {"verdict": "adjust", "score": "3", "comment": "运行记录完整"}})
    params = services.sample_params_clean(strata="district", rate="1", seed=1)
    sample = services.sample_save(
        campaign=submitted.campaign, params=params, acting_user=world.users["commission"]
    )
    row = sample.schools.get(assessment=submitted)
    services.sample_reviewer_assign(row=row, reviewer=expert, acting_user=world.users["commission"])
    clear_scope_cache(expert)
    return Assessment.objects.get(pk=submitted.pk)


def test_only_the_assigned_city_reviewer_rechecks(world, sampled, expert):
    scope = get_scope(expert)
    assert scope.can(Action.RECHECK, sampled) and scope.can(Action.READ_REVIEW, sampled)
    assert not scope.can(Action.REVIEW, sampled)  # not a district reviewer
    for role in ("reviewer", "commission", "cio"):
        with pytest.raises(Refused):
            services.city_review_save(
                response=response(sampled, "1.2"), acting_user=world.users[role], score="2"
            )
    saved = services.city_review_save(
        response=response(sampled, "1.2"), acting_user=expert, score="2", comment="偏高"
    )
    assert (saved.score, saved.stage, saved.reviewer) == (D(2), "city", expert)
    with pytest.raises(Invalid):
        services.city_review_save(response=response(sampled, "1.2"), acting_user=expert, score="99")


def test_assigning_needs_the_commission(world, sampled, expert):
    row = SampleSchool.objects.get(assessment=sampled)
    for role in ("reviewer", "other_commission"):
        with pytest.raises(Refused):
            services.sample_reviewer_assign(row=row, reviewer=expert, acting_user=world.users[role])
    with pytest.raises(Invalid):  # the school's own CIO may not re-check it
        services.sample_reviewer_assign(
            row=row, reviewer=world.users["cio"], acting_user=world.users["commission"]
        )


def test_a_reopened_review_is_not_rechecked(world, sampled, expert):
    services.review_reopen(assessment=sampled, acting_user=world.users["commission"], reason="更正")
    with pytest.raises(Conflict):
        services.city_review_save(response=response(sampled, "1.1"), acting_user=expert, score="1")


def test_the_deviation_is_the_mean_absolute_difference_per_district(world, sampled, expert):
    # district: 1.1 = 1 (accepted), 1.2 = 3 (adjusted); city: 1.1 = 2 (|1−2| = 1), 1.2 = 1 (|3−1| = 2)
    services.city_review_save(response=response(sampled, "1.1"), acting_user=expert, score="2")
    services.city_review_save(response=response(sampled, "1.2"), acting_user=expert, score="1")
    deviation = selectors.recheck_deviation(campaign=sampled.campaign, assessments=[sampled.pk])
    a1 = deviation[world.district_a1.pk]
    assert (a1.mean, a1.items, a1.schools) == (D("1.5"), 2, 1)
    assert deviation[None].mean == D("1.5")
    assert world.district_a2.pk not in deviation


def test_the_deviation_of_a_users_scope_is_that_of_their_assessments_and_follows_each_recheck(
    world, sampled, expert
):
    """`recheck_deviation(user=...)` keeps its statement per scope, never its rows: for every role
    it equals the deviation over the user's assessments, and a new city value shows at once."""
    campaign = sampled.campaign

    def both(role):
        user = world.users[role]
        scoped = selectors.assessment_list(user=user).filter(campaign=campaign)
        return selectors.recheck_deviation(campaign=campaign, user=user), selectors.recheck_deviation(
            campaign=campaign, assessments=scoped
        )

    services.city_review_save(response=response(sampled, "1.1"), acting_user=expert, score="2")
    for role in ("commission", "reviewer", "other_reviewer", "other_commission", "cio"):
        by_user, by_assessments = both(role)
        assert by_user == by_assessments, role
    assert both("commission")[0][None] == selectors.Deviation(D("1.0"), 1, 1)
    assert both("other_reviewer")[0][None] == selectors.Deviation(None, 0, 0)  # a2's district
    services.city_review_save(response=response(sampled, "1.2"), acting_user=expert, score="1")
    by_user, by_assessments = both("commission")
    assert by_user == by_assessments and by_user[None] == selectors.Deviation(D("1.5"), 2, 1)


def test_compliance_deviation_is_in_percentage_points(world, compliance_assessment, expert):
    from ..factories import fill_and_submit

    fill_and_submit(compliance_assessment, world.users["cio"], status="met")
    reviewer = world.users["reviewer"]
    for r in compliance_assessment.responses.select_related("node"):
        verdict(r, reviewer, verdict="accept")
    services.review_finalise(assessment=compliance_assessment, acting_user=reviewer, conclusion="好")
    sample = services.sample_save(
        campaign=compliance_assessment.campaign,
        params=services.sample_params_clean(strata="", rate="1", seed=3),
        acting_user=world.users["commission"],
    )
    services.sample_reviewer_assign(
        row=sample.schools.get(assessment=compliance_assessment),
        reviewer=expert,
        acting_user=world.users["commission"],
    )
    clear_scope_cache(expert)
    services.city_review_save(
        response=response(compliance_assessment, "1.1"), acting_user=expert, status="partial"
    )
    services.city_review_save(
        response=response(compliance_assessment, "2.1"), acting_user=expert, status="met"
    )
    deviation = selectors.recheck_deviation(
        campaign=compliance_assessment.campaign, assessments=[compliance_assessment.pk]
    )
    assert deviation[None].mean == D("25.0")  # (|1 − 0.5| + 0) / 2 × 100


def _city_save(client, assessment, code: str, value: str, *, version: int, comment: str = ""):
    return client.post(
        f"/rechecks/assessments/{assessment.pk}/items/{code}/save/",
        {"value": value, "comment": comment, "version": str(version)},
        HTTP_HX_REQUEST="true",
    )


def test_the_workbench_in_the_city_stage_and_the_dashboard(
    world, sampled, expert, client_for, django_assert_max_num_queries
):
    from django.test import Client

    client = Client()
    client.force_login(expert)
    assert client.get("/rechecks/").status_code == 200
    entry = client.get(f"/rechecks/assessments/{sampled.pk}/")
    assert entry.status_code == 302 and entry["Location"].endswith(
        f"/rechecks/assessments/{sampled.pk}/items/1.1/"
    )
    with django_assert_max_num_queries(40):
        page = client.get(f"/rechecks/assessments/{sampled.pk}/items/1.2/")
    html = page.content.decode()
    assert page.status_code == 200
    assert 'data-testid="review-stage"' in html and "市级复核" in html
    # the district's adjusted 3 shown read-only beside the city's own (empty) value
    district = re.search(r'data-testid="district-value">\s*([^\s<]+)', html)
    assert district and district.group(1) == "3"
    assert 'data-testid="city-value"' in html and 'name="verdict"' not in html
    assert "您不是该校的评审专家" not in html  # the district's refusal does not apply to the city stage
    bad = _city_save(client, sampled, "1.2", "99", version=0)
    assert bad["X-Save-Status"] == "400" and not CityReview.objects.exists()
    ok = _city_save(client, sampled, "1.2", "1", version=0, comment="偏高")
    assert ok["X-Save-Status"] == "200" and "已保存" in ok.content.decode()
    # a stale version (someone wrote the re-check meanwhile) is refused, nothing written
    stale = _city_save(client, sampled, "1.2", "2", version=0)
    assert stale["X-Save-Status"] == "409" and "已被修改" in stale.content.decode()
    assert CityReview.objects.get().score == D("1")
    assert _city_save(client, sampled, "1.1", "2", version=0)["X-Save-Status"] == "200"
    assert CityReview.objects.count() == 2
    # the district's review is untouched
    sampled.refresh_from_db()
    assert response(sampled, "1.2").review_score == D("3")
    for role in ("reviewer", "commission", "other_commission", "cio"):
        assert client_for(role).get(f"/rechecks/assessments/{sampled.pk}/items/1.2/").status_code == 404
        assert _city_save(client_for(role), sampled, "1.2", "2", version=2).status_code == 404
    with django_assert_max_num_queries(60):
        board = client_for("commission").get(f"/reports/dashboard/?campaign={sampled.campaign_id}")
    figures = re.findall(r'data-figure="recheck-deviation">\s*([^\s<]+)', board.content.decode())
    assert figures == ["—", "1.5", "1.5"]  # 甲二区 (nothing re-checked), 甲一区, 合计
    deviation = selectors.recheck_deviation(campaign=sampled.campaign, assessments=[sampled.pk])
    assert f"{deviation[sampled.school.region_id].mean}" == figures[1]


def test_a_recheck_saved_after_the_dashboard_was_seen_shows_on_the_next_visit(
    world, sampled, expert, client_for
):
    """The dashboard's content is rendered once per everything it shows: the city's re-check,
    read on every visit, is part of it."""
    client = client_for("commission")
    url = f"/reports/dashboard/?campaign={sampled.campaign_id}"

    def deviations() -> list[str]:
        return re.findall(r'data-figure="recheck-deviation">\s*([^\s<]+)', client.get(url).content.decode())

    assert deviations() == [] and deviations() == []  # nothing re-checked: no table
    services.city_review_save(response=response(sampled, "1.2"), acting_user=expert, score="1")
    assert deviations() == ["—", "2.0", "2.0"]  # |3 − 1|
    # written where no service bumps the campaign's data version (the figures stay as computed)
    CityReview.objects.filter(response=response(sampled, "1.2")).update(score=2)
    assert deviations() == ["—", "1.0", "1.0"]
