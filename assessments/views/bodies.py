"""The bodies of an assessment's pages, kept whole per exact content: the reviewer workbench's
(`_review_item_body.html`), the school's item page (`_item_body.html`) and its overview
(`_assessment_detail_body.html`).

Such a body is a function of: the rows of the assessment, its campaign, framework, school, region
and the region's parent; the assessment's item responses, every verdict of every round on them (with
the reviewer's name), the clause ticks on them and its recorded facts; the fact catalogue; the
framework's nodes and rules (a locked framework's nodes never change; its rules change its
`content_version`); last year's item as the page shows it; the user and their scope; the item code;
the language, time zone, script prefix and URLconf; and what each page adds (`workbench_key`,
`item_key`, `overview_key`). The CSRF token (masked afresh per request) is not in the body: it holds
the page shell's `CSRF_MARK` where the token goes. Parts a page shows from other tables and renders
on every request (the overview's report buttons and designations) are not in it either: the body
holds a marker for each (`part`), replaced by the part's markup on the way out (`fill`).

One statement reads a digest (SHA-256) naming the current version of every one of those rows: its
id and `xmin`, the transaction that wrote it (`content_digest`). PostgreSQL writes a new version of
a row on every update, so the key needs no version bumped anywhere: any write to any of those rows,
by any code path, gives a new key. The digest is read before anything the body is made from, so a
body kept under a digest never shows an older state than the digest's (a write between the two
reads leaves a body newer than its key, and a key once left is never read again: every write makes
new versions).

Not kept (rendered on every request, as before): on databases other than PostgreSQL, for a framework
that is not locked, and where a page shows something read from elsewhere (see the keys).

Whoever adds to these bodies something read from another table adds that table to the digest, or
leaves the body unkept when it is shown.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable

from django.contrib.auth import get_user_model
from django.core.signals import setting_changed
from django.db import connection
from django.dispatch import receiver
from django.urls import get_script_prefix, get_urlconf
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
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
# unguessable, and left unchanged by HTML escaping: nothing a user typed can contain it
_PART_MARK = f"bodypart{secrets.token_hex(16)}"

# What apps above this one add to the school's item page, asked before its body is kept: each is
# called with (request, assessment, item code) and says whether it shows anything for the item
# (then the body is rendered afresh, not kept). Registered in their `AppConfig.ready`.
ITEM_PAGE_EXTRAS: list[Callable[[object, object, str], bool]] = []


def item_page_extras_shown(request, assessment, code: str) -> bool:
    """Whether an app above this one shows anything on the item page of `code` (`ITEM_PAGE_EXTRAS`)."""
    return any(shows(request, assessment, code) for shows in ITEM_PAGE_EXTRAS)


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
    # Each row is named by its id and `xmin`, the transaction that wrote its current version: any
    # write of a row (an update makes a new version) changes its xmin, so equal names mean
    # unchanged rows. Every part is coalesced to text, so that an empty part keeps its place; the
    # only values written into the statement are the models' table names.
    return f"""SELECT sha256(convert_to(concat_ws('#',
 coalesce((SELECT concat_ws('|', a.xmin, c.xmin, f.xmin, s.xmin, rg.xmin, p.xmin)
   FROM {t["a"]} a JOIN {t["c"]} c ON c.id = a.campaign_id JOIN {t["f"]} f ON f.id = c.framework_id
   JOIN {t["s"]} s ON s.id = a.school_id JOIN {t["rg"]} rg ON rg.id = s.region_id
   LEFT JOIN {t["rg"]} p ON p.id = rg.parent_id WHERE a.id = %s), ''),
 coalesce((SELECT string_agg(r.id || ':' || r.xmin, '|' ORDER BY r.id)
   FROM {t["r"]} r WHERE r.assessment_id = %s), ''),
 coalesce((SELECT string_agg(v.id || ':' || v.xmin || ':' || u.id || ':' || u.xmin, '|' ORDER BY v.id)
   FROM {t["v"]} v JOIN {t["r"]} r ON r.id = v.response_id JOIN {t["u"]} u ON u.id = v.reviewer_id
   WHERE r.assessment_id = %s), ''),
 coalesce((SELECT string_agg(k.id || ':' || k.xmin, '|' ORDER BY k.id)
   FROM {t["k"]} k JOIN {t["r"]} r ON r.id = k.response_id WHERE r.assessment_id = %s), ''),
 coalesce((SELECT string_agg(fv.id || ':' || fv.xmin, '|' ORDER BY fv.id)
   FROM {t["fv"]} fv WHERE fv.assessment_id = %s), ''),
 coalesce((SELECT string_agg(fd.id || ':' || fd.xmin, '|' ORDER BY fd.id) FROM {t["fd"]} fd), '')
), 'UTF8'))"""  # noqa: S608


_PARTS = 5  # the statement's parameters: each is the assessment's primary key
# the parameters as compiled (the same for every assessment, so that a connection prepares the
# statement once): `fetch` puts the primary key at each of them
_COMPILED_PARAMS = (0,) * _PARTS
_SQL: list[str] = []


def content_digest(pk: int) -> bytes | None:
    """The digest of every row the body of assessment `pk` is made from (one query), or None where
    bodies are not kept (a database other than PostgreSQL)."""
    if connection.vendor != "postgresql":
        return None
    if not _SQL:
        _SQL.append(_digest_sql())
    rows = fetch(connection, _SQL[0], _COMPILED_PARAMS, tuple((i, 0) for i in range(_PARTS)), (pk,))
    return bytes(rows[0][0])


def _common(request, *, digest: bytes | None, assessment, code: str, previous) -> tuple | None:
    if digest is None or assessment.campaign.framework.locked_at is None:
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


def workbench_key(request, *, digest: bytes | None, assessment, code: str, previous) -> tuple | None:
    """The key of the workbench's body for item `code` (None: not to be kept). `previous` is last
    year's item as the page shows it (`selectors.previous_item`). From the second review round on
    the body shows what changed since the return (read from the history tables): not kept."""
    if assessment.review_round >= 2:
        return None
    key = _common(request, digest=digest, assessment=assessment, code=code, previous=previous)
    return key and ("workbench", *key)


def _clock(assessment) -> tuple[bool, int]:
    """What the school's pages tell against the clock: whether the deadline has passed (which
    closes the forms) and the days left, as the header counts them."""
    now = timezone.now()
    return (
        assessment.deadline_passed(now),
        (timezone.localdate(assessment.deadline) - timezone.localdate(now)).days,
    )


def item_key(
    request, *, digest: bytes | None, assessment, code: str, previous, extras: bool, carry: bool
) -> tuple | None:
    """The key of the school's item page body for item `code` (None: not to be kept). The page tells
    the time left and whether the deadline has passed (which decides whether the form is open), and
    whether only unfinished items are stepped through. Not kept when an app above this one shows
    anything for the item (`extras`: `item_page_extras_shown`) or the page offers last year's answers
    to carry over (`carry`)."""
    if extras or carry:
        return None
    key = _common(request, digest=digest, assessment=assessment, code=code, previous=previous)
    return key and ("item", *key, request.GET.get("unfinished") == "1", *_clock(assessment))


def keep(key: tuple | None, render: Callable[[object], str], token) -> str:
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


def part(name: str) -> str:
    """What a kept body holds where the part `name`, rendered on every request, goes."""
    return f"{_PART_MARK}{name}."


def fill(body: str, parts: dict[str, str]) -> SafeString:
    """`body` with each part's markup (`parts`: name → markup rendered for this request) in place."""
    for name, html in parts.items():
        body = body.replace(part(name), html)
    return mark_safe(body)  # noqa: S308 — our templates' output


def overview_key(request, *, digest: bytes | None, assessment, carry: bool) -> tuple | None:
    """The key of the overview's body (None: not to be kept). Like the item page's, it tells the
    time left and whether the deadline has passed; not kept when it offers last year's answers to
    carry over (`carry`)."""
    if carry:
        return None
    key = _common(request, digest=digest, assessment=assessment, code="", previous=None)
    return key and ("overview", *key, *_clock(assessment))
