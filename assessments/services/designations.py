"""Writes of designations (达标命名, 示范校).

The commission names the designations of its campaign (`designation_title_set`) and gives each
district a quota per kind (`designation_quota_set`). A district — a reviewer whose region covers
the school (`Action.NOMINATE`) — nominates a finalised school whose official result passed
(`designation_nominate`), within the quota; the commission awards or refuses it
(`designation_award`, `designation_refuse`, with a reason) and may revoke an award with a reason
(`designation_revoke`). Reopening a review withdraws the school's designations
(`designations_withdraw`, called by `review_reopen`): the result they rested on no longer stands, so
they stop counting and free their places; the district nominates again after the next finalisation.

Every change writes a history row with the acting user and the reason, in the same transaction.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from smartcampus.errors import Conflict, Invalid, Refused

from ..freshness import campaign_data_changed
from ..models import (
    Assessment,
    AssessmentStatus,
    Campaign,
    Designation,
    DesignationKind,
    DesignationQuota,
    DesignationState,
    DesignationTitle,
    Region,
)
from ..models.designations import LABEL_MAX_LENGTH
from ..scoping import Action, get_scope
from ..selectors.designations import COUNTING, campaign_designation_labels
from .results import results_assert_unfrozen

REASON_MAX_LENGTH = 1000
QUOTA_MAX = 100000


def _kind(kind: str) -> DesignationKind:
    if kind not in DesignationKind.values:
        message = _("请选择命名类别。")
        raise Invalid(message, code="invalid", fields={"kind": [message]})
    return DesignationKind(kind)


def _reason(reason: str, *, required: str) -> str:
    reason = (reason or "").replace("\r\n", "\n").strip()
    if not reason:
        raise Invalid(required, code="reason_required", fields={"reason": [required]})
    if len(reason) > REASON_MAX_LENGTH:
        message = _("原因最多 %(m)d 字。") % {"m": REASON_MAX_LENGTH}
        raise Invalid(message, code="invalid", fields={"reason": [message]})
    return reason


def _require(user, action: Action, obj) -> None:
    if not get_scope(user).can(action, obj):
        raise Refused(_("您不能处理该命名。"), code="not_allowed")


def _save(obj, *, user, reason: str) -> None:
    obj._history_user = user
    obj._change_reason = reason[:100]
    obj.full_clean()
    obj.save()


@transaction.atomic
def designation_title_set(*, campaign: Campaign, kind: str, label: str, acting_user) -> DesignationTitle:
    """Name one kind of designation of `campaign` (「淄博市智慧校园」); commission staff managing it."""
    _require(acting_user, Action.AWARD, campaign)
    kind = _kind(kind)
    label = " ".join((label or "").split())
    if not label or len(label) > LABEL_MAX_LENGTH:
        message = _("请填写称号（最多 %(m)d 字）。") % {"m": LABEL_MAX_LENGTH}
        raise Invalid(message, code="invalid", fields={"label": [message]})
    title = DesignationTitle.objects.select_for_update().filter(campaign=campaign, kind=kind).first()
    title = title or DesignationTitle(campaign=campaign, kind=kind)
    if title.label != label:
        title.label = label
        _save(title, user=acting_user, reason=_("设定称号"))
        campaign_data_changed(campaign.pk)
    return title


@transaction.atomic
def designation_quota_set(
    *, campaign: Campaign, region: Region, kind: str, quota: int, acting_user
) -> DesignationQuota:
    """Set how many schools of district `region` may hold a `kind` designation of `campaign`
    (commission staff managing it). A quota below the places already taken is refused: the
    commission refuses or revokes first."""
    _require(acting_user, Action.AWARD, campaign)
    results_assert_unfrozen(campaign=campaign)
    kind = _kind(kind)
    if not (
        region.level == Region.Level.DISTRICT
        and region.path.startswith(campaign.region.path)
        and Assessment.objects.filter(campaign_id=campaign.pk, school__region_id=region.pk).exists()
    ):
        message = _("请选择本活动学校所在的区县。")
        raise Invalid(message, code="invalid", fields={"region": [message]})
    if not isinstance(quota, int) or isinstance(quota, bool) or not 0 <= quota <= QUOTA_MAX:
        message = _("名额须为 0 到 %(m)d 之间的整数。") % {"m": QUOTA_MAX}
        raise Invalid(message, code="invalid", fields={"quota": [message]})
    row = (
        DesignationQuota.objects.select_for_update()
        .filter(campaign_id=campaign.pk, region_id=region.pk, kind=kind)
        .first()
    )
    used = Designation.objects.filter(
        COUNTING, campaign_id=campaign.pk, kind=kind, assessment__school__region_id=region.pk
    ).count()
    if quota < used:
        raise Conflict(
            _("%(r)s已有 %(n)d 所学校占用名额，名额不能少于 %(n)d。请先撤销或不予授予。")
            % {"r": region.name, "n": used},
            code="quota_below_used",
        )
    row = row or DesignationQuota(campaign=campaign, region=region, kind=kind, quota=quota)
    if row._state.adding or row.quota != quota:
        row.quota = quota
        row.updated_by = acting_user
        _save(row, user=acting_user, reason=_("设定名额：%(n)d") % {"n": quota})
    return row


@transaction.atomic
def designation_nominate(*, assessment: Assessment, kind: str, acting_user) -> Designation:
    """The school's district nominates `assessment` for `kind`. Refused with a conflict while the
    school's official result is not a pass, when it already holds an active designation of that
    kind, and when the district's quota is used up (or not set)."""
    kind = _kind(kind)
    assessment = (
        Assessment.objects.select_for_update(of=("self",))
        .select_related("campaign", "campaign__region", "school", "school__region")
        .get(pk=assessment.pk)
    )
    _require(acting_user, Action.NOMINATE, assessment)
    results_assert_unfrozen(campaign=assessment.campaign)
    label = campaign_designation_labels(assessment.campaign)[kind]
    if assessment.status != AssessmentStatus.FINALISED or assessment.result_passed is not True:
        raise Conflict(
            _("只有评审已完成且认定结果为“通过”的学校可以推荐为“%(l)s”。") % {"l": label},
            code="not_passed",
        )
    district = assessment.school.region
    # the quota row is the lock that serialises the district's nominations of this kind
    quota = (
        DesignationQuota.objects.select_for_update()
        .filter(campaign_id=assessment.campaign_id, region_id=district.pk, kind=kind)
        .first()
    )
    if quota is None or quota.quota == 0:
        raise Conflict(
            _("教委尚未给%(r)s分配“%(l)s”推荐名额，暂不能推荐。") % {"r": district.name, "l": label},
            code="no_quota",
        )
    designation = Designation.objects.select_for_update().filter(assessment=assessment, kind=kind).first()
    if designation is not None and designation.state in DesignationState.active():
        raise Conflict(
            _("%(s)s已被推荐为“%(l)s”（%(st)s）。")
            % {"s": assessment.school.name, "l": label, "st": designation.get_state_display()},
            code="already_nominated",
        )
    used = Designation.objects.filter(
        COUNTING, campaign_id=assessment.campaign_id, kind=kind, assessment__school__region_id=district.pk
    ).count()
    if used >= quota.quota:
        raise Conflict(
            _("%(r)s的“%(l)s”推荐名额已用完（已用 %(u)d / 共 %(q)d 个），不能再推荐。")
            % {"r": district.name, "l": label, "u": used, "q": quota.quota},
            code="quota_full",
        )
    designation = designation or Designation(campaign=assessment.campaign, assessment=assessment, kind=kind)
    designation.state = DesignationState.NOMINATED
    designation.reason = ""
    designation.nominated_by = acting_user
    designation.nominated_at = timezone.now()
    designation.decided_by = None
    designation.decided_at = None
    _save(designation, user=acting_user, reason=_("推荐为“%(l)s”") % {"l": label})
    campaign_data_changed(assessment.campaign_id)
    return designation


def _lock_designation(designation: Designation, acting_user) -> Designation:
    designation = (
        Designation.objects.select_for_update(of=("self",))
        .select_related("campaign", "campaign__region", "assessment", "assessment__school__region")
        .get(pk=designation.pk)
    )
    designation.assessment.campaign = designation.campaign
    _require(acting_user, Action.AWARD, designation)
    results_assert_unfrozen(campaign=designation.campaign)
    return designation


def _decide(designation: Designation, *, state: str, reason: str, user, history: str) -> Designation:
    designation.state = state
    designation.reason = reason
    designation.decided_by = user
    designation.decided_at = timezone.now()
    _save(designation, user=user, reason=history)
    campaign_data_changed(designation.campaign_id)
    return designation


@transaction.atomic
def designation_award(*, designation: Designation, acting_user) -> Designation:
    """The commission awards a nominated designation; the school's result must still be a pass."""
    designation = _lock_designation(designation, acting_user)
    if designation.state != DesignationState.NOMINATED:
        raise Conflict(
            _("只有“已推荐”的命名可以授予，当前为“%(s)s”。") % {"s": designation.get_state_display()},
            code="not_nominated",
        )
    assessment = designation.assessment
    if assessment.status != AssessmentStatus.FINALISED or assessment.result_passed is not True:
        raise Conflict(_("该校的认定结果已不是“通过”，不能授予。"), code="not_passed")
    label = campaign_designation_labels(designation.campaign)[designation.kind]
    return _decide(
        designation,
        state=DesignationState.AWARDED,
        reason="",
        user=acting_user,
        history=_("授予“%(l)s”") % {"l": label},
    )


@transaction.atomic
def designation_refuse(*, designation: Designation, reason: str, acting_user) -> Designation:
    """The commission refuses a nomination, with a reason; the place returns to the district."""
    designation = _lock_designation(designation, acting_user)
    reason = _reason(reason, required=_("请填写不予授予的原因。"))
    if designation.state != DesignationState.NOMINATED:
        raise Conflict(
            _("只有“已推荐”的命名可以不予授予，当前为“%(s)s”。") % {"s": designation.get_state_display()},
            code="not_nominated",
        )
    return _decide(
        designation,
        state=DesignationState.REFUSED,
        reason=reason,
        user=acting_user,
        history=_("不予授予：%(r)s") % {"r": reason},
    )


@transaction.atomic
def designation_revoke(*, designation: Designation, reason: str, acting_user) -> Designation:
    """The commission revokes an award, with a reason; the place returns to the district."""
    designation = _lock_designation(designation, acting_user)
    reason = _reason(reason, required=_("请填写撤销的原因。"))
    if designation.state != DesignationState.AWARDED:
        raise Conflict(
            _("只有“已授予”的命名可以撤销，当前为“%(s)s”。") % {"s": designation.get_state_display()},
            code="not_awarded",
        )
    return _decide(
        designation,
        state=DesignationState.REVOKED,
        reason=reason,
        user=acting_user,
        history=_("撤销：%(r)s") % {"r": reason},
    )


def designations_withdraw(*, assessment: Assessment, acting_user, reason: str) -> int:
    """Withdraw the active designations of `assessment` whose review is being reopened (inside the
    caller's transaction); returns how many."""
    count = 0
    for designation in Designation.objects.select_for_update().filter(
        assessment_id=assessment.pk, state__in=DesignationState.active()
    ):
        designation.state = DesignationState.WITHDRAWN
        designation.reason = reason
        _save(designation, user=acting_user, reason=_("评审重新打开，命名撤回"))
        count += 1
    return count
