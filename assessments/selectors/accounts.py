"""Reads of user accounts that depend on who asks: the accounts commission staff look after."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404

from ..models import AccountState, Membership
from ..scoping import Action, get_scope


def user_list(*, user, action: Action = Action.MANAGE, filters: dict | None = None) -> QuerySet:
    """Other users' accounts in the user's scope for `action` (`scoping.UserScope.users_q`), with
    their roles and account state, by username; `filters["q"]` searches username, name and e-mail."""
    scope = get_scope(user)
    User = get_user_model()
    if scope.user_id is None:
        return User.objects.none()
    qs = User.objects.filter(scope.users_q(action))
    if q := ((filters or {}).get("q") or "").strip():
        qs = qs.filter(Q(username__icontains=q) | Q(first_name__icontains=q) | Q(email__icontains=q))
    memberships = Membership.objects.select_related("school", "region").order_by("role", "pk")
    return (
        qs.select_related("account_state")
        .prefetch_related(Prefetch("memberships", queryset=memberships))
        .order_by("username")
    )


def user_get(*, user, pk: int, action: Action = Action.MANAGE):
    """One account in scope for `action`, else 404 (the same answer as for a user that does not exist)."""
    return get_object_or_404(user_list(user=user, action=action), pk=pk)


def password_change_required(*, user) -> bool:
    """Whether `user` must replace a password someone else set before using the product."""
    if user is None or not user.pk:
        return False
    return AccountState.objects.filter(user_id=user.pk, must_change_password=True).exists()


def user_reads_data_notes(*, user) -> bool:
    """Commission staff (and superusers) look after the data: they read the frameworks' data notes
    (settings.FRAMEWORK_DATA_NOTE_READERS points here)."""
    return get_scope(user).can_any(Action.MANAGE)
