"""Reads of the city re-check: the samples of a campaign, the sampled schools with their city
reviewers, one school's re-check sheet, and the deviation district − city per district (the one
function the dashboard and its tests use)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.contrib.auth import get_user_model
from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404

from indicators.selectors import framework_nodes, scoring_tree
from smartcampus.db import KeyedStatements

from ..gaps import item_gap
from ..models import (
    Assessment,
    AssessmentStatus,
    Campaign,
    CityReview,
    ItemResponse,
    Membership,
    Role,
    Sample,
    SampleSchool,
)
from ..scoping import Action, get_scope
from .campaigns import assessment_list


def sample_list(*, user, campaign: Campaign) -> QuerySet[Sample]:
    """The saved samples of a campaign the user may draw for, newest first, with their size."""
    scope = get_scope(user)
    return (
        Sample.objects.filter(scope.campaigns_q(Action.SAMPLE, "campaign__"), campaign=campaign)
        .select_related("drawn_by")
        .annotate(size=Count("schools"))
        .order_by("-drawn_at", "-pk")
    )


def sample_get(*, user, pk: int) -> Sample:
    """One saved sample of a campaign the user may draw for, else 404."""
    scope = get_scope(user)
    return get_object_or_404(
        Sample.objects.filter(scope.campaigns_q(Action.SAMPLE, "campaign__")).select_related(
            "campaign__region", "campaign__framework", "drawn_by"
        ),
        pk=pk,
    )


def sample_rows(*, sample: Sample) -> QuerySet[SampleSchool]:
    """The schools of a sample in draw order, with their district, assessment and city reviewer."""
    return sample.schools.select_related(
        "assessment__school__region", "assessment__campaign", "reviewer"
    ).annotate(rechecked=Count("assessment__responses__city_review"))


def sample_row_get(*, user, sample: Sample, pk: int) -> SampleSchool:
    return get_object_or_404(sample_rows(sample=sample), pk=pk)


def recheck_reviewer_candidates(*, user, campaign: Campaign) -> QuerySet:
    """City reviewers the commission may assign to re-check: reviewers whose region is the
    campaign's region or one above it (not a district's own reviewers), and experts without any
    role; active accounts only. None unless the user may draw samples of the campaign."""
    User = get_user_model()
    if not get_scope(user).can(Action.SAMPLE, campaign):
        return User.objects.none()
    codes = [c for c in campaign.region.path.split("/") if c]
    paths = ["/" + "/".join(codes[:i]) + "/" for i in range(1, len(codes) + 1)]
    reviewers = Membership.objects.filter(role=Role.REVIEWER, region__path__in=paths)
    return (
        User.objects.filter(is_active=True)
        .filter(Q(pk__in=reviewers.values("user_id")) | Q(memberships__isnull=True, is_superuser=False))
        .distinct()
        .order_by("first_name", "username")
    )


def recheck_list(*, user) -> QuerySet[Assessment]:
    """The assessments `user` re-checks for the city (assigned in a saved sample)."""
    return assessment_list(user=user, action=Action.RECHECK).annotate(
        rechecked=Count("responses__city_review")
    )


@dataclass(frozen=True)
class RecheckRow:
    code: str
    title: str
    max_points: Decimal | None
    self_value: object
    district_value: object
    city: CityReview | None

    @property
    def city_value(self):
        if self.city is None:
            return None
        return self.city.score if self.city.score is not None else self.city.status


@dataclass(frozen=True)
class RecheckSheet:
    is_points: bool
    rows: list[RecheckRow]

    @property
    def done(self) -> int:
        return sum(1 for r in self.rows if r.city is not None)


def recheck_sheet(*, assessment: Assessment) -> RecheckSheet:
    """Every answerable item of a sampled school: the school's value, the district's consolidated
    value and the city's re-check (two queries after the framework cache)."""
    framework = assessment.campaign.framework
    nodes = framework_nodes(framework=framework)
    tree = scoring_tree(framework=framework, nodes=nodes)
    is_points = tree.is_points
    responses = {r.node_id: r for r in ItemResponse.objects.filter(assessment=assessment)}
    city = {c.response_id: c for c in CityReview.objects.filter(response__assessment=assessment)}
    rows = []
    for node in nodes:
        if node.code not in tree.items:
            continue
        r = responses.get(node.pk)
        if r is None:
            continue
        rows.append(
            RecheckRow(
                node.code,
                node.title,
                getattr(node, "points", None),
                r.self_value(is_points=is_points),
                r.review_value(is_points=is_points),
                city.get(r.pk),
            )
        )
    return RecheckSheet(is_points, rows)


@dataclass(frozen=True)
class Deviation:
    """Mean |district − city| over the re-checked items of a group of schools: points (points
    mode) or percentage points of the compliance value (compliance mode), rounded once to 0.1."""

    mean: Decimal | None
    items: int
    schools: int


def _deviation(gaps: list[Decimal], schools: int) -> Deviation:
    if not gaps:
        return Deviation(None, 0, schools)
    mean = sum(gaps, Decimal(0)) / len(gaps)
    return Deviation(mean.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP), len(gaps), schools)


# compiled once per process for a user's scope and the campaign
_STATEMENTS = KeyedStatements()


def recheck_deviation(
    *, campaign: Campaign, assessments: Iterable[int] | QuerySet | None = None, user=None
) -> dict[int | None, Deviation]:
    """Per district (the school's region id; None: all of them), the deviation between the district
    review and the city re-check over the items that have both a finalised district value and a
    city value: of `assessments` (ids or a queryset), or of the campaign's assessments in `user`'s
    scope (`view`), whose statement is compiled once per process for the scope. One query."""
    framework = campaign.framework
    is_points = scoring_tree(framework=framework, nodes=framework_nodes(framework=framework)).is_points
    field = "score" if is_points else "status"

    def build(in_scope):
        return CityReview.objects.filter(
            response__assessment__campaign_id=campaign.pk,
            response__assessment__in=in_scope,
            response__assessment__status=AssessmentStatus.FINALISED,
        ).values_list(
            "response__assessment__school__region_id",
            "response__assessment_id",
            f"response__review_{field}",
            field,
        )

    if user is not None:
        if assessments is not None:
            raise TypeError("either assessments or user")
        rows = _STATEMENTS.rows(
            ("recheck-deviation", get_scope(user), campaign.pk, field),
            lambda: build(assessment_list(user=user).filter(campaign_id=campaign.pk).order_by().values("pk")),
        )
    else:
        if isinstance(assessments, QuerySet):
            assessments = assessments.order_by().values("pk")
        rows = build(assessments)
    gaps: dict[int | None, list[Decimal]] = defaultdict(list)
    schools: dict[int | None, set[int]] = defaultdict(set)
    scale = Decimal(1) if is_points else Decimal(100)
    for region_id, assessment_id, district, city in rows:
        gap = item_gap(district, city, is_points=is_points)
        if gap is None:
            continue
        for key in (region_id, None):
            gaps[key].append(abs(gap) * scale)
            schools[key].add(assessment_id)
    result = {key: _deviation(values, len(schools[key])) for key, values in gaps.items()}
    result.setdefault(None, Deviation(None, 0, 0))
    return result
