"""Writes of rectification: confirming the proposed list after finalisation, and every transition
of an item. Keyword-only, one transaction each; the item row is locked, the version the page started
from is checked, and the transition is recorded as a `RectificationEvent` (plus a simple-history row)
in the same transaction.

Refusals: outside the action's scope → `RectificationRefused` (404, naming nothing); the item's state
forbids the transition, or the page was stale → `RectificationConflict` (409); bad input → `Invalid`.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from assessments.freshness import campaign_data_changed
from assessments.models import Assessment, AssessmentStatus, Notification
from assessments.scoping import Action, cio_ids_by_school, get_scope
from assessments.selectors.results import results_frame
from assessments.services.notifications import assessment_reviewer_ids, notify, school_cio_ids
from evidence.models import EvidenceFile
from smartcampus.errors import Conflict, Invalid, Refused

from .models import (
    TEXT_MAX_LENGTH,
    RectificationEvent,
    RectificationEvidence,
    RectificationItem,
    RectificationSource,
    RectificationState,
)
from .signals import rectification_confirmed

State = RectificationState


class RectificationRefused(Refused):
    """The user may not do this to the item (or the assessment): answered as "does not exist"."""


class RectificationConflict(Conflict):
    """The item's state forbids the transition, the list is already confirmed, or the page was
    stale (`code="stale"`, `current` is the item as it is now). Nothing was written."""


def _text(value, *, field: str, label: str, required: bool) -> str:
    value = (value or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    if required and not value:
        message = _("请填写%(f)s。") % {"f": label}
        raise Invalid(message, fields={field: [message]})
    if len(value) > TEXT_MAX_LENGTH:
        message = _("%(f)s最多 %(max)d 字，当前 %(n)d 字。") % {
            "f": label,
            "max": TEXT_MAX_LENGTH,
            "n": len(value),
        }
        raise Invalid(message, fields={field: [message]})
    return value


def _date(value, *, field: str, today: datetime.date) -> datetime.date:
    if isinstance(value, str):
        try:
            value = datetime.date.fromisoformat(value.strip())
        except ValueError:
            value = None
    if not isinstance(value, datetime.date):
        message = _("请填写整改期限（日期，例如 2027-03-31）。")
        raise Invalid(message, fields={field: [message]})
    if value < today:
        message = _("整改期限不能早于今天。")
        raise Invalid(message, fields={field: [message]})
    return value


# --- the list, confirmed after finalisation ---------------------------------------------------------


@transaction.atomic
def rectification_confirm(
    *, assessment: Assessment, acting_user, items: Sequence[dict], today: datetime.date | None = None
) -> list[RectificationItem]:
    """The reviewer confirms the rectification list of a finalised assessment: `items` are dicts with
    node (id), source, problem, action and due_date (a date or ISO string), usually the proposal as
    edited on the page (an empty list: nothing to rectify). Creates the items in 待制定方案, notifies
    the school's CIOs and sends `signals.rectification_confirmed` (the reports app queues the
    整改通知书 in this transaction). A list is confirmed once: confirming again is a conflict."""
    assessment = (
        Assessment.objects.select_for_update(of=("self",))
        .select_related("campaign__framework", "campaign__region", "school__region")
        .get(pk=assessment.pk)
    )
    scope = get_scope(acting_user)
    if not scope.can(Action.VERIFY, assessment):
        raise RectificationRefused(_("您不是该校的评审专家。"), code="not_reviewer")
    if scope.has_conflict(assessment):
        raise RectificationConflict(
            _("您是该校的信息化负责人，不能确定本校的整改事项。"), code="conflict_of_interest"
        )
    if assessment.status != AssessmentStatus.FINALISED:
        raise RectificationConflict(_("评审完成后才能确定整改事项。"), code="not_finalised")
    if RectificationItem.objects.filter(assessment=assessment).exists():
        raise RectificationConflict(_("本校的整改事项已经确定并通知学校。"), code="confirmed")
    today = today or timezone.localdate()
    frame = results_frame(framework=assessment.campaign.framework)
    created, seen = [], set()
    for n, data in enumerate(items):
        prefix = f"items.{n}."
        try:
            node_id = int(data.get("node"))
        except (TypeError, ValueError):
            node_id = None
        if node_id not in frame.by_node:
            message = _("第 %(n)d 项：请选择本指标体系的一个条目。") % {"n": n + 1}
            raise Invalid(message, fields={prefix + "node": [message]})
        if node_id in seen:
            message = _("条目 %(c)s 重复。") % {"c": frame.by_node[node_id].code}
            raise Invalid(message, fields={prefix + "node": [message]})
        seen.add(node_id)
        source = data.get("source")
        if source not in RectificationSource.values:
            message = _("第 %(n)d 项：来源无效。") % {"n": n + 1}
            raise Invalid(message, fields={prefix + "source": [message]})
        item = RectificationItem(
            assessment=assessment,
            node_id=node_id,
            source=source,
            problem=_text(data.get("problem"), field=prefix + "problem", label=_("存在问题"), required=True),
            action=_text(data.get("action"), field=prefix + "action", label=_("整改要求"), required=True),
            due_date=_date(data.get("due_date"), field=prefix + "due_date", today=today),
            created_by=acting_user,
        )
        item.full_clean(exclude=["assessment", "node", "created_by"], validate_unique=False)
        created.append(item)
    RectificationItem.objects.bulk_create(created)
    campaign_data_changed(assessment.campaign_id, "rectification")
    RectificationEvent.objects.bulk_create(
        RectificationEvent(item=item, from_state="", to_state=State.DRAFT_PLAN, actor=acting_user)
        for item in created
    )
    if created:
        notify(
            user_ids=school_cio_ids(school_id=assessment.school_id),
            kind=Notification.Kind.RECTIFICATION,
            title=_("%(c)s：整改通知") % {"c": assessment.campaign.title},
            body=_("评审专家确定了 %(n)d 项整改事项，请在整改清单中查看、制定整改方案并按期整改：%(c)s")
            % {"n": len(created), "c": _("、").join(frame.by_node[i.node_id].code for i in created)},
            url=reverse("rectification:due-list"),
            key=f"rectification-notice:{assessment.pk}",
        )
        rectification_confirmed.send(
            sender=RectificationItem, assessment=assessment, acting_user=acting_user, items=created
        )
    return created


@transaction.atomic
def rectification_item_add(
    *,
    assessment: Assessment,
    acting_user,
    node_id: int,
    source: str,
    problem: str,
    action: str,
    due_date,
    today: datetime.date | None = None,
) -> RectificationItem:
    """Add one item to a school's list outside the confirmation after finalisation: a finding of an
    on-site visit (source 现场核验发现) or of a city re-check. The acting user must be in the
    `inspect` scope of the assessment (the visit team's side: reviewers of the school and commission
    staff managing the campaign), never a CIO of the school. One item per framework item: a second
    one for the same item is a conflict. The school's CIOs are notified."""
    assessment = (
        Assessment.objects.select_for_update(of=("self",))
        .select_related("campaign__framework", "campaign__region", "school__region")
        .get(pk=assessment.pk)
    )
    scope = get_scope(acting_user)
    if not scope.can(Action.INSPECT, assessment):
        raise RectificationRefused(_("您不能为该校提出整改事项。"), code="not_inspector")
    if scope.has_conflict(assessment):
        raise RectificationConflict(
            _("您是该校的信息化负责人，不能为本校提出整改事项。"), code="conflict_of_interest"
        )
    if source not in (RectificationSource.ONSITE, RectificationSource.CITY_RECHECK):
        message = _("来源无效。")
        raise Invalid(message, fields={"source": [message]})
    frame = results_frame(framework=assessment.campaign.framework)
    if node_id not in frame.by_node:
        message = _("请选择本指标体系的一个条目。")
        raise Invalid(message, fields={"node": [message]})
    code = frame.by_node[node_id].code
    if RectificationItem.objects.filter(assessment=assessment, node_id=node_id).exists():
        raise RectificationConflict(
            _("条目 %(c)s 已有整改事项，请在该事项中跟进。") % {"c": code}, code="exists"
        )
    item = RectificationItem(
        assessment=assessment,
        node_id=node_id,
        source=source,
        problem=_text(problem, field="problem", label=_("存在问题"), required=True),
        action=_text(action, field="action", label=_("整改要求"), required=True),
        due_date=_date(due_date, field="due_date", today=today or timezone.localdate()),
        created_by=acting_user,
    )
    item.full_clean(exclude=["assessment", "node", "created_by"], validate_unique=False)
    item._history_user = acting_user
    item.save()
    campaign_data_changed(assessment.campaign_id, "rectification")
    RectificationEvent.objects.create(
        item=item,
        from_state="",
        to_state=State.DRAFT_PLAN,
        actor=acting_user,
        comment=item.get_source_display(),
    )
    notify(
        user_ids=school_cio_ids(school_id=assessment.school_id),
        kind=Notification.Kind.RECTIFICATION,
        title=_("%(c)s：新的整改事项") % {"c": assessment.campaign.title},
        body=_("条目 %(c)s（%(s)s）：%(p)s") % {"c": code, "s": item.get_source_display(), "p": item.problem},
        url=reverse("rectification:due-list"),
    )
    return item


# --- transitions ------------------------------------------------------------------------------------


def _lock(item: RectificationItem) -> RectificationItem:
    return (
        RectificationItem.objects.select_for_update(of=("self",))
        .select_related("assessment__campaign__region", "assessment__school__region", "node")
        .get(pk=item.pk)
    )


def _transition(
    *,
    item: RectificationItem,
    acting_user,
    version: int,
    action: Action,
    allowed: Iterable[str],
    to_state: str,
    comment: str = "",
    changes: dict | None = None,
) -> RectificationItem:
    current = _lock(item)
    scope = get_scope(acting_user)
    if not scope.can(action, current):
        raise RectificationRefused(_("您不能处理该整改事项。"), code="not_allowed")
    if action == Action.VERIFY and scope.has_conflict(current.assessment):
        raise RectificationConflict(
            _("您是该校的信息化负责人，不能审核本校的整改。"), code="conflict_of_interest"
        )
    try:
        stale = int(version) != current.version
    except (TypeError, ValueError):
        stale = True
    if stale:
        raise RectificationConflict(
            _("该整改事项已在其他窗口或由他人修改（当前为第 %(v)d 版，状态“%(s)s”），您的操作未保存。")
            % {"v": current.version, "s": current.get_state_display()},
            code="stale",
            current=current,
        )
    if current.state not in allowed:
        raise RectificationConflict(
            _("该整改事项当前为“%(s)s”，不能进行此操作。") % {"s": current.get_state_display()},
            code="wrong_state",
            current=current,
        )
    from_state = current.state
    for name, value in (changes or {}).items():
        setattr(current, name, value)
    current.state = to_state
    current.version += 1
    current.closed_at = timezone.now() if to_state in (State.VERIFIED, State.WAIVED) else None
    current._history_user = acting_user
    current._change_reason = f"{from_state} → {to_state}"
    current.full_clean(exclude=["assessment", "node", "created_by"], validate_unique=False)
    current.save()
    campaign_data_changed(current.assessment.campaign_id, "rectification")
    RectificationEvent.objects.create(
        item=current, from_state=from_state, to_state=to_state, actor=acting_user, comment=comment
    )
    return current


def _notify_school(item: RectificationItem, title: str, body: str) -> None:
    notify(
        user_ids=school_cio_ids(school_id=item.assessment.school_id),
        kind=Notification.Kind.RECTIFICATION,
        title=title,
        body=body,
        url=reverse("rectification:due-list"),
    )


def _notify_reviewers(item: RectificationItem, title: str, body: str) -> None:
    notify(
        user_ids=assessment_reviewer_ids(assessment=item.assessment),
        kind=Notification.Kind.RECTIFICATION,
        title=title,
        body=body,
        url=reverse("rectification:review-queue"),
    )


@transaction.atomic
def rectification_plan_submit(
    *, item: RectificationItem, acting_user, version: int, plan: str, responsible: str
) -> RectificationItem:
    """The school submits its plan (待制定方案 → 方案待审核) with the person responsible."""
    plan = _text(plan, field="plan", label=_("整改方案"), required=True)
    responsible = _text(responsible, field="responsible", label=_("整改责任人"), required=True)[:100]
    item = _transition(
        item=item,
        acting_user=acting_user,
        version=version,
        action=Action.RECTIFY,
        allowed=[State.DRAFT_PLAN],
        to_state=State.PLAN_REVIEW,
        changes={"plan": plan, "responsible": responsible},
    )
    _notify_reviewers(
        item,
        _("%(s)s提交了整改方案") % {"s": item.assessment.school.name},
        _("条目 %(c)s 的整改方案待审核。") % {"c": item.node.code},
    )
    return item


@transaction.atomic
def rectification_plan_approve(
    *, item: RectificationItem, acting_user, version: int, comment: str = ""
) -> RectificationItem:
    """The reviewer approves the plan (方案待审核 → 整改中)."""
    comment = _text(comment, field="comment", label=_("审核意见"), required=False)
    item = _transition(
        item=item,
        acting_user=acting_user,
        version=version,
        action=Action.VERIFY,
        allowed=[State.PLAN_REVIEW],
        to_state=State.IN_PROGRESS,
        comment=comment,
    )
    _notify_school(
        item,
        _("整改方案已通过：%(c)s") % {"c": item.node.code},
        _("请按方案整改，完成后在整改清单中报告整改情况。"),
    )
    return item


@transaction.atomic
def rectification_plan_return(
    *, item: RectificationItem, acting_user, version: int, comment: str
) -> RectificationItem:
    """The reviewer returns the plan (方案待审核 → 待制定方案), saying what to change."""
    comment = _text(comment, field="comment", label=_("退回原因"), required=True)
    item = _transition(
        item=item,
        acting_user=acting_user,
        version=version,
        action=Action.VERIFY,
        allowed=[State.PLAN_REVIEW],
        to_state=State.DRAFT_PLAN,
        comment=comment,
    )
    _notify_school(item, _("整改方案被退回：%(c)s") % {"c": item.node.code}, comment)
    return item


@transaction.atomic
def rectification_complete(
    *,
    item: RectificationItem,
    acting_user,
    version: int,
    report: str,
    file_ids: Iterable[int] = (),
) -> RectificationItem:
    """The school reports completion (整改中 → 待验收) with files of its evidence library."""
    report = _text(report, field="report", label=_("整改情况说明"), required=True)
    file_ids = sorted({int(f) for f in file_ids})
    item = _transition(
        item=item,
        acting_user=acting_user,
        version=version,
        action=Action.RECTIFY,
        allowed=[State.IN_PROGRESS],
        to_state=State.AWAITING_VERIFICATION,
        changes={"report": report},
    )
    files = list(EvidenceFile.objects.filter(pk__in=file_ids, school_id=item.assessment.school_id))
    if len(files) != len(file_ids):
        message = _("所选证明材料不在本校的材料库中。")
        raise Invalid(message, fields={"files": [message]})
    attached = set(RectificationEvidence.objects.filter(item=item).values_list("file_id", flat=True))
    RectificationEvidence.objects.bulk_create(
        RectificationEvidence(item=item, file=f, attached_by=acting_user)
        for f in files
        if f.pk not in attached
    )
    _notify_reviewers(
        item,
        _("%(s)s报告整改完成") % {"s": item.assessment.school.name},
        _("条目 %(c)s 待验收。") % {"c": item.node.code},
    )
    return item


@transaction.atomic
def rectification_verify(
    *, item: RectificationItem, acting_user, version: int, comment: str = ""
) -> RectificationItem:
    """The reviewer accepts the completion (待验收 → 已验收)."""
    comment = _text(comment, field="comment", label=_("验收意见"), required=False)
    item = _transition(
        item=item,
        acting_user=acting_user,
        version=version,
        action=Action.VERIFY,
        allowed=[State.AWAITING_VERIFICATION],
        to_state=State.VERIFIED,
        comment=comment,
    )
    _notify_school(item, _("整改已验收：%(c)s") % {"c": item.node.code}, comment)
    return item


@transaction.atomic
def rectification_verification_return(
    *, item: RectificationItem, acting_user, version: int, comment: str
) -> RectificationItem:
    """The reviewer does not accept the completion (待验收 → 整改中), saying what is missing."""
    comment = _text(comment, field="comment", label=_("退回原因"), required=True)
    item = _transition(
        item=item,
        acting_user=acting_user,
        version=version,
        action=Action.VERIFY,
        allowed=[State.AWAITING_VERIFICATION],
        to_state=State.IN_PROGRESS,
        comment=comment,
    )
    _notify_school(item, _("整改未通过验收：%(c)s") % {"c": item.node.code}, comment)
    return item


@transaction.atomic
def rectification_waive(
    *, item: RectificationItem, acting_user, version: int, reason: str
) -> RectificationItem:
    """The reviewer exempts an open item (→ 免于整改), with the reason."""
    reason = _text(reason, field="reason", label=_("免于整改的理由"), required=True)
    item = _transition(
        item=item,
        acting_user=acting_user,
        version=version,
        action=Action.VERIFY,
        allowed=State.open(),
        to_state=State.WAIVED,
        comment=reason,
        changes={"waiver_reason": reason},
    )
    _notify_school(item, _("免于整改：%(c)s") % {"c": item.node.code}, reason)
    return item


# --- daily reminders --------------------------------------------------------------------------------


@transaction.atomic
def rectification_reminders_send(*, today: datetime.date | None = None, days: int | None = None) -> int:
    """Remind the school's CIOs of open items due within `days` (settings.REVIEW_REMINDER_DAYS) and
    flag overdue ones, one notification per school and day for each kind (the key names the
    assessment and the day, so a second run the same day sends nothing). Returns how many were
    created."""
    from django.conf import settings

    today = today or timezone.localdate()
    days = settings.REVIEW_REMINDER_DAYS if days is None else days
    horizon = today + datetime.timedelta(days=days)
    items = (
        RectificationItem.objects.open()
        .filter(due_date__lte=horizon)
        .select_related("assessment__school", "assessment__campaign", "node")
        .order_by("assessment_id", "due_date", "node__position")
    )
    groups: dict[tuple[int, bool], list[RectificationItem]] = {}
    for item in items:
        groups.setdefault((item.assessment_id, item.due_date < today), []).append(item)
    cios = cio_ids_by_school(school_ids={rows[0].assessment.school_id for rows in groups.values()})
    created = 0
    for (assessment_id, overdue), rows in groups.items():
        assessment = rows[0].assessment
        codes = _("、").join(
            _("%(code)s（%(due)s）") % {"code": i.node.code, "due": f"{i.due_date:%Y-%m-%d}"} for i in rows
        )
        if overdue:
            title = _("%(s)s有 %(n)d 项整改已逾期") % {"s": assessment.school.name, "n": len(rows)}
            body = _("%(c)s：以下整改事项已过整改期限，请尽快完成：%(i)s")
        else:
            title = _("%(s)s有 %(n)d 项整改即将到期") % {"s": assessment.school.name, "n": len(rows)}
            body = _("%(c)s：以下整改事项即将到期：%(i)s")
        created += len(
            notify(
                user_ids=cios[assessment.school_id],
                kind=Notification.Kind.REMINDER,
                title=title,
                body=body % {"c": assessment.campaign.title, "i": codes},
                url=reverse("rectification:due-list"),
                key=f"remind-rectify-{'overdue' if overdue else 'due'}:{assessment_id}:{today:%Y%m%d}",
            )
        )
    return created
