"""Reproducible sampling of schools for the city re-check (市级抽检复核), and the re-check itself.

A `Sample` keeps everything needed to draw it again: the campaign, the method, the strata, the rate
or the count per stratum, the seed and the schools added by hand; its `SampleSchool` rows are the
result (drawn or added by hand), each with the city reviewer assigned to re-score it. A
`CityReview` is the city stage of the review of one item: the value the city reviewer gives,
compared with the district's consolidated value (`ItemResponse.review_*`) for the deviation.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .campaigns import STATEMENT_MAX_LENGTH, Assessment, Campaign, ComplianceStatus, ItemResponse


class SampleMethod(models.TextChoices):
    SIMPLE = "simple", _("简单随机抽样")
    STRATIFIED = "stratified", _("分层随机抽样")


class Stratum(models.TextChoices):
    """What a stratified sample may be stratified by."""

    DISTRICT = "district", _("区县")
    SCHOOL_TYPE = "school_type", _("学校类型")


class ReviewStage(models.TextChoices):
    DISTRICT = "district", _("区县评审")
    CITY = "city", _("市级复核")


class Sample(models.Model):
    """One draw of schools for the city re-check, with everything needed to reproduce it.

    Exactly one of `rate` (a share of each stratum, rounded up) and `per_stratum` (a count per
    stratum) is set. `schools` lists the drawn school codes and the manual additions in the order
    the draw produced them."""

    campaign = models.ForeignKey(
        Campaign, verbose_name=_("自评活动"), on_delete=models.CASCADE, related_name="samples"
    )
    method = models.CharField(_("抽样方法"), max_length=12, choices=SampleMethod.choices)
    strata = models.JSONField(_("分层依据"), default=list, blank=True)
    rate = models.DecimalField(
        _("抽样比例"),
        max_digits=5,
        decimal_places=4,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(1)],
    )
    per_stratum = models.PositiveIntegerField(_("每层抽取数"), null=True, blank=True)
    seed = models.BigIntegerField(_("随机种子"), validators=[MinValueValidator(0)])
    manual_codes = models.JSONField(_("人工增补的学校"), default=list, blank=True)
    drawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("抽样人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    drawn_at = models.DateTimeField(_("抽样时间"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("抽样")
        verbose_name_plural = _("抽样")
        ordering = ["campaign", "-drawn_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.campaign} · {self.get_method_display()} · {self.seed}"

    def clean(self) -> None:
        if (self.rate is None) == (self.per_stratum is None):
            raise ValidationError({"rate": _("请填写抽样比例或每层抽取数（二选一）。")})
        unknown = [s for s in self.strata if s not in Stratum.values]
        if unknown:
            raise ValidationError(
                {"strata": _("未知的分层依据：%(s)s") % {"s": _("、").join(map(str, unknown))}}
            )


class SampleSchool(models.Model):
    """A school in a sample (drawn, or added by hand), and the city reviewer who re-checks it."""

    sample = models.ForeignKey(
        Sample, verbose_name=_("抽样"), on_delete=models.CASCADE, related_name="schools"
    )
    assessment = models.ForeignKey(
        Assessment, verbose_name=_("学校自评"), on_delete=models.CASCADE, related_name="sample_rows"
    )
    position = models.PositiveIntegerField(_("序号"))
    manual = models.BooleanField(_("人工增补"), default=False)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("复核专家"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="recheck_rows",
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("抽中学校")
        verbose_name_plural = _("抽中学校")
        ordering = ["sample", "position"]
        constraints = [models.UniqueConstraint(fields=["sample", "assessment"], name="sampleschool_unique")]

    def __str__(self) -> str:
        return f"{self.sample} · {self.assessment.school}"


class CityReview(models.Model):
    """The city stage of the review of one item: the re-check value of a sampled school's item
    (points: score; compliance: status) and the comment, by the city reviewer. One per item:
    the district stage is `ItemResponse.review_*`."""

    response = models.OneToOneField(
        ItemResponse, verbose_name=_("条目自评"), on_delete=models.CASCADE, related_name="city_review"
    )
    stage = models.CharField(
        _("评审阶段"), max_length=10, choices=ReviewStage.choices, default=ReviewStage.CITY, editable=False
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("复核专家"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    score = models.DecimalField(
        _("复核分"), max_digits=5, decimal_places=1, null=True, blank=True, validators=[MinValueValidator(0)]
    )
    status = models.CharField(
        _("复核达标情况"), max_length=10, choices=ComplianceStatus.choices, null=True, blank=True
    )
    comment = models.TextField(_("复核意见"), max_length=STATEMENT_MAX_LENGTH, blank=True)
    updated_at = models.DateTimeField(_("复核时间"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("市级复核")
        verbose_name_plural = _("市级复核")
        ordering = ["response"]

    def __str__(self) -> str:
        return f"{self.response} · {self.get_stage_display()}"
