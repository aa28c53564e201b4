"""Reads of the organisation tree that depend on who asks: schools, regions, memberships, users."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import F, Func, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404

from ..models import Membership, Region, School
from ..scoping import get_scope


def school_list(*, user, filters: dict | None = None) -> QuerySet[School]:
    """Schools the user may see: their own (CIO) or those in their region subtrees."""
    scope = get_scope(user)
    if scope.user_id is None:
        return School.objects.none()
    qs = School.objects.filter(scope.schools_q()).select_related("region", "region__parent")
    filters = filters or {}
    if q := (filters.get("q") or "").strip():
        qs = qs.filter(Q(name__icontains=q) | Q(code__icontains=q))
    if region := filters.get("region"):
        qs = qs.filter(region__path__contains=f"/{region}/")
    if school_type := filters.get("school_type"):
        qs = qs.filter(school_type=school_type)
    return qs


def school_get(*, user, pk: int) -> School:
    """One school in scope, else 404 (the same answer as for a school that does not exist)."""
    return get_object_or_404(school_list(user=user), pk=pk)


def region_list(*, user) -> QuerySet[Region]:
    """Regions the user covers (subtrees of their region memberships) and the regions of their schools."""
    scope = get_scope(user)
    if scope.user_id is None:
        return Region.objects.none()
    q = scope.regions_q()
    if scope.cio_school_ids:
        q |= Q(schools__id__in=sorted(scope.cio_school_ids))
    return Region.objects.filter(q).distinct().select_related("parent")


def region_overview(*, user) -> QuerySet[Region]:
    """Regions in scope annotated with the number of schools in scope in their whole subtree."""
    in_subtree = school_list(user=user).filter(region__path__startswith=OuterRef("path")).order_by()
    counts = in_subtree.annotate(n=Func(F("id"), function="COUNT")).values("n")
    return region_list(user=user).annotate(school_count=Coalesce(Subquery(counts[:1]), 0))


def commission_region_list(*, user) -> QuerySet[Region]:
    """The regions a commission user owns (the roots of their commission memberships): campaign owners."""
    scope = get_scope(user)
    if scope.is_superuser:
        return Region.objects.filter(level__in=[Region.Level.PROVINCE, Region.Level.CITY])
    return Region.objects.filter(path__in=scope.commission_paths)


def membership_list(*, user) -> QuerySet[Membership]:
    """Memberships commission staff may manage: those on schools or regions inside their subtrees."""
    scope = get_scope(user)
    if not scope.is_commission:
        return Membership.objects.none()
    if scope.is_superuser:
        return Membership.objects.select_related("user", "school", "region")
    q = Q(pk__in=[])
    for path in scope.commission_paths:
        q |= Q(school__region__path__startswith=path) | Q(region__path__startswith=path)
    return Membership.objects.filter(q).select_related("user", "school", "region")


def user_list(*, user) -> QuerySet:
    """Users holding at least one membership that the commission user may manage."""
    User = get_user_model()
    scope = get_scope(user)
    if not scope.is_commission:
        return User.objects.none()
    if scope.is_superuser:
        return User.objects.all()
    return User.objects.filter(memberships__in=membership_list(user=user)).distinct()
