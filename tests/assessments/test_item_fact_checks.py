"""The 「自动校验」 panel of one item evaluates only the rules of that item, with the same results as
the whole assessment's checks grouped under its items."""

from __future__ import annotations

import pytest

from assessments import services
from assessments.models import Assessment
from assessments.selectors.facts import assessment_fact_checks, item_fact_checks

from .facts_support import answer_all, ruled_campaign

ITEMS = ("1.1", "1.2", "2.1", "2.2")


@pytest.fixture
def assessment(world):
    campaign = ruled_campaign(world)
    return Assessment.objects.select_related("campaign__framework", "school__region").get(
        campaign=campaign, school=world.school_a1
    )


def same_as_whole(assessment) -> None:
    whole = assessment_fact_checks(assessment=assessment)
    for code in ITEMS:
        assert item_fact_checks(assessment=assessment, code=code) == whole.by_item.get(code, [])


def test_an_items_checks_equal_the_whole_assessments_checks_of_that_item(world, assessment):
    cio = world.users["cio"]
    same_as_whole(assessment)  # nothing recorded: 无法判断 everywhere
    values = {"uplink_mbps": "500", "teachers": "80", "teacher_pcs": "90", "students": "700"}
    services.fact_values_set(
        assessment=assessment, values=values, versions=dict.fromkeys(values, 0), acting_user=cio
    )
    answer_all(assessment, cio)
    checks = {code: item_fact_checks(assessment=assessment, code=code) for code in ITEMS}
    assert [c.status for c in checks["1.1"]] == ["fail"]
    assert [c.status for c in checks["1.2"]] == ["pass"]
    assert [c.status for c in checks["2.1"]] == ["unknown"] == [c.status for c in checks["2.2"]]
    assert checks["2.1"][0].items == ("2.1", "2.2")
    same_as_whole(assessment)


def test_an_item_reads_the_same_whether_or_not_rules_concern_it(assessment, django_assert_num_queries):
    with django_assert_num_queries(2):  # the rules, and the catalogue with the school's values
        assert item_fact_checks(assessment=assessment, code="9.9") == []
    with django_assert_num_queries(1):  # the rules of this framework version are kept
        assert len(item_fact_checks(assessment=assessment, code="1.1")) == 1
    with django_assert_num_queries(1):
        assert item_fact_checks(assessment=assessment, code="9.9") == []
