"""The baseline page of bench/http.py: an HTML page of a requested size served from memory, through
the same gunicorn, middleware and session/authentication as the real pages (login required, so the
session and user are loaded exactly like on a real page), and no database work beyond that.

Mounted at /__bench__/bare/ by bench/urls.py, the URLconf of bench/settings.py: only the benchmark's
own server has it.
"""

from __future__ import annotations

from functools import cache

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse

MAX_BYTES = 4 * 1024 * 1024


@cache
def _page(size: int) -> bytes:
    head = (
        b"<!doctype html><html lang='zh-hans'><head><meta charset='utf-8'><title>bench</title></head><body>"
    )
    tail = b"</body></html>"
    filler = "<p>智慧校园自评平台基准页面。</p>".encode()
    body = (filler * (size // len(filler) + 1))[: max(0, size - len(head) - len(tail))]
    return head + body + tail


@login_required
def bare_page_view(request: HttpRequest) -> HttpResponse:
    try:
        size = min(MAX_BYTES, max(0, int(request.GET.get("bytes", "20000"))))
    except ValueError:
        size = 20000
    return HttpResponse(_page(size), content_type="text/html; charset=utf-8")
