"""The one mechanism that decides what a user may see.

A user's memberships and review assignments are read once per request into a `UserScope`; every
selector turns it into a `Q` over the school a row belongs to. Views never filter by role
themselves: they ask a selector.

Review assignments (commission staff naming an expert for one school's assessment, anywhere) make
that school part of the expert's scope (`review_school_ids`) and that assessment reviewable by
them (`review_assessment_ids`); a district reviewer may review the assessments of every school in
their region subtrees.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from django.db.models import BooleanField, CharField, IntegerField, Q, Value

from .models import Membership, ReviewAssignment, Role

_CACHE_ATTR = "_smartcampus_scope"
ASSIGNED = "assigned"  # pseudo-role of a review assignment row in get_scope's UNION


@dataclass(frozen=True)
class UserScope:
    """What one user covers: schools as CIO, region subtrees as reviewer or commission staff."""

    user_id: int | None
    is_superuser: bool = False
    cio_school_ids: frozenset[int] = field(default_factory=frozenset)
    reviewer_paths: tuple[str, ...] = ()
    commission_paths: tuple[str, ...] = ()
    review_school_ids: frozenset[int] = field(default_factory=frozenset)
    review_assessment_ids: frozenset[int] = field(default_factory=frozenset)
    lead_assessment_ids: frozenset[int] = field(default_factory=frozenset)

    @property
    def roles(self) -> frozenset[str]:
        roles = set()
        if self.cio_school_ids:
            roles.add(Role.SCHOOL_CIO)
        if self.reviewer_paths or self.review_assessment_ids:
            roles.add(Role.REVIEWER)
        if self.commission_paths:
            roles.add(Role.COMMISSION)
        return frozenset(roles)

    @property
    def is_commission(self) -> bool:
        return self.is_superuser or bool(self.commission_paths)

    @property
    def region_paths(self) -> tuple[str, ...]:
        return self.reviewer_paths + self.commission_paths

    def schools_q(self, prefix: str = "", *, roles: frozenset[str] | None = None) -> Q:
        """A Q selecting the schools in scope; `prefix` is the path to the school ("school__")."""
        if self.is_superuser:
            return Q()
        roles = self.roles if roles is None else roles & self.roles
        q = Q(pk__in=[])
        if Role.SCHOOL_CIO in roles:
            q |= Q(**{f"{prefix}id__in": sorted(self.cio_school_ids)})
        paths = (self.reviewer_paths if Role.REVIEWER in roles else ()) + (
            self.commission_paths if Role.COMMISSION in roles else ()
        )
        for path in paths:
            q |= Q(**{f"{prefix}region__path__startswith": path})
        if Role.REVIEWER in roles and self.review_school_ids:
            q |= Q(**{f"{prefix}id__in": sorted(self.review_school_ids)})
        return q

    def fingerprint(self) -> str:
        """A short digest of everything `schools_q` depends on: two users with the same fingerprint
        see exactly the same schools, so results computed for one (cached aggregates) may be shown
        to the other, and a membership change gives a new fingerprint."""
        parts = (
            self.is_superuser,
            sorted(self.cio_school_ids),
            sorted(self.reviewer_paths),
            sorted(self.commission_paths),
            sorted(self.review_school_ids),
        )
        return hashlib.sha256(repr(parts).encode()).hexdigest()[:32]

    @property
    def is_reviewer(self) -> bool:
        return self.is_superuser or Role.REVIEWER in self.roles

    def reviewable_q(self, prefix: str = "") -> Q:
        """A Q over assessments (`prefix` is the path to the assessment) the user reviews: those of
        schools in their reviewer regions and those they are assigned to. Conflicts of interest (the
        reviewer is a CIO of the school) are *not* excluded: the queue shows them with the reason,
        the services refuse them (`has_conflict`)."""
        if self.is_superuser:
            return Q()
        q = Q(pk__in=[])
        for path in self.reviewer_paths:
            q |= Q(**{f"{prefix}school__region__path__startswith": path})
        if self.review_assessment_ids:
            q |= Q(**{f"{prefix}id__in": sorted(self.review_assessment_ids)})
        return q

    def may_review(self, assessment) -> bool:
        """Whether the user is a reviewer of `assessment` (region or assignment), ignoring conflicts."""
        if self.is_superuser:
            return True
        if assessment.pk in self.review_assessment_ids:
            return True
        path = assessment.school.region.path
        return any(path.startswith(p) for p in self.reviewer_paths)

    def has_conflict(self, assessment) -> bool:
        """A reviewer who is a member (CIO) of the school may not review it."""
        return assessment.school_id in self.cio_school_ids

    def regions_q(self, prefix: str = "") -> Q:
        """Regions inside any region scope (subtrees), for reviewer and commission users."""
        if self.is_superuser:
            return Q()
        q = Q(pk__in=[])
        for path in self.region_paths:
            q |= Q(**{f"{prefix}path__startswith": path})
        return q

    def covers_region_path(self, path: str, *, commission_only: bool = False) -> bool:
        if self.is_superuser:
            return True
        paths = self.commission_paths if commission_only else self.region_paths
        return any(path.startswith(p) for p in paths)


ANONYMOUS_SCOPE = UserScope(user_id=None)


def get_scope(user) -> UserScope:
    """The scope of `user`, computed with one query and cached on the user object for the request."""
    if user is None or not user.is_authenticated or not user.is_active:
        return ANONYMOUS_SCOPE
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is not None:
        return cached
    cio, reviewer, commission = set(), [], []
    review_schools, review_assessments, lead = set(), set(), set()
    # memberships and review assignments in one UNION: (role, school id, region path, assessment id, lead)
    memberships = (
        Membership.objects.filter(user=user)
        .order_by()
        .values_list(
            "role", "school_id", "region__path", Value(None, IntegerField()), Value(False, BooleanField())
        )
    )
    assignments = (
        ReviewAssignment.objects.filter(reviewer=user)
        .order_by()
        .values_list(
            Value(ASSIGNED, CharField()),
            "assessment__school_id",
            Value(None, CharField()),
            "assessment_id",
            "lead",
        )
    )
    for role, school_id, path, assessment_id, is_lead in memberships.union(assignments, all=True):
        if role == Role.SCHOOL_CIO:
            cio.add(school_id)
        elif role == Role.REVIEWER:
            reviewer.append(path)
        elif role == Role.COMMISSION:
            commission.append(path)
        elif role == ASSIGNED:
            review_schools.add(school_id)
            review_assessments.add(assessment_id)
            if is_lead:
                lead.add(assessment_id)
    scope = UserScope(
        user_id=user.pk,
        is_superuser=user.is_superuser,
        cio_school_ids=frozenset(cio),
        reviewer_paths=tuple(sorted(reviewer)),
        commission_paths=tuple(sorted(commission)),
        review_school_ids=frozenset(review_schools),
        review_assessment_ids=frozenset(review_assessments),
        lead_assessment_ids=frozenset(lead),
    )
    setattr(user, _CACHE_ATTR, scope)
    return scope


def clear_scope_cache(user) -> None:
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)
