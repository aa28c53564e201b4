"""Reads of visits, publications and objections, scoped by `assessments.scoping` with the action the
caller performs (outside it the object does not exist: 404), and the rows of a publication's page.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db.models import Count, Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404

from assessments.models import (
    Acceptance,
    Assessment,
    AssessmentStatus,
    Membership,
    ReviewAssignment,
    Role,
)
from assessments.scoping import Action, get_scope
from assessments.selectors.designations import awarded_labels

from .models import (
    Finding,
    FindingPhoto,
    Objection,
    ObjectionState,
    Publication,
    PublicationState,
    Visibility,
    Visit,
    VisitState,
)


def _ancestors(path: str) -> list[str]:
    """ "/370000/370300/" → ["/370000/", "/370000/370300/"]."""
    parts = [p for p in path.split("/") if p]
    return ["/" + "/".join(parts[: i + 1]) + "/" for i in range(len(parts))]


def inspector_candidates(*, assessment: Assessment) -> QuerySet:
    """Who may be on a visit team for `assessment`: the users in its `inspect` scope — reviewers of
    the school's region or above and reviewers assigned to it, commission staff of the campaign's
    region or above — active, never a CIO of the school."""
    User = get_user_model()
    reviewers = Membership.objects.filter(
        role=Role.REVIEWER, region__path__in=_ancestors(assessment.school.region.path)
    )
    commission = Membership.objects.filter(
        role=Role.COMMISSION, region__path__in=_ancestors(assessment.campaign.region.path)
    )
    assigned = ReviewAssignment.objects.filter(assessment_id=assessment.pk)
    cios = Membership.objects.filter(role=Role.SCHOOL_CIO, school_id=assessment.school_id)
    return (
        User.objects.filter(is_active=True)
        .filter(
            Q(pk__in=reviewers.values("user_id"))
            | Q(pk__in=commission.values("user_id"))
            | Q(pk__in=assigned.values("reviewer_id"))
        )
        .exclude(pk__in=cios.values("user_id"))
        .order_by("username")
    )


# --- visits -------------------------------------------------------------------------------------------


def visit_list(*, user, action: Action = Action.VIEW) -> QuerySet[Visit]:
    """Visits of the assessments in the user's scope for `action`."""
    scope = get_scope(user)
    if scope.user_id is None:
        return Visit.objects.none()
    return Visit.objects.filter(scope.assessments_q(action, "assessment__")).select_related(
        "assessment__campaign__region", "assessment__school__region", "check_sheet"
    )


def visit_get(*, user, pk: int, action: Action = Action.VIEW) -> Visit:
    return get_object_or_404(visit_list(user=user, action=action), pk=pk)


def visit_findings(*, visit: Visit) -> list[Finding]:
    """The findings of a visit in tree order, with their photos and rectification items (3 queries)."""
    return list(
        visit.findings.select_related("node", "rectification_item", "recorded_by").prefetch_related(
            Prefetch("findingphoto_set", queryset=FindingPhoto.objects.select_related("file"))
        )
    )


def finding_get(*, user, pk: int, action: Action = Action.INSPECT) -> Finding:
    """One finding of a visit in the user's scope for `action`, else 404."""
    scope = get_scope(user)
    qs = Finding.objects.none()
    if scope.user_id is not None:
        qs = Finding.objects.filter(scope.assessments_q(action, "visit__assessment__")).select_related(
            "node", "visit__assessment__campaign__region", "visit__assessment__school__region"
        )
    return get_object_or_404(qs, pk=pk)


def visit_abilities(*, user, visit: Visit) -> dict[str, bool]:
    """What the user may do with `visit` now (one query: the team)."""
    scope = get_scope(user)
    on_team = scope.can(Action.INSPECT, visit) and visit.team.filter(pk=user.pk).exists()
    open_ = visit.state == VisitState.SCHEDULED
    return {
        "can_record": on_team and open_,
        "can_complete": on_team and open_,
        "can_follow_up": on_team,
        "can_adjust": on_team
        and scope.can(Action.REVIEW, visit.assessment)
        and not scope.has_conflict(visit.assessment),
    }


def visits_to_schedule(*, user) -> QuerySet[Assessment]:
    """Assessments (submitted or later) the user may schedule a visit for, by campaign and school."""
    scope = get_scope(user)
    if scope.user_id is None:
        return Assessment.objects.none()
    return (
        Assessment.objects.filter(scope.assessments_q(Action.INSPECT))
        .select_related("school", "campaign")
        .order_by("-campaign__year", "campaign_id", "school__code")
    )


# --- publications -------------------------------------------------------------------------------------


def publication_list(*, user, action: Action = Action.VIEW) -> QuerySet[Publication]:
    """Publications of the campaigns in the user's scope for `action` (view: those they take part in
    or manage; publish: those they manage)."""
    scope = get_scope(user)
    if scope.user_id is None:
        return Publication.objects.none()
    return Publication.objects.filter(scope.campaigns_q(action, "campaign__")).select_related(
        "campaign__region"
    )


def publication_get(*, user, pk: int, action: Action = Action.VIEW) -> Publication:
    return get_object_or_404(publication_list(user=user, action=action), pk=pk)


def publication_by_token(*, user, token: str) -> Publication | None:
    """The publication behind a results page's link: a public one for anyone; a login-only one for
    the signed-in users who may view its campaign (None for a visitor not signed in); else 404."""
    publication = get_object_or_404(Publication.objects.select_related("campaign__region"), token=token)
    if publication.visibility == Visibility.PUBLIC:
        return publication
    if user is None or not user.is_authenticated:
        return None  # the page asks the visitor to sign in
    return get_object_or_404(publication_list(user=user), pk=publication.pk)


def publication_abilities(*, user, publication: Publication, today: datetime.date | None = None) -> dict:
    scope = get_scope(user)
    manages = scope.can(Action.PUBLISH, publication.campaign)
    is_open = publication.state == PublicationState.OPEN
    return {
        "can_decide": manages and is_open,
        "can_close": manages and is_open,
        "can_object": scope.can_any(Action.OBJECT) and publication.window_open(today),
        "manages": manages,
    }


def publishable_campaigns(*, user) -> QuerySet:
    """Campaigns the user may publish and that are not published yet."""
    from assessments.models import Campaign

    scope = get_scope(user)
    if scope.user_id is None:
        return Campaign.objects.none()
    return (
        Campaign.objects.filter(scope.campaigns_q(Action.PUBLISH))
        .filter(publication__isnull=True, results_frozen_at__isnull=True)
        .select_related("region")
        .order_by("-year", "title")
    )


@dataclass(frozen=True)
class PublishedRow:
    """One school on a results page: only what the publication shows (None where not shown)."""

    school: str
    district: str
    passed: bool | None
    grade: str | None
    total: Decimal | None
    designations: tuple[str, ...] | None


#: the assessments whose result a publication shows: finalised and accepted by the city (the
#: official result is final only then); pending and sent-back ones are left out
PUBLISHED = Q(status=AssessmentStatus.FINALISED, acceptance=Acceptance.ACCEPTED)


def publication_rows(*, publication: Publication) -> list[PublishedRow]:
    """The accepted schools of the campaign with the chosen fields only (two or three queries)."""
    assessments = list(
        Assessment.objects.filter(PUBLISHED, campaign_id=publication.campaign_id)
        .order_by("school__region__path", "school__code")
        .values_list(
            "pk", "school__name", "school__region__name", "result_passed", "result_grade", "result_percent"
        )
    )
    labels = awarded_labels(a[0] for a in assessments) if publication.show_designation else {}
    return [
        PublishedRow(
            school=name,
            district=district,
            passed=passed if publication.show_pass else None,
            grade=grade if publication.show_grade else None,
            total=percent if publication.show_total else None,
            designations=tuple(labels.get(pk, ())) if publication.show_designation else None,
        )
        for pk, name, district, passed, grade, percent in assessments
    ]


@dataclass(frozen=True)
class AcceptanceCounts:
    """How many of a campaign's schools a publication shows (accepted by the city) and how many it
    leaves out (every other school: not finalised, pending acceptance or sent back)."""

    accepted: int
    pending: int
    sent_back: int
    unfinished: int

    @property
    def not_accepted(self) -> int:
        return self.pending + self.sent_back + self.unfinished


def acceptance_counts(*, campaign_id: int) -> AcceptanceCounts:
    """The acceptance of a campaign's schools, as the publication pages state it (one query)."""
    row = Assessment.objects.filter(campaign_id=campaign_id).aggregate(
        accepted=Count("pk", filter=PUBLISHED),
        pending=Count("pk", filter=Q(status=AssessmentStatus.FINALISED) & ~Q(acceptance=Acceptance.ACCEPTED)),
        sent_back=Count(
            "pk", filter=~Q(status=AssessmentStatus.FINALISED) & Q(acceptance=Acceptance.SENT_BACK)
        ),
        total=Count("pk"),
    )
    unfinished = row["total"] - row["accepted"] - row["pending"] - row["sent_back"]
    return AcceptanceCounts(row["accepted"], row["pending"], row["sent_back"], unfinished)


def publication_school_assessments(*, user, publication: Publication) -> QuerySet[Assessment]:
    """The user's own schools' assessments in the publication (the CIO's 「提出申辩」 page)."""
    scope = get_scope(user)
    return (
        Assessment.objects.filter(scope.assessments_q(Action.OBJECT), campaign_id=publication.campaign_id)
        .select_related("school")
        .order_by("school__code")
    )


# --- objections ---------------------------------------------------------------------------------------


def objection_list(*, user, action: Action = Action.VIEW) -> QuerySet[Objection]:
    scope = get_scope(user)
    if scope.user_id is None:
        return Objection.objects.none()
    return Objection.objects.filter(scope.assessments_q(action, "assessment__")).select_related(
        "publication__campaign__region",
        "assessment__school__region",
        "assessment__campaign__region",
        "node",
        "raised_by",
        "decided_by",
    )


def objection_get(*, user, pk: int, action: Action = Action.VIEW) -> Objection:
    return get_object_or_404(objection_list(user=user, action=action), pk=pk)


def publication_objections(*, user, publication: Publication) -> QuerySet[Objection]:
    """The objections of a publication the user may read (the commission: all; a school: its own)."""
    return (
        objection_list(user=user)
        .filter(publication=publication)
        .prefetch_related("files")
        .order_by("state", "-raised_at")
    )


def open_objection_nodes(*, publication: Publication, assessment: Assessment) -> set[int | None]:
    """Node ids (None: the result as a whole) with an open objection of the school."""
    return set(
        Objection.objects.filter(
            publication=publication, assessment=assessment, state=ObjectionState.OPEN
        ).values_list("node_id", flat=True)
    )


__all__ = [
    "PUBLISHED",
    "AcceptanceCounts",
    "acceptance_counts",
    "finding_get",
    "inspector_candidates",
    "objection_get",
    "objection_list",
    "open_objection_nodes",
    "publication_abilities",
    "publication_by_token",
    "publication_get",
    "publication_list",
    "publication_objections",
    "publication_rows",
    "publication_school_assessments",
    "publishable_campaigns",
    "visit_abilities",
    "visit_findings",
    "visit_get",
    "visit_list",
    "visits_to_schedule",
]
