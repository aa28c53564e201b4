"""What an uploaded file really is, decided by its bytes, never by its name.

Pure functions over a binary file object: no database, no storage. `detect_type()` returns the
`FileType` of an accepted file or raises `UnsupportedContent` with a message for the user.
Office documents are ZIP packages: they are opened with the standard library's `zipfile` and
refused when encrypted, when they hold too many entries or declare an absurd uncompressed size
(a zip bomb never gets decompressed here: only its central directory is read).
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from typing import BinaryIO

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

HEADER_BYTES = 4096
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
JPEG_SIGNATURE = b"\xff\xd8\xff"
PDF_SIGNATURE = b"%PDF-"
ZIP_SIGNATURE = b"PK\x03\x04"
# ISO-BMFF brands of still images (HEIC/AVIF): they carry an `ftyp` box too but are not videos.
IMAGE_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"mif1", b"msf1", b"avif", b"avis"}

# Defaults for the ZIP sanity limits; each can be overridden in settings.
ZIP_MAX_ENTRIES = 10_000
ZIP_MAX_UNCOMPRESSED_MB = 1024
ZIP_MAX_RATIO = 200


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
        """Shown inline in the browser (images and PDFs); everything else is only downloaded."""
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
OFFICE_PREFIXES = (("word/", DOCX), ("xl/", XLSX), ("ppt/", PPTX))
ACCEPTED_EXTENSIONS = sorted(
    {f".{t.extension}" for t in FILE_TYPES.values()}
    | {f".{a}" for t in FILE_TYPES.values() for a in t.aliases}
)


class UnsupportedContent(ValueError):  # noqa: N818 — reads as what happened to the upload
    """The bytes are not one of the accepted types; `str(exc)` is a message for the user."""


def accepted_types_text() -> str:
    return _("支持的类型：PDF、JPEG/PNG 图片、Word/Excel/PowerPoint（docx/xlsx/pptx）和 MP4 视频。")


def _refuse(found: str) -> UnsupportedContent:
    return UnsupportedContent(
        _("文件内容不是受支持的类型（检测到：%(found)s）。") % {"found": found} + accepted_types_text()
    )


def _describe_unknown(head: bytes) -> str:
    """A human guess at what a refused file is, so the message tells the user why."""
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith(b"\x7fELF"):
        return _("Linux 可执行程序")
    if head.startswith(b"MZ"):
        return _("Windows 可执行程序")
    if b"<svg" in stripped[:1024]:
        return _("SVG 矢量图")
    if (
        stripped.startswith((b"<!doctype html", b"<html", b"<head", b"<body", b"<script"))
        or b"<html" in stripped[:512]
    ):
        return _("HTML 网页")
    if stripped.startswith(b"<?xml"):
        return _("XML 文档")
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return _("旧版 Office 文档（doc/xls/ppt），请另存为 docx/xlsx/pptx")
    if head.startswith((b"GIF87a", b"GIF89a")):
        return _("GIF 图片")
    if head.startswith((b"Rar!", b"7z\xbc\xaf")):
        return _("压缩包")
    return _("未知格式")


def _zip_limits() -> tuple[int, int, int]:
    return (
        getattr(settings, "EVIDENCE_ZIP_MAX_ENTRIES", ZIP_MAX_ENTRIES),
        getattr(settings, "EVIDENCE_ZIP_MAX_UNCOMPRESSED_MB", ZIP_MAX_UNCOMPRESSED_MB) * 1024 * 1024,
        getattr(settings, "EVIDENCE_ZIP_MAX_RATIO", ZIP_MAX_RATIO),
    )


def _detect_office(fileobj: BinaryIO) -> FileType:
    """An OOXML package: a sane, unencrypted ZIP with `[Content_Types].xml` and the part folder."""
    max_entries, max_total, max_ratio = _zip_limits()
    fileobj.seek(0)
    try:
        with zipfile.ZipFile(fileobj) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        raise UnsupportedContent(_("文件是损坏的 ZIP 压缩包，无法识别为 Office 文档。")) from None
    if len(entries) > max_entries:
        raise UnsupportedContent(
            _("Office 文档包含的条目过多（%(n)d 个），疑似恶意压缩包。") % {"n": len(entries)}
        )
    total = sum(e.file_size for e in entries)
    compressed = sum(e.compress_size for e in entries)
    if total > max_total or (compressed and total / compressed > max_ratio and total > 10 * 1024 * 1024):
        raise UnsupportedContent(_("Office 文档解压后的体积异常大，疑似恶意压缩包（zip 炸弹），已拒绝。"))
    if any(e.flag_bits & 0x1 for e in entries):
        raise UnsupportedContent(_("Office 文档已加密（设置了打开密码），请取消密码后再上传。"))
    names = {e.filename for e in entries}
    # docm/xlsm/pptm renamed to docx: the VBA project is a part of the package. Refused, since we
    # serve it under the macro-free type and Office would offer to run it.
    if any(name.lower().endswith("vbaproject.bin") for name in names):
        raise UnsupportedContent(
            _("Office 文档包含宏（VBA 代码），请另存为不含宏的 docx/xlsx/pptx 后再上传。")
        )
    if "[Content_Types].xml" in names:
        for prefix, file_type in OFFICE_PREFIXES:
            if any(name.startswith(prefix) for name in names):
                return file_type
    raise _refuse(_("ZIP 压缩包"))


def detect_type(fileobj: BinaryIO) -> FileType:
    """The accepted `FileType` of `fileobj` (read from its start), else `UnsupportedContent`.

    The file position is left at 0 so the caller can go on reading or storing it.
    """
    fileobj.seek(0)
    head = fileobj.read(HEADER_BYTES)
    try:
        if not head:
            raise UnsupportedContent(_("文件是空的（0 字节）。"))
        if head.startswith(PDF_SIGNATURE):
            return PDF
        if head.startswith(PNG_SIGNATURE):
            return PNG
        if head.startswith(JPEG_SIGNATURE):
            return JPEG
        if len(head) >= 12 and head[4:8] == b"ftyp" and int.from_bytes(head[:4], "big") >= 8:
            if head[8:12] in IMAGE_BRANDS:
                raise _refuse(_("HEIC/AVIF 图片，请转换为 JPEG 或 PNG"))
            return MP4
        if head.startswith(ZIP_SIGNATURE):
            return _detect_office(fileobj)
        raise _refuse(_describe_unknown(head))
    finally:
        fileobj.seek(0)
