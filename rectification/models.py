"""Rectification (整改): what a finalised review asks a school to improve, and how it is followed up.

A finalised review proposes items (the reviewer's downward adjustments, required items not met,
low scores); the reviewer edits and confirms the list, and each confirmed item then moves through

    待制定方案 draft_plan → 方案待审核 plan_review → 整改中 in_progress → 待验收 awaiting_verification
    → 已验收 verified

with 退回 from each review step (plan_review → draft_plan, awaiting_verification → in_progress)
and 免于整改 waived (with a reason) from any open state. The school's CIO writes the plan and reports
completion (with files from the school's evidence library); the assessment's reviewers approve,
return, verify or waive; commission staff read. Every transition is a `RectificationEvent` written
in the same transaction as the change (actor, time, comment); `version` guards against edits made
from a stale page.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

TEXT_MAX_LENGTH = 2000


class RectificationSource(models.TextChoices):
    """Where an item came from."""

    REVIEW_ADJUST = "review_adjust", _("评审调低")
    REQUIRED_UNMET = "required_unmet", _("必备条目未达标")
    LOW_SCORE = "low_score", _("得分低于一半")
    THRESHOLD = "threshold", _("未达门槛规则")
    ONSITE = "onsite", _("现场核验发现")
    CITY_RECHECK = "city_recheck", _("市级复查发现")


class RectificationState(models.TextChoices):
    DRAFT_PLAN = "draft_plan", _("待制定方案")
    PLAN_REVIEW = "plan_review", _("方案待审核")
    IN_PROGRESS = "in_progress", _("整改中")
    AWAITING_VERIFICATION = "awaiting_verification", _("待验收")
    VERIFIED = "verified", _("已验收")
    WAIVED = "waived", _("免于整改")

    @classmethod
    def open(cls) -> tuple[RectificationState, ...]:
        """Still to be done: every state before 已验收, except 免于整改."""
        return (cls.DRAFT_PLAN, cls.PLAN_REVIEW, cls.IN_PROGRESS, cls.AWAITING_VERIFICATION)

    @classmethod
    def school_turn(cls) -> tuple[RectificationState, ...]:
        """The school acts next: write the plan, or carry it out and report completion."""
        return (cls.DRAFT_PLAN, cls.IN_PROGRESS)

    @classmethod
    def reviewer_turn(cls) -> tuple[RectificationState, ...]:
        """The reviewer acts next: approve the plan, or verify the completion."""
        return (cls.PLAN_REVIEW, cls.AWAITING_VERIFICATION)


class RectificationItemQuerySet(models.QuerySet):
    def open(self) -> RectificationItemQuerySet:
        return self.filter(state__in=RectificationState.open())

    def overdue(self, *, today: datetime.date | None = None) -> RectificationItemQuerySet:
        """Open items whose due date has passed (Asia/Shanghai: due at the end of the day)."""
        return self.open().filter(due_date__lt=today or timezone.localdate())


def overdue_q(*, today: datetime.date) -> Q:
    """The SQL of `RectificationItem.is_overdue`: for aggregates."""
    return Q(state__in=RectificationState.open(), due_date__lt=today)


class RectificationItem(models.Model):
    """One improvement a finalised review asks of a school, on one item of the framework.

    `problem` and `action` are the reviewer's (the problem prefilled from the review comment);
    `plan`, `responsible` and `report` are the school's. `scope_assessment` lets the one scoping
    mechanism answer for the item as for its assessment.
    """

    assessment = models.ForeignKey(
        "assessments.Assessment",
        verbose_name=_("学校自评"),
        on_delete=models.CASCADE,
        related_name="rectification_items",
    )
    node = models.ForeignKey(
        "indicators.Node", verbose_name=_("指标条目"), on_delete=models.PROTECT, related_name="+"
    )
    source = models.CharField(_("来源"), max_length=16, choices=RectificationSource.choices)
    state = models.CharField(
        _("状态"),
        max_length=24,
        choices=RectificationState.choices,
        default=RectificationState.DRAFT_PLAN,
    )
    problem = models.TextField(_("存在问题"), max_length=TEXT_MAX_LENGTH)
    action = models.TextField(_("整改要求"), max_length=TEXT_MAX_LENGTH)
    due_date = models.DateField(_("整改期限"))
    responsible = models.CharField(_("整改责任人"), max_length=100, blank=True)
    plan = models.TextField(_("整改方案"), max_length=TEXT_MAX_LENGTH, blank=True)
    report = models.TextField(_("整改情况说明"), max_length=TEXT_MAX_LENGTH, blank=True)
    waiver_reason = models.TextField(_("免于整改理由"), max_length=TEXT_MAX_LENGTH, blank=True)
    version = models.PositiveIntegerField(_("版本"), default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("提出人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)

    objects = RectificationItemQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("整改事项")
        verbose_name_plural = _("整改事项")
        ordering = ["assessment", "node__position"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "node"], name="rectificationitem_unique_node")
        ]
        indexes = [models.Index(fields=["state", "due_date"], name="rectification_state_due")]

    def __str__(self) -> str:
        return f"{self.node.code} · {self.get_state_display()}"

    @property
    def scope_assessment(self):
        return self.assessment

    @property
    def is_open(self) -> bool:
        return self.state in RectificationState.open()

    def is_overdue(self, today: datetime.date | None = None) -> bool:
        return self.is_open and self.due_date < (today or timezone.localdate())


class RectificationEvent(models.Model):
    """One transition of an item: from which state to which, who, when and why."""

    item = models.ForeignKey(
        RectificationItem, verbose_name=_("整改事项"), on_delete=models.CASCADE, related_name="events"
    )
    from_state = models.CharField(_("原状态"), max_length=24, choices=RectificationState.choices, blank=True)
    to_state = models.CharField(_("新状态"), max_length=24, choices=RectificationState.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    comment = models.TextField(_("说明"), max_length=TEXT_MAX_LENGTH, blank=True)
    created_at = models.DateTimeField(_("时间"), default=timezone.now)

    class Meta:
        verbose_name = _("整改记录")
        verbose_name_plural = _("整改记录")
        ordering = ["item", "created_at", "id"]

    def __str__(self) -> str:
        return f"{self.item} {self.from_state} → {self.to_state}"


class RectificationEvidence(models.Model):
    """A file of the school's evidence library supporting the completion of an item (the library is
    the one upload path; an item only points at its files)."""

    item = models.ForeignKey(
        RectificationItem, verbose_name=_("整改事项"), on_delete=models.CASCADE, related_name="evidence"
    )
    file = models.ForeignKey(
        # the library refuses to delete a file that proves a completion (an item never loses its
        # proof silently); deleting the school or the item still takes the link with it
        "evidence.EvidenceFile",
        verbose_name=_("证明材料"),
        on_delete=models.RESTRICT,
        related_name="+",
    )
    attached_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("关联人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    attached_at = models.DateTimeField(_("关联时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("整改证明材料")
        verbose_name_plural = _("整改证明材料")
        ordering = ["item", "attached_at", "id"]
        constraints = [models.UniqueConstraint(fields=["item", "file"], name="rectificationevidence_unique")]

    def __str__(self) -> str:
        return f"{self.item} · {self.file_id}"
