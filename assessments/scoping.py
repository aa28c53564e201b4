"""The one mechanism that decides what a user may see.

A user's memberships are read once per request into a `UserScope`; every selector turns it into a
`Q` over the school a row belongs to. Views never filter by role themselves: they ask a selector.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Q

from .models import Membership, Role

_CACHE_ATTR = "_smartcampus_scope"


@dataclass(frozen=True)
class UserScope:
    """What one user covers: schools as CIO, region subtrees as reviewer or commission staff."""

    user_id: int | None
    is_superuser: bool = False
    cio_school_ids: frozenset[int] = field(default_factory=frozenset)
    reviewer_paths: tuple[str, ...] = ()
    commission_paths: tuple[str, ...] = ()

    @property
    def roles(self) -> frozenset[str]:
        roles = set()
        if self.cio_school_ids:
            roles.add(Role.SCHOOL_CIO)
        if self.reviewer_paths:
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
        return q

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
    rows = (
        Membership.objects.filter(user=user)
        .select_related("region")
        .only("role", "school_id", "region__path")
    )
    for m in rows:
        if m.role == Role.SCHOOL_CIO:
            cio.add(m.school_id)
        elif m.role == Role.REVIEWER:
            reviewer.append(m.region.path)
        elif m.role == Role.COMMISSION:
            commission.append(m.region.path)
    scope = UserScope(
        user_id=user.pk,
        is_superuser=user.is_superuser,
        cio_school_ids=frozenset(cio),
        reviewer_paths=tuple(sorted(reviewer)),
        commission_paths=tuple(sorted(commission)),
    )
    setattr(user, _CACHE_ATTR, scope)
    return scope


def clear_scope_cache(user) -> None:
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)
