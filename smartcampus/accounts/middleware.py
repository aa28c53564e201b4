"""A password someone else set (a bulk import, a reset by commission staff) must be replaced before
the product can be used: until then every page leads to the password change page, and API calls
answer 403 with the code `password_change_required`.

Whether the signed-in user must change their password is read once, at login, into the session
(`remember_password_state`), so pages pay no query for it. A reset changes the password hash,
which ends the user's other sessions; the next login reads the state again.
"""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit

from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import Resolver404, resolve, reverse

from .state import CODE, SESSION_KEY, password_change_message

#: what a user who must change their password may still reach
ALLOWED_VIEWS = frozenset(
    {"accounts:password-change", "logout", "set_language", "javascript-catalog", "healthz"}
)


def _view_name(request) -> str:
    try:
        return resolve(request.path_info).view_name
    except Resolver404:
        return ""


class PasswordChangeRequiredMiddleware:
    """Sends a user whose password someone else set to the password change page (pages), or answers
    403 `password_change_required` (the API); needs the session and the authenticated user."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            request.session.get(SESSION_KEY)
            and request.user.is_authenticated
            and _view_name(request) not in ALLOWED_VIEWS
        ):
            return self._refuse(request)
        return self.get_response(request)

    @staticmethod
    def _refuse(request) -> HttpResponse:
        if request.path_info.startswith("/api/"):
            from smartcampus.api import (
                error_body,  # DRF's settings import the token check, which imports this
            )

            body = error_body(code=CODE, message=password_change_message())
            return JsonResponse(body, status=403, json_dumps_params={"ensure_ascii": False})
        target = reverse("accounts:password-change")
        if request.method == "GET" and not request.headers.get("HX-Request"):
            target += "?" + urlencode({"next": request.get_full_path()})
        if request.headers.get("HX-Request"):
            # htmx swaps the answer into a fragment: send the whole page to the change page, unless
            # the fragment belongs to that page already (its navigation loads some), then do nothing
            current = urlsplit(request.headers.get("HX-Current-URL", "")).path
            response = HttpResponse(status=204)
            if current != target:
                response["HX-Redirect"] = target
            return response
        return redirect(target)
