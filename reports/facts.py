"""The school facts and the automatic checks in the reports.

- the city workbook's 「基础数据」 (one row per school, one column per fact) and 「自动校验」 (one row
  per school and rule) sheets, each a `<sheet>_columns` + `write_<sheet>` pair that
  `reports.workbook.city_workbook_write` adds; every school is evaluated once (about 2 ms);
- the dashboard's distributions of key facts per district (出口带宽, 生机比): `fact_distributions`;
- the school report's list of facts and rule results: `school_fact_report`.

Every result comes from the one evaluator (`indicators.rules.evaluate_rules`) through the same
inputs the pages use: the catalogue, the framework's rules, the assessment's values and the school's
type (from the school).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assessments.models import Assessment, FactValue, ItemResponse
from assessments.selectors.facts import (
    CLAIMED,
    asked_fact_codes,
    assessment_fact_checks,
    fact_data,
    fact_records,
    rule_owners,
)
from indicators.facts import FactSpec
from indicators.models import FactKind, Severity
from indicators.rules import RuleSpec, RuleStatus, evaluate_rules, rule_fact_codes
from indicators.selectors import answerable_nodes, fact_catalogue, framework_nodes, rule_specs, scoring_tree

from . import charts
from .xlsx import Column, Sheet

if TYPE_CHECKING:
    from .workbook import CityData

FACTS = gettext_lazy("基础数据")
CHECKS = gettext_lazy("自动校验")
SEVERITY_LABEL = {k: str(v) for k, v in Severity.choices}
#: verdicts kept per rule for equal inputs; a rule reading many distinct values starts afresh when
#: it has this many, so the memory stays flat in the number of schools
VERDICTS_KEPT = 4096
#: the order of the workbook's rows (`reports.workbook.city_data`), for reads that follow it
SCHOOL_ORDER = ("assessment__school__region__path", "assessment__school__code", "assessment_id")


# --- the workbook ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _CityFacts:
    catalogue: dict[str, FactSpec]
    rules: list[RuleSpec]
    codes: list[str]  # the sheet's fact columns: what the rules read, and the basics


def _city_facts(city: CityData) -> _CityFacts:
    catalogue = fact_catalogue()
    rules = rule_specs(framework=city.campaign.framework)
    codes = asked_fact_codes(rules=rules, catalogue=catalogue)
    return _CityFacts(catalogue, rules, codes)


def _by_school(city: CityData, rows: Iterable[tuple]) -> Iterator[tuple[int, list[tuple]]]:
    """Every school of `city.meta`, in its order, with its rows of `rows` (tuples whose first value
    is the assessment id, read in `SCHOOL_ORDER`) without that id: one school's rows at a time, so
    a sheet streams them instead of holding the whole region's."""
    position = {pk: i for i, pk in enumerate(city.meta)}
    rows = iter(rows)
    ahead = next(rows, None)
    for i, pk in enumerate(city.meta):
        own = []
        while ahead is not None:
            at = position.get(ahead[0], -1)
            if at > i:  # a later school's
                break
            if at == i:
                own.append(ahead[1:])
            # else a school that is not in the sheet (moved into the region between the reads)
            ahead = next(rows, None)
        yield pk, own


def _values(city: CityData) -> Iterator[tuple[int, dict[str, tuple[Decimal | None, bool]]]]:
    """(assessment id, fact code → (value, doubtful)) for every school of the region, in the
    workbook's order, streamed in chunks."""
    rows = (
        FactValue.objects.filter(
            assessment__campaign_id=city.campaign.pk,
            assessment__school__region__path__startswith=city.region.path,
        )
        .order_by(*SCHOOL_ORDER)
        .values_list("assessment_id", "fact__code", "value", "doubtful")
    )
    for pk, own in _by_school(city, rows.iterator(chunk_size=city.chunk_size)):
        yield pk, {code: (value, doubtful) for code, value, doubtful in own}


def _cell(spec: FactSpec, value: Decimal | None):
    """A fact's cell: a number, or the text of a 是/否 or graded value."""
    if value is None:
        return None
    if spec.kind in (FactKind.BOOL, FactKind.CHOICE):
        return spec.text(FactValue.typed(spec, value))
    return FactValue.typed(spec, value)


def facts_columns(city: CityData) -> list[Column]:
    facts = _city_facts(city)
    number = {FactKind.INTEGER: "0", FactKind.DECIMAL: "0.##", FactKind.PERCENT: "0.##"}
    return [
        Column(_("区县"), 12),
        Column(_("学校标识码"), 13),
        Column(_("学校"), 28),
        Column(_("学校类型"), 10),
        *[
            Column(facts.catalogue[code].title, 12, number.get(facts.catalogue[code].kind))
            for code in facts.codes
        ],
        Column(_("已填项数"), 9, "0"),
        Column(_("评审存疑"), 24),
    ]


def write_facts(sheet: Sheet, city: CityData, results) -> None:
    """One row per school of the region: every fact the framework's checks read, and the basics."""
    from .workbook import TYPE_LABEL

    facts = _city_facts(city)
    types = {value: str(label) for value, label in TYPE_LABEL.items()}
    specs = [facts.catalogue[code] for code in facts.codes]
    texts: dict[tuple[str, Decimal], str] = {}  # a 是/否 or graded value's text, made once
    for pk, own in _values(city):
        m = city.meta[pk]
        cells = []
        for spec in specs:
            value = own.get(spec.code, (None, False))[0]
            if value is not None and spec.kind in (FactKind.BOOL, FactKind.CHOICE):
                key = (spec.code, value)
                if key not in texts:
                    texts[key] = _cell(spec, value)
                cells.append(texts[key])
            else:
                cells.append(_cell(spec, value))
        doubtful = [
            facts.catalogue[code].label for code in facts.catalogue if own.get(code, (None, False))[1]
        ]
        sheet.append(
            [
                m.district,
                m.code,
                m.name,
                types.get(m.school_type, m.school_type),
                *cells,
                sum(1 for value, _d in own.values() if value is not None),
                _("、").join(doubtful) or None,
            ]
        )


def checks_columns(city: CityData) -> list[Column]:
    return [
        Column(_("区县"), 12),
        Column(_("学校标识码"), 13),
        Column(_("学校"), 26),
        Column(_("条目"), 10),
        Column(_("规则"), 22),
        Column(_("条款原文"), 36),
        Column(_("程度"), 9),
        Column(_("结果"), 9),
        Column(_("说明"), 50),
        Column(_("自评达标或满分"), 9),
        Column(_("自评与校验不符"), 9),
    ]


def write_checks(sheet: Sheet, city: CityData, results) -> None:
    """One row per school and rule: the verdict with the numbers used, and whether the school claims
    达标 / full marks on an item the rule contradicts. Each school is evaluated once."""
    facts = _city_facts(city)
    if not facts.rules:
        return
    framework = city.campaign.framework
    nodes = framework_nodes(framework=framework)
    items = [
        n.code for n in answerable_nodes(tree=scoring_tree(framework=framework, nodes=nodes), nodes=nodes)
    ]
    owners = rule_owners(facts.rules, items)
    claims = _by_school(
        city,
        ItemResponse.objects.filter(
            assessment__campaign_id=city.campaign.pk,
            assessment__school__region__path__startswith=city.region.path,
        )
        .filter(CLAIMED)
        .order_by(*SCHOOL_ORDER)
        .values_list("assessment_id", "node__code")
        .iterator(chunk_size=city.chunk_size),
    )
    yes, no = _("是"), _("否")
    and_ = _("、")
    verdicts = {status: status.label for status in RuleStatus}
    # the cells of each rule that are the same for every school
    fixed = [
        (
            and_.join(owned) or rule.node,
            rule.code,
            rule.clause,
            SEVERITY_LABEL.get(rule.severity, rule.severity),
        )
        for rule, owned in zip(facts.rules, owners, strict=True)
    ]
    # A rule's verdict depends only on the school's type and the facts the rule reads: evaluated once
    # for each distinct set of them (many schools share one), by the same evaluator as the pages.
    reads = [rule_fact_codes([rule], facts.catalogue) for rule in facts.rules]
    found: list[dict[tuple, tuple[str, str, bool]]] = [{} for _rule in facts.rules]
    for (pk, own), (_pk, claimed_rows) in zip(_values(city), claims, strict=True):
        m = city.meta[pk]
        own = {code: value for code, (value, _d) in own.items() if code in facts.catalogue}
        keys = [(m.school_type, *(own.get(code) for code in codes)) for codes in reads]
        missing = [i for i, key in enumerate(keys) if key not in found[i]]
        if missing:
            typed = {
                code: FactValue.typed(facts.catalogue[code], value)
                for code, value in own.items()
                if value is not None
            }
            results = evaluate_rules(
                [facts.rules[i] for i in missing],
                facts=typed,
                school_type=m.school_type,
                catalogue=facts.catalogue,
            )
            for i, result in zip(missing, results, strict=True):
                if len(found[i]) >= VERDICTS_KEPT:
                    found[i].clear()
                found[i][keys[i]] = (verdicts[result.status], result.detail, result.failed)
        claimed = {code for (code,) in claimed_rows}
        for i, (owner, code, clause, severity) in enumerate(fixed):
            status, detail, failed = found[i][keys[i]]
            claim = any(c in claimed for c in owners[i])
            sheet.append(
                [
                    m.district,
                    m.code,
                    m.name,
                    owner,
                    code,
                    clause,
                    severity,
                    status,
                    detail,
                    yes if claim else no,
                    yes if claim and failed else None,
                ]
            )


# --- the dashboard ---------------------------------------------------------------------------------

UPLINK_BANDS = [
    (Decimal(100), "<100M"),
    (Decimal(500), "100–499M"),
    (Decimal(1000), "500–999M"),
    (None, "≥1000M"),
]
RATIO_BANDS = [
    (Decimal(5), "≤5:1"),
    (Decimal(6), "5–6:1"),
    (Decimal(7), "6–7:1"),
    (Decimal(10), "7–10:1"),
    (None, ">10:1"),
]
GOOD_TO_BAD = ["#dc3545", "#fd7e14", "#ffc107", "#198754"]
BAD_TO_GOOD = ["#198754", "#20c997", "#ffc107", "#fd7e14", "#dc3545"]
MISSING_COLOR = "#adb5bd"


def _band(value: Decimal, bands, *, inclusive: bool) -> int:
    for i, (limit, _label) in enumerate(bands):
        if limit is None or value < limit or (inclusive and value == limit):
            return i
    return len(bands) - 1


@dataclass
class FactDistribution:
    """Per district: how many schools fall in each band of one key fact (last band: not recorded)."""

    title: str
    districts: list[str]
    bands: list[str]
    counts: list[list[int]]
    chart: str

    @property
    def recorded(self) -> int:
        return sum(sum(row[:-1]) for row in self.counts)


def fact_distributions(*, assessments: QuerySet[Assessment]) -> list[FactDistribution]:
    """出口带宽 and 生机比 (students ÷ student computers) per district, over `assessments` (already
    scoped to the user). Two queries whatever the number of schools."""
    district_of, paths = {}, {}
    for pk, name, path in assessments.order_by().values_list(
        "pk", "school__region__name", "school__region__path"
    ):
        district_of[pk] = name
        paths[name] = path
    names = sorted(paths, key=paths.__getitem__)  # in region order, like the dashboard's other charts
    raw: dict[int, dict[str, Decimal]] = defaultdict(dict)
    for assessment_id, code, value in FactValue.objects.filter(
        assessment__in=assessments.order_by().values("pk"),
        fact__code__in=("uplink_mbps", "students", "student_pcs"),
        value__isnull=False,
    ).values_list("assessment_id", "fact__code", "value"):
        raw[assessment_id][code] = value
    missing = _("未填")
    uplink = {name: [0] * (len(UPLINK_BANDS) + 1) for name in names}
    ratio = {name: [0] * (len(RATIO_BANDS) + 1) for name in names}
    for pk, district in district_of.items():
        own = raw.get(pk, {})
        if "uplink_mbps" in own:
            uplink[district][_band(own["uplink_mbps"], UPLINK_BANDS, inclusive=False)] += 1
        else:
            uplink[district][-1] += 1
        students, pcs = own.get("students"), own.get("student_pcs")
        if students is not None and pcs:
            ratio[district][_band(students / pcs, RATIO_BANDS, inclusive=True)] += 1
        else:
            ratio[district][-1] += 1
    out = []
    for title, bands, counts, colors in (
        (_("各区县出口带宽分布（学校数）"), UPLINK_BANDS, uplink, GOOD_TO_BAD),
        (_("各区县生机比分布（学生数 ÷ 学生用计算机数，学校数）"), RATIO_BANDS, ratio, BAD_TO_GOOD),
    ):
        labels = [label for _limit, label in bands] + [missing]
        rows = [counts[name] for name in names]
        out.append(
            FactDistribution(
                title=title,
                districts=names,
                bands=labels,
                counts=rows,
                chart=charts.stacked_bars(names, labels, rows, title=title, colors=[*colors, MISSING_COLOR]),
            )
        )
    return out


# --- the school report -------------------------------------------------------------------------------


@dataclass
class FactLine:
    label: str
    text: str
    source: str
    doubt: str


def school_fact_report(*, assessment: Assessment) -> dict:
    """The school report's facts (those the framework's checks read, and the basics) and every rule
    result with the numbers used. Three queries."""
    catalogue = fact_catalogue()
    records = fact_records(assessment=assessment)
    checks = assessment_fact_checks(assessment=assessment, catalogue=catalogue, records=records)
    values = fact_data(records, catalogue)
    codes = asked_fact_codes(
        rules=[c.spec for c in checks.checks], catalogue=catalogue, school_type=checks.school_type
    )
    lines = [
        FactLine(
            label=catalogue[code].title,
            text=catalogue[code].text(values.get(code), unit=False) if code in values else "—",
            source=records[code].get_source_display() if code in values else "",
            doubt=records[code].doubt_comment if code in records and records[code].doubtful else "",
        )
        for code in codes
    ]
    counts = checks.counts()
    return {
        "fact_lines": lines,
        "fact_checks": checks.checks,
        "fact_counts": counts,
        "fact_failed": counts[RuleStatus.FAIL.value],
        "fact_titles": checks.titles,
    }
