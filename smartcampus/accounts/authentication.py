"""The API's token authentication, with the rule every page follows: a user whose password someone
else set uses nothing, tokens included, until they have replaced it."""

from __future__ import annotations

from rest_framework import authentication, exceptions

from assessments.selectors import password_change_required

from .state import CODE, password_change_message


class TokenAuthentication(authentication.TokenAuthentication):
    """DRF's `Authorization: Token <key>`; a token of a user who must change their password answers
    403 `{"error": {"code": "password_change_required", …}}`."""

    def authenticate_credentials(self, key):
        user, token = super().authenticate_credentials(key)
        if password_change_required(user=user):
            raise exceptions.PermissionDenied(password_change_message(), code=CODE)
        return user, token
