"""Demo rectification items for `seed_demo --fill`: each finalised demo school gets the items its
review proposes (up to four), spread over every state, some overdue, so the ledger, the pages and the
dashboard are not empty on a fresh demo. Deterministic for a seed; schools that have items keep them."""

from __future__ import annotations

import datetime
import random

from django.db import transaction
from django.utils import timezone

from assessments.freshness import campaign_data_changed
from assessments.models import Assessment, AssessmentStatus, Campaign, Region
from assessments.selectors.results import campaign_results, results_frame

from .models import RectificationEvent, RectificationItem, RectificationState
from .selectors import rectification_proposal

PER_SCHOOL = 4
STATES = list(RectificationState)


@transaction.atomic
def rectification_demo_fill(*, campaign: Campaign, seed: int = 2026) -> int:
    """Create the demo items of `campaign`; returns how many were created."""
    today = timezone.localdate()
    frame = results_frame(framework=campaign.framework)
    done = set(
        RectificationItem.objects.filter(assessment__campaign=campaign).values_list(
            "assessment_id", flat=True
        )
    )
    finalised = set(
        Assessment.objects.filter(campaign=campaign, status=AssessmentStatus.FINALISED).values_list(
            "pk", flat=True
        )
    )
    region = Region.objects.get(pk=campaign.region_id)
    items, n = [], 0
    for results in campaign_results(campaign=campaign, region=region, frame=frame):
        if results.assessment_id not in finalised or results.assessment_id in done:
            continue
        rng = random.Random(f"{seed}:rectification:{results.assessment_id}")  # noqa: S311 — demo data
        for proposal in rectification_proposal(results=results, frame=frame, today=today)[:PER_SCHOOL]:
            state = STATES[n % len(STATES)]
            n += 1
            # about a third of the open items are overdue
            offset = (
                rng.randint(-40, -1)
                if state in RectificationState.open() and n % 3 == 0
                else rng.randint(5, 120)
            )
            item = RectificationItem(
                assessment_id=results.assessment_id,
                node_id=proposal.node_id,
                source=proposal.source,
                problem=proposal.problem,
                action=proposal.action,
                due_date=today + datetime.timedelta(days=offset),
                state=state,
            )
            if state != RectificationState.DRAFT_PLAN:
                item.plan, item.responsible = (
                    "按指标要求制定整改计划，分阶段落实。",  # i18n: data
                    "信息中心主任",  # i18n: data
                )
            if state in (RectificationState.AWAITING_VERIFICATION, RectificationState.VERIFIED):
                item.report = "已按方案完成整改。"  # i18n: data
            if state == RectificationState.WAIVED:
                item.waiver_reason = "该条目已纳入新校区建设规划。"  # i18n: data
            if state in (RectificationState.VERIFIED, RectificationState.WAIVED):
                item.closed_at = timezone.now()
            items.append(item)
    RectificationItem.objects.bulk_create(items, batch_size=1000)
    campaign_data_changed(campaign.pk, "rectification")
    RectificationEvent.objects.bulk_create(
        (
            RectificationEvent(
                item=i,
                from_state="",
                to_state=i.state,
                comment="演示数据",  # i18n: data
            )
            for i in items
        ),
        batch_size=1000,
    )
    return len(items)
