"""The page shell (templates/base.html): its head assets, navbar and footer are rendered once per
distinct content and then reused, so a page pays for its own content and not for the shell.

A piece is cached under everything its HTML is made of: the active language, the script prefix and
URLconf (`{% url %}`), and the piece's own inputs (`navbar_inputs`). It renders in a context that holds
only those inputs, so it cannot read anything the key leaves out: a cached piece is never stale, and
the cache needs no invalidation (a process-local LRU; nothing to fail). Values that differ per request
(the CSRF token, the page's own path for the language form) render as random markers, replaced by
the request's values on the way out.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.core.signals import setting_changed
from django.dispatch import receiver
from django.urls import get_script_prefix, get_urlconf
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from smartcampus.db import Lru

# unguessable, and left unchanged by HTML escaping: nothing a user typed can contain them
CSRF_MARK = f"shellcsrf{secrets.token_hex(16)}"
NEXT_MARK = f"shellnext{secrets.token_hex(16)}"
NOTIFICATIONS_VIEW = "assessments:notification-list"
NO_TOKEN = "NOTPROVIDED"  # noqa: S105 — django.template.context_processors.csrf without a request's token

_pieces = Lru(2048)  # a navbar is ~4 KB: a few MB at most per process


def token_slot(token) -> tuple[str, bool]:
    """What markup kept across requests renders where this request's CSRF token `token` goes, and
    whether that is `CSRF_MARK` (to be replaced by `put_token`). `{% csrf_token %}` writes nothing
    without a usable token: then the token itself (not a secret) is what renders, and a key input."""
    secret = bool(token) and token != NO_TOKEN
    return (CSRF_MARK if secret else token), secret


def put_token(html: str, token) -> SafeString:
    """`html`, rendered with `CSRF_MARK` for the token, with this request's token (escaped) in its place."""
    return mark_safe(html.replace(CSRF_MARK, conditional_escape(str(token))))  # noqa: S308 — the token escaped


@dataclass(frozen=True)
class Navbar:
    """What the navbar shows of the signed-in user (`shell` in the navbar's template)."""

    authenticated: bool
    first_name: str = ""
    username: str = ""
    is_staff: bool = False
    links: tuple = ()  # smartcampus.navigation.NavLink
    bell_active: bool = False  # the page is the notification list
    unread: int = 0
    roles: tuple = ()  # assessments.selectors.notifications.MenuRole


def navbar_inputs(context) -> Navbar:
    """The navbar's inputs, read from the page's context as the template itself would."""
    user = context.get("user")
    if not getattr(user, "is_authenticated", False):
        return Navbar(authenticated=False)
    nav = context.get("nav")
    account = context.get("account")
    match = getattr(context.get("request"), "resolver_match", None)
    return Navbar(
        authenticated=True,
        first_name=user.first_name,
        username=user.username,
        is_staff=bool(user.is_staff),
        links=tuple(nav.links) if nav else (),
        bell_active=getattr(match, "view_name", None) == NOTIFICATIONS_VIEW,
        unread=account.unread if account else 0,
        roles=tuple(account.memberships) if account else (),
    )


INPUTS = {"head": None, "navbar": navbar_inputs, "footer": None}


def render_piece(node, context) -> str:
    """`node.nodelist` rendered for this request: from the cache when the same content was rendered
    before, with this request's CSRF token and path put in."""
    inputs_of = INPUTS[node.name]
    inputs = inputs_of(context) if inputs_of else None
    token = context.get("csrf_token")
    csrf, secret = token_slot(token)
    lang = get_language()
    key = (node, lang, get_script_prefix(), get_urlconf(), csrf, inputs)
    html = _pieces.get(key)
    if html is None:
        values = {"shell": inputs, "LANG": lang, "csrf_token": csrf, "next_path": NEXT_MARK}
        html = node.nodelist.render(context.new(values)).strip()
        _pieces.put(key, html)
    if secret:
        html = put_token(html, token)
    if NEXT_MARK in html:
        request = context.get("request")
        html = html.replace(NEXT_MARK, conditional_escape(request.get_full_path()) if request else "")
    return html


def clear() -> None:
    global _pieces
    _pieces = Lru(_pieces.size)


@receiver(setting_changed)
def _settings_changed(**kwargs) -> None:
    # static URLs and the language list come from settings: a test that overrides them starts afresh
    clear()
