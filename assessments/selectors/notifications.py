"""Reads of the in-app notifications: only ever the user's own."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from ..models import Membership, Notification


def notification_list(*, user) -> QuerySet[Notification]:
    """The user's own notifications, newest first."""
    if not getattr(user, "is_authenticated", False):
        return Notification.objects.none()
    return Notification.objects.filter(user=user)


def notification_unread_count(*, user) -> int:
    return notification_list(user=user).filter(read_at__isnull=True).count()


@dataclass(frozen=True)
class AccountMenu:
    """What the navbar shows of the signed-in user: their roles and the bell's unread count."""

    memberships: list[Membership]
    unread: int


def account_menu(*, user) -> AccountMenu:
    """The user's memberships (school and region joined) with the unread count riding along as a
    subquery: one query for the navbar of every page (a second one only for a user without roles)."""
    unread = (
        Notification.objects.filter(user=OuterRef("user"), read_at__isnull=True)
        .order_by()
        .values("user")
        .annotate(n=Count("pk"))
        .values("n")
    )
    memberships = list(
        Membership.objects.filter(user=user)
        .select_related("school", "region")
        .annotate(unread=Coalesce(Subquery(unread, output_field=IntegerField()), Value(0)))
        .order_by("pk")
    )
    if memberships:
        return AccountMenu(memberships=memberships, unread=memberships[0].unread)
    return AccountMenu(memberships=[], unread=notification_unread_count(user=user))
