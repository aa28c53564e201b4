"""The school facts in the reports: the workbook's 「基础数据」 and 「自动校验」 sheets, the dashboard's
distributions of 出口带宽 and 生机比 per district, the school report's list of rule results."""

from __future__ import annotations

import io
import re

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from assessments import services
from assessments.models import Assessment, Role
from reports import facts as report_facts
from reports.school_report import school_report_html
from reports.workbook import city_workbook_write
from reports.xlsx import HEADER_ROW

from ..assessments.facts_support import answer_all, ruled_campaign
from ..factories import MembershipFactory, UserFactory


def record(assessment, user, **values):
    services.fact_values_set(
        assessment=assessment, values=values, versions=dict.fromkeys(values, 0), acting_user=user
    )


@pytest.fixture
def campaign(world):
    campaign = ruled_campaign(world)
    cio = world.users["cio"]
    a1 = Assessment.objects.select_related("campaign__framework", "school").get(
        campaign=campaign, school=world.school_a1
    )
    record(a1, cio, uplink_mbps="500", students="1200", student_pcs="100", security_level="第二级", ipv6="是")
    answer_all(a1, cio)
    r = a1.responses.select_related("node", "assessment").get(node__code="1.1")
    services.response_update(response=r, acting_user=cio, version=r.version, self_score="4")  # full marks
    other = Assessment.objects.get(campaign=campaign, school=world.school_a2)
    cio2 = world.users["other_cio"]
    record(other, cio2, uplink_mbps="1000", students="600", student_pcs="100")
    return campaign


def workbook(campaign):
    out = io.BytesIO()
    city_workbook_write(campaign=campaign, region=campaign.region, out=out)
    out.seek(0)
    return load_workbook(out)


def table(ws):
    return [list(r) for r in ws.iter_rows(min_row=HEADER_ROW, values_only=True)]


def test_the_facts_sheet_has_a_row_per_school_and_a_column_per_fact(world, campaign):
    ws = workbook(campaign)["基础数据"]
    header, *body = table(ws)
    assert header[:4] == ["区县", "学校标识码", "学校", "学校类型"]
    assert header[4:8] == ["在校学生数（人）", "专任教师数（人）", "教职工数（人）", "教学班数（个）"]
    assert "出口带宽（Mbps）" in header and header[-2:] == ["已填项数", "评审存疑"]
    assert "等级保护级别" not in header  # read by no rule of this framework, not a basic
    rows = {r[1]: dict(zip(header, r, strict=True)) for r in body}
    assert set(rows) == {"S-A1", "S-A1B", "S-A2"}
    a1 = rows["S-A1"]
    assert a1["出口带宽（Mbps）"] == 500 and a1["在校学生数（人）"] == 1200 and a1["学校类型"] == "小学"
    assert a1["已填项数"] == 5  # also the facts no column shows (等级保护, IPv6)
    assert rows["S-A1B"]["已填项数"] == 0 and rows["S-A1B"]["出口带宽（Mbps）"] is None
    assert ws.freeze_panes == "D3" and ws.auto_filter.ref == f"A2:{ws.cell(2, len(header)).column_letter}5"
    assert ws.cell(3, header.index("在校学生数（人）") + 1).number_format == "0"


def test_the_checks_sheet_has_a_row_per_school_and_rule_and_flags_contradicted_claims(
    world, campaign, monkeypatch
):
    calls = []
    evaluate = report_facts.evaluate_rules
    monkeypatch.setattr(report_facts, "evaluate_rules", lambda *a, **k: calls.append(1) or evaluate(*a, **k))
    ws = workbook(campaign)["自动校验"]
    assert len(calls) == 3  # each school evaluated once
    header, *body = table(ws)
    assert header == [
        "区县", "学校标识码", "学校", "条目", "规则", "条款原文", "程度", "结果", "说明",
        "自评达标或满分", "自评与校验不符",
    ]  # fmt: skip
    assert len(body) == 3 * 3
    rows = {(r[1], r[4]): r for r in body}
    gigabit = rows[("S-A1", "gigabit")]
    assert gigabit[3:9] == [
        "1.1",
        "gigabit",
        "指标1.1.1的要求原文",
        "阻止提交",
        "不符合",
        "出口带宽 500 Mbps（千兆 = 1000 Mbps）",
    ]
    assert gigabit[9:] == ["是", "是"]
    assert rows[("S-A1", "pc-ratio")][3] == "2.1、2.2" and rows[("S-A1", "pc-ratio")][7] == "不符合"
    assert rows[("S-A2", "gigabit")][7:] == ["符合", "出口带宽 1000 Mbps（千兆 = 1000 Mbps）", "否", None]
    assert rows[("S-A1B", "teacher-pcs")][7] == "无法判断"
    assert ws.freeze_panes == "D3"


def test_the_dashboard_shows_bandwidth_and_ratio_per_district(world, campaign, client_for):
    distributions = report_facts.fact_distributions(assessments=Assessment.objects.filter(campaign=campaign))
    uplink, ratio = distributions
    assert uplink.districts == ["甲二区", "甲一区"]  # region order (codes 110105, 110108)
    assert uplink.bands == ["<100M", "100–499M", "500–999M", "≥1000M", "未填"]
    assert uplink.counts == [[0, 0, 0, 1, 0], [0, 0, 1, 0, 1]]
    assert ratio.bands == ["≤5:1", "5–6:1", "6–7:1", "7–10:1", ">10:1", "未填"]
    assert ratio.counts == [[0, 1, 0, 0, 0, 0], [0, 0, 0, 0, 1, 1]]  # 6:1; 12:1 and one not recorded
    page = client_for("commission").get(reverse("reports:dashboard") + f"?campaign={campaign.pk}")
    html = page.content.decode()
    assert (
        'data-testid="fact-distributions"' in html
        and "各区县出口带宽分布" in html
        and "各区县生机比分布" in html
    )
    reviewer = client_for("other_reviewer").get(reverse("reports:dashboard") + f"?campaign={campaign.pk}")
    assert "甲一区" not in reviewer.content.decode().split('data-testid="fact-distributions"')[1]


def test_the_school_report_lists_the_facts_and_the_rule_results(world, campaign):
    a1 = Assessment.objects.select_related("campaign__framework", "school__region").get(
        campaign=campaign, school=world.school_a1
    )
    html = school_report_html(assessment=a1)
    section = html.split("<h2>学校基本情况与自动校验</h2>")[1].split("<h2>")[0]
    assert "出口带宽（Mbps）" in section and "500" in section and "学校填报" in section
    assert "「指标1.1.1的要求原文」" in section and "✗ 不符合" in section and "出口带宽 500 Mbps" in section
    assert "符合 0 条、不符合 2 条、无法判断 1 条" in section


def test_a_fact_recorded_shows_on_the_next_dashboard_visit(world, campaign, client_for):
    """The distributions are cached with the dashboard's figures under the campaign's data
    version, which the fact service moves: the next visit counts the new value."""
    url = reverse("reports:dashboard") + f"?campaign={campaign.pk}"
    commission = client_for("commission")

    def recorded() -> str:  # the first chart's (出口带宽) count of schools that recorded it
        html = commission.get(url).content.decode()
        return re.search(r"已填 (\d+) 所", html.split('data-testid="fact-distributions"')[1]).group(1)

    assert recorded() == "2"
    assert recorded() == "2"  # from the cache
    third = Assessment.objects.get(campaign=campaign, school=world.school_a1b)
    cio = UserFactory(username="a1b-cio")
    MembershipFactory(user=cio, role=Role.SCHOOL_CIO, school=world.school_a1b)
    record(third, cio, uplink_mbps="100")
    assert recorded() == "3"
