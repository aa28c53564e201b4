"""After the review: on-site visits (现场核验) and the publication of results with objections (申辩).

A visit is scheduled for one assessment (a date, a team of users in the `inspect` scope of the
school, the items to check); its team records a finding per item (text, verdict, photos kept in the
school's evidence library) and uploads the signed check sheet (a PDF, in the same library). A finding
may become a rectification item (source 现场核验发现) or a review adjustment of the item.

A publication (公示) announces a campaign's official results: the fields shown (pass, grade, total,
designation), who may read the page (signed-in participants, or anyone with its unguessable link)
and an objection window. During the window the school's CIO may object to its result or to an item
(one open objection per item); the commission upholds (the review is reopened through the review
service) or rejects, with a reason. Closing the publication freezes the campaign's results and
designations (`Campaign.results_frozen_at`).
"""

from __future__ import annotations

import datetime
import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

TEXT_MAX_LENGTH = 2000


class VisitState(models.TextChoices):
    SCHEDULED = "scheduled", _("待核验")
    COMPLETED = "completed", _("已完成")


class FindingVerdict(models.TextChoices):
    CONFIRMED = "confirmed", _("与自评一致")
    DISCREPANCY = "discrepancy", _("与自评不符")
    NOT_CHECKED = "not_checked", _("未能核验")


class Visit(models.Model):
    """One on-site visit to a school for its assessment: when, who, which items, the signed sheet."""

    assessment = models.ForeignKey(
        "assessments.Assessment", verbose_name=_("学校自评"), on_delete=models.CASCADE, related_name="visits"
    )
    date = models.DateField(_("核验日期"))
    team = models.ManyToManyField(settings.AUTH_USER_MODEL, verbose_name=_("核验组成员"), related_name="+")
    state = models.CharField(
        _("状态"), max_length=16, choices=VisitState.choices, default=VisitState.SCHEDULED
    )
    note = models.TextField(_("说明"), max_length=TEXT_MAX_LENGTH, blank=True)
    check_sheet = models.ForeignKey(
        "evidence.EvidenceFile",
        verbose_name=_("签字核验单"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("安排人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("安排时间"), auto_now_add=True)
    completed_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("现场核验")
        verbose_name_plural = _("现场核验")
        ordering = ["-date", "-id"]

    def __str__(self) -> str:
        return f"{self.assessment} · {self.date:%Y-%m-%d}"

    @property
    def scope_assessment(self):
        return self.assessment


class Finding(models.Model):
    """What the team found on one item of a visit (empty until recorded)."""

    visit = models.ForeignKey(
        Visit, verbose_name=_("现场核验"), on_delete=models.CASCADE, related_name="findings"
    )
    node = models.ForeignKey(
        "indicators.Node", verbose_name=_("指标条目"), on_delete=models.PROTECT, related_name="+"
    )
    verdict = models.CharField(_("核验结论"), max_length=16, choices=FindingVerdict.choices, blank=True)
    text = models.TextField(_("核验情况"), max_length=TEXT_MAX_LENGTH, blank=True)
    photos = models.ManyToManyField(
        "evidence.EvidenceFile", verbose_name=_("现场照片"), through="FindingPhoto", related_name="+"
    )
    rectification_item = models.ForeignKey(
        "rectification.RectificationItem",
        verbose_name=_("整改事项"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    adjusted = models.BooleanField(_("已调整评审结果"), default=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("记录人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("记录时间"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("核验发现")
        verbose_name_plural = _("核验发现")
        ordering = ["visit", "node__position"]
        constraints = [models.UniqueConstraint(fields=["visit", "node"], name="finding_unique_visit_node")]

    def __str__(self) -> str:
        return f"{self.node.code} · {self.get_verdict_display() or '—'}"

    @property
    def scope_assessment(self):
        return self.visit.assessment


class FindingPhoto(models.Model):
    """A photo of a finding: a file of the school's evidence library, which it keeps (PROTECT)."""

    finding = models.ForeignKey(Finding, verbose_name=_("核验发现"), on_delete=models.CASCADE)
    file = models.ForeignKey(
        "evidence.EvidenceFile", verbose_name=_("照片"), on_delete=models.PROTECT, related_name="+"
    )
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("上传人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    added_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("现场照片")
        verbose_name_plural = _("现场照片")
        ordering = ["finding", "added_at", "id"]
        constraints = [models.UniqueConstraint(fields=["finding", "file"], name="findingphoto_unique")]

    def __str__(self) -> str:
        return f"{self.finding_id} · {self.file_id}"


# --- publication and objections ---------------------------------------------------------------------


class Visibility(models.TextChoices):
    LOGIN = "login", _("仅登录用户（本活动的参与者）")
    PUBLIC = "public", _("公开（持链接的任何人）")


class PublicationState(models.TextChoices):
    OPEN = "open", _("公示中")
    CLOSED = "closed", _("已结束")


#: the fields a publication may show per school, in the order of the page's columns
PUBLISHED_FIELDS = (
    ("show_pass", _("是否达标")),
    ("show_grade", _("等级")),
    ("show_total", _("综合得分率")),
    ("show_designation", _("命名")),
)


def _token() -> str:
    return secrets.token_urlsafe(24)


class Publication(models.Model):
    """The announcement (公示) of one campaign's official results, with its objection window.

    `token` is the only identifier in the results page's URL (not guessable: 192 random bits).
    `window_start`/`window_end` are dates in Asia/Shanghai, both days included.
    """

    campaign = models.OneToOneField(
        "assessments.Campaign",
        verbose_name=_("自评活动"),
        on_delete=models.CASCADE,
        related_name="publication",
    )
    token = models.CharField(_("链接令牌"), max_length=40, unique=True, default=_token, editable=False)
    visibility = models.CharField(_("公示范围"), max_length=8, choices=Visibility.choices)
    show_pass = models.BooleanField(_("公示是否达标"), default=True)
    show_grade = models.BooleanField(_("公示等级"), default=False)
    show_total = models.BooleanField(_("公示综合得分率"), default=False)
    show_designation = models.BooleanField(_("公示命名"), default=False)
    window_start = models.DateField(_("申辩开始日期"))
    window_end = models.DateField(_("申辩截止日期"))
    state = models.CharField(
        _("状态"), max_length=8, choices=PublicationState.choices, default=PublicationState.OPEN
    )
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发布人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    published_at = models.DateTimeField(_("发布时间"), default=timezone.now)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("结束人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    closed_at = models.DateTimeField(_("结束时间"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("结果公示")
        verbose_name_plural = _("结果公示")
        ordering = ["-published_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(window_end__gte=models.F("window_start")), name="publication_window"
            )
        ]

    def __str__(self) -> str:
        return str(self.campaign)

    @property
    def fields_shown(self) -> list[str]:
        return [name for name, _label in PUBLISHED_FIELDS if getattr(self, name)]

    def window_open(self, today: datetime.date | None = None) -> bool:
        today = today or timezone.localdate()
        return self.state == PublicationState.OPEN and self.window_start <= today <= self.window_end


class ObjectionState(models.TextChoices):
    OPEN = "open", _("待处理")
    UPHELD = "upheld", _("申辩成立")
    REJECTED = "rejected", _("申辩不成立")


class Objection(models.Model):
    """A school's objection (申辩) to its published result (`node` empty) or to one item of it."""

    publication = models.ForeignKey(
        Publication, verbose_name=_("结果公示"), on_delete=models.CASCADE, related_name="objections"
    )
    assessment = models.ForeignKey(
        "assessments.Assessment",
        verbose_name=_("学校自评"),
        on_delete=models.CASCADE,
        related_name="objections",
    )
    node = models.ForeignKey(
        "indicators.Node",
        verbose_name=_("指标条目"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reason = models.TextField(_("申辩理由"), max_length=TEXT_MAX_LENGTH)
    files = models.ManyToManyField(
        "evidence.EvidenceFile", verbose_name=_("证明材料"), blank=True, related_name="+"
    )
    state = models.CharField(
        _("状态"), max_length=12, choices=ObjectionState.choices, default=ObjectionState.OPEN
    )
    decision = models.TextField(_("处理意见"), max_length=TEXT_MAX_LENGTH, blank=True)
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("申辩人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    raised_at = models.DateTimeField(_("申辩时间"), default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("处理人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("处理时间"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("申辩")
        verbose_name_plural = _("申辩")
        ordering = ["-raised_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["publication", "assessment", "node"],
                condition=Q(state="open"),
                nulls_distinct=False,
                name="objection_one_open_per_item",
            )
        ]

    def __str__(self) -> str:
        return f"{self.assessment} · {self.node.code if self.node_id else _('总体结果')}"

    @property
    def scope_assessment(self):
        return self.assessment
