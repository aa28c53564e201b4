"""Bulk import in a real browser: every error of every row listed in Chinese, and an update of an
existing school shown old → new and imported only after the box is ticked."""

import io

import pytest
from django.core.management import call_command
from openpyxl import Workbook
from playwright.sync_api import expect

from assessments.models import School

from .conftest import ARTIFACTS, login

pytestmark = pytest.mark.browser

DEMO_PASSWORD = "Campus#2026"
HEADER = ("学校标识码", "学校名称", "学校类型", "所属地区代码")


@pytest.fixture
def demo(transactional_db):
    call_command("seed_demo", "--schools", "40", "--quiet", stdout=io.StringIO())


def workbook(*rows) -> dict:
    wb = Workbook()
    for row in (HEADER, *rows):
        wb.active.append(list(row))
    buf = io.BytesIO()
    wb.save(buf)
    return {"name": "学校.xlsx", "mimeType": "application/octet-stream", "buffer": buf.getvalue()}


def upload(page, live_server, file: dict) -> None:
    page.goto(f"{live_server.url}/manage/import/schools/")
    page.set_input_files("#id_file", file)
    page.click("button:has-text('上传并预览')")
    page.wait_for_load_state("networkidle")


def test_import_lists_every_error_then_confirms_an_update(demo, live_server, page):
    school = School.objects.filter(region__code="110108").order_by("code").first()
    login(page, live_server, "bj_commission", DEMO_PASSWORD)

    upload(
        page,
        live_server,
        workbook(("abc", "", "幼儿园", "370303"), ("2111010001", "海淀区新建小学", "小学", "110108")),
    )
    errors = page.get_by_test_id("import-errors")
    expect(errors).to_contain_text("“学校标识码”为“abc”，应为 10 位数字")
    expect(errors).to_contain_text("“学校名称”不能为空，应填写学校全称。")
    expect(errors).to_contain_text("“学校类型”为“幼儿园”，应为以下之一：")
    expect(errors).to_contain_text("“所属地区代码”为“370303”，找不到该地区，或它不在您的管理范围内")
    expect(page.locator("text=确认导入")).to_have_count(0)
    page.screenshot(path=str(ARTIFACTS / "import-errors.png"), full_page=True)

    upload(
        page,
        live_server,
        workbook(
            (school.code, "海淀区实验学校", school.get_school_type_display(), "110108"),
            ("2111010001", "海淀区新建小学", "小学", "110108"),
        ),
    )
    changes = page.get_by_test_id("import-changes")
    expect(changes).to_contain_text("本次导入将修改已有记录的 1 处内容")
    expect(changes).to_contain_text(school.name)
    expect(changes).to_contain_text("海淀区实验学校")
    page.screenshot(path=str(ARTIFACTS / "import-changes.png"), full_page=True)
    page.click("button:has-text('确认导入')")  # the box is not ticked: the browser keeps the form
    assert School.objects.get(pk=school.pk).name == school.name
    page.check("#confirm-updates")
    page.click("button:has-text('确认导入')")
    expect(page.locator(".alert-success")).to_contain_text("导入完成：新增 1 行，更新 1 行，未变 0 行。")
    page.screenshot(path=str(ARTIFACTS / "import-done.png"), full_page=True)
    assert School.objects.get(pk=school.pk).name == "海淀区实验学校"
    assert School.objects.filter(code="2111010001").exists()
