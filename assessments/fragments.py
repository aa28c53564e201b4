"""Rendered template fragments kept in the process, keyed by their content.

A fragment's key holds everything its markup shows (the values passed to it, and the active
language, which the key always carries), so a cached fragment is never stale: the page still reads
its inputs on every request and only the rendering is saved. Nothing per session (a CSRF token, the
user) may go into a cached fragment, and nothing that depends on the clock unless the key carries it.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable

from django.template.loader import render_to_string
from django.utils.safestring import SafeString
from django.utils.translation import get_language

from smartcampus.db import Lru

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


def fragments_clear() -> None:
    """Forget every kept fragment (tests that change templates or translations)."""
    with _FRAGMENTS.lock:
        _FRAGMENTS.items.clear()
