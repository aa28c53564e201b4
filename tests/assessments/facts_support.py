"""A small framework with automatic checks, for the tests of the school's facts.

The small points framework (1 → 1.1 with monitoring points 1.1.1/1.1.2, 1.2; *2 → 2.1, 2.2) gets
three rules: 千兆 on the monitoring point 1.1.1 (blocking, so it belongs to item 1.1), teacher PCs on
1.2 (advisory), and the student–PC ratio by level on the dimension heading 2 (blocking, so it
belongs to both 2.1 and 2.2). The fact catalogue is the shipped one.
"""

from __future__ import annotations

import json
from pathlib import Path

from django.conf import settings

from indicators.facts import facts_from_dict
from indicators.rules import RuleSpec
from indicators.services import fact_catalogue_load, rule_set_load

from ..factories import small_points_framework
from .conftest import make_campaign

RULES = [
    RuleSpec(
        code="gigabit",
        node="1.1.1",
        clause="指标1.1.1的要求原文",
        expression="uplink_mbps >= 1000",
        severity="blocking",
        message="出口带宽 {uplink_mbps} Mbps（千兆 = 1000 Mbps）",
    ),
    RuleSpec(
        code="teacher-pcs",
        node="1.2",
        clause="指标1.2的要求原文",
        expression="teacher_pcs >= teachers",
        severity="advisory",
        message="专任教师 {teachers} 人，教师用计算机 {teacher_pcs} 台",
    ),
    RuleSpec(
        code="pc-ratio",
        node="2",
        clause="指标2的要求原文",
        values=(("ratio", "students / student_pcs"), ("limit", "level_min(senior=5, junior=6, primary=7)")),
        expression="ratio <= limit",
        severity="blocking",
        message="生机比 {ratio}:1；{level}标准不高于 {limit}:1",
    ),
]


def load_catalogue() -> None:
    path = Path(settings.BASE_DIR) / "fixtures" / "facts.json"
    fact_catalogue_load(specs=facts_from_dict(json.loads(path.read_text(encoding="utf-8"))))


def ruled_framework():
    load_catalogue()
    framework = small_points_framework()
    rule_set_load(framework=framework, specs=RULES)
    return framework


def ruled_campaign(world, **kwargs):
    return make_campaign(world, ruled_framework(), **kwargs)


def answer_all(assessment, user, score="1"):
    """Answer every item (1 point: no claim of full marks) through the service."""
    from assessments import services

    for r in assessment.responses.select_related("node", "assessment"):
        services.response_update(response=r, acting_user=user, version=r.version, self_score=score)


def record_facts(assessment, user, **values: str):
    """The school's values of facts `values` (code → value as typed), saved through the service at
    their current versions."""
    from assessments import selectors, services

    records = selectors.fact_records(assessment=assessment)
    return services.fact_values_set(
        assessment=assessment,
        values=values,
        versions={code: records[code].version if code in records else 0 for code in values},
        acting_user=user,
    )
