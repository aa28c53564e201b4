"""With the district review's consolidated values: reviewer totals everywhere come from the
scoring engine applied to review_score/review_status, next to the self values."""

from __future__ import annotations

import io
from decimal import Decimal

from openpyxl import load_workbook

from assessments.models import Assessment, AssessmentStatus, ItemResponse
from assessments.selectors import assessment_list
from reports.school_report import school_report_context
from reports.stats import campaign_dashboard
from reports.workbook import city_workbook_write

from .conftest import engine_result, set_status


def review(campaign, school):
    """The reviewer accepts every item but lowers 1.2 by one point (with a comment)."""
    for r in ItemResponse.objects.filter(
        assessment__campaign=campaign, assessment__school=school
    ).select_related("node"):
        if r.node.code == "1.2":
            r.self_score = Decimal(4)  # whatever the random fill gave: high enough to be lowered
        r.review_verdict = "accept"
        r.review_score = r.self_score
        if r.node.code == "1.2":
            r.review_verdict, r.review_score, r.review_comment = (
                "adjust",
                r.self_score - 1,
                "证据不足以支撑满分",
            )
        r.save()


def test_reviewer_values_in_workbook_dashboard_and_report(world, points_campaign):
    review(points_campaign, world.school_a1)
    set_status(points_campaign, AssessmentStatus.FINALISED, schools=[world.school_a1])
    assessment = Assessment.objects.select_related("campaign__framework", "school__region").get(
        campaign=points_campaign, school=world.school_a1
    )
    self_result, review_result = engine_result(assessment), engine_result(assessment, field="review")
    out = io.BytesIO()
    city_workbook_write(campaign=points_campaign, region=points_campaign.region, out=out)
    out.seek(0)
    wb = load_workbook(out)
    row = next(r for r in wb["学校汇总"].iter_rows(values_only=True) if r[1] == "S-A1")
    assert Decimal(str(row[6])) == self_result.total and Decimal(str(row[10])) == review_result.total
    assert row[13] == 1  # the only reviewed school ranks first on the reviewer's totals
    detail = [r for r in wb["逐项明细"].iter_rows(values_only=True) if r[1] == "S-A1"]
    assert {r[11] for r in detail} == {"认可", "调整"}

    board = campaign_dashboard(
        campaign=points_campaign, assessments=assessment_list(user=world.users["commission"])
    )
    assert board.review_values == {assessment.pk: review_result.total}
    a1 = next(d for d in board.districts if d.name == "甲一区")
    assert a1.reviewed == 1 and a1.figures.difference == review_result.total - self_result.total

    context = school_report_context(assessment=assessment)
    assert context["review"].total == review_result.total
    adjusted = [i for i in context["items"] if i.verdict == "调整"]
    assert [i.code for i in adjusted] == ["1.2"] and adjusted[0].comment == "证据不足以支撑满分"
    assert context["adjusted"] == adjusted


def test_an_unfinished_review_counts_nowhere(world, points_campaign):
    review(points_campaign, world.school_a1)
    set_status(points_campaign, AssessmentStatus.IN_REVIEW, schools=[world.school_a1])
    assessment = Assessment.objects.select_related("campaign__framework", "school__region").get(
        campaign=points_campaign, school=world.school_a1
    )
    out = io.BytesIO()
    city_workbook_write(campaign=points_campaign, region=points_campaign.region, out=out)
    out.seek(0)
    wb = load_workbook(out)
    row = next(r for r in wb["学校汇总"].iter_rows(values_only=True) if r[1] == "S-A1")
    assert row[10:16] == (None,) * 6
    detail = [r for r in wb["逐项明细"].iter_rows(values_only=True) if r[1] == "S-A1"]
    assert {r[10] for r in detail} == {None} and {r[12] for r in detail} == {None}
    board = campaign_dashboard(
        campaign=points_campaign, assessments=assessment_list(user=world.users["commission"])
    )
    assert board.review_values == {} and board.total.figures.review.count == 0
    context = school_report_context(assessment=assessment)
    assert context["review"] is None and context["review_pending"]
    assert not any(i.comment or i.verdict for i in context["items"])


def test_the_dashboard_aggregate_leaves_the_planner_settings_as_it_found_them(world, points_campaign):
    """The dimension sums ask PostgreSQL to sort rather than hash, for their statement only: the
    figures are the same, and the statements after it, inside the same transaction or not, run
    with the settings they had."""
    from django.db import connection, transaction

    review(points_campaign, world.school_a1)
    set_status(points_campaign, AssessmentStatus.FINALISED, schools=[world.school_a1])
    assessment = Assessment.objects.get(campaign=points_campaign, school=world.school_a1)

    def hashagg():
        with connection.cursor() as cursor:
            cursor.execute("SHOW enable_hashagg")
            return cursor.fetchone()[0]

    scope = assessment_list(user=world.users["commission"])
    with transaction.atomic():
        board = campaign_dashboard(campaign=points_campaign, assessments=scope)
        assert hashagg() == "on"
    assert hashagg() == "on"
    assert board.review_values == {assessment.pk: engine_result(assessment, field="review").total}
