"""Reads of designations (达标命名, 示范校): a school's designations, the district's nomination board,
the commission's awarding queue, quota usage.

A designation *counts* (holds a place in its district's quota, and an award is shown as the
school's designation) only while it is nominated or awarded **and** the school's official result
stands as passed (finalised, `result_passed`). Reopening the review withdraws the designation
(`services.designations_withdraw`); a new rule version that makes the school fail leaves the row
as it was but it no longer counts, so every output agrees with the official result.

A school's district is the region it belongs to (schools hang on 区县 regions); quotas are set per
district region.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404

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
)
from ..scoping import Action, get_scope

#: the designations that count: active, on a school whose official result stands as passed
COUNTING = Q(
    state__in=DesignationState.active(),
    assessment__status=AssessmentStatus.FINALISED,
    assessment__result_passed=True,
)
KINDS = tuple(DesignationKind)


def designation_labels(*, campaign_ids: Iterable[int]) -> dict[int, dict[str, str]]:
    """Campaign id → kind → the name of that designation in the campaign (one query)."""
    labels = {pk: {k.value: k.default_label for k in KINDS} for pk in set(campaign_ids)}
    for campaign_id, kind, label in DesignationTitle.objects.filter(campaign_id__in=list(labels)).values_list(
        "campaign_id", "kind", "label"
    ):
        labels[campaign_id][kind] = label
    return labels


def campaign_designation_labels(campaign: Campaign) -> dict[str, str]:
    return designation_labels(campaign_ids=[campaign.pk])[campaign.pk]


def awarded_labels(assessment_ids: Iterable[int]) -> dict[int, list[str]]:
    """Assessment id → the names of the designations awarded to it that count, in kind order (two
    queries)."""
    ids = list(assessment_ids)
    result: dict[int, list[str]] = {pk: [] for pk in ids}
    rows = list(
        Designation.objects.filter(COUNTING, assessment_id__in=ids, state=DesignationState.AWARDED)
        .order_by()
        .values_list("assessment_id", "campaign_id", "kind")
    )
    labels = designation_labels(campaign_ids={r[1] for r in rows})
    order = {k.value: i for i, k in enumerate(KINDS)}
    for assessment_id, campaign_id, kind in sorted(rows, key=lambda r: (r[0], order[r[2]])):
        result[assessment_id].append(labels[campaign_id][kind])
    return result


def awarded_counts(*, campaign: Campaign, region: Region | None = None) -> dict[str, dict[str, int]]:
    """District region code → kind → number of awarded designations that count (one query)."""
    rows = Designation.objects.filter(COUNTING, campaign_id=campaign.pk, state=DesignationState.AWARDED)
    if region is not None:
        rows = rows.filter(assessment__school__region__path__startswith=region.path)
    counts: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys((k.value for k in KINDS), 0))
    for code, kind, n in (
        rows.order_by().values_list("assessment__school__region__code", "kind").annotate(n=Count("pk"))
    ):
        counts[code][kind] = n
    return dict(counts)


def designation_list(*, user, action: Action = Action.VIEW) -> QuerySet[Designation]:
    """Designations of the assessments in the user's scope for `action` (`view`, `nominate`, `award`)."""
    scope = get_scope(user)
    if scope.user_id is None:
        return Designation.objects.none()
    return Designation.objects.filter(scope.assessments_q(action, "assessment__")).select_related(
        "campaign",
        "campaign__region",
        "assessment",
        "assessment__campaign",
        "assessment__campaign__region",
        "assessment__school",
        "assessment__school__region",
        "nominated_by",
        "decided_by",
    )


def designation_get(*, user, pk: int, action: Action = Action.VIEW) -> Designation:
    """One designation in scope for `action`, else 404."""
    return get_object_or_404(designation_list(user=user, action=action), pk=pk)


@dataclass(frozen=True)
class QuotaUse:
    """One district's quota for one kind: the quota (None: not set, nothing may be nominated) and the
    places taken by designations that count."""

    region: Region
    kind: str
    label: str
    quota: int | None
    used: int

    @property
    def left(self) -> int:
        return max((self.quota or 0) - self.used, 0)

    @property
    def kind_label(self) -> str:
        return str(DesignationKind(self.kind).label)


def quota_uses(*, campaign: Campaign, regions: Iterable[Region]) -> list[QuotaUse]:
    """The quota and its use per district of `regions` and kind (two queries)."""
    regions = list(regions)
    ids = [r.pk for r in regions]
    quotas = {
        (region_id, kind): quota
        for region_id, kind, quota in DesignationQuota.objects.filter(
            campaign_id=campaign.pk, region_id__in=ids
        ).values_list("region_id", "kind", "quota")
    }
    used = {
        (region_id, kind): n
        for region_id, kind, n in Designation.objects.filter(
            COUNTING, campaign_id=campaign.pk, assessment__school__region_id__in=ids
        )
        .order_by()
        .values_list("assessment__school__region_id", "kind")
        .annotate(n=Count("pk"))
    }
    labels = campaign_designation_labels(campaign)
    return [
        QuotaUse(
            region=r,
            kind=k.value,
            label=labels[k.value],
            quota=quotas.get((r.pk, k.value)),
            used=used.get((r.pk, k.value), 0),
        )
        for r in regions
        for k in KINDS
    ]


def campaign_districts(*, campaign: Campaign, user=None, action: Action = Action.VIEW) -> list[Region]:
    """The districts of the campaign's schools (in the user's scope for `action` when a user is
    given), in path order."""
    assessments = Assessment.objects.filter(campaign_id=campaign.pk)
    if user is not None:
        assessments = assessments.filter(get_scope(user).assessments_q(action))
    return list(Region.objects.filter(pk__in=assessments.values("school__region_id")).order_by("path"))


@dataclass(frozen=True)
class DesignationCell:
    """One kind for one school on the nomination board."""

    kind: str
    label: str
    designation: Designation | None
    can_nominate: bool

    @property
    def state_label(self) -> str:
        return self.designation.get_state_display() if self.designation else ""


@dataclass(frozen=True)
class NominationRow:
    assessment: Assessment
    cells: tuple[DesignationCell, ...]


@dataclass(frozen=True)
class NominationBoard:
    """A district's page: its passed schools with their designations per kind, and its quotas."""

    campaign: Campaign
    rows: tuple[NominationRow, ...]
    quotas: tuple[QuotaUse, ...]


def nomination_board(*, user, campaign: Campaign) -> NominationBoard:
    """The finalised schools of `campaign` whose official result passed, in the user's `nominate`
    scope, with what each may still be nominated for (a free place in its district's quota, no
    active designation of that kind)."""
    scope = get_scope(user)
    assessments = list(
        Assessment.objects.filter(
            scope.assessments_q(Action.NOMINATE),
            campaign_id=campaign.pk,
            status=AssessmentStatus.FINALISED,
            result_passed=True,
        )
        .select_related("school", "school__region")
        .order_by("school__region__path", "school__code")
    )
    districts = {a.school.region_id: a.school.region for a in assessments}
    districts.update(
        {r.pk: r for r in campaign_districts(campaign=campaign, user=user, action=Action.NOMINATE)}
    )
    quotas = quota_uses(campaign=campaign, regions=sorted(districts.values(), key=lambda r: r.path))
    free = {(q.region.pk, q.kind): q.left > 0 for q in quotas}
    existing = {
        (d.assessment_id, d.kind): d
        for d in Designation.objects.filter(assessment_id__in=[a.pk for a in assessments])
    }
    labels = campaign_designation_labels(campaign)
    rows = []
    for a in assessments:
        cells = []
        for k in KINDS:
            d = existing.get((a.pk, k.value))
            active = d is not None and d.state in DesignationState.active()
            cells.append(
                DesignationCell(
                    kind=k.value,
                    label=labels[k.value],
                    designation=d,
                    can_nominate=not active and free[(a.school.region_id, k.value)],
                )
            )
        rows.append(NominationRow(assessment=a, cells=tuple(cells)))
    return NominationBoard(campaign=campaign, rows=tuple(rows), quotas=tuple(quotas))


@dataclass(frozen=True)
class AwardingQueue:
    """The commission's page: every designation of the campaign (nominated first), with the
    districts' quotas and the names of the designations."""

    campaign: Campaign
    designations: tuple[Designation, ...]
    quotas: tuple[QuotaUse, ...]
    labels: dict[str, str]

    @property
    def pending(self) -> int:
        return sum(1 for d in self.designations if d.state == DesignationState.NOMINATED)


def awarding_queue(*, user, campaign: Campaign) -> AwardingQueue:
    """`campaign` obtained with `Action.AWARD`: its designations and the quotas of its districts."""
    order = {s: i for i, s in enumerate(DesignationState.values)}
    designations = sorted(
        designation_list(user=user, action=Action.AWARD).filter(campaign_id=campaign.pk),
        key=lambda d: (order[d.state], d.assessment.school.region.path, d.assessment.school.code, d.kind),
    )
    return AwardingQueue(
        campaign=campaign,
        designations=tuple(designations),
        quotas=tuple(quota_uses(campaign=campaign, regions=campaign_districts(campaign=campaign))),
        labels=campaign_designation_labels(campaign),
    )


def assessment_designations(*, assessment: Assessment) -> list[Designation]:
    """The designations of `assessment` (obtained through a selector) that count, nominated or
    awarded, each with its name in `label` (at most two queries; none unless its result passed)."""
    if assessment.status != AssessmentStatus.FINALISED or assessment.result_passed is not True:
        return []  # none counts (COUNTING, read from the row the caller just loaded): no query
    rows = list(Designation.objects.filter(COUNTING, assessment_id=assessment.pk).order_by("kind"))
    if not rows:
        return rows
    labels = campaign_designation_labels(assessment.campaign)
    for d in rows:
        d.label = labels[d.kind]
    return rows
