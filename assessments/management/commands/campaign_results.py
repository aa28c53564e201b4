"""Print a campaign's result table: every school's self, review and official result under the
campaign's rule, and the share of finalised schools that passed. The figures come from the same
selector as the pages (`assessments.selectors.campaign_outcomes`)."""

from __future__ import annotations

import json
from decimal import Decimal

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from assessments.models import AssessmentStatus, Campaign, PassRule
from assessments.selectors import (
    AcceptanceRecord,
    CampaignOutcomes,
    acceptance_records,
    campaign_outcomes,
)
from indicators.choices import Scoring


def _number(value) -> float | None:
    return None if value is None else float(value)


def acceptance_data(record: AcceptanceRecord | None) -> dict | None:
    """The city's acceptance of one school: state, by (username), at (ISO time), reason."""
    if record is None:
        return None
    return {
        "state": record.state,
        "by": record.by,
        "at": timezone.localtime(record.at).isoformat() if record.at else None,
        "reason": record.reason,
    }


def outcomes_data(outcomes: CampaignOutcomes, acceptance: dict[int, AcceptanceRecord] | None = None) -> dict:
    """The table as JSON data: numbers as numbers rounded as the pages show them, null where the
    school has no such figure (no review result before finalisation, no official result without a
    rule). Each school carries the city's acceptance (`acceptance`) from the selector the acceptance
    page reads (`acceptance_records`)."""
    campaign, rule = outcomes.campaign, outcomes.rule
    if acceptance is None:
        acceptance = acceptance_records(campaign=campaign)
    rule_data = None
    if rule is not None:
        rule_data = {
            "pass_min_percent": _number(rule.pass_min_percent),
            "grades": [{"label": g["label"], "min_percent": float(g["min_percent"])} for g in rule.grades],
            "excluded": list(rule.excluded),
            "target_share": _number(rule.target_share),
        }
        if campaign.framework.scoring == Scoring.COMPLIANCE:
            rule_data["pass_rule"] = rule.pass_rule
    schools = []
    for school in outcomes.schools:
        official = school.official
        schools.append(
            {
                "school_code": school.school_code,
                "status": school.status,
                "self_percent": _number(school.self_percent),
                "review_percent": _number(school.review_percent),
                "result_percent": _number(official.percent) if official else None,
                "grade": (official.grade or None) if official else None,
                "passed": official.passed if official else None,
                "designations": list(school.designations),
                "acceptance": acceptance_data(acceptance.get(school.assessment_id)),
            }
        )
    return {
        "campaign": campaign.pk,
        "framework": campaign.framework.code,
        "scoring": campaign.framework.scoring,
        "rule": rule_data,
        "schools": schools,
        "summary": {
            "counted": outcomes.counted,
            "passed": outcomes.passed if rule is not None else None,
            "share": _number(outcomes.share) if rule is not None else None,
            "target_share": _number(rule.target_share) if rule is not None else None,
        },
    }


def _shown(value: Decimal | None, suffix: str = "%") -> str:
    return "—" if value is None else f"{value}{suffix}"


class Command(BaseCommand):
    help = "打印自评活动的结果表：各校自评、评审与认定结果（--json 输出机器可读格式）"

    def add_arguments(self, parser):
        parser.add_argument("--campaign", type=int, required=True, help="自评活动编号")
        parser.add_argument("--json", action="store_true", help="以 JSON 输出")

    def handle(self, *args, campaign: int, json: bool, **options):
        found = Campaign.objects.select_related("framework", "region").filter(pk=campaign).first()
        if found is None:
            raise CommandError(f"找不到编号为 {campaign} 的自评活动")
        outcomes = campaign_outcomes(campaign=found)
        if json:
            self.stdout.write(_dumps(outcomes_data(outcomes)))
            return
        self._table(outcomes)

    def _table(self, outcomes: CampaignOutcomes) -> None:
        out = self.stdout.write
        campaign, rule = outcomes.campaign, outcomes.rule
        framework = campaign.framework
        out(f"{campaign.title}（编号 {campaign.pk}，{framework.name}，{framework.get_scoring_display()}）")
        if rule is None:
            out("本活动尚未设定结果判定规则")
        else:
            line = f"结果判定规则第 {rule.version} 版：{PassRule(rule.pass_rule).label}"
            if rule.pass_min_percent is not None:
                line += f"，合格线 {_shown(rule.pass_min_percent.normalize())}"
            if rule.grades:
                line += "，等级 " + " · ".join(f"{g['label']} ≥ {g['min_percent']:g}%" for g in rule.grades)
            if rule.excluded:
                line += "，不计入判定：" + "、".join(rule.excluded)
            out(line)
        out("")
        out(f"{'学校标识码':<12}\t{'学校':<16}\t状态\t自评\t评审\t结果\t等级\t是否达标")
        for school in outcomes.schools:
            official = school.official
            passed = "—" if official is None else ("通过" if official.passed else "未通过")
            out(
                "\t".join(
                    [
                        f"{school.school_code:<12}",
                        f"{school.school_name:<16}",
                        str(AssessmentStatus(school.status).label),
                        _shown(school.self_percent),
                        _shown(school.review_percent),
                        _shown(official.percent if official else None),
                        (official.grade or "—") if official else "—",
                        passed,
                    ]
                )
            )
        out("")
        summary = f"已完成评审 {outcomes.counted} 所"
        if rule is not None:
            share = "—" if outcomes.share is None else f"{outcomes.share * 100:.1f}%"
            summary += f"，达标 {outcomes.passed} 所（{share}）"
            if rule.target_share is not None:
                summary += f"，目标 {rule.target_share * 100:.1f}%"
        out(summary)


def _dumps(data) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2)
