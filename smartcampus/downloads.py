"""The Content-Disposition header of every file the product serves (evidence, reports)."""

from __future__ import annotations

from urllib.parse import quote


def content_disposition(name: str, *, fallback: str, inline: bool = False) -> str:
    """RFC 6266 header with an ASCII fallback name (`fallback` when nothing readable is left) and the
    real (Chinese) name as RFC 5987 `filename*`."""
    ascii_name = "".join(c for c in name if c.isascii() and (c.isalnum() or c in "._- "))
    if not ascii_name.rsplit(".", 1)[0].strip(" .-_"):
        ascii_name = fallback
    disposition = "inline" if inline else "attachment"
    return f"{disposition}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"
