"""The region dashboard's figures and charts, cached per (campaign, scope, language, data version).

Computing a city's aggregates reads every response of the campaign (92,000 rows for 2,000 Beijing
schools, about a second; `reports.stats`). The figures only change when a service changes what they
read, and every such service bumps the campaign's data version (`assessments.freshness`), so the
result is cached under that version: a change is visible on the next request, and an idle city is
computed once. Users whose scopes cover the same schools share the entry (`UserScope.fingerprint`).

Single flight: when the version moved, one request recomputes (holding a short cache lock) while
concurrent requests keep getting the previous figures, marked with the time they were computed; so
at the deadline, with schools saving every second, the database computes at most one dashboard per
scope at a time instead of one per request. Without a readable cache everything is computed as
before.
"""

from __future__ import annotations

import dataclasses
import logging

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from assessments import selectors as assessment_selectors
from assessments.freshness import campaign_data_version
from assessments.selectors import campaign_outcomes, outcome_groups

from . import charts, stats

logger = logging.getLogger(__name__)
LOCK_SECONDS = 120  # longer than any computation; a crashed process's lock expires by itself


def _compute(*, campaign, assessments, user=None) -> dict:
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
    return parts


def _version(campaign):
    """The data version the cached figures depend on: the campaign's, and its predecessor's when the
    figures compare the two (None when either cannot be read: nothing is cached then)."""
    own = campaign_data_version(campaign.pk)
    if own is None or campaign.predecessor_id is None:
        return own
    previous = campaign_data_version(campaign.predecessor_id)
    return None if previous is None else (own, previous)


def _cache_call(method: str, *args, **kwargs):
    """The cache is an optimisation: an unreachable cache is logged and treated as empty."""
    try:
        return getattr(cache, method)(*args, **kwargs)
    except Exception:
        logger.warning("dashboard cache %s failed", method, exc_info=True)
        return None


def dashboard_parts(*, campaign, assessments, scope, user=None) -> dict:
    """`board` (a slim `stats.Dashboard`), the four charts and `computed_at`, for `assessments`
    (already scoped to the user whose scope is `scope`); with `user` (the same user), also
    `year_districts`, the comparison with the predecessor campaign where there is one."""
    version = _version(campaign)
    if version is None:
        return _compute(campaign=campaign, assessments=assessments, user=user)
    key = f"dashboard:{campaign.pk}:{scope.fingerprint()}:{get_language()}"
    entry = _cache_call("get", key)
    if entry is not None and entry["version"] == version:
        return entry["parts"]
    if entry is not None and not _cache_call("add", f"{key}:lock", 1, timeout=LOCK_SECONDS):
        return entry["parts"]  # another request is computing the new figures; show the last ones
    try:
        parts = _compute(campaign=campaign, assessments=assessments, user=user)
        _cache_call(
            "set", key, {"version": version, "parts": parts}, timeout=settings.DASHBOARD_CACHE_SECONDS
        )
    finally:
        if entry is not None:
            _cache_call("delete", f"{key}:lock")
    return parts
