"""City workbook: our export (database → .xlsx, reports.workbook, the worker's code path) against
the candidate writers writing the same cells from memory (openpyxl write-only, XlsxWriter
constant_memory, pyexcelerate, rustpy-xlsxwriter, rvgsrust-xlsxwriter), and against a
django-import-export Resource exporting the same detail rows. Each variant runs in a fresh
subprocess, which reports its time and peak RSS (ru_maxrss), at several city sizes.

    .venv/bin/python -m bench.workbook --sizes 500,1000,2000 --json var/bench/workbook.json
"""

from __future__ import annotations

import os
import pickle
import tempfile
from pathlib import Path

from bench import _common as c

SIZES = (500, 1000, 2000)


# --- the variants (each called inside a fresh subprocess by `run`, or directly by the smoke test) --


def measure_ours(*, campaign_id: int, out: str) -> dict:
    from assessments.models import Campaign
    from reports.workbook import city_workbook_write

    campaign = Campaign.objects.select_related("framework", "region").get(pk=campaign_id)

    def write():
        with open(out, "wb") as fh:
            return city_workbook_write(campaign=campaign, region=campaign.region, out=fh)

    seconds, _s, schools = c.timed(write)
    return {"seconds": seconds, "schools": schools, "bytes": os.path.getsize(out)}


def capture_cells(*, campaign_id: int, path: str) -> dict:
    """Record every sheet our export writes (name, columns, frozen columns, rows) into a pickle (not
    timed), so each bare writer can write exactly the same cells from memory."""
    import io
    from unittest import mock

    from assessments.models import Campaign
    from reports import workbook, xlsx

    sheets: list[dict] = []
    init, append = xlsx.Sheet.__init__, xlsx.Sheet.append

    def recording_init(self, book, name, columns, *, freeze_cols, title):
        init(self, book, name, columns, freeze_cols=freeze_cols, title=title)
        sheets.append(
            {
                "title": str(name),
                "header": [str(c.header) for c in columns],
                "widths": [c.width for c in columns],
                "formats": [c.number_format for c in columns],
                "freeze_cols": freeze_cols,
                "rows": [],
            }
        )
        self._record = sheets[-1]["rows"]

    def recording_append(self, values):
        self._record.append(list(values))
        append(self, values)

    campaign = Campaign.objects.select_related("framework", "region").get(pk=campaign_id)
    with (
        mock.patch.object(xlsx.Sheet, "__init__", recording_init),
        mock.patch.object(xlsx.Sheet, "append", recording_append),
    ):
        workbook.city_workbook_write(campaign=campaign, region=campaign.region, out=io.BytesIO())
    with open(path, "wb") as fh:
        pickle.dump(sheets, fh, protocol=pickle.HIGHEST_PROTOCOL)
    return {"cells": sum(len(s["header"]) * (len(s["rows"]) + 1) for s in sheets)}


def _load(cells: str) -> list[dict]:
    with open(cells, "rb") as fh:
        return pickle.load(fh)  # noqa: S301 — our own file, written by capture_cells just before


def _bare(write, *, cells: str, out: str) -> dict:
    sheets = _load(cells)
    seconds, _s, _r = c.timed(lambda: write(sheets, out))
    return {"seconds": seconds, "bytes": os.path.getsize(out), "rows": sum(len(s["rows"]) for s in sheets)}


# Each bare writer writes the captured cells with the same layout as far as the library allows:
# header row (bold, white on dark blue), column widths, number formats, frozen header and columns,
# a filter over the table. No title row, print setup or document properties (ours has them).


def write_openpyxl(sheets: list[dict], out: str) -> None:
    """openpyxl write-only, one styled cell per formatted column reused row after row (the previous
    writer of the city workbook)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    wb = Workbook(write_only=True)
    for sheet in sheets:
        ws = wb.create_sheet(sheet["title"])
        for i, width in enumerate(sheet["widths"], start=1):
            ws.column_dimensions[get_column_letter(i)].width = width
        ws.freeze_panes = f"{get_column_letter(sheet['freeze_cols'] + 1)}2"
        header = []
        for text in sheet["header"]:
            cell = WriteOnlyCell(ws, value=text)
            cell.font, cell.fill = Font(bold=True, color="FFFFFF"), PatternFill("solid", fgColor="1F4E79")
            cell.alignment = Alignment(vertical="center", wrap_text=True)
            header.append(cell)
        ws.append(header)
        styled = []
        for fmt in sheet["formats"]:
            cell = None
            if fmt:
                cell = WriteOnlyCell(ws)
                cell.number_format = fmt
            styled.append(cell)
        for row in sheet["rows"]:
            out_row = []
            for value, cell in zip(row, styled, strict=False):
                if cell is not None and value is not None:
                    cell.value = value
                    out_row.append(cell)
                else:
                    out_row.append(value)
            ws.append(out_row)
        ws.auto_filter.ref = f"A1:{get_column_letter(len(sheet['header']))}{len(sheet['rows']) + 1}"
    wb.save(out)


def write_xlsxwriter(sheets: list[dict], out: str) -> None:
    """XlsxWriter in constant-memory mode (strings never turned into formulas or numbers)."""
    import xlsxwriter

    wb = xlsxwriter.Workbook(
        out,
        {
            "constant_memory": True,
            "strings_to_formulas": False,
            "strings_to_numbers": False,
            "strings_to_urls": False,
        },
    )
    header = wb.add_format(
        {"bold": True, "font_color": "#FFFFFF", "bg_color": "#1F4E79", "valign": "vcenter", "text_wrap": True}
    )
    formats: dict = {}
    for sheet in sheets:
        ws = wb.add_worksheet(sheet["title"])
        for col, (width, fmt) in enumerate(zip(sheet["widths"], sheet["formats"], strict=True)):
            if fmt and fmt not in formats:
                formats[fmt] = wb.add_format({"num_format": fmt})
            ws.set_column_pixels(col, col, round(width * 7), formats.get(fmt) if fmt else None)
        ws.freeze_panes(1, sheet["freeze_cols"])
        ws.write_row(0, 0, sheet["header"], header)
        for r, row in enumerate(sheet["rows"], start=1):
            ws.write_row(r, 0, row)
        ws.autofilter(0, 0, len(sheet["rows"]), len(sheet["header"]) - 1)
    wb.close()


def write_pyexcelerate(sheets: list[dict], out: str) -> None:
    """pyexcelerate: the whole sheet in memory, column styles; no print setup or document properties
    in its API, and a string starting with "=" is always written as a formula."""
    from pyexcelerate import Color, Fill, Font, Format, Panes, Style, Workbook

    wb = Workbook()
    header = Style(font=Font(bold=True, color=Color(255, 255, 255)), fill=Fill(background=Color(31, 78, 121)))
    for sheet in sheets:
        ws = wb.new_sheet(sheet["title"], data=[sheet["header"], *sheet["rows"]])
        for col, (width, fmt) in enumerate(zip(sheet["widths"], sheet["formats"], strict=True), start=1):
            ws.set_col_style(col, Style(size=width, format=Format(fmt) if fmt else None))
        ws.set_row_style(1, header)
        ws.panes = Panes(sheet["freeze_cols"], 1)
        ws.auto_filter = True
    wb.save(out)


def write_rustpy(sheets: list[dict], out: str) -> None:
    """rustpy-xlsxwriter (rust_xlsxwriter, records API: one dict per row, sheets written in order)."""
    import rustpy_xlsxwriter as rx

    header = rx.Format().set_bold().set_font_color("#FFFFFF").set_background_color("#1F4E79").set_text_wrap()
    formats: dict = {}

    def records(sheet):
        keys = sheet["header"]
        return (dict(zip(keys, row, strict=True)) for row in sheet["rows"])

    for sheet in sheets:
        for fmt in sheet["formats"]:
            if fmt and fmt not in formats:
                formats[fmt] = rx.Format().set_num_format(fmt)
    rx.write_worksheets(
        [(s["title"], records(s)) for s in sheets],
        out,
        freeze_panes={s["title"]: {"row": 1, "col": s["freeze_cols"]} for s in sheets},
        column_widths={s["title"]: list(s["widths"]) for s in sheets},
        column_formats={
            s["title"]: {h: formats[f] for h, f in zip(s["header"], s["formats"], strict=True) if f}
            for s in sheets
        },
        header_format={s["title"]: header for s in sheets},
        autofilter={s["title"]: True for s in sheets},
    )


def write_rvgs(sheets: list[dict], out: str) -> None:
    """rvgsrust-xlsxwriter (rust_xlsxwriter, the library behind reports/xlsx.py), constant memory,
    rows handed over in batches."""
    import rvgsrust_xlsxwriter as rx

    wb = rx.Workbook()
    header = wb.add_format()
    for setter, arg in (
        ("set_bold", None),
        ("set_font_color", "#FFFFFF"),
        ("set_background_color", "#1F4E79"),
        ("set_pattern", "solid"),
        ("set_text_wrap", None),
    ):
        getattr(header, setter)(*([arg] if arg else []))
    formats: dict = {}
    for sheet in sheets:
        ws = wb.add_worksheet(sheet["title"], constant_memory=True)
        for col, (width, fmt) in enumerate(zip(sheet["widths"], sheet["formats"], strict=True)):
            ws.set_column_width_pixels(col, round(width * 7))
            if fmt:
                if fmt not in formats:
                    formats[fmt] = wb.add_format()
                    formats[fmt].set_num_format(fmt)
                ws.set_column_format(col, formats[fmt])
        ws.write_row(0, 0, sheet["header"], header)
        rows = sheet["rows"]
        for start in range(0, len(rows), 1000):
            ws.write_rows(1 + start, 0, rows[start : start + 1000])
        ws.freeze_panes(1, sheet["freeze_cols"])
        ws.autofilter(0, 0, len(rows), len(sheet["header"]) - 1)
    wb.close(out)


BARE_WRITERS = {
    "bare_openpyxl": write_openpyxl,
    "bare_xlsxwriter": write_xlsxwriter,
    "bare_pyexcelerate": write_pyexcelerate,
    "bare_rustpy": write_rustpy,
    "bare_rvgs": write_rvgs,
}


def measure_bare(*, writer: str, cells: str, out: str) -> dict:
    """One bare writer: the same values, already in memory, written with the same layout."""
    return _bare(BARE_WRITERS[writer], cells=cells, out=out)


def detail_resource_class():
    """The same detail rows (school × item) as a django-import-export Resource, written the way the
    library is usually used: attribute paths, select_related, dehydrate_* methods."""
    from import_export import fields, resources

    from assessments.models import ItemResponse
    from indicators.choices import ComplianceStatus

    class ItemResponseDetailResource(resources.ModelResource):
        district = fields.Field(attribute="assessment__school__region__name", column_name="区县")
        school_code = fields.Field(attribute="assessment__school__code", column_name="学校标识码")
        school = fields.Field(attribute="assessment__school__name", column_name="学校")
        dimension = fields.Field(column_name="一级指标")
        code = fields.Field(attribute="node__code", column_name="编号")
        title = fields.Field(column_name="指标")
        points = fields.Field(attribute="node__points", column_name="分值")
        self_value = fields.Field(column_name="自评")
        review_value = fields.Field(column_name="评审")
        verdict = fields.Field(column_name="评审结论")
        comment = fields.Field(column_name="评审意见")

        class Meta:
            model = ItemResponse
            fields = (
                "district",
                "school_code",
                "school",
                "dimension",
                "code",
                "title",
                "points",
                "self_value",
                "review_value",
                "verdict",
                "comment",
            )

        def dehydrate_dimension(self, obj):
            node = obj.node
            while node.parent_id:
                node = node.parent
            return node.name

        def dehydrate_title(self, obj):
            return obj.node.title[:200]

        def dehydrate_self_value(self, obj):
            if obj.self_score is not None:
                return obj.self_score
            return str(ComplianceStatus(obj.self_status).label) if obj.self_status else None

        def dehydrate_review_value(self, obj):
            score, status = getattr(obj, "review_score", None), getattr(obj, "review_status", None)
            if score is not None:
                return score
            return str(ComplianceStatus(status).label) if status else None

        def dehydrate_verdict(self, obj):
            return getattr(obj, "review_verdict", None)

        def dehydrate_comment(self, obj):
            return getattr(obj, "review_comment", None)

    return ItemResponseDetailResource


def measure_import_export(*, campaign_id: int, out: str) -> dict:
    from assessments.models import ItemResponse

    resource = detail_resource_class()()
    queryset = (
        ItemResponse.objects.filter(assessment__campaign_id=campaign_id)
        .select_related("assessment__school__region", "node__parent__parent")
        .order_by("assessment__school__region__path", "assessment__school__code", "node__position")
    )

    def write():
        data = resource.export(queryset=queryset).export("xlsx")
        Path(out).write_bytes(data)
        return len(data)

    seconds, _s, size = c.timed(write)
    return {"seconds": seconds, "bytes": size}


# --- the program ----------------------------------------------------------------------------------


def run_size(*, campaign_id: int, repeat: int, workdir: str, with_import_export: bool = True) -> dict:
    """All variants at the current city size, each in its own subprocess, `repeat` rounds (median)."""
    mod = "bench.workbook"
    cells = os.path.join(workdir, "cells.pickle")
    c.in_subprocess(mod, "capture_cells", campaign_id=campaign_id, path=cells)
    variants = {
        "ours": ("measure_ours", {"campaign_id": campaign_id, "out": os.path.join(workdir, "ours.xlsx")}),
        **{
            name: (
                "measure_bare",
                {"writer": name, "cells": cells, "out": os.path.join(workdir, f"{name}.xlsx")},
            )
            for name in BARE_WRITERS
        },
    }
    if with_import_export:
        variants["import_export"] = (
            "measure_import_export",
            {"campaign_id": campaign_id, "out": os.path.join(workdir, "ie.xlsx")},
        )
    # Rounds, not blocks: every variant once per round, the order reversed every other round, so a
    # shared machine's slow minutes fall on all variants alike.
    samples: dict[str, list[dict]] = {name: [] for name in variants}
    for round_ in range(max(1, repeat)):
        for name in variants if round_ % 2 == 0 else reversed(variants):
            function, kwargs = variants[name]
            samples[name].append(c.in_subprocess(mod, function, **kwargs))
    result = {}
    for name, runs in samples.items():
        runs.sort(key=lambda r: r["seconds"])
        best = dict(runs[len(runs) // 2])
        best["samples"] = [r["seconds"] for r in runs]
        best["peak_rss_mb"] = max(r["peak_rss_mb"] for r in runs)
        result[name] = best
    ours = result["ours"]["seconds"]
    result["ratio_ours_vs_bare"] = ours / result["bare_rvgs"]["seconds"]
    if "import_export" in result:
        result["speedup_vs_import_export"] = result["import_export"]["seconds"] / ours
    return result


def main() -> None:
    p = c.parser(__doc__.splitlines()[0])
    p.add_argument(
        "--sizes", default=None, help="comma-separated city sizes (default 500,1000,2000 up to --schools)"
    )
    p.add_argument("--no-import-export", action="store_true", help="skip the (slow) import-export variant")
    p.set_defaults(repeat=1)
    args = p.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")] if args.sizes else [s for s in SIZES if s <= args.schools]
    sizes = sizes or [args.schools]
    with c.services():
        results = []
        with tempfile.TemporaryDirectory(prefix="bench-workbook-") as workdir:
            for size in sizes:
                c.prepare_city(schools=size, seed=args.seed)
                campaign = c.city_campaign()
                r = run_size(
                    campaign_id=campaign.pk,
                    repeat=args.repeat,
                    workdir=workdir,
                    with_import_export=not args.no_import_export,
                )
                r["schools"] = size
                r["detail_rows"] = r["bare_rvgs"]["rows"]
                results.append(r)
                print(f"  {size} schools done", flush=True)
        rows = []
        for r in results:
            for name in ("ours", *BARE_WRITERS, "import_export"):
                if name in r:
                    rows.append(
                        {
                            "schools": r["schools"],
                            "variant": name,
                            "seconds": r[name]["seconds"],
                            "peak_rss_mb": r[name]["peak_rss_mb"],
                            "rss_before_mb": r[name]["rss_before_mb"],
                            "vs_ours": r[name]["seconds"] / r["ours"]["seconds"],
                        }
                    )
        text = c.table(
            rows,
            [
                ("schools", "schools"),
                ("variant", "variant"),
                ("seconds", "seconds"),
                ("vs_ours", "× ours"),
                ("peak_rss_mb", "peak RSS MB"),
                ("rss_before_mb", "RSS after setup MB"),
            ],
            "City workbook (median of --repeat runs, each in a fresh process)",
        )
        text += "\n\n" + "\n".join(
            f"{r['schools']} schools: ours / bare rvgsrust-xlsxwriter = {r['ratio_ours_vs_bare']:.2f}"
            + (
                f"; import-export / ours = {r['speedup_vs_import_export']:.1f} (target ≥ 5)"
                if "speedup_vs_import_export" in r
                else ""
            )
            for r in results
        )
        c.emit({"benchmark": "workbook", "machine": c.machine(), "results": results}, args.json_out, text)


if __name__ == "__main__":
    main()
