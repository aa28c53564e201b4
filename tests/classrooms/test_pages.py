"""The classroom pages as their users see them: the checklist, the school summary, the district
overview, the CIO's forms and the import — with query-count guards on the new pages."""

from __future__ import annotations

import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from classrooms.models import CheckStatus, Classroom, ClassroomEvidence, ClassroomKind
from evidence.services import evidence_upload
from tests.samples import image_bytes

from .conftest import BASICS, COMPLETE, NETWORK
from .test_imports import rows_of, xlsx

pytestmark = pytest.mark.django_db


def text(response) -> str:
    """The page's visible text, whitespace collapsed."""
    body = re.sub(r"<[^>]+>", " ", response.content.decode())
    return re.sub(r"\s+", " ", body)


@pytest.fixture
def rooms(make_classroom, world):
    """School a1: a smart classroom that passes, one failing 二选一, one unverified; school a2 one
    passing; school b1 (city B) one passing."""
    return {
        "met": make_classroom(
            "301 智慧教室", rows=[*COMPLETE, ("student-terminal", 30, {"屏幕尺寸": "10.1"})]
        ),
        "no_display": make_classroom("302 智慧教室", rows=[*BASICS, *NETWORK]),
        "unverified": make_classroom(
            "初一(1)班", kind=ClassroomKind.ORDINARY, rows=[*BASICS, ("interactive-panel", 1, {}), *NETWORK]
        ),
        "a2": make_classroom("A2 教室", rows=COMPLETE, school=world.school_a2, cio=world.users["other_cio"]),
    }


def test_checklist_of_a_classroom_failing_the_two_of_choice(rooms, client_for, django_assert_max_num_queries):
    client = client_for("reviewer")
    url = reverse("classrooms:classroom-detail", args=[rooms["no_display"].pk])
    with django_assert_max_num_queries(12):
        response = client.get(url)
    assert response.status_code == 200
    page = text(response)
    assert "未达到配置要求" in page
    assert "二选一未满足：交互式触控一体机、电子白板+投影机" in page
    html = response.content.decode()
    display = re.search(r'data-group="display".*?</tr>', html, re.S).group(0)
    assert 'data-mark="not-met"' in display
    shading = re.search(r'data-group="shading".*?</tr>', html, re.S).group(0)
    assert 'data-mark="met"' in shading
    # reviewers read, only the CIO changes
    assert "登记设备" not in page and "导入资产清单" not in page


def test_checklist_shows_the_numbers_used_and_the_seat_ratio(rooms, client_for):
    response = client_for("cio").get(reverse("classrooms:classroom-detail", args=[rooms["met"].pk]))
    page = text(response)
    assert "达到配置要求" in page and "未达到配置要求：" not in page
    assert "屏幕尺寸 ≥ 80 英寸 → 86 ✓" in page
    assert "分辨率 ≥ 3840×2160 像素 → 3840×2160 ✓" in page
    assert "显示比例 = 16:9 → 16:9 ✓" in page
    assert "0.67:1" in page and "学生智能终端 30 台，座位 45 个" in page
    assert "尚未达到 1:1" in page
    assert "登记设备" in page  # the school's CIO


def test_checklist_marks_missing_measurements_as_not_verified(rooms, client_for):
    response = client_for("commission").get(
        reverse("classrooms:classroom-detail", args=[rooms["unverified"].pk])
    )
    page = text(response)
    assert "待核验" in page
    assert "屏幕尺寸 ≥ 80 英寸 → — 未核实" in page


def test_school_summary_counts_smart_classrooms_and_kinds(
    rooms, client_for, world, django_assert_max_num_queries
):
    url = reverse("classrooms:school", args=[world.school_a1.pk])
    client = client_for("cio")
    with django_assert_max_num_queries(10):
        response = client.get(url)
    page = text(response)
    assert "智慧教室 2 间，达到配置要求 1 间" in page
    assert "全部教室 3 间，达到配置要求 1 间，待核验 1 间" in page
    assert "普通（班级）教室 3 间，其中配置多媒体交互设备的 2 间，高速网络连接的 3 间" in page
    assert "导入资产清单" in page
    filtered = text(client_for("cio").get(url, {"status": CheckStatus.NOT_MET}))
    assert "302 智慧教室" in filtered and "301 智慧教室" not in filtered


def test_overview_per_district_for_the_commission(rooms, client_for, world, django_assert_max_num_queries):
    client = client_for("commission")
    with django_assert_max_num_queries(12):
        response = client.get(reverse("classrooms:overview"))
    assert response.status_code == 200
    html = response.content.decode()
    a1 = re.search(r'data-region="110108".*?</tr>', html, re.S).group(0)
    assert "1 / 3" in text_of(a1)  # met / all
    assert re.search(r'data-testid="smart-met">\s*1 / 2', a1)
    a2 = re.search(r'data-region="110105".*?</tr>', html, re.S).group(0)
    assert "1 / 1" in text_of(a2)
    assert "智慧教室 3 间，达到配置要求 2 间" in text(response)
    assert "乙一区" not in html  # another city's district


def text_of(fragment: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", fragment))


def test_overview_query_count_does_not_grow_with_schools(
    rooms, client_for, world, make_classroom, django_assert_max_num_queries
):
    from tests.factories import SchoolFactory

    for i in range(30):
        SchoolFactory(code=f"S-X{i}", region=world.district_a2)
    client = client_for("commission")
    with django_assert_max_num_queries(12):
        assert client.get(reverse("classrooms:overview"), {"page": 2}).status_code == 200


def test_overview_for_a_cio_covers_their_school_only(rooms, client_for):
    page = text(client_for("cio").get(reverse("classrooms:overview")))
    assert "甲一区第一小学" in page and "甲二区实验学校" not in page
    assert "智慧教室 2 间，达到配置要求 1 间" in page


def test_out_of_scope_pages_are_404(rooms, client_for, world):
    client = client_for("other_cio")
    assert client.get(reverse("classrooms:classroom-detail", args=[rooms["met"].pk])).status_code == 404
    assert client.get(reverse("classrooms:school", args=[world.school_a1.pk])).status_code == 404
    reviewer = client_for("reviewer")
    assert reviewer.get(reverse("classrooms:classroom-edit", args=[rooms["met"].pk])).status_code == 404
    assert reviewer.get(reverse("classrooms:import-upload", args=[world.school_a1.pk])).status_code == 404


# --- the CIO's forms --------------------------------------------------------------------------------


def test_cio_adds_a_classroom_and_its_devices(catalog, client_for, world):
    client = client_for("cio")
    response = client.post(
        reverse("classrooms:classroom-create", args=[world.school_a1.pk]),
        {"name": "305", "kind": "smart", "seats": "40", "building": "", "room": ""},
    )
    room = Classroom.objects.get(name="305")
    assert response.status_code == 302 and response["Location"] == reverse(
        "classrooms:classroom-detail", args=[room.pk]
    )
    add = reverse("classrooms:device-add", args=[room.pk])
    choose = client.get(add, {"device": "interactive-panel"})
    assert "屏幕尺寸" in text(choose) and "要求：屏幕尺寸 ≥ 80 英寸" in text(choose)
    bad = client.post(add, {"device": "interactive-panel", "count": "1", "spec_0": "很大"})
    assert bad.status_code == 400
    assert "测量值“很大”无法识别" in text(bad)
    assert not room.devices.exists()
    ok = client.post(
        add, {"device": "interactive-panel", "count": "1", "spec_0": "86", "spec_1": "3840×2160"}
    )
    assert ok.status_code == 302
    row = room.devices.get()
    assert row.measured == {"屏幕尺寸": 86, "分辨率": [3840, 2160]}
    edit = reverse("classrooms:device-edit", args=[room.pk, row.pk])
    assert 'value="3840×2160"' in client.get(edit).content.decode()
    assert client.post(edit, {"count": "2", "spec_0": "86", "version": "1"}).status_code == 302
    row.refresh_from_db()
    assert (row.count, row.measured) == (2, {"屏幕尺寸": 86})
    assert client.post(reverse("classrooms:device-remove", args=[room.pk, row.pk])).status_code == 302
    assert not room.devices.exists()


def test_classroom_forms_answer_400_and_409(make_classroom, client_for, world):
    make_classroom("301")
    room = make_classroom("302")
    client = client_for("cio")
    duplicate = client.post(
        reverse("classrooms:classroom-create", args=[world.school_a1.pk]), {"name": "301", "kind": "smart"}
    )
    assert duplicate.status_code == 400 and "本校已有同名教室" in text(duplicate)
    empty = client.post(reverse("classrooms:classroom-create", args=[world.school_a1.pk]), {})
    assert empty.status_code == 400
    edit = reverse("classrooms:classroom-edit", args=[room.pk])
    assert (
        client.post(edit, {"name": "302", "kind": "smart", "seats": "40", "version": "1"}).status_code == 302
    )
    stale = client.post(edit, {"name": "302", "kind": "smart", "seats": "50", "version": "1"})
    assert stale.status_code == 409 and "第 2 版" in text(stale)
    room.refresh_from_db()
    assert room.seats == 40


def test_cio_deletes_a_classroom(make_classroom, client_for):
    room = make_classroom("301", rows=COMPLETE)
    client = client_for("cio")
    url = reverse("classrooms:classroom-delete", args=[room.pk])
    assert "6 条设备记录" in text(client.get(url))
    assert client.post(url).status_code == 302
    assert not Classroom.objects.filter(pk=room.pk).exists()


def test_library_files_are_attached_from_the_classroom_page(
    make_classroom, client_for, world, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    room = make_classroom("301")
    photo = SimpleUploadedFile("教室照片.png", image_bytes("PNG"), content_type="image/png")
    mine = evidence_upload(
        school=world.school_a1, uploaded_file=photo, acting_user=world.users["cio"]
    ).evidence_file
    theirs = evidence_upload(
        school=world.school_a2,
        uploaded_file=SimpleUploadedFile("别校.png", image_bytes("PNG") + b"x", content_type="image/png"),
        acting_user=world.users["other_cio"],
    ).evidence_file
    client = client_for("cio")
    detail = reverse("classrooms:classroom-detail", args=[room.pk])
    assert "教室照片.png" in text(client.get(detail))  # offered in the picker
    attach = reverse("classrooms:evidence-attach", args=[room.pk])
    assert client.post(attach, {"file": theirs.pk}).status_code == 400  # not in this library: like no id
    assert client.post(attach, {"file": mine.pk}).status_code == 302
    assert ClassroomEvidence.objects.filter(classroom=room, file=mine).exists()
    page = client_for("reviewer").get(detail).content.decode()
    assert reverse("evidence:file-download", args=[mine.pk]) in page
    assert client.post(reverse("classrooms:evidence-detach", args=[room.pk, mine.pk])).status_code == 302
    assert not ClassroomEvidence.objects.exists()


# --- the import pages ---------------------------------------------------------------------------------


def test_import_pages_preview_then_confirm(catalog, client_for, world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client = client_for("cio")
    template = client.get(reverse("classrooms:import-template", args=[world.school_a1.pk]))
    assert template.status_code == 200
    assert load_workbook(io.BytesIO(template.content)).sheetnames[0] == "资产清单"
    upload = reverse("classrooms:import-upload", args=[world.school_a1.pk])
    broken = client.post(
        upload, {"file": xlsx([{"教室名称": "X", "教室类型": "智慧教室", "设备名称": "黑板擦", "数量": 1}])}
    )
    assert broken.status_code == 400
    assert "第 2 行：「设备名称」“黑板擦”不在设备配置目录中" in text(broken)
    assert reverse("classrooms:import-confirm", args=[world.school_a1.pk]) not in broken.content.decode()
    response = client.post(
        upload, {"file": xlsx(rows_of("301", display=True) + rows_of("302", display=False))}
    )
    assert response.status_code == 200
    page = text(response)
    assert "新增教室 2 间" in page and "二选一未满足：交互式触控一体机、电子白板+投影机" in page
    token = re.search(r'name="token" value="([^"]+)"', response.content.decode()).group(1)
    assert not Classroom.objects.exists()
    confirmed = client.post(reverse("classrooms:import-confirm", args=[world.school_a1.pk]), {"token": token})
    assert confirmed.status_code == 302
    assert sorted(Classroom.objects.values_list("name", "status")) == [("301", "met"), ("302", "not_met")]
    expired = client.post(
        reverse("classrooms:import-confirm", args=[world.school_a1.pk]), {"token": "nope.xlsx"}
    )
    assert expired.status_code == 400 and "预览已失效" in text(expired)
