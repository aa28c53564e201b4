"""The city-wide workbook of a small campaign: sheets, headers, figures from the results function,
ranks and statistics only for counted schools, progress that partitions the schools, totals rows."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

from django.core.management import call_command
from django.utils import timezone
from openpyxl import load_workbook

from assessments.models import Assessment, AssessmentStatus
from assessments.selectors import assessment_results
from indicators.scoring import competition_ranks
from reports.stats import figures_of
from reports.workbook import city_workbook_write
from reports.xlsx import HEADER_ROW

from .conftest import review_all, set_status


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


def table(ws):
    """(header, data rows, totals rows): totals are the bold rows below the filter."""
    header, *body = rows(ws)
    last = int(ws.auto_filter.ref.split(":")[1].lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
    data = body[: last - HEADER_ROW]
    return header, data, body[len(data) :]


def d(value):
    return None if value is None else Decimal(str(value))


def results_of(campaign, code):
    return assessment_results(
        assessment=Assessment.objects.select_related("campaign__framework").get(
            campaign=campaign, school__code=code
        )
    )


SUMMARY_POINTS = [
    "区县", "学校标识码", "学校", "学校类型", "状态", "已填写条目", "自评总分", "自评得分率（%）", "总排名",
    "区县内排名", "评审总分", "评审得分率（%）", "评审−自评（分）", "总排名（评审）", "区县内排名（评审）",
    "总体评审意见",
]  # fmt: skip


def test_points_summary_figures_ranks_only_for_counted_schools_and_totals(world, points_campaign):
    set_status(points_campaign, AssessmentStatus.DRAFT, schools=[world.school_a1b])
    set_status(points_campaign, AssessmentStatus.FINALISED, schools=[world.school_a2], conclusion="总体良好")
    review_all(points_campaign, world.school_a2, adjust={"1.2": Decimal(0)})
    wb, total, calls = write(points_campaign)
    assert total == 3 and calls[-1] == (3, 3)
    assert wb.sheetnames == [
        "学校汇总", "逐项明细", "区县统计", "填报进度", "智慧教室配置", "基础数据", "自动校验",
    ]  # fmt: skip
    summary = wb["学校汇总"]
    header, data, totals = table(summary)
    assert header[:16] == SUMMARY_POINTS
    assert header[16:] == [f"{s} {c} 指标{c}（分）" for s in ("自评", "评审") for c in ("1", "2")]
    assert summary.freeze_panes == "D3" and summary.auto_filter.ref == "A2:T5"
    by_code = {r[1]: r for r in data}
    draft = by_code["S-A1B"]
    assert draft[4] == "草稿" and draft[5] == 4  # listed, with its progress …
    assert draft[6:16] == [None] * 10 and draft[16:] == [None] * 4  # … but no figure and no rank
    for code in ("S-A1", "S-A2"):
        results, row = results_of(points_campaign, code), by_code[code]
        assert d(row[6]) == results.self.total and d(row[7]) == results.self.percent
        assert [d(v) for v in row[16:18]] == [dim.value for dim in results.self.dimensions]
    a1, a2 = results_of(points_campaign, "S-A1"), results_of(points_campaign, "S-A2")
    assert by_code["S-A1"][10:16] == [None] * 6  # submitted: no review yet
    row = by_code["S-A2"]
    assert d(row[10]) == a2.review.total and d(row[11]) == a2.review.percent
    assert d(row[12]) == a2.review.value - a2.self.value and row[15] == "总体良好"
    assert row[13] == 1 and row[14] == 1 and by_code["S-A1"][13] is None
    expected = competition_ranks({"S-A1": a1.self.value, "S-A2": a2.self.value})
    assert (by_code["S-A1"][8], by_code["S-A2"][8]) == (expected["S-A1"], expected["S-A2"])
    assert by_code["S-A1"][9] == 1 and by_code["S-A2"][9] == 1  # alone (counted) in their districts
    counted, reviewed = totals
    assert (
        counted[0] == "合计" and counted[2] == "平均（已提交 2 所）" and reviewed[2] == "平均（已定稿 1 所）"
    )
    assert d(counted[6]) == figures_of([a1.self.exact, a2.self.exact], []).self.mean
    assert d(reviewed[10]) == a2.review.total and d(reviewed[12]) == a2.review.value - a2.self.value
    assert summary.cell(row=HEADER_ROW + 4, column=1).font.b  # the totals are bold
    detail = rows(wb["逐项明细"])
    assert detail[0][:11] == [
        "区县",
        "学校标识码",
        "学校",
        "状态",
        "一级指标",
        "编号",
        "选配",
        "指标",
        "分值",
        "自评",
        "评审",
    ]
    assert len(detail) == 1 + 3 * 4  # every school × 4 scoring items (1.1, 1.2, 2.1, 2.2)
    a2_rows = [r for r in detail[1:] if r[1] == "S-A2"]
    assert {r[11] for r in a2_rows} == {"认可", "调整"} and all(r[10] is not None for r in a2_rows)


def test_statistics_count_submitted_schools_and_progress_partitions_them(world, points_campaign):
    set_status(points_campaign, AssessmentStatus.DRAFT, schools=[world.school_a1b])
    wb, _total, _calls = write(points_campaign)
    header, data, totals = table(wb["区县统计"])
    assert header == [
        "区县", "指标", "学校数", "已提交", "自评平均", "中位数", "最低", "最高", "已定稿", "其自评平均",
        "评审平均", "评审−自评", "认定达标", "达标率", "达标目标",
    ]  # fmt: skip
    a1 = results_of(points_campaign, "S-A1")
    row = next(r for r in data if r[0] == "甲一区" and r[1] == "总分（满分 20）")
    assert row[2:4] == [2, 1]  # two schools, one counted: the draft is not a 0
    assert [d(v) for v in row[4:8]] == [a1.self.value] * 4 and row[8] == 0 and row[9:12] == [None] * 3
    assert row[12:] == [0, None, None]  # no finalised school, no rule: none passed, no share, no target
    total_row = next(r for r in totals if r[1] == "总分（满分 20）")
    assert total_row[0] == "合计（甲市）" and total_row[2:4] == [3, 2]
    header, data, totals = table(wb["填报进度"])
    assert header == ["区县", "学校数", "未开始", "填报中", "已提交", "评审中", "退回修改", "已完成"]
    assert {r[0]: r[1:] for r in data} == {"甲一区": [2, 0, 1, 1, 0, 0, 0], "甲二区": [1, 0, 0, 1, 0, 0, 0]}
    assert totals == [["合计", 3, 0, 1, 2, 0, 0, 0]]
    for r in data + totals:
        assert r[1] == sum(r[2:])  # every school in exactly one column


def test_district_scope_and_compliance_sheet(world, compliance_campaign):
    set_status(compliance_campaign, AssessmentStatus.DRAFT, schools=[world.school_a1b])
    wb, total, _calls = write(compliance_campaign, region=world.district_a1)
    assert total == 2
    assert wb.sheetnames[-4:] == ["必选项达标情况", "智慧教室配置", "基础数据", "自动校验"]
    header, data, totals = table(wb["必选项达标情况"])
    assert header[:17] == [
        "区县", "学校标识码", "学校", "状态", "依据", "必选项", "达标", "部分达标", "未达标", "未填写",
        "达标指数（%）", "全部必选项达标", "自评达标指数（%）", "自评全部必选项达标",
        "选配项", "选配达标", "选配不适用",
    ]  # fmt: skip
    assert [r[1] for r in data] == ["S-A1"]  # the draft is not in the statistics
    results = results_of(compliance_campaign, "S-A1")
    c = results.self.compliance
    meets = "是" if c.meets_standard else "否"
    percent = float(results.self.percent)
    assert data[0][4:17] == [
        "自评", c.required, c.met, c.partial, c.not_met, 0, percent, meets, percent, meets,
        c.optional, c.optional_met, c.optional_na,
    ]  # fmt: skip  # submitted, not reviewed: its own values
    assert totals[0][0] == "合计" and totals[0][5] == c.required
    header, data, _totals = table(wb["学校汇总"])
    assert header[6:10] == ["自评达标指数（%）", "全部必选项达标", "选配达标", "选配项"]
    row = next(r for r in data if r[1] == "S-A1")
    assert d(row[6]) == results.self.percent and row[8:10] == [c.optional_met, c.optional]
    assert wb["学校汇总"]["G3"].number_format == "0.0"  # 82.3, never 0.823 shown as a percentage


def test_compliance_sheet_counts_the_reviewed_values_with_the_self_index_beside(world, compliance_campaign):
    from assessments.models import ItemResponse

    school = world.school_a1
    ItemResponse.objects.filter(assessment__campaign=compliance_campaign, assessment__school=school).update(
        self_status="met"
    )
    set_status(compliance_campaign, AssessmentStatus.FINALISED, schools=[school], conclusion="总体良好")
    review_all(compliance_campaign, school, adjust={"2.1": "not_met"})
    wb, _total, _calls = write(compliance_campaign, region=world.district_a1)
    header, data, totals = table(wb["必选项达标情况"])
    row = next(r for r in data if r[1] == school.code)
    by = dict(zip(header, row, strict=True))
    assert (by["状态"], by["依据"]) == ("已完成", "评审")
    assert [by[k] for k in ("必选项", "达标", "部分达标", "未达标", "未填写")] == [2, 1, 0, 1, 0]
    assert (by["达标指数（%）"], by["全部必选项达标"]) == (50.0, "否")  # the reviewer's 2.1 未达标
    assert (by["自评达标指数（%）"], by["自评全部必选项达标"]) == (100.0, "是")  # the school's own, beside
    assert [v for k, v in by.items() if k.startswith("未达标 ")] == [0, 1]
    not_met = header.index("未达标")
    assert "已定稿 1 所" in totals[0][2] and totals[0][not_met] == sum(r[not_met] for r in data)


def test_province_campaign_groups_by_city(db):
    from assessments.models import Region, Role
    from assessments.services import campaign_create
    from tests.factories import MembershipFactory, RegionFactory, SchoolFactory, small_compliance_framework

    province = RegionFactory(code="330000", name="浙江省", level=Region.Level.PROVINCE)
    hangzhou = RegionFactory(code="330100", name="杭州市", level=Region.Level.CITY, parent=province)
    school = SchoolFactory(code="Z-1", name="杭州市第一小学", region=hangzhou)
    staff = MembershipFactory(role=Role.COMMISSION, region=province).user
    today = timezone.now()
    campaign = campaign_create(
        framework=small_compliance_framework(),
        year=2026,
        title="2026年浙江省自评",
        region=province,
        self_deadline=today + datetime.timedelta(days=10),
        review_deadline=today + datetime.timedelta(days=20),
        schools=[school],
        acting_user=staff,
    )
    wb, total, _calls = write(campaign)
    assert total == 1 and wb.sheetnames == [
        "学校汇总", "逐项明细", "各市统计", "填报进度", "必选项达标情况", "智慧教室配置", "基础数据",
        "自动校验",
    ]  # fmt: skip
    header = rows(wb["学校汇总"])[0]
    assert header[0] == "市" and "市内排名" in header and "区县内排名" not in header
    assert rows(wb["填报进度"])[0][0] == "市"


def test_export_city_workbook_command(world, points_campaign, tmp_path, capsys):
    out = tmp_path / "city.xlsx"
    call_command("export_city_workbook", "--campaign", str(points_campaign.pk), "--out", str(out))
    assert "3 所学校" in capsys.readouterr().out
    assert load_workbook(out).sheetnames[0] == "学校汇总"
