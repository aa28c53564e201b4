"""Reads of the city acceptance (市级验收): the list of a campaign's finalised (and sent-back)
assessments for commission staff, and what the pages may offer."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from ..models import Acceptance, AcceptanceDelegate, Assessment, AssessmentStatus, Campaign
from ..scoping import Action, get_scope
from .campaigns import assessment_list

#: what the acceptance list shows: the finalised results, and those the city sent back
ACCEPTANCE_ROWS = Q(status=AssessmentStatus.FINALISED) | Q(acceptance=Acceptance.SENT_BACK)


def acceptance_list(*, user, campaign: Campaign, state: str | None = None) -> QuerySet[Assessment]:
    """The campaign's assessments `user` may accept or send back, finalised or sent back, by
    district and school code; `state` filters by `Acceptance` (sent-back ones are in review again)."""
    qs = (
        assessment_list(user=user, action=Action.ACCEPT)
        .filter(campaign=campaign)
        .filter(ACCEPTANCE_ROWS)
        .select_related("acceptance_by")
        .order_by("school__region__path", "school__code")
    )
    if state in Acceptance.values:
        qs = qs.filter(acceptance=state)
        if state != Acceptance.SENT_BACK:
            qs = qs.filter(status=AssessmentStatus.FINALISED)
    return qs


def acceptance_counts(*, user, campaign: Campaign) -> dict[str, int]:
    """`Acceptance` value → number of the list's assessments in that state."""
    rows = (
        acceptance_list(user=user, campaign=campaign)
        .order_by()
        .values_list("acceptance")
        .annotate(n=Count("pk"))
    )
    return {state: n for state, n in rows}


@dataclass(frozen=True)
class AcceptanceAbilities:
    can_accept: bool
    can_send_back: bool


def acceptance_abilities(*, user, assessment: Assessment) -> AcceptanceAbilities:
    """What the pages offer on one assessment: accept or send back a finalised, undecided result."""
    allowed = (
        get_scope(user).can(Action.ACCEPT, assessment)
        and assessment.status == AssessmentStatus.FINALISED
        and assessment.acceptance != Acceptance.ACCEPTED
    )
    return AcceptanceAbilities(can_accept=allowed, can_send_back=allowed)


@dataclass(frozen=True)
class AcceptanceRecord:
    """Where the city's acceptance of one assessment stands, as the pages and `campaign_results`
    state it: the state (`Acceptance`), who last changed it (accepted, sent back, or withdrew an
    acceptance when the result changed) and when, and the reason (of a send-back or a withdrawal)."""

    state: str
    by: str | None  # username
    by_name: str | None  # what the pages show: the name, else the username
    at: datetime.datetime | None
    reason: str

    @property
    def label(self) -> str:
        return str(Acceptance(self.state).label)

    @classmethod
    def of(cls, assessment: Assessment) -> AcceptanceRecord:
        """From an assessment with `acceptance_by` loaded."""
        user = assessment.acceptance_by
        return cls(
            state=assessment.acceptance,
            by=user.username if user else None,
            by_name=(user.first_name or user.username) if user else None,
            at=assessment.acceptance_at,
            reason=assessment.acceptance_reason,
        )


def acceptance_records(*, campaign: Campaign) -> dict[int, AcceptanceRecord]:
    """Assessment id → its `AcceptanceRecord`, for every school of `campaign` (one query; for
    callers that already chose the campaign, such as the result table command)."""
    return {
        a.pk: AcceptanceRecord.of(a)
        for a in Assessment.objects.filter(campaign_id=campaign.pk)
        .select_related("acceptance_by")
        .only("acceptance", "acceptance_at", "acceptance_reason", "acceptance_by")
    }


def acceptance_delegate_list(*, user, campaign: Campaign) -> QuerySet[AcceptanceDelegate]:
    """The delegations of `campaign`'s acceptance, for commission staff managing it (else none)."""
    if not get_scope(user).can(Action.MANAGE, campaign):
        return AcceptanceDelegate.objects.none()
    return (
        AcceptanceDelegate.objects.filter(campaign=campaign)
        .select_related("reviewer", "assigned_by", "assessment__school")
        .order_by("reviewer__username", "assessment__school__code")
    )


def acceptance_delegate_get(*, user, pk: int) -> AcceptanceDelegate:
    """One delegation of a campaign the user manages, else 404."""
    delegate = AcceptanceDelegate.objects.select_related("campaign__region").filter(pk=pk).first()
    if delegate is None or not get_scope(user).can(Action.MANAGE, delegate.campaign):
        raise Http404
    return delegate
