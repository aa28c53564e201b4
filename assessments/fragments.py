"""Rendered template fragments kept in the process, keyed by their content.

A fragment's key holds everything its markup shows (the values passed to it, and the active
language, which the key always carries), so a cached fragment is never stale: the page still reads
its inputs on every request and only the rendering is saved. Nothing per session (the user) may go
into a cached fragment, and nothing that depends on the clock unless the key carries it; a form's
CSRF token goes in through `fragment_with_token`, which renders a marker and puts the request's
token in place of it on the way out (as the page shell does).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable

from django.template.loader import render_to_string
from django.urls import get_script_prefix, get_urlconf
from django.utils.safestring import SafeString
from django.utils.translation import get_language

from smartcampus.db import Lru
from smartcampus.shell import put_token, token_slot

FRAGMENTS_KEPT = 4096

_FRAGMENTS = Lru(FRAGMENTS_KEPT)


def fragment(template_name: str, key: Hashable, context: Callable[[], dict]) -> SafeString:
    """`template_name` rendered with `context()`, or the same markup rendered before under `key`
    (which must determine the rendered output completely, the language apart)."""
    full_key = (template_name, get_language(), key)
    html = _FRAGMENTS.get(full_key)
    if html is None:
        html = render_to_string(template_name, context())
        _FRAGMENTS.put(full_key, html)
    return html


def fragment_with_token(template_name: str, key: Hashable, context: Callable[[], dict], token) -> SafeString:
    """`fragment` for markup with a form (`{% csrf_token %}`) and links (`{% url %}`): rendered with
    a marker for the CSRF token `token` (the page context's `csrf_token`), which is put in on the way
    out, and kept under the script prefix and URLconf besides `key`. Without a usable token the
    token itself (which `{% csrf_token %}` then leaves out) is part of the key."""
    csrf, secret = token_slot(token)
    html = fragment(
        template_name,
        (key, csrf, get_script_prefix(), get_urlconf()),
        lambda: {**context(), "csrf_token": csrf},
    )
    return put_token(html, token) if secret else html


def previous_year_shown(previous) -> tuple | None:
    """What the 上一年 line (`_previous_year.html`) shows of last year's answer, as part of a key."""
    if not previous:
        return None
    return (
        previous.assessment.pk,
        previous.campaign.title,
        previous.code,
        previous.is_points,
        previous.submitted,
        previous.self_value,
        previous.finalised,
        previous.review_value,
        previous.comment,
    )


def fragments_clear() -> None:
    """Forget every kept fragment (tests that change templates or translations)."""
    with _FRAGMENTS.lock:
        _FRAGMENTS.items.clear()
