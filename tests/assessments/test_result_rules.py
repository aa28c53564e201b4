"""The campaign's result rule (`services.rule_save`) and the official result it decides when a review
is finalised: versions and the lock, validation, finalise / reopen, a campaign without a rule."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from assessments import services
from assessments.models import Assessment, ResultRule
from assessments.selectors import assessment_results, current_rule, rule_locked
from smartcampus.errors import Invalid, Refused

from .conftest import response
from .test_reviews import _review_all, verdict

D = Decimal
GRADES = [{"label": "合格", "min_percent": 20}, {"label": "不合格", "min_percent": 0}]


def save(campaign, user, **kw):
    kw.setdefault("pass_rule", "percent")
    kw.setdefault("pass_min_percent", 20)
    kw.setdefault("grades", GRADES)
    return services.rule_save(campaign=campaign, acting_user=user, **kw)


def finalise(world, assessment, **special):
    reviewer = world.users["reviewer"]
    _review_all(assessment, reviewer, **special)
    return services.review_finalise(assessment=assessment, acting_user=reviewer, conclusion="总体达到要求。")


def test_only_commission_managing_the_campaign_sets_the_rule(world, points_campaign):
    for role in ("cio", "reviewer", "other_commission"):
        with pytest.raises(Refused):
            save(points_campaign, world.users[role])
    assert not ResultRule.objects.exists()
    rule = save(points_campaign, world.users["commission"])
    assert (rule.version, rule.pass_rule, rule.pass_min_percent, rule.grades) == (1, "percent", D(20), [
        {"label": "合格", "min_percent": 20.0}, {"label": "不合格", "min_percent": 0.0}])  # fmt: skip
    assert current_rule(points_campaign) == rule


def test_rule_is_edited_in_place_until_a_school_is_finalised(world, points_campaign):
    commission = world.users["commission"]
    first = save(points_campaign, commission)
    second = save(points_campaign, commission, pass_min_percent=50, excluded=["2"])
    assert second.pk == first.pk and second.version == 1 and second.excluded == ["2"]
    assert ResultRule.objects.count() == 1 and first.history.count() == 2


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"grades": [{"label": "合格", "min_percent": 60}]}, "grades", "最后一个等级的最低得分率须为 0"),
        (
            {
                "grades": [
                    {"label": "A", "min_percent": 60},
                    {"label": "B", "min_percent": 75},
                    {"label": "C", "min_percent": 0},
                ]
            },
            "grades",
            "从高到低",
        ),  # fmt: skip
        ({"grades": [{"label": "A", "min_percent": 60}, {"label": "A", "min_percent": 0}]}, "grades", "重复"),
        ({"grades": [{"label": " ", "min_percent": 0}]}, "grades", "没有名称"),
        (
            {"grades": [{"label": "A", "min_percent": 101}, {"label": "B", "min_percent": 0}]},
            "grades",
            "0 到 100",
        ),
        ({"excluded": ["9.9"]}, "excluded", "没有编号为“9.9”"),
        ({"dimension_min_percent": {"1.1": 50}}, "dimension_min_percent", "不是指标体系的一级指标"),
        ({"pass_rule": "all_required"}, "pass_rule", "计分制指标体系按得分率"),
        ({"pass_min_percent": None}, "pass_min_percent", "请填写合格线"),
        ({"target_share": "1.5"}, "target_share", ""),
        ({"district_targets": {"999999": 0.8}}, "district_targets", "不是本活动主管地区内"),
    ],
)
def test_invalid_rules_are_refused_field_by_field(world, points_campaign, changes, field, message):
    with pytest.raises(ValidationError) as caught:
        save(points_campaign, world.users["commission"], **changes)
    assert field in caught.value.message_dict
    assert message in " ".join(caught.value.message_dict[field])
    assert not ResultRule.objects.exists()


def test_finalise_stores_the_official_result_and_reopen_clears_it(world, points_campaign, submitted):
    save(points_campaign, world.users["commission"], pass_min_percent="22.5")
    # each item scored 1 by the school: 4 of 20 = 20 %; the reviewer raises 2.2 to 1.5 → 22.5 %
    finalise(world, submitted, **{"2.2": {"verdict": "adjust", "score": "1.5", "comment": "运行良好"}})
    a = Assessment.objects.get(pk=submitted.pk)
    assert (a.result_percent, a.result_grade, a.result_passed) == (D("22.5"), "合格", True)
    assert a.result_rule.version == 1 and a.result_at is not None
    official = assessment_results(assessment=a).official
    assert (official.percent, official.grade, official.passed) == (D("22.5"), "合格", True)
    assert assessment_results(assessment=a).self.percent == D("20.0")  # the self value beside it
    assert a.history.first().result_passed is True  # recorded with the finalisation
    services.review_reopen(assessment=a, acting_user=world.users["commission"], reason="复核")
    a.refresh_from_db()
    assert (a.result_percent, a.result_grade, a.result_passed, a.result_rule, a.result_at) == (
        None, "", None, None, None)  # fmt: skip
    assert assessment_results(assessment=a).official is None


def test_without_a_rule_the_result_stays_empty(world, points_campaign, submitted):
    finalise(world, submitted)
    a = Assessment.objects.get(pk=submitted.pk)
    assert (a.result_percent, a.result_passed, a.result_rule) == (None, None, None)
    assert assessment_results(assessment=a).official is None


def test_after_the_first_finalisation_a_change_is_a_new_version_with_a_reason(
    world, points_campaign, submitted
):
    commission = world.users["commission"]
    first = save(points_campaign, commission)
    assert not rule_locked(points_campaign)
    finalise(world, submitted)
    assert rule_locked(points_campaign)
    assert save(points_campaign, commission) == first  # unchanged: nothing to version
    with pytest.raises(Invalid) as caught:
        save(points_campaign, commission, pass_min_percent=25)
    assert caught.value.code == "reason_required" and "第 2 版" in str(caught.value)
    second = save(points_campaign, commission, pass_min_percent=25, reason="市教委调整合格线")
    assert (second.version, second.reason) == (2, "市教委调整合格线")
    assert ResultRule.objects.get(pk=first.pk).pass_min_percent == D(20)  # the first version is kept
    a = Assessment.objects.get(pk=submitted.pk)
    assert (a.result_rule_id, a.result_percent, a.result_passed, a.result_grade) == (
        second.pk,
        D(20),
        False,
        "合格",  # failed the new 25 % line, still in the 合格 band (≥ 20)
    )
    # reopening does not unlock the rule: a school has been finalised before
    services.review_reopen(assessment=a, acting_user=commission, reason="复核")
    assert rule_locked(points_campaign)


def test_compliance_rule_excludes_a_dimension(world, compliance_campaign, compliance_assessment):
    from ..factories import fill_and_submit

    commission = world.users["commission"]
    services.rule_save(
        campaign=compliance_campaign, acting_user=commission, pass_rule="all_required", excluded=["2"]
    )
    a = fill_and_submit(compliance_assessment, world.users["cio"])
    reviewer = world.users["reviewer"]
    _review_all(a, reviewer, **{"2.1": {"verdict": "adjust", "status": "not_met", "comment": "未建设"}})
    verdict(response(a, "1.2"), reviewer, "accept")
    services.review_finalise(assessment=a, acting_user=reviewer, conclusion="总体达到要求。")
    a = Assessment.objects.get(pk=a.pk)
    assert (a.result_percent, a.result_passed, a.result_grade) == (D(100), True, "")


def test_assessment_page_shows_the_official_result(world, points_campaign, submitted, client_for):
    client = client_for("cio")
    url = f"/assessments/{submitted.pk}/"
    finalise(world, submitted)
    page = client.get(url).content.decode()
    assert "本活动尚未设定结果判定规则" in page
    save(points_campaign, world.users["commission"], reason="设定规则")
    a = Assessment.objects.get(pk=submitted.pk)
    assert (a.result_percent, a.result_passed) == (D(20), True)  # the new rule decided the finalised school
    page = client.get(url).content.decode()
    assert 'data-testid="official-percent">20.0%' in page and "合格" in page and "通过" in page
