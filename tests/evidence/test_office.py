"""Office uploads: an OOXML package is accepted only when it opens as the document it claims to be."""

import io
import zipfile

import pytest

from evidence.filetypes import DOCX, PPTX, XLSX, UnsupportedContent
from evidence.sniffing import detect_type
from tests import samples


def refusal(content: bytes) -> str:
    with pytest.raises(UnsupportedContent) as exc:
        detect_type(io.BytesIO(content))
    return str(exc.value)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (samples.ooxml_bytes("docx"), DOCX),
        (samples.ooxml_bytes("pptx"), PPTX),
        (samples.xlsx_bytes(), XLSX),  # written by openpyxl, as a real spreadsheet program would
    ],
    ids=["docx", "pptx", "xlsx-openpyxl"],
)
def test_sound_packages_are_accepted(content, expected):
    assert detect_type(io.BytesIO(content)) == expected


def test_the_type_comes_from_the_main_part_not_from_folder_names():
    """A workbook that also carries a word/ folder is still a workbook."""
    content = samples.ooxml_bytes("xlsx", extra=(("word/notes.xml", b"<x/>"),))
    assert detect_type(io.BytesIO(content)) == XLSX


@pytest.mark.parametrize(
    ("content", "found"),
    [
        (samples.ooxml_bytes(rels=False), "缺少 _rels/.rels"),
        (samples.ooxml_bytes(main=False), "缺少主文档 word/document.xml"),
        (samples.ooxml_bytes(main_xml=b"<w:document><w:body>"), "主文档不是有效的 XML"),
        (samples.ooxml_bytes(content_types_xml=b"not xml at all"), "[Content_Types].xml 不是有效的 XML"),
        (samples.ooxml_bytes(content_type="application/xml"), "主文档类型不是 Word、Excel 或 PowerPoint"),
        (
            samples.corrupt_member(
                samples.ooxml_bytes(main_xml=b"<r>" + b"<p>text</p>" * 300 + b"</r>"), "word/document.xml"
            ),
            "损坏",
        ),
    ],
    ids=[
        "no-rels",
        "no-main-part",
        "main-part-not-xml",
        "content-types-not-xml",
        "wrong-main-type",
        "bad-crc",
    ],
)
def test_broken_docx_is_refused(content, found):
    message = refusal(content)
    assert found in message
    assert "Office 文档已损坏" in message and "重新保存" in message


def test_office_folders_without_content_types_are_a_broken_document():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    assert "缺少 [Content_Types].xml" in refusal(buf.getvalue())


def test_entities_in_package_xml_are_never_expanded():
    """A billion-laughs [Content_Types].xml is refused, not expanded (defusedxml, no DTD at all)."""
    laughs = (
        b'<?xml version="1.0"?><!DOCTYPE t [<!ENTITY a "lol"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
        b'<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]><Types>&c;</Types>'
    )
    assert "不是有效的 XML" in refusal(samples.ooxml_bytes(content_types_xml=laughs))


@pytest.mark.parametrize(
    ("content_type", "found"),
    [
        ("application/vnd.ms-word.document.macroEnabled.main+xml", "包含宏"),
        (samples.OOXML + "wordprocessingml.template.main+xml", "Word 模板（dotx）"),
    ],
)
def test_documents_that_are_not_plain_docx_are_refused(content_type, found):
    assert found in refusal(samples.ooxml_bytes(content_type=content_type))
