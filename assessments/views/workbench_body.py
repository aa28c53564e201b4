"""The reviewer workbench's item body (`_review_item_body.html`), kept whole per exact content.

The body is a function of: the rows of the assessment, its campaign, framework, school, region and
the region's parent; the assessment's item responses, every verdict of every round on them (with
the reviewer's name), the clause ticks on them and its recorded facts; the fact catalogue; the
framework's nodes and rules (a locked framework's nodes never change, its rules change its
`content_version`); last year's item as the page shows it; the user and their scope; the item code;
the language, time zone, script prefix and URLconf. The CSRF token (masked afresh per request) is not
in the body: it holds the page shell's `CSRF_MARK` where the token goes.

One statement reads a digest (SHA-256) of the text of every one of those rows (`content_digest`), so
the key needs no version bumped anywhere: any write to any of them gives a new key. The digest is
read before anything the body is made from, so a body kept under a digest never shows an older state
than the digest's (a write between the two reads leaves a body newer than its key, which a later
request can no longer produce: versions and times only grow).

Not kept (rendered on every request, as before): on databases other than PostgreSQL, for a framework
that is not locked, and from the second review round on (the body then shows what changed since the
return, read from the history tables).

Whoever adds to the body something read from another table adds that table to the digest.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth import get_user_model
from django.core.signals import setting_changed
from django.db import connection
from django.dispatch import receiver
from django.urls import get_script_prefix, get_urlconf
from django.utils import timezone
from django.utils.translation import get_language

from indicators.models import FactDefinition, Framework
from smartcampus.db import Lru, fetch
from smartcampus.shell import put_token, token_slot

from ..fragments import previous_year_shown
from ..models import (
    Assessment,
    Campaign,
    ClauseCheck,
    FactValue,
    ItemResponse,
    ItemReview,
    Region,
    School,
)
from ..scoping import get_scope

# the bodies this process rendered last, under keys made of everything they show
_BODIES = Lru(256)


@receiver(setting_changed)
def _forget(**kwargs) -> None:
    """A test changed the settings (templates, languages): start afresh."""
    _BODIES.clear()


def _digest_sql() -> str:
    t = {
        "a": Assessment._meta.db_table,
        "c": Campaign._meta.db_table,
        "f": Framework._meta.db_table,
        "s": School._meta.db_table,
        "rg": Region._meta.db_table,
        "r": ItemResponse._meta.db_table,
        "v": ItemReview._meta.db_table,
        "u": get_user_model()._meta.db_table,
        "k": ClauseCheck._meta.db_table,
        "fv": FactValue._meta.db_table,
        "fd": FactDefinition._meta.db_table,
    }
    # every part coalesced to text, so that an empty part keeps its place; the only values written
    # in are the models' table names
    return f"""SELECT sha256(convert_to(concat_ws('#',
 coalesce((SELECT concat_ws('|', a::text, c::text, f::text, s::text, rg::text, p::text)
   FROM {t["a"]} a JOIN {t["c"]} c ON c.id = a.campaign_id JOIN {t["f"]} f ON f.id = c.framework_id
   JOIN {t["s"]} s ON s.id = a.school_id JOIN {t["rg"]} rg ON rg.id = s.region_id
   LEFT JOIN {t["rg"]} p ON p.id = rg.parent_id WHERE a.id = %s), ''),
 coalesce((SELECT string_agg(r::text, '|' ORDER BY r.id) FROM {t["r"]} r WHERE r.assessment_id = %s), ''),
 coalesce((SELECT string_agg(v::text || row(u.username, u.first_name)::text, '|' ORDER BY v.id)
   FROM {t["v"]} v JOIN {t["r"]} r ON r.id = v.response_id JOIN {t["u"]} u ON u.id = v.reviewer_id
   WHERE r.assessment_id = %s), ''),
 coalesce((SELECT string_agg(k::text, '|' ORDER BY k.id)
   FROM {t["k"]} k JOIN {t["r"]} r ON r.id = k.response_id WHERE r.assessment_id = %s), ''),
 coalesce((SELECT string_agg(fv::text, '|' ORDER BY fv.id)
   FROM {t["fv"]} fv WHERE fv.assessment_id = %s), ''),
 coalesce((SELECT string_agg(fd::text, '|' ORDER BY fd.id) FROM {t["fd"]} fd), '')
), 'UTF8'))"""  # noqa: S608


_PARTS = 5  # the statement's parameters: each is the assessment's primary key
_SQL: list[str] = []


def content_digest(pk: int) -> bytes | None:
    """The digest of every row the body of assessment `pk` is made from (one query), or None where
    bodies are not kept (a database other than PostgreSQL)."""
    if connection.vendor != "postgresql":
        return None
    if not _SQL:
        _SQL.append(_digest_sql())
    rows = fetch(connection, _SQL[0], (pk,) * _PARTS, tuple((i, 0) for i in range(_PARTS)), (pk,))
    return bytes(rows[0][0])


def body_key(request, *, assessment, code: str, digest: bytes | None, previous) -> tuple | None:
    """The key of the body of item `code` (None: not to be kept). `previous` is last year's item as
    the page shows it (`selectors.previous_item`)."""
    if digest is None or assessment.campaign.framework.locked_at is None or assessment.review_round >= 2:
        return None
    return (
        digest,
        code,
        request.user.pk,
        get_scope(request.user),
        previous_year_shown(previous),
        get_language(),
        timezone.get_current_timezone_name(),
        get_script_prefix(),
        get_urlconf(),
    )


def item_body(key: tuple | None, render: Callable[[object], str], token) -> str:
    """The body under `key`, rendered by `render(csrf)` on a miss (with `CSRF_MARK` for the token,
    or, without a usable token, the token itself, which is then part of the key), with the request's
    CSRF token `token` put in. Not kept when `key` is None."""
    csrf, secret = token_slot(token)
    if key is None:
        return render(token)
    key = (key, csrf)
    body = _BODIES.get(key)
    if body is None:
        body = render(csrf)
        _BODIES.put(key, body)
    return put_token(body, token) if secret else body
