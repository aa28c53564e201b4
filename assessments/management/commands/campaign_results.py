"""Print a campaign's result table: every school's self, review and official result under the
campaign's rule, and the share of finalised schools that passed. The figures come from the same
selector as the pages (`assessments.selectors.campaign_outcomes`)."""

from __future__ import annotations

import json
from decimal import Decimal

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

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
    help = gettext_lazy("打印自评活动的结果表：各校自评、评审与认定结果（--json 输出机器可读格式）")

    def add_arguments(self, parser):
        parser.add_argument("--campaign", type=int, required=True, help=_("自评活动编号"))
        parser.add_argument("--json", action="store_true", help=_("以 JSON 输出"))

    def handle(self, *args, campaign: int, json: bool, **options):
        found = Campaign.objects.select_related("framework", "region").filter(pk=campaign).first()
        if found is None:
            raise CommandError(_("找不到编号为 %(n)s 的自评活动") % {"n": campaign})
        outcomes = campaign_outcomes(campaign=found)
        acceptance = acceptance_records(campaign=found)
        if json:
            self.stdout.write(_dumps(outcomes_data(outcomes, acceptance)))
            return
        self._table(outcomes, acceptance)

    def _table(self, outcomes: CampaignOutcomes, acceptance: dict[int, AcceptanceRecord]) -> None:
        out = self.stdout.write
        campaign, rule = outcomes.campaign, outcomes.rule
        framework = campaign.framework
        out(
            _("%(title)s（编号 %(pk)s，%(framework)s，%(scoring)s）")
            % {
                "title": campaign.title,
                "pk": campaign.pk,
                "framework": framework.name,
                "scoring": framework.get_scoring_display(),
            }
        )
        if rule is None:
            out(_("本活动尚未设定结果判定规则"))
        else:
            parts = [
                _("结果判定规则第 %(v)s 版：%(rule)s")
                % {"v": rule.version, "rule": PassRule(rule.pass_rule).label}
            ]
            if rule.pass_min_percent is not None:
                parts.append(_("合格线 %(p)s") % {"p": _shown(rule.pass_min_percent.normalize())})
            if rule.grades:
                grades = " · ".join(f"{g['label']} ≥ {g['min_percent']:g}%" for g in rule.grades)
                parts.append(_("等级 %(g)s") % {"g": grades})
            if rule.excluded:
                parts.append(_("不计入判定：%(codes)s") % {"codes": ", ".join(rule.excluded)})
            out(_("，").join(str(p) for p in parts))
        out("")
        header = [_("学校标识码"), _("学校"), _("状态"), _("自评"), _("评审"), _("结果"), _("等级")]
        out("\t".join(str(h) for h in [*header, _("是否达标"), _("市级验收")]))
        for school in outcomes.schools:
            official = school.official
            passed = "—" if official is None else (_("通过") if official.passed else _("未通过"))
            record = acceptance.get(school.assessment_id)
            out(
                "\t".join(
                    str(cell)
                    for cell in [
                        f"{school.school_code:<12}",
                        f"{school.school_name:<16}",
                        AssessmentStatus(school.status).label,
                        _shown(school.self_percent),
                        _shown(school.review_percent),
                        _shown(official.percent if official else None),
                        (official.grade or "—") if official else "—",
                        passed,
                        record.label if record else "—",
                    ]
                )
            )
        out("")
        summary = [_("已完成评审 %(n)s 所") % {"n": outcomes.counted}]
        if rule is not None:
            share = "—" if outcomes.share is None else f"{outcomes.share * 100:.1f}%"
            summary.append(_("达标 %(n)s 所（%(share)s）") % {"n": outcomes.passed, "share": share})
            if rule.target_share is not None:
                summary.append(_("目标 %(t)s") % {"t": f"{rule.target_share * 100:.1f}%"})
        out(_("，").join(str(p) for p in summary))


def _dumps(data) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2)
