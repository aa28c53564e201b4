"""Reads of the organisation tree that depend on who asks: schools and regions."""

from __future__ import annotations

from django.db.models import F, Func, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404

from ..models import Region, School
from ..scoping import Action, get_scope


def school_list(*, user, action: Action = Action.VIEW, filters: dict | None = None) -> QuerySet[School]:
    """Schools in the user's scope for `action` (view: their own as CIO, or those in their regions)."""
    scope = get_scope(user)
    if scope.user_id is None:
        return School.objects.none()
    qs = School.objects.filter(scope.schools_q(action)).select_related("region", "region__parent")
    filters = filters or {}
    if q := (filters.get("q") or "").strip():
        qs = qs.filter(Q(name__icontains=q) | Q(code__icontains=q))
    if region := filters.get("region"):
        qs = qs.filter(region__path__contains=f"/{region}/")
    if school_type := filters.get("school_type"):
        qs = qs.filter(school_type=school_type)
    return qs


def school_get(*, user, pk: int, action: Action = Action.VIEW) -> School:
    """One school in scope for `action`, else 404 (the same answer as for a school that does not exist)."""
    return get_object_or_404(school_list(user=user, action=action), pk=pk)


def region_list(*, user, action: Action = Action.VIEW) -> QuerySet[Region]:
    """Regions in scope for `action` (view: the subtrees of the user's region memberships and the
    regions of their schools)."""
    scope = get_scope(user)
    if scope.user_id is None:
        return Region.objects.none()
    return Region.objects.filter(scope.regions_q(action)).distinct().select_related("parent")


def region_get(*, user, pk: int, action: Action = Action.VIEW) -> Region:
    return get_object_or_404(region_list(user=user, action=action), pk=pk)


def region_overview(*, user) -> QuerySet[Region]:
    """Regions in scope annotated with the number of schools in scope in their whole subtree."""
    in_subtree = school_list(user=user).filter(region__path__startswith=OuterRef("path")).order_by()
    counts = in_subtree.annotate(n=Func(F("id"), function="COUNT")).values("n")
    return region_list(user=user).annotate(school_count=Coalesce(Subquery(counts[:1]), 0))


def campaign_owner_region_list(*, user) -> QuerySet[Region]:
    """The regions that may own a campaign the user creates: their commission regions themselves."""
    scope = get_scope(user)
    if scope.user_id is None:
        return Region.objects.none()
    return Region.objects.filter(scope.campaign_owner_regions_q())


def user_can(*, user, action: Action, obj=None) -> bool:
    """May `user` do `action` on `obj` (see `scoping.UserScope.can`), or, without an object, on
    anything at all (what the navigation and the pages' buttons offer)."""
    scope = get_scope(user)
    return scope.can_any(action) if obj is None else scope.can(action, obj)
