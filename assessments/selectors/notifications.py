"""Reads of the in-app notifications: only ever the user's own."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from smartcampus.db import CompiledQuery

from ..models import Membership, Notification, Role
from ..scoping import scope_menu


def notification_list(*, user) -> QuerySet[Notification]:
    """The user's own notifications, newest first."""
    if not getattr(user, "is_authenticated", False):
        return Notification.objects.none()
    return Notification.objects.filter(user=user)


def notification_unread_count(*, user) -> int:
    return notification_list(user=user).filter(read_at__isnull=True).count()


@dataclass(frozen=True)
class MenuRole:
    """One of the user's roles as the navbar lists it."""

    role: str
    scope_name: str  # the school's or the region's name

    def get_role_display(self) -> str:
        return Role(self.role).label


@dataclass(frozen=True)
class AccountMenu:
    """What the navbar shows of the signed-in user: their roles and the bell's unread count."""

    memberships: list[MenuRole]
    unread: int


def _unread_count_query(user_id: int):
    return (
        Notification.objects.filter(user_id=user_id, read_at__isnull=True)
        .order_by()
        .values("user")
        .annotate(n=Count("pk"))
        .values("n")
    )


def _menu_rows_query(user_id: int):
    """(role, school name, region name, unread count) per membership, in the order they were made."""
    unread = _unread_count_query(OuterRef("user"))
    return (
        Membership.objects.filter(user_id=user_id)
        .annotate(unread=Coalesce(Subquery(unread, output_field=IntegerField()), Value(0)))
        .order_by("pk")
        .values_list("role", "school__name", "region__name", "unread")
    )


# compiled once per process: the navbar of every page reads them, and building them through the ORM
# cost more CPU than running them
_MENU_ROWS = CompiledQuery(_menu_rows_query)
_UNREAD = CompiledQuery(_unread_count_query)


def account_menu(*, user) -> AccountMenu:
    """The user's roles and unread count: read with the user's scope (`scope_menu`, no query of its
    own), or afresh when a notification was written since (one query, a second one only for a user
    without roles)."""
    menu = scope_menu(user)
    if menu is not None:
        return AccountMenu(
            memberships=[MenuRole(role=role, scope_name=name) for role, name in menu.roles],
            unread=menu.unread,
        )
    rows = _MENU_ROWS.rows(user.pk)
    if rows:
        roles = [MenuRole(role=role, scope_name=school or region or "") for role, school, region, _n in rows]
        return AccountMenu(memberships=roles, unread=rows[0][3])
    counted = _UNREAD.rows(user.pk)
    return AccountMenu(memberships=[], unread=counted[0][0] if counted else 0)
