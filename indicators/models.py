"""Indicator frameworks (指标体系) and their node trees.

This app is the bottom layer: it knows nothing about regions, schools or campaigns. `region` on a
framework is free text ("北京市") for that reason.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .choices import ComplianceStatus, SchoolLevel, Scoring

__all__ = ["ComplianceStatus", "Framework", "FrameworkQuerySet", "Node", "SchoolLevel", "Scoring"]

MAX_DEPTH = 3


class FrameworkQuerySet(models.QuerySet):
    def latest_versions(self) -> FrameworkQuerySet:
        """Only the highest version of every framework code."""
        newer = Framework.objects.filter(code=OuterRef("code"), version__gt=OuterRef("version"))
        return self.filter(~Exists(newer))


class Framework(models.Model):
    """One version of an indicator framework published by an education authority.

    `code` + `version` identify it. Once a campaign uses a version, `locked_at` is set (by
    `services.framework_lock`) and the version's nodes never change again: loading different data
    for that code creates version + 1. An unlocked version may be rewritten in place.
    `content_hash` is the hash of the data it was loaded from, so reloading unchanged data is a no-op.
    """

    code = models.SlugField(_("代码"), max_length=64, help_text=_("稳定的标识，如 beijing-k12"))
    version = models.PositiveIntegerField(_("版本"), default=1)
    name = models.CharField(_("名称"), max_length=200)
    region = models.CharField(_("发布地区"), max_length=64, blank=True, help_text=_("如“北京市”，自由文本"))
    school_level = models.CharField(_("学段"), max_length=10, choices=SchoolLevel.choices)
    source_document = models.CharField(_("来源文件"), max_length=255, blank=True)
    source_file = models.CharField(_("来源文本文件"), max_length=255, blank=True)
    year = models.PositiveSmallIntegerField(_("发布年份"), null=True, blank=True)
    scoring = models.CharField(_("评价方式"), max_length=12, choices=Scoring.choices)
    total_points = models.DecimalField(
        _("声明总分"),
        max_digits=7,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    note = models.TextField(_("说明"), blank=True)
    content_hash = models.CharField(_("内容摘要"), max_length=64, blank=True, editable=False)
    locked_at = models.DateTimeField(_("锁定时间"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    history = HistoricalRecords()
    objects = FrameworkQuerySet.as_manager()

    class Meta:
        verbose_name = _("指标体系")
        verbose_name_plural = _("指标体系")
        ordering = ["code", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="indicators_framework_code_version")
        ]

    def __str__(self) -> str:
        return f"{self.name}（v{self.version}）"

    @property
    def is_locked(self) -> bool:
        return self.locked_at is not None

    @property
    def is_points(self) -> bool:
        return self.scoring == Scoring.POINTS


class Node(models.Model):
    """One indicator of a framework: 一级指标 (level 1), 二级指标 (2) or 三级指标/监测点/条目 (3).

    `code` is positional ("2.3.1"); `position` is the node's index in depth-first order within the
    framework, so ordering by it yields the tree as printed. `points` is the value declared by the
    source (never "fixed"); `points_inferred` marks names/points reconstructed after a lossy
    extraction, explained in `note`.
    """

    framework = models.ForeignKey(
        Framework, verbose_name=_("指标体系"), on_delete=models.CASCADE, related_name="nodes"
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级指标"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="children",
    )
    level = models.PositiveSmallIntegerField(_("层级"))
    code = models.CharField(_("编号"), max_length=32)
    position = models.PositiveIntegerField(_("顺序"))
    name = models.CharField(_("名称"), max_length=255, blank=True)
    text = models.TextField(_("要求原文"), blank=True)
    points = models.DecimalField(
        _("分值"),
        max_digits=6,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(0))],
    )
    optional = models.BooleanField(_("选配/可选项"), default=False)
    optional_clauses = models.JSONField(_("可选条款"), default=list, blank=True)
    starred = models.BooleanField(_("带*维度"), default=False)
    points_inferred = models.BooleanField(_("推定值"), default=False)
    note = models.TextField(_("备注"), blank=True)
    source_section = models.CharField(_("原文位置"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("指标")
        verbose_name_plural = _("指标")
        ordering = ["framework", "position"]
        constraints = [
            models.UniqueConstraint(fields=["framework", "code"], name="indicators_node_framework_code"),
        ]
        indexes = [models.Index(fields=["framework", "position"], name="indicators_node_fw_pos")]

    def __str__(self) -> str:
        return f"{self.code} {self.name or self.text[:20]}"

    @property
    def title(self) -> str:
        """What to show as the node's heading: its name, or the start of its text for unnamed items."""
        return self.name or self.text
