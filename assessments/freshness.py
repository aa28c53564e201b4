"""A per-campaign data version: every service that changes what the campaign's aggregates read
(a self-assessment value, a status, a reviewer value, the set of assessments) calls
`campaign_data_changed`; readers that cache aggregates (reports' dashboard) put
`campaign_data_version` into their cache key, so a change is visible on the next request.

The counter lives in the cache (Redis in production, shared by every gunicorn and Celery process).
It is bumped twice: at once, so the writer's own transaction (and a test, whose transaction never
commits) reads fresh figures, and again after the commit, so figures another process computed
from the pre-commit data in between are not kept under the current version. A rollback costs one
needless recomputation. A cache outage never fails the write: the bump is skipped and the reader's
time-to-live bounds the staleness instead.
"""

from __future__ import annotations

import logging
import time

from django.core.cache import cache
from django.db import transaction

logger = logging.getLogger(__name__)


def _key(campaign_id: int, kind: str = "data") -> str:
    return f"campaign-{kind}-version:{campaign_id}"


def campaign_data_version(campaign_id: int, kind: str = "data") -> int | None:
    """The current version, or None when the cache cannot be read (callers then do not cache).
    `kind="rectification"`: the version of the campaign's rectification items instead."""
    try:
        version = cache.get(_key(campaign_id, kind))
        if version is None:
            # A fresh (or evicted) counter starts at the clock, never at a value an older cached
            # entry could still carry.
            cache.add(_key(campaign_id, kind), time.time_ns(), timeout=None)
            version = cache.get(_key(campaign_id, kind))
        return version
    except Exception:  # the cache is an optimisation: never fail a page over it
        logger.warning("campaign %s version unreadable for campaign %s", kind, campaign_id, exc_info=True)
        return None


def campaign_data_versions(*counters: tuple[int, str]) -> dict[tuple[int, str], int | None]:
    """`campaign_data_version` of several (campaign id, kind) counters, read in one round trip to
    the cache (a counter not there yet is started as `campaign_data_version` starts it). All None
    when the cache cannot be read."""
    keys = {_key(campaign_id, kind): (campaign_id, kind) for campaign_id, kind in counters}
    try:
        found = cache.get_many(list(keys))
    except Exception:  # the cache is an optimisation: never fail a page over it
        logger.warning("campaign versions unreadable: %s", list(keys), exc_info=True)
        return dict.fromkeys(counters)
    return {
        counter: found[key] if found.get(key) is not None else campaign_data_version(*counter)
        for key, counter in keys.items()
    }


def _bump(campaign_id: int, kind: str = "data") -> None:
    try:
        try:
            cache.incr(_key(campaign_id, kind))
        except ValueError:  # no counter yet (or evicted): start one past anything cached before
            cache.set(_key(campaign_id, kind), time.time_ns(), timeout=None)
    except Exception:
        logger.warning("campaign %s version not bumped for campaign %s", kind, campaign_id, exc_info=True)


def campaign_data_changed(campaign_id: int, kind: str = "data") -> None:
    """Mark the campaign's aggregates stale, now and once the current transaction commits.
    `kind="rectification"`: a write to the campaign's rectification items (which the aggregates of
    the self-assessment and review do not read)."""
    _bump(campaign_id, kind)
    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(lambda: _bump(campaign_id, kind))
