"""A failed threshold rule on the school's facts proposes a rectification item (未达门槛规则) where
nothing else does: the reviewer accepted the score, but the facts show the requirement unmet."""

from __future__ import annotations

from assessments import services as assessment_services
from assessments.models import Assessment
from rectification import selectors
from rectification.models import RectificationSource

from ..assessments.facts_support import answer_all, ruled_campaign
from .conftest import finalise


def test_a_failed_threshold_rule_proposes_its_items_with_the_rules_message(world):
    campaign = ruled_campaign(world)
    assessment = Assessment.objects.select_related("campaign__framework", "school__region").get(
        campaign=campaign, school=world.school_a1
    )
    cio = world.users["cio"]
    versions = {"students": 0, "student_pcs": 0}
    assessment_services.fact_values_set(
        assessment=assessment,
        values={"students": "1000", "student_pcs": "125"},
        versions=versions,
        acting_user=cio,
    )  # 8:1 for a primary school, whose limit is 7:1
    answer_all(assessment, cio)
    assessment_services.assessment_submit(assessment=assessment, acting_user=cio)
    finalised = finalise(assessment, world.users["reviewer"])

    proposal = {p.code: p for p in selectors.assessment_rectification_proposal(assessment=finalised)}
    for code in ("2.1", "2.2"):  # the ratio rule sits on dimension 2, so it belongs to both items
        assert proposal[code].source == RectificationSource.THRESHOLD
        assert proposal[code].problem.startswith("未达门槛规则：")
        assert "生机比 8:1；小学标准不高于 7:1" in proposal[code].problem


def test_without_failed_rules_no_threshold_item_is_proposed(world):
    campaign = ruled_campaign(world)
    assessment = Assessment.objects.select_related("campaign__framework", "school__region").get(
        campaign=campaign, school=world.school_a1
    )
    cio = world.users["cio"]
    assessment_services.fact_values_set(
        assessment=assessment,
        values={"students": "1000", "student_pcs": "200"},  # 5:1, within the primary limit
        versions={"students": 0, "student_pcs": 0},
        acting_user=cio,
    )
    answer_all(assessment, cio)
    assessment_services.assessment_submit(assessment=assessment, acting_user=cio)
    finalised = finalise(assessment, world.users["reviewer"])
    sources = {p.source for p in selectors.assessment_rectification_proposal(assessment=finalised)}
    assert RectificationSource.THRESHOLD not in sources
