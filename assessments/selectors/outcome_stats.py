"""Statistics of official results per district: how many finalised schools passed against the
target, the grades, the designations. Every output (dashboard, city workbook, `campaign_results`)
counts passes from `campaign_outcomes` through `outcome_groups`, so they cannot disagree."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from indicators.scoring import round_once

from ..models import AssessmentStatus, Region
from .results import CampaignOutcomes, SchoolOutcome


@dataclass(frozen=True)
class OutcomeGroup:
    """The official results of one district (or of every school in scope: `code` "")."""

    code: str
    name: str
    schools: int  # every school of the campaign in the group
    counted: int  # finalised
    passed: int  # finalised with a passing official result
    target: Decimal | None  # the share the rule aims at (the district's own, else the city's)
    grades: tuple[tuple[str, int], ...] = ()  # (grade, schools) in the rule's order
    designations: tuple[tuple[str, int], ...] = ()  # (name, schools awarded) in kind order

    @property
    def share(self) -> Decimal | None:
        """passed / counted, rounded half up to three decimals; None without a finalised school."""
        if not self.counted:
            return None
        return round_once(Fraction(self.passed, self.counted), step=Decimal("0.001"))

    @property
    def percent(self) -> Decimal | None:
        share = self.share
        return None if share is None else (share * 100).quantize(Decimal("0.1"))

    @property
    def target_percent(self) -> Decimal | None:
        return None if self.target is None else (Decimal(self.target) * 100).quantize(Decimal("1"))

    @property
    def met_target(self) -> bool | None:
        if self.target is None or self.share is None:
            return None
        return self.share >= Decimal(str(self.target))


@dataclass(frozen=True)
class OutcomeTable:
    districts: tuple[OutcomeGroup, ...]
    total: OutcomeGroup
    by_code: dict[str, OutcomeGroup] = field(default_factory=dict)


def _group(code: str, name: str, rows: list[SchoolOutcome], *, target, grades: list[str]) -> OutcomeGroup:
    finalised = [s for s in rows if s.status == AssessmentStatus.FINALISED]
    graded = Counter(s.official.grade for s in finalised if s.official is not None and s.official.grade)
    named = Counter(label for s in rows for label in s.designations)
    return OutcomeGroup(
        code=code,
        name=name,
        schools=len(rows),
        counted=len(finalised),
        passed=sum(1 for s in finalised if s.official is not None and s.official.passed),
        target=target,
        grades=tuple((g, graded.get(g, 0)) for g in grades),
        designations=tuple(sorted(named.items())),
    )


def outcome_groups(
    *, outcomes: CampaignOutcomes, assessment_ids: Iterable[int] | None = None
) -> OutcomeTable:
    """Per district (the schools' regions, in path order) and in total, over the schools of
    `outcomes` — only those of `assessment_ids` when given (a user's scope). One query (names)."""
    keep = None if assessment_ids is None else set(assessment_ids)
    rows = [s for s in outcomes.schools if keep is None or s.assessment_id in keep]
    rule = outcomes.rule
    grades = [g["label"] for g in rule.grades] if rule is not None else []
    city_target = rule.target_share if rule is not None else None
    district_targets = (rule.district_targets or {}) if rule is not None else {}
    by_district: dict[str, list[SchoolOutcome]] = {}
    for s in rows:
        by_district.setdefault(s.district, []).append(s)
    regions = Region.objects.filter(code__in=list(by_district)).order_by("path").values_list("code", "name")
    districts = []
    for code, name in regions:
        target = district_targets.get(code, city_target)
        target = None if target is None else Decimal(str(target))
        districts.append(_group(code, name, by_district[code], target=target, grades=grades))
    total = _group(
        "",
        outcomes.campaign.region.name,
        rows,
        target=None if city_target is None else Decimal(str(city_target)),
        grades=grades,
    )
    return OutcomeTable(districts=tuple(districts), total=total, by_code={d.code: d for d in districts})
