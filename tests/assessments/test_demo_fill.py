"""`seed_demo --campaign … --fill`: complete, varied, deterministic demo data in bulk."""

import io

import pytest
from django.core.management import call_command

from assessments.models import Assessment, AssessmentStatus, ItemResponse, ItemReview
from evidence.models import EvidenceFile, ResponseEvidence
from indicators.scoring import validate_compliance_status, validate_points_score
from indicators.selectors import framework_nodes, scoring_tree


def run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def snapshot(code):
    return list(
        ItemResponse.objects.filter(assessment__campaign__framework__code=code)
        .order_by("assessment__school__code", "node__position")
        .values_list("assessment__school__code", "node__code", "self_score", "self_status", "statement")
    )


@pytest.mark.parametrize("code", ["beijing-k12", "zhejiang-k12"])
def test_fill_answers_the_campaign_realistically_and_deterministically(db, media, code):
    run("load_frameworks")
    output = run("seed_demo", "--schools", "60", "--campaign", code, "--fill", "--quiet")
    assert "已填充" in output
    assessments = Assessment.objects.filter(campaign__framework__code=code)
    assert assessments.count() == 60  # --campaign: --schools counts the schools of that region
    statuses = set(assessments.values_list("status", flat=True))
    assert {AssessmentStatus.FINALISED, AssessmentStatus.IN_REVIEW, AssessmentStatus.DRAFT} <= statuses
    # Everything past draft is complete; a returned assessment has items to answer again.
    submitted = ItemResponse.objects.filter(assessment__in=assessments.exclude(status=AssessmentStatus.DRAFT))
    assert not submitted.filter(self_score__isnull=True, self_status__isnull=True).exists()
    for returned in assessments.filter(status=AssessmentStatus.RETURNED):
        assert returned.responses.filter(reopened=True).exists()
    # Every value passes the scoring engine's own validation, and the values vary.
    framework = assessments.first().campaign.framework
    tree = scoring_tree(framework=framework, nodes=framework_nodes(framework=framework))
    values = set()
    for node_code, score, status in submitted.values_list("node__code", "self_score", "self_status"):
        if tree.scoring == "points":
            validate_points_score(tree, node_code, score)
            values.add(score)
        else:
            validate_compliance_status(tree, node_code, status)
            values.add(status)
    assert len(values) >= 3
    # Evidence: a few real files per school, each supporting several items, bytes in storage.
    per_school = {}
    for school_id, name in EvidenceFile.objects.values_list("school_id", "file"):
        per_school.setdefault(school_id, []).append(name)
        assert (media / name).read_bytes()[:4] in (b"%PDF", b"\x89PNG")
    assert per_school and max(len(v) for v in per_school.values()) <= 4
    assert ResponseEvidence.objects.count() > EvidenceFile.objects.count()

    # Reviews: every reviewed item has the district reviewer's own round-1 verdict, the same as the
    # consolidated one (single review); a returned assessment waits in round 2.
    reviewed = ItemResponse.objects.filter(assessment__in=assessments, reviewed_by__isnull=False)
    reviews = ItemReview.objects.filter(response__assessment__in=assessments)
    assert reviewed.exists() and reviews.count() == reviewed.count()
    for review in reviews.select_related("response")[:200]:
        r = review.response
        assert (review.reviewer_id, review.round, review.verdict, review.score, review.status) == (
            r.reviewed_by_id,
            1,
            r.review_verdict,
            r.review_score,
            r.review_status,
        )
    assert set(
        assessments.filter(status=AssessmentStatus.RETURNED).values_list("review_round", flat=True)
    ) <= {2}

    first = snapshot(code)
    counts = (EvidenceFile.objects.count(), ResponseEvidence.objects.count(), reviews.count())
    run("seed_demo", "--schools", "60", "--campaign", code, "--fill", "--quiet")
    assert snapshot(code) == first
    assert (EvidenceFile.objects.count(), ResponseEvidence.objects.count(), reviews.count()) == counts


def test_fill_is_bulk(db, media, django_assert_max_num_queries):
    run("load_frameworks")
    run("seed_demo", "--schools", "10", "--campaign", "beijing-k12", "--quiet")
    # 200 schools: a constant number of statements (chunks), not one per school or per item. About
    # 120 of them are the demo CIOs' few classrooms, written through the classroom services; the
    # demo designations, rectification items, the city acceptance and sample, the demo visit and
    # publication (about 15) and the planner statistics add a few more.
    with django_assert_max_num_queries(360):
        run("seed_demo", "--schools", "200", "--campaign", "beijing-k12", "--fill", "--quiet")
    assert (
        ItemResponse.objects.filter(assessment__campaign__framework__code="beijing-k12")
        .exclude(self_score=None)
        .count()
        > 150 * 40
    )


def test_fill_nominates_and_awards_passed_schools_within_the_quotas(db, media):
    from assessments.models import Designation, DesignationQuota
    from assessments.selectors import designations_of

    run("load_frameworks")
    run("seed_demo", "--schools", "60", "--campaign", "zibo-k12", "--fill", "--quiet")
    designations = Designation.objects.filter(campaign__framework__code="zibo-k12")
    assert designations.filter(state="awarded").exists() and designations.filter(state="nominated").exists()
    assert not designations.exclude(assessment__result_passed=True).exists()
    for quota in DesignationQuota.objects.filter(campaign__framework__code="zibo-k12"):
        held = designations.filter(kind=quota.kind, assessment__school__region=quota.region).count()
        assert held <= quota.quota
    awarded = designations.filter(state="awarded", kind="standard").first()
    assert "淄博市智慧校园" in designations_of([awarded.assessment_id])[awarded.assessment_id]
