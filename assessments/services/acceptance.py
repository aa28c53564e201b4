"""Writes of the city acceptance (市级验收): accept a finalised assessment, or send it back to the
district with a reason, one by one or several accepted at once.

Accepting makes the official result final; sending back reopens the district review through
`review_reopen` (the official result is cleared, designations withdrawn, the school and reviewers
notified) and keeps the reason on the assessment for the district reviewer. The next finalisation
makes the assessment pending again (`review_finalise`). History rows are written in the same
transaction.

Commission staff may delegate the acceptance of a campaign, or of some of its schools, to city
reviewers (`acceptance_delegate_assign` / `acceptance_delegate_remove`); a delegate accepts and
sends back through the same services, the scope (`accept`) deciding for both.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from smartcampus.errors import Conflict, Invalid, Refused

from ..freshness import campaign_data_changed
from ..models import Acceptance, AcceptanceDelegate, Assessment, AssessmentStatus, Campaign, Notification
from ..scoping import Action, clear_scope_cache, get_scope
from ..selectors.sampling import recheck_reviewer_candidates
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


def _require_version(assessment: Assessment, version: int | None) -> None:
    """A client that read the assessment at `version` acts on what it read, or gets 409 `stale`
    with the assessment as it is now (`None`: the pages, which act on the current row)."""
    if version is not None and int(version) != assessment.version:
        raise AcceptanceLocked(
            _("该校的评审结果已被他人更改，请刷新后重试。"), code="stale", current=assessment
        )


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
def acceptance_accept(*, assessment: Assessment, acting_user, version: int | None = None) -> Assessment:
    """Accept the finalised result of one assessment: its official result becomes final."""
    assessment = _lock(assessment.pk)
    _require_acceptor(user=acting_user, assessment=assessment)
    _require_version(assessment, version)
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
def acceptance_send_back(
    *, assessment: Assessment, acting_user, reason: str, version: int | None = None
) -> Assessment:
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
    _require_version(assessment, version)
    _require_pending(assessment)
    review_reopen(
        assessment=assessment,
        acting_user=acting_user,
        reason=_("市级验收退回：%(r)s") % {"r": reason},
        action=Action.ACCEPT,
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


@transaction.atomic
def acceptance_delegate_assign(
    *, campaign: Campaign, reviewer, acting_user, assessments: Iterable[Assessment] = ()
) -> list[AcceptanceDelegate]:
    """Commission staff managing `campaign` name a city reviewer (one of the campaign's city
    reviewers, as for the re-check: `recheck_reviewer_candidates`) to accept or send back its
    results: of every school when `assessments` is empty, else of those schools. A school the
    reviewer is a CIO of is refused (conflict of interest); naming someone again for the same
    scope changes nothing. Returns the delegations created."""
    campaign = Campaign.objects.select_for_update().select_related("region").get(pk=campaign.pk)
    if not get_scope(acting_user).can(Action.MANAGE, campaign):
        raise Refused(_("您不能管理该自评活动。"), code="not_commission")
    results_assert_unfrozen(campaign=campaign)
    name = reviewer.first_name or reviewer.username
    if not recheck_reviewer_candidates(user=acting_user, campaign=campaign).filter(pk=reviewer.pk).exists():
        message = _("%(u)s不是本活动可委托的市级评审专家。") % {"u": name}
        raise Invalid(message, code="not_eligible", fields={"reviewer": [message]})
    assessments = list(assessments)
    if any(a.campaign_id != campaign.pk for a in assessments):
        message = _("所选学校不在本活动中。")
        raise Invalid(message, fields={"assessments": [message]})
    cio_schools = get_scope(reviewer).cio_school_ids
    conflicted = [a for a in assessments if a.school_id in cio_schools]
    if conflicted:
        message = _("%(u)s是%(s)s的信息化负责人，存在利益冲突，不能验收本校。") % {
            "u": name,
            "s": "、".join(a.school.name for a in conflicted),  # i18n: data
        }
        raise Invalid(message, code="conflict_of_interest", fields={"assessments": [message]})
    created = []
    for assessment in assessments or [None]:
        if AcceptanceDelegate.objects.filter(
            campaign=campaign, reviewer=reviewer, assessment=assessment
        ).exists():
            continue
        delegate = AcceptanceDelegate(
            campaign=campaign, reviewer=reviewer, assessment=assessment, assigned_by=acting_user
        )
        delegate._history_user = acting_user
        delegate._change_reason = _("委托市级验收")
        delegate.full_clean(validate_constraints=False)
        delegate.save()
        created.append(delegate)
    clear_scope_cache(reviewer)
    return created


@transaction.atomic
def acceptance_delegate_remove(*, delegate: AcceptanceDelegate, acting_user) -> None:
    """Commission staff end a delegation; what the delegate accepted stays accepted."""
    delegate = (
        AcceptanceDelegate.objects.select_for_update(of=("self",))
        .select_related("campaign__region")
        .get(pk=delegate.pk)
    )
    if not get_scope(acting_user).can(Action.MANAGE, delegate.campaign):
        raise Refused(_("您不能管理该自评活动。"), code="not_commission")
    delegate._history_user = acting_user
    delegate._change_reason = _("取消验收委托")
    delegate.delete()
