"""The 「自动校验」 panel of one item evaluates only the rules of that item, with the same results as
the whole assessment's checks grouped under its items."""

from __future__ import annotations

import pytest

from assessments import services
from assessments.models import Assessment
from assessments.selectors.facts import assessment_fact_checks, item_fact_checks
from indicators.selectors import rule_specs

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


def test_rules_near_an_item_are_those_on_it_below_it_and_above_it(assessment):
    framework = assessment.campaign.framework
    near = {
        code: [r.code for r in rule_specs(framework=framework, near=code)] for code in (*ITEMS, "1", "1.1.1")
    }
    assert near == {
        "1.1": ["gigabit"],  # on its monitoring point 1.1.1
        "1.2": ["teacher-pcs"],
        "2.1": ["pc-ratio"],  # on the dimension heading above it
        "2.2": ["pc-ratio"],
        "1": ["gigabit", "teacher-pcs"],
        "1.1.1": ["gigabit"],
    }
    assert [r.code for r in rule_specs(framework=framework)] == ["gigabit", "teacher-pcs", "pc-ratio"]


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


def test_an_item_without_rules_has_no_checks_and_reads_nothing_more(assessment, django_assert_num_queries):
    framework = assessment.campaign.framework
    with django_assert_num_queries(1):  # the rules near the item (the nodes of a locked framework are kept)
        rule_specs(framework=framework, near="1.1")
    assert item_fact_checks(assessment=assessment, code="9.9") == []
