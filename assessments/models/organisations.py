"""The organisation tree: regions (province → city → district/county), schools and memberships.

It lives in `assessments` because every assessment belongs to a school and every scoping rule is
expressed over this tree; `indicators` knows nothing about it.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

# The school types are the vocabulary of the level-dependent rules, defined once in the bottom layer.
from indicators.levels import SchoolType


class Region(models.Model):
    """An administrative region. `path` ("/370000/370300/370303/") makes subtree queries one index scan."""

    class Level(models.TextChoices):
        PROVINCE = "province", _("省级")
        CITY = "city", _("市级")
        DISTRICT = "district", _("区县级")

    code = models.CharField(_("行政区划代码"), max_length=12, unique=True)
    name = models.CharField(_("名称"), max_length=64)
    level = models.CharField(_("级别"), max_length=10, choices=Level.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级地区"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    path = models.CharField(_("路径"), max_length=255, db_index=True, editable=False)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("地区")
        verbose_name_plural = _("地区")
        ordering = ["path"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        self.path = self.build_path(self.code, self.parent)
        super().save(*args, **kwargs)

    @staticmethod
    def build_path(code: str, parent: Region | None) -> str:
        return f"{parent.path if parent else '/'}{code}/"

    def clean(self) -> None:
        if self.parent_id and self.parent_id == self.pk:
            raise ValidationError({"parent": _("上级地区不能是它自己。")})
        if self.parent and self.pk and f"/{self.code}/" in self.parent.path:
            raise ValidationError({"parent": _("上级地区不能是它的下级地区。")})

    @property
    def full_name(self) -> str:
        """ "淄博市张店区" — the ancestors' names joined, without the province for cities of a province."""
        return self.name if not self.parent else f"{self.parent.name}{self.name}"


class School(models.Model):
    """A school or university: the unit that assesses itself."""

    code = models.CharField(_("学校标识码"), max_length=20, unique=True)
    name = models.CharField(_("学校名称"), max_length=128)
    school_type = models.CharField(_("学校类型"), max_length=12, choices=SchoolType.choices)
    region = models.ForeignKey(
        Region, verbose_name=_("所属地区"), on_delete=models.PROTECT, related_name="schools"
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("学校")
        verbose_name_plural = _("学校")
        ordering = ["region__path", "code"]
        indexes = [models.Index(fields=["region", "school_type"])]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    SCHOOL_CIO = "cio", _("学校信息化负责人")
    REVIEWER = "reviewer", _("区县评审专家")
    COMMISSION = "commission", _("教委工作人员")


class Membership(models.Model):
    """Gives a user a role in a scope: a school (CIO) or a region subtree (reviewer, commission)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("用户"), on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("角色"), max_length=12, choices=Role.choices)
    school = models.ForeignKey(
        School,
        verbose_name=_("学校"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    region = models.ForeignKey(
        Region,
        verbose_name=_("地区"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("角色授权")
        verbose_name_plural = _("角色授权")
        constraints = [
            models.CheckConstraint(
                name="membership_scope_matches_role",
                condition=(
                    models.Q(role="cio", school__isnull=False, region__isnull=True)
                    | (~models.Q(role="cio") & models.Q(school__isnull=True, region__isnull=False))
                ),
            ),
            models.UniqueConstraint(fields=["user", "role", "school"], name="membership_unique_school"),
            models.UniqueConstraint(fields=["user", "role", "region"], name="membership_unique_region"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.scope_name}"

    @property
    def scope_name(self) -> str:
        return str(self.school or self.region or "")

    def clean(self) -> None:
        if self.role == Role.SCHOOL_CIO and (not self.school_id or self.region_id):
            raise ValidationError(_("学校信息化负责人必须关联一所学校，且不关联地区。"))
        if self.role != Role.SCHOOL_CIO and (not self.region_id or self.school_id):
            raise ValidationError(_("评审专家和教委工作人员必须关联一个地区，且不关联学校。"))
