"""District review: who reviews which school, each reviewer's verdict per item and round, and the
in-app notifications of the workflow.

The consolidated result of the review sits on `ItemResponse` (`review_*` fields, what reports
read); `ItemReview` keeps what each reviewer said in each round, so a second reviewer's independent
verdicts and every earlier round stay on record.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .campaigns import STATEMENT_MAX_LENGTH, Assessment, ComplianceStatus, ItemResponse, ReviewVerdict


class ReviewAssignment(models.Model):
    """A named reviewer assigned by commission staff to one school's assessment, in any region
    (higher education is reviewed by commission-assigned experts, not by district reviewers).

    `lead` marks the reviewer who consolidates the two independent reviews of a campaign with
    second review and consolidation "lead".
    """

    assessment = models.ForeignKey(
        Assessment, verbose_name=_("学校自评"), on_delete=models.CASCADE, related_name="review_assignments"
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("评审专家"),
        on_delete=models.CASCADE,
        related_name="review_assignments",
    )
    lead = models.BooleanField(_("主评专家"), default=False)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("指派人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("指派时间"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("评审指派")
        verbose_name_plural = _("评审指派")
        ordering = ["assessment", "-lead", "created_at"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "reviewer"], name="reviewassignment_unique")
        ]

    def __str__(self) -> str:
        return f"{self.reviewer} → {self.assessment}"


class ItemReview(models.Model):
    """One reviewer's verdict on one item in one review round.

    `version` guards against the same reviewer saving from two windows. With a single reviewer the
    verdict is copied at once into the response's consolidated `review_*` fields; with a second
    review the two rows stay independent until both reviewers are done and are then consolidated.
    """

    response = models.ForeignKey(
        ItemResponse, verbose_name=_("条目自评"), on_delete=models.CASCADE, related_name="reviews"
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("评审专家"), on_delete=models.CASCADE, related_name="+"
    )
    round = models.PositiveSmallIntegerField(_("评审轮次"), default=1, validators=[MinValueValidator(1)])
    verdict = models.CharField(_("评审结论"), max_length=16, choices=ReviewVerdict.choices)
    score = models.DecimalField(
        _("评审分"), max_digits=5, decimal_places=1, null=True, blank=True, validators=[MinValueValidator(0)]
    )
    status = models.CharField(
        _("评审达标情况"), max_length=10, choices=ComplianceStatus.choices, null=True, blank=True
    )
    comment = models.TextField(_("评审意见"), max_length=STATEMENT_MAX_LENGTH, blank=True)
    version = models.PositiveIntegerField(_("版本"), default=1)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("专家评审")
        verbose_name_plural = _("专家评审")
        ordering = ["response", "round", "created_at"]
        constraints = [
            models.UniqueConstraint(fields=["response", "reviewer", "round"], name="itemreview_unique_round")
        ]
        indexes = [models.Index(fields=["reviewer", "round"], name="itemreview_reviewer_round")]

    def __str__(self) -> str:
        return _("%(response)s · %(verdict)s (第%(round)s轮)") % {
            "response": self.response,
            "verdict": self.get_verdict_display(),
            "round": self.round,
        }

    def clean(self) -> None:
        if self.verdict in (ReviewVerdict.ADJUST, ReviewVerdict.MORE_EVIDENCE) and not self.comment.strip():
            raise ValidationError({"comment": _("“调整”和“需补充材料”必须填写评审意见。")})
