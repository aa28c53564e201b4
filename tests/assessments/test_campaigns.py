import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from assessments import services
from assessments.models import Assessment, ItemResponse, School
from smartcampus.errors import Invalid, Refused

from ..factories import SchoolFactory, small_points_framework
from .conftest import make_campaign


def test_campaign_creates_one_assessment_per_school_with_one_response_per_scoring_item(world):
    framework = small_points_framework()
    campaign = make_campaign(world, framework)
    schools = set(campaign.assessments.values_list("school__code", flat=True))
    assert schools == {"S-A1", "S-A1B", "S-A2"}
    # points mode: responses on the scoring nodes 1.1, 1.2, 2.1, 2.2 (not on monitoring points 1.1.x)
    codes = set(
        ItemResponse.objects.filter(assessment__campaign=campaign).values_list("node__code", flat=True)
    )
    assert codes == {"1.1", "1.2", "2.1", "2.2"}
    assert ItemResponse.objects.filter(assessment__campaign=campaign).count() == 3 * 4
    framework.refresh_from_db()
    assert framework.is_locked


def test_compliance_campaign_answers_leaves(world, compliance_campaign):
    codes = set(
        ItemResponse.objects.filter(assessment__campaign=compliance_campaign).values_list(
            "node__code", flat=True
        )
    )
    assert codes == {"1.1", "1.2", "2.1"}


def test_campaign_refuses_schools_outside_its_region(world):
    with pytest.raises(Invalid, match="不在甲市范围内"):
        make_campaign(world, small_points_framework(), schools=[world.school_b1])


def test_only_commission_of_the_region_creates_campaigns(world):
    for role in ("cio", "reviewer", "other_commission"):
        with pytest.raises(Refused, match="不是甲市的教委工作人员"):
            services.campaign_create(
                framework=small_points_framework(),
                year=2026,
                title="x",
                region=world.city_a,
                self_deadline=timezone.now(),
                review_deadline=timezone.now(),
                schools=[],
                acting_user=world.users[role],
            )


def test_review_deadline_before_self_deadline_is_refused(world):
    with pytest.raises(ValidationError, match="评审截止时间不能早于"):
        services.campaign_create(
            framework=small_points_framework(),
            year=2026,
            title="x",
            region=world.city_a,
            self_deadline=timezone.now() + datetime.timedelta(days=5),
            review_deadline=timezone.now(),
            schools=[],
            acting_user=world.users["commission"],
        )


def test_schools_added_later_get_assessments_and_existing_ones_are_kept(world):
    campaign = make_campaign(world, small_points_framework(), schools=[world.school_a1])
    a1 = Assessment.objects.get(campaign=campaign, school=world.school_a1)
    added = services.campaign_add_schools(
        campaign=campaign,
        schools=School.objects.filter(region__path__startswith=world.city_a.path).select_related("region"),
        acting_user=world.users["commission"],
    )
    assert added == 2
    assert Assessment.objects.get(campaign=campaign, school=world.school_a1).pk == a1.pk
    assert campaign.assessments.count() == 3
    assert (
        services.campaign_add_schools(
            campaign=campaign, schools=[world.school_a1], acting_user=world.users["commission"]
        )
        == 0
    )


def test_deadline_extension_is_recorded_with_reason(world, points_assessment):
    new = points_assessment.campaign.self_deadline + datetime.timedelta(days=7)
    ext = services.deadline_extend(
        assessment=points_assessment,
        new_deadline=new,
        reason="停电三天",
        acting_user=world.users["commission"],
    )
    points_assessment.refresh_from_db()
    assert points_assessment.deadline == new
    assert ext.reason == "停电三天" and ext.granted_by == world.users["commission"]
    assert points_assessment.history.first().history_change_reason.startswith("延期")


@pytest.mark.parametrize(
    ("reason", "days", "message"), [("", 7, "请填写延期原因"), ("理由", -1, "须晚于活动的自评截止时间")]
)
def test_deadline_extension_needs_reason_and_later_date(world, points_assessment, reason, days, message):
    with pytest.raises(Invalid, match=message):
        services.deadline_extend(
            assessment=points_assessment,
            new_deadline=points_assessment.campaign.self_deadline + datetime.timedelta(days=days),
            reason=reason,
            acting_user=world.users["commission"],
        )


def test_deadline_extension_by_other_commission_is_refused(world, points_assessment):
    with pytest.raises(Refused):
        services.deadline_extend(
            assessment=points_assessment,
            new_deadline=points_assessment.campaign.self_deadline + datetime.timedelta(days=7),
            reason="x",
            acting_user=world.users["other_commission"],
        )


def test_campaign_for_2000_schools_with_126_items_is_bulk(world, django_assert_max_num_queries):
    """2,000 schools × 126 items = 252,000 responses: a few INSERT … SELECT, not one per row."""
    from ..factories import build_framework

    rows = []
    for d in range(1, 10):
        rows.append((str(d), 14, False, False))
        for i in range(1, 15):
            rows.append((f"{d}.{i}", 1, False, False))
    framework = build_framework("points", rows)  # 9 × 14 = 126 scoring items
    schools = [SchoolFactory.build(code=f"B{i:06d}", region=world.district_a1) for i in range(2000)]
    School.objects.bulk_create(schools)
    schools = list(School.objects.filter(code__startswith="B").select_related("region"))
    # Bulk, not per school or per item: a fixed number of statements (speed itself is bench/'s job;
    # no wall-clock assertions in tests).
    with django_assert_max_num_queries(40):
        campaign = make_campaign(world, framework, schools=schools)
    assert ItemResponse.objects.filter(assessment__campaign=campaign).count() == 252_000
