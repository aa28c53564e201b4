"""Carrying last year's answers forward: statements, evidence (the same library files) and facts go
into this year's draft, scores and statuses never do; each carried item is 待确认 and counts as
unanswered (progress, submission) until the CIO confirms it; what this year already has is replaced
only with a confirmation; across a framework version change the item mapping decides; scope holds."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from assessments import selectors, services
from assessments.models import Assessment, AssessmentStatus, FactValue, ItemResponse
from assessments.services.campaigns import AssessmentIncomplete, ResponseConflict
from evidence.models import EvidenceFile, EvidenceLink, ResponseEvidence
from smartcampus.errors import Conflict, Refused

from ..indicators.test_mapping import next_version
from .conftest import response
from .facts_support import load_catalogue
from .test_results import REVIEWED, SCORES, answer
from .test_years import last_year  # noqa: F401 — fixture

D = Decimal
# measured on a second request (the session and the scope read): 14, 18 and 11 queries, whatever the
# number of items
OVERVIEW_QUERIES, ITEM_QUERIES, CARRY_QUERIES = 18, 22, 14
STATEMENTS = {
    "1.1": "校园网千兆到桌面",
    "1.2": "教师机房两间",
    "2.1": "智慧课堂常态化",
    "2.2": "数据中台建成",
}


def _assessment(campaign, school):
    return Assessment.objects.select_related("campaign__framework", "campaign__predecessor", "school").get(
        campaign=campaign, school=school
    )


def _fill_last_year(world, campaign):
    """a1 in 2025: facts, statements, a library file on 1.2 and a link on 2.1, then finalised."""
    a1 = _assessment(campaign, world.school_a1)
    load_catalogue()
    services.fact_values_set(
        assessment=a1,
        values={"students": 1200, "teachers": 90},
        versions={"students": 0, "teachers": 0},
        acting_user=world.users["cio"],
    )
    for r in a1.responses.select_related("node"):
        if r.node.code in STATEMENTS:
            r.statement = STATEMENTS[r.node.code]
            r.save()
    library = EvidenceFile.objects.create(
        school=world.school_a1,
        file=f"evidence/{world.school_a1.pk}/a.pdf",
        original_name="机房照片.pdf",
        content_type="application/pdf",
        kind="pdf",
        size=10,
        sha256="a" * 64,
    )
    ResponseEvidence.objects.create(response=response(a1, "1.2"), file=library)
    EvidenceLink.objects.create(
        response=response(a1, "2.1"), url="https://example.cn/ketang", title="课堂实录"
    )
    answer(a1, SCORES, status=AssessmentStatus.FINALISED, review=REVIEWED)
    for r in a1.responses.select_related("node"):  # `answer` keeps statements
        assert r.statement == STATEMENTS[r.node.code]
    return a1, library


@pytest.fixture
def carried_world(world, last_year):  # noqa: F811
    previous, library = _fill_last_year(world, last_year)
    this = services.campaign_copy_next_year(campaign=last_year, acting_user=world.users["commission"])
    return previous, _assessment(this, world.school_a1), library


def _versions(assessment, codes=None):
    return {
        r.node.code: r.version
        for r in assessment.responses.select_related("node")
        if codes is None or r.node.code in codes
    }


def _carry_all(world, assessment, **kwargs):
    return services.assessment_carry_forward(
        assessment=assessment, acting_user=world.users["cio"], versions=_versions(assessment), **kwargs
    )


def test_carry_takes_statements_evidence_and_facts_but_never_values(world, carried_world):
    previous, a1, library = carried_world
    plan = selectors.carry_plan(user=world.users["cio"], assessment=a1)
    assert [c.response.node.code for c in plan.fresh] == ["1.1", "1.2", "2.1", "2.2"] and plan.facts
    outcome = _carry_all(world, a1)
    assert (outcome.items, outcome.evidence, outcome.facts) == (4, 2, 2)
    rows = {r.node.code: r for r in a1.responses.select_related("node")}
    assert {c: r.statement for c, r in rows.items()} == STATEMENTS
    assert all(r.self_score is None and r.carry_pending for r in rows.values())
    assert rows["1.2"].carried_from == response(previous, "1.2")
    # the same library file, not a copy; the link is the same address
    assert list(ResponseEvidence.objects.filter(response=rows["1.2"]).values_list("file_id", flat=True)) == [
        library.pk
    ]
    assert EvidenceFile.objects.count() == 1
    assert EvidenceLink.objects.get(response=rows["2.1"]).url == "https://example.cn/ketang"
    assert {f.fact.code: f.value for f in FactValue.objects.filter(assessment=a1).select_related("fact")} == {
        "students": 1200,
        "teachers": 90,
    }
    # carried, unconfirmed: unanswered everywhere
    assert a1.responses.answered().count() == 0 and a1.responses.carry_pending().count() == 4
    assert selectors.assessment_workspace(assessment=a1).done == 0
    row = selectors.campaign_assessments(user=world.users["commission"], campaign=a1.campaign).get(pk=a1.pk)
    assert row.item_done == 0
    history = rows["1.1"].history.first()
    assert history.history_user == world.users["cio"] and "带入" in history.history_change_reason
    # nothing left to carry
    assert selectors.carry_plan(user=world.users["cio"], assessment=a1).items == []


def test_unconfirmed_carried_items_block_submission_like_unanswered_ones(world, carried_world):
    _previous, a1, _library = carried_world
    _carry_all(world, a1)
    for code in ("1.1", "1.2"):
        r = response(a1, code)
        services.response_carry_confirm(
            response=r, acting_user=world.users["cio"], version=r.version, value="4"
        )
    with pytest.raises(AssessmentIncomplete) as exc:
        services.assessment_submit(assessment=a1, acting_user=world.users["cio"])
    assert [r.node.code for r in exc.value.missing] == ["2.1", "2.2"]
    assert "待确认" in exc.value.message and "2.1、2.2" in exc.value.message
    # confirming through the ordinary autosave (choosing a score) counts as well
    r = response(a1, "2.1")
    services.response_update(response=r, acting_user=world.users["cio"], version=r.version, self_score="5")
    assert response(a1, "2.1").confirmed_at is not None
    r = response(a1, "2.2")
    services.response_carry_confirm(response=r, acting_user=world.users["cio"], version=r.version, value="3")
    services.assessment_submit(assessment=a1, acting_user=world.users["cio"])
    a1.refresh_from_db()
    assert a1.status == AssessmentStatus.SUBMITTED


def test_a_confirmation_needs_a_value_and_a_pending_item(world, carried_world):
    _previous, a1, _library = carried_world
    r = response(a1, "1.1")
    with pytest.raises(Conflict):
        services.response_carry_confirm(
            response=r, acting_user=world.users["cio"], version=r.version, value="4"
        )
    _carry_all(world, a1)
    r = response(a1, "1.1")
    with pytest.raises(Exception, match="请先选择本年的得分"):
        services.response_carry_confirm(
            response=r, acting_user=world.users["cio"], version=r.version, value=""
        )


def test_what_this_year_has_is_replaced_only_with_a_confirmation(world, carried_world):
    _previous, a1, _library = carried_world
    r = response(a1, "1.1")
    services.response_update(
        response=r, acting_user=world.users["cio"], version=r.version, self_score="2", statement="今年新写"
    )
    plan = selectors.carry_plan(user=world.users["cio"], assessment=a1)
    assert [c.response.node.code for c in plan.filled] == ["1.1"]
    with pytest.raises(Conflict) as exc:
        _carry_all(world, a1)
    assert exc.value.code == "filled" and "1.1" in exc.value.message
    assert response(a1, "1.1").statement == "今年新写" and not a1.responses.carry_pending().exists()
    # the fresh items only: nothing filled is touched
    services.assessment_carry_forward(
        assessment=a1, acting_user=world.users["cio"], versions=_versions(a1, {"1.2", "2.1", "2.2"})
    )
    assert response(a1, "1.1").self_score == D(2)
    # the item page's button with the overwrite confirmation
    r = response(a1, "1.1")
    services.response_carry_forward(
        response=r, acting_user=world.users["cio"], version=r.version, overwrite=True
    )
    r = response(a1, "1.1")
    assert r.statement == STATEMENTS["1.1"] and r.self_score is None and r.carry_pending


def test_a_stale_version_carries_nothing(world, carried_world):
    _previous, a1, _library = carried_world
    versions = _versions(a1)
    versions["2.2"] -= 1
    with pytest.raises(ResponseConflict):
        services.assessment_carry_forward(assessment=a1, acting_user=world.users["cio"], versions=versions)
    assert not a1.responses.carry_pending().exists()
    assert not ResponseEvidence.objects.filter(response__assessment=a1).exists()
    assert not FactValue.objects.filter(assessment=a1).exists()


@pytest.mark.parametrize("role", ["other_cio", "reviewer", "commission"])
def test_only_the_schools_cio_carries(world, carried_world, role):
    _previous, a1, _library = carried_world
    with pytest.raises(Refused):
        services.assessment_carry_forward(
            assessment=a1, acting_user=world.users[role], versions=_versions(a1)
        )


def test_submitted_assessments_take_nothing(world, carried_world):
    _previous, a1, _library = carried_world
    Assessment.objects.filter(pk=a1.pk).update(status=AssessmentStatus.SUBMITTED)
    a1.refresh_from_db()
    with pytest.raises(Conflict):
        _carry_all(world, a1)


def test_carry_across_a_framework_version_change_follows_the_mapping(world, last_year, client_for):  # noqa: F811
    _previous, _library = _fill_last_year(world, last_year)
    new = next_version(last_year.framework)
    new.locked_at = timezone.now()
    new.save()
    this = services.campaign_copy_next_year(campaign=last_year, acting_user=world.users["commission"])
    a1 = _assessment(this, world.school_a1)
    assert a1.campaign.framework == new
    plan = selectors.carry_plan(user=world.users["cio"], assessment=a1)
    # old 2.1 was removed, old 2.2 is new 2.1, new 2.2 is new: nothing to carry into it
    assert {c.response.node.code: c.previous.node.code for c in plan.items} == {
        "1.1": "1.1",
        "1.2": "1.2",
        "2.1": "2.2",
    }
    services.assessment_carry_forward(
        assessment=a1, acting_user=world.users["cio"], versions=_versions(a1, {"1.1", "1.2", "2.1"})
    )
    assert response(a1, "2.1").statement == STATEMENTS["2.2"]
    assert response(a1, "2.2").statement == "" and not response(a1, "2.2").carry_pending
    # the 上年 line of this year's 2.1 is last year's 2.2 (self 3, reviewed 3)
    previous = selectors.previous_items(user=world.users["cio"], assessment=a1)
    assert previous["2.1"].code == "2.2" and previous["2.1"].review_value == D(3)
    assert "2.2" not in previous
    page = client_for("cio").get(reverse("assessments:assessment-item", args=[a1.pk, "2.1"])).content.decode()
    assert "上年编号 2.2" in page


def _pages(a1):
    return [
        reverse("assessments:assessment-detail", args=[a1.pk]),
        reverse("assessments:assessment-item", args=[a1.pk, "1.2"]),
        reverse("assessments:assessment-carry", args=[a1.pk]),
    ]


def test_pages_offer_carry_and_confirmation_within_a_query_budget(
    world, carried_world, client_for, django_assert_max_num_queries
):
    _previous, a1, _library = carried_world
    client = client_for("cio")
    overview, item, carry = _pages(a1)
    client.get(reverse("home"))  # the session and the user's scope, read once per login
    with django_assert_max_num_queries(OVERVIEW_QUERIES):
        page = client.get(overview).content.decode()
    assert 'data-testid="carry-card"' in page
    with django_assert_max_num_queries(ITEM_QUERIES):
        page = client.get(item).content.decode()
    assert 'data-testid="carry-item"' in page
    with django_assert_max_num_queries(CARRY_QUERIES):
        page = client.get(carry).content.decode()
    assert page.count('name="item"') == 4
    data = {"item": ["1.1", "1.2", "2.1", "2.2"], "facts": "1"}
    data.update({f"version-{c}": v for c, v in _versions(a1).items()})
    response_ = client.post(carry, data, follow=True)
    assert "已从上年带入 4 个条目" in response_.content.decode()
    page = client.get(overview).content.decode()
    assert page.count('data-testid="carry-pending-item"') == 4
    page = client.get(item).content.decode()
    assert 'data-testid="carry-pending"' in page and 'data-testid="carry-suggestion"' in page
    r = response(a1, "1.2")
    confirm = reverse("assessments:assessment-item-confirm", args=[a1.pk, "1.2"])
    assert client.post(confirm, {"version": r.version, "value": "4.5"}).status_code == 302
    assert response(a1, "1.2").self_score == D("4.5") and not response(a1, "1.2").carry_pending
    # a stale confirmation is a conflict shown on the item page
    r = response(a1, "1.1")
    stale = client.post(
        reverse("assessments:assessment-item-confirm", args=[a1.pk, "1.1"]),
        {"version": r.version - 1, "value": "4"},
    )
    assert stale.status_code == 409


def test_another_school_never_sees_or_carries_this_schools_previous_year(world, carried_world, client_for):
    _previous, a1, _library = carried_world
    for role in ("other_cio", "reviewer", "commission"):
        client = client_for(role)
        for url in _pages(a1)[2:] + [reverse("assessments:assessment-item-carry", args=[a1.pk, "1.2"])]:
            method = client.post if url.endswith("/carry/") and "items" in url else client.get
            assert method(url).status_code == 404, (role, url)
    # the other school's CIO, on its own assessment: no previous year of a1 anywhere
    a2 = _assessment(a1.campaign, world.school_a2)
    assert selectors.carry_plan(user=world.users["other_cio"], assessment=a2) is None or all(
        c.previous.assessment.school_id == world.school_a2.pk
        for c in selectors.carry_plan(user=world.users["other_cio"], assessment=a2).items
    )
    assert selectors.previous_items(user=world.users["other_cio"], assessment=a1) == {}
    assert ItemResponse.objects.filter(assessment=a1).carry_pending().count() == 0
