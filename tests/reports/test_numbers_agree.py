"""Every output gives the same figures for the same school and district, and the counting rules hold.

A seeded city (Zibo, points, declared total 110; Zhejiang, compliance, grouped by city) with schools
that have not started, drafts, submitted, in review, returned and finalised. The truth is the results
function (`assessments.selectors.assessment_results`); the outputs are the commission's dashboard
page, the city workbook (学校汇总, 区县统计/各市统计, 填报进度, 必选项达标情况), the school PDF
(its text), the assessment page, the CIO's dashboard and the API (/api/results/, /api/statistics/).
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from assessments.models import Assessment, Campaign, Progress
from assessments.selectors import assessment_results
from indicators.scoring import competition_ranks
from reports.school_report import school_report_pdf
from reports.stats import PROGRESS_BUCKETS, figures_of
from reports.workbook import city_workbook_write
from reports.xlsx import HEADER_ROW

ARTIFACTS = Path("test-artifacts")

# framework code → (seed_demo --schools, commission login, CIO login, grouping word)
CITIES = {
    "zibo-k12": (48, "zb_commission", "zd_cio", "区县"),
    "zhejiang-k12": (99, "zj_commission", "hz_cio", "市"),
}


@pytest.fixture(params=list(CITIES))
def city(request, db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    code = request.param
    schools, commission, cio, word = CITIES[code]
    call_command("load_frameworks", stdout=io.StringIO())
    call_command(
        "seed_demo", "--schools", str(schools), "--campaign", code, "--fill", "--quiet", stdout=io.StringIO()
    )
    campaign = Campaign.objects.select_related("framework", "region").get(framework__code=code)
    assessments = list(
        Assessment.objects.filter(campaign=campaign)
        .select_related("campaign__framework", "school__region")
        .order_by("school__region__path", "school__code")
    )
    results = {a.pk: assessment_results(assessment=a) for a in assessments}
    kinds = {r.progress for r in results.values()}
    assert kinds == set(Progress), f"the seeded city lacks {set(Progress) - kinds}"
    users = get_user_model().objects
    return {
        "code": code,
        "campaign": campaign,
        "assessments": assessments,
        "results": results,
        "commission": users.get(username=commission),
        "cio": users.get(username=cio),
        "word": word,
        "is_points": campaign.framework.scoring == "points",
    }


def client_of(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


# --- the truth, from the results function ----------------------------------------------------------


def truth_districts(city) -> dict[str, dict]:
    """District name → its progress counts and figures, from every school's results."""
    out: dict[str, dict] = {}
    for a in city["assessments"]:
        r = city["results"][a.pk]
        entry = out.setdefault(a.school.region.name, {"results": [], "progress": dict.fromkeys(Progress, 0)})
        entry["results"].append(r)
        entry["progress"][r.progress] += 1
    for entry in out.values():
        counted = [r for r in entry["results"] if r.self_counted]
        entry["figures"] = figures_of(
            (r.self.exact for r in counted), ((r.self.exact, r.review.exact) for r in counted if r.review)
        )
    return out


def shown(value) -> str | None:
    """A figure as the pages show it (one decimal); None for no figure."""
    return None if value is None else f"{value:.1f}"


def total_text(value) -> str:
    """A points total as the pages show it (`floatformat:"-1"`: 92 or 92.5)."""
    return f"{value:.0f}" if value == value.to_integral_value() else f"{value:.1f}"


def number(value) -> Decimal | None:
    return None if value is None else Decimal(str(value)).quantize(Decimal("0.1"))


# --- reading the outputs ----------------------------------------------------------------------------


class TableReader(HTMLParser):
    """The rows of the table with `data-testid=<testid>`: [(first cell text, {data-x: text})]."""

    def __init__(self, testid: str, attribute: str):
        super().__init__()
        self.testid, self.attribute = testid, attribute
        self.depth = 0  # > 0 inside the table
        self.rows: list[tuple[str, dict]] = []
        self.cell: list[str] | None = None
        self.key: str | None = None
        self.first: str | None = None
        self.values: dict[str, str] = {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table" and attrs.get("data-testid") == self.testid:
            self.depth = 1
        elif self.depth and tag == "tr":
            self.first, self.values = None, {}
        elif self.depth and tag == "td":
            self.cell, self.key = [], attrs.get(self.attribute)

    def handle_endtag(self, tag):
        if not self.depth:
            return
        if tag == "td" and self.cell is not None:
            text = "".join(self.cell).strip()
            if self.first is None:
                self.first = text
            elif self.key:
                self.values[self.key] = text
            self.cell = None
        elif tag == "tr" and self.first is not None:
            self.rows.append((self.first, self.values))
            self.first = None
        elif tag == "table":
            self.depth = 0

    def handle_data(self, data):
        if self.cell is not None:
            self.cell.append(data)


def html_table(html: str, testid: str, attribute: str) -> dict[str, dict]:
    reader = TableReader(testid, attribute)
    reader.feed(html)
    return dict(reader.rows)


def workbook(city):
    out = io.BytesIO()
    campaign = city["campaign"]
    city_workbook_write(campaign=campaign, region=campaign.region, out=out)
    out.seek(0)
    return load_workbook(out)


def sheet_rows(ws) -> list[list]:
    """Header, then every row below it (data, then totals)."""
    return [list(r) for r in ws.iter_rows(min_row=HEADER_ROW, values_only=True)]


def pdf_text(assessment, tmp_path) -> str:
    path = tmp_path / f"school-{assessment.pk}.pdf"
    path.write_bytes(school_report_pdf(assessment=assessment))
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return "".join(text.split())


# --- the tests ------------------------------------------------------------------------------------


def test_every_output_gives_the_same_figures(city, tmp_path):
    """One seeded city per framework (seeding is the slow part): districts, then schools."""
    wb = workbook(city)
    check_districts(city, wb)
    check_schools(city, wb, tmp_path)
    check_cio_dashboard(city)
    keep_for_a_look(city)


def check_districts(city, wb) -> None:
    """Per district and for the whole region: the dashboard page, the workbook and the API."""
    truth = truth_districts(city)
    client = client_of(city["commission"])
    campaign = city["campaign"]
    html = client.get(reverse("reports:dashboard") + f"?campaign={campaign.pk}").content.decode()
    page_progress = html_table(html, "progress-table", "data-progress")
    page_figures = html_table(html, "results-table", "data-figure")
    api = client.get(f"/api/statistics/{campaign.pk}/").json()
    api_districts = {d["name"]: d for d in api["districts"]}
    stats_sheet = wb["区县统计" if city["word"] == "区县" else "各市统计"]
    first_indicator = sheet_rows(stats_sheet)[1][1]  # the total (总分 / 达标指数) comes first
    sheet_stats = {r[0]: r for r in sheet_rows(stats_sheet)[1:] if r[1] == first_indicator}
    sheet_progress = {r[0]: r for r in sheet_rows(wb["填报进度"])[1:]}
    assert api["region_word"] == city["word"] and sheet_rows(wb["填报进度"])[0][0] == city["word"]
    assert (
        set(truth) == set(api_districts)
        and set(truth) <= set(page_figures)
        and set(truth) <= set(sheet_stats)
    )

    keys = [k for k, _l in PROGRESS_BUCKETS]
    for name, entry in truth.items():
        progress = [entry["progress"][k] for k in keys]
        # progress: each school in exactly one column, in the page, the workbook and the API
        assert [int(page_progress[name][k]) for k in keys] == progress, name
        assert sheet_progress[name][2:] == progress and sheet_progress[name][1] == sum(progress)
        assert [api_districts[name]["progress"][k] for k in keys] == progress
        f = entry["figures"]
        # the self statistics count submitted (or later) schools only, the review ones finalised ones
        assert f.self.count == sum(entry["progress"][k] for k in keys[2:])
        assert f.review.count == entry["progress"][Progress.FINALISED]
        page = page_figures[name]
        assert int(page["self-count"]) == f.self.count and int(page["review-count"]) == f.review.count
        assert page["self-mean"] == (shown(f.self.mean) or "—") and page["self-median"] == (
            shown(f.self.median) or "—"
        )
        if f.review.count:
            assert page["review-mean"] == shown(f.review.mean)
            assert page["reviewed-self-mean"] == shown(f.self_of_reviewed.mean)
            difference = page["difference"].lstrip("+")
            assert Decimal(difference) == f.difference
        row = sheet_stats[name]
        assert row[3] == f.self.count and row[8] == f.review.count
        assert [number(v) for v in row[4:8]] == [f.self.mean, f.self.median, f.self.minimum, f.self.maximum]
        assert [number(v) for v in row[9:12]] == [f.self_of_reviewed.mean, f.review.mean, f.difference]
        figures = api_districts[name]["figures"]
        assert figures["self"]["count"] == f.self.count and figures["self"]["mean"] == shown(f.self.mean)
        assert figures["review"]["mean"] == shown(f.review.mean) and figures["difference"] == shown(
            f.difference
        )

    # 合计 rows: the same partition and figures over the whole region
    everything = [r for e in truth.values() for r in e["results"]]
    counted = [r for r in everything if r.self_counted]
    overall = figures_of(
        (r.self.exact for r in counted), ((r.self.exact, r.review.exact) for r in counted if r.review)
    )
    assert page_figures["合计"]["self-mean"] == shown(overall.self.mean)
    assert api["total"]["figures"]["self"]["mean"] == shown(overall.self.mean)
    total_progress = sheet_progress["合计"]
    assert total_progress[1] == len(everything) == sum(total_progress[2:])
    assert [int(page_progress["合计"][k]) for k in keys] == total_progress[2:]
    region_row = next(
        r for r in sheet_rows(stats_sheet) if r[0].startswith("合计") and r[1] == first_indicator
    )
    assert number(region_row[4]) == overall.self.mean and number(region_row[10]) == overall.review.mean


def check_schools(city, wb, tmp_path) -> None:
    """Per school: the workbook (figures, and ranks only for counted schools), then for one school
    of every kind the API, the assessment page and the PDF."""
    is_points = city["is_points"]
    results = city["results"]
    header, *rows = sheet_rows(wb["学校汇总"])
    by_code = {r[1]: r for r in rows if r[0] != "合计"}
    col = {name: header.index(name) for name in header}
    own = col["自评总分" if is_points else "自评达标指数（%）"]
    review = col["评审总分" if is_points else "评审达标指数（%）"]
    rank, unit_rank = col["总排名"], col[f"{city['word']}内排名"]
    review_rank = col["总排名（评审）"]

    counted = {a.pk: results[a.pk].self.value for a in city["assessments"] if results[a.pk].self_counted}
    finalised = {pk: results[pk].review.value for pk in counted if results[pk].review}
    ranks, review_ranks = competition_ranks(counted), competition_ranks(finalised)
    for a in city["assessments"]:
        r, row = results[a.pk], by_code[a.school.code]
        if not r.self_counted:  # a draft or a school that has not started: no figure, no rank
            assert row[own] is None and row[rank] is None and row[unit_rank] is None and row[review] is None
            continue
        assert number(row[own]) == (r.self.total if is_points else r.self.percent)
        assert row[rank] == ranks[a.pk] and row[unit_rank] is not None
        if r.review is None:
            assert row[review] is None and row[review_rank] is None and row[col["总体评审意见"]] is None
        else:
            assert number(row[review]) == (r.review.total if is_points else r.review.percent)
            assert row[review_rank] == review_ranks[a.pk]
            assert (row[col["总体评审意见"]] or "") == r.conclusion
    if not is_points:  # the compliance sheet lists the counted schools only
        listed = {r[1] for r in sheet_rows(wb["必选项达标情况"])[1:] if r[0] != "合计"}
        assert listed == {a.school.code for a in city["assessments"] if a.pk in counted}

    # one school of every kind: the API, the assessment page and the PDF say the same
    client = client_of(city["commission"])
    sample = {}
    for a in city["assessments"]:
        sample.setdefault(results[a.pk].progress, a)
    for kind, a in sample.items():
        r = results[a.pk]
        body = client.get(f"/api/results/{a.pk}/").json()
        assert body["progress"] == kind and body["self"]["percent"] == shown(r.self.percent)
        assert (body["review"] is None) == (r.review is None)
        if r.review is not None:
            assert body["review"]["percent"] == shown(r.review.percent) and body["difference"] == shown(
                r.difference
            )
        html = client.get(reverse("assessments:assessment-detail", args=[a.pk])).content.decode()
        assert ('data-testid="total-review"' in html) == (r.review is not None)
        assert f"{shown(r.self.percent)}%" in html
        if shutil.which("pdftotext") or os.environ.get("CI") == "true":
            text = pdf_text(a, tmp_path)
            assert f"{shown(r.self.percent)}%" in text
            if is_points:
                assert f"{total_text(r.self.total)}/{total_text(r.self.declared_total)}" in text
            # the watermark (rotated: its extracted text is scrambled) comes with this note
            assert ("本报告依据尚未提交的自评生成" in text) == (a.status in ("draft", "returned"))
            if r.review is None:
                assert "评审尚未定稿" in text
            else:
                assert f"{shown(r.review.percent)}%" in text and "评审尚未定稿" not in text


def check_cio_dashboard(city) -> None:
    """The CIO's dashboard shows the school's own results, the review only once finalised."""
    cio = city["cio"]
    assessment = next(a for a in city["assessments"] if a.school.memberships.filter(user=cio).exists())
    r = city["results"][assessment.pk]
    url = reverse("reports:dashboard") + f"?campaign={city['campaign'].pk}"
    html = client_of(cio).get(url).content.decode()
    assert f"{shown(r.self.percent)}%" in html
    assert ('data-testid="total-review"' in html) == (r.review is not None)


def keep_for_a_look(city) -> None:
    """Page 2 of a finalised school's report as PNG, and the workbook, under test-artifacts/."""
    if not shutil.which("pdftoppm"):
        return
    finalised = next(a for a in city["assessments"] if city["results"][a.pk].review is not None)
    ARTIFACTS.mkdir(exist_ok=True)
    pdf = ARTIFACTS / f"numbers-{city['code']}.pdf"
    pdf.write_bytes(school_report_pdf(assessment=finalised))
    subprocess.run(
        [
            "pdftoppm",
            "-png",
            "-r",
            "60",
            "-f",
            "2",
            "-l",
            "2",
            str(pdf),
            str(ARTIFACTS / f"numbers-{city['code']}"),
        ],
        check=True,
    )
    assert list(ARTIFACTS.glob(f"numbers-{city['code']}*.png"))
    out = ARTIFACTS / f"numbers-{city['code']}.xlsx"
    campaign = city["campaign"]
    with out.open("wb") as fh:
        city_workbook_write(campaign=campaign, region=campaign.region, out=fh)
    assert load_workbook(out).sheetnames[0] == "学校汇总"
