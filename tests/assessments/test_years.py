"""Year over year: a campaign copied as next year's round (`campaign_copy_next_year`, the
「复制为下一年活动」 page), and the comparison of a campaign's schools with its predecessor
(`campaign_comparison`, the `campaign_compare` command)."""

from __future__ import annotations

import datetime
import io
import json
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from assessments import selectors, services
from assessments.models import Assessment, AssessmentStatus, Campaign
from assessments.selectors.years import next_title, shift_year
from smartcampus.errors import Conflict, Refused

from ..factories import FrameworkFactory, small_points_framework
from .conftest import make_campaign
from .test_results import REVIEWED, SCORES, answer

D = Decimal


def _assessment(campaign, school):
    return Assessment.objects.get(campaign=campaign, school=school)


@pytest.fixture
def last_year(world):
    """A 2025 points campaign of city A for all three of its schools, with second review."""
    campaign = make_campaign(world, small_points_framework(), title="2025年甲市智慧校园自评")
    Campaign.objects.filter(pk=campaign.pk).update(year=2025, second_review=True, consolidation="average")
    campaign.refresh_from_db()
    return campaign


# --- copying ----------------------------------------------------------------------------------------


def test_copy_creates_next_year_with_the_same_schools_rules_and_shifted_deadlines(world, last_year):
    successor = services.campaign_copy_next_year(campaign=last_year, acting_user=world.users["commission"])
    assert successor.predecessor == last_year and list(last_year.successors.all()) == [successor]
    assert successor.year == 2026 and successor.title == "2026年甲市智慧校园自评"
    assert successor.framework == last_year.framework and successor.framework.is_locked
    assert successor.region == world.city_a
    assert successor.second_review and successor.consolidation == "average"
    assert timezone.localtime(successor.self_deadline) == shift_year(last_year.self_deadline)
    assert (
        timezone.localtime(successor.self_deadline).year
        == timezone.localtime(last_year.self_deadline).year + 1
    )
    assert set(successor.assessments.values_list("school__code", flat=True)) == {"S-A1", "S-A1B", "S-A2"}
    a = _assessment(successor, world.school_a1)
    assert a.status == AssessmentStatus.DRAFT and a.responses.count() == 4


def test_copy_takes_the_latest_locked_version_of_the_framework_code(world, last_year):
    newer = FrameworkFactory(code=last_year.framework.code, version=2, locked_at=timezone.now())
    FrameworkFactory(code=last_year.framework.code, version=3)  # a draft version, not used yet
    assert selectors.campaign_next_year(campaign=last_year).framework == newer


def test_copy_is_refused_outside_the_managing_scope(world, last_year):
    for role in ("other_commission", "reviewer", "cio"):
        with pytest.raises(Refused):
            services.campaign_copy_next_year(campaign=last_year, acting_user=world.users[role])
    assert not last_year.successors.exists()


def test_copy_a_second_time_is_a_conflict(world, last_year):
    services.campaign_copy_next_year(campaign=last_year, acting_user=world.users["commission"])
    with pytest.raises(Conflict) as exc:
        services.campaign_copy_next_year(campaign=last_year, acting_user=world.users["commission"])
    assert exc.value.code == "has_successor"
    assert last_year.successors.count() == 1


def test_predecessor_must_be_an_earlier_round_of_the_same_standard_above_or_at_the_region(world, last_year):
    this = make_campaign(world, small_points_framework(), title="2026年甲市另一个体系")
    this.predecessor = last_year
    with pytest.raises(ValidationError, match="同一指标体系"):
        this.full_clean()
    same_code = make_campaign(world, FrameworkFactory(code=last_year.framework.code, version=2))
    same_code.predecessor = last_year
    same_code.full_clean()  # another version of the same code: fine
    same_code.year = 2025
    with pytest.raises(ValidationError, match="早于"):
        same_code.full_clean()
    same_code.year = 2026
    district = Campaign(
        framework=same_code.framework,
        year=2027,
        title="x",
        region=world.district_a1,
        self_deadline=same_code.self_deadline,
        review_deadline=same_code.review_deadline,
        predecessor=same_code,
    )
    district.full_clean()  # a district's round after the city's: the enclosing region is fine
    same_code.region, same_code.predecessor = world.city_b, last_year
    with pytest.raises(ValidationError, match="上级地区"):
        same_code.full_clean()


def test_title_and_deadline_shift():
    assert next_title("2025年北京市中小学智慧校园自评", 2025) == "2026年北京市中小学智慧校园自评"
    assert next_title("智慧校园自评", 2025) == "智慧校园自评（2026）"
    leap = datetime.datetime(2024, 2, 29, 23, 59, 59, tzinfo=timezone.get_current_timezone())
    assert timezone.localtime(shift_year(leap)).date() == datetime.date(2025, 2, 28)


def test_copy_page_confirms_before_creating(world, last_year, client_for):
    client = client_for("commission")
    url = reverse("assessments:campaign-next-year", args=[last_year.pk])
    detail = client.get(reverse("assessments:campaign-detail", args=[last_year.pk]))
    assert url in detail.content.decode()
    page = client.get(url)
    assert page.status_code == 200 and "2026年甲市智慧校园自评" in page.content.decode()
    assert not last_year.successors.exists()
    assert client.post(url, {}).status_code == 400 and not last_year.successors.exists()
    created = client.post(url, {"confirm": "1"})
    successor = last_year.successors.get()
    assert created.status_code == 302 and created.url == reverse(
        "assessments:campaign-detail", args=[successor.pk]
    )
    assert client.post(url, {"confirm": "1"}).status_code == 409
    for role in ("cio", "reviewer", "other_commission"):
        assert client_for(role).get(url).status_code == 404


# --- comparing --------------------------------------------------------------------------------------


@pytest.fixture
def two_years(world, last_year):
    """2025: a1 finalised (self 17.5, review 16.5 of 20), a1b submitted (self 17.5), a2 a draft.
    2026 (copied): a1 submitted with 4+6+5+5 = 20, a1b a draft, a2 finalised as in 2025."""
    answer(
        _assessment(last_year, world.school_a1), SCORES, status=AssessmentStatus.FINALISED, review=REVIEWED
    )
    answer(_assessment(last_year, world.school_a1b), SCORES, status=AssessmentStatus.SUBMITTED)
    answer(_assessment(last_year, world.school_a2), SCORES)
    this = services.campaign_copy_next_year(campaign=last_year, acting_user=world.users["commission"])
    full = {"1.1": D(4), "1.2": D(6), "2.1": D(5), "2.2": D(5)}
    answer(_assessment(this, world.school_a1), full, status=AssessmentStatus.SUBMITTED)
    answer(_assessment(this, world.school_a1b), full)
    answer(_assessment(this, world.school_a2), SCORES, status=AssessmentStatus.FINALISED, review=REVIEWED)
    return Campaign.objects.select_related("framework", "region", "predecessor").get(pk=this.pk)


def test_comparison_uses_the_review_when_finalised_and_the_self_side_once_submitted(world, two_years):
    comparison = selectors.campaign_comparison(campaign=two_years)
    assert comparison.previous == two_years.predecessor
    rows = {r.school_code: r for r in comparison.schools}
    a1, a1b, a2 = rows["S-A1"], rows["S-A1B"], rows["S-A2"]
    assert (a1.this.percent, a1.this.basis) == (D("100.0"), "self")
    assert (a1.previous.percent, a1.previous.basis) == (D("82.5"), "review")  # 16.5 of 20
    assert a1.change == D("17.5")
    assert (a1b.this.percent, a1b.this.basis) == (None, None)  # a draft counts for nothing
    assert (a1b.previous.percent, a1b.previous.basis) == (D("87.5"), "self")
    assert a1b.change is None
    assert (a2.this.basis, a2.previous.basis) == ("review", None) and a2.change is None


def test_comparison_of_a_district_and_of_a_campaign_without_predecessor(world, two_years):
    district = selectors.campaign_comparison(campaign=two_years, region=world.district_a2)
    assert [r.school_code for r in district.schools] == ["S-A2"]
    alone = selectors.campaign_comparison(campaign=two_years.predecessor)
    assert alone.previous is None
    assert all(r.previous.basis is None and r.change is None for r in alone.schools)


def test_a_school_only_in_the_previous_round_is_listed_with_nothing_this_year(world, two_years):
    Assessment.objects.filter(campaign=two_years, school=world.school_a1b).delete()
    rows = {r.school_code: r for r in selectors.campaign_comparison(campaign=two_years).schools}
    assert rows["S-A1B"].this.basis is None and rows["S-A1B"].previous.basis == "self"


def test_command_prints_the_comparison_as_json(world, two_years):
    out = io.StringIO()
    call_command("campaign_compare", "--campaign", str(two_years.pk), "--json", stdout=out)
    document = json.loads(out.getvalue())
    assert document["campaign"] == two_years.pk and document["previous"] == two_years.predecessor_id
    # in (district, school code) order: 甲二区 (110105) before 甲一区 (110108)
    assert [s["school_code"] for s in document["schools"]] == ["S-A2", "S-A1", "S-A1B"]
    assert document["schools"][1] == {
        "school_code": "S-A1",
        "this_percent": 100.0,
        "previous_percent": 82.5,
        "change": 17.5,
        "basis": {"this": "self", "previous": "review"},
    }
    assert document["schools"][2]["this_percent"] is None and document["schools"][2]["change"] is None


def test_campaign_get_outside_scope_is_404(world, last_year):
    with pytest.raises(Http404):
        selectors.campaign_get(user=world.users["other_commission"], pk=last_year.pk)


def test_copy_takes_the_result_rule_in_force(world, last_year):
    commission = world.users["commission"]
    grades = [{"label": "合格", "min_percent": 60}, {"label": "不合格", "min_percent": 0}]
    services.rule_save(
        campaign=last_year,
        acting_user=commission,
        pass_rule="percent",
        pass_min_percent=60,
        grades=grades,
        excluded=["2"],
        target_share="0.85",
    )
    from assessments.models import ResultRule

    # a code the copy's framework version does not have (as after a version change) is left out
    ResultRule.objects.filter(campaign=last_year).update(excluded=["2", "9.9"])
    successor = services.campaign_copy_next_year(campaign=last_year, acting_user=commission)
    rule = selectors.current_rule(successor)
    assert rule.version == 1 and rule.pass_min_percent == 60 and rule.target_share == D("0.850")
    assert [g["label"] for g in rule.grades] == ["合格", "不合格"] and rule.excluded == ["2"]
