"""Keep bench/ from rotting: import every benchmark and run its measurement functions once on a
tiny city (16 schools, one per Beijing district; for bench.scale 16 Zhejiang schools) on the test
database. No timing assertions: benchmarks are not tests."""

import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import RequestFactory

from bench import _common, dashboard, http, pdf, scale, workbook
from bench.bare_view import bare_page_view


@pytest.fixture
def city(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("load_frameworks", stdout=io.StringIO())
    call_command(
        "seed_demo", "--schools", "16", "--campaign", "beijing-k12", "--fill", "--quiet", stdout=io.StringIO()
    )
    return _common.city_campaign()


def _rows(path, title=None) -> list[tuple]:
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True)
    return list((wb[title] if title else wb.worksheets[0]).iter_rows(values_only=True))


def test_workbook_variants_write_the_same_rows(city, tmp_path):
    ours = workbook.measure_ours(campaign_id=city.pk, out=str(tmp_path / "ours.xlsx"))
    assert ours["schools"] == 16
    cells = str(tmp_path / "cells.pickle")
    workbook.capture_cells(campaign_id=city.pk, path=cells)
    workbook.measure_import_export(campaign_id=city.pk, out=str(tmp_path / "ie.xlsx"))
    detail_rows = city.assessments.count() * city.assessments.first().responses.count()
    ours_detail = _rows(tmp_path / "ours.xlsx", "逐项明细")[1:]  # below our title row
    assert len(ours_detail) - 1 == len(_rows(tmp_path / "ie.xlsx")) - 1 == detail_rows

    # every bare writer writes exactly our values (files differ only in trailing empty cells)
    def trimmed(rows):
        return [tuple(r[: max((i + 1 for i, v in enumerate(r) if v is not None), default=0)]) for r in rows]

    for name in workbook.BARE_WRITERS:
        out = tmp_path / f"{name}.xlsx"
        workbook.measure_bare(writer=name, cells=cells, out=str(out))
        assert trimmed(_rows(out, "逐项明细")) == trimmed(ours_detail), name


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="基线是手写的 PostgreSQL 语句，只在 PostgreSQL 上运行（make test 使用 PostgreSQL）",
)
def test_dashboard_ours_and_hand_sql_agree(city):
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.get(username="bj_commission")
    result = dashboard.measure(campaign=city, user=user, repeat=1)
    assert result["agree"] and result["schools"] == 16


def test_pdf_single_comparison_runs(city):
    ids = pdf.sample_assessments(campaign=city, count=1)
    result = pdf.measure_single(assessment_ids=ids, repeat=1)
    assert result["ours"]["samples"] == result["bare_weasyprint"]["samples"] == 1
    assert result["pdf_bytes"] > 10_000  # a real school report, not an error page
    pdf.machine_scaling(n=10_000, rounds=1)  # forks its two processes and returns


def test_http_pages_answer_and_queries_are_counted(city):
    counts = http.query_counts(page_list=http.pages(campaign=city))
    assert counts and all(n > 0 for n in counts.values())


def test_bare_view_serves_the_requested_size(city):
    from django.contrib.auth import get_user_model

    request = RequestFactory().get("/__bench__/bare/", {"bytes": "12345"})
    request.user = get_user_model().objects.get(username="bj_commission")
    assert len(bare_page_view(request).content) == 12345


def test_table_and_machine():
    text = _common.table([{"a": 1.23456, "b": "x"}], [("a", "A"), ("b", "B")], "T")
    assert "1.235" in text and "T" in text
    assert _common.machine()["cores"]


def test_http_cpu_breakdown_splits_each_request(city, settings):
    settings.ROOT_URLCONF = "bench.urls"  # the bare page lives in the benchmark's URLconf only
    rows = http.cpu_breakdown(page_list=http.pages(campaign=city)[:2], requests=2)
    assert [r["page"] for r in rows] == ["CIO overview", "CIO item page"]
    for row in rows:
        parts = sum(row[f"{k}_ms"] for k in http.PARTS)
        assert row["context_ms"] > 0 and row["template_ms"] > 0 and row["bare_ms"] > 0
        assert parts == pytest.approx(row["total_ms"], rel=0.5)  # medians of parts vs median of sums


@pytest.fixture
def province(transactional_db, settings, tmp_path):
    """A tiny Zhejiang (16 schools over its 11 cities), committed: the district ZIP's jobs run after
    their transactions commit (eagerly, in this process, under the test settings)."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.ROOT_URLCONF = "bench.urls"  # the bare page lives in the benchmark's URLconf only
    call_command("load_frameworks", stdout=io.StringIO())
    call_command(
        "seed_demo",
        "--schools",
        "16",
        "--campaign",
        "zhejiang-k12",
        "--fill",
        "--quiet",
        stdout=io.StringIO(),
    )
    return _common.city_campaign("zhejiang-k12")


def test_scale_measures_one_size_and_its_growth(province, tmp_path):
    result = scale.measure_city(
        framework="zhejiang-k12",
        workdir=str(tmp_path),
        requests=1,
        zip_schools=2,
        zip_workers=0,  # the test settings run tasks eagerly
        fresh_process=False,
    )
    assert result["assessments"] == 16 and result["responses"] > 16
    assert result["workbook"]["schools"] == 16 and result["workbook"]["peak_rss_mb"] > 0
    assert result["dashboard"]["schools"] == 16
    assert result["pages"] and all(
        row["queries"] > 0 and row["total_ms"] > 0 for row in result["pages"].values()
    )
    assert result["zip"]["schools"] == result["zip"]["pdfs"] >= 2 and result["zip"]["zip_bytes"] > 0

    # the same city counted as twice the schools: constant queries are constant, the rest is judged
    bigger = {**result, "schools": 32, "assessments": 32}
    rows = scale.growth([{**result, "schools": 16}, bigger])
    verdicts = {row["measure"]: row["verdict"] for row in rows}
    assert all(verdicts[f"queries: {page}"] == "ok" for page in result["pages"])
    changed = {
        **bigger,
        "pages": {p: {**row, "queries": row["queries"] + 1} for p, row in result["pages"].items()},
    }
    flagged = {
        row["measure"]
        for row in scale.growth([{**result, "schools": 16}, changed])
        if "changes" in row["verdict"]
    }
    assert flagged == {f"queries: {page}" for page in result["pages"]}
