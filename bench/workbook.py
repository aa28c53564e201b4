"""City workbook: our export (database → .xlsx, reports.workbook, the worker's code path) against
bare openpyxl write-only writing the same cells from memory, and against a django-import-export
Resource exporting the same detail rows. Each variant runs in a fresh subprocess, which reports its
time and peak RSS (ru_maxrss), at several city sizes.

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
    """Record every value our export writes, sheet by sheet, into a pickle (not timed)."""
    import io

    from assessments.models import Campaign
    from reports import workbook

    sheets: list[dict] = []

    class Recording(workbook._Sheet):
        def __init__(self, wb, title, headers, freeze):
            super().__init__(wb, title, headers, freeze)
            sheets.append({"title": title, "header": [h for h, _w, _f in headers], "rows": []})
            self._record = sheets[-1]["rows"]

        def append(self, values):
            self._record.append(list(values))
            super().append(values)

    campaign = Campaign.objects.select_related("framework", "region").get(pk=campaign_id)
    original = workbook._Sheet
    workbook._Sheet = Recording
    try:
        workbook.city_workbook_write(campaign=campaign, region=campaign.region, out=io.BytesIO())
    finally:
        workbook._Sheet = original
    with open(path, "wb") as fh:
        pickle.dump(sheets, fh, protocol=pickle.HIGHEST_PROTOCOL)
    return {"cells": sum(len(s["header"]) * (len(s["rows"]) + 1) for s in sheets)}


def measure_bare(*, cells: str, out: str) -> dict:
    """Bare openpyxl write-only: the same values, already in memory, written as plain cells."""
    from openpyxl import Workbook

    with open(cells, "rb") as fh:
        sheets = pickle.load(fh)  # noqa: S301 — our own file, written by capture_cells just before

    def write():
        wb = Workbook(write_only=True)
        for sheet in sheets:
            ws = wb.create_sheet(sheet["title"])
            ws.append(sheet["header"])
            for row in sheet["rows"]:
                ws.append(row)
        wb.save(out)

    seconds, _s, _r = c.timed(write)
    return {"seconds": seconds, "bytes": os.path.getsize(out), "rows": sum(len(s["rows"]) for s in sheets)}


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
    """All variants at the current city size, each in its own subprocess, `repeat` times (median)."""
    mod = "bench.workbook"
    cells = os.path.join(workdir, "cells.pickle")
    c.in_subprocess(mod, "capture_cells", campaign_id=campaign_id, path=cells)
    variants = {
        "ours": ("measure_ours", {"campaign_id": campaign_id, "out": os.path.join(workdir, "ours.xlsx")}),
        "bare_openpyxl": ("measure_bare", {"cells": cells, "out": os.path.join(workdir, "bare.xlsx")}),
    }
    if with_import_export:
        variants["import_export"] = (
            "measure_import_export",
            {"campaign_id": campaign_id, "out": os.path.join(workdir, "ie.xlsx")},
        )
    result = {}
    for name, (function, kwargs) in variants.items():
        runs = [c.in_subprocess(mod, function, **kwargs) for _ in range(max(1, repeat))]
        runs.sort(key=lambda r: r["seconds"])
        best = dict(runs[len(runs) // 2])
        best["samples"] = [r["seconds"] for r in runs]
        best["peak_rss_mb"] = max(r["peak_rss_mb"] for r in runs)
        result[name] = best
    ours = result["ours"]["seconds"]
    result["ratio_ours_vs_bare"] = ours / result["bare_openpyxl"]["seconds"]
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
                r["detail_rows"] = r["bare_openpyxl"]["rows"]
                results.append(r)
                print(f"  {size} schools done", flush=True)
        rows = []
        for r in results:
            for name in ("ours", "bare_openpyxl", "import_export"):
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
            f"{r['schools']} schools: ours / bare openpyxl = {r['ratio_ours_vs_bare']:.2f} (target ≤ 1.5)"
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
