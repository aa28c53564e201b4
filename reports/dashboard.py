"""The region dashboard's figures and charts, cached per (campaign, scope, language, data version).

Computing a city's aggregates reads every response of the campaign (92,000 rows for 2,000 Beijing
schools, about a second; 10,000 schools, several seconds; `reports.stats`). The figures only change
when a service changes what they read, and every such service bumps the campaign's data version
(`assessments.freshness`), so the result is cached under that version: an idle city is computed
once. Users whose scopes cover the same schools share the entry (`UserScope.fingerprint`).

Who computes depends on the size of the scope (`DASHBOARD_INLINE_MAX_SCHOOLS`):

* a small scope (a district, a small city: tens of milliseconds) is computed inside the request
  when the version moved, so the figures are current on the next visit;
* a large one is never computed inside a request: the first request after a change (or once the
  figures are older than DASHBOARD_CACHE_SECONDS, which bounds the staleness of a version bump lost
  to a cache outage) enqueues `reports.refresh_dashboard` and gets the previous figures, marked with
  the time they were computed (`refreshing` is set); with no previous figures at all the page says
  they are being computed (`dashboard_parts` returns None). A broker that cannot be reached is the
  one exception: then the request computes, as a small scope would.

Single flight either way: a short cache lock lets one request compute or enqueue while concurrent
requests keep getting the previous figures, so at the deadline, with schools saving every second,
at most one computation per scope runs at a time. Without a readable cache everything is computed
as before.
"""

from __future__ import annotations

import dataclasses
import datetime
import logging
import secrets
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.template.loader import render_to_string
from django.urls import get_script_prefix, get_urlconf
from django.utils import timezone, translation
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from assessments import selectors as assessment_selectors
from assessments.freshness import campaign_data_version, campaign_data_versions
from assessments.selectors import campaign_outcomes, outcome_groups
from smartcampus.db import KeyedInstances, Lru

from . import charts, facts, stats

logger = logging.getLogger(__name__)
LOCK_SECONDS = 120  # longer than any computation; a crashed process's lock expires by itself


def _compute(*, campaign, assessments, user=None) -> dict:
    if callable(assessments):
        assessments = assessments()
    board = stats.campaign_dashboard(campaign=campaign, assessments=assessments)
    names = [d.name for d in board.districts]
    each = board.words.each
    parts = {
        "progress_chart": charts.stacked_bars(
            names,
            [str(label) for _k, label in stats.PROGRESS_BUCKETS],
            [[d.progress.get(k, 0) for k, _l in stats.PROGRESS_BUCKETS] for d in board.districts],
            title=_("%(each)s填报进度") % {"each": each},
        ),
        "review_bands_chart": charts.stacked_bars(
            names,
            [label for _low, label in stats.BANDS],
            [d.review_bands for d in board.districts],
            colors=["#dc3545", "#fd7e14", "#ffc107", "#20c997", "#198754"],
            title=(
                _("%(each)s评审得分率分布（评审已定稿的学校）")
                if board.is_points
                else _("%(each)s评审达标指数分布（评审已定稿的学校）")
            )
            % {"each": each},
        ),
        "bands_chart": charts.stacked_bars(
            names,
            [label for _low, label in stats.BANDS],
            [d.bands for d in board.districts],
            colors=["#dc3545", "#fd7e14", "#ffc107", "#20c997", "#198754"],
            title=(
                _("%(each)s自评得分率分布（已提交的学校）")
                if board.is_points
                else _("%(each)s自评达标指数分布（已提交的学校）")
            )
            % {"each": each},
        ),
        "dimension_chart": charts.bar_chart(
            [f"{d.node.code} {d.node.name}" for d in board.dimensions],
            [(str(_("自评")), [d.self_percent for d in board.dimensions])]
            + (
                [(str(_("评审")), [d.review_percent for d in board.dimensions])]
                if board.reviewed_count
                else []
            ),
            title=_("各一级指标平均得分率") if board.is_points else _("各一级指标平均达标指数"),
            max_value=100,
            unit="%",
        ),
        "weakest_chart": charts.bar_chart(
            [f"{node.code} {node.title}" for node, _p, _n in board.weakest],
            [
                (
                    str(_("平均得分率") if board.is_points else _("平均达标程度")),
                    [p for _n, p, _c in board.weakest],
                )
            ],
            title=_("最薄弱的条目（已提交的学校）"),
            max_value=100,
            unit="%",
        ),
    }
    # the key facts per district read the schools' facts, which every fact service versions too
    parts["fact_distributions"] = facts.fact_distributions(assessments=assessments)
    # official results: pass counts from the one table every output counts from
    table = outcome_groups(
        outcomes=campaign_outcomes(campaign=campaign),
        assessment_ids=assessments.filter(campaign=campaign).values_list("pk", flat=True),
    )
    parts["outcomes"] = table
    parts["outcome_cards"] = [*table.districts, table.total] if table.total.counted else []
    # The per-school maps are for rankings and tests, not the page: keep the cached entry small.
    parts["board"] = dataclasses.replace(
        board,
        self_values={},
        review_values={},
        self_dims={},
        review_dims={},
    )
    if user is not None and campaign.predecessor_id is not None:
        # Both rounds' results of every school in scope: as costly as the board itself, so cached
        # with it (under both campaigns' data versions, see `_version`).
        comparison = assessment_selectors.campaign_comparison_for(user=user, campaign=campaign)
        parts["year_districts"] = assessment_selectors.comparison_districts(comparison)
    parts["computed_at"] = timezone.now()
    # names this computation: the figures rendered from these parts are cached under it
    parts["token"] = secrets.token_hex(12)
    return parts


def _version(campaign):
    """The data version the cached figures depend on: the campaign's, and its predecessor's when the
    figures compare the two (None when either cannot be read: nothing is cached then)."""
    own = campaign_data_version(campaign.pk)
    if own is None or campaign.predecessor_id is None:
        return own
    previous = campaign_data_version(campaign.predecessor_id)
    return None if previous is None else (own, previous)


def dashboard_versions(campaign) -> tuple:
    """The versions the page's cached pieces depend on, read in one round trip to the cache: the
    figures' (as `_version` gives it) and the rectification card's (the campaign's data version and
    its rectification items' version); either is None when the cache cannot be read."""
    counters = [(campaign.pk, "data"), (campaign.pk, "rectification")]
    if campaign.predecessor_id is not None:
        counters.append((campaign.predecessor_id, "data"))
    found = campaign_data_versions(*counters)
    own, items = found[counters[0]], found[counters[1]]
    figures = own
    if campaign.predecessor_id is not None:
        previous = found[counters[2]]
        figures = None if own is None or previous is None else (own, previous)
    return figures, None if own is None or items is None else (own, items)


def _cache_call(method: str, *args, **kwargs):
    """The cache is an optimisation: an unreachable cache is logged and treated as empty."""
    try:
        return getattr(cache, method)(*args, **kwargs)
    except Exception:
        logger.warning("dashboard cache %s failed", method, exc_info=True)
        return None


# the shape of the cached entry: a new one when the parts change, so no entry of an older shape is read
PARTS_SHAPE = 2


def _key(campaign, scope) -> str:
    return f"dashboard:{PARTS_SHAPE}:{campaign.pk}:{scope.fingerprint()}:{get_language()}"


# The parts this process read or computed last, per cache key and data version: unpickling a
# city's entry from the shared cache costs more than the rest of the page's context. An entry is
# good for as long as it counts as current (`_current`), as the shared cache's is.
_PARTS = Lru(8)


# How long the shared cache keeps a computation: far longer than it counts as current
# (DASHBOARD_CACHE_SECONDS), so an idle large city's page shows its last figures, with their time,
# while a worker recomputes them, never 「正在计算」 for want of an entry that merely aged.
KEEP_SECONDS = 7 * 24 * 3600


def _store(key: str, version, parts: dict) -> None:
    _cache_call("set", key, {"version": version, "parts": parts}, timeout=KEEP_SECONDS)


def _current(parts: dict, version, computed_for) -> bool:
    """Whether figures computed for `computed_for` still count for `version`: the same data version
    and younger than DASHBOARD_CACHE_SECONDS (which bounds the staleness of a version bump lost to
    a cache outage)."""
    lifetime = datetime.timedelta(seconds=settings.DASHBOARD_CACHE_SECONDS)
    return computed_for == version and timezone.now() < parts["computed_at"] + lifetime


def _enqueue(*, campaign, user) -> bool:
    """Ask a worker to compute the figures of `user`'s scope; False when the broker refused."""
    from .tasks import dashboard_refresh_task

    try:
        dashboard_refresh_task.delay(campaign.pk, user.pk, get_language())
    except Exception:
        logger.warning("dashboard refresh not enqueued for campaign %s", campaign.pk, exc_info=True)
        return False
    return True


_UNREAD = object()


def dashboard_parts(*, campaign, assessments, scope, user=None, version=_UNREAD) -> dict | None:
    """`board` (a slim `stats.Dashboard`), the four charts, the key facts' `fact_distributions`
    and `computed_at`, for `assessments`
    (already scoped to the user whose scope is `scope`; or a function returning them, called only
    when the figures are computed); with `user` (the same user), also `year_districts`, the
    comparison with the predecessor campaign where there is one. `version`: the figures' version
    as the caller read it (`dashboard_versions`), else it is read here.

    For a scope larger than `DASHBOARD_INLINE_MAX_SCHOOLS` (and a `user` to compute for), a stale
    entry is returned with `refreshing` set while a worker computes the new one, and None when there
    is nothing to show yet."""
    if version is _UNREAD:
        version = _version(campaign)
    if version is None:
        return _compute(campaign=campaign, assessments=assessments, user=user)
    key = _key(campaign, scope)
    kept = _PARTS.get((key, version))
    if kept is not None and _current(kept, version, version):
        return kept
    entry = _cache_call("get", key)
    if entry is not None and _current(entry["parts"], version, entry["version"]):
        _PARTS.put((key, version), entry["parts"])
        return entry["parts"]
    lock = f"{key}:lock"
    locked = _cache_call("add", lock, 1, timeout=LOCK_SECONDS)
    if entry is not None and not locked:
        return {**entry["parts"], "refreshing": True}  # another process is computing the new figures
    if callable(assessments):
        assessments = assessments()
    large = user is not None and assessments.count() > settings.DASHBOARD_INLINE_MAX_SCHOOLS
    if large and locked:
        if _enqueue(campaign=campaign, user=user):
            # The worker releases the lock when it has stored the figures (or the lock expires).
            done = _cache_call("get", key)  # a worker as fast as the request (or running tasks inline)
            if done is not None and _current(done["parts"], version, done["version"]):
                return done["parts"]
            return {**entry["parts"], "refreshing": True} if entry is not None else None
    elif large and locked is False:
        return None  # nothing cached yet and a worker is already computing it
    try:
        parts = _compute(campaign=campaign, assessments=assessments, user=user)
        _store(key, version, parts)
    finally:
        if locked:
            _cache_call("delete", lock)
    _PARTS.put((key, version), parts)
    return parts


def dashboard_refresh(*, campaign_id: int, user_id: int, language: str) -> bool:
    """Compute and cache the dashboard of `user`'s scope over the campaign (the worker's side of
    `dashboard_parts`), under the data version read before computing, so a change made meanwhile
    is computed again on the next visit. Returns False when the figures were already current or
    the user or campaign is gone. Always releases the request's lock."""
    from django.contrib.auth import get_user_model

    from assessments.models import Campaign
    from assessments.scoping import get_scope

    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    campaign = Campaign.objects.select_related("framework", "region").filter(pk=campaign_id).first()
    if user is None or campaign is None:
        return False
    with translation.override(language):
        scope = get_scope(user)
        key = _key(campaign, scope)
        try:
            version = _version(campaign)
            if version is None:
                return False
            entry = _cache_call("get", key)
            if entry is not None and _current(entry["parts"], version, entry["version"]):
                return False  # a duplicate request: the figures are already current
            assessments = assessment_selectors.assessment_list(user=user).filter(campaign=campaign)
            _store(key, version, _compute(campaign=campaign, assessments=assessments, user=user))
            return True
        finally:
            _cache_call("delete", f"{key}:lock")


def dashboard_figures(parts: dict) -> SafeString:
    """The figures of `parts` (what `dashboard_parts` returned) as HTML: the outcome cards, the
    charts, the facts' distributions and the progress and results tables, which read nothing but
    the parts. The parts of one computation never change, so the HTML is rendered once per
    computation (its `token`), language and time zone. A cache outage renders it every time."""
    context = {**parts, "progress_buckets": stats.PROGRESS_BUCKETS}
    token = parts.get("token")
    if token is None:
        return mark_safe(render_to_string("reports/_dashboard_figures.html", context))  # noqa: S308
    key = f"dashboard-figures:{token}:{get_language()}:{timezone.get_current_timezone_name()}"
    html = _FIGURES_HTML.get(key)
    if html is None:
        html = _cache_call("get", key)
        if html is None:
            html = render_to_string("reports/_dashboard_figures.html", context)
            _cache_call("set", key, html, timeout=settings.DASHBOARD_CACHE_SECONDS)
        _FIGURES_HTML.put(key, html)
    return mark_safe(html)  # noqa: S308 — our own template's output


# The figures' HTML of the computations this process served last (a token is never reused, so an
# entry cannot go stale), in front of the shared cache
_FIGURES_HTML = Lru(16)

# The rectification cards this process counted or read last, per shared-cache key and version:
# (card, its content, when it was counted); kept no longer than the shared cache keeps its entry
_CARDS = Lru(256)

# The rectification cards this process rendered last, keyed by everything they show
_CARD_HTML = Lru(256)


def rectification_card(*, user, campaign, scope, version=_UNREAD) -> tuple:
    """`reports.selectors.dashboard_rectification` for `user` (whose scope is `scope`) over the
    campaign today, and its content (the card's repr: every field, all of them plain values, the
    key its rendering is kept under). Kept while neither the campaign's data (the set of its
    assessments) nor its rectification items changed since it was counted, `version` (data, items)
    as `dashboard_versions` read it, else read here: counting reads every item of the scope, in
    PostgreSQL. Counted afresh when the cache is unreachable."""
    from .selectors import dashboard_rectification

    if version is _UNREAD:
        data, items = campaign_data_version(campaign.pk), campaign_data_version(campaign.pk, "rectification")
        version = None if data is None or items is None else (data, items)
    if version is None:
        card = dashboard_rectification(user=user, campaign=campaign)
        return card, repr(card)
    today = timezone.localdate()
    key = f"dashboard-rectification:{campaign.pk}:{scope.fingerprint()}:{today.isoformat()}"
    now = timezone.now()
    lifetime = datetime.timedelta(seconds=settings.DASHBOARD_CACHE_SECONDS)
    kept = _CARDS.get((key, version))
    if kept is not None and now < kept[2] + lifetime:
        return kept[0], kept[1]
    entry = _cache_call("get", key)
    if entry is not None and entry["version"] == version and now < entry.get("at", now) + lifetime:
        card, counted_at = entry["card"], entry.get("at", now)
    else:
        card, counted_at = dashboard_rectification(user=user, campaign=campaign, today=today), now
        _cache_call(
            "set",
            key,
            {"version": version, "card": card, "at": counted_at},
            timeout=settings.DASHBOARD_CACHE_SECONDS,
        )
    kept = (card, repr(card), counted_at)
    _CARDS.put((key, version), kept)
    return kept[0], kept[1]


def rectification_card_html(card, content: str | None = None) -> SafeString:
    """The dashboard's rectification card (`reports.selectors.dashboard_rectification`) as HTML.
    The card's data is read on every request; its rendering is kept per process under a key made
    of that data (`content`, as `rectification_card` gives it, or the card's repr) and the
    language, so the same counts are rendered once and a change renders anew."""
    key = (get_language(), repr(card) if content is None else content)
    html = _CARD_HTML.get(key)
    if html is None:
        html = render_to_string("rectification/_dashboard_card.html", {"ledger": card})
        _CARD_HTML.put(key, html)
    return mark_safe(html)  # noqa: S308 — our own template's output


# The campaign list's statement, compiled once per process for a user's scope
_CAMPAIGNS = KeyedInstances(arity=0)


def dashboard_campaigns(*, user) -> list:
    """The campaigns in `user`'s scope (`campaign_list`), newest year first, then by title, each
    with its predecessor (whose year the comparison with it shows)."""
    from assessments.scoping import get_scope

    return _CAMPAIGNS.instances(
        ("dashboard-campaigns", get_scope(user)),
        lambda: (
            assessment_selectors.campaign_list(user=user)
            .select_related("predecessor")
            .order_by("-year", "title")
        ),
    )


# The page's content as rendered last by this process, keyed by everything it shows
_BLOCKS = Lru(32)


@dataclasses.dataclass(frozen=True)
class Block:
    """The dashboard's content (`{% dashboard_block %}` in reports/dashboard.html) for one request:
    `key` holds every value the content shows, `inputs()` gives them to the template. The content
    is rendered in a context holding the inputs alone, once per key, language, time zone, script
    prefix and URLconf (the figures' computation token in the key stands for everything computed
    with them)."""

    key: tuple
    inputs: Callable[[], dict]

    def render(self, node, context) -> str:
        """`node.nodelist` (the tag's content) rendered with the inputs, or as rendered before."""
        full_key = (
            node,
            get_language(),
            timezone.get_current_timezone_name(),
            get_script_prefix(),
            get_urlconf(),
            self.key,
        )
        html = _BLOCKS.get(full_key)
        if html is None:
            html = node.nodelist.render(context.new(self.inputs()))
            _BLOCKS.put(full_key, html)
        return html
