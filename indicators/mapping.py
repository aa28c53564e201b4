"""Which item of one framework version is which item of another: pure functions, no database.

Items are matched in three passes, each over what the previous ones left: the same code and the same
wording (name and requirement text, whitespace ignored); then the same wording under another code (a
renumbered item), when the wording is unique on both sides; then the same code with other wording
(已改名). Only items of the same level are matched. Whatever is left is 已删除 (old) or 新增 (new).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from django.utils.translation import gettext as _

from .models import MappingMatch

_SPACE = re.compile(r"\s+")


class MappableNode(Protocol):
    pk: int
    code: str
    level: int
    name: str
    text: str


@dataclass(frozen=True)
class Match:
    from_id: int
    to_id: int
    match: str  # a MappingMatch value


def wording(node: MappableNode) -> str:
    """The node's name and text without whitespace, what "the same wording" compares."""
    return _SPACE.sub("", f"{node.name}\n{node.text}")


def match_nodes(old: Sequence[MappableNode], new: Sequence[MappableNode]) -> list[Match]:
    """The automatic correspondence of `old` items to `new` items, in the order of `old`."""
    found: dict[int, Match] = {}
    taken: set[int] = set()
    new_by_code = {(n.level, n.code): n for n in new}
    for o in old:
        n = new_by_code.get((o.level, o.code))
        if n is not None and wording(n) == wording(o):
            found[o.pk] = Match(o.pk, n.pk, MappingMatch.SAME)
            taken.add(n.pk)

    left_old = [o for o in old if o.pk not in found]
    left_new = [n for n in new if n.pk not in taken]
    old_count = Counter((o.level, wording(o)) for o in left_old)
    new_count = Counter((n.level, wording(n)) for n in left_new)
    new_by_wording = {(n.level, wording(n)): n for n in left_new}
    for o in left_old:
        key = (o.level, wording(o))
        if not key[1] or old_count[key] != 1 or new_count[key] != 1:
            continue
        n = new_by_wording[key]
        found[o.pk] = Match(o.pk, n.pk, MappingMatch.MOVED)
        taken.add(n.pk)

    for o in old:
        if o.pk in found:
            continue
        n = new_by_code.get((o.level, o.code))
        if n is not None and n.pk not in taken:
            found[o.pk] = Match(o.pk, n.pk, MappingMatch.RENAMED)
            taken.add(n.pk)
    return [found[o.pk] for o in old if o.pk in found]


# --- the Excel workbook: template and import ------------------------------------------------------

# the workbook's sheet and column names are its file format (read back on import): never translated
SHEET = "对应关系"  # i18n: data
COLUMNS = ("原编号", "原名称", "新编号", "新名称", "对应方式")  # i18n: data
FROM_COLUMN, TO_COLUMN = "原编号", "新编号"  # i18n: data


class MappingFileError(ValueError):
    """The uploaded workbook cannot be read as a mapping; `problems` are Chinese messages, each
    naming its row and column."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__(_("；").join(problems[:5]))


def mapping_workbook(rows: Sequence[tuple[str, str, str, str, str]]) -> bytes:
    """The template: one row per old item with what it maps to now (new code empty: 已删除)."""
    import io

    from openpyxl import Workbook
    from openpyxl.styles import Font

    from smartcampus.spreadsheets import append_row

    wb = Workbook()
    ws = wb.active
    ws.title = SHEET
    append_row(ws, COLUMNS)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in rows:
        append_row(ws, row)
    for letter, width in zip("ABCDE", (10, 40, 10, 40, 18), strict=True):
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = "A2"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def mapping_from_workbook(raw: bytes, *, old_codes: set[str], new_codes: set[str]) -> dict[str, str]:
    """old code → new code ("" for 已删除) from an uploaded workbook. Every row is checked before
    anything is returned: unknown codes, a code given twice, a missing column."""
    import io
    import zipfile

    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except (zipfile.BadZipFile, OSError, KeyError, ValueError):
        raise MappingFileError([_("无法读取文件：请上传从本页下载的 .xlsx 模板")]) from None
    ws = wb[SHEET] if SHEET in wb.sheetnames else wb.worksheets[0]
    rows = ws.iter_rows(values_only=True)
    header = [_text(v) for v in next(rows, ())]
    missing = [c for c in (FROM_COLUMN, TO_COLUMN) if c not in header]
    if missing:
        raise MappingFileError(
            [
                _("缺少“%(c)s”列（第 1 行须为表头：%(all)s）") % {"c": c, "all": _("、").join(COLUMNS)}
                for c in missing
            ]
        )
    at_from, at_to = header.index(FROM_COLUMN), header.index(TO_COLUMN)
    problems: list[str] = []
    result: dict[str, str] = {}
    seen_to: dict[str, int] = {}
    for number, values in enumerate(rows, start=2):
        values = list(values) + [None] * len(header)
        old, new = _text(values[at_from]), _text(values[at_to])
        if not old and not new:
            continue
        if not old:
            problems.append(_("第 %(n)d 行“%(c)s”列：不能为空") % {"n": number, "c": FROM_COLUMN})
            continue
        if old not in old_codes:
            problems.append(
                _("第 %(n)d 行“%(c)s”列：原版本没有条目“%(v)s”") % {"n": number, "c": FROM_COLUMN, "v": old}
            )
            continue
        if old in result:
            problems.append(
                _("第 %(n)d 行“%(c)s”列：条目“%(v)s”重复出现") % {"n": number, "c": FROM_COLUMN, "v": old}
            )
            continue
        if new and new not in new_codes:
            problems.append(
                _("第 %(n)d 行“%(c)s”列：新版本没有条目“%(v)s”") % {"n": number, "c": TO_COLUMN, "v": new}
            )
            continue
        if new and new in seen_to:
            problems.append(
                _("第 %(n)d 行“%(c)s”列：条目“%(v)s”已在第 %(m)d 行对应")
                % {"n": number, "c": TO_COLUMN, "v": new, "m": seen_to[new]}
            )
            continue
        if new:
            seen_to[new] = number
        result[old] = new
    if problems:
        raise MappingFileError(problems)
    if not result:
        raise MappingFileError([_("文件中没有对应关系：请在“原编号”“新编号”两列填写条目编号")])
    return result
