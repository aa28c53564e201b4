"""Image sizes and thumbnails: read from headers, decoded only with bounded memory and time."""

import io
import resource

from PIL import Image

from evidence.images import image_size, make_thumbnail, thumbnail_name
from tests import samples


def test_size_is_read_from_the_header_without_decoding():
    assert image_size(io.BytesIO(samples.image_bytes("PNG", size=(64, 48)))) == (64, 48)
    assert image_size(io.BytesIO(samples.image_bytes("JPEG", size=(30, 20)))) == (30, 20)
    assert image_size(io.BytesIO(samples.png_header_only(50_000, 40_000))) == (50_000, 40_000)


def test_unreadable_images_have_no_size_and_no_thumbnail():
    fake = io.BytesIO(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
    assert image_size(fake) is None and make_thumbnail(fake) is None


def test_other_formats_are_never_decoded():
    """libvips may load PNG and JPEG only: a GIF (or anything else) is not even opened."""
    gif = io.BytesIO(samples.image_bytes("GIF"))
    assert image_size(gif) is None and make_thumbnail(gif) is None


def test_thumbnail_of_a_900_megapixel_png_in_bounded_memory():
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    thumbnail = make_thumbnail(io.BytesIO(samples.huge_png()))
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    image = Image.open(io.BytesIO(thumbnail))
    assert image.format == "JPEG" and image.size == (2000, 2000)
    assert grown_mb < 600, grown_mb  # decoded whole it would be 900 MB at one byte per pixel


def test_thumbnails_flatten_transparency_and_keep_the_aspect_ratio():
    rgba = samples.image_bytes("PNG", color=(255, 0, 0, 0), size=(4000, 1000), mode="RGBA")
    image = Image.open(io.BytesIO(make_thumbnail(io.BytesIO(rgba))))
    assert image.size == (2000, 500) and image.mode == "RGB"
    assert image.getpixel((10, 10)) == (255, 255, 255)  # transparent → white, not black


def test_small_images_are_not_enlarged():
    image = Image.open(io.BytesIO(make_thumbnail(io.BytesIO(samples.image_bytes("JPEG", size=(40, 30))))))
    assert image.size == (40, 30)


def test_no_thumbnail_above_the_hard_limit(settings):
    settings.EVIDENCE_IMAGE_MAX_MEGAPIXELS = 1
    assert make_thumbnail(io.BytesIO(samples.image_bytes("PNG", size=(1001, 1000)))) is None


def test_thumbnail_name_sits_beside_the_original():
    assert thumbnail_name("evidence/7/0123abcd.png") == "evidence/7/thumbnails/0123abcd.jpg"
