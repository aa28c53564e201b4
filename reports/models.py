"""Report jobs: one row per requested PDF, zip of PDFs or workbook, rendered by a Celery worker.

A job moves queued → running → done | failed. Only `services` change it: `report_job_run` claims
the row with `select_for_update()` and leaves a terminal row alone, so a redelivered or duplicated
task message is harmless. Batch jobs (a district's or a city's PDFs as one zip) fan out into one
child `school_pdf` job per school; the parent's progress is children done / total, and the parent
assembles the zip once every child has finished. A `rectification_notice` is the 整改通知书 of one
assessment: queued when its reviewer confirms the rectification list (`reports.signals`) or on request.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class JobKind(models.TextChoices):
    SCHOOL_PDF = "school_pdf", _("学校评估报告（PDF）")
    DISTRICT_PDF_ZIP = "district_pdf_zip", _("区县学校报告合集（ZIP）")
    CITY_PDF_ZIP = "city_pdf_zip", _("全市学校报告合集（ZIP）")
    CITY_WORKBOOK = "city_workbook", _("全市统计工作簿（Excel）")
    RECTIFICATION_NOTICE = "rectification_notice", _("整改通知书（PDF）")


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("生成中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("失败")


TERMINAL = (JobStatus.DONE, JobStatus.FAILED)
ACTIVE = (JobStatus.QUEUED, JobStatus.RUNNING)
BATCH_KINDS = (JobKind.DISTRICT_PDF_ZIP, JobKind.CITY_PDF_ZIP)
#: one school's document, made in one step (progress 0/1 → 1/1)
SCHOOL_KINDS = (JobKind.SCHOOL_PDF, JobKind.RECTIFICATION_NOTICE)


def result_upload_to(job: ReportJob, filename: str) -> str:
    return f"reports/{job.pk}/{filename}"


def default_expiry() -> datetime.datetime:
    return timezone.now() + datetime.timedelta(days=settings.REPORTS_KEEP_DAYS)


DEFAULT_JOB_LANGUAGE = "zh-hans"  # jobs made without a requester's language (signals, commands)


class ReportJob(models.Model):
    """One request for a report, with its progress and, when done, its file.

    `params` holds the ids the job was asked for ({"assessment": 5} or {"campaign": 2, "region": 7});
    the same ids are kept as foreign keys so every scoping rule is a database filter. `dedupe_key`
    identifies identical requests: while one is queued or running, asking again returns it
    (a partial unique constraint makes this hold under concurrent requests too). `attempts` counts
    claims: a task redelivered after a worker died claims again, up to `REPORTS_MAX_ATTEMPTS`.
    `heartbeat_at` is the running job's last sign of life (its progress, and a timer beside the work);
    silent for `REPORTS_HEARTBEAT_TIMEOUT_SECONDS`, the job has lost its process and is failed as
    interrupted. A batch has none while its packing waits in the queue.
    `error` is a sentence for the user, in Chinese; details go to the log.
    """

    Kind = JobKind
    Status = JobStatus

    kind = models.CharField(_("报告类型"), max_length=20, choices=JobKind.choices)
    params = models.JSONField(_("参数"), default=dict, blank=True)
    dedupe_key = models.CharField(_("请求标识"), max_length=120, editable=False)
    language = models.CharField(
        _("语言"),
        max_length=10,
        choices=settings.LANGUAGES,
        default=DEFAULT_JOB_LANGUAGE,
        help_text=_("生成文件所用的语言：申请人当时的界面语言。"),
    )
    campaign = models.ForeignKey(
        "assessments.Campaign", verbose_name=_("自评活动"), on_delete=models.CASCADE, related_name="+"
    )
    assessment = models.ForeignKey(
        "assessments.Assessment",
        verbose_name=_("学校自评"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    region = models.ForeignKey(
        "assessments.Region",
        verbose_name=_("地区"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("所属批量任务"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="children",
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("申请人"),
        on_delete=models.CASCADE,
        related_name="report_jobs",
    )
    status = models.CharField(_("状态"), max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED)
    progress_done = models.PositiveIntegerField(_("已完成"), default=0)
    progress_total = models.PositiveIntegerField(_("总数"), default=0)
    error = models.TextField(_("错误信息"), blank=True)
    result = models.FileField(_("结果文件"), upload_to=result_upload_to, max_length=255, blank=True)
    result_name = models.CharField(_("下载文件名"), max_length=200, blank=True)
    attempts = models.PositiveSmallIntegerField(_("执行次数"), default=0)
    created_at = models.DateTimeField(_("申请时间"), auto_now_add=True)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(_("最近进展"), null=True, blank=True)
    expires_at = models.DateTimeField(_("过期时间"), default=default_expiry)

    class Meta:
        verbose_name = _("报告任务")
        verbose_name_plural = _("报告任务")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["requested_by", "dedupe_key"],
                condition=models.Q(status__in=["queued", "running"], parent__isnull=True),
                name="reportjob_one_active_per_request",
            )
        ]
        indexes = [
            models.Index(fields=["requested_by", "-created_at"], name="reportjob_user_recent"),
            models.Index(fields=["status", "started_at"], name="reportjob_status_started"),
            models.Index(fields=["expires_at"], name="reportjob_expires"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_kind_display()} · {self.get_status_display()}"

    @property
    def is_terminal(self) -> bool:
        return self.status in TERMINAL

    @property
    def is_failed(self) -> bool:
        return self.status == JobStatus.FAILED

    @property
    def is_done(self) -> bool:
        return self.status == JobStatus.DONE

    @property
    def is_running(self) -> bool:
        return self.status == JobStatus.RUNNING

    @property
    def is_batch(self) -> bool:
        return self.kind in BATCH_KINDS

    @property
    def percent(self) -> int:
        if self.status == JobStatus.DONE:
            return 100
        if not self.progress_total:
            return 0
        return min(100, round(100 * self.progress_done / self.progress_total))

    @property
    def target_name(self) -> str:
        """The school or region the report is about (needs assessment__school / region loaded)."""
        if self.assessment_id:
            return self.assessment.school.name
        return self.region.name if self.region_id else ""

    @property
    def downloadable(self) -> bool:
        return self.status == JobStatus.DONE and bool(self.result) and self.expires_at > timezone.now()
