"""A school's results, read once and shaped the same for every output: the assessment page, the
dashboard, the city workbook, the school PDF and the API.

`assessment_results(assessment=…)` reads one assessment's responses (one query, or none when the
caller has them) and returns `Results`: the `self` and `review` sides (`indicators.scoring.
SideResult`: total, percentage, dimensions, compliance counts), one `ItemResult` per answerable item
and the reviewer's overall conclusion. `campaign_results(…)` streams the same `Results` for every
school of a region (the workbook). Both end in `results_compute`, which does no database access.

The rules every output follows, defined here and in `AssessmentStatus` / `Progress`:
- the review side exists only once the review is finalised (`AssessmentStatus.review_counted()`):
  before that no total, value, verdict or comment of the review leaves the review workbench, for
  anyone (the school, the commission, the PDF, the workbook, the API);
- self-assessment statistics and ranks count assessments submitted or later
  (`Results.self_counted`); review statistics and ranks count finalised ones (`Results.review`);
  a draft or a school that has not started appears only in the progress figures (`Results.progress`).

The callers pass an assessment (or a campaign and region) they obtained through a selector with the
user's scope: these functions read what they are given.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from fractions import Fraction
from typing import NamedTuple

from indicators.models import Framework
from indicators.outcomes import Outcome, official_outcome
from indicators.scoring import DimensionResult, ScoringTree, SideResult, round_once, side_result
from indicators.selectors import answerable_nodes, framework_nodes, scoring_tree

from ..models import (
    Acceptance,
    Assessment,
    AssessmentStatus,
    Campaign,
    ItemResponse,
    Progress,
    Region,
    ResultRule,
    ReviewVerdict,
)
from .designations import awarded_labels

#: the columns of a response that results are computed from, in this order
RESULT_COLUMNS = (
    "node_id",
    "self_score",
    "self_status",
    "review_verdict",
    "review_score",
    "review_status",
    "review_comment",
)
CHUNK_SIZE = 2000


@dataclass(frozen=True)
class ItemInfo:
    """An answerable item of the framework, as results show it."""

    node_id: int
    code: str
    title: str
    dimension: str  # code of its first-level dimension
    optional: bool
    max_points: Decimal | None  # points mode: the most a score may reach


@dataclass(frozen=True)
class ResultsFrame:
    """What results need of a framework, built once per framework (not per school)."""

    tree: ScoringTree
    items: tuple[ItemInfo, ...]  # in tree order
    by_node: dict[int, ItemInfo]

    @property
    def is_points(self) -> bool:
        return self.tree.is_points


# Frames of locked frameworks, each used only with the very scoring tree it was made from (which
# `indicators.selectors` keeps per process and forgets with the nodes): an unlocked framework's
# frame is made on every call.
_LOCKED_FRAMES: dict[tuple[int, str], ResultsFrame] = {}


def results_frame(*, framework: Framework) -> ResultsFrame:
    """The framework's frame (shared for a locked framework: callers must not change it)."""
    nodes = framework_nodes(framework=framework)
    tree = scoring_tree(framework=framework, nodes=nodes)
    if framework.locked_at is None:
        return _frame(tree, nodes)
    key = (framework.pk, framework.locked_at.isoformat())
    found = _LOCKED_FRAMES.get(key)
    if found is None or found.tree is not tree:
        found = _LOCKED_FRAMES[key] = _frame(tree, nodes)
    return found


def _frame(tree, nodes) -> ResultsFrame:
    items = tuple(
        ItemInfo(
            node_id=n.pk,
            code=n.code,
            title=n.title,
            dimension=tree.dimension_of[n.code],
            optional=n.optional,
            max_points=tree.score_max.get(n.code),
        )
        for n in answerable_nodes(tree=tree, nodes=nodes)
    )
    return ResultsFrame(tree=tree, items=items, by_node={i.node_id: i for i in items})


class ItemResult(NamedTuple):
    """One item: the school's value and, once the review is finalised, the reviewer's value, verdict
    and comment (before that `review_value`/`verdict` are None and `comment` is "")."""

    code: str
    title: str
    dimension: str
    optional: bool
    max_points: Decimal | None
    self_value: Decimal | str | None  # a score (points) or a `ComplianceStatus` value
    review_value: Decimal | str | None
    verdict: str | None  # a `ReviewVerdict` value
    comment: str

    @property
    def adjusted(self) -> bool:
        """The reviewer changed the school's value."""
        return self.verdict == ReviewVerdict.ADJUST

    @property
    def verdict_label(self) -> str:
        return str(ReviewVerdict(self.verdict).label) if self.verdict else ""


@dataclass(frozen=True)
class DimensionPair:
    """A dimension's self result beside its review result (None until the review is finalised)."""

    self: DimensionResult
    review: DimensionResult | None

    @property
    def difference(self) -> Decimal | None:
        """review − self, from the two figures as shown (rounded once each)."""
        if self.review is None or self.review.value is None or self.self.value is None:
            return None
        return self.review.value - self.self.value


@dataclass(frozen=True)
class Official:
    """The official result stored when the review was finalised: result percent (points: of the
    declared total; compliance: 达标指数 × 100), grade, pass / fail, the rule version's id and when."""

    percent: Decimal | None
    grade: str
    passed: bool | None
    rule_id: int | None
    at: datetime.datetime | None
    #: the city accepted it (市级验收): only then is the official result final
    final: bool = False

    @classmethod
    def of(cls, assessment: Assessment) -> Official | None:
        """The stored result of `assessment`, None when it has none (not finalised, or no rule)."""
        return cls.from_row(tuple(getattr(assessment, column) for column in OFFICIAL_COLUMNS))

    @classmethod
    def from_row(cls, row: Sequence) -> Official | None:
        """From the values of `OFFICIAL_COLUMNS`."""
        if row[3] is None:
            return None
        return cls(*row[:5], final=row[5] == Acceptance.ACCEPTED)

    @property
    def state_label(self) -> str:
        """待市级验收 or 已验收."""
        return str(Acceptance.ACCEPTED.label if self.final else Acceptance.PENDING.label)


#: the columns of an assessment that hold its official result, in `Official` order, then whether
#: the city accepted it
OFFICIAL_COLUMNS = (
    "result_percent",
    "result_grade",
    "result_passed",
    "result_rule_id",
    "result_at",
    "acceptance",
)


@dataclass(frozen=True)
class Results:
    """A school's results in one campaign. `self` is always there (a draft's is its live result);
    `review` only once the review is finalised. Whether a side counts in statistics is
    `self_counted` / `review_counted`; `progress` is the school's `Progress`."""

    assessment_id: int
    status: str
    scoring: str
    self: SideResult
    review: SideResult | None
    items: tuple[ItemResult, ...]
    conclusion: str  # 总体评审意见, "" until the review is finalised
    #: the official result stored at finalisation (None before, or when the campaign has no rule)
    official: Official | None = None

    @property
    def is_points(self) -> bool:
        return self.self.is_points

    @property
    def progress(self) -> Progress:
        return Progress.of(self.status, answered=self.self.answered > 0)

    @property
    def self_counted(self) -> bool:
        """Counted in self-assessment statistics and ranks (submitted or later)."""
        return self.status in AssessmentStatus.self_counted()

    @property
    def review_counted(self) -> bool:
        """Counted in review statistics and ranks (finalised): the same as having a review side."""
        return self.review is not None

    @property
    def dimensions(self) -> tuple[DimensionPair, ...]:
        review = {d.code: d for d in self.review.dimensions} if self.review else {}
        return tuple(DimensionPair(d, review.get(d.code)) for d in self.self.dimensions)

    @property
    def difference(self) -> Decimal | None:
        """review − self of the totals as shown (points, or percentage points)."""
        if self.review is None or self.review.value is None or self.self.value is None:
            return None
        return self.review.value - self.self.value

    @property
    def adjusted(self) -> tuple[ItemResult, ...]:
        """The items whose value the reviewer changed (empty until the review is finalised)."""
        return tuple(i for i in self.items if i.adjusted)

    def without_items(self) -> Results:
        """The same results without the per-item rows and without the scoring engine's result of
        every node (`engine` None on both sides), to keep many schools in memory: what is left is a
        few figures per school, whatever the framework's size."""
        review = None if self.review is None else replace(self.review, engine=None)
        return replace(self, items=(), self=replace(self.self, engine=None), review=review)


def results_compute(
    *,
    frame: ResultsFrame,
    assessment_id: int,
    status: str,
    conclusion: str,
    rows: Iterable[Sequence],
    official: Official | None = None,
) -> Results:
    """The results of one assessment from its response rows (tuples in `RESULT_COLUMNS` order;
    rows of nodes that are not items are ignored, items without a row are unanswered) and its
    stored official result (kept only once the review is finalised)."""
    is_points = frame.is_points
    final = status in AssessmentStatus.review_counted()
    values = {row[0]: row for row in rows}
    self_answers: dict[str, object] = {}
    review_answers: dict[str, object] = {}
    items = []
    for info in frame.items:
        row = values.get(info.node_id)
        if row is None:
            self_value = review_value = verdict = None
            comment = ""
        else:
            _node, self_score, self_status, verdict, review_score, review_status, comment = row
            self_value = self_score if is_points else self_status
            review_value = review_score if is_points else review_status
        if not final:
            review_value, verdict, comment = None, None, ""
        self_answers[info.code] = self_value
        review_answers[info.code] = review_value
        items.append(
            ItemResult(
                info.code,
                info.title,
                info.dimension,
                info.optional,
                info.max_points,
                self_value,
                review_value,
                verdict or None,
                comment or "",
            )
        )
    tree = frame.tree
    return Results(
        assessment_id=assessment_id,
        status=status,
        scoring=tree.scoring,
        self=side_result(tree, self_answers),
        review=side_result(tree, review_answers) if final else None,
        items=tuple(items),
        conclusion=(conclusion or "") if final else "",
        official=official if final else None,
    )


def _row(response: ItemResponse) -> tuple:
    return tuple(getattr(response, column) for column in RESULT_COLUMNS)


def assessment_results(
    *,
    assessment: Assessment,
    responses: Iterable[ItemResponse] | None = None,
    frame: ResultsFrame | None = None,
) -> Results:
    """The results of `assessment` (obtained through a selector, with its campaign and framework).
    One query for its responses, none when the caller passes them (`responses`, e.g. a workspace's)."""
    if frame is None:
        frame = results_frame(framework=assessment.campaign.framework)
    if responses is None:
        rows = ItemResponse.objects.filter(assessment_id=assessment.pk).values_list(*RESULT_COLUMNS)
    else:
        rows = [_row(r) for r in responses]
    return results_compute(
        frame=frame,
        assessment_id=assessment.pk,
        status=assessment.status,
        conclusion=assessment.review_conclusion,
        rows=rows,
        official=Official.of(assessment),
    )


def campaign_results(
    *,
    campaign: Campaign,
    region: Region,
    frame: ResultsFrame | None = None,
    chunk_size: int = CHUNK_SIZE,
) -> Iterator[Results]:
    """The results of every school of `campaign` under `region`, in (district, school code) order,
    streamed: responses are read as tuples in chunks and each school's `Results` is yielded as soon
    as its rows are complete, so memory holds one school at a time."""
    if frame is None:
        frame = results_frame(framework=campaign.framework)
    in_region = {"campaign_id": campaign.pk, "school__region__path__startswith": region.path}
    states = {
        row[0]: (row[1], row[2], Official.from_row(row[3:]))
        for row in Assessment.objects.filter(**in_region)
        .order_by()
        .values_list("pk", "status", "review_conclusion", *OFFICIAL_COLUMNS)
        .iterator(chunk_size=chunk_size)
    }
    responses = (
        ItemResponse.objects.filter(**{f"assessment__{k}": v for k, v in in_region.items()})
        .order_by("assessment__school__region__path", "assessment__school__code", "node__position")
        .values_list("assessment_id", *RESULT_COLUMNS)
    )
    current, rows = None, []

    def finish():
        state = states.get(current)
        if state is None:  # a school moved into the region between the two reads
            return None
        return results_compute(
            frame=frame,
            assessment_id=current,
            status=state[0],
            conclusion=state[1],
            rows=rows,
            official=state[2],
        )

    for row in responses.iterator(chunk_size=chunk_size):
        if row[0] != current:
            if current is not None and (result := finish()) is not None:
                yield result
            current, rows = row[0], []
        rows.append(row[1:])
    if current is not None and (result := finish()) is not None:
        yield result


# --- the official result: the campaign's rule and what it decides ---------------------------------


def current_rule(campaign: Campaign) -> ResultRule | None:
    """The campaign's rule in force: its latest version (None: no rule set yet)."""
    return ResultRule.objects.filter(campaign_id=campaign.pk).order_by("-version").first()


def rule_versions(campaign: Campaign) -> list[ResultRule]:
    """Every version of the campaign's rule, the latest first, with who set it."""
    return list(
        ResultRule.objects.filter(campaign_id=campaign.pk).select_related("created_by").order_by("-version")
    )


def rule_locked(campaign: Campaign) -> bool:
    """The rule is locked once a school of the campaign has been finalised (now, or before a
    reopening): from then on a change is a new version with a reason."""
    if Assessment.objects.filter(campaign_id=campaign.pk, status=AssessmentStatus.FINALISED).exists():
        return True
    return Assessment.history.filter(campaign_id=campaign.pk, status=AssessmentStatus.FINALISED).exists()


def results_outcome(*, results: Results, frame: ResultsFrame, rule: ResultRule) -> Outcome | None:
    """What `rule` decides for `results`: computed from the reviewed side, the same `SideResult`
    every page shows (None while the review is not finalised)."""
    if results.review is None:
        return None
    return official_outcome(tree=frame.tree, side=results.review, rule=rule.spec())


def designations_of(assessment_ids: Iterable[int]) -> dict[int, list[str]]:
    """The names of the designations (达标命名, 示范校) awarded to each assessment that count (the
    school's official result stands as passed)."""
    return awarded_labels(assessment_ids)


@dataclass(frozen=True)
class SchoolOutcome:
    """One school's line of a campaign's result table."""

    assessment_id: int
    school_code: str
    school_name: str
    district: str  # the school's region code
    status: str
    self_percent: Decimal | None
    review_percent: Decimal | None  # once finalised
    official: Official | None  # once finalised under a rule
    designations: tuple[str, ...]


@dataclass(frozen=True)
class CampaignOutcomes:
    """A campaign's result table: the rule in force and every school's self, review and official
    result; `counted` are the finalised schools, `passed` those of them that passed."""

    campaign: Campaign
    rule: ResultRule | None
    schools: tuple[SchoolOutcome, ...]

    @property
    def counted(self) -> int:
        return sum(1 for s in self.schools if s.status == AssessmentStatus.FINALISED)

    @property
    def passed(self) -> int:
        return sum(1 for s in self.schools if s.official is not None and s.official.passed)

    @property
    def share(self) -> Decimal | None:
        """passed / counted, rounded half up to three decimals (0.808); None without a counted school."""
        if not self.counted:
            return None
        return round_once(Fraction(self.passed, self.counted), step=Decimal("0.001"))


class OutcomeFigures(NamedTuple):
    """What a school's line of a campaign's result table takes from its `Results`: a caller that
    keeps many schools (the workbook) keeps these few figures instead of the `Results`."""

    assessment_id: int
    status: str
    self_percent: Decimal | None
    review_percent: Decimal | None
    official: Official | None

    @classmethod
    def of(cls, results: Results) -> OutcomeFigures:
        review = results.review
        return cls(
            results.assessment_id,
            results.status,
            results.self.percent,
            review.percent if review is not None else None,
            results.official,
        )


def campaign_outcomes(
    *,
    campaign: Campaign,
    frame: ResultsFrame | None = None,
    results: Iterable[Results | OutcomeFigures] | None = None,
) -> CampaignOutcomes:
    """Every school of `campaign` (obtained through a selector) with its results, from the one
    results function: the self and review percentages as every page shows them, and the official
    result stored at finalisation. A caller that computed the results already (the workbook) passes
    them, as `Results` or as their `OutcomeFigures`: only their schools are listed then."""
    schools = {
        pk: (code, name, district)
        for pk, code, name, district in Assessment.objects.filter(campaign_id=campaign.pk).values_list(
            "pk", "school__code", "school__name", "school__region__code"
        )
    }
    if results is None:
        frame = frame or results_frame(framework=campaign.framework)
        results = campaign_results(campaign=campaign, region=campaign.region, frame=frame)
    figures = [
        r if isinstance(r, OutcomeFigures) else OutcomeFigures.of(r)
        for r in results
        if r.assessment_id in schools
    ]
    designations = designations_of([r.assessment_id for r in figures])
    rows = []
    for r in figures:
        code, name, district = schools[r.assessment_id]
        rows.append(
            SchoolOutcome(
                assessment_id=r.assessment_id,
                school_code=code,
                school_name=name,
                district=district,
                status=r.status,
                self_percent=r.self_percent,
                review_percent=r.review_percent,
                official=r.official,
                designations=tuple(designations.get(r.assessment_id, ())),
            )
        )
    rows.sort(key=lambda s: s.school_code)
    return CampaignOutcomes(campaign=campaign, rule=current_rule(campaign), schools=tuple(rows))
