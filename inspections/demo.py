"""Demo visits and publications for `seed_demo --fill`: in each campaign with a finalised school, the
first such school (by code; the one the city accepted, if any, else it is accepted here, since a
publication shows accepted results only) gets a recorded visit (three items, one discrepancy) and the
campaign an open, login-only publication with one objection of that school, so the pages are not empty on a
fresh demo. Deterministic; a campaign already published is left as it is."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone

from assessments.models import Acceptance, Assessment, AssessmentStatus, Campaign, Membership, Role

from .models import Finding, FindingVerdict, Objection, Publication, Visibility, Visit

VISIT_NOTE = "演示数据：市级现场核验。"  # i18n: data
ONSITE_TEXT = "现场查看设备清单与实物，部分设备未到位。"  # i18n: data
OBJECTION_REASON = "演示数据：该条目的设备已于公示前安装到位，请复核。"  # i18n: data


def _ancestors(path: str) -> list[str]:
    parts = [p for p in path.split("/") if p]
    return ["/" + "/".join(parts[: i + 1]) + "/" for i in range(len(parts))]


@transaction.atomic
def inspections_demo_fill(*, campaign: Campaign) -> int:
    """Create the demo visit, publication and objection of `campaign`; returns how many visits (0 or 1)."""
    if Publication.objects.filter(campaign_id=campaign.pk).exists():
        return 0
    finalised = (
        Assessment.objects.filter(campaign_id=campaign.pk, status=AssessmentStatus.FINALISED)
        .select_related("school__region", "campaign__region")
        .order_by("school__code")
    )
    # a publication shows accepted results only: the school the city accepted if there is one
    assessment = finalised.filter(acceptance=Acceptance.ACCEPTED).first() or finalised.first()
    if assessment is None:
        return 0
    roles = dict(
        Membership.objects.filter(
            role__in=[Role.COMMISSION, Role.REVIEWER],
            region__path__in=_ancestors(assessment.school.region.path),
        )
        .order_by("-region__path", "user_id")
        .values_list("role", "user_id")[:20]
    )
    cio = (
        Membership.objects.filter(role=Role.SCHOOL_CIO, school_id=assessment.school_id)
        .order_by("user_id")
        .values_list("user_id", flat=True)
        .first()
    )
    commission, reviewer = roles.get(Role.COMMISSION), roles.get(Role.REVIEWER)
    nodes = list(assessment.responses.order_by("node__position").values_list("node_id", flat=True)[:3])
    today = timezone.localdate()
    visit = Visit.objects.create(
        assessment=assessment,
        date=today - datetime.timedelta(days=7),
        note=VISIT_NOTE,
        created_by_id=commission,
    )
    visit.team.set([u for u in (commission, reviewer) if u])
    now = timezone.now()
    verdicts = [FindingVerdict.CONFIRMED, FindingVerdict.DISCREPANCY, FindingVerdict.CONFIRMED]
    Finding.objects.bulk_create(
        Finding(
            visit=visit,
            node_id=node,
            verdict=verdict,
            text=ONSITE_TEXT if verdict == FindingVerdict.DISCREPANCY else "",
            recorded_by_id=reviewer,
            recorded_at=now,
        )
        for node, verdict in zip(nodes, verdicts, strict=False)
    )
    if assessment.acceptance != Acceptance.ACCEPTED:
        Assessment.objects.filter(pk=assessment.pk).update(
            acceptance=Acceptance.ACCEPTED, acceptance_by_id=commission, acceptance_at=now
        )
    publication = Publication.objects.create(
        campaign=campaign,
        visibility=Visibility.LOGIN,
        show_pass=True,
        show_grade=True,
        window_start=today - datetime.timedelta(days=2),
        window_end=today + datetime.timedelta(days=12),
        published_by_id=commission,
    )
    if cio is not None and len(nodes) > 1:
        Objection.objects.create(
            publication=publication,
            assessment=assessment,
            node_id=nodes[1],
            reason=OBJECTION_REASON,
            raised_by_id=cio,
        )
    return 1
