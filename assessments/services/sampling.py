"""Writes of the city re-check: drawing a reproducible sample, assigning its city reviewers and the
city reviewer's re-check values.

The draw itself is `sample_draw`, a pure function of (the eligible schools ordered by school code,
the parameters, the seed): the page's preview, the saved sample and `manage.py draw_sample` all
call `sample_preview` → `sample_draw`, so the same seed and parameters give the same schools
everywhere, today and later.

How a draw is made, in this order:
1. the eligible schools are the campaign's assessments whose district review is finalised, ordered
   by school code (学校标识码);
2. they are grouped into strata by the chosen fields (district = the school's region code, school
   type), each stratum a tuple of those values; a simple random sample is one stratum of everyone;
3. the strata are taken in ascending order of their key; each gets its own generator
   `random.Random("<seed>/<key values joined by '/'>")` (a string seed is hashed with SHA-512 by
   Python, stable across versions), so one stratum's draw does not depend on the others;
4. from a stratum of N schools, n = ⌈rate × N⌉ (or min(count, N)) and at least 1 are taken with
   `rng.sample` over the stratum's schools in code order, and listed in code order;
5. the manual additions follow, in the order given, without repeating a drawn school.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils.translation import gettext as _

from indicators.scoring import ScoreError, validate_compliance_status, validate_points_score
from indicators.selectors import framework_nodes, scoring_tree
from smartcampus.errors import Conflict, Invalid, Refused

from ..freshness import campaign_data_changed
from ..models import (
    Assessment,
    AssessmentStatus,
    Campaign,
    CityReview,
    ItemResponse,
    Sample,
    SampleMethod,
    SampleSchool,
    Stratum,
)
from ..models.campaigns import STATEMENT_MAX_LENGTH
from ..scoping import Action, get_scope

SEED_MAX = 2**53 - 1  # what a JSON number carries exactly


@dataclass(frozen=True)
class Eligible:
    """A school that may be drawn: its code and the values it is stratified by."""

    code: str
    district: str
    school_type: str
    assessment_id: int = 0

    def key(self, strata: Sequence[str]) -> tuple[str, ...]:
        return tuple(getattr(self, s) for s in strata)


@dataclass(frozen=True)
class SampleParams:
    """The parameters of a draw, checked (`sample_params_clean`)."""

    method: str
    strata: tuple[str, ...]
    rate: Decimal | None
    per_stratum: int | None
    seed: int
    manual: tuple[str, ...] = ()


@dataclass(frozen=True)
class StratumDraw:
    key: tuple[str, ...]
    size: int
    drawn: tuple[str, ...]


@dataclass(frozen=True)
class DrawResult:
    """The outcome of a draw: the schools (codes, drawn then manual), per stratum what was drawn."""

    params: SampleParams
    strata: tuple[StratumDraw, ...]
    manual: tuple[str, ...]
    eligible_count: int
    schools: tuple[str, ...] = field(default=())

    def as_json(self, campaign_id: int) -> dict:
        """The shape `draw_sample --json` prints."""
        rate = self.params.rate
        return {
            "campaign": campaign_id,
            "seed": self.params.seed,
            "rate": float(rate) if rate is not None else None,
            "strata": list(self.params.strata),
            "schools": list(self.schools),
        }


def sample_draw(*, schools: Sequence[Eligible], params: SampleParams) -> DrawResult:
    """Draw the sample (see the module docstring). Pure: no database access; `schools` in any order
    (they are ordered by code here) and `params` fully decide the result."""
    ordered = sorted(schools, key=lambda s: s.code)
    strata_fields = params.strata if params.method == SampleMethod.STRATIFIED else ()
    groups: dict[tuple[str, ...], list[str]] = {}
    for school in ordered:
        groups.setdefault(school.key(strata_fields), []).append(school.code)
    draws = []
    chosen: list[str] = []
    for key in sorted(groups):
        members = groups[key]
        if params.rate is not None:
            n = math.ceil(params.rate * len(members))
        else:
            n = params.per_stratum or 0
        n = max(1, min(n, len(members)))
        rng = random.Random("/".join((str(params.seed), *key)))  # noqa: S311 (reproducible, not secret)
        drawn = tuple(sorted(rng.sample(members, n)))
        draws.append(StratumDraw(key, len(members), drawn))
        chosen.extend(drawn)
    drawn_set = set(chosen)
    manual = tuple(dict.fromkeys(c for c in params.manual if c not in drawn_set))
    return DrawResult(
        params=params,
        strata=tuple(draws),
        manual=manual,
        eligible_count=len(ordered),
        schools=(*chosen, *manual),
    )


def _invalid(name: str, message: str) -> Invalid:
    return Invalid(message, fields={name: [message]})


def sample_params_clean(
    *,
    strata: Iterable[str] | str | None,
    rate=None,
    per_stratum=None,
    seed,
    manual: Iterable[str] | str | None = None,
    method: str | None = None,
) -> SampleParams:
    """Check and normalise the parameters from the page or the command line (strings accepted):
    strata "district,school_type", rate 0–1 (or a count per stratum), seed 0–2⁵³−1, manual school
    codes separated by commas, spaces or new lines. No strata means a simple random sample."""
    if isinstance(strata, str):
        strata = [s.strip() for s in strata.split(",") if s.strip()]
    strata = tuple(dict.fromkeys(strata or ()))
    unknown = [s for s in strata if s not in Stratum.values]
    if unknown:
        raise _invalid(
            "strata", _("未知的分层依据：%(s)s（可用：district、school_type）") % {"s": _("、").join(unknown)}
        )
    method = method or (SampleMethod.STRATIFIED if strata else SampleMethod.SIMPLE)
    if method not in SampleMethod.values:
        raise _invalid("method", _("请选择抽样方法。"))
    if method == SampleMethod.STRATIFIED and not strata:
        raise _invalid("strata", _("分层随机抽样须至少选择一个分层依据。"))
    if method == SampleMethod.SIMPLE:
        strata = ()
    rate = None if rate in (None, "") else rate
    per_stratum = None if per_stratum in (None, "") else per_stratum
    if (rate is None) == (per_stratum is None):
        raise _invalid("rate", _("请填写抽样比例或每层抽取数（二选一）。"))
    if rate is not None:
        try:
            rate = Decimal(str(rate)).normalize()
        except InvalidOperation:
            rate = None
        if rate is None or not rate.is_finite() or not (0 < rate <= 1) or rate.as_tuple().exponent < -4:
            raise _invalid("rate", _("抽样比例须为 0 到 1 之间的小数（最多四位小数），如 0.2。"))
    if per_stratum is not None:
        try:
            per_stratum = int(per_stratum)
        except (TypeError, ValueError):
            per_stratum = 0
        if per_stratum < 1:
            raise _invalid("per_stratum", _("每层抽取数须为正整数。"))
    try:
        seed = int(seed)
    except (TypeError, ValueError):
        seed = -1
    if not 0 <= seed <= SEED_MAX:
        raise _invalid("seed", _("随机种子须为 0 到 %(max)d 之间的整数。") % {"max": SEED_MAX})
    if isinstance(manual, str):
        manual = manual.replace("，", ",").replace("\n", ",").replace(" ", ",").split(",")  # i18n: data
    manual = tuple(dict.fromkeys(c.strip() for c in (manual or ()) if c and c.strip()))
    return SampleParams(method, strata, rate, per_stratum, seed, manual)


def sample_eligible(*, campaign: Campaign) -> list[Eligible]:
    """The schools a draw chooses from: the campaign's assessments with a finalised district
    review, ordered by school code (one query)."""
    rows = (
        Assessment.objects.filter(campaign=campaign, status__in=AssessmentStatus.review_counted())
        .order_by("school__code")
        .values_list("school__code", "school__region__code", "school__school_type", "pk")
    )
    return [Eligible(code, district, school_type, pk) for code, district, school_type, pk in rows]


def sample_preview(*, campaign: Campaign, params: SampleParams) -> DrawResult:
    """The draw for `campaign` as it would be saved (nothing is written). Manual additions must be
    schools of the campaign."""
    eligible = sample_eligible(campaign=campaign)
    if params.manual:
        known = set(
            Assessment.objects.filter(campaign=campaign, school__code__in=params.manual).values_list(
                "school__code", flat=True
            )
        )
        unknown = [c for c in params.manual if c not in known]
        if unknown:
            raise _invalid("manual", _("以下学校不在本活动中：%(c)s") % {"c": _("、").join(unknown)})
    if not eligible and not params.manual:
        raise Conflict(_("本活动还没有完成区县评审的学校，无法抽样。"), code="nothing_to_draw")
    return sample_draw(schools=eligible, params=params)


def _require_sampler(*, user, campaign: Campaign) -> None:
    if not get_scope(user).can(Action.SAMPLE, campaign):
        raise Refused(_("您不能为该活动抽样。"), code="not_commission")


@transaction.atomic
def sample_save(*, campaign: Campaign, params: SampleParams, acting_user) -> Sample:
    """Draw and keep the sample: the parameters, the seed, who drew it and the schools."""
    _require_sampler(user=acting_user, campaign=campaign)
    result = sample_preview(campaign=campaign, params=params)
    sample = Sample(
        campaign=campaign,
        method=params.method,
        strata=list(params.strata),
        rate=params.rate,
        per_stratum=params.per_stratum,
        seed=params.seed,
        manual_codes=list(params.manual),
        drawn_by=acting_user,
    )
    sample._history_user = acting_user
    sample.full_clean()
    sample.save()
    ids = dict(
        Assessment.objects.filter(campaign=campaign, school__code__in=result.schools).values_list(
            "school__code", "pk"
        )
    )
    manual = set(result.manual)
    SampleSchool.objects.bulk_create(
        SampleSchool(sample=sample, assessment_id=ids[code], position=i, manual=code in manual)
        for i, code in enumerate(result.schools, start=1)
    )
    return sample


@transaction.atomic
def sample_reviewer_assign(*, row: SampleSchool, reviewer, acting_user) -> SampleSchool:
    """Commission staff name the city reviewer who re-checks one sampled school (None: nobody).
    A CIO of the school is refused (conflict of interest)."""
    row = (
        SampleSchool.objects.select_for_update(of=("self",))
        .select_related("sample__campaign__region", "assessment__school__region")
        .get(pk=row.pk)
    )
    _require_sampler(user=acting_user, campaign=row.sample.campaign)
    if reviewer is not None and get_scope(reviewer).has_conflict(row.assessment):
        message = _("该专家是本校的信息化负责人，存在利益冲突，不能复核本校。")
        raise Invalid(message, code="conflict_of_interest", fields={"reviewer": [message]})
    row.reviewer = reviewer
    row._history_user = acting_user
    row.full_clean(exclude=["sample", "assessment"])
    row.save(update_fields=["reviewer"])
    return row


def city_review_version(*, response: ItemResponse) -> int:
    """The version of an item's re-check the workbench saves against: how many times it was written
    (its history rows, deletions included), so it only grows."""
    return CityReview.history.filter(response_id=response.pk).count()


@transaction.atomic
def city_review_save(
    *,
    response: ItemResponse,
    acting_user,
    score=None,
    status=None,
    comment: str = "",
    version: int | None = None,
) -> CityReview:
    """The city reviewer's re-check value of one item of a sampled school (the city stage of the
    review), checked by the scoring engine's validators like a district adjustment. Only a
    finalised district review is re-checked; an empty value removes the item's re-check. With
    `version` (the workbench's autosave), a re-check written meanwhile by someone else is a
    conflict and nothing is written."""
    assessment = (
        Assessment.objects.select_for_update(of=("self",))
        .select_related("campaign__framework", "school__region", "campaign__region")
        .get(pk=response.assessment_id)
    )
    scope = get_scope(acting_user)
    if not scope.can(Action.RECHECK, assessment):
        raise Refused(_("您不是该校的市级复核专家。"), code="not_rechecker")
    if scope.has_conflict(assessment):
        raise Conflict(_("您是本校的信息化负责人，不能复核本校。"), code="conflict_of_interest")
    if assessment.status != AssessmentStatus.FINALISED:
        raise Conflict(_("区县评审尚未定稿，暂不能复核。"), code="not_finalised")
    framework = assessment.campaign.framework
    tree = scoring_tree(framework=framework, nodes=framework_nodes(framework=framework))
    comment = (comment or "").replace("\r\n", "\n").strip()
    if len(comment) > STATEMENT_MAX_LENGTH:
        raise _invalid("comment", _("复核意见最多 %(max)d 字。") % {"max": STATEMENT_MAX_LENGTH})
    value = score if tree.is_points else status
    existing = CityReview.objects.filter(response=response).first()
    if version is not None and version != city_review_version(response=response):
        raise Conflict(
            _("该条目的复核已被修改，您的修改未保存。请刷新查看最新内容后再修改。"), code="version_conflict"
        )
    if value in (None, ""):
        if existing is not None:
            existing._history_user = acting_user
            existing.delete()
        campaign_data_changed(assessment.campaign_id)
        return CityReview(response=response, reviewer=acting_user)
    try:
        if tree.is_points:
            score, status = validate_points_score(tree, response.node.code, score), None
        else:
            score, status = None, str(validate_compliance_status(tree, response.node.code, status))
    except ScoreError as exc:
        raise _invalid("score" if tree.is_points else "status", str(exc)) from None
    review = existing or CityReview(response=response)
    review.reviewer, review.score, review.status, review.comment = acting_user, score, status, comment
    review._history_user = acting_user
    review.full_clean(exclude=["response", "reviewer"], validate_unique=False)
    review.save()
    campaign_data_changed(assessment.campaign_id)
    return review


@transaction.atomic
def city_reviews_save(*, assessment: Assessment, acting_user, values: dict[str, tuple]) -> int:
    """Save the re-check sheet of one sampled school at once: item code → (value, comment), the
    value a score (points) or a status (compliance), empty to leave the item un-rechecked. All or
    nothing; returns how many items carry a re-check value afterwards."""
    responses = {
        r.node.code: r
        for r in ItemResponse.objects.filter(
            assessment_id=assessment.pk, node__code__in=list(values)
        ).select_related("node")
    }
    errors: dict[str, list[str]] = {}
    for code, (value, comment) in values.items():
        response = responses.get(code)
        if response is None:
            continue
        try:
            city_review_save(
                response=response, acting_user=acting_user, score=value, status=value, comment=comment
            )
        except Invalid as exc:
            errors[code] = [m for messages in exc.fields.values() for m in messages] or [str(exc)]
    if errors:
        first = next(iter(errors.items()))
        raise Invalid(
            _("%(n)d 个条目的复核值有误（%(c)s：%(m)s），未保存。")
            % {"n": len(errors), "c": first[0], "m": _("；").join(first[1])},
            code="invalid_values",
            fields=errors,
        )
    return CityReview.objects.filter(response__assessment_id=assessment.pk).count()
