"""The school report PDF: real WeasyPrint rendering, CJK font embedded, page 1 saved as PNG."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from decimal import Decimal
from pathlib import Path
from unittest import mock

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from assessments.models import Assessment, AssessmentStatus
from evidence.services import evidence_attach, evidence_link_add, evidence_upload
from reports.school_report import school_report_context, school_report_html, school_report_pdf

from .conftest import engine_result, review_all, set_status

ARTIFACTS = Path("test-artifacts")
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64

# Without poppler the embedded-font check cannot run (extracted text would "see" Chinese even when
# every glyph is a box). `make install` / .ci/run install it; under CI=true a missing poppler fails.
needs_poppler = pytest.mark.skipif(
    not (shutil.which("pdffonts") and shutil.which("pdftoppm")) and os.environ.get("CI") != "true",
    reason="未安装 poppler-utils（pdffonts/pdftoppm），无法检查 PDF 是否嵌入中文字体："
    "请 apt-get install poppler-utils",
)


@pytest.fixture
def with_evidence(world, points_assessment):
    from django.core.files.uploadedfile import SimpleUploadedFile

    cio = world.users["cio"]
    campaign = points_assessment.campaign
    set_status(campaign, AssessmentStatus.DRAFT, schools=[world.school_a1])  # evidence is added to a draft
    points_assessment.refresh_from_db()
    response = points_assessment.responses.get(node__code="1.1")
    upload = evidence_upload(
        school=world.school_a1,
        uploaded_file=SimpleUploadedFile("网络拓扑图.png", PNG, content_type="image/png"),
        acting_user=cio,
    )
    evidence_attach(response=response, evidence_file=upload.evidence_file, acting_user=cio)
    evidence_link_add(response=response, url="https://example.edu.cn/平台", title="统一门户", acting_user=cio)
    set_status(campaign, AssessmentStatus.SUBMITTED, schools=[world.school_a1])
    points_assessment.refresh_from_db()
    return upload.evidence_file


@needs_poppler
def test_school_report_pdf_embeds_a_cjk_font_and_page_one_renders(points_assessment, with_evidence, tmp_path):
    started = time.monotonic()
    pdf = school_report_pdf(assessment=points_assessment)
    elapsed = time.monotonic() - started
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    assert "NotoSansCJK" in fonts.replace("-", "").replace(" ", ""), fonts
    cjk_lines = [line for line in fonts.splitlines() if "Noto" in line and "CJK" in line]
    assert cjk_lines and all(" yes " in line for line in cjk_lines)  # embedded
    ARTIFACTS.mkdir(exist_ok=True)
    subprocess.run(
        [
            "pdftoppm",
            "-png",
            "-r",
            "80",
            "-f",
            "1",
            "-l",
            "1",
            str(path),
            str(ARTIFACTS / "school-report-page1"),
        ],
        check=True,
    )
    pages = sorted(ARTIFACTS.glob("school-report-page1*.png"))
    assert pages and pages[0].stat().st_size > 5000
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
            str(path),
            str(ARTIFACTS / "school-report-page2"),
        ],
        check=True,
    )
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True).stdout
    assert "甲一区第一小学" in text and "网络拓扑图.png" in text and "第 1 页" not in text.split("\f")[0]
    flat = text.replace("\n", "").replace(" ", "")
    assert with_evidence.sha256[:16] in flat
    assert flat.index("网络拓扑图.png", flat.index("三、佐证材料清单")) < flat.index(
        with_evidence.sha256[:16]
    )
    (ARTIFACTS / "school-report-render-seconds.txt").write_text(f"{elapsed:.2f}\n")


def test_report_html_has_lang_font_totals_and_page_css(points_assessment, with_evidence):
    html = school_report_html(assessment=points_assessment)
    result = engine_result(points_assessment)
    assert '<html lang="zh-CN">' in html and '"Noto Sans CJK SC"' in html
    assert "@page" in html and "counter(pages)" in html and "string(school)" in html
    assert f"{result.total.normalize():f}".rstrip(".") in html
    assert "<svg" in html and "各一级指标得分率" in html
    assert "网络拓扑图.png" in html and "统一门户" in html and "签字" in html


def test_report_queries_do_not_grow_with_the_number_of_items(points_assessment, with_evidence):
    assessment = Assessment.objects.select_related("campaign__framework", "school__region__parent").get(
        pk=points_assessment.pk
    )
    with CaptureQueriesContext(connection) as ctx:
        school_report_context(assessment=assessment)
    assert len(ctx.captured_queries) <= 5


def test_compliance_report_shows_index_and_statuses(world, compliance_campaign):
    assessment = Assessment.objects.select_related("campaign__framework", "school__region").get(
        campaign=compliance_campaign, school=world.school_a1
    )
    context = school_report_context(assessment=assessment)
    result = engine_result(assessment)
    assert context["self"].percent == result.percentage
    assert {i.self_value for i in context["items"]} <= {"达标", "部分达标", "未达标", "不适用", "—"}
    html = school_report_html(assessment=assessment)
    assert f"{result.percentage}%" in html and "部分达标计 0.5（算一半）" in html
    assert f"选配达标 {result.optional_met} / {result.optional}" in html
    assert '<span class="opt">选配</span>' in html  # 1.2 is optional


def test_draft_report_has_a_watermark_and_a_submitted_one_has_none(world, points_campaign):
    set_status(points_campaign, AssessmentStatus.DRAFT, schools=[world.school_a1])
    draft = Assessment.objects.select_related("campaign__framework", "school__region").get(
        campaign=points_campaign, school=world.school_a1
    )
    assert "data-watermark>草稿／未提交<" in school_report_html(assessment=draft)
    submitted = Assessment.objects.select_related("campaign__framework", "school__region").get(
        campaign=points_campaign, school=world.school_a2
    )
    html = school_report_html(assessment=submitted)
    assert "data-watermark" not in html and "区县评审尚未完成" in html


def test_finalised_report_has_the_review_conclusion_and_adjusted_items(world, points_campaign):
    review_all(points_campaign, world.school_a1, adjust={"2.1": Decimal("0.5")}, comment="佐证不足")
    set_status(
        points_campaign,
        AssessmentStatus.FINALISED,
        schools=[world.school_a1],
        conclusion="总体良好，继续保持",
    )
    assessment = Assessment.objects.select_related("campaign__framework", "school__region").get(
        campaign=points_campaign, school=world.school_a1
    )
    html = school_report_html(assessment=assessment)
    assert "总体良好，继续保持" in html and "评审调整的条目（1 项）" in html and "佐证不足" in html
    assert "评审 − 自评" in html and "data-watermark" not in html


def test_render_school_report_command(points_assessment, tmp_path, capsys):
    out = tmp_path / "one.pdf"
    call_command("render_school_report", "--assessment", str(points_assessment.pk), "--out", str(out))
    assert out.read_bytes()[:5] == b"%PDF-" and "甲一区第一小学" in capsys.readouterr().out


def test_report_shows_the_standards_remarks_next_to_the_item_but_not_data_notes(world):
    from indicators.models import Node
    from tests.assessments.conftest import make_campaign
    from tests.factories import small_compliance_framework

    framework = small_compliance_framework()
    Node.objects.filter(framework=framework, code="1.1").update(
        note="校园网带宽应结合学校实际需求，原则上人均带宽不低于1M，满足开展在线教学需求。"
    )
    Node.objects.filter(framework=framework, code="2.1").update(note="原文标注(0)，可选项")
    campaign = make_campaign(world, framework)
    assessment = Assessment.objects.select_related("campaign__framework", "school__region").get(
        campaign=campaign, school=world.school_a1
    )
    items = {i.code: i for i in school_report_context(assessment=assessment)["items"]}
    assert items["1.1"].note.startswith("校园网带宽") and items["2.1"].note == ""
    html = school_report_html(assessment=assessment)
    assert "备注：校园网带宽应结合学校实际需求，原则上人均带宽不低于1M" in html
    assert "原文标注" not in html


@needs_poppler
def test_compacted_cjk_fonts_render_and_extract_exactly_as_written(
    points_assessment, with_evidence, tmp_path
):
    """The report's fonts are renumbered into compact subsets (reports.pdf_fonts): every page looks the
    same pixel for pixel as WeasyPrint's own output, the text extracts the same, and the file is
    much smaller."""
    from django.conf import settings
    from PIL import Image, ImageChops
    from weasyprint import HTML
    from weasyprint.text.fonts import FontConfiguration

    # Both renderings read one clock: the report prints when it was made, to the minute.
    generated = timezone.now()
    with mock.patch("django.utils.timezone.now", return_value=generated):
        html = school_report_html(assessment=points_assessment)
        compact = school_report_pdf(assessment=points_assessment)
    as_written = HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf(font_config=FontConfiguration())
    assert len(compact) < len(as_written) * 0.6
    outputs = {}
    for name, pdf in (("written", as_written), ("compact", compact)):
        path = tmp_path / f"{name}.pdf"
        path.write_bytes(pdf)
        subprocess.run(["pdftoppm", "-png", "-r", "50", str(path), str(tmp_path / name)], check=True)
        text = subprocess.run(
            ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
        ).stdout
        outputs[name] = (sorted(tmp_path.glob(f"{name}-*.png")), text)
    (written_pages, written_text), (compact_pages, compact_text) = outputs["written"], outputs["compact"]
    assert "甲一区第一小学" in compact_text and compact_text == written_text
    assert len(compact_pages) == len(written_pages) > 1
    for a, b in zip(written_pages, compact_pages, strict=True):
        diff = ImageChops.difference(Image.open(a).convert("RGB"), Image.open(b).convert("RGB"))
        assert diff.getbbox() is None, b.name
