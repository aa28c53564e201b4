"""Writes of user accounts: passwords set by someone else (a reset by commission staff, an account
handed out by the bulk import) and replaced by their owner. Every change is recorded in the history
of `AccountState` with the person who made it."""

from __future__ import annotations

import secrets

from axes.utils import reset as axes_reset
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from smartcampus.errors import Invalid, Refused

from ..models import AccountState
from ..scoping import Action, get_scope

# Letters and digits that cannot be mistaken for one another when read out or copied by hand.
_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789"


def password_generate() -> str:
    """A temporary password: 12 random characters in groups of four ("Kx7m-Qp3r-Tz9w", ~70 bits)."""
    return "-".join("".join(secrets.choice(_ALPHABET) for _ in range(4)) for _ in range(3))


def _password_validate(password: str, user) -> None:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise Invalid(
            _("新密码不符合要求：") + " ".join(exc.messages),
            code="weak_password",
            fields={"password": exc.messages},
        ) from None


def _state_record(*, user, must_change: bool, acting_user) -> AccountState:
    state = AccountState.objects.select_for_update().filter(user=user).first() or AccountState(user=user)
    state.must_change_password = must_change
    state.password_set_by = acting_user
    state.password_set_at = timezone.now()
    state._history_user = acting_user
    state.full_clean(exclude=["user"], validate_unique=False)
    state.save()
    return state


@transaction.atomic
def password_reset(*, user, acting_user, password: str = "") -> str:
    """Give `user` a temporary password (`password`, or a generated one) that they must replace at
    their next login, and lift a login lockout of their username. Commission staff reset the
    accounts in their region scope, superusers anyone's but their own; anyone else is refused as if
    the user did not exist. Returns the temporary password, to be handed to the user once.

    The user's other sessions end (their password hash changed); their API token stays but is
    refused until they have chosen a new password."""
    User = get_user_model()
    if not User.objects.filter(get_scope(acting_user).users_q(Action.MANAGE), pk=user.pk).exists():
        raise Refused(_("找不到该用户，或其不在您的管理范围内。"), code="not_commission")
    password = password or password_generate()
    _password_validate(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])
    _state_record(user=user, must_change=True, acting_user=acting_user)
    axes_reset(username=user.username)
    return password


@transaction.atomic
def password_change(*, user, password: str) -> None:
    """`user` chose a new password themselves (the change page or an e-mailed reset link): a
    password set by someone else no longer has to be replaced, and a login lockout of their username
    is lifted (whoever could choose the password is its owner)."""
    _password_validate(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])
    if AccountState.objects.filter(user=user).exists():
        _state_record(user=user, must_change=False, acting_user=user)
    axes_reset(username=user.username)


@transaction.atomic
def password_assigned(*, user, acting_user) -> None:
    """`user`'s password was handed out by `acting_user` (a new account of the bulk import): it must
    be replaced at the first login."""
    _state_record(user=user, must_change=True, acting_user=acting_user)
