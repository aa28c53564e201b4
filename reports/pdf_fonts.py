"""Smaller CJK fonts in the PDFs WeasyPrint writes: `compact_fonts`, a `write_pdf(finisher=…)`.

WeasyPrint subsets every embedded font but keeps each glyph at its original glyph id, so a subset of
Noto Sans CJK (65,535 glyph slots, the ideographs near the end) still carries a slot, a metric and a
charstring offset for every glyph it dropped: ~200 KB per face after compression, for ~60 KB of
outlines. This finisher subsets such a font again with HarfBuzz (the same library and flags WeasyPrint
uses) into consecutive glyph ids, and renumbers what refers to them — the glyphs shown in every
content stream, the font's width array and its ToUnicode map — so the PDF shows and extracts the same
text with a fraction of the font data (a school report: 401 → 122 KB).

Only what is known to be safe is touched: CFF-based (OpenType) fonts, each written once, with no glyph
missing from the font, and only when HarfBuzz returns exactly the glyphs asked for. Anything else is
left as WeasyPrint wrote it.
"""

from __future__ import annotations

import io
import logging
import re

import pydyf
from fontTools.ttLib import TTFont
from weasyprint.text.ffi import ffi, harfbuzz, harfbuzz_subset
from weasyprint.text.fonts import get_hb_object_data

logger = logging.getLogger(__name__)

DROP_TABLES = (b"BASE", b"DSIG", b"GPOS", b"GSUB", b"JSTF", b"VORG", b"vhea", b"vmtx")
HEX_RUN = re.compile(rb"<([0-9a-f]*)>")
TO_UNICODE_ENTRY = re.compile(rb"^<([0-9a-f]{4})> (<[0-9a-f]*>)$")


def _subset(hb_face, gids: list[int]) -> tuple[bytes, dict[int, int]] | None:
    """The font of `gids` with consecutive glyph ids and the renumbering (old → new), or None.

    HarfBuzz may keep a few glyphs beyond those asked for (variants reachable from the ones shown),
    so the new numbers are read back from the subset's CFF charset: in a CID-keyed font of the
    Adobe-Identity ordering a glyph's CID is its original glyph id."""
    subset_input = ffi.gc(
        harfbuzz_subset.hb_subset_input_create_or_fail(), harfbuzz_subset.hb_subset_input_destroy
    )
    glyphs = harfbuzz_subset.hb_subset_input_glyph_set(subset_input)
    harfbuzz.hb_set_add_sorted_array(glyphs, ffi.new(f"hb_codepoint_t[{len(gids)}]", gids), len(gids))
    harfbuzz_subset.hb_subset_input_set_flags(
        subset_input,
        harfbuzz_subset.HB_SUBSET_FLAGS_PASSTHROUGH_UNRECOGNIZED
        | harfbuzz_subset.HB_SUBSET_FLAGS_DESUBROUTINIZE
        | harfbuzz_subset.HB_SUBSET_FLAGS_NO_HINTING,
    )
    drop = harfbuzz_subset.hb_subset_input_set(subset_input, harfbuzz_subset.HB_SUBSET_SETS_DROP_TABLE_TAG)
    tags = sorted(harfbuzz.hb_tag_from_string(tag, -1) for tag in DROP_TABLES)
    harfbuzz.hb_set_add_sorted_array(drop, ffi.new(f"hb_codepoint_t[{len(tags)}]", tags), len(tags))
    face = harfbuzz_subset.hb_subset_or_fail(hb_face, subset_input)
    if face == ffi.NULL:
        return None
    data = get_hb_object_data(ffi.gc(face, harfbuzz.hb_face_destroy))
    if not data or data[:4] != b"OTTO":
        return None
    cff = TTFont(io.BytesIO(data), lazy=True)["CFF "].cff
    top = cff.topDictIndex[0]
    if getattr(top, "ROS", None) != ("Adobe", "Identity", 0):
        return None
    mapping = {0: 0}
    for new, name in enumerate(top.charset[1:], start=1):
        if not name.startswith("cid"):
            return None
        mapping[int(name[3:])] = new
    return (data, mapping) if set(gids) <= set(mapping) else None


def _number(reference) -> int:
    return int(bytes(reference).split()[0])


def compact_fonts(document, pdf: pydyf.PDF) -> None:
    """Renumber the glyphs of the document's CFF fonts into compact subsets (see the module)."""
    by_hash: dict[str, list] = {}
    for font in document.fonts.values():
        by_hash.setdefault(font.hash, []).append(font)
    objects = {obj.number: obj for obj in pdf.objects if isinstance(obj, pydyf.Object)}
    streams = {
        id(obj.stream[0]): obj for obj in objects.values() if isinstance(obj, pydyf.Stream) and obj.stream
    }
    renumber: dict[bytes, dict[int, int]] = {}
    for name, fonts in by_hash.items():
        font = fonts[0]
        if len(fonts) != 1 or font.missing or font.bitmap or font.used_in_forms or font.type != "otf":
            continue
        stream = streams.get(id(font.file_content))
        if stream is None or len(stream.stream) != 1:
            continue
        gids = sorted({0, *font.widths, *font.to_unicode})
        subset = _subset(font.hb_face, gids)
        if subset is None:
            logger.info("font %s left as written", font.family)
            continue
        data, mapping = subset
        if not _renumber_dictionaries(objects, stream.reference, mapping):
            continue
        stream.stream = [data]
        renumber[name.encode()] = mapping
    if renumber:
        for obj in objects.values():
            if isinstance(obj, pydyf.Stream):
                _renumber_content(obj, renumber)


def _renumber_dictionaries(objects: dict, file_reference: bytes, mapping: dict[int, int]) -> bool:
    """Widths and ToUnicode map of the font whose file is `file_reference`, in new glyph ids."""
    descriptors = {
        n
        for n, o in objects.items()
        if isinstance(o, pydyf.Dictionary) and o.get("FontFile3") == file_reference
    }
    cid_fonts = [
        o
        for o in objects.values()
        if isinstance(o, pydyf.Dictionary)
        and o.get("FontDescriptor") is not None
        and _number(o["FontDescriptor"]) in descriptors
    ]
    cid_numbers = {o.number for o in cid_fonts}
    type0 = [
        o
        for o in objects.values()
        if isinstance(o, pydyf.Dictionary)
        and o.get("DescendantFonts")
        and {_number(r) for r in o["DescendantFonts"]} & cid_numbers
    ]
    if len(cid_fonts) != 1 or len(type0) != 1 or "CIDSet" in objects[_number(cid_fonts[0]["FontDescriptor"])]:
        return False
    widths = cid_fonts[0]["W"]
    old = {}
    for first, run in zip(widths[::2], widths[1::2], strict=True):
        for i, width in enumerate(run):
            old[first + i] = width
    if set(old) - set(mapping):
        return False
    new_widths, previous = pydyf.Array(), None
    for gid in sorted(old):
        if previous is None or mapping[gid] != previous + 1:
            run = pydyf.Array()
            new_widths.extend([mapping[gid], run])
        run.append(old[gid])
        previous = mapping[gid]
    cid_fonts[0]["W"] = new_widths
    to_unicode = objects[_number(type0[0]["ToUnicode"])]
    for i, item in enumerate(to_unicode.stream):
        match = TO_UNICODE_ENTRY.match(item) if isinstance(item, bytes) else None
        if match:
            to_unicode.stream[i] = b"<%04x> %s" % (mapping[int(match.group(1), 16)], match.group(2))
    return True


def _renumber_content(stream: pydyf.Stream, renumber: dict[bytes, dict[int, int]]) -> None:
    """Glyph ids in the `TJ` strings shown with a renumbered font (the last `Tf` before them)."""
    mapping = None
    for i, item in enumerate(stream.stream):
        if not isinstance(item, bytes) or len(item) > 100_000:
            continue
        if item.endswith(b" Tf") and item.startswith(b"/"):
            mapping = renumber.get(item[1:].split(b" ", 1)[0])
        elif mapping is not None and item.endswith(b"] TJ"):
            stream.stream[i] = HEX_RUN.sub(lambda m, mapping=mapping: _renumber_run(m, mapping), item)


def _renumber_run(match: re.Match, mapping: dict[int, int]) -> bytes:
    hexes = match.group(1)
    return b"<%s>" % b"".join(b"%04x" % mapping[int(hexes[j : j + 4], 16)] for j in range(0, len(hexes), 4))
