"""City acceptance (市级验收) of a finalised assessment.

After the district finalises its review, commission staff accept the result or send it back to the
district with a reason. The state lives on `Assessment` (`acceptance`, `acceptance_by`,
`acceptance_at`, `acceptance_reason`) beside its workflow status, which it does not replace: the
district's status says where the review is, the acceptance whether the city has taken its result.
The official result (`result_*`) is final only once accepted. Commission staff may delegate the
acceptance of a campaign, or of some of its schools, to city reviewers (`AcceptanceDelegate`).
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


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


class AcceptanceDelegate(models.Model):
    """A city reviewer whom commission staff named to accept or send back results in their stead:
    every school of the campaign (`assessment` empty) or one school's assessment. The delegate acts
    through the same services and the same scope action (`accept`) as the commission; removing the
    row ends it. History keeps who named whom and when."""

    campaign = models.ForeignKey(
        "assessments.Campaign",
        verbose_name=_("自评活动"),
        on_delete=models.CASCADE,
        related_name="acceptance_delegates",
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("市级评审专家"), on_delete=models.CASCADE, related_name="+"
    )
    assessment = models.ForeignKey(
        "assessments.Assessment",
        verbose_name=_("学校自评"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="acceptance_delegates",
        help_text=_("留空表示本活动的全部学校"),
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("指派人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    assigned_at = models.DateTimeField(_("指派时间"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("验收委托")
        verbose_name_plural = _("验收委托")
        ordering = ["campaign", "reviewer__username", "assessment__school__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "reviewer", "assessment"],
                nulls_distinct=False,
                name="acceptancedelegate_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.reviewer} · {self.assessment or self.campaign}"
