"""The city workbook of a seeded demo city, read back with openpyxl, has the layout the commission's
staff know: sheets, headers, column widths, number formats, frozen header and columns, filters over
every table — below a title row that says 数据截至 when — plus print setup and document properties.
The expectations are written out here, not derived from the code under test."""

from __future__ import annotations

import io
import re
from decimal import Decimal

import pytest
from django.core.management import call_command
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from assessments.models import AssessmentStatus, Campaign, ItemResponse, Progress, ReviewVerdict
from rectification.models import RectificationItem
from reports.workbook import city_workbook_write

PROGRESS = len(Progress.choices)
S, P, I = "0.0", "0.0%", "0"  # noqa: E741 — score, percent, integer formats
SMART_CLASSROOMS = (
    "D3",
    [12, 13, 28, 7, 9, 9, 9, 9, 10, 8, 10, 8, 12, 10, 14, 12],
    [None] * 3 + [I] * 8 + [P] + [I] * 4,
    0,
)
# one row per rectification item (every cell text: dates as YYYY-MM-DD), the summary below
RECTIFICATION = ("D3", [12, 14, 28, 8, 36, 14, 10, 11, 6, 11, 16], [None] * 11, 1)


@pytest.fixture
def seeded(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("load_frameworks", stdout=io.StringIO())
    for code in ("beijing-k12", "zhejiang-k12"):
        args = ("--schools", "12", "--campaign", code, "--fill", "--quiet")
        call_command("seed_demo", *args, stdout=io.StringIO())
    return {
        c.framework.code: c
        for c in Campaign.objects.filter(title__startswith="2026").select_related("framework", "region")
    }


def expected_layout(campaign: Campaign) -> dict:
    """Sheet → (freeze cell, widths, number format of each column's data cells, totals rows).
    Percentages are numbers of percent (82.3) in "0.0" columns whose header says（%）."""
    dims = campaign.framework.nodes.filter(parent=None).count()
    progress = ("B3", [12, 8] + [8] * PROGRESS, [None] + [I] * (1 + PROGRESS), 1)
    statistics = (
        "C3",
        [12, 28, 7, 7, 9, 9, 9, 9, 7, 9, 9, 9, 8, 8, 8],
        [None, None, I, I, S, S, S, S, I, S, S, S, I, P, P],
        1 + dims,
    )
    detail_widths = [12, 13, 26, 9, 18, 8, 6, 40, 7, 9, 9, 11, 40]
    if campaign.framework.scoring == "points":
        return {
            "学校汇总": (
                "D3",
                [12, 13, 28, 10, 9, 9, 10, 10, 8, 9, 10, 10, 10, 9, 10, 40] + [14] * 2 * dims,
                [None] * 5 + [I, S, S, I, I, S, S, S, I, I, None] + [S] * 2 * dims,
                2,
            ),
            "逐项明细": ("G3", detail_widths, [None] * 8 + [S, S, S, None, None], 0),
            "区县统计": statistics,
            "填报进度": progress,
            "智慧教室配置": SMART_CLASSROOMS,
        }
    return {
        "学校汇总": (
            "D3",
            [12, 13, 28, 10, 9, 9, 11, 9, 8, 8, 8, 9, 11, 10, 9, 10, 40] + [14] * 2 * dims,
            [None] * 5 + [I, S, None, I, I, I, I, S, S, I, I, None] + [S] * 2 * dims,
            2,
        ),
        "逐项明细": ("G3", detail_widths, [None] * 8 + [S] + [None] * 4, 0),
        "各市统计": statistics,
        "填报进度": progress,
        "必选项达标情况": (
            "D3",
            [12, 13, 28, 9, 7, 7, 7, 8, 7, 7, 9, 9, 11, 11, 7, 8, 8] + [14] * dims,
            [None] * 5 + [I] * 5 + [S, None, S, None, I, I, I] + [I] * dims,
            1,
        ),
        "智慧教室配置": SMART_CLASSROOMS,
    }


def widths(ws) -> list[float]:
    found = {}
    for dim in ws.column_dimensions.values():
        for col in range(dim.min or 0, (dim.max or -1) + 1):
            found[col] = dim.width
    return [found.get(col) for col in range(1, ws.max_column + 1)]


@pytest.mark.parametrize("code", ["beijing-k12", "zhejiang-k12"])
def test_seeded_city_workbook_layout(seeded, code):
    campaign = seeded[code]
    out = io.BytesIO()
    schools = city_workbook_write(campaign=campaign, region=campaign.region, out=out)
    out.seek(0)
    wb = load_workbook(out)
    layout = expected_layout(campaign)
    # the facts' two sheets follow (their layout: tests/reports/test_facts_reports.py); the demo's
    # finalised schools have rectification items, so 整改台账 comes last
    assert RectificationItem.objects.filter(assessment__campaign=campaign).exists()
    assert schools == 12 and wb.sheetnames == [*layout, "基础数据", "自动校验", "整改台账"]
    layout["整改台账"] = RECTIFICATION
    assert wb.properties.title == f"{campaign.title}（{campaign.region.name}）"
    assert wb.properties.creator == campaign.region.name

    for name, (freeze, column_widths, formats, totals) in layout.items():
        ws = wb[name]
        last = get_column_letter(len(formats))
        title = ws["A1"].value
        assert title.startswith(f"{campaign.title}（{campaign.region.name}） · {name}")
        assert re.search(r"（数据截至 \d{4}-\d{2}-\d{2} \d{2}:\d{2}）$", title), title
        assert f"A1:{last}1" in {str(r) for r in ws.merged_cells.ranges} and ws["A1"].font.b
        header = ws[2]
        assert len(header) == len(formats) and all(c.value for c in header)
        for cell in header:
            assert cell.font.b and cell.font.color.rgb.endswith("FFFFFF"), cell.coordinate
            assert cell.fill.fill_type == "solid" and cell.fill.fgColor.rgb.endswith("1F4E79")
            assert cell.alignment.wrap_text and cell.alignment.vertical == "center"
        assert widths(ws) == column_widths, name
        assert ws.freeze_panes == freeze
        assert ws.auto_filter.ref == f"A2:{last}{ws.max_row - totals}"  # totals below the filter
        data = list(ws.iter_rows(min_row=3))
        assert data, name
        for row in data:
            for cell, number_format in zip(row, formats, strict=True):
                if cell.value is not None:
                    assert cell.number_format == (number_format or "General"), (name, cell.coordinate)
                    assert cell.data_type in ("n", "s"), (name, cell.coordinate)
        assert ws.page_setup.orientation == "landscape" and ws.page_setup.paperSize in (9, "9")
        assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToHeight in (0, "0")
        assert ws.page_setup.fitToWidth in (None, 1, "1") and ws.print_title_rows == "$1:$2"


def test_seeded_detail_rows_are_the_responses(seeded):
    """Every response, in order; the reviewer's columns only for finalised reviews."""
    campaign = seeded["beijing-k12"]
    out = io.BytesIO()
    city_workbook_write(campaign=campaign, region=campaign.region, out=out)
    out.seek(0)
    rows = list(load_workbook(out)["逐项明细"].iter_rows(min_row=3, values_only=True))
    responses = (
        ItemResponse.objects.filter(assessment__campaign=campaign)
        .select_related("assessment__school__region", "node")
        .order_by("assessment__school__region__path", "assessment__school__code", "node__position")
    )
    finalised = AssessmentStatus.FINALISED
    expected = [
        (
            r.assessment.school.region.name,
            r.assessment.school.code,
            r.assessment.school.name,
            r.assessment.get_status_display(),
            r.node.code,
            r.self_score,
            r.review_score if r.assessment.status == finalised else None,
            str(ReviewVerdict(r.review_verdict).label)
            if r.review_verdict and r.assessment.status == finalised
            else None,
            (r.review_comment or None) if r.assessment.status == finalised else None,
        )
        for r in responses
    ]
    got = [
        (
            row[0],
            row[1],
            row[2],
            row[3],
            row[5],
            None if row[9] is None else Decimal(str(row[9])),
            None if row[10] is None else Decimal(str(row[10])),
            row[11],
            row[12],
        )
        for row in rows
    ]
    assert got == expected and len(got) == 12 * 46  # Beijing K-12 is answered on 46 items
    statuses = {r.assessment.status for r in responses}
    assert finalised in statuses and statuses - {finalised}  # both kinds are in the seeded city
