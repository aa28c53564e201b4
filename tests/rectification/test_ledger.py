"""The ledger command: the shape of its JSON, and counts that equal its items."""

from __future__ import annotations

import datetime
import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from rectification import services
from rectification.models import RectificationItem, RectificationState


def _ledger(campaign) -> dict:
    out = StringIO()
    call_command("rectification_ledger", "--campaign", str(campaign.pk), "--json", stdout=out)
    return json.loads(out.getvalue())


def test_the_ledger_lists_every_item_and_its_counts_agree(world, campaign, item):
    # one more, overdue: due yesterday and still in progress; and one waived
    other = RectificationItem.objects.create(
        assessment=item.assessment,
        node=item.assessment.responses.get(node__code="2.1").node,
        source="onsite",
        problem="问题",
        action="要求",
        due_date=timezone.localdate() - datetime.timedelta(days=3),
        state=RectificationState.IN_PROGRESS,
    )
    third = RectificationItem.objects.create(
        assessment=item.assessment,
        node=item.assessment.responses.get(node__code="2.2").node,
        source="city_recheck",
        problem="问题",
        action="要求",
        due_date=timezone.localdate() + datetime.timedelta(days=3),
    )
    services.rectification_waive(
        item=third, acting_user=world.users["reviewer"], version=third.version, reason="不需要"
    )
    data = _ledger(campaign)
    assert set(data) == {"campaign", "items", "summary"}
    assert data["campaign"] == campaign.pk
    assert data["items"] == [
        {
            "school_code": "S-A1",
            "node": "1.2",
            "source": "review_adjust",
            "state": "draft_plan",
            "due_date": item.due_date.isoformat(),
            "overdue": False,
        },
        {
            "school_code": "S-A1",
            "node": "2.1",
            "source": "onsite",
            "state": "in_progress",
            "due_date": other.due_date.isoformat(),
            "overdue": True,
        },
        {
            "school_code": "S-A1",
            "node": "2.2",
            "source": "city_recheck",
            "state": "waived",
            "due_date": third.due_date.isoformat(),
            "overdue": False,
        },
    ]
    items = data["items"]
    open_states = {"draft_plan", "plan_review", "in_progress", "awaiting_verification"}
    assert data["summary"] == {
        "open": sum(i["state"] in open_states for i in items),
        "overdue": sum(i["overdue"] for i in items),
        "verified": sum(i["state"] == "verified" for i in items),
        "waived": sum(i["state"] == "waived" for i in items),
        "total": len(items),
    }
    assert data["summary"] == {"open": 2, "overdue": 1, "verified": 0, "waived": 1, "total": 3}


def test_an_empty_campaign_and_an_unknown_one(campaign):
    assert _ledger(campaign) == {
        "campaign": campaign.pk,
        "items": [],
        "summary": {"open": 0, "overdue": 0, "verified": 0, "waived": 0, "total": 0},
    }
    with pytest.raises(CommandError):
        call_command("rectification_ledger", "--campaign", "999999", "--json", stdout=StringIO())
