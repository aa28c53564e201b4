import datetime

import pytest
from django.utils import timezone

from assessments import services
from assessments.models import AssessmentStatus
from smartcampus.errors import Refused

from .conftest import response


def answer_all(assessment, user, value="1"):
    for r in assessment.responses.select_related("node", "assessment"):
        services.response_update(response=r, acting_user=user, version=r.version, self_score=value)


def test_submission_lists_exactly_the_missing_items(world, points_assessment):
    r = response(points_assessment, "1.1")
    services.response_update(response=r, acting_user=world.users["cio"], version=r.version, self_score="2")
    with pytest.raises(services.AssessmentIncomplete, match="还有 3 个条目未填写") as exc:
        services.assessment_submit(assessment=points_assessment, acting_user=world.users["cio"])
    assert [m.node.code for m in exc.value.missing] == ["1.2", "2.1", "2.2"]
    points_assessment.refresh_from_db()
    assert points_assessment.status == AssessmentStatus.DRAFT


def test_submit_locks_the_assessment_and_is_idempotent(world, points_assessment):
    cio = world.users["cio"]
    answer_all(points_assessment, cio)
    first = services.assessment_submit(assessment=points_assessment, acting_user=cio)
    assert first.status == AssessmentStatus.SUBMITTED and first.submitted_at
    again = services.assessment_submit(assessment=points_assessment, acting_user=cio)
    assert again.submitted_at == first.submitted_at and again.version == first.version
    assert points_assessment.history.filter(status=AssessmentStatus.SUBMITTED).count() == 1
    r = response(points_assessment, "1.1")
    with pytest.raises(services.AssessmentLocked, match="已提交"):
        services.response_update(response=r, acting_user=cio, version=r.version, self_score="2")


def test_submit_after_deadline_is_refused_unless_extended(world, points_assessment):
    cio = world.users["cio"]
    answer_all(points_assessment, cio)
    campaign = points_assessment.campaign
    campaign.self_deadline = timezone.now() - datetime.timedelta(seconds=1)
    campaign.save()
    with pytest.raises(services.AssessmentLocked, match="截止时间.*已过，不能提交"):
        services.assessment_submit(assessment=points_assessment, acting_user=cio)
    services.deadline_extend(
        assessment=points_assessment,
        new_deadline=timezone.now() + datetime.timedelta(days=1),
        reason="系统维护",
        acting_user=world.users["commission"],
    )
    assert services.assessment_submit(assessment=points_assessment, acting_user=cio).status == "submitted"


@pytest.mark.parametrize("role", ["other_cio", "reviewer", "commission"])
def test_only_the_cio_submits(world, points_assessment, role):
    answer_all(points_assessment, world.users["cio"])
    with pytest.raises(Refused):
        services.assessment_submit(assessment=points_assessment, acting_user=world.users[role])


def test_resubmitting_a_returned_assessment_closes_reopened_items(world, points_assessment):
    cio = world.users["cio"]
    answer_all(points_assessment, cio)
    services.assessment_submit(assessment=points_assessment, acting_user=cio)
    points_assessment.refresh_from_db()
    points_assessment.status = AssessmentStatus.RETURNED
    points_assessment.save()
    points_assessment.responses.filter(node__code="1.2").update(reopened=True)
    r = response(points_assessment, "1.2")
    services.response_update(response=r, acting_user=cio, version=r.version, self_score="5")
    services.assessment_submit(assessment=points_assessment, acting_user=cio)
    assert not points_assessment.responses.filter(reopened=True).exists()
