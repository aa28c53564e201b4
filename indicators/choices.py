"""The vocabulary of the indicator systems, defined once and used by models, the scoring engine,
forms, templates and the SQL of the reports alike."""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _


class Scoring(models.TextChoices):
    """How a framework is evaluated: points on scoring nodes, or a compliance status per leaf."""

    POINTS = "points", _("计分制")
    COMPLIANCE = "compliance", _("达标制")


class ComplianceStatus(models.TextChoices):
    """The answer to one item of a compliance framework; 不适用 only for optional items."""

    MET = "met", _("达标")
    PARTIAL = "partial", _("部分达标")
    NOT_MET = "not_met", _("未达标")
    NA = "na", _("不适用")

    @property
    def weight(self) -> Decimal | None:
        """The status's share in the compliance index (met 1, partial 0.5, not met 0; na none)."""
        return COMPLIANCE_WEIGHTS.get(self)

    @property
    def rank(self) -> int:
        """Order from worst to best, for "the lower of two statuses" (na counts as met)."""
        return COMPLIANCE_RANK[self]

    @classmethod
    def for_item(cls, *, optional: bool) -> list[ComplianceStatus]:
        """The statuses an item may take: 不适用 only on optional items."""
        return [s for s in cls if s != cls.NA or optional]


COMPLIANCE_WEIGHTS = {
    ComplianceStatus.MET: Decimal(1),
    ComplianceStatus.PARTIAL: Decimal("0.5"),
    ComplianceStatus.NOT_MET: Decimal(0),
}
COMPLIANCE_RANK = {
    ComplianceStatus.NOT_MET: 0,
    ComplianceStatus.PARTIAL: 1,
    ComplianceStatus.MET: 2,
    ComplianceStatus.NA: 2,
}


class SchoolLevel(models.TextChoices):
    K12 = "k12", _("中小学")
    HIGHER = "higher", _("高等学校")


class PassRule(models.TextChoices):
    """How the official result decides pass or fail: a points framework by its percentage of the
    declared total; a compliance framework by every required item met, or by a minimum index."""

    PERCENT = "percent", _("按得分率")
    ALL_REQUIRED = "all_required", _("必选项全部达标")
    MIN_INDEX = "min_index", _("最低达标指数")

    @classmethod
    def for_scoring(cls, scoring: str) -> tuple[PassRule, ...]:
        """The rules that fit a framework's scoring mode."""
        if scoring == Scoring.POINTS:
            return (cls.PERCENT,)
        return (cls.ALL_REQUIRED, cls.MIN_INDEX)
