"""City acceptance (市级验收) of a finalised assessment.

After the district finalises its review, commission staff accept the result or send it back to the
district with a reason. The state lives on `Assessment` (`acceptance`, `acceptance_by`,
`acceptance_at`, `acceptance_reason`) beside its workflow status, which it does not replace: the
district's status says where the review is, the acceptance whether the city has taken its result.
The official result (`result_*`) is final only once accepted.
"""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Acceptance(models.TextChoices):
    PENDING = "pending", _("待市级验收")
    ACCEPTED = "accepted", _("已验收")
    SENT_BACK = "sent_back", _("验收退回")


def acceptance_withdraw_fields(assessment, *, user, reason: str, now=None) -> list[str]:
    """Withdraw the city's acceptance of `assessment` (not saved here) when its accepted result
    changes: it is pending again and must be accepted again; who withdrew it, when and why stay on
    it (and in its history row, which the caller's save writes). Returns the fields changed, none
    when the result was not accepted."""
    if assessment.acceptance != Acceptance.ACCEPTED:
        return []
    assessment.acceptance = Acceptance.PENDING
    assessment.acceptance_by = user
    assessment.acceptance_at = now or timezone.now()
    assessment.acceptance_reason = reason
    return ["acceptance", "acceptance_by", "acceptance_at", "acceptance_reason"]
