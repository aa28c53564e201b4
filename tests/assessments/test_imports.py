"""Bulk import of regions, schools and users: template, preview, row errors in Chinese, all or nothing."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from assessments.models import Membership, Region, Role, School

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx(rows) -> SimpleUploadedFile:
    wb = Workbook()
    for row in rows:
        wb.active.append(list(row))
    buf = io.BytesIO()
    wb.save(buf)
    return SimpleUploadedFile("data.xlsx", buf.getvalue(), content_type=XLSX)


def preview(client, kind, upload):
    return client.post(reverse("assessments:import-upload", args=[kind]), {"file": upload})


def confirm(client, kind, response):
    token = response.context["preview"].token
    return client.post(reverse("assessments:import-confirm", args=[kind]), {"token": token}, follow=True)


@pytest.mark.parametrize("kind", ["regions", "schools", "users"])
def test_template_download_has_the_columns(world, client_for, kind):
    response = client_for("commission").get(reverse("assessments:import-template", args=[kind]))
    assert response.status_code == 200 and response["Content-Type"] == XLSX
    header = [c.value for c in load_workbook(io.BytesIO(response.content)).active[1]]
    from assessments.resources import KINDS

    assert header == list(KINDS[kind].columns)


def test_school_import_preview_then_confirm(world, client_for):
    client = client_for("commission")
    rows = [
        ("学校标识码", "学校名称", "学校类型", "所属地区代码"),
        ("NEW-1", "甲一区新建小学", "小学", "110108"),
        (1101050099, "甲二区新建中学", "初中", 110105),  # numbers as Excel stores them
    ]
    response = preview(client, "schools", xlsx(rows))
    assert response.status_code == 200
    p = response.context["preview"]
    assert p.ok and p.new == 2
    assert not School.objects.filter(code="NEW-1").exists(), "the preview must not save anything"
    done = confirm(client, "schools", response)
    assert "导入完成" in done.content.decode()
    assert School.objects.get(code="NEW-1").region == world.district_a1
    assert School.objects.get(code="1101050099").school_type == "junior"


def test_one_bad_row_rejects_the_whole_file_with_row_errors(world, client_for):
    client = client_for("commission")
    rows = [
        ("学校标识码", "学校名称", "学校类型", "所属地区代码"),
        ("OK-1", "正常学校", "小学", "110108"),
        ("BAD-1", "类型错误学校", "幼儿园", "110108"),
        ("BAD-2", "地区错误学校", "小学", "999999"),
        ("BAD-3", "", "小学", "110108"),
    ]
    response = preview(client, "schools", xlsx(rows))
    p = response.context["preview"]
    html = response.content.decode()
    assert not p.ok
    lines = {e.line for e in p.errors}
    assert lines == {3, 4, 5}
    assert "学校类型“幼儿园”无效" in html
    assert "找不到所属地区代码为“999999”的记录" in html
    assert "确认导入" not in html
    assert not School.objects.filter(code__in=["OK-1", "BAD-1", "BAD-2", "BAD-3"]).exists()


def test_import_outside_commission_scope_is_refused(world, client_for):
    client = client_for("commission")  # city A only
    rows = [("学校标识码", "学校名称", "学校类型", "所属地区代码"), ("X-B", "乙市学校", "小学", "370303")]
    p = preview(client, "schools", xlsx(rows)).context["preview"]
    assert not p.ok and "不在您的管理范围内" in p.errors[0].messages[0]
    assert not School.objects.filter(code="X-B").exists()


def test_region_import_with_parent_earlier_in_the_file(world, client_for):
    client = client_for("commission")
    rows = [
        ("行政区划代码", "名称", "级别", "上级地区代码"),
        ("110199", "甲新区", "区县级", "110000"),
        ("110198", "甲另一区", "district", "110000"),
    ]
    response = preview(client, "regions", xlsx(rows))
    assert response.context["preview"].ok, response.context["preview"].errors
    confirm(client, "regions", response)
    assert Region.objects.get(code="110199").path == "/110000/110199/"


def test_user_import_creates_users_and_memberships(world, client_for):
    client = client_for("commission")
    rows = [
        ("用户名", "姓名", "邮箱", "初始密码", "角色", "学校标识码", "地区代码"),
        ("new_cio", "新老师", "new@example.cn", "Xiaoyuan#2026", "学校信息化负责人", "S-A1B", ""),
        ("new_expert", "新专家", "", "Pingshen#2026", "区县评审专家", "", "110105"),
        ("new_expert", "", "", "", "区县评审专家", "", "110108"),  # second membership, same user
    ]
    response = preview(client, "users", xlsx(rows))
    p = response.context["preview"]
    assert p.ok, p.errors
    assert "Xiaoyuan#2026" not in response.content.decode(), "passwords are never echoed back"
    assert not get_user_model().objects.filter(username="new_cio").exists()
    confirm(client, "users", response)
    user = get_user_model().objects.get(username="new_cio")
    assert user.check_password("Xiaoyuan#2026") and user.first_name == "新老师"
    assert Membership.objects.filter(user__username="new_expert", role=Role.REVIEWER).count() == 2


def test_user_import_row_errors(world, client_for):
    client = client_for("commission")
    rows = [
        ("用户名", "姓名", "邮箱", "初始密码", "角色", "学校标识码", "地区代码"),
        ("u1", "甲", "", "", "学校信息化负责人", "S-A1", ""),  # new user without password
        ("u2", "乙", "", "123", "学校信息化负责人", "S-A1", ""),  # weak password
        ("u3", "丙", "", "Good#pass2026", "学校信息化负责人", "", "110108"),  # CIO without school
        ("u4", "丁", "", "Good#pass2026", "校长", "S-A1", ""),  # unknown role
    ]
    p = preview(client, "users", xlsx(rows)).context["preview"]
    messages = {e.line: "；".join(e.messages) for e in p.errors}
    assert set(messages) == {2, 3, 4, 5}
    assert "必须填写初始密码" in messages[2]
    assert "初始密码不符合要求" in messages[3]
    assert "必须关联一所学校" in messages[4]
    assert "角色“校长”无效" in messages[5]
    assert not get_user_model().objects.filter(username__in=["u1", "u2", "u3", "u4"]).exists()


def test_unreadable_and_wrong_header_files(world, client_for):
    client = client_for("commission")
    junk = SimpleUploadedFile("x.xlsx", b"not a spreadsheet", content_type=XLSX)
    assert "无法读取文件" in preview(client, "schools", junk).content.decode()
    wrong = xlsx([("名字", "类型"), ("a", "b")])
    assert "缺少列" in preview(client, "schools", wrong).content.decode()
    csv = SimpleUploadedFile(
        "s.csv", "学校标识码,学校名称,学校类型,所属地区代码\nC-1,CSV学校,小学,110108\n".encode("gbk")
    )
    assert "UTF-8" in preview(client, "schools", csv).content.decode()


def test_csv_utf8_import(world, client_for):
    client = client_for("commission")
    csv = SimpleUploadedFile(
        "s.csv", "\ufeff学校标识码,学校名称,学校类型,所属地区代码\nC-1,CSV学校,小学,110108\n".encode()
    )
    response = preview(client, "schools", csv)
    assert response.context["preview"].ok
    confirm(client, "schools", response)
    assert School.objects.filter(code="C-1", name="CSV学校").exists()


def test_confirm_token_belongs_to_its_user(world, client_for):
    rows = [("学校标识码", "学校名称", "学校类型", "所属地区代码"), ("T-1", "令牌学校", "小学", "110108")]
    response = preview(client_for("commission"), "schools", xlsx(rows))
    token = response.context["preview"].token
    other = client_for("other_commission")
    other.post(reverse("assessments:import-confirm", args=["schools"]), {"token": token})
    assert not School.objects.filter(code="T-1").exists()
    assert (
        other.post(
            reverse("assessments:import-confirm", args=["schools"]), {"token": "../../etc/passwd"}
        ).status_code
        == 400
    )
