"""Writes of the city acceptance (市级验收): accept a finalised assessment, or send it back to the
district with a reason, one by one or several accepted at once.

Accepting makes the official result final; sending back reopens the district review through
`review_reopen` (the official result is cleared, designations withdrawn, the school and reviewers
notified) and keeps the reason on the assessment for the district reviewer. The next finalisation
makes the assessment pending again (`review_finalise`). History rows are written in the same
transaction.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from smartcampus.errors import Conflict, Invalid, Refused

from ..freshness import campaign_data_changed
from ..models import Acceptance, Assessment, AssessmentStatus, Notification
from ..scoping import Action, get_scope
from .notifications import notify, school_cio_ids
from .results import results_assert_unfrozen
from .reviews import review_reopen

REASON_MAX_LENGTH = 2000


class AcceptanceLocked(Conflict):
    """The assessment cannot be accepted or sent back now: not finalised, or already decided."""


def _lock(pk: int) -> Assessment:
    return (
        Assessment.objects.select_for_update(of=("self",))
        .select_related("campaign__region", "school__region")
        .get(pk=pk)
    )


def _require_acceptor(*, user, assessment: Assessment) -> None:
    if not get_scope(user).can(Action.ACCEPT, assessment):
        raise Refused(_("您不能验收该校的评审结果。"), code="not_commission")


def _require_pending(assessment: Assessment) -> None:
    results_assert_unfrozen(campaign=assessment.campaign)
    if assessment.status != AssessmentStatus.FINALISED:
        raise AcceptanceLocked(_("区县评审尚未定稿，不能验收。"), code="not_finalised")
    if assessment.acceptance == Acceptance.ACCEPTED:
        raise AcceptanceLocked(_("该校的评审结果已验收。"), code="accepted")


def _save(assessment: Assessment, *, user, reason: str) -> None:
    assessment.version += 1
    assessment._history_user = user
    assessment._change_reason = reason[:100]
    assessment.full_clean()
    assessment.save(
        update_fields=["acceptance", "acceptance_by", "acceptance_at", "acceptance_reason", "version"]
    )
    campaign_data_changed(assessment.campaign_id)


@transaction.atomic
def acceptance_accept(*, assessment: Assessment, acting_user) -> Assessment:
    """Accept the finalised result of one assessment: its official result becomes final."""
    assessment = _lock(assessment.pk)
    _require_acceptor(user=acting_user, assessment=assessment)
    _require_pending(assessment)
    assessment.acceptance = Acceptance.ACCEPTED
    assessment.acceptance_by = acting_user
    assessment.acceptance_at = timezone.now()
    assessment.acceptance_reason = ""
    _save(assessment, user=acting_user, reason=_("市级验收通过"))
    notify(
        user_ids=school_cio_ids(school_id=assessment.school_id),
        kind=Notification.Kind.FINALISED,
        title=_("%(c)s：评审结果已通过市级验收") % {"c": assessment.campaign.title},
        body=_("%(s)s的评审结果已通过市级验收，认定结果为最终结果。") % {"s": assessment.school.name},
        url=reverse("assessments:assessment-detail", args=[assessment.pk]),
    )
    return assessment


@transaction.atomic
def acceptance_send_back(*, assessment: Assessment, acting_user, reason: str) -> Assessment:
    """Send a finalised result back to the district: the review is reopened (评审中) with the
    reason, which the district reviewer sees on the workbench until they finalise again."""
    assessment = _lock(assessment.pk)
    _require_acceptor(user=acting_user, assessment=assessment)
    reason = (reason or "").replace("\r\n", "\n").strip()
    if not reason:
        message = _("请填写退回原因，区县评审专家将据此重新评审。")
        raise Invalid(message, code="reason_required", fields={"reason": [message]})
    if len(reason) > REASON_MAX_LENGTH:
        message = _("退回原因最多 %(max)d 字。") % {"max": REASON_MAX_LENGTH}
        raise Invalid(message, fields={"reason": [message]})
    _require_pending(assessment)
    review_reopen(
        assessment=assessment, acting_user=acting_user, reason=_("市级验收退回：%(r)s") % {"r": reason}
    )
    assessment = _lock(assessment.pk)
    assessment.acceptance = Acceptance.SENT_BACK
    assessment.acceptance_by = acting_user
    assessment.acceptance_at = timezone.now()
    assessment.acceptance_reason = reason
    _save(assessment, user=acting_user, reason=_("市级验收退回"))
    return assessment


@transaction.atomic
def acceptance_accept_many(*, assessments: Iterable[Assessment], acting_user) -> list[Assessment]:
    """Accept several finalised results at once (the confirmed bulk action of the list). All or
    nothing: one that cannot be accepted refuses the whole batch with its reason."""
    return [acceptance_accept(assessment=a, acting_user=acting_user) for a in assessments]
