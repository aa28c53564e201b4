"""The item pages' bodies, the reviewer workbench's and the school's, are kept whole per exact
content (assessments/views/bodies.py): a repeat visit reads a digest instead of the rows, every
change the page shows is on the next visit exactly as a fresh render shows it (the passing of the
deadline too), and each request's forms carry its own CSRF token."""

from __future__ import annotations

import datetime
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessments import services
from assessments.models import Assessment, FactValue, ItemReview
from assessments.views import bodies
from tests.html import document, text

from .conftest import make_campaign, response
from .facts_support import answer_all, record_facts, ruled_campaign

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="(\w+)"')
ANY_TOKEN = re.compile(r'(csrfmiddlewaretoken" value="|"X-CSRFToken": ")\w+')


def page(client, url: str) -> str:
    got = client.get(url)
    assert got.status_code == 200
    return got.content.decode()


def same_page(a: str, b: str) -> bool:
    """Equal but for the CSRF token, masked afresh on every request."""
    return ANY_TOKEN.sub(r"\1", a) == ANY_TOKEN.sub(r"\1", b)


def agree(client, url: str) -> str:
    """The page as kept (or kept now), after asserting it equals a fresh render from the rows."""
    kept = page(client, url)
    bodies._BODIES.clear()
    assert same_page(kept, page(client, url))
    return kept


def repeat_visit_statements(client, url: str) -> str:
    """The statements of a repeat visit, after asserting it shows what the first one did."""
    first = page(client, url)
    with CaptureQueriesContext(connection) as queries:
        again = page(client, url)
    assert same_page(first, again)
    return " ".join(q["sql"] for q in queries.captured_queries)


def workbench_url(assessment, code="1.1") -> str:
    return reverse("assessments:review-item", args=[assessment.pk, code])


def workbench(client, assessment, code="1.1") -> str:
    return page(client, workbench_url(assessment, code))


def kept_and_fresh_agree(client, assessment, code="1.1") -> str:
    return agree(client, workbench_url(assessment, code))


@pytest.fixture
def in_review(world, submitted) -> Assessment:
    services.review_start(assessment=submitted, acting_user=world.users["reviewer"])
    return Assessment.objects.get(pk=submitted.pk)


def test_a_repeat_visit_reads_a_digest_instead_of_the_rows(world, client_for, in_review):
    client = client_for("reviewer")
    statements = repeat_visit_statements(client, workbench_url(in_review))
    assert "sha256" in statements
    # the verdicts, the clause ticks and the facts are not read: the digest stands for them
    assert '"assessments_itemreview"' not in statements
    assert '"assessments_clausecheck"' not in statements
    # nor for a page that is not there
    assert client.get(reverse("assessments:review-item", args=[in_review.pk, "9.9"])).status_code == 404


def test_every_change_shows_on_the_next_visit(world, client_for, in_review):
    reviewer, client = world.users["reviewer"], client_for("reviewer")
    kept_and_fresh_agree(client, in_review)
    r = response(in_review, "1.1")
    services.verdict_save(
        response=r, acting_user=reviewer, version=r.version, verdict="adjust", score="1", comment="偏高"
    )
    html = kept_and_fresh_agree(client, in_review)
    assert text(html, "review-progress") == "1 / 4"
    assert document(html).xpath("//textarea[@id='comment']/text()") == ["偏高"]
    # the other items' pages count the verdict too
    assert text(kept_and_fresh_agree(client, in_review, "1.2"), "review-progress") == "1 / 4"
    # the reviewer's name in the verdicts' record, the school's and the region's names
    reviewer.first_name = "王专家"
    reviewer.save()
    assert "王专家" in kept_and_fresh_agree(client, in_review)
    world.school_a1.name = "甲一区第一小学（新校名）"
    world.school_a1.save()
    assert "（新校名）" in kept_and_fresh_agree(client, in_review)
    world.city_a.name = "甲市（更名）"
    world.city_a.save()
    assert "甲市（更名）" in kept_and_fresh_agree(client, in_review)
    # a verdict removed by hand (no service bumps anything): the rows read differ all the same
    assert document(kept_and_fresh_agree(client, in_review)).xpath("//*[@data-testid='rounds']")
    ItemReview.objects.filter(response=r).delete()
    assert not document(kept_and_fresh_agree(client, in_review)).xpath("//*[@data-testid='rounds']")


def test_a_corrected_fact_shows_on_the_next_visit(world, client_for):
    campaign = ruled_campaign(world)
    assessment = Assessment.objects.get(campaign=campaign, school=world.school_a1)
    cio, reviewer = world.users["cio"], world.users["reviewer"]
    record_facts(assessment, cio, uplink_mbps="500")
    answer_all(assessment, cio)
    services.assessment_submit(assessment=assessment, acting_user=cio)
    assessment = Assessment.objects.get(pk=assessment.pk)
    services.review_start(assessment=assessment, acting_user=reviewer)
    client = client_for("reviewer")
    before = kept_and_fresh_agree(client, assessment)
    # corrected in the database by hand (an import, the admin): nothing bumped, the row differs
    FactValue.objects.filter(assessment=assessment, fact__code="uplink_mbps").update(value=100000)
    after = kept_and_fresh_agree(client, assessment)
    assert text(before, "fact-check-panel") != text(after, "fact-check-panel")


def test_a_clause_tick_shows_on_the_next_visit(world, client_for):
    from indicators.models import Node
    from tests.factories import fill_and_submit, small_compliance_framework

    from .test_clauses import TEXT

    framework = small_compliance_framework()
    Node.objects.filter(framework=framework, code="1.1").update(text=TEXT)
    campaign = make_campaign(world, framework, title="2026年甲市达标自评")
    assessment = fill_and_submit(campaign.assessments.get(school=world.school_a1), world.users["cio"])
    reviewer, client = world.users["reviewer"], client_for("reviewer")
    services.review_start(assessment=assessment, acting_user=reviewer)
    doc = document(kept_and_fresh_agree(client, assessment))
    assert not doc.xpath("//form[@id='clause-form-review']//input[@name='met' and @checked]")
    r = response(assessment, "1.1")
    services.clause_check_save(response=r, side="review", met=[1], version=0, acting_user=reviewer)
    doc = document(kept_and_fresh_agree(client, assessment))
    assert doc.xpath("//form[@id='clause-form-review']//input[@name='met' and @checked]/@value") == ["1"]


def test_the_verdict_form_posts_with_each_requests_token(world, in_review):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.users["reviewer"])
    workbench(client, in_review)
    kept = workbench(client, in_review)  # the kept body, the token put in on the way out
    token = TOKEN.search(kept).group(1)
    r = response(in_review, "1.1")
    save = reverse("assessments:review-item-save", args=[in_review.pk, "1.1"])
    posted = client.post(
        save, {"version": r.version, "verdict": "accept", "comment": "", "csrfmiddlewaretoken": token}
    )
    assert posted.status_code == 200 and posted["X-Save-Status"] == "200"
    assert text(workbench(client, in_review), "review-progress") == "1 / 4"


def test_each_reviewer_and_language_gets_their_own_body(world, client_for, in_review):
    from django.conf import settings

    reviewer = client_for("reviewer")
    chinese = workbench(reviewer, in_review)
    reviewer.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = workbench(reviewer, in_review)
    assert "返回评审总览" in chinese and "返回评审总览" not in english
    commission = client_for("commission")  # reads the review, may not give verdicts
    theirs = workbench(commission, in_review)
    assert not same_page(theirs, chinese)
    assert document(theirs).xpath("//*[@data-testid='locked']")
    assert not document(chinese).xpath("//*[@data-testid='locked']")


# --- the school's item page ---------------------------------------------------------------------


def item_url(assessment, code="1.1", query="") -> str:
    return reverse("assessments:assessment-item", args=[assessment.pk, code]) + query


def item_page(client, assessment, code="1.1", query="") -> str:
    return page(client, item_url(assessment, code, query))


def item_kept_and_fresh_agree(client, assessment, code="1.1", query="") -> str:
    return agree(client, item_url(assessment, code, query))


def test_a_repeat_item_visit_reads_a_digest_instead_of_the_rows(world, client_for, points_assessment):
    statements = repeat_visit_statements(client_for("cio"), item_url(points_assessment))
    assert "sha256" in statements
    assert '"assessments_clausecheck"' not in statements and '"assessments_factvalue"' not in statements


def test_every_answer_shows_on_the_next_item_visit(world, client_for, points_assessment):
    cio, client = world.users["cio"], client_for("cio")
    assert text(item_kept_and_fresh_agree(client, points_assessment), "progress") == "0 / 4"
    r = response(points_assessment, "1.1")
    services.response_update(response=r, acting_user=cio, version=r.version, self_score="1", statement="初稿")
    html = item_kept_and_fresh_agree(client, points_assessment)
    assert text(html, "progress") == "1 / 4"
    assert document(html).xpath("//textarea[@id='statement']/text()") == ["初稿"]
    # another item's answer moves the progress and the navigation of this one
    r = response(points_assessment, "1.2")
    services.response_update(response=r, acting_user=cio, version=r.version, self_score="1")
    assert text(item_kept_and_fresh_agree(client, points_assessment), "progress") == "2 / 4"
    unfinished = item_kept_and_fresh_agree(client, points_assessment, "2.1", "?unfinished=1")
    assert not same_page(unfinished, item_kept_and_fresh_agree(client, points_assessment, "2.1"))
    # the campaign renamed (no service: the row's new version is enough)
    points_assessment.campaign.__class__.objects.filter(pk=points_assessment.campaign_id).update(
        title="2026年甲市智慧校园自评（更名）"
    )
    assert "（更名）" in item_kept_and_fresh_agree(client, points_assessment)


def test_the_deadline_passing_closes_the_form_on_the_next_visit(world, client_for, points_assessment):
    import time

    from django.utils import timezone

    client = client_for("cio")
    deadline = timezone.now() + datetime.timedelta(seconds=2)
    Assessment.objects.filter(pk=points_assessment.pk).update(deadline_override=deadline)
    open_form = document(item_kept_and_fresh_agree(client, points_assessment))
    assert not open_form.xpath("//form[@id='response-form']/fieldset[@disabled]")
    kept_open = item_page(client, points_assessment)
    time.sleep(max(0.0, (deadline - timezone.now()).total_seconds()) + 0.1)  # no row changes
    closed = item_page(client, points_assessment)
    assert not same_page(kept_open, closed)
    assert document(closed).xpath("//form[@id='response-form']/fieldset[@disabled]")
    assert document(closed).xpath("//*[@data-testid='locked']")
    bodies._BODIES.clear()
    assert same_page(closed, item_page(client, points_assessment))


def test_each_user_gets_their_own_item_body(world, client_for, points_assessment):
    cio = item_page(client_for("cio"), points_assessment)
    commission = item_page(client_for("commission"), points_assessment)  # may read, not edit
    assert not document(cio).xpath("//*[@data-testid='locked']")
    assert document(commission).xpath("//*[@data-testid='locked']")


# --- the school's overview ------------------------------------------------------------------------


def overview_url(assessment) -> str:
    return reverse("assessments:assessment-detail", args=[assessment.pk])


def overview(client, assessment) -> str:
    return page(client, overview_url(assessment))


def overview_kept_and_fresh_agree(client, assessment) -> str:
    return agree(client, overview_url(assessment))


def test_a_repeat_overview_reads_a_digest_and_every_answer_shows(world, client_for, points_assessment):
    cio, client = world.users["cio"], client_for("cio")
    first = overview_kept_and_fresh_agree(client, points_assessment)
    statements = repeat_visit_statements(client, overview_url(points_assessment))
    assert "sha256" in statements and '"assessments_itemresponse"."self_score"' not in statements
    assert text(first, "progress") == "0 / 4"
    r = response(points_assessment, "1.1")
    services.response_update(response=r, acting_user=cio, version=r.version, self_score="1")
    assert text(overview_kept_and_fresh_agree(client, points_assessment), "progress") == "1 / 4"


def test_the_overviews_report_buttons_are_each_requests_own(world, client_for, submitted):
    """Rendered on every request: the kept body holds only their place."""
    from rectification.models import RectificationItem

    client = client_for("reviewer")
    before = overview_kept_and_fresh_agree(client, submitted)
    assert bodies.part("reports") not in before and bodies.part("designations") not in before
    RectificationItem.objects.create(
        assessment=submitted,
        node=response(submitted, "1.1").node,
        problem="出口带宽不足",
        due_date=datetime.date(2027, 1, 31),
    )
    after = overview(client, submitted)  # no row the digest names has changed
    assert not same_page(before, after)
    bodies._BODIES.clear()
    assert same_page(after, overview(client, submitted))


def test_the_digest_is_one_prepared_statement_for_every_assessment(world, points_campaign):
    with connection.cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")
    if hasattr(connection, "_smartcampus_prepared"):
        del connection._smartcampus_prepared
    first, second = points_campaign.assessments.order_by("pk")[:2]
    digests = {a.pk: {bodies.content_digest(a.pk) for _ in range(3)} for a in (first, second, first)}
    assert all(len(found) == 1 for found in digests.values())  # the same rows, the same digest
    assert digests[first.pk] != digests[second.pk]
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE '%sha256%'")
        assert cursor.fetchone()[0] == 1
