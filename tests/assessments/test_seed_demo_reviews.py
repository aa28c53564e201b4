"""seed_demo gives the demo reviewers something to review, deterministically and idempotently."""

import io

from django.contrib.auth import get_user_model
from django.core.management import call_command

from assessments.models import Assessment, ReviewAssignment
from assessments.selectors import review_queue


def test_demo_reviewers_have_submitted_assessments_and_the_expert_an_assignment(db):
    call_command("load_frameworks", stdout=io.StringIO())
    for _ in range(2):  # the second run changes nothing
        call_command("seed_demo", "--quiet", stdout=io.StringIO())
    users = {
        u.username: u
        for u in get_user_model().objects.filter(
            username__in=["hd_reviewer", "zd_reviewer", "bj_expert", "hd_cio"]
        )
    }
    hd = review_queue(user=users["hd_reviewer"]).filter(status="submitted")
    assert 1 <= hd.filter(campaign__framework__code="beijing-k12").count() <= 3  # as many as the district has
    assert 1 <= review_queue(user=users["zd_reviewer"]).filter(status="submitted").count() <= 2
    expert = list(review_queue(user=users["bj_expert"]))
    assert [a.school.name for a in expert] == ["北京联合大学"] and expert[0].status == "submitted"
    assert ReviewAssignment.objects.get().lead
    # the CIO demo school stays an untouched draft (the CIO walkthrough starts from zero)
    mine = Assessment.objects.get(
        campaign__framework__code="beijing-k12",
        campaign__year=2026,
        school__memberships__user=users["hd_cio"],
    )
    assert mine.status == "draft"
    assert all(a.version == 2 for a in Assessment.objects.filter(status="submitted"))
