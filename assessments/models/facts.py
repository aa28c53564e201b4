"""The school's facts for one assessment: students, computers, bandwidth… as recorded that year.

Facts belong to the assessment, not to the school, so every year keeps its own numbers (and their
history) and a submitted assessment's facts are locked with it. The catalogue of facts (what a fact
means, its unit and kind) is reference data in `indicators` (`FactDefinition`).
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from indicators.facts import FactSpec
from indicators.facts import FactValue as FactData
from indicators.models import FactKind

from .campaigns import Assessment

#: 10¹² (the expressions' largest number) with four decimals
VALUE_MAX_DIGITS = 17
VALUE_DECIMAL_PLACES = 4


class FactSource(models.TextChoices):
    """Where a value came from: typed in by the school, or computed from its equipment inventory."""

    SCHOOL = "school", _("学校填报")
    INVENTORY = "inventory", _("设备清单")


class FactValue(models.Model):
    """One fact of one assessment: its value, where it came from, and the reviewer's doubt.

    `value` holds every kind as a number (是/否 as 1/0, a grade as its integer value); `typed()`
    gives what the rule evaluator reads. NULL means "not recorded" (a cleared value keeps its row,
    so `version` only ever grows). `version` increases on every save through the services; an edit
    carrying an older version is refused instead of silently overwriting a newer value.
    `doubtful` and `doubt_comment` are the reviewer's: the number looks wrong, with why; a returned
    assessment lets the school change exactly its doubtful facts.
    """

    assessment = models.ForeignKey(
        Assessment, verbose_name=_("学校自评"), on_delete=models.CASCADE, related_name="fact_values"
    )
    fact = models.ForeignKey(
        "indicators.FactDefinition", verbose_name=_("事实"), on_delete=models.PROTECT, related_name="+"
    )
    value = models.DecimalField(
        _("数值"), max_digits=VALUE_MAX_DIGITS, decimal_places=VALUE_DECIMAL_PLACES, null=True, blank=True
    )
    source = models.CharField(_("来源"), max_length=10, choices=FactSource.choices, default=FactSource.SCHOOL)
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
    doubtful = models.BooleanField(_("存疑"), default=False)
    doubt_comment = models.TextField(_("存疑说明"), max_length=1000, blank=True)
    doubted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("评审人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    doubted_at = models.DateTimeField(_("标记时间"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("学校基本情况")
        verbose_name_plural = _("学校基本情况")
        ordering = ["assessment", "fact__position"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "fact"], name="factvalue_unique_assessment_fact")
        ]

    def __str__(self) -> str:
        return f"{self.assessment_id} · {self.fact_id}"

    @staticmethod
    def stored(spec: FactSpec, value: FactData | None) -> Decimal | None:
        """The column value of a cleaned value (`indicators.facts.clean_fact_values`)."""
        if value is None:
            return None
        if isinstance(value, bool):
            return Decimal(1) if value else Decimal(0)
        return value

    @staticmethod
    def typed(spec: FactSpec, value: Decimal | None) -> FactData | None:
        """What the evaluator reads: True/False for 是/否 facts, the number (without trailing
        zeros of the column's scale) otherwise."""
        if value is None:
            return None
        if spec.kind == FactKind.BOOL:
            return value != 0
        return Decimal(int(value)) if value == value.to_integral_value() else value.normalize()

    @property
    def changed_after_doubt(self) -> bool:
        """The school changed the value after the reviewer doubted it (a returned assessment)."""
        return bool(
            self.doubtful and self.doubted_at and self.updated_at and self.updated_at > self.doubted_at
        )
