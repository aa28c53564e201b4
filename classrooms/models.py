"""The classroom inventory of a school: its classrooms, the catalogue devices installed in each, and
the library files that document a classroom.

A classroom is checked against an equipment catalogue (`indicators.EquipmentCatalog`, Beijing
K-12 Appendix B) by the pure `indicators.equipment.check.classroom_check`. The outcome is kept on
the row (`status`, `interactive`, `networked`) so that counts over thousands of schools are plain
SQL; every service that changes a classroom or its devices computes it again in the same
transaction, and a catalogue reload with changed data rechecks every classroom of that catalogue
(`signals.py`). The checklist page always shows a check computed afresh.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from indicators.equipment.check import Status


class ClassroomKind(models.TextChoices):
    ORDINARY = "ordinary", _("普通教室")
    SMART = "smart", _("智慧教室")
    SPECIAL = "special", _("专用教室")
    RECORDING = "recording", _("录播教室")

    @classmethod
    def class_teaching(cls) -> tuple[str, ...]:
        """Kinds used for everyday class teaching: the 普通教室 of the school facts (a smart
        classroom is an ordinary classroom equipped further); special-purpose and recording rooms
        are 功能教室 and not counted there."""
        return (cls.ORDINARY, cls.SMART)


class CheckStatus(models.TextChoices):
    """The stored outcome of a classroom's check (`indicators.equipment.check.Status`)."""

    MET = Status.MET.value, _("达到配置要求")
    UNVERIFIED = Status.UNVERIFIED.value, _("待核验")
    NOT_MET = Status.NOT_MET.value, _("未达到配置要求")


class Classroom(models.Model):
    """One classroom of a school. `catalog` is the equipment table its devices come from and are
    checked against; `seats` (when known) gives the terminal-to-seat ratio. `version` grows with
    every change of the classroom's own fields, so an edit based on an older page is refused."""

    school = models.ForeignKey(
        "assessments.School", verbose_name=_("学校"), on_delete=models.PROTECT, related_name="classrooms"
    )
    catalog = models.ForeignKey(
        "indicators.EquipmentCatalog",
        verbose_name=_("设备配置目录"),
        on_delete=models.PROTECT,
        related_name="classrooms",
    )
    name = models.CharField(_("教室名称"), max_length=64)
    kind = models.CharField(_("教室类型"), max_length=12, choices=ClassroomKind.choices)
    # null: not recorded (no ratio is computed); 0 is a room without seats
    seats = models.PositiveSmallIntegerField(
        _("座位数"), null=True, blank=True, validators=[MaxValueValidator(1000)]
    )
    building = models.CharField(_("楼宇"), max_length=64, blank=True)
    room = models.CharField(_("房间号"), max_length=32, blank=True)
    status = models.CharField(
        _("配置检查"), max_length=12, choices=CheckStatus.choices, default=CheckStatus.NOT_MET, editable=False
    )
    interactive = models.BooleanField(_("配置多媒体交互设备"), default=False, editable=False)
    networked = models.BooleanField(_("高速网络连接"), default=False, editable=False)
    version = models.PositiveIntegerField(_("版本"), default=1, editable=False)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("修改人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("教室")
        verbose_name_plural = _("教室")
        ordering = ["school", "name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["school", "name"], name="classrooms_classroom_unique_name"),
        ]
        indexes = [models.Index(fields=["school", "kind", "status"], name="classrooms_school_kind_status")]

    def __str__(self) -> str:
        return self.name

    @property
    def scope_school(self):
        """The school whose scope decides who may see and change this classroom."""
        return self.school

    @property
    def location(self) -> str:
        return " ".join(part for part in (self.building, self.room) if part)


class ClassroomDevice(models.Model):
    """`count` units of one catalogue device in a classroom. `measured` holds the values found on
    them, keyed by the spec's `what` ({"屏幕尺寸": 86, "分辨率": [3840, 2160]}), parsed with
    `indicators.equipment.thresholds.parse_measurement`; a spec without a value stays unverified.
    Several rows may name the same device (two panels of different sizes)."""

    classroom = models.ForeignKey(
        Classroom, verbose_name=_("教室"), on_delete=models.CASCADE, related_name="devices"
    )
    device = models.ForeignKey(
        "indicators.EquipmentDevice",
        verbose_name=_("目录设备"),
        on_delete=models.PROTECT,
        related_name="installations",
    )
    count = models.PositiveSmallIntegerField(
        _("数量"), default=1, validators=[MinValueValidator(1), MaxValueValidator(1000)]
    )
    measured = models.JSONField(_("实测参数"), default=dict, blank=True)
    year = models.PositiveSmallIntegerField(
        _("购置年份"), null=True, blank=True, validators=[MinValueValidator(1980), MaxValueValidator(2100)]
    )
    version = models.PositiveIntegerField(_("版本"), default=1, editable=False)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("修改人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("教室设备")
        verbose_name_plural = _("教室设备")
        ordering = ["classroom", "device__order", "id"]

    def __str__(self) -> str:
        return f"{self.device.name} × {self.count}"

    @property
    def scope_school(self):
        return self.classroom.school


class ClassroomEvidence(models.Model):
    """A file of the school's evidence library attached to a classroom (photos, acceptance reports).
    Detaching deletes the row; its history keeps both. Deleting the file from the library removes
    the attachment with it (the library decides what exists)."""

    classroom = models.ForeignKey(
        Classroom, verbose_name=_("教室"), on_delete=models.CASCADE, related_name="evidence_links"
    )
    file = models.ForeignKey(
        "evidence.EvidenceFile",
        verbose_name=_("佐证文件"),
        on_delete=models.CASCADE,
        related_name="classroom_links",
    )
    attached_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("关联人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    attached_at = models.DateTimeField(_("关联时间"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("教室佐证文件")
        verbose_name_plural = _("教室佐证文件")
        ordering = ["attached_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["classroom", "file"], name="classrooms_evidence_unique_file"),
        ]

    def __str__(self) -> str:
        return f"{self.classroom_id} ← {self.file_id}"

    @property
    def scope_school(self):
        return self.classroom.school
