"""The one results function (`assessments.selectors.results`) and the assessment page that shows it:
self and review side by side once the review is finalised, nothing of an unfinished review before."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from assessments.models import Assessment, AssessmentStatus, ItemResponse, Progress
from assessments.selectors import assessment_results, campaign_results
from indicators.scoring import side_result
from indicators.selectors import framework_nodes, scoring_tree

from .conftest import make_campaign

D = Decimal
CONCLUSION = "整体建设扎实，1.2 项佐证不足，已调整。"
STALE_REQUEST = "请补充创新教室的照片"


def answer(assessment, values: dict, *, status=AssessmentStatus.DRAFT, review: dict | None = None):
    """Test data: the school's values, optionally the reviewer's (code → (verdict, value, comment))."""
    points = assessment.campaign.framework.scoring == "points"
    for r in assessment.responses.select_related("node"):
        value = values.get(r.node.code)
        r.self_score, r.self_status = (value, None) if points else (None, value)
        verdict, review_value, comment = (review or {}).get(r.node.code, (None, None, ""))
        r.review_verdict, r.review_comment = verdict, comment
        r.review_score, r.review_status = (review_value, None) if points else (None, review_value)
        r.save()
    Assessment.objects.filter(pk=assessment.pk).update(
        status=status,
        submitted_at=None if status == AssessmentStatus.DRAFT else timezone.now(),
        review_conclusion=CONCLUSION if status == AssessmentStatus.FINALISED else "",
    )
    return Assessment.objects.select_related("campaign__framework", "school__region").get(pk=assessment.pk)


SCORES = {"1.1": D(4), "1.2": D("5.5"), "2.1": D(5), "2.2": D(3)}
REVIEWED = {
    "1.1": ("accept", D(4), ""),
    "1.2": ("adjust", D("4.5"), "证据不足以支撑满分"),
    "2.1": ("accept", D(5), ""),
    "2.2": ("accept", D(3), ""),
}


def test_draft_results_are_the_live_self_side_and_count_in_progress_only(world, points_assessment):
    a = answer(points_assessment, {"1.1": D(4), "1.2": D(5)})
    results = assessment_results(assessment=a)
    assert results.self.total == 9 and results.self.percent == D("45.0")  # 9 of 20
    assert results.review is None and results.conclusion == "" and results.difference is None
    assert not results.self_counted and not results.review_counted
    assert results.progress == Progress.DRAFT
    empty = assessment_results(assessment=answer(points_assessment, {}))
    assert empty.progress == Progress.NOT_STARTED and empty.self.answered == 0


def test_unfinished_review_shows_nothing_of_the_review(world, points_assessment):
    review = {**REVIEWED, "2.2": ("more_evidence", None, STALE_REQUEST)}
    for status in (AssessmentStatus.IN_REVIEW, AssessmentStatus.RETURNED, AssessmentStatus.SUBMITTED):
        a = answer(points_assessment, SCORES, status=status, review=review)
        results = assessment_results(assessment=a)
        assert results.self_counted and results.review is None and not results.review_counted
        assert all(i.review_value is None and i.verdict is None and i.comment == "" for i in results.items)
        assert results.adjusted == () and results.conclusion == ""


def test_finalised_results_side_by_side_adjusted_items_and_conclusion(world, points_assessment):
    a = answer(points_assessment, SCORES, status=AssessmentStatus.FINALISED, review=REVIEWED)
    results = assessment_results(assessment=a)
    assert results.self.total == D("17.5") and results.review.total == D("16.5")
    assert results.self.percent == D("87.5") and results.review.percent == D("82.5")
    assert results.difference == D("-1.0") and results.conclusion == CONCLUSION
    first = results.dimensions[0]
    assert first.self.score == D("9.5") and first.review.score == D("8.5") and first.difference == D("-1.0")
    assert results.dimensions[1].difference == D("0.0")
    assert [(i.code, i.self_value, i.review_value, i.comment) for i in results.adjusted] == [
        ("1.2", D("5.5"), D("4.5"), "证据不足以支撑满分")
    ]
    assert [i.verdict_label for i in results.items] == ["认可", "调整", "认可", "认可"]
    tree = scoring_tree(framework=a.campaign.framework, nodes=framework_nodes(framework=a.campaign.framework))
    assert results.self == side_result(tree, SCORES)  # the engine, summarised


def test_compliance_results_count_required_and_optional_items(world, compliance_campaign):
    a = Assessment.objects.get(campaign=compliance_campaign, school=world.school_a1)
    review = {
        "1.1": ("adjust", "partial", "仅部分覆盖"),
        "1.2": ("accept", "met", ""),
        "2.1": ("accept", "met", ""),
    }
    a = answer(
        a, {"1.1": "met", "1.2": "met", "2.1": "met"}, status=AssessmentStatus.FINALISED, review=review
    )
    results = assessment_results(assessment=a)
    own, reviewed = results.self.compliance, results.review.compliance
    assert (own.required, own.met, own.optional, own.optional_met) == (2, 2, 1, 1) and own.meets_standard
    assert results.self.percent == D("100.0") and results.review.percent == D("75.0")
    assert (reviewed.met, reviewed.partial) == (1, 1) and not reviewed.meets_standard
    assert results.difference == D("-25.0") and [i.code for i in results.adjusted] == ["1.1"]


def test_results_read_one_query_or_none(world, points_assessment, django_assert_num_queries):
    a = answer(points_assessment, SCORES, status=AssessmentStatus.FINALISED, review=REVIEWED)
    assessment_results(assessment=a)  # the framework's nodes are read once per process (locked)
    with django_assert_num_queries(1):
        assessment_results(assessment=a)
    responses = list(ItemResponse.objects.filter(assessment=a))
    with django_assert_num_queries(0):
        assert assessment_results(assessment=a, responses=responses).review.total == D("16.5")


def test_campaign_results_stream_the_same_results(world, points_campaign):
    a1 = Assessment.objects.get(campaign=points_campaign, school=world.school_a1)
    answer(a1, SCORES, status=AssessmentStatus.FINALISED, review=REVIEWED)
    a2 = Assessment.objects.get(campaign=points_campaign, school=world.school_a2)
    answer(a2, {"1.1": D(1)}, status=AssessmentStatus.SUBMITTED)
    streamed = {
        r.assessment_id: r
        for r in campaign_results(campaign=points_campaign, region=world.city_a, chunk_size=3)
    }
    assert set(streamed) == set(
        Assessment.objects.filter(campaign=points_campaign).values_list("pk", flat=True)
    )
    for pk, result in streamed.items():
        one = assessment_results(
            assessment=Assessment.objects.select_related("campaign__framework").get(pk=pk)
        )
        assert result == one
    only_a2 = list(campaign_results(campaign=points_campaign, region=world.district_a2))
    assert [r.assessment_id for r in only_a2] == [a2.pk]


# --- the assessment page --------------------------------------------------------------------------


def page(client, assessment) -> str:
    response = client.get(reverse("assessments:assessment-detail", args=[assessment.pk]))
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize("role", ["cio", "commission", "reviewer"])
def test_finalised_page_shows_self_and_review_adjusted_items_and_conclusion(
    world, client_for, points_assessment, role
):
    a = answer(points_assessment, SCORES, status=AssessmentStatus.FINALISED, review=REVIEWED)
    html = page(client_for(role), a)
    assert "评审结果（已定稿）" in html and 'data-testid="total-review"' in html
    assert CONCLUSION in html and "证据不足以支撑满分" in html
    assert "16.5" in html and "17.5" in html and "82.5%" in html and "87.5%" in html
    adjusted = html[html.index('data-testid="adjusted-items"') :]
    assert "1.2" in adjusted and "5.5" in adjusted and "4.5" in adjusted


@pytest.mark.parametrize("status", [AssessmentStatus.IN_REVIEW, AssessmentStatus.RETURNED])
def test_unfinished_review_is_not_on_the_page(world, client_for, points_assessment, status):
    review = {**REVIEWED, "1.2": ("adjust", D("0.5"), "调整意见不应被学校看到")}
    a = answer(points_assessment, SCORES, status=status, review=review)
    html = page(client_for("cio"), a)
    assert 'data-testid="total-review"' not in html and "调整意见不应被学校看到" not in html
    assert "评审结果在定稿后显示" in html or status == AssessmentStatus.RETURNED


def test_compliance_page_says_how_the_index_is_computed_and_counts_optional_items(
    world, client_for, compliance_campaign
):
    a = Assessment.objects.get(campaign=compliance_campaign, school=world.school_a1)
    a = answer(a, {"1.1": "partial", "1.2": "met", "2.1": "met"}, status=AssessmentStatus.SUBMITTED)
    html = page(client_for("cio"), a)
    assert "部分达标计 0.5（算一半）" in html and "选配达标 1 / 1" in html
    assert "75.0%" in html and "0.75" not in html


# --- the API --------------------------------------------------------------------------------------


def test_api_results_are_the_same_results(world, client_for, points_assessment):
    a = answer(points_assessment, SCORES, status=AssessmentStatus.FINALISED, review=REVIEWED)
    body = client_for("cio").get(f"/api/results/{a.pk}/").json()
    assert body["status"] == "finalised" and body["progress"] == "finalised" and body["review_counted"]
    assert body["self"]["total"] == "17.5" and body["self"]["percent"] == "87.5"
    assert body["review"]["total"] == "16.5" and body["difference"] == "-1.0"
    assert body["conclusion"] == CONCLUSION
    assert [
        (d["code"], d["self"]["score"], d["review"]["score"], d["difference"]) for d in body["dimensions"]
    ] == [
        ("1", "9.5", "8.5", "-1.0"),
        ("2", "8.0", "8.0", "0.0"),
    ]
    adjusted = [i for i in body["items"] if i["adjusted"]]
    assert [(i["code"], i["self_value"], i["review_value"], i["comment"]) for i in adjusted] == [
        ("1.2", "5.5", "4.5", "证据不足以支撑满分")
    ]


def test_api_results_hide_an_unfinished_review(world, client_for, points_assessment):
    a = answer(points_assessment, SCORES, status=AssessmentStatus.IN_REVIEW, review=REVIEWED)
    for role in ("cio", "commission", "reviewer"):
        body = client_for(role).get(f"/api/results/{a.pk}/").json()
        assert body["review"] is None and body["difference"] is None and body["conclusion"] == ""
        assert all(i["review_value"] is None and i["verdict"] is None for i in body["items"])
    assert client_for("other_cio").get(f"/api/results/{a.pk}/").status_code == 404


def test_api_results_of_compliance_say_percent_and_optional_counts(world, client_for, compliance_campaign):
    a = Assessment.objects.get(campaign=compliance_campaign, school=world.school_a1)
    a = answer(a, {"1.1": "partial", "1.2": "met", "2.1": "met"}, status=AssessmentStatus.SUBMITTED)
    body = client_for("cio").get(f"/api/results/{a.pk}/").json()
    counts = body["self"]["compliance"]
    assert body["self"]["percent"] == "75.0" and body["self"]["total"] is None
    assert (counts["optional_met"], counts["optional"], counts["partial"]) == (1, 1, 1)


def test_api_results_queries_do_not_grow_with_items(world, client_for, django_assert_max_num_queries):
    from django.core.management import call_command

    from indicators.models import Framework

    call_command("load_frameworks", stdout=None)
    client = client_for("cio")
    counts = []
    for framework in (Framework.objects.get(code="beijing-k12"), small_framework()):
        campaign = make_campaign(world, framework, schools=[world.school_a1], title=f"查询 {framework.code}")
        a = Assessment.objects.get(campaign=campaign)
        client.get(f"/api/results/{a.pk}/")  # the framework's nodes, read once per process
        with django_assert_max_num_queries(10) as ctx:
            assert client.get(f"/api/results/{a.pk}/").status_code == 200
        counts.append(len(ctx))
    assert counts[0] == counts[1]


def small_framework():
    from ..factories import small_points_framework

    return small_points_framework()
