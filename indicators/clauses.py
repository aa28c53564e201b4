"""Numbered clauses of an item's requirement text: 「（1）……（2）……」 split into a checklist.

Pure functions over the stored text, so the same clauses come out wherever they are needed (the
item page, the review workbench, `validate_frameworks`) without storing a copy that could drift
from the verbatim text. The text itself is never altered: every clause is an exact slice of it.

Which clauses are optional (选配):
- the item's remark says 「第（N）条选配」 (Beijing higher education's 备注 column), or
- the clause ends with an inline 「（选配）」, or
- N is listed in the node's stored `optional_clauses`.
「选配」 used as an ordinary word inside a clause (「为机房选配精密机房空调」, 「可选配专业数据中心管理
软件」) is a description of the requirement, not a marker, and does not make the clause optional.

Beijing K-12 scores on the second level and lists its 监测点 as the children of the scored item;
those monitoring points are the item's checklist (`monitoring_point_clauses`).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.utils.translation import gettext as _

from .choices import ComplianceStatus

#: a clause number as printed: full-width or ASCII parentheses around one or more digits
CLAUSE_MARK = re.compile(r"[（(]\s*(\d+)\s*[）)]")  # i18n: data
#: an inline optional marker at the end of a clause
INLINE_OPTIONAL = re.compile(r"[（(]\s*选配\s*[）)]")  # i18n: data
#: 「第（5）条选配」 / 「第(2)、(4)条选配」 in a remark
NOTE_OPTIONAL = re.compile(  # i18n: data
    r"第((?:\s*[（(]\s*\d+\s*[）)]\s*[、，,和及]?)+)\s*条\s*选配"  # i18n: data
)


def clause_mark(number: int) -> str:
    """A clause number as the standards print it: 「（5）」."""
    return f"（{number}）"  # i18n: data


@dataclass(frozen=True)
class Clause:
    """One clause of an item. `index` is its 1-based position (what a tick refers to: printed
    numbers may repeat in the source); `number` is the number as printed, or None for a monitoring
    point, which is numbered by its position."""

    index: int
    number: int | None
    text: str
    optional: bool = False
    code: str = ""  # the monitoring point's node code (Beijing K-12), else empty

    @property
    def label(self) -> str:
        return clause_mark(self.number) if self.number is not None else str(self.index)


def _marks(text: str) -> list[re.Match]:
    """The clause marks that start a clause: at the start of the text or after the end of a
    sentence (。；;：:) or a line break, so 「（如图书馆、体育馆）」 or 「GB50174-2017(1)」 inside a
    sentence is not a clause."""
    found = []
    for match in CLAUSE_MARK.finditer(text):
        before = text[: match.start()].rstrip(" \t")
        ends_sentence = before[-1] in "。；;：:\n" if before else True  # i18n: data
        if ends_sentence or (found and before.endswith(("）", ")"))):  # i18n: data
            found.append(match)
    return found


def note_optional_numbers(note: str) -> set[int]:
    """The clause numbers a remark makes optional: 「第（5）条选配」 → {5}."""
    numbers: set[int] = set()
    for match in NOTE_OPTIONAL.finditer(note or ""):
        numbers.update(int(n) for n in CLAUSE_MARK.findall(match.group(1)))
    return numbers


def parse_clauses(text: str, *, note: str = "", optional_clauses: Iterable[int] = ()) -> list[Clause]:
    """The numbered clauses of `text`, in order; [] when the text has fewer than two clause marks
    or does not start with one (a preamble before 「（1）」 stays with the item, not a clause).

    Each clause's text is the verbatim slice from its mark to the next one, without the mark."""
    text = text or ""
    marks = _marks(text)
    if len(marks) < 2 or text[: marks[0].start()].strip():
        return []
    optional = set(optional_clauses) | note_optional_numbers(note)
    clauses = []
    for i, match in enumerate(marks):
        end = marks[i + 1].start() if i + 1 < len(marks) else len(text)
        body = text[match.end() : end].strip()
        number = int(match.group(1))
        clauses.append(
            Clause(
                index=i + 1,
                number=number,
                text=body,
                optional=number in optional or bool(INLINE_OPTIONAL.search(body)),
            )
        )
    return clauses


def monitoring_point_clauses(points: Sequence) -> list[Clause]:
    """A scored item's monitoring points (nodes or node specs with `code`, `name`, `text`,
    `optional`) as its checklist, numbered by position."""
    return [
        Clause(
            index=i,
            number=None,
            text=(p.text or p.name),
            optional=bool(getattr(p, "optional", False)),
            code=p.code,
        )
        for i, p in enumerate(points, start=1)
    ]


def item_clauses(node, *, children: Sequence = ()) -> list[Clause]:
    """The checklist of an answerable item: its monitoring points when it has any (children shown
    as guidance), else the numbered clauses of its text."""
    if children:
        return monitoring_point_clauses(children)
    return parse_clauses(node.text, note=node.note, optional_clauses=node.optional_clauses or ())


def numbering_problems(text: str) -> list[str]:
    """What is wrong with the numbering of a text's clauses: a repeated number, a gap, or a start
    other than （1）. Empty when the text has no clauses or they run 1, 2, 3 …"""
    numbers = [c.number for c in parse_clauses(text)]
    if not numbers:
        return []
    problems = []
    repeated = sorted(n for n, count in Counter(numbers).items() if count > 1)
    if repeated:
        problems.append(_("条款编号重复：%(n)s") % {"n": _("、").join(clause_mark(n) for n in repeated)})
    if numbers[0] != 1:
        problems.append(_("条款编号不从（1）开始：%(n)s") % {"n": clause_mark(numbers[0])})
    missing = sorted(set(range(1, max(numbers) + 1)) - set(numbers))
    if missing:
        problems.append(_("条款编号缺失：%(n)s") % {"n": _("、").join(clause_mark(n) for n in missing)})
    if not repeated and not missing and numbers != sorted(numbers):
        problems.append(_("条款编号顺序错乱：%(n)s") % {"n": "".join(clause_mark(n) for n in numbers)})
    return problems


def optional_clause_problems(*, text: str, note: str, optional_clauses: Iterable[int]) -> list[str]:
    """Stored `optional_clauses` that disagree with the text and the remark: a stored number that
    is no clause of the text, or a clause the text or remark marks 选配 that is not stored."""
    clauses = parse_clauses(text, note=note)
    stored = set(optional_clauses or ())
    numbers = {c.number for c in clauses}
    marked = {c.number for c in clauses if c.optional}
    problems = []
    unknown = sorted(stored - numbers)
    if unknown:
        problems.append(
            _("可选条款 %(n)s 不是条目中的条款") % {"n": _("、").join(clause_mark(n) for n in unknown)}
        )
    unstored = sorted(marked - stored)
    if unstored:
        problems.append(
            _("条款 %(n)s 标注为选配，但未记入可选条款")
            % {"n": _("、").join(clause_mark(n) for n in unstored)}
        )
    return problems


def suggest_status(clauses: Sequence[Clause], ticked: Iterable[int]) -> ComplianceStatus | None:
    """What the ticks suggest for a compliance item: 达标 when every required clause is met,
    部分达标 when some are, 未达标 when none is. Optional clauses do not count; an item without
    required clauses suggests nothing."""
    required = {c.index for c in clauses if not c.optional}
    if not required:
        return None
    met = required & set(ticked)
    if met == required:
        return ComplianceStatus.MET
    return ComplianceStatus.PARTIAL if met else ComplianceStatus.NOT_MET
