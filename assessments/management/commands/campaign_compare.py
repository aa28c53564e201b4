"""Compare a campaign's schools with the round before it (`Campaign.predecessor`)."""

from __future__ import annotations

import json
from decimal import Decimal

from django.core.management.base import BaseCommand, CommandError, CommandParser

from assessments.models import Campaign
from assessments.selectors.years import Comparison, campaign_comparison


def _number(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def comparison_json(comparison: Comparison) -> dict:
    """The command's JSON document (also what tests compare the pages and the workbook with)."""
    return {
        "campaign": comparison.campaign.pk,
        "previous": comparison.previous.pk if comparison.previous else None,
        "schools": [
            {
                "school_code": row.school_code,
                "this_percent": _number(row.this.percent),
                "previous_percent": _number(row.previous.percent),
                "change": _number(row.change),
                "basis": {"this": row.this.basis, "previous": row.previous.basis},
            }
            for row in comparison.schools
        ],
    }


class Command(BaseCommand):
    help = (
        "Compare a campaign's schools with its predecessor (the previous year's round). "
        'With --json prints {"campaign": ID, "previous": ID or null, "schools": [{"school_code", '
        '"this_percent", "previous_percent", "change", "basis"}]}. A percent is the result as the '
        "pages show it (points: percent of the declared total; compliance: the compliance index × 100). Each "
        "year uses the finalised review where it exists and the submitted self-assessment otherwise: "
        '"basis" is {"this": b, "previous": b} with b = "review", "self" or null (no counted '
        'result: a draft, or the school was not in that round). "change" = this − previous, null '
        "unless both exist. Schools of either round are listed, ordered by district and school code."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--campaign", type=int, required=True, help="campaign id")
        parser.add_argument("--json", action="store_true", help="print JSON (the default is a table)")

    def handle(self, *args, campaign: int, json: bool, **options) -> None:
        found = (
            Campaign.objects.select_related("framework", "region", "predecessor").filter(pk=campaign).first()
        )
        if found is None:
            raise CommandError(f"no campaign {campaign}")
        document = comparison_json(campaign_comparison(campaign=found))
        if json:
            self.stdout.write(_dumps(document))
            return
        self.stdout.write(f"campaign {document['campaign']}  previous {document['previous']}")
        for row in document["schools"]:
            self.stdout.write(
                "{code:<14} {this!s:>7} {previous!s:>7} {change!s:>7}  {basis}".format(
                    code=row["school_code"],
                    this=row["this_percent"],
                    previous=row["previous_percent"],
                    change=row["change"],
                    basis=f"{row['basis']['this']}/{row['basis']['previous']}",
                )
            )


def _dumps(document: dict) -> str:
    return json.dumps(document, ensure_ascii=False)
