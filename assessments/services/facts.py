"""Writes of the school's facts: values (the school, or its equipment inventory) and the reviewer's
doubts.

Facts are part of the assessment: the school's CIO changes them while the assessment is a draft
before its deadline; a submitted assessment's facts are locked with it; a returned assessment gives
back the facts the reviewer marked doubtful (the others stay locked, like the items not returned).
Every value goes through `indicators.facts.clean_fact_values` together with the values already
recorded, so a part never exceeds its whole whichever of the two changes. Each row carries a
version; an edit based on an older version is refused and nothing is written.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from indicators.facts import FactValueError, clean_fact_values
from indicators.models import FactDefinition
from indicators.selectors import fact_catalogue
from smartcampus.errors import Conflict, Invalid, Refused

from ..freshness import campaign_data_changed
from ..models import Assessment, AssessmentStatus, FactSource, FactValue
from ..models.facts import VALUE_DECIMAL_PLACES
from ..scoping import Action, get_scope
from ..selectors.facts import fact_data
from .campaigns import AssessmentLocked
from .reviews import _assert_reviewer, _state_refusal

DOUBT_COMMENT_MAX_LENGTH = 1000


class FactConflict(Conflict):
    """The edit was based on an older version of the fact; `current` is the row as it is now."""

    def __init__(self, message, *, current: FactValue):
        super().__init__(message, code="conflict", current=current)


def _lock(assessment: Assessment) -> Assessment:
    return (
        Assessment.objects.select_for_update(of=("self",))
        .select_related("campaign__framework", "school__region")
        .get(pk=assessment.pk)
    )


def facts_assert_editable(
    *, assessment: Assessment, acting_user, records: Mapping[str, FactValue] | None = None, codes=()
) -> None:
    """Raise a refusal unless `acting_user` may change the facts `codes` of `assessment` now: the
    school's CIO, on a draft before its (possibly extended) deadline, or on a returned assessment
    for the facts the reviewer marked doubtful (without `codes`: whether any may change at all)."""
    if not get_scope(acting_user).can(Action.EDIT, assessment):
        raise Refused(_("只有本校的信息化负责人可以填写学校基本情况。"), code="not_cio")
    if assessment.status == AssessmentStatus.RETURNED:
        records = records or {}
        locked = [code for code in codes if not (code in records and records[code].doubtful)]
        if locked:
            raise AssessmentLocked(
                _("自评已退回修改，但评审专家未将该项标记为存疑，不能修改。"), code="not_reopened"
            )
        return
    if assessment.status != AssessmentStatus.DRAFT:
        raise AssessmentLocked(
            _("自评%(status)s，学校基本情况不能再修改。") % {"status": assessment.get_status_display()},
            code="submitted",
        )
    if assessment.deadline_passed(timezone.now()):
        raise AssessmentLocked(
            _("自评截止时间（%(deadline)s）已过，不能再修改。如需延期，请联系教委。")
            % {"deadline": timezone.localtime(assessment.deadline).strftime("%Y-%m-%d %H:%M")},
            code="deadline",
        )


def _invalid(problems: Mapping[str, list[str]]) -> Invalid:
    first = next(iter(problems.values()))[0]
    return Invalid(first, code="invalid_fact", fields=dict(problems))


def _too_precise(value) -> bool:
    return isinstance(value, Decimal) and value.as_tuple().exponent < -VALUE_DECIMAL_PLACES


@transaction.atomic
def fact_values_set(
    *,
    assessment: Assessment,
    values: Mapping[str, object],
    acting_user,
    source: str = FactSource.SCHOOL,
    versions: Mapping[str, int] | None = None,
) -> dict[str, FactValue]:
    """Record several facts of one assessment at once: `values` maps fact codes to what was entered
    ("1200", 1200, "是", True, "第二级"; "" or None clears a value). Returns the rows of the codes
    given (a code never recorded and cleared has none).

    `versions` maps each code to the version the editor started from (0 for a fact not recorded
    yet); when one has moved on, `FactConflict` carries the newer row and nothing is written. A
    program that owns the value (the equipment inventory: `source=FactSource.INVENTORY`) may pass
    `versions=None` to record the current figure whatever the row's version. Values are checked
    together with the recorded ones (`Invalid` with one message per bad fact, nothing written);
    the refusals of `facts_assert_editable` apply to every source.
    """
    if source not in FactSource.values:
        raise Invalid(_("未知的数据来源“%(s)s”。") % {"s": source}, code="invalid_source")
    assessment = _lock(assessment)
    catalogue = fact_catalogue()
    unknown = [str(code) for code in values if code not in catalogue]
    if unknown:
        raise _invalid({code: [_("未知的事实代码“%(code)s”") % {"code": code}] for code in unknown})
    records = {
        record.fact.code: record
        for record in FactValue.objects.select_for_update(of=("self",))
        .filter(assessment=assessment)
        .select_related("fact")
    }
    facts_assert_editable(assessment=assessment, acting_user=acting_user, records=records, codes=list(values))
    if versions is not None:
        _check_versions(assessment, values, versions, records, catalogue)
    merged: dict[str, object] = dict(fact_data(records, catalogue))
    merged.update(values)
    try:
        cleaned = clean_fact_values(merged, catalogue)
    except FactValueError as exc:
        problems: dict[str, list[str]] = {}
        for problem in exc.problems:
            problems.setdefault(problem.where, []).append(problem.message)
        raise _invalid(problems) from None
    precise = {
        code: [
            _("%(label)s最多保留 %(n)d 位小数（%(v)s）")
            % {"label": catalogue[code].label, "n": VALUE_DECIMAL_PLACES, "v": values[code]}
        ]
        for code in values
        if _too_precise(cleaned.get(code))
    }
    if precise:
        raise _invalid(precise)

    new_codes = [code for code in values if code not in records and cleaned.get(code) is not None]
    definitions = dict(FactDefinition.objects.filter(code__in=new_codes).values_list("code", "pk"))
    now = timezone.now()
    changed = False
    for code in values:
        spec = catalogue[code]
        stored = FactValue.stored(spec, cleaned.get(code))
        record = records.get(code)
        if record is None:
            if stored is None:
                continue
            record = records[code] = FactValue(assessment=assessment, fact_id=definitions[code], version=0)
        elif record.value == stored and (stored is None or record.source == source):
            continue
        record.value = stored
        record.source = source
        record.version += 1
        record.updated_by = acting_user
        record.updated_at = now
        record._history_user = acting_user
        record._change_reason = str(FactSource(source).label)
        record.full_clean(exclude=["assessment", "fact", "updated_by", "doubted_by"], validate_unique=False)
        record.save()
        changed = True
    if changed:
        campaign_data_changed(assessment.campaign_id)
    return {code: records[code] for code in values if code in records}


def _check_versions(assessment, values, versions, records, catalogue) -> None:
    missing = [code for code in values if code not in versions]
    if missing:
        raise Invalid(
            _("缺少版本号：%(c)s") % {"c": _("、").join(missing)},
            code="invalid",
            fields={"versions": [_("每个事实都须带上开始修改时的版本号（未填写过的为 0）。")]},
        )
    for code in values:
        record = records.get(code)
        current = record.version if record else 0
        try:
            given = int(versions[code])
        except (TypeError, ValueError):
            given = -1
        if given != current:
            if record is None:
                record = FactValue(assessment=assessment, version=0)
                record.fact = FactDefinition(code=code, label=catalogue[code].label)
            raise FactConflict(
                _(
                    "“%(label)s”已在其他窗口或由他人修改（当前为第 %(v)d 版），您的修改未保存。"
                    "请查看最新内容后再修改。"
                )
                % {"label": catalogue[code].label, "v": current},
                current=record,
            )


@transaction.atomic
def fact_doubt_set(
    *, assessment: Assessment, code: str, acting_user, version: int, doubtful: bool, comment: str = ""
) -> FactValue:
    """The reviewer marks a fact doubtful (the number looks wrong; the comment says why, mandatory)
    or clears the mark. Only while the review is in progress (submitted or in review); a returned
    assessment lets the school change its doubtful facts. `version` as for `fact_values_set`."""
    assessment = _lock(assessment)
    _assert_reviewer(assessment=assessment, user=acting_user)
    if not assessment.is_reviewable_state:
        raise _state_refusal(assessment)
    catalogue = fact_catalogue()
    if code not in catalogue:
        raise _invalid({"code": [_("未知的事实代码“%(code)s”") % {"code": code}]})
    comment = (comment or "").replace("\r\n", "\n").strip()
    if doubtful and not comment:
        raise _invalid({"comment": [_("标记存疑须填写说明（哪里不对、需要学校核实什么）。")]})
    if len(comment) > DOUBT_COMMENT_MAX_LENGTH:
        raise _invalid(
            {
                "comment": [
                    _("存疑说明最多 %(max)d 字，当前 %(n)d 字。")
                    % {"max": DOUBT_COMMENT_MAX_LENGTH, "n": len(comment)}
                ]
            }
        )
    record = (
        FactValue.objects.select_for_update(of=("self",))
        .select_related("fact")
        .filter(assessment=assessment, fact__code=code)
        .first()
    )
    _check_versions(assessment, {code: None}, {code: version}, {code: record} if record else {}, catalogue)
    if record is None:
        record = FactValue(assessment=assessment, fact=FactDefinition.objects.get(code=code), version=0)
    record.doubtful = bool(doubtful)
    record.doubt_comment = comment if doubtful else ""
    record.doubted_by = acting_user
    record.doubted_at = timezone.now()
    record.version += 1
    record._history_user = acting_user
    record._change_reason = _("标记存疑") if doubtful else _("取消存疑")
    record.full_clean(exclude=["assessment", "fact", "updated_by", "doubted_by"], validate_unique=False)
    record.save()
    return record
