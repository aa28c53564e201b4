"""`seed_demo --fill`: designations, so the demo shows nomination boards, an awarding queue and
awarded schools. Per district with passed schools: quotas of half of them (达标命名) and one in ten,
at least one (示范校); the best results nominated, two in three awarded and the others left to decide.
Deterministic; a new fill replaces the campaign's demo designations."""

from __future__ import annotations

import math

from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from ..freshness import campaign_data_changed
from ..models import (
    Assessment,
    AssessmentStatus,
    Campaign,
    Designation,
    DesignationKind,
    DesignationQuota,
    DesignationState,
    DesignationTitle,
    Region,
    Role,
)
from .fill import _first_user_ids

#: campaigns whose 达标命名 has a name of its own (the commission's wording)
TITLES = {"zibo-k12": "淄博市智慧校园", "beijing-k12": "北京市智慧校园达标校"}  # i18n: data
REASON = "演示数据"  # i18n: data


@transaction.atomic
def campaign_designations_fill(*, campaign: Campaign) -> dict[str, int]:
    """Quotas, nominations and awards for the passed schools of `campaign`; returns the counts."""
    Designation.objects.filter(campaign=campaign).delete()
    label = TITLES.get(campaign.framework.code)
    if label:
        DesignationTitle.objects.update_or_create(
            campaign=campaign, kind=DesignationKind.STANDARD, defaults={"label": label}
        )
    passed = list(
        Assessment.objects.filter(campaign=campaign, status=AssessmentStatus.FINALISED, result_passed=True)
        .order_by("school__region_id", "-result_percent", "school__code")
        .values_list("pk", "school__region_id")
    )
    by_district: dict[int, list[int]] = {}
    for pk, region_id in passed:
        by_district.setdefault(region_id, []).append(pk)
    commission = _first_user_ids(Role.COMMISSION, "region").get(campaign.region_id)
    reviewers = _first_user_ids(Role.REVIEWER, "region")
    now = timezone.now()
    existing = {(q.region_id, q.kind): q for q in DesignationQuota.objects.filter(campaign=campaign)}
    new_quotas, changed_quotas = [], []
    rows, counts = [], {"quotas": 0, "nominated": 0, "awarded": 0}
    for region in Region.objects.filter(pk__in=list(by_district)).order_by("path"):
        schools = by_district[region.pk]
        quotas = {
            DesignationKind.STANDARD: math.ceil(len(schools) / 2),
            DesignationKind.DEMONSTRATION: max(1, len(schools) // 10),
        }
        for kind, quota in quotas.items():
            row = existing.get((region.pk, kind))
            if row is None:
                new_quotas.append(
                    DesignationQuota(
                        campaign=campaign, region=region, kind=kind, quota=quota, updated_by_id=commission
                    )
                )
            elif row.quota != quota:
                row.quota = quota
                changed_quotas.append(row)
            counts["quotas"] += 1
            for pk in schools[:quota]:
                # every third nomination is left for the commission to decide
                awarded = counts["nominated"] % 3 != 2
                rows.append(
                    Designation(
                        campaign=campaign,
                        assessment_id=pk,
                        kind=kind,
                        state=DesignationState.AWARDED if awarded else DesignationState.NOMINATED,
                        nominated_by_id=reviewers.get(region.pk),
                        nominated_at=now,
                        decided_by_id=commission if awarded else None,
                        decided_at=now if awarded else None,
                    )
                )
                counts["nominated"] += 1
                counts["awarded"] += awarded
    bulk_create_with_history(new_quotas, DesignationQuota, default_change_reason=REASON)
    DesignationQuota.objects.bulk_update(changed_quotas, ["quota"])
    bulk_create_with_history(rows, Designation, batch_size=1000, default_change_reason=REASON)
    campaign_data_changed(campaign.pk)
    return counts
