"""Office documents (docx/xlsx/pptx) are OOXML packages: ZIP archives of XML parts.

A package is accepted only when it really is the document it claims to be: a sane, unencrypted ZIP
whose `[Content_Types].xml` and `_rels/.rels` parse, whose main part (the `officeDocument`
relationship) exists with the main content type of a macro-free Word, Excel or PowerPoint document,
and whose every member decompresses with the right CRC. A zip bomb is refused from the central
directory alone, before anything is decompressed; XML is parsed with defusedxml (no DTD, no entity).
"""

from __future__ import annotations

import posixpath
import zipfile
import zlib
from typing import BinaryIO
from xml.etree.ElementTree import ParseError

from defusedxml import ElementTree as SafeElementTree
from defusedxml.common import DefusedXmlException
from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .filetypes import DOCX, PPTX, XLSX, FileType, UnsupportedContent, refuse_type

#: `[Content_Types].xml` and `_rels/.rels` are a few KB in any real document
PACKAGE_XML_MAX_BYTES = 4 * 1024 * 1024

_OOXML = "application/vnd.openxmlformats-officedocument."
MAIN_CONTENT_TYPES: dict[str, FileType] = {
    _OOXML + "wordprocessingml.document.main+xml": DOCX,
    _OOXML + "spreadsheetml.sheet.main+xml": XLSX,
    _OOXML + "presentationml.presentation.main+xml": PPTX,
}
# Saved under .docx/.xlsx/.pptx these would not open in Office (it checks the main content type).
OTHER_MAIN_CONTENT_TYPES = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml": gettext_lazy(
        "Word 模板（dotx）"
    ),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.template.main+xml": gettext_lazy(
        "Excel 模板（xltx）"
    ),
    "application/vnd.openxmlformats-officedocument.presentationml.template.main+xml": gettext_lazy(
        "PowerPoint 模板（potx）"
    ),
    "application/vnd.openxmlformats-officedocument.presentationml.slideshow.main+xml": gettext_lazy(
        "PowerPoint 放映文件（ppsx）"
    ),
}
PART_FOLDERS = ("word/", "xl/", "ppt/")
#: transitional and strict OOXML spell the relationship type with different namespaces
OFFICE_DOCUMENT_RELATIONSHIP = "/officedocument"


def _zip_limits() -> tuple[int, int, int]:
    return (
        settings.EVIDENCE_ZIP_MAX_ENTRIES,
        settings.EVIDENCE_ZIP_MAX_UNCOMPRESSED_MB * 1024 * 1024,
        settings.EVIDENCE_ZIP_MAX_RATIO,
    )


def _broken(reason: str) -> UnsupportedContent:
    return UnsupportedContent(
        _("Office 文档已损坏（%(reason)s），无法打开。请在 Office 中重新保存为 docx/xlsx/pptx 后再上传。")
        % {"reason": reason}
    )


def _macros() -> UnsupportedContent:
    # Served under the macro-free type, Office would still offer to run the VBA project.
    return UnsupportedContent(_("Office 文档包含宏（VBA 代码），请另存为不含宏的 docx/xlsx/pptx 后再上传。"))


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _parse_small_xml(archive: zipfile.ZipFile, info: zipfile.ZipInfo, what: str):
    if info.file_size > PACKAGE_XML_MAX_BYTES:
        raise _broken(_("%(part)s 异常大") % {"part": what})
    try:
        return SafeElementTree.fromstring(archive.read(info), forbid_dtd=True)
    except (ParseError, DefusedXmlException):
        raise _broken(_("%(part)s 不是有效的 XML") % {"part": what}) from None
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, NotImplementedError, RuntimeError):
        raise _broken(_("压缩数据无法解压")) from None


def _main_part(archive: zipfile.ZipFile, members: dict[str, zipfile.ZipInfo]) -> zipfile.ZipInfo:
    """The part the package's root relationships name as the office document."""
    rels = members.get("_rels/.rels")
    if rels is None:
        raise _broken(_("缺少 _rels/.rels"))
    for element in _parse_small_xml(archive, rels, "_rels/.rels").iter():
        if _local(element.tag) != "Relationship":
            continue
        if not element.get("Type", "").lower().endswith(OFFICE_DOCUMENT_RELATIONSHIP):
            continue
        if element.get("TargetMode", "").lower() == "external":
            break
        target = posixpath.normpath(element.get("Target", "").lstrip("/"))
        info = members.get(target.lower())
        if info is None:
            raise _broken(_("缺少主文档 %(part)s") % {"part": target[:80]})
        return info
    raise _broken(_("没有主文档"))


def _content_type(root, part_name: str) -> str:
    """The content type `[Content_Types].xml` gives `part_name` (an override, else by extension)."""
    wanted = "/" + part_name.lower()
    extension = part_name.rsplit(".", 1)[-1].lower()
    by_extension = ""
    for element in root.iter():
        tag = _local(element.tag)
        if tag == "Override" and element.get("PartName", "").lower() == wanted:
            return element.get("ContentType", "").strip().lower()
        if tag == "Default" and element.get("Extension", "").lower() == extension:
            by_extension = element.get("ContentType", "").strip().lower()
    return by_extension


def _check_members(archive: zipfile.ZipFile, main: zipfile.ZipInfo) -> None:
    """Every member decompresses with its CRC, and the main part is well-formed XML."""
    try:
        bad = archive.testzip()
        if bad is None:
            with archive.open(main) as part:
                for _event, element in SafeElementTree.iterparse(part, forbid_dtd=True):
                    element.clear()
    except (ParseError, DefusedXmlException):
        raise _broken(_("主文档不是有效的 XML")) from None
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, NotImplementedError, RuntimeError):
        raise _broken(_("压缩数据无法解压")) from None
    if bad is not None:
        raise _broken(_("「%(part)s」校验失败") % {"part": bad[:80]})


def detect_office(fileobj: BinaryIO) -> FileType:
    """The Office type of the ZIP package `fileobj`, else `UnsupportedContent` saying what is wrong."""
    max_entries, max_total, max_ratio = _zip_limits()
    fileobj.seek(0)
    try:
        archive = zipfile.ZipFile(fileobj)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        raise UnsupportedContent(_("文件是损坏的 ZIP 压缩包，无法识别为 Office 文档。")) from None
    with archive:
        entries = archive.infolist()
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
        # docm/xlsm/pptm renamed to docx: the VBA project is a part of the package.
        if any(e.filename.lower().endswith("vbaproject.bin") for e in entries):
            raise _macros()
        members = {e.filename.lower(): e for e in entries if not e.is_dir()}
        if "_rels/.rels" not in members and not any(name.startswith(PART_FOLDERS) for name in members):
            raise refuse_type(_("ZIP 压缩包"))  # nothing of an Office document in it
        content_types = members.get("[content_types].xml")
        if content_types is None:
            raise _broken(_("缺少 [Content_Types].xml"))
        types_root = _parse_small_xml(archive, content_types, "[Content_Types].xml")
        main = _main_part(archive, members)
        content_type = _content_type(types_root, main.filename)
        file_type = MAIN_CONTENT_TYPES.get(content_type)
        if file_type is None:
            if "macroenabled" in content_type:
                raise _macros()
            if content_type in OTHER_MAIN_CONTENT_TYPES:
                raise UnsupportedContent(
                    _("文件是 %(what)s，不是普通的 Office 文档，请另存为 docx/xlsx/pptx 后再上传。")
                    % {"what": OTHER_MAIN_CONTENT_TYPES[content_type]}
                )
            raise _broken(_("主文档类型不是 Word、Excel 或 PowerPoint"))
        _check_members(archive, main)
        return file_type
