"""The lists of campaigns, assessments and responses run statements compiled once per process for
each (scope, query string): the JSON must be exactly what the querysets give, on every page and with
every filter, a write must be seen on the next request (only the SQL text is kept, never rows), and
a change of role must change what the list holds."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIRequestFactory

from assessments import services
from assessments.api.campaigns import (
    AssessmentViewSet,
    CampaignViewSet,
    ItemResponseViewSet,
    ScopedRowListMixin,
)
from assessments.models import Assessment, Role
from assessments.scoping import get_scope
from smartcampus import api
from tests.factories import MembershipFactory, UserFactory, fill_and_submit, small_points_framework

from .conftest import make_campaign

PATHS = [
    "/api/campaigns/",
    "/api/campaigns/?page=2",
    "/api/assessments/",
    "/api/assessments/?page=2",
    "/api/assessments/?page=3",
    "/api/assessments/?page=9",
    "/api/assessments/?page=x",
    f"/api/assessments/?page={10**40}",
    f"/api/campaigns/?page={2**63 // 50}",
    "/api/assessments/?status=draft",
    "/api/assessments/?status=draft&page=2",
    "/api/assessments/?campaign=abc",
    "/api/assessments/?campaign={campaign}",
    "/api/assessments/?campaign={campaign}&status=submitted",
    "/api/responses/",
    "/api/responses/?page=2",
    "/api/responses/?assessment={assessment}",
    "/api/responses/?assessment={assessment}&page=2",
    "/api/responses/?assessment=abc",
]


@pytest.fixture
def two_campaigns(world, points_campaign, submitted):
    return points_campaign, make_campaign(world, small_points_framework(), title="第二个活动")


@pytest.fixture
def small_pages(monkeypatch):
    """Two rows a page: every list has full pages (counted) and a short last page."""
    monkeypatch.setattr(api.PageNumberPagination, "page_size", 2)


def _bodies(client_for, roles, paths, language):
    return {
        (role, path): (r.status_code, r.content)
        for role in roles
        for path in paths
        for r in [client_for(role).get(path, HTTP_ACCEPT_LANGUAGE=language)]
    }


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_compiled_lists_answer_exactly_what_the_querysets_answer(
    world, client_for, two_campaigns, submitted, small_pages, monkeypatch, language
):
    campaign = two_campaigns[0]
    paths = [p.format(campaign=campaign.pk, assessment=submitted.pk) for p in PATHS]
    roles = ("cio", "other_cio", "reviewer", "commission", "other_commission")
    compiled = _bodies(client_for, roles, paths, language)
    again = _bodies(client_for, roles, paths, language)  # every statement from the compiled lists
    monkeypatch.setattr(ScopedRowListMixin, "list_inputs", lambda self: None)
    built = _bodies(client_for, roles, paths, language)
    assert compiled == again == built
    statuses = {status for status, _body in built.values()}
    assert statuses == {200, 404}  # pages past the end are 404 as before
    assert sum(status == 200 for status, _body in built.values()) > len(built) // 2


def test_the_queryset_is_built_once_per_scope_and_query_string(world, client_for, points_campaign):
    built = []
    get_queryset = AssessmentViewSet.get_queryset

    def counting(self):
        built.append(self.request.get_full_path())
        return get_queryset(self)

    AssessmentViewSet.get_queryset = counting
    try:
        for _ in range(3):
            client_for("commission").get(f"/api/assessments/?campaign={points_campaign.pk}")
        client_for("commission").get(f"/api/assessments/?campaign={points_campaign.pk}&page=1")
        client_for("reviewer").get(f"/api/assessments/?campaign={points_campaign.pk}")
        client_for("commission").get("/api/assessments/?status=draft")
    finally:
        AssessmentViewSet.get_queryset = get_queryset
    assert len(built) == 3  # commission's campaign (any page), the reviewer's, the other filter


def test_a_compiled_list_costs_the_queries_of_a_built_one(world, client_for, points_campaign, small_pages):
    client = client_for("commission")
    path = f"/api/assessments/?campaign={points_campaign.pk}"
    with CaptureQueriesContext(connection) as first:
        assert client.get(path).json()["count"] == 3
    with CaptureQueriesContext(connection) as second:
        assert client.get(path).json()["count"] == 3
    assert len(second) == len(first)
    # the page and its count: the second request runs, prepared, the statements the first one sent
    for sent, executed in zip(first[-2:], second[-2:], strict=True):
        assert executed["sql"].startswith("EXECUTE smartcampus_")
        statement = executed["sql"].split(" /* ", 1)[1].removesuffix(" */")
        assert re.fullmatch(".+?".join(map(re.escape, statement.split("%s"))), sent["sql"])


def test_writes_are_seen_on_the_next_request(world, client_for, points_campaign, points_assessment):
    client = client_for("commission")
    responses = f"/api/responses/?assessment={points_assessment.pk}"
    first = client_for("cio").get(responses).json()["results"][0]
    response = points_assessment.responses.get(pk=first["id"])
    services.response_update(
        response=response,
        acting_user=world.users["cio"],
        version=response.version,
        statement="说明已修改。",
    )
    changed = client_for("cio").get(responses).json()["results"][0]
    assert changed["statement"] == "说明已修改。" and changed["version"] == first["version"] + 1

    path = f"/api/assessments/?campaign={points_campaign.pk}"

    def statuses():
        return {row["id"]: (row["status"], row["version"]) for row in client.get(path).json()["results"]}

    before = statuses()
    assert before[points_assessment.pk][0] == "draft"
    fill_and_submit(points_assessment, world.users["cio"])
    after = statuses()
    assert after[points_assessment.pk][0] == "submitted" and after != before

    campaigns = client.get("/api/campaigns/").json()
    make_campaign(world, small_points_framework(), title="新的活动")
    assert client.get("/api/campaigns/").json()["count"] == campaigns["count"] + 1


def test_a_change_of_role_changes_the_list(world, client, points_campaign):
    user = UserFactory(username="newcomer")
    client.force_login(user)
    assert client.get("/api/assessments/").json()["count"] == 0
    assert client.get("/api/campaigns/").json()["count"] == 0
    membership = MembershipFactory(user=user, role=Role.SCHOOL_CIO, school=world.school_a2)
    assert [row["school"] for row in client.get("/api/assessments/").json()["results"]] == [
        world.school_a2.pk
    ]
    assert client.get("/api/campaigns/").json()["count"] == 1
    membership.delete()
    assert client.get("/api/assessments/").json()["count"] == 0
    assert client.get("/api/campaigns/").json()["count"] == 0


@pytest.mark.parametrize("viewset", [CampaignViewSet, AssessmentViewSet, ItemResponseViewSet])
def test_the_list_querysets_read_nothing_from_the_database_while_built(world, viewset, points_campaign):
    """A compiled statement is kept per scope and query string, so the queryset must be a function
    of those alone: built from no data read at the time (else the kept SQL could go stale)."""
    user = world.users["commission"]
    get_scope(user)  # read once per request, and part of the key
    view = viewset(action_map={"get": "list"}, args=(), kwargs={}, format_kwarg=None)
    view.request = view.initialize_request(
        APIRequestFactory().get("/", {"campaign": points_campaign.pk, "assessment": "1"})
    )
    view.request.user = user
    with CaptureQueriesContext(connection) as queries:
        view.list_rows.values(view.filter_queryset(view.get_queryset()))
    assert len(queries) == 0
    assert view.list_inputs() == get_scope(user)


def test_another_assessment_list_is_not_compiled_for_other_scopes(world, client_for, points_campaign):
    assert client_for("reviewer").get("/api/assessments/").json()["count"] == 2
    assert client_for("other_reviewer").get("/api/assessments/").json()["count"] == 1
    assert client_for("commission").get("/api/assessments/").json()["count"] == 3
    assert client_for("other_commission").get("/api/assessments/").json()["count"] == 0
    assert Assessment.objects.count() == 3
