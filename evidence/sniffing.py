"""What an uploaded file really is, decided by its bytes, never by its name.

Pure functions over a binary file object: no database, no storage. `detect_type()` returns the
`FileType` of an accepted file or raises `UnsupportedContent` with a message for the user. The
signature picks the type; PDFs (`pdfs`) and Office packages (`office`) are then opened with a real
parser and refused when broken or carrying active content.
"""

from __future__ import annotations

from typing import BinaryIO

from django.utils.translation import gettext as _

from .filetypes import JPEG, MP4, PDF, PNG, FileType, UnsupportedContent, refuse_type
from .office import detect_office
from .pdfs import check_pdf

HEADER_BYTES = 4096
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
JPEG_SIGNATURE = b"\xff\xd8\xff"
PDF_SIGNATURE = b"%PDF-"
ZIP_SIGNATURE = b"PK\x03\x04"
# ISO-BMFF brands of still images (HEIC/AVIF): they carry an `ftyp` box too but are not videos.
IMAGE_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"mif1", b"msf1", b"avif", b"avis"}


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
            check_pdf(fileobj)
            return PDF
        if head.startswith(PNG_SIGNATURE):
            return PNG
        if head.startswith(JPEG_SIGNATURE):
            return JPEG
        if len(head) >= 12 and head[4:8] == b"ftyp" and int.from_bytes(head[:4], "big") >= 8:
            if head[8:12] in IMAGE_BRANDS:
                raise refuse_type(_("HEIC/AVIF 图片，请转换为 JPEG 或 PNG"))
            return MP4
        if head.startswith(ZIP_SIGNATURE):
            return detect_office(fileobj)
        raise refuse_type(_describe_unknown(head))
    finally:
        fileobj.seek(0)
