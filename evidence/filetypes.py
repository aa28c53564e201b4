"""The accepted file types and the refusal every content check raises.

Kept apart from the checks themselves (`sniffing`, `pdfs`, `office`, `images`) so each of them can
raise `UnsupportedContent` without importing the others.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy


@dataclass(frozen=True)
class FileType:
    """An accepted type: the stored extension, the served content type and a label for people."""

    kind: str
    extension: str
    content_type: str
    label: str
    aliases: tuple[str, ...] = ()

    @property
    def is_image(self) -> bool:
        return self.kind in ("jpeg", "png")

    @property
    def previewable(self) -> bool:
        """Shown in the preview (images and PDFs); everything else is only downloaded."""
        return self.is_image or self.kind == "pdf"


PDF = FileType("pdf", "pdf", "application/pdf", gettext_lazy("PDF 文档"))
JPEG = FileType("jpeg", "jpg", "image/jpeg", gettext_lazy("JPEG 图片"), aliases=("jpeg", "jpe"))
PNG = FileType("png", "png", "image/png", gettext_lazy("PNG 图片"))
DOCX = FileType(
    "docx",
    "docx",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    gettext_lazy("Word 文档"),
)
XLSX = FileType(
    "xlsx",
    "xlsx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    gettext_lazy("Excel 表格"),
)
PPTX = FileType(
    "pptx",
    "pptx",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    gettext_lazy("PowerPoint 演示文稿"),
)
MP4 = FileType("mp4", "mp4", "video/mp4", gettext_lazy("MP4 视频"), aliases=("m4v",))

FILE_TYPES: dict[str, FileType] = {t.kind: t for t in (PDF, JPEG, PNG, DOCX, XLSX, PPTX, MP4)}
ACCEPTED_EXTENSIONS = sorted(
    {f".{t.extension}" for t in FILE_TYPES.values()}
    | {f".{a}" for t in FILE_TYPES.values() for a in t.aliases}
)


class UnsupportedContent(ValueError):  # noqa: N818 — reads as what happened to the upload
    """The bytes are not one of the accepted types, or not safe to keep; `str(exc)` is for the user."""


def accepted_types_text() -> str:
    return _("支持的类型：PDF、JPEG/PNG 图片、Word/Excel/PowerPoint（docx/xlsx/pptx）和 MP4 视频。")


def refuse_type(found: str) -> UnsupportedContent:
    """The refusal of bytes that are none of the accepted types, naming what they seem to be."""
    return UnsupportedContent(
        _("文件内容不是受支持的类型（检测到：%(found)s）。") % {"found": found} + accepted_types_text()
    )
