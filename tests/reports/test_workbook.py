"""The city-wide workbook of a small campaign: sheets, headers, totals from the engine, ranks, layout."""

from __future__ import annotations

import io
from decimal import Decimal

from django.core.management import call_command
from openpyxl import load_workbook

from assessments.models import Assessment
from reports.workbook import city_workbook_write
from reports.xlsx import HEADER_ROW

from .conftest import engine_result


def write(campaign, region=None):
    out = io.BytesIO()
    calls = []
    total = city_workbook_write(
        campaign=campaign,
        region=region or campaign.region,
        out=out,
        on_progress=lambda d, t: calls.append((d, t)),
    )
    out.seek(0)
    return load_workbook(out), total, calls


def rows(ws):
    """The table of a sheet: header row, then data rows (the title row above is left out)."""
    return [list(r) for r in ws.iter_rows(min_row=HEADER_ROW, values_only=True)]


def test_points_workbook_sheets_totals_ranks_and_layout(world, points_campaign):
    wb, total, calls = write(points_campaign)
    assert total == 3 and calls[-1] == (3, 3)
    assert wb.sheetnames == ["学校汇总", "逐项明细", "区县统计", "填报进度", "智慧教室配置"]
    summary = wb["学校汇总"]
    header, *body = rows(summary)
    assert header[:13] == [
        "区县", "学校标识码", "学校", "学校类型", "状态", "已填写条目", "自评总分", "自评得分率",
        "评审总分", "市内排名", "区内排名", "市内排名（评审）", "区内排名（评审）",
    ]  # fmt: skip
    assert header[13:] == ["自评 1 指标1", "自评 2 指标2", "评审 1 指标1", "评审 2 指标2"]
    assert summary.freeze_panes == "D3" and summary.auto_filter.ref == "A2:Q5"
    assert wb["逐项明细"].freeze_panes == "G3" and wb["逐项明细"].auto_filter.ref == "A2:K14"
    by_code = {r[1]: r for r in body}
    totals = {}
    for assessment in Assessment.objects.filter(campaign=points_campaign).select_related("school"):
        result = engine_result(assessment)
        row = by_code[assessment.school.code]
        assert Decimal(str(row[6])) == result.total
        assert [Decimal(str(v)) for v in row[13:15]] == [result.nodes["1"].score, result.nodes["2"].score]
        assert row[8] is None  # no review yet
        totals[assessment.school.code] = result.total
    ordered = sorted(totals.values(), reverse=True)
    for code, row in by_code.items():
        assert row[9] == ordered.index(totals[code]) + 1  # competition rank in the city
    district = [by_code["S-A1"], by_code["S-A1B"]]
    assert sorted(r[10] for r in district) == ([1, 1] if totals["S-A1"] == totals["S-A1B"] else [1, 2])
    assert by_code["S-A2"][10] == 1  # alone in its district
    cell = summary["G3"]
    assert cell.number_format == "0.0" and summary["H3"].number_format == "0.0%"
    assert summary.column_dimensions["C"].width == 28
    detail = rows(wb["逐项明细"])
    assert detail[0][:9] == ["区县", "学校标识码", "学校", "一级指标", "编号", "指标", "分值", "自评", "评审"]
    assert len(detail) == 1 + 3 * 4  # 3 schools × 4 scoring items (1.1, 1.2, 2.1, 2.2)


def test_points_workbook_statistics_and_progress(world, points_campaign):
    wb, _total, _calls = write(points_campaign)
    stats = rows(wb["区县统计"])
    assert stats[0] == ["区县", "指标", "学校数", "平均", "中位数", "最低", "最高"]
    totals = [
        engine_result(a).total
        for a in Assessment.objects.filter(campaign=points_campaign, school__region=world.district_a1)
    ]
    row = next(r for r in stats if r[0] == "甲一区" and r[1] == "总分")
    assert row[2] == 2 and Decimal(str(row[3])) == sum(totals) / 2
    assert Decimal(str(row[5])) == min(totals) and Decimal(str(row[6])) == max(totals)
    assert any(r[0] == "甲市（全部）" and r[1] == "总分" and r[2] == 3 for r in stats)
    progress = rows(wb["填报进度"])
    assert progress[0][:4] == ["区县", "学校数", "未开始", "草稿"]
    assert {r[0]: r[1] for r in progress[1:]} == {"甲一区": 2, "甲二区": 1}


def test_district_scope_and_compliance_sheet(world, compliance_campaign):
    wb, total, _calls = write(compliance_campaign, region=world.district_a1)
    assert total == 2
    assert wb.sheetnames[-2:] == ["必选项达标情况", "智慧教室配置"]
    header, *body = rows(wb["必选项达标情况"])
    assert header[:10] == [
        "区县",
        "学校标识码",
        "学校",
        "必选项",
        "达标",
        "部分达标",
        "未达标",
        "未填写",
        "全部达标",
        "可选项达标",
    ]
    for row in body:
        assessment = Assessment.objects.get(campaign=compliance_campaign, school__code=row[1])
        result = engine_result(assessment)
        assert row[3:8] == [result.required, result.required_met, result.partial, result.not_met, 0]
        assert row[8] == ("是" if result.meets_standard else "否")
    summary = {r[1]: r for r in rows(wb["学校汇总"])[1:]}
    for code, row in summary.items():
        result = engine_result(Assessment.objects.get(campaign=compliance_campaign, school__code=code))
        assert Decimal(str(row[6])) == result.index
    assert wb["学校汇总"]["G3"].number_format == "0.0%"


def test_export_city_workbook_command(world, points_campaign, tmp_path, capsys):
    out = tmp_path / "city.xlsx"
    call_command("export_city_workbook", "--campaign", str(points_campaign.pk), "--out", str(out))
    assert "3 所学校" in capsys.readouterr().out
    assert load_workbook(out).sheetnames[0] == "学校汇总"
