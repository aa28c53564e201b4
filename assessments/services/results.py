"""Writes of the official result: the campaign's result rule, and the result it decides for each
finalised school.

`rule_save` sets the rule: in place until the first school is finalised, afterwards as a new version
with a reason, and then every finalised school's result is decided again by the new version (one
campaign, one rule in force). `outcome_set` / `outcome_clear` are what finalising and reopening a
review call inside their own transaction.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from indicators.selectors import framework_nodes
from smartcampus.errors import Conflict, Invalid, Refused

from ..freshness import campaign_data_changed
from ..models import (
    Assessment,
    AssessmentStatus,
    Campaign,
    ItemResponse,
    ResultRule,
    acceptance_withdraw_fields,
)
from ..scoping import Action, get_scope
from ..selectors.results import (
    RESULT_COLUMNS,
    ResultsFrame,
    assessment_results,
    campaign_results,
    current_rule,
    results_compute,
    results_frame,
    results_outcome,
    rule_locked,
)

#: the fields a rule version is compared on (a save that changes none of them changes nothing)
RULE_FIELDS = (
    "pass_rule",
    "pass_min_percent",
    "dimension_min_percent",
    "grades",
    "excluded",
    "target_share",
    "district_targets",
)
OUTCOME_FIELDS = ["result_percent", "result_grade", "result_passed", "result_rule", "result_at"]


class ResultsFrozen(Conflict):
    """The campaign's results were published and the publication closed: the official results and
    the designations are final."""


def results_assert_unfrozen(*, campaign: Campaign) -> None:
    """Refuse (409, `code="frozen"`) any change to the official results or the designations of a
    campaign whose results are frozen. Services that change them call this first."""
    if campaign.results_frozen_at is not None:
        raise ResultsFrozen(
            _("本活动的结果公示已结束，结果和命名已冻结（%(t)s），不能再修改。")
            % {"t": timezone.localtime(campaign.results_frozen_at).strftime("%Y-%m-%d %H:%M")},
            code="frozen",
        )


@transaction.atomic
def campaign_results_freeze(*, campaign: Campaign, acting_user) -> Campaign:
    """Freeze the official results and the designations of `campaign` (the publication of its results
    has closed); commission staff managing it. Freezing a frozen campaign is a conflict."""
    if not get_scope(acting_user).can(Action.MANAGE, campaign):
        raise Refused(_("您不能管理该自评活动。"), code="not_commission")
    campaign = Campaign.objects.select_for_update().select_related("region").get(pk=campaign.pk)
    results_assert_unfrozen(campaign=campaign)
    campaign.results_frozen_at = timezone.now()
    campaign._history_user = acting_user
    campaign._change_reason = _("结果公示结束，结果冻结")
    campaign.full_clean()
    campaign.save(update_fields=["results_frozen_at"])
    campaign_data_changed(campaign.pk)
    return campaign


def _same(rule: ResultRule, other: ResultRule) -> bool:
    return all(getattr(rule, f) == getattr(other, f) for f in RULE_FIELDS)


def _decimal(value) -> Decimal | None:
    if value is None or value == "":
        return None
    return value if isinstance(value, Decimal) else Decimal(str(value))


@transaction.atomic
def rule_save(
    *,
    campaign: Campaign,
    acting_user,
    pass_rule: str,
    pass_min_percent=None,
    dimension_min_percent: dict | None = None,
    grades: list | None = None,
    excluded: list | None = None,
    target_share=None,
    district_targets: dict | None = None,
    reason: str = "",
) -> ResultRule:
    """Set the result rule of `campaign` (commission staff managing it). Before any school is
    finalised the latest version is changed in place; afterwards a change is a new version, which
    needs a `reason`. Whenever a school has been finalised, the finalised schools are decided again
    by the rule saved (a first rule set late decides the schools finalised without one). Saving the
    rule unchanged changes nothing."""
    if not get_scope(acting_user).can(Action.MANAGE, campaign):
        raise Refused(_("您不能管理该自评活动。"), code="not_commission")
    # one writer at a time per campaign: versions are numbered from the latest
    campaign = Campaign.objects.select_for_update().select_related("framework", "region").get(pk=campaign.pk)
    results_assert_unfrozen(campaign=campaign)
    reason = (reason or "").strip()
    current = current_rule(campaign)
    decided = rule_locked(campaign)  # schools already finalised: the new rule decides them again
    locked = current is not None and decided
    values = {
        "pass_rule": pass_rule,
        "pass_min_percent": _decimal(pass_min_percent),
        "dimension_min_percent": dimension_min_percent or {},
        "grades": grades or [],
        "excluded": excluded or [],
        "target_share": _decimal(target_share),
        "district_targets": district_targets or {},
    }
    if current is not None and not locked:
        before = ResultRule(**{f: getattr(current, f) for f in RULE_FIELDS})
        rule = current
        for name, value in values.items():
            setattr(rule, name, value)
        rule.reason = reason
    else:
        before = current
        version = 1 if current is None else current.version + 1
        rule = ResultRule(campaign=campaign, version=version, reason=reason, created_by=acting_user, **values)
    if locked and not reason:
        message = _("规则已锁定（已有学校完成评审），修改将生成第 %(v)d 版，须填写原因。") % {
            "v": rule.version
        }
        errors = {"reason": [message]}
        rule.reason = "-"  # validate the rest too, so every error is shown at once
        try:
            rule.full_clean()
        except ValidationError as exc:
            errors.update(exc.message_dict)
        if before is not None and _same(rule, before) and len(errors) == 1:
            return current
        raise Invalid(message, code="reason_required", fields=errors)
    rule.full_clean()
    if before is not None and _same(rule, before):
        return current
    rule._history_user = acting_user
    default = _("设定结果判定规则") if rule._state.adding else _("修改结果判定规则")
    rule._change_reason = (reason or default)[:100]
    rule.save()
    if decided:
        outcomes_apply(campaign=campaign, rule=rule, acting_user=acting_user)
    campaign_data_changed(campaign.pk)
    return rule


def outcome_set(
    *, assessment: Assessment, rule: ResultRule | None, frame: ResultsFrame | None = None, now=None
) -> list[str]:
    """Put the official result of the finalised `assessment` (status already set, not yet saved)
    on it, decided by `rule` from its reviewed values; without a rule the result stays empty.
    Returns the fields changed, for the caller's save."""
    if rule is None:
        return outcome_clear(assessment=assessment)
    frame = frame or results_frame(framework=assessment.campaign.framework)
    outcome = results_outcome(
        results=assessment_results(assessment=assessment, frame=frame), frame=frame, rule=rule
    )
    if outcome is None:
        return outcome_clear(assessment=assessment)
    assessment.result_percent = outcome.percent
    assessment.result_grade = outcome.grade
    assessment.result_passed = outcome.passed
    assessment.result_rule = rule
    assessment.result_at = now or timezone.now()
    return list(OUTCOME_FIELDS)


def outcome_clear(*, assessment: Assessment) -> list[str]:
    """Empty the official result of `assessment` (reopened); returns the fields changed."""
    assessment.result_percent = None
    assessment.result_grade = ""
    assessment.result_passed = None
    assessment.result_rule = None
    assessment.result_at = None
    return list(OUTCOME_FIELDS)


def outcomes_apply(*, campaign: Campaign, rule: ResultRule, acting_user) -> int:
    """Decide the result of every finalised school of `campaign` again by `rule` (a new version),
    with a history row on each; returns how many were decided again.

    A result the city had accepted (市级验收) and that the new version changes (percent, grade or
    pass) loses its acceptance in the same save, with the reason in the row and in its history: the
    commission accepted a result, not whatever a later rule makes of it, so it must accept the new
    one (and a publication shows it again only then). An accepted result the new version leaves as
    it was stays accepted."""
    frame = results_frame(framework=campaign.framework)
    now = timezone.now()
    changed = 0
    finalised = {
        a.pk: a
        for a in Assessment.objects.select_for_update()
        .filter(campaign_id=campaign.pk, status=AssessmentStatus.FINALISED)
        .select_related("campaign__framework")
    }
    for results in campaign_results(campaign=campaign, region=campaign.region, frame=frame):
        assessment = finalised.get(results.assessment_id)
        if assessment is None:
            continue
        outcome = results_outcome(results=results, frame=frame, rule=rule)
        before = (assessment.result_percent, assessment.result_grade, assessment.result_passed)
        assessment.result_percent = outcome.percent
        assessment.result_grade = outcome.grade
        assessment.result_passed = outcome.passed
        assessment.result_rule = rule
        assessment.result_at = now
        decided = _("按结果判定规则第 %(v)d 版重新判定") % {"v": rule.version}
        withdrawn = []
        if before != (outcome.percent, outcome.grade, outcome.passed):
            withdrawn = acceptance_withdraw_fields(
                assessment,
                user=acting_user,
                reason=_("按结果判定规则第 %(v)d 版重新判定，认定结果改变，须重新验收") % {"v": rule.version},
                now=now,
            )
        assessment._history_user = acting_user
        assessment._change_reason = (assessment.acceptance_reason if withdrawn else decided)[:100]
        assessment.full_clean()
        assessment.save(update_fields=[*OUTCOME_FIELDS, *withdrawn])
        changed += 1
    return changed


def outcomes_decide(*, campaign: Campaign, assessments: list[Assessment], now=None) -> list[str]:
    """Put on each of `assessments` (with the status it is about to be saved with; not saved here)
    the official result the campaign's rule decides from its response rows as stored: the bulk
    demo fill, which writes responses and statuses in bulk, decides like `review_finalise` does.
    Returns the fields to save."""
    rule = current_rule(campaign)
    frame = results_frame(framework=campaign.framework)
    now = now or timezone.now()
    finalised = {a.pk: a for a in assessments if a.status == AssessmentStatus.FINALISED}
    for assessment in assessments:
        outcome_clear(assessment=assessment)
    if rule is None or not finalised:
        return list(OUTCOME_FIELDS)
    rows: dict[int, list] = {}
    for row in (
        ItemResponse.objects.filter(assessment_id__in=list(finalised))
        .order_by()
        .values_list("assessment_id", *RESULT_COLUMNS)
        .iterator(chunk_size=2000)
    ):
        rows.setdefault(row[0], []).append(row[1:])
    for pk, assessment in finalised.items():
        results = results_compute(
            frame=frame, assessment_id=pk, status=assessment.status, conclusion="", rows=rows.get(pk, ())
        )
        outcome = results_outcome(results=results, frame=frame, rule=rule)
        assessment.result_percent = outcome.percent
        assessment.result_grade = outcome.grade
        assessment.result_passed = outcome.passed
        assessment.result_rule = rule
        assessment.result_at = now
    return list(OUTCOME_FIELDS)


@transaction.atomic
def rule_copy(*, source: Campaign, campaign: Campaign, acting_user) -> ResultRule | None:
    """Give `campaign` the result rule currently in force in `source` (next year's round copied from
    it, the demo's previous year). Exclusions and dimension minimums naming codes that `campaign`'s
    framework version does not have are left out. None when `source` has no rule."""
    rule = current_rule(source)
    if rule is None:
        return None
    codes = {n.code for n in framework_nodes(framework=campaign.framework)}
    return rule_save(
        campaign=campaign,
        acting_user=acting_user,
        pass_rule=rule.pass_rule,
        pass_min_percent=rule.pass_min_percent,
        dimension_min_percent={k: v for k, v in rule.dimension_min_percent.items() if k in codes},
        grades=rule.grades,
        excluded=[code for code in rule.excluded if code in codes],
        target_share=rule.target_share,
        district_targets=rule.district_targets,
        reason=_("沿用“%(title)s”的规则") % {"title": source.title},
    )
