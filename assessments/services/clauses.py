"""Writes of the clause checklists: the school's ticks (while it may edit the item) and the
reviewers' ticks (while the review is open). History rows come from django-simple-history in the
same transaction."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from indicators.clauses import item_clauses
from indicators.models import Node
from smartcampus.errors import Conflict, Invalid

from ..models import AssessmentStatus, ClauseCheck, ClauseSide, ItemResponse
from .campaigns import response_assert_editable
from .reviews import _assert_reviewer, _lock, _start, _state_refusal


class ClauseConflict(Conflict):
    """The ticks were based on an older version; `current` is the tick list as it is now."""


@transaction.atomic
def clause_check_save(
    *, response: ItemResponse, side: str, met: Iterable, version: int, acting_user
) -> ClauseCheck:
    """Save which clauses of one item are met, on one side.

    The school's side follows the rules of the school's answers (`response_assert_editable`: its
    CIO, a draft before the deadline, or an item sent back); the review side those of a verdict (a
    reviewer of the school, submitted or in review; a submitted assessment moves to 评审中).
    `met` are clause positions (1-based) of the item's checklist; `version` is the version the page
    started from (0 before the first tick); a stale version raises `ClauseConflict` and writes
    nothing. Ticks are guidance: they never change the item's status or score.
    """
    assessment = _lock(response.assessment_id)
    current = ItemResponse.objects.select_for_update(of=("self",)).select_related("node").get(pk=response.pk)
    current.assessment = assessment
    if side == ClauseSide.SELF:
        response_assert_editable(response=current, acting_user=acting_user)
    elif side == ClauseSide.REVIEW:
        _assert_reviewer(assessment=assessment, user=acting_user)
        if assessment.status == AssessmentStatus.SUBMITTED:
            _start(assessment, user=acting_user)
        elif assessment.status != AssessmentStatus.IN_REVIEW:
            raise _state_refusal(assessment)
    else:
        raise Invalid(_("未知的勾选方。"), code="side")
    node = current.node
    children = []
    if assessment.campaign.framework.is_points:
        children = list(Node.objects.filter(parent_id=node.pk).order_by("position"))
    clauses = item_clauses(node, children=children)
    if not clauses:
        raise Invalid(_("本条目没有可勾选的条款。"), code="no_clauses")
    chosen = _clean_met(met, count=len(clauses))
    check = ClauseCheck.objects.select_for_update().filter(response=current, side=side).first()
    if check is None:
        check = ClauseCheck(response=current, side=side, met=[], version=0)
    if int(version) != check.version:
        raise ClauseConflict(
            _("条款勾选已在其他窗口或由他人修改（当前为第 %(v)d 版），您的修改未保存。请刷新查看最新勾选。")
            % {"v": check.version},
            code="conflict",
            current=check,
        )
    if check.pk and chosen == check.met:
        return check
    check.met = chosen
    check.version += 1
    check.updated_by = acting_user
    check.updated_at = timezone.now()
    check._history_user = acting_user
    check.full_clean(exclude=["response", "updated_by"], validate_unique=False)
    check.save()
    return check


def _clean_met(met: Iterable, *, count: int) -> list[int]:
    positions = set()
    for value in met:
        try:
            position = int(str(value).strip())
        except ValueError:
            position = 0
        if not 1 <= position <= count:
            message = _("条款序号应在 1–%(n)d 之间。") % {"n": count}
            raise Invalid(message, code="clause", fields={"met": [message]})
        positions.add(position)
    return sorted(positions)
