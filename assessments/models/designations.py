"""Designations a campaign confers on schools whose official result passed: 达标命名 (named with a
label the commission chooses, e.g. 「淄博市智慧校园」) and 示范校.

A district nominates its passed schools within the quota the commission set for it
(`DesignationQuota`); the commission awards or refuses each nomination and may revoke an award,
with a reason. One `Designation` row per assessment and kind, its state moving through
`DesignationState`; every change is kept in history.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .campaigns import Assessment, Campaign
from .organisations import Region

LABEL_MAX_LENGTH = 40


class DesignationKind(models.TextChoices):
    STANDARD = "standard", _("达标命名")
    DEMONSTRATION = "demonstration", _("示范校")

    @property
    def default_label(self) -> str:
        """What the designation is called when the campaign names it no other way."""
        return str(DEFAULT_LABELS[self])


DEFAULT_LABELS = {
    DesignationKind.STANDARD: _("智慧校园达标学校"),
    DesignationKind.DEMONSTRATION: _("智慧校园示范校"),
}


class DesignationState(models.TextChoices):
    NOMINATED = "nominated", _("已推荐")
    AWARDED = "awarded", _("已授予")
    REFUSED = "refused", _("未授予")
    REVOKED = "revoked", _("已撤销")
    WITHDRAWN = "withdrawn", _("已撤回")

    @classmethod
    def active(cls) -> tuple[str, ...]:
        """States that hold a place in the district's quota."""
        return (cls.NOMINATED, cls.AWARDED)

    @classmethod
    def renominable(cls) -> tuple[str, ...]:
        """States from which a district may nominate the school again."""
        return (cls.REFUSED, cls.REVOKED, cls.WITHDRAWN)


class DesignationTitle(models.Model):
    """The name a campaign gives one kind of designation (「淄博市智慧校园」); without a row the kind's
    default name applies."""

    campaign = models.ForeignKey(
        Campaign, verbose_name=_("自评活动"), on_delete=models.CASCADE, related_name="designation_titles"
    )
    kind = models.CharField(_("类别"), max_length=16, choices=DesignationKind.choices)
    label = models.CharField(_("称号"), max_length=LABEL_MAX_LENGTH)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("命名称号")
        verbose_name_plural = _("命名称号")
        constraints = [
            models.UniqueConstraint(fields=["campaign", "kind"], name="designationtitle_unique_campaign_kind")
        ]

    def __str__(self) -> str:
        return self.label


class DesignationQuota(models.Model):
    """How many schools of one district the district may nominate for one kind in a campaign (the
    nominated and awarded ones count). Without a row the district may nominate none."""

    campaign = models.ForeignKey(
        Campaign, verbose_name=_("自评活动"), on_delete=models.CASCADE, related_name="designation_quotas"
    )
    region = models.ForeignKey(
        Region, verbose_name=_("区县"), on_delete=models.CASCADE, related_name="designation_quotas"
    )
    kind = models.CharField(_("类别"), max_length=16, choices=DesignationKind.choices)
    quota = models.PositiveIntegerField(_("名额"))
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("设定人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("设定时间"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("命名名额")
        verbose_name_plural = _("命名名额")
        ordering = ["campaign", "region__path", "kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "region", "kind"], name="designationquota_unique_campaign_region_kind"
            )
        ]

    def __str__(self) -> str:
        return f"{self.region} · {self.get_kind_display()} · {self.quota}"


class Designation(models.Model):
    """One kind of designation for one school's assessment: nominated by the school's district,
    then awarded or refused by the commission, an award revocable with a reason. Reopening the
    review withdraws it (the result it rested on no longer stands). `reason` is the commission's
    (refusal, revocation) or the system's (withdrawal) latest reason."""

    campaign = models.ForeignKey(
        Campaign, verbose_name=_("自评活动"), on_delete=models.CASCADE, related_name="designations"
    )
    assessment = models.ForeignKey(
        Assessment, verbose_name=_("学校自评"), on_delete=models.CASCADE, related_name="designations"
    )
    kind = models.CharField(_("类别"), max_length=16, choices=DesignationKind.choices)
    state = models.CharField(_("状态"), max_length=12, choices=DesignationState.choices)
    reason = models.TextField(_("原因"), max_length=1000, blank=True)
    nominated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("推荐人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    nominated_at = models.DateTimeField(_("推荐时间"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("决定人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("决定时间"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("命名")
        verbose_name_plural = _("命名")
        ordering = ["campaign", "assessment__school__region__path", "assessment__school__code", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "kind"], name="designation_unique_assessment_kind"),
        ]
        indexes = [
            models.Index(
                fields=["campaign", "kind"],
                name="designation_active",
                condition=Q(state__in=["nominated", "awarded"]),
            )
        ]

    def __str__(self) -> str:
        return f"{self.assessment} · {self.get_kind_display()} · {self.get_state_display()}"

    @property
    def scope_assessment(self) -> Assessment:
        return self.assessment

    @property
    def is_nominated(self) -> bool:
        return self.state == DesignationState.NOMINATED

    @property
    def is_awarded(self) -> bool:
        return self.state == DesignationState.AWARDED

    @property
    def is_active(self) -> bool:
        """Holds a place in the district's quota (nominated or awarded)."""
        return self.state in DesignationState.active()
