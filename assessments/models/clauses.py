"""Clause checklists: which numbered clauses of an item (indicators.clauses) the school and the
reviewers say are met. Guidance beside the answer, never the answer itself: a compliance item's
ticks *suggest* a status, the chosen status stays the school's (or the reviewer's) decision."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .campaigns import ItemResponse


class ClauseSide(models.TextChoices):
    SELF = "self", _("学校自评")
    REVIEW = "review", _("专家评审")


class ClauseCheck(models.Model):
    """The ticked clauses of one item on one side (the school's self-assessment or the review).

    `met` lists the 1-based positions of the clauses ticked as met (positions, not the printed
    numbers, which the source repeats in a few items). `version` starts at 0 for "never saved" and
    increases on every save through `services.clause_check_save`; an edit from an older version is
    refused instead of overwriting a newer tick list. The review side is shared by the reviewers of
    the school: the workbench shows whoever ticked last, and the history keeps every change.
    """

    response = models.ForeignKey(
        ItemResponse, verbose_name=_("条目自评"), on_delete=models.CASCADE, related_name="clause_checks"
    )
    side = models.CharField(_("勾选方"), max_length=8, choices=ClauseSide.choices)
    met = models.JSONField(_("已满足的条款"), default=list, blank=True)
    version = models.PositiveIntegerField(_("版本"), default=0)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("最后修改人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("最后修改时间"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("条款勾选")
        verbose_name_plural = _("条款勾选")
        ordering = ["response", "side"]
        constraints = [
            models.UniqueConstraint(fields=["response", "side"], name="clausecheck_unique_response_side")
        ]

    def __str__(self) -> str:
        return f"{self.response} · {self.get_side_display()}"

    def clean(self) -> None:
        if not isinstance(self.met, list) or not all(
            isinstance(i, int) and not isinstance(i, bool) and i >= 1 for i in self.met
        ):
            raise ValidationError({"met": _("已满足的条款应为条款序号的列表。")})
        if len(set(self.met)) != len(self.met) or self.met != sorted(self.met):
            raise ValidationError({"met": _("条款序号应按顺序排列且不重复。")})
