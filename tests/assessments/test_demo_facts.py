"""`seed_demo --fill` gives every demo school plausible facts: clean, deterministic, idempotent, in
bulk, and some of them failing some rules (so the review queue shows its badges)."""

import io

import pytest
from django.core.management import call_command

from assessments import selectors
from assessments.demo.facts import campaign_facts_fill
from assessments.models import Assessment, AssessmentStatus, FactValue
from indicators.facts import clean_fact_values
from indicators.rules import RuleStatus
from indicators.selectors import fact_catalogue, rule_specs


def run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def snapshot(code):
    return sorted(
        FactValue.objects.filter(assessment__campaign__framework__code=code).values_list(
            "assessment__school__code", "fact__code", "value"
        )
    )


@pytest.mark.parametrize("code", ["zhejiang-k12", "beijing-higher"])
def test_every_demo_school_gets_clean_facts_some_failing_some_rules(db, settings, tmp_path, code):
    settings.MEDIA_ROOT = tmp_path
    run("load_frameworks")
    output = run("seed_demo", "--schools", "40", "--campaign", code, "--fill", "--quiet")
    assert "学校基本情况：" in output
    catalogue = fact_catalogue()
    assessments = list(
        Assessment.objects.filter(campaign__framework__code=code).select_related(
            "campaign__framework", "school"
        )
    )
    rules = rule_specs(framework=assessments[0].campaign.framework)
    outcomes = {rule.code: set() for rule in rules}
    for assessment in assessments:
        checks = selectors.assessment_fact_checks(assessment=assessment)
        values = checks.values
        clean_fact_values(values, catalogue)  # what a school could have typed: no FactValueError
        assert {"students", "teachers"} <= set(values)
        for check in checks.checks:
            assert check.result.status is not RuleStatus.UNKNOWN, (
                assessment.school.code,
                check.result.message,
            )
            outcomes[check.result.rule].add(check.result.status)
    failing = [rule for rule, seen in outcomes.items() if RuleStatus.FAIL in seen]
    passing = [rule for rule, seen in outcomes.items() if RuleStatus.PASS in seen]
    assert len(failing) >= 3 and len(passing) == len(rules)  # some schools fail some rules
    reviewed = [a for a in assessments if a.status in AssessmentStatus.in_review()]
    flags = selectors.fact_claim_flags(assessments=reviewed)
    assert any(flags.values())  # claims the facts contradict: the queue's badges
    assert not all(flags.values())

    first = snapshot(code)
    run("seed_demo", "--schools", "40", "--campaign", code, "--fill", "--quiet")
    assert snapshot(code) == first


def test_facts_fill_is_bulk(db, settings, tmp_path, django_assert_max_num_queries):
    settings.MEDIA_ROOT = tmp_path
    run("load_frameworks")
    run("seed_demo", "--schools", "200", "--campaign", "zibo-k12", "--quiet")
    campaign = Assessment.objects.filter(campaign__framework__code="zibo-k12").first().campaign
    with django_assert_max_num_queries(12):
        written = campaign_facts_fill(campaign=campaign, seed=7)
    assert written == FactValue.objects.filter(assessment__campaign=campaign).count() > 200 * 20
