"""The classroom inventory in a real browser: a CIO imports the school's asset list, sees one
classroom failing 二选一 (no display device) and another meeting the configuration, and the
commission's district overview counts them. Every page is saved to test-artifacts/."""

import io
import os
import re

import pytest
from django.core.management import call_command
from openpyxl import load_workbook
from playwright.sync_api import expect

from classrooms import imports
from indicators.selectors import equipment_catalog_get, equipment_catalog_spec

from .conftest import ARTIFACTS, login

pytestmark = pytest.mark.browser

DEMO_PASSWORD = "Campus#2026"
PANEL = {"屏幕尺寸": "86", "分辨率": "3840×2160", "显示比例": "16:9", "触控点数": "20"}


@pytest.fixture
def demo(transactional_db):
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # Playwright's sync API runs an event loop
    call_command("load_frameworks", stdout=io.StringIO())
    call_command("seed_demo", "--schools", "40", "--quiet", stdout=io.StringIO())


def asset_list() -> bytes:
    """The downloaded template, its example replaced by two classrooms: 初二(5)班 with an interactive
    panel (meets the configuration), 初二(6)班 without any display device (fails 二选一)."""
    spec = equipment_catalog_spec(catalog=equipment_catalog_get())
    wb = load_workbook(io.BytesIO(imports.template_xlsx(spec)))
    ws = wb[imports.SHEET]
    header = [c.value for c in ws[1]]
    ws.delete_rows(2, ws.max_row)

    def add(**cells):
        ws.append([cells.get(h) for h in header])

    for name, display in (("初二(5)班", True), ("初二(6)班", False)):
        add(教室名称=name, 教室类型="智慧教室", 座位数=40, 楼宇="教学楼C", 设备名称="绿板或白板", 数量=1)
        add(教室名称=name, 设备名称="可升降课桌椅", 数量=40, 购置年份=2025)
        add(教室名称=name, 设备名称="电动窗帘", 数量=2)
        add(教室名称=name, 设备名称="路由器", 数量=1, 同时接入终端数=60)
        add(教室名称=name, 设备名称="交换机", 数量=1, 同时接入终端数=60)
        if display:
            add(教室名称=name, 设备名称="交互式触控一体机", 数量=1, **PANEL)
        add(教室名称=name, 设备名称="学生智能终端", 数量=20, 屏幕尺寸="10.1 寸")
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def district_row(page, name: str) -> dict:
    """The overview's numbers for one district: smart classrooms met / all, classrooms met / all."""
    row = page.locator("[data-testid=districts] tr", has_text=name)
    smart = row.get_by_test_id("smart-met").inner_text()
    met = row.get_by_test_id("met").inner_text()
    smart_met, smart_total = (int(n) for n in re.findall(r"\d+", smart)[:2])
    all_met, all_total = (int(n) for n in re.findall(r"\d+", met)[:2])
    return {"smart_met": smart_met, "smart": smart_total, "met": all_met, "all": all_total}


def commission_overview(chromium, live_server, shot: str) -> dict:
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    login(page, live_server, "bj_commission", DEMO_PASSWORD)
    page.locator("#mainnav").get_by_role("link", name="智慧教室").click()
    expect(page.get_by_role("heading", name="智慧教室配置")).to_be_visible()
    numbers = district_row(page, "海淀区")
    page.screenshot(path=str(ARTIFACTS / shot), full_page=True)
    context.close()
    return numbers


def test_cio_imports_an_asset_list_and_the_commission_counts_it(demo, live_server, page, chromium):
    before = commission_overview(chromium, live_server, "classrooms-1-commission-before.png")

    login(page, live_server, "hd_cio", DEMO_PASSWORD)
    page.locator("#mainnav").get_by_role("link", name="智慧教室").click()
    page.screenshot(path=str(ARTIFACTS / "classrooms-2-cio-overview.png"), full_page=True)
    page.get_by_test_id("schools").get_by_role("link").first.click()
    expect(page.get_by_test_id("headline")).to_contain_text("智慧教室")
    page.screenshot(path=str(ARTIFACTS / "classrooms-3-school-before.png"), full_page=True)

    page.get_by_role("link", name="导入资产清单").click()
    page.set_input_files(
        "#id_file",
        {
            "name": "海淀区第一中学资产清单.xlsx",
            "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "buffer": asset_list(),
        },
    )
    page.get_by_role("button", name="上传并预览").click()
    preview = page.get_by_test_id("preview-classrooms")
    expect(preview).to_contain_text("初二(5)班")
    expect(preview.locator("tr", has_text="初二(6)班")).to_contain_text(
        "二选一未满足：交互式触控一体机、电子白板+投影机"
    )
    expect(preview.locator("tr", has_text="初二(5)班")).to_contain_text("达到配置要求")
    page.screenshot(path=str(ARTIFACTS / "classrooms-4-import-preview.png"), full_page=True)

    page.get_by_role("button", name="确认导入").click()
    expect(page.locator(".alert-success")).to_contain_text("新增教室 2 间")
    page.screenshot(path=str(ARTIFACTS / "classrooms-5-school-after.png"), full_page=True)

    page.get_by_test_id("classrooms").get_by_role("link", name="初二(6)班").click()
    expect(page.get_by_test_id("classroom-status")).to_have_text("未达到配置要求")
    expect(page.get_by_test_id("failures")).to_contain_text("二选一未满足：交互式触控一体机、电子白板+投影机")
    display = page.locator("[data-group=display]")
    expect(display.locator("[data-mark=not-met]")).to_have_text("✗")
    expect(page.locator("[data-group=shading] [data-mark=met]")).to_have_text("✓")
    expect(page.get_by_test_id("seat-ratio")).to_contain_text("0.50:1")
    page.screenshot(path=str(ARTIFACTS / "classrooms-6-checklist-failing.png"), full_page=True)

    page.go_back()
    page.get_by_test_id("classrooms").get_by_role("link", name="初二(5)班").click()
    expect(page.get_by_test_id("classroom-status")).to_have_text("达到配置要求")
    expect(page.locator("[data-group=display] [data-mark=met]")).to_have_text("✓")
    expect(page.locator("[data-device=interactive-panel]")).to_contain_text("屏幕尺寸 ≥ 80 英寸 → 86")
    page.screenshot(path=str(ARTIFACTS / "classrooms-7-checklist-passing.png"), full_page=True)

    after = commission_overview(chromium, live_server, "classrooms-8-commission-after.png")
    assert after == {
        "smart_met": before["smart_met"] + 1,
        "smart": before["smart"] + 2,
        "met": before["met"] + 1,
        "all": before["all"] + 2,
    }
