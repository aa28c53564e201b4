"""Campaigns, one assessment per school, one response per indicator item, deadline extensions.

A campaign binds a (locked) framework version to a set of schools and two deadlines. Every school in
scope gets one `Assessment`; every answerable item of the framework (the scoring node in points
mode, the leaf in compliance mode) gets one `ItemResponse`, created eagerly with the assessment so
pages never have to create rows while rendering.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from indicators.choices import ComplianceStatus

from .acceptance import Acceptance
from .organisations import Region, School

STATEMENT_MAX_LENGTH = 2000


class Consolidation(models.TextChoices):
    """How the two independent reviews of a campaign with second review become one result."""

    LEAD = "lead", _("由主评专家确定")
    AVERAGE = "average", _("取两位专家的平均")


class Campaign(models.Model):
    """One round of self-assessment: framework version + year + schools + deadlines.

    `region` is the commission region that owns the campaign; only commission staff covering it
    manage the campaign. The schools in scope are exactly the campaign's assessments.
    """

    framework = models.ForeignKey(
        "indicators.Framework", verbose_name=_("指标体系"), on_delete=models.PROTECT, related_name="campaigns"
    )
    year = models.PositiveSmallIntegerField(
        _("年度"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    title = models.CharField(_("名称"), max_length=200)
    region = models.ForeignKey(
        Region, verbose_name=_("主管地区"), on_delete=models.PROTECT, related_name="campaigns"
    )
    self_deadline = models.DateTimeField(_("自评截止时间"))
    review_deadline = models.DateTimeField(_("评审截止时间"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("创建人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    second_review = models.BooleanField(
        _("双人评审"), default=False, help_text=_("每所学校由两位评审专家独立评审，再合议出结果。")
    )
    consolidation = models.CharField(
        _("合议方式"),
        max_length=8,
        choices=Consolidation.choices,
        default=Consolidation.LEAD,
    )
    predecessor = models.ForeignKey(
        "self",
        verbose_name=_("上一年度活动"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="successors",
        help_text=_("同一指标体系（任一版本）、更早年度、同一或上级地区的活动，用于年度对比。"),
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    # set when the publication of the results closes: from then on the official results and the
    # designations of the campaign are final (`services.results_assert_unfrozen`)
    results_frozen_at = models.DateTimeField(_("结果冻结时间"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("自评活动")
        verbose_name_plural = _("自评活动")
        ordering = ["-year", "-created_at"]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        if self.self_deadline and self.review_deadline and self.review_deadline < self.self_deadline:
            raise ValidationError({"review_deadline": _("评审截止时间不能早于自评截止时间。")})
        if self.predecessor_id is not None:
            self._clean_predecessor()

    def _clean_predecessor(self) -> None:
        """The predecessor is an earlier round of the same standard (any version of the framework
        code) run by the same region or one enclosing it, so its schools can be compared."""
        previous = self.predecessor
        if self.pk is not None and previous.pk == self.pk:
            raise ValidationError({"predecessor": _("活动不能以自身为上一年度活动。")})
        if self.framework_id and previous.framework.code != self.framework.code:
            raise ValidationError({"predecessor": _("上一年度活动须使用同一指标体系（可为其他版本）。")})
        if self.year and previous.year >= self.year:
            raise ValidationError({"predecessor": _("上一年度活动的年度须早于本活动。")})
        if self.region_id and not self.region.path.startswith(previous.region.path):
            raise ValidationError({"predecessor": _("上一年度活动须属于本地区或其上级地区。")})


class AssessmentStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("已提交")
    IN_REVIEW = "in_review", _("评审中")
    RETURNED = "returned", _("退回修改")
    FINALISED = "finalised", _("已完成")

    @classmethod
    def editable(cls) -> tuple[AssessmentStatus, ...]:
        """The school may change its answers (a returned assessment: the items sent back only)."""
        return (cls.DRAFT, cls.RETURNED)

    @classmethod
    def in_review(cls) -> tuple[AssessmentStatus, ...]:
        """Part of the district review: from the submission on (drafts are not)."""
        return (cls.SUBMITTED, cls.IN_REVIEW, cls.RETURNED, cls.FINALISED)

    @classmethod
    def reviewable(cls) -> tuple[AssessmentStatus, ...]:
        """A reviewer may give verdicts (a submitted assessment moves to in review on the first)."""
        return (cls.SUBMITTED, cls.IN_REVIEW)

    @classmethod
    def self_counted(cls) -> tuple[AssessmentStatus, ...]:
        """Counted in self-assessment statistics and ranks: submitted or later. A draft (and a
        school that has not started) appears only in the progress figures."""
        return cls.in_review()

    @classmethod
    def review_counted(cls) -> tuple[AssessmentStatus, ...]:
        """The review result exists: counted in review statistics and ranks, and shown to the school
        and everyone else outside the review workbench. An unfinished review is not a result."""
        return (cls.FINALISED,)


class Progress(models.TextChoices):
    """Where a school stands, for progress figures: each school is in exactly one of these. A draft
    splits into 未开始 (nothing answered) and 填报中; the later ones are the assessment's status."""

    NOT_STARTED = "not_started", _("未开始")
    DRAFT = "draft", _("填报中")
    SUBMITTED = "submitted", _("已提交")
    IN_REVIEW = "in_review", _("评审中")
    RETURNED = "returned", _("退回修改")
    FINALISED = "finalised", _("已完成")

    @classmethod
    def of(cls, status: str, *, answered: bool) -> Progress:
        """The progress of an assessment in `status` that has (or not) any answered item."""
        if status == AssessmentStatus.DRAFT and not answered:
            return cls.NOT_STARTED
        return cls(status)


class AssessmentQuerySet(models.QuerySet):
    def in_review(self) -> AssessmentQuerySet:
        return self.filter(status__in=AssessmentStatus.in_review())

    def self_counted(self) -> AssessmentQuerySet:
        """`AssessmentStatus.self_counted()`: in self-assessment statistics."""
        return self.filter(status__in=AssessmentStatus.self_counted())

    def review_counted(self) -> AssessmentQuerySet:
        """`AssessmentStatus.review_counted()`: in review statistics."""
        return self.filter(status__in=AssessmentStatus.review_counted())

    def with_progress(self) -> AssessmentQuerySet:
        """Annotated with `progress` (a `Progress` value), `Progress.of` in SQL."""
        answered = ItemResponse.objects.filter(ANSWERED, assessment_id=models.OuterRef("pk"))
        return self.annotate(
            progress=models.Case(
                models.When(
                    models.Q(status=AssessmentStatus.DRAFT) & ~models.Exists(answered),
                    then=models.Value(Progress.NOT_STARTED.value),
                ),
                default=models.F("status"),
                output_field=models.CharField(),
            )
        )


class Assessment(models.Model):
    """One school's self-assessment within a campaign; moves through `AssessmentStatus`.

    `deadline_override` is set when commission staff extend the deadline for this school (each
    extension is kept as a `DeadlineExtension` row with its reason). `version` increases on every
    status change so concurrent workflow actions can detect each other. `review_round` counts the
    review rounds: it starts at 1 and increases each time the reviewer returns the assessment, so
    every reviewer verdict (`ItemReview`) says which round it belongs to.

    The `result_*` fields are the official result, decided from the reviewed values by the
    campaign's rule in force when the review is finalised (`result_rule`, the version) and cleared
    when it is reopened; all null while not finalised, or when the campaign has no rule. The result
    is final only once the city accepts it (`acceptance`, see `models/acceptance.py`): a finalisation
    makes it pending again, and a send-back reopens the district review with its reason.
    """

    Status = AssessmentStatus

    campaign = models.ForeignKey(
        Campaign, verbose_name=_("自评活动"), on_delete=models.CASCADE, related_name="assessments"
    )
    school = models.ForeignKey(
        School, verbose_name=_("学校"), on_delete=models.PROTECT, related_name="assessments"
    )
    status = models.CharField(
        _("状态"), max_length=12, choices=AssessmentStatus.choices, default=AssessmentStatus.DRAFT
    )
    deadline_override = models.DateTimeField(_("延期后的截止时间"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    version = models.PositiveIntegerField(_("版本"), default=1)
    review_round = models.PositiveSmallIntegerField(_("评审轮次"), default=1)
    review_conclusion = models.TextField(
        _("总体评审意见"),
        blank=True,
        help_text=_("评审专家在定稿时写下的总体结论，随评审结果向学校和教委展示"),
    )
    result_percent = models.DecimalField(
        _("结果得分率（%）"), max_digits=6, decimal_places=2, null=True, blank=True, editable=False
    )
    result_grade = models.CharField(_("结果等级"), max_length=20, blank=True, editable=False)
    result_passed = models.BooleanField(_("是否达标"), null=True, blank=True, editable=False)
    result_rule = models.ForeignKey(
        "assessments.ResultRule",
        verbose_name=_("判定规则"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.RESTRICT,
        related_name="assessments",
    )
    result_at = models.DateTimeField(_("结果判定时间"), null=True, blank=True, editable=False)
    acceptance = models.CharField(
        _("市级验收"), max_length=10, choices=Acceptance.choices, default=Acceptance.PENDING, editable=False
    )
    acceptance_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("验收人"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    acceptance_at = models.DateTimeField(_("验收时间"), null=True, blank=True, editable=False)
    acceptance_reason = models.TextField(_("验收退回原因"), blank=True, editable=False)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    history = HistoricalRecords()
    objects = AssessmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("学校自评")
        verbose_name_plural = _("学校自评")
        ordering = ["campaign", "school__region__path", "school__code"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "school"], name="assessment_unique_campaign_school")
        ]
        indexes = [models.Index(fields=["campaign", "status"], name="assessment_campaign_status")]

    def __str__(self) -> str:
        return f"{self.school} · {self.campaign}"

    @property
    def deadline(self) -> datetime.datetime:
        """The deadline that applies to this school: the extension if any, else the campaign's."""
        return self.deadline_override or self.campaign.self_deadline

    def deadline_passed(self, now: datetime.datetime | None = None) -> bool:
        return (now or timezone.now()) > self.deadline

    @property
    def is_editable_state(self) -> bool:
        return self.status in AssessmentStatus.editable()

    @property
    def is_reviewable_state(self) -> bool:
        return self.status in AssessmentStatus.reviewable()

    def state_flags(self) -> dict[str, bool]:
        """`is_draft`, `is_submitted`, `is_returned`, `is_finalised`: what pages show differently."""
        return {
            "is_draft": self.status == AssessmentStatus.DRAFT,
            "is_submitted": self.status == AssessmentStatus.SUBMITTED,
            "is_returned": self.status == AssessmentStatus.RETURNED,
            "is_finalised": self.status == AssessmentStatus.FINALISED,
        }

    @property
    def is_accepted(self) -> bool:
        """The city accepted the finalised result: the official result is final."""
        return self.status == AssessmentStatus.FINALISED and self.acceptance == Acceptance.ACCEPTED

    @property
    def is_sent_back(self) -> bool:
        """The city sent the result back; the district reviews again with `acceptance_reason`."""
        return self.acceptance == Acceptance.SENT_BACK


class ReviewVerdict(models.TextChoices):
    ACCEPT = "accept", _("认可")
    ADJUST = "adjust", _("调整")
    MORE_EVIDENCE = "more_evidence", _("需补充材料")

    @classmethod
    def awaits_review(cls, verdict: str | None) -> bool:
        """An item awaits review while it has no verdict, or more evidence was requested."""
        return verdict in (None, "", cls.MORE_EVIDENCE)


#: the same two rules as queryset filters (see ItemResponseQuerySet)
ANSWERED = Q(self_score__isnull=False) | Q(self_status__isnull=False)
AWAITING_REVIEW = Q(review_verdict__isnull=True) | Q(review_verdict=ReviewVerdict.MORE_EVIDENCE)
#: carried forward from last year and not yet confirmed by the CIO (待确认): never answered
CARRY_PENDING = Q(carried_from__isnull=False, confirmed_at__isnull=True)


class ItemResponseQuerySet(models.QuerySet):
    def answered(self) -> ItemResponseQuerySet:
        return self.filter(ANSWERED)

    def unanswered(self) -> ItemResponseQuerySet:
        return self.exclude(ANSWERED)

    def carry_pending(self) -> ItemResponseQuerySet:
        """Items carried forward from last year that the CIO has not confirmed yet (待确认)."""
        return self.filter(CARRY_PENDING)

    def review_pending(self) -> ItemResponseQuerySet:
        """Items awaiting review: no verdict yet, or more evidence requested."""
        return self.filter(AWAITING_REVIEW)


class ItemResponse(models.Model):
    """The school's answer to one answerable item: a self-score (points mode) or a compliance
    status, and a statement. Evidence files attach to it from the `evidence` app.

    `version` increases on every save through the services; an edit carrying an older version is
    refused instead of silently overwriting a newer answer. `reopened` marks the items a reviewer
    sent back: in a returned assessment only those may be edited. `self_status` is NULL until
    answered (NULL = "not answered", distinct from any status).

    The `review_*` fields are the consolidated review result that reports read: the verdict, the
    reviewer's score (points mode) or status (compliance mode) — an "accept" copies the self value —
    the comment, and who decided it when. Each reviewer's own verdicts per round are `ItemReview`s.

    `carried_from` names last year's response whose statement, evidence and facts were carried into
    this one (`services.years`); until the CIO confirms it (`confirmed_at`, choosing the score or
    status, last year's shown as a suggestion) the item has no value and so counts as unanswered
    everywhere — a check constraint keeps it so.
    """

    assessment = models.ForeignKey(
        Assessment, verbose_name=_("学校自评"), on_delete=models.CASCADE, related_name="responses"
    )
    node = models.ForeignKey(
        "indicators.Node", verbose_name=_("指标"), on_delete=models.PROTECT, related_name="responses"
    )
    self_score = models.DecimalField(
        _("自评分"),
        max_digits=5,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    self_status = models.CharField(
        _("自评达标情况"), max_length=10, choices=ComplianceStatus.choices, null=True, blank=True
    )
    statement = models.TextField(_("自评说明"), max_length=STATEMENT_MAX_LENGTH, blank=True)
    reopened = models.BooleanField(_("退回后可修改"), default=False)
    review_verdict = models.CharField(
        _("评审结论"), max_length=16, choices=ReviewVerdict.choices, null=True, blank=True
    )
    review_score = models.DecimalField(
        _("评审分"), max_digits=5, decimal_places=1, null=True, blank=True, validators=[MinValueValidator(0)]
    )
    review_status = models.CharField(
        _("评审达标情况"), max_length=10, choices=ComplianceStatus.choices, null=True, blank=True
    )
    review_comment = models.TextField(_("评审意见"), max_length=STATEMENT_MAX_LENGTH, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("评审人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("评审时间"), null=True, blank=True)
    version = models.PositiveIntegerField(_("版本"), default=1)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("最后修改人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("最后修改时间"), null=True, blank=True)
    carried_from = models.ForeignKey(
        "self",
        verbose_name=_("带入自上年条目"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    confirmed_at = models.DateTimeField(_("带入后确认时间"), null=True, blank=True)

    history = HistoricalRecords()
    objects = ItemResponseQuerySet.as_manager()

    class Meta:
        verbose_name = _("条目自评")
        verbose_name_plural = _("条目自评")
        ordering = ["assessment", "node__position"]
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "node"], name="itemresponse_unique_assessment_node"
            ),
            # a carried item is answered only by the CIO's confirmation: its value stays empty till then
            models.CheckConstraint(
                condition=~CARRY_PENDING | (Q(self_score__isnull=True) & Q(self_status__isnull=True)),
                name="itemresponse_carried_unconfirmed_unanswered",
            ),
        ]
        indexes = [
            # the items awaiting review per assessment, counted from this index alone where the
            # tally below is not kept (on PostgreSQL the review queue reads `ResponseTally`)
            models.Index(fields=["assessment"], condition=AWAITING_REVIEW, name="response_awaiting_review"),
        ]

    def __str__(self) -> str:
        return f"{self.assessment} · {self.node.code}"

    @property
    def is_answered(self) -> bool:
        return self.self_score is not None or bool(self.self_status)

    @property
    def carry_pending(self) -> bool:
        """Carried forward from last year and awaiting the CIO's confirmation (待确认)."""
        return self.carried_from_id is not None and self.confirmed_at is None

    @property
    def awaits_review(self) -> bool:
        return ReviewVerdict.awaits_review(self.review_verdict)

    @property
    def awaits_more_evidence(self) -> bool:
        return self.review_verdict == ReviewVerdict.MORE_EVIDENCE

    @staticmethod
    def value_field(*, is_points: bool, review: bool = False) -> str:
        """The field holding the answer's value: the score in points mode, else the status."""
        return f"{'review' if review else 'self'}_{'score' if is_points else 'status'}"

    def self_value(self, *, is_points: bool):
        return getattr(self, self.value_field(is_points=is_points))

    def review_value(self, *, is_points: bool):
        return getattr(self, self.value_field(is_points=is_points, review=True))


class ResponseTally(models.Model):
    """How many items an assessment has (`total`) and how many of them await review (`pending`, as
    `AWAITING_REVIEW` counts them), kept by PostgreSQL itself: statement triggers on the item
    responses' table add what every INSERT, UPDATE and DELETE changes, whatever wrote it (a
    service, the admin, an import, a bulk UPDATE), in the writer's own transaction. An assessment
    without items has no row. On other databases nothing keeps the table, so it stays empty and
    `selectors.response_tally` counts instead: read the numbers through it, never from here."""

    assessment = models.OneToOneField(
        Assessment,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="tally",
        verbose_name=_("学校自评"),
    )
    total = models.IntegerField(_("条目数"), default=0)
    pending = models.IntegerField(_("待评审条目数"), default=0)

    class Meta:
        verbose_name = _("条目计数")
        verbose_name_plural = _("条目计数")
        default_permissions = ()

    def __str__(self) -> str:
        return f"{self.assessment_id}: {self.pending}/{self.total}"


class DeadlineExtension(models.Model):
    """A deadline extension granted to one school by commission staff, with the reason."""

    assessment = models.ForeignKey(
        Assessment, verbose_name=_("学校自评"), on_delete=models.CASCADE, related_name="extensions"
    )
    new_deadline = models.DateTimeField(_("新的截止时间"))
    reason = models.TextField(_("延期原因"), max_length=1000)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("批准人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("延期记录")
        verbose_name_plural = _("延期记录")
        ordering = ["assessment", "-created_at"]

    def __str__(self) -> str:
        return f"{self.assessment} → {self.new_deadline:%Y-%m-%d}"
