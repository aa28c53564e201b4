"""The one .xlsx writer of the reports: tables of rows, streamed to disk, styled the same way.

Every sheet the reports write is a table: a title row (what the figures are, and 数据截至 when they
were read), a styled header row, data rows, then the header frozen, a filter over the table, and a
print setup (landscape, one page wide, title and header repeated on every page). `Book` is the
workbook (document title and author), `Book.sheet()` adds a table sheet, `Sheet.append()` adds a
row; `Book.save()` writes the file. Sheets appear in the order they are added and can be filled in
any order, so a sheet computed last (a summary) can still come first.

The library behind it is chosen here and nowhere else: rust_xlsxwriter (through the
rvgsrust-xlsxwriter binding), in constant-memory mode — each sheet's rows go to a temporary file as
they are written, so memory does not grow with the number of rows — and over ten times faster
than openpyxl's write-only mode on the same cells (docs/benchmarks.md). Every ``str`` is written as
a string cell, never a formula; a formula-like one also gets the quote prefix
(smartcampus/spreadsheets.py says why).
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, BinaryIO

import rvgsrust_xlsxwriter as rx
from django.utils.translation import gettext as _

from smartcampus.spreadsheets import FORMULA_TRIGGERS

TITLE_ROWS = 1  # rows above the header: the title row
HEADER_ROW = TITLE_ROWS + 1  # 1-based, as a reader (openpyxl) counts rows
HEADER_FILL = "#1F4E79"
HEADER_FONT_COLOR = "#FFFFFF"
PAPER_A4 = 9
BATCH_ROWS = 1000  # rows handed to the library per call: fewer crossings into the extension


@dataclass(frozen=True)
class Column:
    """One column of a table: header text, width (as stored in the file, the unit openpyxl's
    `column_dimensions[…].width` reads), and the number format of its cells (None: General)."""

    header: str
    width: float
    number_format: str | None = None


class Sheet:
    """A table sheet of a `Book`; rows are appended in order and written in batches."""

    def __init__(self, book: Book, name: str, columns: Sequence[Column], *, freeze_cols: int, title: str):
        # Names, titles and headers may be lazy translations: the library takes plain strings.
        name, title = str(name), str(title)
        self.name = name
        self.columns = [Column(str(c.header), c.width, c.number_format) for c in columns]
        self.rows = 0  # data rows written
        self._book = book
        self._ws = book._wb.add_worksheet(name, constant_memory=True)
        self._pending: list[Sequence[Any]] = []
        self._totals: list[Sequence[Any]] = []
        self._text_formats: dict[int, rx.Format] = {}
        self._total_formats: dict[int, rx.Format] = {}
        ws, last_col = self._ws, len(self.columns) - 1
        for col, column in enumerate(self.columns):
            # The library takes Excel's on-screen character width and adds the cell padding; in
            # pixels (7 per unit at the default font) the stored width is exactly `column.width`.
            ws.set_column_width_pixels(col, round(column.width * 7))
            if column.number_format:
                ws.set_column_format(col, book._number_format(column.number_format))
        if last_col > 0:
            ws.merge_range(0, 0, 0, last_col, title, book._title_format)
        else:
            ws.write(0, 0, title, book._title_format)
        ws.write_row(TITLE_ROWS, 0, [c.header for c in self.columns], book._header_format)
        ws.freeze_panes(HEADER_ROW, freeze_cols)
        ws.set_landscape()
        ws.set_paper_size(PAPER_A4)
        ws.set_print_fit_to_pages(1, 0)  # one page wide, as many pages long as it takes
        ws.set_repeat_rows(0, TITLE_ROWS)

    def append(self, values: Sequence[Any]) -> None:
        """Add one data row (numbers, Decimals, text, None for an empty cell)."""
        guarded = [i for i, v in enumerate(values) if isinstance(v, str) and v[:1] in FORMULA_TRIGGERS]
        if not guarded:
            self._pending.append(values)
            if len(self._pending) >= BATCH_ROWS:
                self._flush()
            return
        self._flush()
        row = HEADER_ROW + self.rows
        self._ws.write_row(row, 0, list(values))
        for col in guarded:  # the same cell again, now with the quote prefix
            self._ws.write(row, col, values[col], self._text_format(col))
        self.rows += 1

    def total(self, values: Sequence[Any]) -> None:
        """Add a totals row (合计, a region's statistics): written in bold below the data rows, after
        every `append`, and outside the filter, so sorting or filtering the table leaves it last."""
        self._totals.append(values)

    def _flush(self) -> None:
        if self._pending:
            self._ws.write_rows(HEADER_ROW + self.rows, 0, self._pending)
            self.rows += len(self._pending)
            self._pending = []

    def _text_format(self, col: int) -> rx.Format:
        if col not in self._text_formats:
            fmt = self._book._wb.add_format()
            fmt.set_quote_prefix()
            if self.columns[col].number_format:
                fmt.set_num_format(self.columns[col].number_format)
            self._text_formats[col] = fmt
        return self._text_formats[col]

    def _total_format(self, col: int, *, quote: bool) -> rx.Format:
        key = col * 2 + quote
        if key not in self._total_formats:
            fmt = self._book._wb.add_format()
            fmt.set_bold()
            fmt.set_border_top("thin")
            if quote:
                fmt.set_quote_prefix()
            if self.columns[col].number_format:
                fmt.set_num_format(self.columns[col].number_format)
            self._total_formats[key] = fmt
        return self._total_formats[key]

    def _finish(self) -> None:
        self._flush()
        self._ws.autofilter(TITLE_ROWS, 0, TITLE_ROWS + self.rows, len(self.columns) - 1)
        row = HEADER_ROW + self.rows
        for values in self._totals:
            for col, value in enumerate(values):
                quote = isinstance(value, str) and value[:1] in FORMULA_TRIGGERS
                self._ws.write(row, col, value, self._total_format(col, quote=quote))
            row += 1


class Book:
    """One .xlsx file of table sheets. `title` and `author` are the document properties; `as_of` is
    when its data was read, shown in every sheet's title row."""

    def __init__(self, *, title: str, author: str, as_of: datetime):
        self.title = title
        self.as_of = as_of
        self._wb = rx.Workbook()
        self._wb.set_properties(title=title, author=author)
        self._sheets: list[Sheet] = []
        self._number_formats: dict[str, rx.Format] = {}
        self._title_format = self._wb.add_format()
        # Bold at the default size: a row height of its own would make the library buffer the whole
        # sheet in memory instead of streaming it (measured: 89 → 200 MB at 2,000 schools).
        self._title_format.set_bold()
        self._title_format.set_vertical_align("vcenter")
        self._header_format = self._wb.add_format()
        self._header_format.set_bold()
        self._header_format.set_font_color(HEADER_FONT_COLOR)
        self._header_format.set_background_color(HEADER_FILL)
        self._header_format.set_pattern("solid")
        self._header_format.set_vertical_align("vcenter")
        self._header_format.set_text_wrap()

    def sheet(self, name: str, columns: Sequence[Column], *, freeze_cols: int = 0) -> Sheet:
        """Add a table sheet after the ones added so far; the first `freeze_cols` columns stay in
        view when scrolling sideways (the header row always does)."""
        title = _("%(title)s · %(sheet)s（数据截至 %(as_of)s）") % {
            "title": self.title,
            "sheet": name,
            "as_of": f"{self.as_of:%Y-%m-%d %H:%M}",
        }
        sheet = Sheet(self, name, columns, freeze_cols=freeze_cols, title=title)
        self._sheets.append(sheet)
        return sheet

    def save(self, out: BinaryIO) -> None:
        """Write the file to `out`. The library builds it in a temporary file, copied over in
        chunks, so the finished file is never held in memory either."""
        for sheet in self._sheets:
            sheet._finish()
        with tempfile.TemporaryDirectory(prefix="smartcampus-xlsx-") as tmp:
            path = f"{tmp}/book.xlsx"
            self._wb.close(path)
            with open(path, "rb") as fh:
                shutil.copyfileobj(fh, out, 1 << 20)

    def _number_format(self, number_format: str) -> rx.Format:
        if number_format not in self._number_formats:
            fmt = self._wb.add_format()
            fmt.set_num_format(number_format)
            self._number_formats[number_format] = fmt
        return self._number_formats[number_format]
