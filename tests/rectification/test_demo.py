"""`seed_demo --fill` gives finalised demo schools rectification items in every state, some overdue."""

import io
import json

from django.core.management import call_command

from assessments.models import AssessmentStatus, Campaign
from rectification.models import RectificationItem, RectificationState


def run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_the_demo_has_items_in_every_state_and_some_overdue(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    run("load_frameworks")
    run("seed_demo", "--schools", "60", "--campaign", "beijing-k12", "--fill", "--quiet")
    items = RectificationItem.objects.all()
    assert set(items.values_list("state", flat=True)) == set(RectificationState.values)
    assert items.overdue().exists()
    assert not items.exclude(assessment__status=AssessmentStatus.FINALISED).exists()
    campaign = Campaign.objects.get(framework__code="beijing-k12")
    ledger = json.loads(run("rectification_ledger", "--campaign", str(campaign.pk), "--json"))
    assert ledger["summary"]["total"] == items.count() and ledger["summary"]["overdue"] > 0
    # a second fill adds nothing to schools that have items
    before = items.count()
    run("seed_demo", "--schools", "60", "--campaign", "beijing-k12", "--fill", "--quiet")
    assert RectificationItem.objects.count() == before
