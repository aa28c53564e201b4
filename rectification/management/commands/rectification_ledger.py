"""Print a campaign's rectification ledger: every item (school, item, source, state, due date,
overdue) and the counts, read through the same selector as the dashboard."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext_lazy as _

from assessments.models import Campaign
from rectification.selectors import rectification_ledger


class Command(BaseCommand):
    help = _("整改台账：某次自评活动的全部整改事项及统计（--json 输出机器可读格式）。")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--campaign", type=int, required=True, help=_("自评活动 ID"))
        parser.add_argument("--json", action="store_true", help=_("输出 JSON"))

    def handle(self, *args, campaign: int, json: bool = False, **options) -> None:
        found = Campaign.objects.filter(pk=campaign).first()
        if found is None:
            raise CommandError(_("自评活动 %(id)s 不存在。") % {"id": campaign})
        ledger = rectification_ledger(campaign=found)
        if json:
            self.stdout.write(_dumps(ledger))
            return
        for row in ledger.rows:
            flag = _(" 逾期") if row.overdue else ""
            self.stdout.write(
                f"{row.school_code}\t{row.node}\t{row.source_label}\t{row.state_label}\t{row.due_date:%Y-%m-%d}{flag}"
            )
        summary = ledger.summary
        self.stdout.write(
            _("共 %(total)s 项：未办结 %(open)s，逾期 %(overdue)s，已验收 %(verified)s，免于整改 %(waived)s")
            % summary
        )


def _dumps(ledger) -> str:
    return json.dumps(
        {
            "campaign": ledger.campaign_id,
            "items": [
                {
                    "school_code": row.school_code,
                    "node": row.node,
                    "source": row.source,
                    "state": row.state,
                    "due_date": row.due_date.isoformat(),
                    "overdue": row.overdue,
                }
                for row in ledger.rows
            ],
            "summary": ledger.summary,
        },
        ensure_ascii=False,
    )
