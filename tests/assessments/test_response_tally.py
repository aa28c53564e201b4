"""The item counts the review queue shows (`item_total`, `item_pending`) come from the tally
PostgreSQL's triggers keep (`ResponseTally`). Whatever writes the responses (a service, a bulk
UPDATE, raw SQL, a delete, an assessment deleted with its items), the tally must equal what counting
the responses gives, in the writer's own transaction."""

from __future__ import annotations

from django.db import connection, transaction
from django.db.models import Count, Q

from assessments import services
from assessments.models import AWAITING_REVIEW, Assessment, ItemResponse, ResponseTally, ReviewVerdict
from assessments.selectors import response_count, response_tally, review_queue_rows

from ..conftest import requires_services
from .conftest import response

pytestmark = requires_services  # the tally is kept by PostgreSQL's triggers


def counted() -> dict[int, tuple[int, int]]:
    """Every assessment's (items, items awaiting review), counted from the responses."""
    rows = Assessment.objects.annotate(
        total=Count("responses"),
        pending=Count("responses", filter=Q(responses__in=ItemResponse.objects.filter(AWAITING_REVIEW))),
    )
    return {a.pk: (a.total, a.pending) for a in rows}


def tallied() -> dict[int, tuple[int, int]]:
    """Every assessment's (items, items awaiting review) as `response_tally` reads them."""
    return {a.pk: (a.item_total, a.item_pending) for a in Assessment.objects.annotate(**response_tally())}


def assert_agrees() -> None:
    with connection.cursor() as cursor:  # what the deferred foreign keys say at commit, now
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    expected = counted()
    assert tallied() == expected
    assert any(total for total, _pending in expected.values()), "the campaign has items to count"


def test_a_new_campaign_is_tallied_as_its_items_are_made(world, points_campaign):
    assert_agrees()
    assessment = Assessment.objects.get(campaign=points_campaign, school=world.school_a1)
    assert (assessment.tally.total, assessment.tally.pending) == (4, 4)


def test_the_services_keep_it_through_a_review(world, points_campaign, submitted):
    reviewer = world.users["reviewer"]
    services.review_start(assessment=submitted, acting_user=reviewer)
    first, second = response(submitted, "1.1"), response(submitted, "1.2")
    services.verdict_save(response=first, acting_user=reviewer, version=first.version, verdict="accept")
    services.verdict_save(
        response=second,
        acting_user=reviewer,
        version=second.version,
        verdict="more_evidence",
        comment="请补充",
    )
    assert_agrees()
    submitted.tally.refresh_from_db()
    # "more evidence" still awaits review; "accept" does not
    assert (submitted.tally.total, submitted.tally.pending) == (4, 3)
    (row,) = review_queue_rows(user=reviewer, limit=50)
    assert (row.item_total, row.item_pending) == (4, 3)


def test_bulk_updates_raw_sql_and_deletes_are_tallied(world, points_campaign, submitted):
    ItemResponse.objects.filter(assessment__campaign=points_campaign).update(
        review_verdict=ReviewVerdict.ACCEPT
    )
    assert_agrees()
    # a change that does not touch the verdict leaves the counts alone
    ItemResponse.objects.filter(assessment=submitted).update(statement="改过的说明")
    assert_agrees()
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE assessments_itemresponse SET review_verdict = NULL WHERE id = %s",
            [response(submitted, "1.1").pk],
        )
    assert_agrees()
    ItemResponse.objects.filter(assessment=submitted, node__code="1.2").delete()
    assert_agrees()
    submitted.tally.refresh_from_db()
    assert (submitted.tally.total, submitted.tally.pending) == (3, 1)


def test_an_item_moved_to_another_assessment_is_tallied_on_both(world, points_campaign):
    a1, a2 = (
        Assessment.objects.get(campaign=points_campaign, school=s) for s in (world.school_a1, world.school_a2)
    )
    moved = response(a1, "1.1")
    ItemResponse.objects.filter(assessment=a2, node=moved.node).delete()
    ItemResponse.objects.filter(pk=moved.pk).update(assessment=a2, review_verdict=ReviewVerdict.ACCEPT)
    assert_agrees()
    assert counted()[a1.pk] == (3, 3) and counted()[a2.pk] == (4, 3)


def test_an_assessment_deleted_with_its_items_leaves_no_tally(world, points_campaign, submitted):
    pk = submitted.pk
    with transaction.atomic():
        submitted.delete()
    assert_agrees()
    assert not ResponseTally.objects.filter(assessment_id=pk).exists()


def test_responses_made_in_bulk_are_tallied(world, points_campaign):
    assessment = Assessment.objects.get(campaign=points_campaign, school=world.school_a1)
    nodes = [r.node for r in assessment.responses.select_related("node")]
    assessment.responses.all().delete()
    assert ResponseTally.objects.get(pk=assessment.pk).total == 0
    ItemResponse.objects.bulk_create(
        [
            ItemResponse(assessment=assessment, node=n, review_verdict=ReviewVerdict.ACCEPT if i else None)
            for i, n in enumerate(nodes)
        ]
    )
    assert_agrees()
    assert counted()[assessment.pk] == (4, 1)


def test_the_queue_reads_the_tally_where_it_used_to_count(world, points_campaign, submitted):
    """The two readings agree row for row, and the queue's statement no longer counts responses."""
    with_tally = Assessment.objects.annotate(**response_tally()).order_by("pk")
    with_count = Assessment.objects.annotate(
        item_total=response_count(), item_pending=response_count(AWAITING_REVIEW)
    ).order_by("pk")
    assert [(a.pk, a.item_total, a.item_pending) for a in with_tally] == [
        (a.pk, a.item_total, a.item_pending) for a in with_count
    ]
    sql = str(with_tally.query)
    assert "assessments_responsetally" in sql and "assessments_itemresponse" not in sql
