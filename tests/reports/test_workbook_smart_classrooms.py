"""The city workbook's 「智慧教室配置」 sheet: per school, classrooms by kind and how many meet the
configuration, read back with openpyxl."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from assessments.services import campaign_create, end_of_day
from classrooms.models import ClassroomKind
from reports.workbook import city_workbook_write
from reports.xlsx import HEADER_ROW
from tests.classrooms.conftest import BASICS, COMPLETE, NETWORK, catalog, devices, make_classroom  # noqa: F401
from tests.factories import small_points_framework

pytestmark = pytest.mark.django_db


def test_smart_classroom_sheet_counts_each_school(world, make_classroom, django_assert_max_num_queries):  # noqa: F811
    import datetime

    make_classroom("301", rows=COMPLETE)
    make_classroom("302", rows=[*BASICS, *NETWORK])
    make_classroom(
        "初一(1)班", kind=ClassroomKind.ORDINARY, rows=[*BASICS, ("interactive-panel", 1, {}), *NETWORK]
    )
    make_classroom("A2", rows=COMPLETE, school=world.school_a2, cio=world.users["other_cio"])
    today = datetime.date(2026, 6, 1)
    campaign = campaign_create(
        framework=small_points_framework(),
        year=2026,
        title="智慧教室工作簿",
        region=world.city_a,
        self_deadline=end_of_day(today),
        review_deadline=end_of_day(today + datetime.timedelta(days=30)),
        schools=[world.school_a1, world.school_a1b, world.school_a2],
        acting_user=world.users["commission"],
    )
    out = io.BytesIO()
    city_workbook_write(campaign=campaign, region=world.city_a, out=out)
    out.seek(0)
    ws = load_workbook(out)["智慧教室配置"]
    header, *body = [list(r) for r in ws.iter_rows(min_row=HEADER_ROW, values_only=True)]
    assert header == [
        "区县", "学校标识码", "学校", "教室", "普通教室", "智慧教室", "专用教室", "录播教室",
        "达到配置要求", "待核验", "未达到配置要求", "达标率", "智慧教室达到配置要求",
        "普通（班级）教室", "其中配置多媒体交互设备的", "其中高速网络连接的",
    ]  # fmt: skip
    by_code = {row[1]: row for row in body}
    assert by_code["S-A1"][3:] == [3, 1, 2, 0, 0, 1, 1, 1, pytest.approx(1 / 3), 1, 3, 2, 3]
    assert by_code["S-A1B"][3:] == [0, 0, 0, 0, 0, 0, 0, 0, None, 0, 0, 0, 0]
    assert by_code["S-A2"][3:] == [1, 0, 1, 0, 0, 1, 0, 0, 1, 1, 1, 1, 1]
    assert set(by_code) == {"S-A1", "S-A1B", "S-A2"}
