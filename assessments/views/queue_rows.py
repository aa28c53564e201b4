"""The reviewer queue's page body, kept whole per exact content.

The body (status counts, filter bar, rows with the user's buttons, pager) is a function of: the
language, the time zone and the script prefix; the user's scope (which decides every button);
the query string (which every link keeps); the counts per status; the filter bar; the page; the
page's rows as the database returns them (`QUEUE_PAGE_COLUMNS`: every value a row shows, and what
its button and claim flags are decided by); the claim flags of those rows; and, per row, whether
the review deadline has passed. The process keeps the rendered body under a key made of all of these, so an
equal key can only mean equal HTML and any write that changes what the page shows gives a new key.

The CSRF token (masked afresh on every request) is not part of the kept body: the body holds the
page shell's `CSRF_MARK` where the token goes, which no shown value can contain.
"""

from __future__ import annotations

import functools
import logging
import time

from django.core.cache import DEFAULT_CACHE_ALIAS, cache, caches
from django.core.cache.backends.redis import RedisCache
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.urls import get_script_prefix
from django.utils import timezone
from django.utils.translation import get_language

from smartcampus.db import Lru
from smartcampus.shell import put_token

from .. import selectors
from ..forms import ReviewQueueFilterForm
from ..freshness import _key as campaign_version_key
from ..scoping import get_scope
from ..selectors.reviews import QUEUE_PAGE_COLUMNS, queue_row_instances

logger = logging.getLogger(__name__)

# the bodies this process rendered last, under keys made of everything they show
_BODIES = Lru(128)
# the valid filters and the rendered filter bar per query string, language and choices offered
_FILTERS = Lru(512)
# the claim flags read from the cache, with when: a key names the campaign's data version (read on
# every request), so new answers or facts give new keys; what the key does not name (the rules and
# the fact catalogue, which the cache's own entries follow within their lifetime) is re-read after
# FLAGS_KEPT_SECONDS
_FLAGS = Lru(8192)
FLAGS_KEPT_SECONDS = 30
# the cache's own key (prefix and version added, validated) of each key read
_MADE_KEYS: dict[str, str] = {}
_MEMO_SIZE = 8192  # emptied when it grows past this


@receiver(setting_changed)
def _forget(**kwargs) -> None:
    """A test changed the settings (the cache's, the templates', the languages'): start afresh."""
    for memo in (_BODIES, _FILTERS, _FLAGS, _MADE_KEYS):
        memo.clear()


@functools.cache
def _at(column: str) -> int:
    """The position of `column` in the page's rows."""
    return QUEUE_PAGE_COLUMNS.index(column)


def _get_many(keys: list[str]) -> dict:
    """`cache.get_many(keys)`, on Django's Redis cache with each key made (and validated) once per
    process rather than on every call: a page reads some fifty keys."""
    if not isinstance(caches[DEFAULT_CACHE_ALIAS], RedisCache):
        return cache.get_many(keys)
    made = _MADE_KEYS
    if len(made) > _MEMO_SIZE:
        made.clear()
    full = [made.get(key) or made.setdefault(key, cache.make_and_validate_key(key)) for key in keys]
    found = cache._cache.get_many(full)
    return {key: found[f] for key, f in zip(keys, full, strict=True) if f in found}


def _cached_claim_flags(rows: list[tuple]) -> dict | None:
    """The rows' claim flags as `selectors.fact_claim_flags` keeps them in the cache (under
    `fact-claims:<assessment>:<campaign data version>:<school type>`): the campaigns' data versions
    read from the cache on every call, the flags under the keys they give from this process's memo
    (read from the cache when not there, or kept longer than `FLAGS_KEPT_SECONDS`). None when a
    version or a row's flags are not in the cache (or the cache cannot be read)."""
    pk, campaign, school_type = _at("id"), _at("campaign_id"), _at("school__school_type")
    version_keys = {cid: campaign_version_key(cid) for cid in {row[campaign] for row in rows}}
    try:
        found = _get_many(list(version_keys.values()))
        versions = {cid: found.get(key) for cid, key in version_keys.items()}
        if None in versions.values():
            return None
        now = time.monotonic()
        flags, missing = {}, {}
        for row in rows:
            key = f"fact-claims:{row[pk]}:{versions[row[campaign]]}:{row[school_type]}"
            kept = _FLAGS.get(key)
            if kept is not None and now - kept[1] < FLAGS_KEPT_SECONDS:
                flags[row[pk]] = kept[0]
            else:
                missing[key] = row[pk]
        if missing:
            found = _get_many(list(missing))
            if len(found) < len(missing):
                return None
            for key, assessment_id in missing.items():
                _FLAGS.put(key, (found[key], now))
                flags[assessment_id] = found[key]
    except Exception:  # the cache is an optimisation: never fail the page over it
        logger.warning("queue claim flags unreadable", exc_info=True)
        return None
    return flags


def filters_and_bar(request, facets, render_bar) -> tuple[dict, str]:
    """The filters the query string gives (`ReviewQueueFilterForm.filters()`) and the filter bar
    (`render_bar(form)`), made once per process for the language, the query string and the
    campaigns and districts offered (`facets.shown`: all the form reads of them, and their order)."""
    key = (get_language(), tuple((name, tuple(values)) for name, values in request.GET.lists()), facets.shown)
    found = _FILTERS.get(key)
    if found is None:
        form = ReviewQueueFilterForm(
            request.GET or None, campaigns=facets.campaigns, districts=facets.districts
        )
        found = (form.filters(), render_bar(form))
        _FILTERS.put(key, found)
    filters, bar = found
    return dict(filters), bar


class QueuePage:
    """One page of the queue's rows as `review_queue_raw_rows` reads them (`QUEUE_PAGE_COLUMNS`),
    with their claim flags; the model instances only when something has to be rendered."""

    def __init__(self, rows: list[tuple]) -> None:
        self.rows = rows
        self._instances = None
        self.flags = _cached_claim_flags(rows) if rows else {}
        if self.flags is None:
            self.flags = selectors.fact_claim_flags(assessments=self.instances)

    @property
    def instances(self) -> list:
        if self._instances is None:
            self._instances = queue_row_instances(self.rows, QUEUE_PAGE_COLUMNS)
        return self._instances


def body_key(request, page: QueuePage, now, *, shown: tuple) -> tuple:
    """The key of the page body: `shown` (what the view shows beside the rows: counts, filters,
    pager) plus everything the rows and their buttons show."""
    pk, deadline = _at("id"), _at("campaign__review_deadline")
    return (
        get_language(),
        timezone.get_current_timezone_name(),
        get_script_prefix(),
        get_scope(request.user),
        tuple((name, tuple(values)) for name, values in request.GET.lists()),
        shown,
        tuple(page.rows),
        tuple(tuple(page.flags.get(row[pk], ())) for row in page.rows),
        tuple(row[deadline] < now for row in page.rows),
    )


def page_body(key: tuple, render, token: str) -> str:
    """The body under `key`, rendered by `render()` (with `CSRF_MARK` for the token) on a miss, with
    the request's CSRF token `token` put in."""
    body = _BODIES.get(key)
    if body is None:
        body = render()
        _BODIES.put(key, body)
    return put_token(body, token)
