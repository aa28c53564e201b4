"""The reviewer queue's page body, kept whole per exact content.

The body (status counts, filter bar, rows with the user's buttons, pager) is a function of: the
language, the time zone and the script prefix; the user's scope (which decides every button);
the query string (which every link keeps); the counts per status; the filter bar; the page; the
page's rows as the database returns them (`QUEUE_PAGE_COLUMNS`: every value a row shows, and what
its button and claim flags are decided by); the claim flags of those rows; and, per row, whether
the review deadline has passed. The process keeps the rendered body under a key made of all of these, so an
equal key can only mean equal HTML and any write that changes what the page shows gives a new key.

The CSRF token (masked afresh on every request) is not part of the kept body: the body holds
`CSRF_SLOT` where the token goes, markup no shown value can produce (every value is escaped).
"""

from __future__ import annotations

import functools
import logging

from django.core.cache import DEFAULT_CACHE_ALIAS, cache, caches
from django.core.cache.backends.redis import RedisCache
from django.urls import get_script_prefix
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from smartcampus.db import Lru

from .. import selectors
from ..forms import ReviewQueueFilterForm
from ..freshness import _key as campaign_version_key
from ..scoping import get_scope
from ..selectors.reviews import QUEUE_PAGE_COLUMNS, queue_row_instances

logger = logging.getLogger(__name__)

CSRF_SLOT = mark_safe("<csrf-token>")  # noqa: S308 — a constant
# the bodies this process rendered last, under keys made of everything they show
_BODIES = Lru(128)
# the valid filters and the rendered filter bar per query string, language and choices offered
_FILTERS = Lru(512)
# the data version last read per campaign: the claim flags are read together with the version
# under the key it gives, and kept only when the version read equals it
_VERSIONS = Lru(1024)
# the cache's own key of each key read (prefix and version added)
_MADE_KEYS = Lru(8192)


@functools.cache
def _at(column: str) -> int:
    """The position of `column` in the page's rows."""
    return QUEUE_PAGE_COLUMNS.index(column)


def _flag_key(row: tuple, version) -> str:
    """The key `selectors.fact_claim_flags` keeps a row's claim flags under."""
    pk, school_type = row[_at("id")], row[_at("school__school_type")]
    return f"fact-claims:{pk}:{version}:{school_type}"


def _get_many(keys: list[str]) -> dict:
    """`cache.get_many(keys)`, on Django's Redis cache with each key made (and validated) once per
    process rather than on every call: a page reads some fifty keys."""
    if not isinstance(caches[DEFAULT_CACHE_ALIAS], RedisCache):
        return cache.get_many(keys)
    made = []
    for key in keys:
        full = _MADE_KEYS.get(key)
        if full is None:
            full = cache.make_and_validate_key(key)
            _MADE_KEYS.put(key, full)
        made.append(full)
    found = cache._cache.get_many(made)
    return {key: found[full] for key, full in zip(keys, made, strict=True) if full in found}


def _cached_claim_flags(rows: list[tuple]) -> dict | None:
    """The rows' claim flags as `selectors.fact_claim_flags` keeps them in the cache, read with the
    campaigns' data versions in one round trip when the versions are the ones last seen; None when
    a version or a row's flags are not in the cache (or the cache cannot be read)."""
    campaign = _at("campaign_id")
    campaigns = {row[campaign] for row in rows}
    guessed = {cid: _VERSIONS.get(cid) for cid in campaigns}
    version_keys = {cid: campaign_version_key(cid) for cid in campaigns}
    wanted = list(version_keys.values())
    if None not in guessed.values():
        wanted += [_flag_key(row, guessed[row[campaign]]) for row in rows]
    try:
        found = _get_many(wanted)
        versions = {cid: found.get(key) for cid, key in version_keys.items()}
        if None in versions.values():
            return None
        for cid, version in versions.items():
            _VERSIONS.put(cid, version)
        if versions != guessed:
            found = _get_many([_flag_key(row, versions[row[campaign]]) for row in rows])
    except Exception:  # the cache is an optimisation: never fail the page over it
        logger.warning("queue claim flags unreadable", exc_info=True)
        return None
    flags, pk = {}, _at("id")
    for row in rows:
        value = found.get(_flag_key(row, versions[row[campaign]]))
        if value is None:
            return None
        flags[row[pk]] = value
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
    """The body under `key`, rendered by `render()` (with `CSRF_SLOT` for the token) on a miss, with
    the request's CSRF token `token` put in."""
    body = _BODIES.get(key)
    if body is None:
        body = render()
        _BODIES.put(key, body)
    return body.replace(CSRF_SLOT, token)
