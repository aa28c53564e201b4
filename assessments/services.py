"""Writes of the assessment workflow: campaigns, responses, submission, deadline extensions.

Every service is keyword-only, runs in one transaction, validates with `full_clean()` and leaves
its audit trail (django-simple-history rows) in the same transaction.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Assessment, AssessmentStatus, ItemResponse
from .scoping import get_scope


class AssessmentLocked(ValidationError):  # noqa: N818 — the name is the contract with the evidence app
    """The user may not change this response now (not their school, submitted, or past the deadline)."""


def response_assert_editable(*, response: ItemResponse, user) -> None:
    """Raise `AssessmentLocked` unless `user` may change `response` (and its evidence) right now.

    Editable means: the user is a CIO of the school, and the assessment is a draft before its
    (possibly extended) deadline, or it was returned and this item was reopened by the reviewer.
    """
    assessment: Assessment = response.assessment
    scope = get_scope(user)
    if assessment.school_id not in scope.cio_school_ids:
        raise AssessmentLocked(_("只有本校的信息化负责人可以修改自评。"), code="not_cio")
    if assessment.status == AssessmentStatus.RETURNED:
        if not response.reopened:
            raise AssessmentLocked(_("自评已退回修改，但本条目未被退回，不能修改。"), code="not_reopened")
        return
    if assessment.status != AssessmentStatus.DRAFT:
        raise AssessmentLocked(
            _("自评已%(status)s，不能再修改。") % {"status": assessment.get_status_display()},
            code="submitted",
        )
    if assessment.deadline_passed(timezone.now()):
        raise AssessmentLocked(
            _("自评截止时间（%(deadline)s）已过，不能再修改。如需延期，请联系教委。")
            % {"deadline": timezone.localtime(assessment.deadline).strftime("%Y-%m-%d %H:%M")},
            code="deadline",
        )
