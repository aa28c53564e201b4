"""The reviewer queue (page and API) reads its rows through statements compiled once per process
for the user's scope, the filters and the page (`smartcampus.db.KeyedStatements`): the rows must be
exactly what the ORM's queryset gives, for every filter and page, and every change (a status, a
verdict, a new assignment, a new role) must show on the next request, since only SQL is kept."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.models.functions import JSONObject
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessments import services
from assessments.api.reviews import ReviewViewSet
from assessments.models import Assessment, Region, Role
from assessments.scoping import clear_scope_cache
from assessments.selectors import (
    QueueListing,
    review_queue,
    review_queue_count,
    review_queue_rows,
    review_queue_values,
)
from smartcampus.db import KeyedStatements

from ..factories import MembershipFactory, UserFactory, fill_and_submit
from .conftest import response

FILTERS = [
    {},
    {"status": "submitted"},
    {"status": "in_review"},
    {"status": "bogus"},
    {"district": "110108"},
    {"district": " 110105 "},
    {"district": "999999"},
    {"q": "甲"},
    {"q": "  "},
    {"q": "nothing-like-it"},
    {"school_type": "primary"},
    {"campaign": "abc"},
    {"deadline": "overdue"},
    {"deadline": "week"},
    {"deadline": "someday"},
    {"status": "submitted", "district": "110108"},
]


def _fields(a: Assessment) -> tuple:
    def concrete(obj):
        return tuple(getattr(obj, f.attname) for f in type(obj)._meta.concrete_fields)

    return (
        concrete(a),
        concrete(a.campaign),
        concrete(a.school),
        concrete(a.school.region),
        a.item_total,
        a.item_pending,
    )


@pytest.fixture
def queue_world(world, points_campaign, submitted):
    """Two submitted schools in two districts, one review started, for the city's reviewers."""
    other = Assessment.objects.get(campaign=points_campaign, school=world.school_a2)
    fill_and_submit(other, world.users["other_cio"])
    city = Region.objects.get(code="110000")
    city_reviewer = MembershipFactory(user=UserFactory(), role=Role.REVIEWER, region=city).user
    services.review_start(assessment=submitted, acting_user=world.users["reviewer"])
    return {"city_reviewer": city_reviewer, "campaign": points_campaign}


def test_rows_equal_the_orm_for_every_filter_and_page(world, queue_world):
    campaign = queue_world["campaign"]
    users = [world.users["reviewer"], world.users["other_reviewer"], queue_world["city_reviewer"]]
    for user in users:
        for filters in [*FILTERS, {"campaign": campaign.pk}, {"campaign": str(campaign.pk)}]:
            queue = review_queue(user=user, filters=filters).select_related(None)
            for offset, limit in [(0, 50), (0, 1), (1, 1), (5, 10)]:
                expected = list(queue.select_related("campaign", "school__region")[offset : offset + limit])
                found = review_queue_rows(user=user, filters=filters, offset=offset, limit=limit)
                assert [_fields(a) for a in found] == [_fields(a) for a in expected], (user, filters)
                shape = ReviewViewSet.list_rows
                assert review_queue_values(
                    user=user, filters=filters, values=shape.values, shape="t", offset=offset, limit=limit
                ) == list(shape.values(queue)[offset : offset + limit])
            assert review_queue_count(user=user, filters=filters) == queue.count(), (user, filters)
    assert review_queue_rows(user=queue_world["city_reviewer"], limit=50), "the city reviewer sees schools"


def test_a_review_started_and_a_verdict_show_on_the_next_read(world, points_campaign, submitted):
    reviewer = world.users["reviewer"]
    (row,) = review_queue_rows(user=reviewer, limit=50)
    assert (row.status, row.item_pending) == ("submitted", 4)
    services.review_start(assessment=submitted, acting_user=reviewer)
    r = response(submitted, "1.1")
    services.verdict_save(response=r, acting_user=reviewer, version=r.version, verdict="accept")
    (row,) = review_queue_rows(user=reviewer, limit=50)
    assert (row.status, row.item_pending, row.item_total) == ("in_review", 3, 4)
    assert review_queue_count(user=reviewer, filters={"status": "in_review"}) == 1
    assert review_queue_count(user=reviewer, filters={"status": "submitted"}) == 0
    api = review_queue_values(user=reviewer, values=ReviewViewSet.list_rows.values, shape="api", limit=50)
    assert [(a["status"], a["item_pending"]) for a in api] == [("in_review", 3)]


def test_a_new_assignment_and_a_new_role_reach_the_page_and_the_api(client, world, submitted):
    expert = UserFactory(username="queue-expert")
    MembershipFactory(user=expert, role=Role.REVIEWER, region=Region.objects.get(code="110105"))
    client.force_login(expert)
    queue = reverse("assessments:review-queue")
    assert world.school_a1.name not in client.get(queue).content.decode()
    assert client.get("/api/reviews/").json()["count"] == 0
    services.review_assign(assessment=submitted, reviewer=expert, acting_user=world.users["commission"])
    assert world.school_a1.name in client.get(queue).content.decode()
    assert [r["id"] for r in client.get("/api/reviews/").json()["results"]] == [submitted.pk]
    # a reviewer's new district: a new scope, so a new statement
    newcomer = UserFactory(username="queue-newcomer")
    client.force_login(newcomer)
    assert client.get(queue).status_code == 404
    MembershipFactory(user=newcomer, role=Role.REVIEWER, region=world.school_a1.region)
    clear_scope_cache(newcomer)
    html = client.get(queue).content.decode()
    assert world.school_a1.name in html and 'data-testid="count-submitted">1<' in html


def test_the_listing_pages_like_the_queryset(world, queue_world):
    user = queue_world["city_reviewer"]
    listing = QueueListing(user=user)
    queue = review_queue(user=user)
    assert listing.count() == len(listing) == queue.count() >= 2
    assert [a.pk for a in listing[1:]] == [a.pk for a in queue[1:]]
    assert listing[3:1] == []
    with pytest.raises(TypeError):
        listing[0]


def test_statements_are_compiled_once_per_key_and_run_each_time(world, points_campaign):
    statements = KeyedStatements(size=2)
    built = []

    def build(region_code):
        def make():
            built.append(region_code)
            return Region.objects.filter(code=region_code).values_list("pk", "name")

        return make

    for _ in range(3):
        assert statements.rows(("r", "110108"), build("110108")) == [
            (world.school_a1.region.pk, world.school_a1.region.name)
        ]
    assert built == ["110108"]
    Region.objects.filter(code="110108").update(name="改名区")
    assert statements.rows(("r", "110108"), build("110108"))[0][1] == "改名区"  # rows are read afresh
    statements.rows(("r", "110105"), build("110105"))
    statements.rows(("r", "370303"), build("370303"))  # the oldest key drops out
    statements.rows(("r", "110108"), build("110108"))
    assert built == ["110108", "110105", "370303", "110108"]
    with CaptureQueriesContext(connection) as queries:
        assert statements.rows(("none",), lambda: Region.objects.filter(pk__in=[]).values_list("pk")) == []
    assert len(queries) == 0  # like the ORM: a condition nothing matches runs no statement


def test_values_are_converted_as_the_orm_converts_them(world):
    statements = KeyedStatements()

    def build():
        return Region.objects.filter(code__startswith="110").values(
            "pk", "code", shown=JSONObject(name="name", level="level")
        )

    rows = statements.dicts(("regions-json",), build)
    assert rows == list(build()) and len(rows) == 3
    assert rows[0]["shown"] == {"name": rows[0]["shown"]["name"], "level": rows[0]["shown"]["level"]}
    assert statements.rows(("regions-json-rows",), lambda: build().values_list("code", "shown")) == list(
        build().values_list("code", "shown")
    )
