"""The year-over-year comparison agrees everywhere: the `campaign_compare` command, the workbook's
「年度对比」 sheet and the dashboard's 「年度对比」 section are the same figures; the item, review and
school pages show the previous year from the same results, within the user's scope."""

from __future__ import annotations

import io
import json
from decimal import Decimal

from django.core.management import call_command
from django.urls import reverse
from openpyxl import load_workbook

from assessments import selectors
from reports.workbook import city_workbook_write
from reports.xlsx import HEADER_ROW
from tests.assessments.test_years import last_year, two_years  # noqa: F401 — fixtures

D = Decimal


def _command(campaign) -> dict:
    out = io.StringIO()
    call_command("campaign_compare", "--campaign", str(campaign.pk), "--json", stdout=out)
    return json.loads(out.getvalue())


def _sheet(campaign) -> list[list]:
    out = io.BytesIO()
    city_workbook_write(campaign=campaign, region=campaign.region, out=out)
    out.seek(0)
    ws = load_workbook(out)["年度对比"]
    return [list(r) for r in ws.iter_rows(min_row=HEADER_ROW, values_only=True)]


def test_command_sheet_and_dashboard_agree(world, two_years, client_for):  # noqa: F811
    document = _command(two_years)
    header, *rows = _sheet(two_years)
    assert header[1:] == [
        "学校标识码",
        "学校名称",
        "上年（%）",
        "上年依据",
        "本年（%）",
        "本年依据",
        "变化（百分点）",
    ]
    by_code = {r[1]: r for r in rows}
    assert [r[1] for r in rows] == [s["school_code"] for s in document["schools"]]
    basis = {"评审": "review", "自评": "self", "无": None}
    for school in document["schools"]:
        row = by_code[school["school_code"]]
        assert row[3] == school["previous_percent"] and row[5] == school["this_percent"]
        assert row[7] == school["change"]
        assert (basis[row[6]], basis[row[4]]) == (school["basis"]["this"], school["basis"]["previous"])
    html = client_for("commission").get(reverse("reports:dashboard") + f"?campaign={two_years.pk}")
    page = html.content.decode()
    assert "年度对比" in page
    # 甲一区: 2025 the finalised a1 (82.5) and submitted a1b (87.5) → 85.0; 2026 a1 only (100.0)
    a1 = [s for s in document["schools"] if s["school_code"] in ("S-A1", "S-A1B")]
    previous_mean = sum(s["previous_percent"] for s in a1) / 2
    assert previous_mean == 85.0 and ">85.0<" in page and ">100.0<" in page


def test_sheet_only_when_there_is_a_predecessor(world, two_years):  # noqa: F811
    out = io.BytesIO()
    city_workbook_write(campaign=two_years.predecessor, region=world.city_a, out=out)
    out.seek(0)
    assert "年度对比" not in load_workbook(out).sheetnames


def test_item_review_and_school_pages_show_last_year(world, two_years, client_for):  # noqa: F811
    a2 = two_years.assessments.get(school=world.school_a2)
    a1 = two_years.assessments.get(school=world.school_a1)
    # the CIO of a1: last year's 1.2 was self 5.5, reviewed 4.5 with a comment
    page = client_for("cio").get(reverse("assessments:assessment-item", args=[a1.pk, "1.2"])).content.decode()
    assert "上年" in page and "5.5" in page and "4.5" in page and "证据不足以支撑满分" in page
    # the reviewer of 甲一区 sees the same on the review workbench
    url = reverse("assessments:review-item", args=[a1.pk, "1.2"])
    assert "证据不足以支撑满分" in client_for("reviewer").get(url).content.decode()
    # a2's previous year was a draft: no self value, no review
    page = client_for("commission").get(reverse("assessments:assessment-item", args=[a2.pk, "1.2"]))
    assert "未提交" in page.content.decode()
    # the school page lists both years with their results
    page = (
        client_for("cio")
        .get(reverse("assessments:school-detail", args=[world.school_a1.pk]))
        .content.decode()
    )
    assert page.count('data-testid="school-year"') == 2 and "100.0%" in page and "82.5%" in page


def test_previous_year_stays_in_scope(world, two_years):  # noqa: F811
    a1 = two_years.assessments.get(school=world.school_a1)
    assert selectors.previous_items(user=world.users["cio"], assessment=a1)
    assert selectors.previous_items(user=world.users["other_cio"], assessment=a1) == {}
    assert selectors.school_years(user=world.users["other_cio"], school=world.school_a1) == []
    district = selectors.campaign_comparison_for(user=world.users["other_reviewer"], campaign=two_years)
    assert [r.school_code for r in district.schools] == ["S-A2"]


def test_item_page_query_count(world, two_years, client_for, django_assert_max_num_queries):  # noqa: F811
    a1 = two_years.assessments.get(school=world.school_a1)
    client = client_for("cio")
    url = reverse("assessments:assessment-item", args=[a1.pk, "1.2"])
    client.get(url)
    with django_assert_max_num_queries(40):
        assert client.get(url).status_code == 200


# --- the school PDF's 「与上年对比」 ----------------------------------------------------------------


def _report_assessment(campaign, school):
    from assessments.models import Assessment

    return Assessment.objects.select_related("campaign__framework", "school__region__parent").get(
        campaign=campaign, school=school
    )


def test_school_pdf_compares_each_dimension_with_last_year(world, two_years, tmp_path):  # noqa: F811
    import subprocess

    from assessments.selectors.years import year_side
    from reports.school_report import school_report_context, school_report_pdf

    from .test_pdf import ARTIFACTS

    this = _report_assessment(two_years, world.school_a1)
    before = _report_assessment(two_years.predecessor, world.school_a1)
    years = school_report_context(assessment=this)["years"]
    # the figures are the comparison's: each year's counted side, dimension by dimension
    this_side = year_side(selectors.assessment_results(assessment=this))
    previous_side = year_side(selectors.assessment_results(assessment=before))
    assert [(d.code, d.previous, d.this) for d in years.dimensions] == [
        (t.code, p.percent, t.percent)
        for t, p in zip(this_side.dimensions, previous_side.dimensions, strict=True)
    ]
    row = next(
        r for r in selectors.campaign_comparison(campaign=two_years).schools if r.school_code == "S-A1"
    )
    assert (years.previous_percent, years.this_percent, years.change) == (
        row.previous.percent,
        row.this.percent,
        row.change,
    )
    assert (years.previous_basis, years.this_basis) == ("评审", "自评")
    assert any(d.previous != d.this for d in years.dimensions)

    pdf = school_report_pdf(assessment=this)
    path = tmp_path / "years.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(["pdftotext", "-raw", str(path), "-"], capture_output=True, text=True).stdout
    flat = text.replace(" ", "").replace("\n", "")
    section = flat[flat.index("与上年对比") :]
    assert f"变化：{row.change:.1f}个百分点" in section
    for d in years.dimensions:
        assert f"{d.previous:.1f}{d.this:.1f}{d.change:.1f}" in section  # the table row, in order
        assert f"{d.previous:.0f}%" in section or f"{d.previous:.1f}%" in section  # the bar's value
    page = next(i for i, p in enumerate(text.split("\f"), 1) if "与上年对比" in p)
    ARTIFACTS.mkdir(exist_ok=True)
    subprocess.run(
        [
            "pdftoppm",
            "-png",
            "-r",
            "70",
            "-f",
            str(page),
            "-l",
            str(page),
            str(path),
            str(ARTIFACTS / "school-report-years"),
        ],
        check=True,
    )


def test_no_comparison_without_a_counted_result_in_both_years(world, two_years):  # noqa: F811
    from reports.school_report import school_report_context

    draft_this_year = _report_assessment(two_years, world.school_a1b)
    nothing_last_year = _report_assessment(two_years, world.school_a2)
    first_round = _report_assessment(two_years.predecessor, world.school_a1)
    for assessment in (draft_this_year, nothing_last_year, first_round):
        assert school_report_context(assessment=assessment)["years"] is None
