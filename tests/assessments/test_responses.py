import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from assessments import services
from assessments.models import AssessmentStatus
from smartcampus.errors import Conflict, Invalid, Refused

from .conftest import response


def save(assessment, code, user, **values):
    r = response(assessment, code)
    return services.response_update(
        response=r, acting_user=user, version=values.pop("version", r.version), **values
    )


def test_cio_saves_score_and_statement_with_history(world, points_assessment):
    cio = world.users["cio"]
    saved = save(points_assessment, "1.1", cio, self_score="3.5", statement="第一行\r\n第二行")
    assert saved.self_score == Decimal("3.5") and saved.statement == "第一行\n第二行"
    assert saved.version == 2 and saved.updated_by == cio
    saved = save(points_assessment, "1.1", cio, self_score="4")
    history = list(saved.history.order_by("history_date"))
    assert [h.self_score for h in history] == [Decimal("3.5"), Decimal("4.0")]
    assert history[-1].prev_record.self_score == Decimal("3.5")


@pytest.mark.parametrize(
    ("code", "value", "message"),
    [
        ("1.1", "4.5", "最高 4 分"),
        ("1.1", "-1", "不能为负数"),
        ("1.1", "2.3", "0.5 的整数倍"),
        ("1.1", "abc", "不是数字"),
        ("2.1", "10.5", "最高 10 分"),  # starred dimension: up to the dimension max, not beyond
    ],
)
def test_invalid_scores_are_refused_and_nothing_is_written(world, points_assessment, code, value, message):
    save(points_assessment, code, world.users["cio"], self_score="1", statement="原说明")
    with pytest.raises(Invalid, match=message):
        save(points_assessment, code, world.users["cio"], self_score=value, statement="新说明")
    r = response(points_assessment, code)
    assert r.self_score == Decimal(1) and r.statement == "原说明" and r.version == 2


def test_starred_dimension_allows_more_than_nominal_points(world, points_assessment):
    assert save(points_assessment, "2.1", world.users["cio"], self_score="8").self_score == Decimal(8)


def test_statement_is_length_limited(world, points_assessment):
    with pytest.raises(Invalid, match="最多 2000 字"):
        save(points_assessment, "1.1", world.users["cio"], statement="字" * 2001)


def test_compliance_status_and_na_only_on_optional(world, compliance_assessment):
    cio = world.users["cio"]
    assert save(compliance_assessment, "1.2", cio, self_status="na").self_status == "na"
    with pytest.raises(Invalid, match="必选条目，不能选择“不适用”"):
        save(compliance_assessment, "1.1", cio, self_status="na")
    with pytest.raises(Invalid, match="无效"):
        save(compliance_assessment, "1.1", cio, self_status="great")
    with pytest.raises(Invalid, match="达标制指标体系不能打分"):
        save(compliance_assessment, "1.1", cio, self_score="1")


def test_stale_version_is_refused_with_the_newer_value(world, points_assessment):
    cio = world.users["cio"]
    stale = response(points_assessment, "1.2")
    save(points_assessment, "1.2", cio, self_score="5")  # another tab saves first
    with pytest.raises(services.ResponseConflict, match="该条目已在其他窗口或由他人修改") as exc:
        services.response_update(response=stale, acting_user=cio, version=stale.version, self_score="2")
    assert exc.value.current.self_score == Decimal(5)
    assert response(points_assessment, "1.2").self_score == Decimal(5)


@pytest.mark.parametrize("role", ["other_cio", "reviewer", "commission"])
def test_only_the_schools_cio_edits(world, points_assessment, role):
    with pytest.raises(Refused, match="只有本校的信息化负责人"):
        save(points_assessment, "1.1", world.users[role], self_score="1")


def test_no_edits_after_submission_or_after_deadline(world, points_assessment):
    points_assessment.status = AssessmentStatus.SUBMITTED
    points_assessment.save()
    with pytest.raises(services.AssessmentLocked, match="已提交"):
        save(points_assessment, "1.1", world.users["cio"], self_score="1")
    points_assessment.status = AssessmentStatus.DRAFT
    points_assessment.save()
    campaign = points_assessment.campaign
    campaign.self_deadline = timezone.now() - datetime.timedelta(minutes=1)
    campaign.save()
    with pytest.raises(services.AssessmentLocked, match="截止时间.*已过"):
        save(points_assessment, "1.1", world.users["cio"], self_score="1")
    services.deadline_extend(
        assessment=points_assessment,
        new_deadline=timezone.now() + datetime.timedelta(days=3),
        reason="网络故障",
        acting_user=world.users["commission"],
    )
    assert save(points_assessment, "1.1", world.users["cio"], self_score="1").self_score == 1


def test_returned_assessment_allows_only_reopened_items(world, points_assessment):
    points_assessment.status = AssessmentStatus.RETURNED
    points_assessment.save()
    points_assessment.responses.filter(node__code="1.2").update(reopened=True)
    with pytest.raises(services.AssessmentLocked, match="本条目未被退回"):
        save(points_assessment, "1.1", world.users["cio"], self_score="1")
    assert save(points_assessment, "1.2", world.users["cio"], self_score="1").self_score == 1


def test_response_assert_editable_is_the_contract_for_evidence(world, points_assessment):
    r = response(points_assessment, "1.1")
    services.response_assert_editable(response=r, acting_user=world.users["cio"])  # editable: no exception
    with pytest.raises(Refused):  # not their school: answered as "does not exist"
        services.response_assert_editable(response=r, acting_user=world.users["other_cio"])
    r.assessment.status = AssessmentStatus.SUBMITTED
    with pytest.raises(Conflict) as exc:  # their school, but the state forbids it: 409
        services.response_assert_editable(response=r, acting_user=world.users["cio"])
    assert isinstance(exc.value, services.AssessmentLocked) and exc.value.code == "submitted"


def test_history_names_the_actor_without_a_request(world, points_assessment):
    saved = save(points_assessment, "1.1", world.users["cio"], self_score="1")
    assert saved.history.first().history_user == world.users["cio"]
