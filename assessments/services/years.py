"""Writes of the year-over-year slice: a campaign copied as the next year's round, and last year's
answers carried forward into this year's draft.

The copy names its source as `predecessor`, so comparisons (`selectors.years`) know which round
came before; the source is never changed. A carry-forward copies statements and facts here and asks
the apps that keep more per response (evidence) through settings.CARRY_FORWARD_HANDLERS, in the
same transaction; values are never copied, the CIO confirms each carried item.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from indicators.selectors import fact_catalogue
from indicators.services import framework_lock
from smartcampus.errors import Conflict, Invalid, Refused

from ..freshness import campaign_data_changed
from ..models import Assessment, AssessmentStatus, Campaign, FactValue, ItemResponse, School
from ..scoping import Action, get_scope
from ..selectors.years import CarryPlan, NextYear, campaign_next_year, carry_plan
from .campaigns import (
    AssessmentLocked,
    ResponseConflict,
    _assessments_create,
    _require_commission,
    response_update,
)
from .facts import fact_values_set
from .results import rule_copy


@transaction.atomic
def campaign_copy_next_year(*, campaign: Campaign, acting_user) -> Campaign:
    """Create next year's round of `campaign`: the latest locked version of the same framework
    code, the same region and schools, the same review rules (second review, consolidation) and
    result rule, deadlines shifted by one year and the year in the title advanced; the new campaign's
    `predecessor` is `campaign`. A campaign that already has a successor is not copied again
    (409 `has_successor`)."""
    _require_commission(user=acting_user, region=campaign.region)
    campaign = (
        Campaign.objects.select_for_update(of=("self",))
        .select_related("framework", "region")
        .get(pk=campaign.pk)
    )
    if campaign.successors.exists():
        raise Conflict(
            _("“%(title)s”已有下一年度活动，不能再次复制。") % {"title": campaign.title},
            code="has_successor",
        )
    plan: NextYear = campaign_next_year(campaign=campaign)
    if plan.year > 2100:
        raise Invalid(_("年度超出范围。"), code="year", fields={"year": [_("年度超出范围。")]})
    successor = Campaign(
        framework=plan.framework,
        year=plan.year,
        title=plan.title,
        region=campaign.region,
        self_deadline=plan.self_deadline,
        review_deadline=plan.review_deadline,
        second_review=campaign.second_review,
        consolidation=campaign.consolidation,
        predecessor=campaign,
        created_by=acting_user,
    )
    successor._history_user = acting_user
    successor._change_reason = _("复制自“%(title)s”") % {"title": campaign.title}
    successor.full_clean()
    successor.save()
    framework_lock(framework=plan.framework)
    schools = list(School.objects.filter(assessments__campaign=campaign).select_related("region"))
    _assessments_create(campaign=successor, schools=schools)
    rule_copy(source=campaign, campaign=successor, acting_user=acting_user)
    return successor


@transaction.atomic
def campaign_predecessor_set(*, campaign: Campaign, predecessor: Campaign | None, acting_user) -> Campaign:
    """Name (or clear) the round `campaign` follows; validated by `Campaign.clean` (same framework
    code, earlier year, same or enclosing region)."""
    _require_commission(user=acting_user, region=campaign.region)
    campaign = Campaign.objects.select_for_update(of=("self",)).get(pk=campaign.pk)
    if campaign.predecessor_id == (predecessor.pk if predecessor else None):
        return campaign
    campaign.predecessor = predecessor
    campaign._history_user = acting_user
    campaign._change_reason = _("设置上一年度活动")
    campaign.full_clean()
    campaign.save(update_fields=["predecessor"])
    return campaign


# --- carrying last year's answers forward ----------------------------------------------------------


@dataclass(frozen=True)
class CarryOutcome:
    """What a carry-forward took into this year's draft."""

    items: int
    evidence: int
    facts: int
    facts_skipped: bool = False  # last year's facts did not pass this year's checks: none taken


def _carry_assert_allowed(*, assessment: Assessment, acting_user) -> None:
    """Carrying forward fills a draft: the school's CIO, before the deadline (a returned assessment
    takes changes on the items sent back only, never a carry-forward)."""
    if not get_scope(acting_user).can(Action.EDIT, assessment):
        raise Refused(_("只有本校的信息化负责人可以带入上年内容。"), code="not_cio")
    if assessment.status != AssessmentStatus.DRAFT:
        raise AssessmentLocked(
            _("自评%(status)s，不能再带入上年内容。") % {"status": assessment.get_status_display()},
            code="submitted",
        )
    if assessment.deadline_passed(timezone.now()):
        raise AssessmentLocked(
            _("自评截止时间（%(deadline)s）已过，不能再修改。如需延期，请联系教委。")
            % {"deadline": timezone.localtime(assessment.deadline).strftime("%Y-%m-%d %H:%M")},
            code="deadline",
        )


def _carry_facts(*, plan: CarryPlan, acting_user) -> tuple[int, bool]:
    """Record last year's school-typed facts that this year has not recorded. Checked with this
    year's values like any entry; when they do not pass, none is taken (and the rest goes on)."""
    if not plan.facts:
        return 0, False
    catalogue = fact_catalogue()
    rows = FactValue.objects.filter(assessment_id=plan.previous.pk, fact__code__in=plan.facts).select_related(
        "fact"
    )
    values = {
        r.fact.code: FactValue.typed(catalogue[r.fact.code], r.value)
        for r in rows
        if r.fact.code in catalogue
    }
    versions = dict(
        FactValue.objects.filter(assessment_id=plan.assessment.pk, fact__code__in=values).values_list(
            "fact__code", "version"
        )
    )
    try:
        with transaction.atomic():
            fact_values_set(
                assessment=plan.assessment,
                values=values,
                acting_user=acting_user,
                versions={code: versions.get(code, 0) for code in values},
            )
    except Invalid:
        return 0, True
    return len(values), False


def _carry(*, plan: CarryPlan, versions: Mapping[str, int], overwrite: bool, acting_user) -> tuple[int, int]:
    """Carry the items of `plan` named in `versions` (code → the version the CIO saw); returns
    (items, evidence files and links)."""
    chosen = {}
    for code, version in versions.items():
        item = plan.get(code)
        if item is None:
            raise Conflict(
                _("条目 %(code)s 已无可带入的上年内容（可能已在其他窗口带入），请刷新后再试。")
                % {"code": code},
                code="carry_changed",
            )
        chosen[item.response.pk] = (item, version)
    locked = {
        r.pk: r
        for r in ItemResponse.objects.select_for_update(of=("self",))
        .select_related("node")
        .filter(pk__in=chosen)
        .order_by("pk")
    }
    filled = []
    for pk, (_item, version) in chosen.items():
        current = locked[pk]
        current.assessment = plan.assessment
        try:
            given = int(version)
        except (TypeError, ValueError):
            given = -1
        if given != current.version:
            raise ResponseConflict(
                _(
                    "条目 %(code)s 已在其他窗口或由他人修改（当前为第 %(v)d 版），未带入任何内容。"
                    "请刷新后再试。"
                )
                % {"code": current.node.code, "v": current.version},
                current=current,
            )
        if current.is_answered or current.statement.strip():
            filled.append(current.node.code)
    if filled and not overwrite:
        raise Conflict(
            _("以下条目本年已填写，确认覆盖后才能带入：%(codes)s") % {"codes": _("、").join(filled[:20])},
            code="filled",
            extra={"filled": filled},
        )
    now = timezone.now()
    pairs = []
    for pk, (item, _version) in chosen.items():
        current = locked[pk]
        current.statement = item.previous.statement
        current.self_score = None
        current.self_status = None
        current.carried_from = item.previous
        current.confirmed_at = None
        current.version += 1
        current.updated_by = acting_user
        current.updated_at = now
        current._history_user = acting_user
        current._change_reason = _("从上年带入（待确认）")
        current.full_clean(
            exclude=["assessment", "node", "updated_by", "carried_from"], validate_unique=False
        )
        current.save(
            update_fields=[
                "statement",
                "self_score",
                "self_status",
                "carried_from",
                "confirmed_at",
                "version",
                "updated_by",
                "updated_at",
            ]
        )
        pairs.append((item.previous, current))
    evidence = 0
    for path in getattr(settings, "CARRY_FORWARD_HANDLERS", ()):
        evidence += import_string(path)(pairs=pairs, acting_user=acting_user) or 0
    return len(pairs), evidence


def _carry_lock(*, assessment: Assessment, acting_user) -> tuple[Assessment, CarryPlan]:
    assessment = (
        Assessment.objects.select_for_update(of=("self",))
        .select_related("campaign__framework", "campaign__predecessor", "school__region")
        .get(pk=assessment.pk)
    )
    _carry_assert_allowed(assessment=assessment, acting_user=acting_user)
    plan = carry_plan(user=acting_user, assessment=assessment)
    if plan is None:
        raise Conflict(_("本校没有上一年度的自评，无可带入的内容。"), code="no_previous")
    return assessment, plan


@transaction.atomic
def assessment_carry_forward(
    *,
    assessment: Assessment,
    acting_user,
    versions: Mapping[str, int],
    overwrite: bool = False,
    facts: bool = True,
) -> CarryOutcome:
    """Take last year's statements, evidence (the same library files, and the web links) and facts
    into this year's draft: the items named in `versions` (item code → the version the CIO saw;
    a newer row refuses the whole carry), and with `facts` the facts this year has not recorded.

    Scores and statuses are never copied: each carried item is 待确认 (`carried_from` set, no value)
    and counts as unanswered until the CIO confirms it with a value (`response_carry_confirm`, or
    the autosave). An item already filled this year (a value or a statement) is replaced only with
    `overwrite` (409 `filled` otherwise). Recorded in each row's history; all or nothing."""
    assessment, plan = _carry_lock(assessment=assessment, acting_user=acting_user)
    items, evidence = _carry(plan=plan, versions=versions, overwrite=overwrite, acting_user=acting_user)
    fact_count, skipped = _carry_facts(plan=plan, acting_user=acting_user) if facts else (0, False)
    if items or fact_count:
        campaign_data_changed(assessment.campaign_id)
    return CarryOutcome(items=items, evidence=evidence, facts=fact_count, facts_skipped=skipped)


@transaction.atomic
def response_carry_forward(
    *, response: ItemResponse, acting_user, version: int, overwrite: bool = False
) -> ItemResponse:
    """`assessment_carry_forward` for one item (its facts are the assessment's: not taken here)."""
    _assessment, plan = _carry_lock(assessment=response.assessment, acting_user=acting_user)
    code = ItemResponse.objects.filter(pk=response.pk).values_list("node__code", flat=True).get()
    _carry(plan=plan, versions={code: version}, overwrite=overwrite, acting_user=acting_user)
    campaign_data_changed(plan.assessment.campaign_id)
    return ItemResponse.objects.select_related("node").get(pk=response.pk)


@transaction.atomic
def response_carry_confirm(*, response: ItemResponse, acting_user, version: int, value) -> ItemResponse:
    """Confirm a carried item with the value the CIO chose (a score in points mode, a status
    otherwise; last year's is only offered). The item is answered from then on."""
    current = ItemResponse.objects.select_related("assessment__campaign__framework").get(pk=response.pk)
    if not current.carry_pending:
        raise Conflict(_("该条目没有待确认的上年内容。"), code="not_pending")
    is_points = current.assessment.campaign.framework.is_points
    field = ItemResponse.value_field(is_points=is_points)
    if value in (None, ""):
        message = _("请先选择本年的得分。") if is_points else _("请先选择本年的达标情况。")
        raise Invalid(message, code="required", fields={field: [message]})
    return response_update(response=current, acting_user=acting_user, version=version, **{field: value})
