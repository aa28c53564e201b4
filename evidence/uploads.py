"""Upload size enforcement while the request body is read, before any file is kept.

`FILE_UPLOAD_MAX_MEMORY_SIZE` only decides when Django spools to a temporary file; it limits
nothing. `install_upload_limit()` refuses a request whose declared length is absurd before its body
is read, and puts `SizeLimitHandler` in front of the default handlers: a file growing past the
limit is skipped mid-stream (its temporary file closed and removed) while the other files of the
same request are still received, so the view can report each one.

The body must not have been parsed yet: views that call this are `csrf_exempt` on the outside
and `csrf_protect` inside (Django's documented pattern for changing upload handlers per view).
"""

from __future__ import annotations

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.http import HttpRequest
from django.utils.translation import gettext as _

_FORM_OVERHEAD = 1024 * 1024


def max_upload_bytes() -> int:
    return settings.EVIDENCE_MAX_UPLOAD_MB * 1024 * 1024


def max_files_per_request() -> int:
    return settings.EVIDENCE_MAX_FILES_PER_REQUEST


def too_large_message(name: str = "") -> str:
    limit = settings.EVIDENCE_MAX_UPLOAD_MB
    if name:
        return _("「%(name)s」超过单个文件 %(limit)d MB 的上限，未保存。") % {"name": name, "limit": limit}
    return _("文件超过单个文件 %(limit)d MB 的上限，未保存。") % {"limit": limit}


class RequestTooLarge(Exception):  # noqa: N818
    """The declared body is larger than any acceptable upload; nothing has been read."""

    def __str__(self) -> str:
        return _("上传内容过大：一次最多上传 %(n)d 个文件，每个不超过 %(limit)d MB。") % {
            "n": max_files_per_request(),
            "limit": settings.EVIDENCE_MAX_UPLOAD_MB,
        }


class SizeLimitHandler(FileUploadHandler):
    """Skips every file past `max_bytes`; `oversized` lists their names for the per-file report."""

    def __init__(self, request: HttpRequest | None = None, *, max_bytes: int) -> None:
        super().__init__(request)
        self.max_bytes = max_bytes
        self.oversized: list[str] = []

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        if start + len(raw_data) > self.max_bytes:
            self.oversized.append(self.file_name or "")
            raise SkipFile
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None  # the next handler (memory or temporary file) builds the UploadedFile


def install_upload_limit(request: HttpRequest) -> SizeLimitHandler:
    """Check CONTENT_LENGTH, then install the per-file limit. Raises `RequestTooLarge`."""
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > max_upload_bytes() * max_files_per_request() + _FORM_OVERHEAD:
        raise RequestTooLarge
    handler = SizeLimitHandler(request, max_bytes=max_upload_bytes())
    request.upload_handlers.insert(0, handler)
    return handler
