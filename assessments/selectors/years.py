"""Reads of the year-over-year slice: which round comes next, and how a campaign's schools compare
with the round before (`Campaign.predecessor`).

Every figure comes from `selectors.results` (the one results function), so the command, the pages,
the dashboard and the workbook agree. A school's figure in a year is the review side once the review
is finalised (basis "review"), else the self side once submitted (basis "self"), else none.
"""

from __future__ import annotations

import calendar
import datetime
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from indicators.models import Framework
from indicators.selectors import framework_nodes, node_mapping

from ..models import (
    ANSWERED,
    Assessment,
    AssessmentStatus,
    Campaign,
    FactSource,
    FactValue,
    ItemResponse,
    Region,
)
from .results import Results, SideResult, assessment_results, campaign_results, results_frame

REVIEW = "review"
SELF = "self"


@dataclass(frozen=True)
class NextYear:
    """What 「复制为下一年活动」 would create from a campaign."""

    framework: Framework
    year: int
    title: str
    self_deadline: datetime.datetime
    review_deadline: datetime.datetime
    school_count: int


def shift_year(moment: datetime.datetime, years: int = 1) -> datetime.datetime:
    """The same local wall-clock time `years` later (29 February becomes 28 February)."""
    local = timezone.localtime(moment)
    year = local.year + years
    day = min(local.day, calendar.monthrange(year, local.month)[1])
    naive = local.replace(tzinfo=None).replace(year=year, day=day)
    return timezone.make_aware(naive)


def next_title(title: str, year: int) -> str:
    """The title with its year advanced ("2024年…" → "2025年…"), or the new year appended."""
    if str(year) in title:
        return title.replace(str(year), str(year + 1))
    return _("%(title)s（%(year)s）") % {"title": title, "year": year + 1}


def latest_locked_version(framework: Framework) -> Framework:
    """The highest version of the framework's code that a campaign has used (locked); the given
    version when no later one is locked."""
    latest = (
        Framework.objects.filter(code=framework.code, locked_at__isnull=False, version__gt=framework.version)
        .order_by("-version")
        .first()
    )
    return latest or framework


def campaign_next_year(*, campaign: Campaign) -> NextYear:
    """The next year's round of `campaign` (obtained through a selector with `Action.MANAGE`)."""
    return NextYear(
        framework=latest_locked_version(campaign.framework),
        year=campaign.year + 1,
        title=next_title(campaign.title, campaign.year),
        self_deadline=shift_year(campaign.self_deadline),
        review_deadline=shift_year(campaign.review_deadline),
        school_count=campaign.assessments.count(),
    )


# --- comparison -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class YearFigure:
    """A school's result in one year: `percent` (`SideResult.percent`: points as a percentage of the
    declared total, compliance as the 达标指数 × 100) and its `basis`, "review" or "self"; both None
    when the school has no counted result that year (a draft, or not in the campaign)."""

    percent: Decimal | None
    basis: str | None
    assessment_id: int | None = None


NO_FIGURE = YearFigure(None, None)


def year_side(results: Results) -> SideResult | None:
    """The side a year counts for one school: the finalised review, else the submitted self
    result, else none (its dimensions give the school PDF's 「与上年对比」)."""
    if results.review is not None:
        return results.review
    if results.self_counted:
        return results.self
    return None


def year_figure(results: Results) -> YearFigure:
    """The figure a year counts for one school (`year_side`): its percent and basis."""
    side = year_side(results)
    if side is None:
        return YearFigure(None, None, results.assessment_id)
    return YearFigure(side.percent, REVIEW if side is results.review else SELF, results.assessment_id)


@dataclass(frozen=True)
class SchoolComparison:
    """One school in this year's and the previous year's round."""

    school_id: int
    school_code: str
    school_name: str
    district: str  # name of the school's region
    district_path: str
    this: YearFigure
    previous: YearFigure

    @property
    def change(self) -> Decimal | None:
        """this − previous, in percentage points; None unless both years have a figure."""
        if self.this.percent is None or self.previous.percent is None:
            return None
        return self.this.percent - self.previous.percent


@dataclass(frozen=True)
class Comparison:
    """`campaign` against its predecessor (`previous`, None when it has none), one row per school
    in either round under the region, in (district, school code) order."""

    campaign: Campaign
    previous: Campaign | None
    schools: tuple[SchoolComparison, ...]


def _figures(campaign: Campaign, region: Region) -> dict[int, YearFigure]:
    """school id → figure, for the schools of `campaign` under `region`."""
    school_of = dict(
        Assessment.objects.filter(campaign=campaign, school__region__path__startswith=region.path)
        .order_by()
        .values_list("pk", "school_id")
    )
    return {
        school_of[r.assessment_id]: year_figure(r)
        for r in campaign_results(campaign=campaign, region=region)
        if r.assessment_id in school_of
    }


def campaign_comparison(*, campaign: Campaign, region: Region | None = None) -> Comparison:
    """Compare `campaign` (obtained through a selector) with its predecessor for the schools under
    `region` (default: the campaign's region; the caller passes a region the user may view). Schools
    are matched by school; a school in only one round has None for the other."""
    region = region or campaign.region
    previous = campaign.predecessor
    this = _figures(campaign, region)
    before = _figures(previous, region) if previous is not None else {}
    schools = (
        Assessment.objects.filter(
            campaign_id__in=[c.pk for c in (campaign, previous) if c is not None],
            school__region__path__startswith=region.path,
        )
        .order_by("school__region__path", "school__code")
        .values_list(
            "school_id", "school__code", "school__name", "school__region__name", "school__region__path"
        )
        .distinct()
    )
    rows = tuple(
        SchoolComparison(
            school_id=pk,
            school_code=code,
            school_name=name,
            district=district,
            district_path=path,
            this=this.get(pk, NO_FIGURE),
            previous=before.get(pk, NO_FIGURE),
        )
        for pk, code, name, district, path in schools
    )
    return Comparison(campaign=campaign, previous=previous, schools=rows)


# --- on the pages ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class PreviousItem:
    """The same item in the school's previous-year assessment — through the correspondence of the
    two framework versions (`indicators.selectors.node_mapping`), so `code` is last year's code —:
    the school's value once that assessment was submitted, the reviewer's value and comment once
    its review was finalised (None / "" otherwise), as `selectors.results` gives them."""

    assessment: Assessment
    campaign: Campaign
    is_points: bool
    self_value: Decimal | str | None
    review_value: Decimal | str | None
    comment: str
    submitted: bool
    finalised: bool
    code: str = ""
    title: str = ""

    @property
    def suggestion(self) -> Decimal | str | None:
        """What the CIO is offered when confirming a carried item: last year's reviewed value once
        the review was finalised, else the school's own value once submitted."""
        return self.review_value if self.finalised and self.review_value is not None else self.self_value


def previous_assessment(*, user, assessment: Assessment) -> Assessment | None:
    """The school's assessment in the round `assessment`'s campaign follows, if the user may view it
    (the scope decides here too: nothing of another school's previous year is ever read)."""
    from .campaigns import assessment_list

    predecessor_id = assessment.campaign.predecessor_id
    if predecessor_id is None:
        return None
    return (
        assessment_list(user=user).filter(campaign_id=predecessor_id, school_id=assessment.school_id).first()
    )


def previous_items(*, user, assessment: Assessment) -> dict[str, PreviousItem]:
    """item code → the same item last year, for the school of `assessment` (empty without a
    predecessor or a previous assessment in the user's scope)."""
    previous = previous_assessment(user=user, assessment=assessment)
    if previous is None:
        return {}
    frame = results_frame(framework=previous.campaign.framework)
    results = assessment_results(assessment=previous, frame=frame)
    submitted = results.self_counted
    this_code = item_code_map(previous=previous.campaign.framework, this=assessment.campaign.framework)
    items = {}
    for item in results.items:
        code = this_code.get(item.code)
        if code is None:  # 已删除: the item has no counterpart this year
            continue
        items[code] = PreviousItem(
            assessment=previous,
            campaign=previous.campaign,
            is_points=results.is_points,
            self_value=item.self_value if submitted else None,
            review_value=item.review_value,
            comment=item.comment,
            submitted=submitted,
            finalised=results.review_counted,
            code=item.code,
            title=item.title,
        )
    return items


def item_code_map(*, previous: Framework, this: Framework) -> dict[str, str]:
    """last year's item code → this year's, through `node_mapping` (identity for one version)."""
    if previous.pk == this.pk:
        return {n.code: n.code for n in framework_nodes(framework=this)}
    old_code = {n.pk: n.code for n in framework_nodes(framework=previous)}
    new_code = {n.pk: n.code for n in framework_nodes(framework=this)}
    return {
        old_code[o]: new_code[n]
        for o, n in node_mapping(previous, this).items()
        if o in old_code and n in new_code
    }


def previous_item(*, user, assessment: Assessment, code: str) -> PreviousItem | None:
    return previous_items(user=user, assessment=assessment).get(code)


@dataclass(frozen=True)
class SchoolYear:
    """One of a school's assessments, with the figure its year counts for (see `year_figure`)."""

    assessment: Assessment
    figure: YearFigure
    results: Results


def school_years(*, user, school) -> list[SchoolYear]:
    """Every assessment of `school` the user may view, latest year first, with its result."""
    from .campaigns import assessment_list

    assessments = (
        assessment_list(user=user).filter(school=school).order_by("-campaign__year", "-campaign__created_at")
    )
    rows = []
    for a in assessments:
        results = assessment_results(assessment=a)
        rows.append(SchoolYear(assessment=a, figure=year_figure(results), results=results))
    return rows


@dataclass(frozen=True)
class DistrictYear:
    """A district's figures in one year of a comparison: how many schools have a figure, their mean
    percent, and how many of those rest on the finalised review."""

    district: str
    count: int
    reviewed: int
    mean: Decimal | None


def comparison_districts(comparison: Comparison) -> list[tuple[str, DistrictYear, DistrictYear]]:
    """Per district (in district order): (name, this year, previous year)."""
    groups: dict[str, list[SchoolComparison]] = {}
    for row in comparison.schools:
        groups.setdefault(row.district, []).append(row)

    def summary(name: str, figures: list[YearFigure]) -> DistrictYear:
        values = [f.percent for f in figures if f.percent is not None]
        mean = (sum(values) / len(values)).quantize(Decimal("0.1"), ROUND_HALF_UP) if values else None
        return DistrictYear(name, len(values), sum(f.basis == REVIEW for f in figures), mean)

    return [
        (name, summary(name, [r.this for r in rows]), summary(name, [r.previous for r in rows]))
        for name, rows in groups.items()
    ]


def comparison_regions(*, user, campaign: Campaign) -> list[Region]:
    """The regions whose schools the user compares in `campaign`: the campaign's region when the
    user reports on it, else the top-most regions under it that the user reports on."""
    from ..scoping import Action, get_scope
    from .organisations import region_list

    if get_scope(user).can(Action.REPORT, campaign.region):
        return [campaign.region]
    regions = sorted(
        region_list(user=user, action=Action.REPORT).filter(path__startswith=campaign.region.path),
        key=lambda r: r.path,
    )
    top: list[Region] = []
    for region in regions:
        if not any(region.path.startswith(t.path) for t in top):
            top.append(region)
    return top


def campaign_comparison_for(*, user, campaign: Campaign) -> Comparison:
    """`campaign_comparison` over the regions the user reports on (`comparison_regions`)."""
    rows: list[SchoolComparison] = []
    for region in comparison_regions(user=user, campaign=campaign):
        rows.extend(campaign_comparison(campaign=campaign, region=region).schools)
    return Comparison(campaign=campaign, previous=campaign.predecessor, schools=tuple(rows))


# --- carrying last year's answers forward ----------------------------------------------------------


@dataclass(frozen=True)
class CarryItem:
    """This year's response and last year's response of the same item (through the mapping).
    `filled`: this year already has a value or a statement, which carrying would replace."""

    response: ItemResponse
    previous: ItemResponse
    filled: bool


@dataclass(frozen=True)
class CarryPlan:
    """What 「从上年带入」 would take into `assessment` from the school's `previous` assessment: the
    items (in tree order) whose last-year response has a value or a statement and that were not
    carried from it yet, and how many of last year's facts this year has not recorded."""

    assessment: Assessment
    previous: Assessment
    items: list[CarryItem]
    facts: list[str]  # fact codes

    @property
    def fresh(self) -> list[CarryItem]:
        return [i for i in self.items if not i.filled]

    @property
    def filled(self) -> list[CarryItem]:
        return [i for i in self.items if i.filled]

    def get(self, code: str) -> CarryItem | None:
        return next((i for i in self.items if i.response.node.code == code), None)


def carry_plan(*, user, assessment: Assessment) -> CarryPlan | None:
    """The carry-forward plan of `assessment` (obtained through a selector) for `user`, or None when
    the campaign has no predecessor or the school no assessment there in the user's scope. Three
    queries besides the previous assessment and the framework nodes, whatever the framework's size."""
    previous = previous_assessment(user=user, assessment=assessment)
    if previous is None:
        return None
    mapping = node_mapping(previous.campaign.framework, assessment.campaign.framework)
    old_of = {new: old for old, new in mapping.items()}
    before = {
        r.node_id: r
        for r in ItemResponse.objects.filter(assessment_id=previous.pk).filter(ANSWERED | ~Q(statement=""))
    }
    items = []
    for response in (
        ItemResponse.objects.filter(assessment_id=assessment.pk)
        .select_related("node")
        .order_by("node__position")
    ):
        old = before.get(old_of.get(response.node_id))
        if old is None or response.carried_from_id == old.pk:
            continue
        response.assessment = assessment
        filled = response.is_answered or bool(response.statement.strip())
        items.append(CarryItem(response=response, previous=old, filled=filled))
    recorded = set(
        FactValue.objects.filter(assessment_id=assessment.pk, value__isnull=False).values_list(
            "fact__code", flat=True
        )
    )
    facts = [
        code
        for code in FactValue.objects.filter(
            assessment_id=previous.pk, value__isnull=False, source=FactSource.SCHOOL
        ).values_list("fact__code", flat=True)
        if code not in recorded
    ]
    return CarryPlan(assessment=assessment, previous=previous, items=items, facts=facts)


def carry_pending_count(*, assessment: Assessment) -> int:
    """How many items of `assessment` were carried forward and await the CIO's confirmation."""
    return ItemResponse.objects.filter(assessment_id=assessment.pk).carry_pending().count()


def carry_offer(*, user, assessment: Assessment, can_edit: bool) -> CarryPlan | None:
    """The carry-forward plan to offer on the CIO's pages: only on a draft the user may edit
    (`assessment_abilities(...).can_edit`) whose campaign has a predecessor; no query otherwise."""
    if (
        not can_edit
        or assessment.status != AssessmentStatus.DRAFT
        or assessment.campaign.predecessor_id is None
    ):
        return None
    return carry_plan(user=user, assessment=assessment)
