"""Image sizes and server-made thumbnails, with bounded memory and time.

Browsers decode a whole image to show it, so an image above the preview budget
(`EVIDENCE_PREVIEW_MAX_MEGAPIXELS`) is never shown in full: the preview shows a JPEG thumbnail made
here. Pillow cannot do that safely for every accepted image: its decompression-bomb guard refuses to
open anything above ~179 Mpx, and only JPEG can be decoded at reduced size (`draft`); a
30000×30000 PNG would need ~900 MB–3.6 GB decoded. libvips (pyvips, from its own wheel) reads PNG
row by row and JPEG with shrink-on-load, so a 900 Mpx PNG becomes a thumbnail in a few seconds in
under 250 MB. It is confined to the two accepted formats (every other loader is blocked), runs
without its operation cache, and each thumbnail is abandoned after `THUMBNAIL_SECONDS`.

Images above `EVIDENCE_IMAGE_MAX_MEGAPIXELS` are refused at upload: nobody can view them, and the
thumbnail's decoding time grows with the pixel count.
"""

from __future__ import annotations

import logging
import time
from functools import cache
from typing import BinaryIO

from django.conf import settings

logger = logging.getLogger(__name__)

THUMBNAIL_EDGE = 2000
THUMBNAIL_SECONDS = 30
THUMBNAIL_QUALITY = 82


def preview_max_pixels() -> int:
    return settings.EVIDENCE_PREVIEW_MAX_MEGAPIXELS * 1_000_000


def image_max_pixels() -> int:
    return settings.EVIDENCE_IMAGE_MAX_MEGAPIXELS * 1_000_000


def thumbnail_name(stored_name: str) -> str:
    """Where the thumbnail of `evidence/<school>/<uuid>.<ext>` is kept: `…/thumbnails/<uuid>.jpg`."""
    folder, _, filename = stored_name.rpartition("/")
    return f"{folder}/thumbnails/{filename.rsplit('.', 1)[0]}.jpg"


@cache
def _vips():
    """pyvips, loaded on first use and allowed to read PNG and JPEG only."""
    import pyvips

    pyvips.block_untrusted_set(True)
    pyvips.operation_block_set("VipsForeignLoad", True)
    pyvips.operation_block_set("VipsForeignLoadPng", False)
    pyvips.operation_block_set("VipsForeignLoadJpeg", False)
    pyvips.cache_set_max(0)
    return pyvips


def _data(fileobj: BinaryIO) -> bytes:
    # Held in memory for libvips (no Python callbacks in its threads); bounded by the upload limit.
    fileobj.seek(0)
    try:
        return fileobj.read()
    finally:
        fileobj.seek(0)


def image_size(fileobj: BinaryIO) -> tuple[int, int] | None:
    """(width, height) from the image's header, without decoding it; None when unreadable."""
    pyvips = _vips()
    try:
        image = pyvips.Image.new_from_buffer(_data(fileobj), "", access="sequential")
        return image.width, image.height
    except pyvips.Error:
        return None


def make_thumbnail(fileobj: BinaryIO) -> bytes | None:
    """A JPEG at most `THUMBNAIL_EDGE` pixels on its long side (transparency on white), or None when
    the image cannot be decoded, is above the hard limit, or takes longer than `THUMBNAIL_SECONDS`."""
    pyvips = _vips()
    data = _data(fileobj)
    try:
        header = pyvips.Image.new_from_buffer(data, "", access="sequential")
        if header.width * header.height > image_max_pixels():
            return None
        image = pyvips.Image.thumbnail_buffer(data, THUMBNAIL_EDGE, height=THUMBNAIL_EDGE, size="down")
        if image.hasalpha():
            image = image.flatten(background=[255])
        started = time.monotonic()

        def stop_when_too_slow(target, _progress) -> None:
            if time.monotonic() - started > THUMBNAIL_SECONDS:
                target.set_kill(True)

        image.set_progress(True)
        image.signal_connect("eval", stop_when_too_slow)
        return image.write_to_buffer(".jpg", Q=THUMBNAIL_QUALITY, keep="none")  # no metadata
    except pyvips.Error as exc:
        logger.warning("evidence thumbnail failed: %s", str(exc).splitlines()[0] if str(exc) else exc)
        return None
