"""Reads of the school's facts and of the automatic checks computed from them.

Every check goes through the one evaluator (`indicators.rules.evaluate_rules`), which is pure: the
functions here only gather its inputs — the fact catalogue, the framework's rules, the assessment's
values and the school's type (from the school) — in a constant number of queries, and shape the
results for the pages:

- `fact_sheet`: the 「学校基本情况」 tab (the facts the framework's rules read, plus the basics);
- `assessment_fact_checks`: every rule's result, grouped under the items it concerns (the
  「自动校验」 panels of the item and review pages, the school report);
- `fact_claim_failures`: the items where the school claims 达标 / full marks while a rule fails
  (submission, the submit page);
- `fact_claim_flags`: the same for a page of the review queue, batched and cached.

A claim is 达标 on a compliance item, or a self-score of at least the item's points.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.core.cache import cache
from django.db.models import CharField, F, IntegerField, JSONField, Q, Value
from django.db.models.functions import Cast
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from indicators.choices import ComplianceStatus
from indicators.facts import FactSpec
from indicators.facts import FactValue as FactData
from indicators.levels import school_type_label
from indicators.models import FactDefinition, FactKind, Severity
from indicators.rules import (
    RuleError,
    RuleResult,
    RuleSpec,
    RuleStatus,
    compile_rule,
    evaluate_rules,
    results_by_item,
    rule_fact_codes,
)
from indicators.selectors import (
    FACT_SPEC_FIELDS,
    answerable_nodes,
    catalogue_of_rows,
    fact_catalogue,
    framework_nodes,
    rule_specs,
    rule_specs_by_framework,
    scoring_tree,
)
from smartcampus.db import CompiledQuery, Lru

from ..freshness import campaign_data_version
from ..models import Assessment, AssessmentStatus, FactValue, ItemResponse
from ..scoping import Action, get_scope
from .campaigns import MAX_ROWS, Change, _diff

logger = logging.getLogger(__name__)

#: facts every school is asked for, whatever the framework's rules read: the size of the school and
#: its equipment, which the reports compare across schools (出口带宽, 生机比)
BASIC_FACTS = (
    "students",
    "teachers",
    "staff",
    "classes",
    "ordinary_classrooms",
    "student_pcs",
    "teacher_pcs",
    "uplink_mbps",
)

#: a claim the automatic checks can contradict: 达标, or a self-score of at least the item's points
CLAIMED = Q(self_status=ComplianceStatus.MET) | Q(self_score__isnull=False, self_score__gte=F("node__points"))

STATUS_LOOK = {
    RuleStatus.PASS: ("✓", "text-success", "bi-check-circle-fill"),
    RuleStatus.FAIL: ("✗", "text-danger", "bi-x-circle-fill"),
    RuleStatus.UNKNOWN: ("?", "text-secondary", "bi-question-circle"),
    RuleStatus.NOT_APPLICABLE: ("—", "text-muted", "bi-dash-circle"),
}
SEVERITY_LABEL = dict(Severity.choices)


def is_claim(*, self_status: str | None, self_score: Decimal | None, points: Decimal | None) -> bool:
    """Whether an answer claims 达标 or full marks (the same rule as `CLAIMED`, for a loaded row)."""
    if self_status == ComplianceStatus.MET:
        return True
    return self_score is not None and points is not None and self_score >= points


# --- values -----------------------------------------------------------------------------------------


def fact_records(*, assessment: Assessment) -> dict[str, FactValue]:
    """The assessment's fact rows by fact code (one query), with or without a value."""
    return {
        record.fact.code: record
        for record in FactValue.objects.filter(assessment_id=assessment.pk).select_related("fact")
    }


def fact_data(records: Mapping[str, FactValue], catalogue: Mapping[str, FactSpec]) -> dict[str, FactData]:
    """The recorded values as the evaluator reads them (missing values left out)."""
    return {
        code: FactValue.typed(catalogue[code], record.value)
        for code, record in records.items()
        if record.value is not None and code in catalogue
    }


def fact_data_version(records: Iterable[FactValue]) -> int:
    """A number that grows with every change of the assessment's facts (rows are never deleted and
    every save increases a row's version): what cached results computed from them are keyed by."""
    return sum(record.version for record in records)


# --- checks -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Check:
    """One rule's result with what a page shows beside it: the quoted clause, the severity, the
    items it concerns and how the verdict looks."""

    result: RuleResult
    spec: RuleSpec
    items: tuple[str, ...]

    @property
    def status(self) -> str:
        return self.result.status.value

    @property
    def status_label(self) -> str:
        return self.result.status.label

    @property
    def symbol(self) -> str:
        return STATUS_LOOK[self.result.status][0]

    @property
    def css(self) -> str:
        return STATUS_LOOK[self.result.status][1]

    @property
    def icon(self) -> str:
        return STATUS_LOOK[self.result.status][2]

    @property
    def severity_label(self) -> str:
        return str(SEVERITY_LABEL.get(self.spec.severity, self.spec.severity))

    @property
    def failed(self) -> bool:
        return self.result.failed

    @property
    def unknown(self) -> bool:
        return self.result.status is RuleStatus.UNKNOWN

    @property
    def blocking(self) -> bool:
        return self.result.blocking

    @property
    def numbers(self):
        return self.result.numbers


@dataclass
class FactChecks:
    """Every rule of the assessment's framework evaluated on its facts."""

    assessment: Assessment
    school_type: str
    checks: list[Check]
    by_item: dict[str, list[Check]]
    values: dict[str, FactData]
    catalogue: dict[str, FactSpec]
    titles: dict[str, str] = field(default_factory=dict)  # item code → title

    def counts(self) -> dict[str, int]:
        out = {status.value: 0 for status in RuleStatus}
        for check in self.checks:
            out[check.status] += 1
        return out

    @property
    def failed(self) -> list[Check]:
        return [c for c in self.checks if c.failed]

    @property
    def ordered(self) -> list[Check]:
        """Failures first, then 无法判断, then the rest, each in tree order."""
        rank = {RuleStatus.FAIL: 0, RuleStatus.UNKNOWN: 1, RuleStatus.PASS: 2, RuleStatus.NOT_APPLICABLE: 3}
        return sorted(self.checks, key=lambda c: rank[c.result.status])


def _framework_items(framework) -> list:
    nodes = framework_nodes(framework=framework)
    return answerable_nodes(tree=scoring_tree(framework=framework, nodes=nodes), nodes=nodes)


# `rule_owners` by the rules' nodes and the item codes, all it reads
_OWNERS = Lru(256)


def rule_owners(rules: Iterable[RuleSpec], item_codes: list[str]) -> list[tuple[str, ...]]:
    """For each rule, the items it belongs to (the grouping of `results_by_item`, which reads only
    a result's `node`): the same for every school of a framework, so computed once per process for
    the same rule nodes and items."""
    rules = list(rules)
    key = (tuple(rule.node for rule in rules), tuple(item_codes))
    found = _OWNERS.get(key)
    if found is None:
        found = tuple(_rule_owners(rules, item_codes))
        _OWNERS.put(key, found)
    return list(found)


@dataclass(frozen=True, eq=False)
class _RuleAt:
    """A rule's node and its position (`results_by_item` reads only the node)."""

    node: str
    position: int


def _rule_owners(rules: list[RuleSpec], item_codes: list[str]) -> list[tuple[str, ...]]:
    owners: dict[int, list[str]] = defaultdict(list)
    placed = [_RuleAt(rule.node, i) for i, rule in enumerate(rules)]
    for code, found in results_by_item(placed, item_codes).items():
        for at in found:
            owners[at.position].append(code)
    return [tuple(owners[i]) for i in range(len(rules))]


def _checks(
    rules: list[RuleSpec], results: list[RuleResult], item_codes: list[str]
) -> tuple[list[Check], dict[str, list[Check]]]:
    owners = rule_owners(rules, item_codes)
    checks = [
        Check(result=result, spec=rule, items=owners[i])
        for i, (rule, result) in enumerate(zip(rules, results, strict=True))
    ]
    by_item: dict[str, list[Check]] = defaultdict(list)
    for check in checks:
        for code in check.items:
            by_item[code].append(check)
    return checks, dict(by_item)


def assessment_fact_checks(
    *,
    assessment: Assessment,
    catalogue: dict[str, FactSpec] | None = None,
    records: Mapping[str, FactValue] | None = None,
) -> FactChecks:
    """Every rule of the assessment's framework on its facts, grouped under the items. Three queries
    (catalogue, rules, values; fewer when the caller passes them), whatever the framework's size;
    the caller obtained `assessment` through a selector (campaign, framework and school loaded)."""
    framework = assessment.campaign.framework
    catalogue = fact_catalogue() if catalogue is None else catalogue
    rules = rule_specs(framework=framework)
    records = fact_records(assessment=assessment) if records is None else records
    values = fact_data(records, catalogue)
    school_type = assessment.school.school_type
    results = evaluate_rules(rules, facts=values, school_type=school_type, catalogue=catalogue)
    items = _framework_items(framework)
    checks, by_item = _checks(rules, results, [n.code for n in items])
    return FactChecks(
        assessment=assessment,
        school_type=school_type,
        checks=checks,
        by_item=by_item,
        values=values,
        catalogue=catalogue,
        titles={n.code: n.title for n in items},
    )


def _item_facts_query(assessment_id: int):
    """The fact catalogue and the school's recorded values in one statement: (position,
    *FACT_SPEC_FIELDS) per fact in display order, and (NULL, code, value as text, NULL, …) per
    recorded value."""

    def no_text():
        return Value(None, CharField())

    def no_json():
        return Cast(Value(None), JSONField())

    catalogue = FactDefinition.objects.order_by().values_list("position", *FACT_SPEC_FIELDS)
    values = (
        FactValue.objects.filter(assessment_id=assessment_id, value__isnull=False)
        .order_by()
        .values_list(
            Cast(Value(None), IntegerField()),
            "fact__code",
            Cast("value", CharField()),
            no_text(),
            no_text(),
            no_text(),
            no_json(),
            no_json(),
            no_text(),
        )
    )
    return catalogue.union(values, all=True).order_by("position", "code")


# the catalogue and the school's values as an item's checks read them, compiled once per process
_ITEM_FACTS = CompiledQuery(_item_facts_query)


def _item_facts(assessment_id: int) -> tuple[tuple[tuple, ...], tuple[tuple[str, Decimal], ...]]:
    """The catalogue's rows (as `catalogue_of_rows` takes them) and the school's values, (code,
    value) by code, from one query."""
    catalogue, values = [], []
    for position, *row in _ITEM_FACTS.rows(assessment_id):
        if position is None:
            values.append((row[0], Decimal(row[1])))
        else:
            catalogue.append(tuple(row))
    return tuple(catalogue), tuple(values)


# item checks evaluated before, by exactly what they were evaluated from (`item_fact_checks`)
_EVALUATED = Lru(1024)


def item_fact_checks(*, assessment: Assessment, code: str) -> list[Check]:
    """The checks of one item: `assessment_fact_checks(...).by_item.get(code, [])`, evaluating only
    the rules that concern the item (two queries: the framework's rules, and the catalogue with the
    school's values)."""
    framework = assessment.campaign.framework
    rules = rule_specs(framework=framework)
    owners = rule_owners(rules, [n.code for n in _framework_items(framework)])
    mine = [(rule, found) for rule, found in zip(rules, owners, strict=True) if code in found]
    # read even for an item without rules: a page runs the same queries whatever its item
    catalogue_rows, rows = _item_facts(assessment.pk)
    if not mine:  # nothing to evaluate (most items have no rule of their own)
        return []
    catalogue = catalogue_of_rows(catalogue_rows)
    school_type = assessment.school.school_type
    specs = tuple(rule for rule, _found in mine)
    # The evaluation is a pure function of the rules, the catalogue, the school's values and type
    # and the language of the messages. The rules and the catalogue are shared objects, named in
    # the key by identity: the entry holds them, so no other object can take their ids while it is
    # kept.
    key = (tuple(map(id, specs)), id(catalogue), rows, school_type, get_language())
    found = _EVALUATED.get(key)
    if found is None:
        values = {fact: FactValue.typed(catalogue[fact], value) for fact, value in rows if fact in catalogue}
        results = evaluate_rules(list(specs), facts=values, school_type=school_type, catalogue=catalogue)
        found = ((specs, catalogue), tuple(results))
        _EVALUATED.put(key, found)
    results = found[1]
    return [
        Check(result=result, spec=rule, items=found)
        for (rule, found), result in zip(mine, results, strict=True)
    ]


@dataclass(frozen=True)
class ClaimFailure:
    """The school claims 达标 / full marks on `item` while `check` fails."""

    item: str
    title: str
    check: Check

    @property
    def blocking(self) -> bool:
        return self.check.blocking


@dataclass
class SubmitChecks:
    """What the submit page lists: the claims that refuse the submission (a blocking rule fails on
    an item claimed 达标 / full marks), every other failure (listed, not refusing) and the claims
    that cannot be checked for missing facts."""

    refusing: list[ClaimFailure]
    advisory: list[Check]
    unchecked_claims: list[ClaimFailure]
    checks: FactChecks

    @property
    def any(self) -> bool:
        return bool(self.refusing or self.advisory or self.unchecked_claims)


def _claimed_items(*, assessment: Assessment) -> set[str]:
    return set(
        ItemResponse.objects.filter(assessment_id=assessment.pk)
        .filter(CLAIMED)
        .values_list("node__code", flat=True)
    )


def fact_submit_checks(*, assessment: Assessment) -> SubmitChecks:
    """The automatic checks as submission sees them (four queries)."""
    checks = assessment_fact_checks(assessment=assessment)
    claimed = _claimed_items(assessment=assessment)
    refusing, unchecked, advisory = [], [], []
    for check in checks.checks:
        claimed_here = [code for code in check.items if code in claimed]
        if check.failed and check.blocking and claimed_here:
            refusing += [ClaimFailure(code, checks.titles.get(code, ""), check) for code in claimed_here]
        elif check.failed:
            advisory.append(check)
        elif check.unknown and claimed_here:
            unchecked += [ClaimFailure(code, checks.titles.get(code, ""), check) for code in claimed_here]
    return SubmitChecks(refusing=refusing, advisory=advisory, unchecked_claims=unchecked, checks=checks)


def fact_claim_failures(*, assessment: Assessment) -> list[ClaimFailure]:
    """The claims a blocking rule contradicts: what refuses a submission."""
    return fact_submit_checks(assessment=assessment).refusing


# --- the review queue's badge -----------------------------------------------------------------------


@dataclass(frozen=True)
class ClaimFlag:
    """A claim of 达标 / full marks on `item` that rule `rule` contradicts (queue badge)."""

    item: str
    rule: str
    blocking: bool
    message: str


def _concerns(rule_node: str, item: str) -> bool:
    """Whether a rule on `rule_node` belongs to `item` (at or below it, or on a heading above it),
    the grouping of `results_by_item`."""
    return rule_node == item or rule_node.startswith(item + ".") or item.startswith(rule_node + ".")


def _claim_flags_compute(assessments: list[Assessment]) -> dict[int, list[ClaimFlag]]:
    """Three queries for any number of assessments: the catalogue, the rules of their frameworks, and
    the claimed items with the fact values. Only the rules concerning a claimed item are evaluated."""
    ids = [a.pk for a in assessments]
    catalogue = fact_catalogue()
    rules = rule_specs_by_framework(framework_ids={a.campaign.framework_id for a in assessments})
    # the claimed items and the fact values in one UNION: (assessment id, item or fact code, value)
    claimed_rows = (
        ItemResponse.objects.filter(assessment_id__in=ids)
        .filter(CLAIMED)
        .order_by()
        .values_list(
            "assessment_id", "node__code", Value(None, output_field=FactValue._meta.get_field("value"))
        )
    )
    fact_rows = (
        FactValue.objects.filter(assessment_id__in=ids, value__isnull=False)
        .order_by()
        .values_list("assessment_id", "fact__code", "value")
    )
    claims: dict[int, set[str]] = defaultdict(set)
    raw: dict[int, dict[str, Decimal]] = defaultdict(dict)
    for assessment_id, code, value in claimed_rows.union(fact_rows, all=True):
        if value is None:
            claims[assessment_id].add(code)
        else:
            raw[assessment_id][code] = value
    flags: dict[int, list[ClaimFlag]] = {}
    for assessment in assessments:
        claimed = sorted(claims[assessment.pk])
        relevant = [
            r for r in rules[assessment.campaign.framework_id] if any(_concerns(r.node, c) for c in claimed)
        ]
        if not relevant:
            flags[assessment.pk] = []
            continue
        values = {
            code: FactValue.typed(catalogue[code], value)
            for code, value in raw[assessment.pk].items()
            if code in catalogue
        }
        results = evaluate_rules(
            relevant, facts=values, school_type=assessment.school.school_type, catalogue=catalogue
        )
        flags[assessment.pk] = [
            ClaimFlag(item=code, rule=result.rule, blocking=result.blocking, message=result.message)
            for code, found in results_by_item(results, claimed).items()
            for result in found
            if result.failed
        ]
    return flags


def _cache_call(method: str, *args):
    """The cache is an optimisation: an unreachable cache is logged and treated as empty."""
    try:
        return getattr(cache, method)(*args)
    except Exception:
        logger.warning("fact check cache %s failed", method, exc_info=True)
        return None


def fact_claim_flags(*, assessments: Iterable[Assessment]) -> dict[int, list[ClaimFlag]]:
    """For each assessment (obtained through a selector: campaign and school loaded), the claims
    its facts contradict. Cached per (assessment, campaign data version, school type): every
    service that changes an answer or a fact bumps the campaign's data version, so a change shows
    on the next visit; a change of the rules or the catalogue shows within
    DASHBOARD_CACHE_SECONDS. Three queries on a cache miss, none on a hit."""
    assessments = list(assessments)
    if not assessments:
        return {}
    versions = {cid: campaign_data_version(cid) for cid in {a.campaign_id for a in assessments}}
    keys = {
        a.pk: f"fact-claims:{a.pk}:{versions[a.campaign_id]}:{a.school.school_type}"
        for a in assessments
        if versions[a.campaign_id] is not None
    }
    cached = _cache_call("get_many", list(keys.values())) or {}
    flags = {pk: cached[key] for pk, key in keys.items() if key in cached}
    missing = [a for a in assessments if a.pk not in flags]
    if missing:
        computed = _claim_flags_compute(missing)
        flags.update(computed)
        fresh = {keys[pk]: value for pk, value in computed.items() if pk in keys}
        if fresh:
            _cache_call("set_many", fresh, settings.DASHBOARD_CACHE_SECONDS)
    return flags


# --- the 「学校基本情况」 tab -----------------------------------------------------------------------


@dataclass
class FactField:
    """One fact on the tab: its catalogue entry, its row (None until first saved), the items whose
    checks read it, and whether the user may change it now."""

    spec: FactSpec
    record: FactValue | None
    used_by: list[str]
    editable: bool

    @property
    def code(self) -> str:
        return self.spec.code

    @property
    def version(self) -> int:
        return self.record.version if self.record else 0

    @property
    def value(self) -> FactData | None:
        return FactValue.typed(self.spec, self.record.value) if self.record else None

    @property
    def text(self) -> str:
        return self.spec.text(self.value)

    @property
    def input_value(self) -> str:
        """What the form shows: the number without trailing zeros, "true"/"false", or ""."""
        value = self.value
        if value is None:
            return ""
        if isinstance(value, bool):
            return "true" if value else "false"
        return f"{value:f}"

    @property
    def is_bool(self) -> bool:
        return self.spec.kind == FactKind.BOOL

    @property
    def is_choice(self) -> bool:
        return self.spec.kind == FactKind.CHOICE

    @property
    def inputmode(self) -> str:
        return "numeric" if self.spec.kind == FactKind.INTEGER else "decimal"

    @property
    def doubtful(self) -> bool:
        return bool(self.record and self.record.doubtful)

    @property
    def source_label(self) -> str:
        return self.record.get_source_display() if self.record and self.record.value is not None else ""


@dataclass(frozen=True)
class FactAbilities:
    """What the user may do on the tab now (scope and state)."""

    can_edit: bool  # the school's CIO, draft before the deadline (returned: the doubtful facts)
    can_doubt: bool  # a reviewer of the school, the review in progress
    can_read_doubts: bool  # reviewers and commission; the school once returned or finalised
    can_read_review: bool  # reviewers and commission: links go to the review pages


def fact_abilities(*, user, assessment: Assessment) -> FactAbilities:
    scope = get_scope(user)
    status = assessment.status
    read_review = scope.can(Action.READ_REVIEW, assessment)
    editable = status == AssessmentStatus.RETURNED or (
        status == AssessmentStatus.DRAFT and not assessment.deadline_passed()
    )
    return FactAbilities(
        can_edit=scope.can(Action.EDIT, assessment) and editable,
        can_doubt=scope.can(Action.REVIEW, assessment)
        and not scope.has_conflict(assessment)
        and assessment.is_reviewable_state,
        can_read_doubts=read_review or status in (AssessmentStatus.RETURNED, AssessmentStatus.FINALISED),
        can_read_review=read_review,
    )


@dataclass
class FactSheet:
    assessment: Assessment
    school_type: str
    fields: list[FactField]
    checks: FactChecks
    abilities: FactAbilities

    @property
    def school_type_label(self) -> str:
        return school_type_label(self.school_type)

    @property
    def filled(self) -> int:
        return sum(1 for f in self.fields if f.value is not None)

    @property
    def doubtful(self) -> list[FactField]:
        return [f for f in self.fields if f.doubtful]

    @property
    def by_code(self) -> dict[str, FactField]:
        return {f.code: f for f in self.fields}


def asked_fact_codes(
    *, rules: Iterable[RuleSpec], catalogue: Mapping[str, FactSpec], school_type: str | None = None
) -> list[str]:
    """The facts asked for, in catalogue order: every fact a rule of the framework reads
    (`rule_fact_codes`), plus the basics (those concerning the school's levels; without a school
    type, all of them)."""
    used = set(rule_fact_codes(rules, catalogue))
    return [
        code
        for code, spec in catalogue.items()
        if code in used or (code in BASIC_FACTS and (school_type is None or spec.applies_to(school_type)))
    ]


def fact_sheet(*, assessment: Assessment, user) -> FactSheet:
    """The tab: asked facts with their values, versions and doubts, and every check. Four queries."""
    catalogue = fact_catalogue()
    records = fact_records(assessment=assessment)
    checks = assessment_fact_checks(assessment=assessment, catalogue=catalogue, records=records)
    abilities = fact_abilities(user=user, assessment=assessment)
    used_by: dict[str, set[str]] = defaultdict(set)
    for check in checks.checks:
        try:
            compiled = compile_rule(check.spec, catalogue)
        except RuleError:
            continue
        for code in (*compiled.facts, *compiled.when_facts):
            used_by[code].update(check.items or (check.spec.node,))
    codes = asked_fact_codes(
        rules=[c.spec for c in checks.checks], catalogue=catalogue, school_type=checks.school_type
    )
    # A value recorded earlier (another framework's fact, the inventory) stays visible.
    codes += [code for code in catalogue if code in records and code not in codes]
    returned = assessment.status == AssessmentStatus.RETURNED
    fields = []
    for code in sorted(codes, key=list(catalogue).index):
        record = records.get(code)
        editable = abilities.can_edit and (not returned or bool(record and record.doubtful))
        fields.append(FactField(catalogue[code], record, sorted(used_by.get(code, ())), editable))
    return FactSheet(
        assessment=assessment,
        school_type=checks.school_type,
        fields=fields,
        checks=checks,
        abilities=abilities,
    )


FACT_FIELDS = [
    ("value", _("数值")),
    ("doubtful", _("存疑")),
    ("doubt_comment", _("存疑说明")),
]


def fact_changes(*, assessment: Assessment, catalogue: Mapping[str, FactSpec] | None = None) -> list[Change]:
    """Every recorded change of the assessment's facts, newest first (one query, plus the catalogue
    when not given): who, when, which fact, old and new value (as the fact reads: 是/否, 第二级…)."""
    catalogue = fact_catalogue() if catalogue is None else catalogue
    rows = list(
        FactValue.history.filter(assessment_id=assessment.pk)
        .select_related("history_user", "fact")
        .order_by("id", "history_date", "history_id")[:MAX_ROWS]
    )
    for row in rows:
        spec = catalogue.get(row.fact.code)
        if spec is not None:
            row.value = spec.text(FactValue.typed(spec, row.value)) if row.value is not None else None
        row.doubtful = _("是") if row.doubtful else None
    changes = _diff(
        rows,
        FACT_FIELDS,
        what=lambda r: catalogue[r.fact.code].label if r.fact.code in catalogue else r.fact.code,
        code_of=lambda r: r.fact.code,
    )
    changes.sort(key=lambda c: c.when, reverse=True)
    return changes
