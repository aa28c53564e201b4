"""Evidence: the school's library of files, and the files and links attached to item responses.

A file belongs to a school (its evidence library) and can support several items: the link between
a response and a file is a `ResponseEvidence` row, whose history records every attach (created)
and detach (deleted) with who and when. Stored paths are `evidence/<school_id>/<uuid>.<ext>` (an
image's thumbnail, when it has one, `evidence/<school_id>/thumbnails/<uuid>.jpg`); the name the user
gave is kept only in `original_name`.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import URLValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .filetypes import FILE_TYPES, FileType
from .images import preview_max_pixels, thumbnail_name

KIND_CHOICES = [(t.kind, t.label) for t in FILE_TYPES.values()]
KIND_ICONS = {
    "pdf": "bi-file-earmark-pdf",
    "jpeg": "bi-file-earmark-image",
    "png": "bi-file-earmark-image",
    "docx": "bi-file-earmark-word",
    "xlsx": "bi-file-earmark-excel",
    "pptx": "bi-file-earmark-slides",
    "mp4": "bi-file-earmark-play",
}


class EvidenceFile(models.Model):
    """One stored file in a school's evidence library.

    `kind`, `content_type` and the stored extension come from the detected content, never from the
    uploaded name. `sha256` is unique per school: uploading the same bytes again reuses this row.
    Deleted only through `services.evidence_file_delete`, which also removes the stored object.
    """

    school = models.ForeignKey(
        "assessments.School", verbose_name=_("学校"), on_delete=models.PROTECT, related_name="evidence_files"
    )
    file = models.FileField(_("文件"), max_length=255)
    original_name = models.CharField(_("文件名"), max_length=120)
    content_type = models.CharField(_("内容类型"), max_length=100)
    kind = models.CharField(_("类型"), max_length=10, choices=KIND_CHOICES)
    size = models.PositiveBigIntegerField(_("大小（字节）"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    # Read from the image's header at upload; null for other kinds and for unreadable headers.
    width = models.PositiveIntegerField(_("宽度（像素）"), null=True, blank=True)
    height = models.PositiveIntegerField(_("高度（像素）"), null=True, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("上传人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("佐证文件")
        verbose_name_plural = _("佐证文件")
        ordering = ["-uploaded_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["school", "sha256"], name="evidence_file_unique_school_sha256"),
        ]
        indexes = [models.Index(fields=["school", "-uploaded_at"], name="evidence_file_school_recent")]

    def __str__(self) -> str:
        return self.original_name

    @property
    def file_type(self) -> FileType:
        return FILE_TYPES[self.kind]

    @property
    def previewable(self) -> bool:
        return self.file_type.previewable

    @property
    def is_image(self) -> bool:
        return self.file_type.is_image

    @property
    def inline_allowed(self) -> bool:
        """Whether the browser may be given the original to display: PDFs, and images whose size is
        known and within the preview budget (any other image is previewed as a thumbnail only)."""
        if self.kind == "pdf":
            return True
        if not self.is_image or not self.width or not self.height:
            return False
        return self.width * self.height <= preview_max_pixels()

    @property
    def preview(self) -> str:
        """How the preview shows the file: "pdf", "image" (the original), "thumbnail" or ""."""
        if self.kind == "pdf":
            return "pdf"
        if self.is_image:
            return "image" if self.inline_allowed else "thumbnail"
        return ""

    @property
    def thumbnail_name(self) -> str:
        return thumbnail_name(self.file.name) if self.is_image else ""

    @property
    def icon(self) -> str:
        return KIND_ICONS.get(self.kind, "bi-file-earmark")


class ResponseEvidence(models.Model):
    """A file attached to an item response. Detaching deletes the row; its history keeps both."""

    response = models.ForeignKey(
        "assessments.ItemResponse",
        verbose_name=_("条目自评"),
        on_delete=models.CASCADE,
        related_name="evidence_links",
    )
    file = models.ForeignKey(
        EvidenceFile, verbose_name=_("佐证文件"), on_delete=models.PROTECT, related_name="attachments"
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
        verbose_name = _("条目佐证文件")
        verbose_name_plural = _("条目佐证文件")
        ordering = ["attached_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["response", "file"], name="evidence_response_file_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.response_id} ← {self.file}"


class EvidenceLink(models.Model):
    """A web link given as evidence for an item response (http/https only)."""

    response = models.ForeignKey(
        "assessments.ItemResponse",
        verbose_name=_("条目自评"),
        on_delete=models.CASCADE,
        related_name="evidence_urls",
    )
    url = models.URLField(
        _("链接地址"), max_length=1000, validators=[URLValidator(schemes=["http", "https"])]
    )
    title = models.CharField(_("标题"), max_length=200)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("添加人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    added_at = models.DateTimeField(_("添加时间"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("佐证链接")
        verbose_name_plural = _("佐证链接")
        ordering = ["added_at", "id"]

    def __str__(self) -> str:
        return self.title
