"""Bulk import of regions, schools and users: template, preview, every error of every row in Chinese
naming its column, national code formats, changes shown old → new and confirmed, CSV encodings,
all or nothing, and nothing outside the commission's scope."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from assessments.models import AccountState, Membership, Region, Role, School
from tests.factories import MembershipFactory, UserFactory

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SCHOOL_HEADER = ("学校标识码", "学校名称", "学校类型", "所属地区代码")
REGION_HEADER = ("行政区划代码", "名称", "级别", "上级地区代码")
USER_HEADER = ("用户名", "姓名", "邮箱", "初始密码", "角色", "学校标识码", "地区代码")
SCHOOL_TYPES = "小学、初中、高中、九年一贯制、完全中学、职业学校、高等学校"
NOT_FOUND_REGION = "找不到该地区，或它不在您的管理范围内；应为已有地区的 6 位行政区划代码"


def xlsx(rows) -> SimpleUploadedFile:
    wb = Workbook()
    for row in rows:
        wb.active.append(list(row))
    buf = io.BytesIO()
    wb.save(buf)
    return SimpleUploadedFile("data.xlsx", buf.getvalue(), content_type=XLSX)


def preview(client, kind, upload):
    return client.post(reverse("assessments:import-upload", args=[kind]), {"file": upload})


def confirm(client, kind, response, **extra):
    p = response.context["preview"]
    data = {"token": p.token, "changes": p.changes_digest, **extra}
    return client.post(reverse("assessments:import-confirm", args=[kind]), data, follow=True)


def response_errors(response) -> dict[int, list[str]]:
    return {e.line: e.messages for e in response.context["preview"].errors}


def errors(client, kind, *rows) -> dict[int, list[str]]:
    """line → the messages of that line, for a file of `rows` under the kind's header."""
    header = {"schools": SCHOOL_HEADER, "regions": REGION_HEADER, "users": USER_HEADER}[kind]
    response = preview(client, kind, xlsx([header, *rows]))
    assert response.status_code == 200
    html = response.content.decode()
    result = {e.line: e.messages for e in response.context["preview"].errors}
    for messages in result.values():
        for message in messages:
            assert message in html, "every message is on the page"
    return result


@pytest.fixture
def commission(client_for):
    return client_for("commission")  # city A (110000)


# --- the templates --------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["regions", "schools", "users"])
def test_template_download_has_the_columns(world, commission, kind):
    response = commission.get(reverse("assessments:import-template", args=[kind]))
    assert response.status_code == 200 and response["Content-Type"] == XLSX
    header = [c.value for c in load_workbook(io.BytesIO(response.content)).active[1]]
    from assessments.resources import KINDS

    assert header == list(KINDS[kind].columns)


def _template(client, kind):
    response = client.get(reverse("assessments:import-template", args=[kind]))
    return load_workbook(io.BytesIO(response.content)).active


@pytest.mark.parametrize(
    ("kind", "column", "options"),
    [
        ("regions", "C", "省级,市级,区县级"),
        ("schools", "C", "小学,初中,高中,九年一贯制,完全中学,职业学校,高等学校"),
        ("users", "E", "学校信息化负责人,区县评审专家,教委工作人员"),
    ],
)
def test_templates_offer_drop_down_lists_for_enumerations(world, commission, kind, column, options):
    ws = _template(commission, kind)
    validations = ws.data_validations.dataValidation
    assert len(validations) == 1
    validation = validations[0]
    assert validation.type == "list" and validation.formula1 == f'"{options}"'
    assert str(validation.sqref) == f"{column}2:{column}5000"
    assert validation.showErrorMessage and "请从下拉列表中选择" in validation.error


def test_templates_carry_examples_from_the_users_own_region(world, commission, client_for):
    regions = [tuple(r) for r in _template(commission, "regions").iter_rows(min_row=2, values_only=True)]
    assert regions == [("110105", "甲二区", "区县级", "110000"), ("110108", "甲一区", "区县级", "110000")]
    schools = [r[0] for r in _template(commission, "schools").iter_rows(min_row=2, values_only=True)]
    assert schools == ["S-A2", "S-A1"]  # city A's schools, by district
    users = list(_template(commission, "users").iter_rows(min_row=2, values_only=True))
    assert users[0][4:] == ("学校信息化负责人", "S-A2", None) and users[1][4:] == (
        "区县评审专家",
        None,
        "110105",
    )
    # another city's commission gets its own region's examples
    other = [
        r[0]
        for r in _template(client_for("other_commission"), "schools").iter_rows(min_row=2, values_only=True)
    ]
    assert other == ["S-B1"]


def test_template_examples_import_without_changes(world, commission):
    response = commission.get(reverse("assessments:import-template", args=["schools"]))
    upload = SimpleUploadedFile("template.xlsx", response.content, content_type=XLSX)
    p = preview(commission, "schools", upload).context["preview"]
    assert p.ok and p.skipped == 2 and p.new == p.updated == 0


# --- schools ---------------------------------------------------------------------------------------


def test_school_import_preview_then_confirm(world, commission):
    rows = [
        SCHOOL_HEADER,
        ("2111010001", "甲一区新建小学", "小学", "110108"),
        (3111010002, "甲二区新建中学", "初中", 110105),  # numbers as Excel stores them
    ]
    response = preview(commission, "schools", xlsx(rows))
    assert response.status_code == 200
    p = response.context["preview"]
    assert p.ok and p.new == 2 and not p.changes
    assert not School.objects.filter(code="2111010001").exists(), "the preview must not save anything"
    done = confirm(commission, "schools", response)
    assert "导入完成：新增 2 行，更新 0 行，未变 0 行。" in done.content.decode()
    assert School.objects.get(code="2111010001").region == world.district_a1
    assert School.objects.get(code="3111010002").school_type == "junior"


def test_school_code_format(world, commission):
    found = errors(
        commission,
        "schools",
        ("abc", "甲校", "小学", "110108"),
        ("21110100", "乙校", "小学", "110108"),
        ("9911010001", "丙校", "小学", "110108"),
        ("2199010001", "丁校", "小学", "110108"),
        ("2137000001", "戊校", "小学", "110108"),
        ("", "己校", "小学", "110108"),
    )
    expected = "应为 10 位数字（2 位学校类别码 + 2 位省级代码 + 6 位序号，如 2137000001）"
    assert found == {
        2: [f"“学校标识码”为“abc”，{expected}。"],
        3: [f"“学校标识码”为“21110100”，{expected}。"],
        4: [
            "“学校标识码”为“9911010001”，"
            "前两位“99”不是学校类别码（如 21 小学、31 初中、34 高中、36 中职、41 高校）。"
        ],
        5: ["“学校标识码”为“2199010001”，第 3–4 位“99”不是省级行政区划代码。"],
        6: ["“学校标识码”为“2137000001”，第 3–4 位省级代码“37”与“所属地区代码”110108 的省级代码“11”不一致。"],
        7: ["“学校标识码”不能为空，应填写学校标识码（10 位数字，如 2137000001）。"],
    }


def test_every_error_of_every_row_is_listed(world, commission):
    found = errors(
        commission,
        "schools",
        ("2111010001", "正常学校", "小学", "110108"),
        ("abc", "", "幼儿园", "999999"),
        ("2111010003", "类型空缺学校", "", ""),
        ("2111010004", "名" * 129, "初中", "370303"),
    )
    assert found == {
        3: [
            "“学校标识码”为“abc”，"
            "应为 10 位数字（2 位学校类别码 + 2 位省级代码 + 6 位序号，如 2137000001）。",
            "“学校名称”不能为空，应填写学校全称。",
            f"“学校类型”为“幼儿园”，应为以下之一：{SCHOOL_TYPES}。",
            f"“所属地区代码”为“999999”，{NOT_FOUND_REGION}。",
        ],
        4: [
            f"“学校类型”不能为空，应为以下之一：{SCHOOL_TYPES}。",
            "“所属地区代码”不能为空，应填写已有地区的 6 位行政区划代码（如 370303）。",
        ],
        5: [
            f"“学校名称”为“{'名' * 129}”，最多 128 个字。",
            f"“所属地区代码”为“370303”，{NOT_FOUND_REGION}。",  # city B: outside the scope, said the same way
        ],
    }
    assert not School.objects.filter(code="2111010001").exists(), "one bad row: nothing is imported"


def test_a_school_code_of_another_scope_is_refused_without_naming_it(world, commission):
    response = preview(commission, "schools", xlsx([SCHOOL_HEADER, ("S-B1", "改名", "小学", "110108")]))
    p = response.context["preview"]
    assert p.errors[0].messages == ["“学校标识码”为“S-B1”，该标识码已登记为其他学校，不能在此导入或修改。"]
    html = response.content.decode()
    assert world.school_b1.name not in html and world.district_b1.name not in html
    world.school_b1.refresh_from_db()
    assert world.school_b1.name == "乙一区第一中学"


def test_duplicate_codes_in_the_file(world, commission):
    found = errors(
        commission,
        "schools",
        ("2111010001", "甲校", "小学", "110108"),
        ("2111010001", "乙校", "小学", "110108"),
    )
    assert found == {3: ["“学校标识码”“2111010001”与第 2 行重复。"]}


def test_an_update_shows_old_and_new_and_needs_confirmation(world, commission):
    rows = [
        SCHOOL_HEADER,
        ("S-A1", "甲一区第一实验小学", "九年一贯制", "110105"),
        ("S-A1B", "甲一区第二中学", "初中", "110108"),
        ("2111010009", "新学校", "小学", "110108"),
    ]
    response = preview(commission, "schools", xlsx(rows))
    p = response.context["preview"]
    assert p.ok and p.new == 1 and p.updated == 2 and p.change_count == 4
    changes = {(r.line, c.column, c.old, c.new) for r in p.changes for c in r.changes}
    assert changes == {
        (2, "学校名称", "甲一区第一小学", "甲一区第一实验小学"),
        (2, "学校类型", "小学", "九年一贯制"),
        (2, "所属地区代码", "110108（甲一区）", "110105（甲二区）"),
        (3, "学校类型", "小学", "初中"),
    }
    html = response.content.decode()
    assert "本次导入将修改已有记录的 4 处内容" in html and 'name="confirm_updates"' in html

    # without the box ticked nothing happens
    refused = confirm(commission, "schools", response)
    assert refused.status_code == 400
    assert "本次导入会修改已有记录，请在预览中逐项核对后勾选确认" in refused.content.decode()
    assert School.objects.get(code="S-A1").name == "甲一区第一小学"
    assert not School.objects.filter(code="2111010009").exists()

    done = confirm(commission, "schools", response, confirm_updates="1")
    assert "导入完成：新增 1 行，更新 2 行，未变 0 行。" in done.content.decode()
    school = School.objects.get(code="S-A1")
    assert (school.name, school.school_type, school.region) == (
        "甲一区第一实验小学",
        "nine_year",
        world.district_a2,
    )


def test_changes_after_the_preview_are_not_imported(world, commission):
    response = preview(commission, "schools", xlsx([SCHOOL_HEADER, ("S-A1", "新名字", "小学", "110108")]))
    School.objects.filter(code="S-A1").update(name="别人刚改的名字")
    refused = confirm(commission, "schools", response, confirm_updates="1")
    assert refused.status_code == 400
    assert "已有记录在预览之后发生了变化" in refused.content.decode()
    assert School.objects.get(code="S-A1").name == "别人刚改的名字"


# --- regions -----------------------------------------------------------------------------------------


def test_region_import_with_parent_earlier_in_the_file(world, commission):
    rows = [
        REGION_HEADER,
        ("110199", "甲新区", "区县级", "110000"),
        ("110198", "甲另一区", "district", "110000"),
    ]
    response = preview(commission, "regions", xlsx(rows))
    assert response.context["preview"].ok, response.context["preview"].errors
    confirm(commission, "regions", response)
    assert Region.objects.get(code="110199").path == "/110000/110199/"


def test_region_codes_follow_gb_t_2260(world, commission):
    found = errors(
        commission,
        "regions",
        ("11019", "短代码区", "区县级", "110000"),
        ("110101001", "街道", "区县级", "110000"),
        ("990101", "无此省区", "区县级", "110000"),
        ("110197", "市级区", "市级", "110000"),
        ("120101", "外省区", "区县级", "110000"),
        ("", "无代码区", "区县级", "110000"),
    )
    shape = "应为 6 位数字（GB/T 2260 行政区划代码，如 370303；乡镇、村的 9 位或 12 位代码不适用）"
    assert found == {
        2: [f"“行政区划代码”为“11019”，{shape}。"],
        3: [f"“行政区划代码”为“110101001”，{shape}。"],
        4: ["“行政区划代码”为“990101”，前两位“99”不是省级行政区划代码（如 11 北京、33 浙江、37 山东）。"],
        5: [
            "“行政区划代码”为“110197”，与“级别”（市级）不符：市级地区的代码以 00 结尾。",
            "“级别”为市级，而上级地区“110000”是市级：上级地区的级别应高于本地区。",
        ],
        6: ["“行政区划代码”为“120101”，应以上级地区代码“110000”的前 2 位“11”开头（GB/T 2260 逐级编码）。"],
        7: ["“行政区划代码”不能为空，应填写行政区划代码（6 位数字，GB/T 2260，如 370303）。"],
    }


def test_region_row_errors(world, commission):
    found = errors(
        commission,
        "regions",
        ("110196", "", "乡镇级", "370300"),
        ("110195", "无上级区", "区县级", ""),
        ("370399", "乙市新区", "区县级", "370300"),
        ("370303", "改名", "区县级", "370300"),
        ("110105", "甲二区", "区县级", "110108"),
        ("110108", "甲一区", "市级", "110000"),
    )
    assert found == {
        2: [
            "“名称”不能为空，应填写地区名称（如 张店区）。",
            "“级别”为“乡镇级”，应为以下之一：省级、市级、区县级。",
            f"“上级地区代码”为“370300”，{NOT_FOUND_REGION}。",
        ],
        3: [
            "“上级地区代码”不能为空：只有系统管理员可以导入没有上级的地区；"
            "应填写已有地区的 6 位行政区划代码（如 370303）。"
        ],
        4: [f"“上级地区代码”为“370300”，{NOT_FOUND_REGION}。"],
        5: [
            "“行政区划代码”为“370303”，该代码已登记为其他地区，不能在此导入或修改。",
            f"“上级地区代码”为“370300”，{NOT_FOUND_REGION}。",
        ],
        6: ["“上级地区代码”不能修改：该地区登记在“110000”之下，导入不能移动地区。"],
        7: ["“级别”不能修改：该地区登记为区县级。"],
    }


def test_a_region_rename_is_shown_and_confirmed(world, commission):
    response = preview(
        commission, "regions", xlsx([REGION_HEADER, ("110108", "甲一新区", "区县级", "110000")])
    )
    p = response.context["preview"]
    assert [(c.column, c.old, c.new) for r in p.changes for c in r.changes] == [
        ("名称", "甲一区", "甲一新区")
    ]
    confirm(commission, "regions", response, confirm_updates="1")
    assert Region.objects.get(code="110108").name == "甲一新区"


# --- users -------------------------------------------------------------------------------------------


def test_user_import_creates_users_who_must_change_their_password(world, commission):
    rows = [
        USER_HEADER,
        ("new_cio", "新老师", "new@example.cn", "Xiaoyuan#2026", "学校信息化负责人", "S-A1B", ""),
        ("new_expert", "新专家", "", "Pingshen#2026", "区县评审专家", "", "110105"),
        ("new_expert", "", "", "", "区县评审专家", "", "110108"),  # second membership, same user
    ]
    response = preview(commission, "users", xlsx(rows))
    p = response.context["preview"]
    assert p.ok, p.errors
    assert "Xiaoyuan#2026" not in response.content.decode(), "passwords are never echoed back"
    assert not get_user_model().objects.filter(username="new_cio").exists()
    confirm(commission, "users", response)
    user = get_user_model().objects.get(username="new_cio")
    assert user.check_password("Xiaoyuan#2026") and user.first_name == "新老师"
    assert Membership.objects.filter(user__username="new_expert", role=Role.REVIEWER).count() == 2
    state = AccountState.objects.get(user=user)
    assert state.must_change_password and state.password_set_by == world.users["commission"]

    # at the first login the new user is sent to choose their own password
    from django.test import Client

    client = Client()
    client.post(reverse("login"), {"username": "new_cio", "password": "Xiaoyuan#2026"})
    home = client.get(reverse("home"))
    assert home.status_code == 302 and home["Location"].startswith(reverse("accounts:password-change"))


def test_user_import_row_errors(world, commission):
    found = errors(
        commission,
        "users",
        ("u1", "甲", "", "", "学校信息化负责人", "S-A1", ""),
        ("u2", "乙", "", "123", "学校信息化负责人", "S-A1", ""),
        ("u3", "丙", "not-an-email", "Good#pass2026", "学校信息化负责人", "", "110108"),
        ("u4", "丁", "", "Good#pass2026", "校长", "S-A1", ""),
        ("王 老师", "戊", "", "Good#pass2026", "区县评审专家", "S-A1", ""),
        ("", "", "", "", "", "", ""),  # an empty row is dropped, not an error
        ("u6", "", "", "Good#pass2026", "", "", ""),
        ("u7", "", "", "Good#pass2026", "教委工作人员", "", "370300"),
        ("u8", "", "", "Good#pass2026", "学校信息化负责人", "S-B1", ""),
    )
    assert found == {
        2: ["“初始密码”不能为空：“u1”是新用户，应填写至少 8 个字符、不全是数字、不过于常见的密码。"],
        3: ["“初始密码”不符合要求：密码太短，至少需要 8 个字符。这个密码太常见了。密码只包含数字。"],
        4: [
            "“邮箱”为“not-an-email”，应为有效的电子邮件地址（如 wang@example.cn），或留空。",
            "“学校标识码”不能为空：角色为学校信息化负责人时，应填写所负责学校的学校标识码。",
            "“地区代码”应留空：学校信息化负责人只关联学校，不关联地区。",
        ],
        5: ["“角色”为“校长”，应为以下之一：学校信息化负责人、区县评审专家、教委工作人员。"],
        6: [
            "“用户名”为“王 老师”，应只含字母、数字和 @ . + - _，最多 150 个字符。",
            "“地区代码”不能为空：角色为区县评审专家时，应填写已有地区的 6 位行政区划代码（如 370303）。",
            "“学校标识码”应留空：区县评审专家关联地区，不关联学校。",
        ],
        7: ["“角色”不能为空，应为以下之一：学校信息化负责人、区县评审专家、教委工作人员。"],
        8: [f"“地区代码”为“370300”，{NOT_FOUND_REGION}。"],
        9: ["“学校标识码”为“S-B1”，找不到该学校，或它不在您的管理范围内；应为已登记学校的 10 位学校标识码。"],
    }
    assert not get_user_model().objects.filter(username__startswith="u").exists()


def test_user_rows_that_repeat_or_disagree(world, commission):
    found = errors(
        commission,
        "users",
        ("dup", "王老师", "w@example.cn", "Good#pass2026", "区县评审专家", "", "110108"),
        ("dup", "王芳", "x@example.cn", "", "区县评审专家", "", "110108"),
    )
    assert found == {
        3: [
            "“姓名”为“王芳”，与第 2 行同一用户的姓名“王老师”不同。",
            "“邮箱”为“x@example.cn”，与第 2 行同一用户的邮箱“w@example.cn”不同。",
            "该角色授权与第 2 行重复。",
        ]
    }


def test_a_user_outside_the_commission_scope_is_not_modified(world, commission):
    """A username of another city (or of an account with more rights) is refused, naming nothing."""
    other = world.users["other_commission"]
    staff = MembershipFactory(
        user=UserFactory(username="staffer"), role=Role.REVIEWER, region=world.district_a1
    )
    staff.user.is_staff = True
    staff.user.save()
    response = preview(
        commission,
        "users",
        xlsx(
            [
                USER_HEADER,
                ("other_commission", "改名", "x@example.cn", "", "学校信息化负责人", "S-A1", ""),
                ("staffer", "改名", "", "", "区县评审专家", "", "110105"),
            ]
        ),
    )
    found = {e.line: e.messages for e in response.context["preview"].errors}
    refused = "该用户名已被其他账号使用，不能在此导入或修改；请换一个用户名"
    assert found == {
        2: [f"“用户名”为“other_commission”，{refused}。"],
        3: [f"“用户名”为“staffer”，{refused}。"],
    }
    html = response.content.decode()
    assert world.city_b.name not in html and other.first_name not in html
    other.refresh_from_db()
    assert other.first_name != "改名" and not other.memberships.filter(school=world.school_a1).exists()


def test_a_user_in_scope_gets_a_role_and_a_confirmed_name_change(world, commission):
    reviewer = world.users["reviewer"]
    rows = [USER_HEADER, ("reviewer", "王评审", "", "Ignored#2026", "区县评审专家", "", "110105")]
    response = preview(commission, "users", xlsx(rows))
    p = response.context["preview"]
    assert p.ok and p.new == 1
    assert [(c.column, c.old, c.new) for r in p.changes for c in r.changes] == [
        ("姓名", reviewer.first_name, "王评审")
    ]
    confirm(commission, "users", response, confirm_updates="1")
    reviewer.refresh_from_db()
    assert reviewer.first_name == "王评审"
    assert reviewer.check_password("Test-pass-2026"), "an existing user's password is never changed"
    assert reviewer.memberships.filter(region=world.district_a2).exists()


# --- what never reaches the user ----------------------------------------------------------------------


def test_no_constraint_names_or_field_names_reach_the_user(world, commission, monkeypatch):
    """Rows that get past the row checks (here: checks switched off) still answer in Chinese."""
    from assessments.resources import MembershipResource, SchoolResource

    monkeypatch.setattr(SchoolResource, "check_row", lambda self, row, line: ([], []))
    monkeypatch.setattr(MembershipResource, "check_row", lambda self, row, line: ([], []))
    school = preview(commission, "schools", xlsx([SCHOOL_HEADER, ("2111010001", "", "小学", "110108")]))
    html = school.content.decode()
    assert "“学校名称”：此字段不能为空。" in html
    user = preview(
        commission,
        "users",
        xlsx([USER_HEADER, ("u1", "", "", "Good#pass2026", "学校信息化负责人", "S-A1", "110108")]),
    )
    html = user.content.decode()
    assert response_errors(user) == {
        2: [
            "学校信息化负责人必须关联一所学校，且不关联地区。",
            "第 2 行无法保存，请核对该行的数据（代码是否与已有记录重复）。",
        ]
    }
    for raw in (
        "membership_scope_matches_role",
        "Constraint",
        "school_type",
        "name：",
        "region：",
        "__all__",
    ):
        assert raw not in html


# --- files -------------------------------------------------------------------------------------------


def test_unreadable_and_wrong_header_files(world, commission):
    junk = SimpleUploadedFile("x.xlsx", b"not a spreadsheet", content_type=XLSX)
    assert (
        "无法读取文件：请上传 .xlsx 文件，或 UTF-8 / GBK 编码的 .csv 文件。"
        in preview(commission, "schools", junk).content.decode()
    )
    wrong = xlsx([("名字", "类型"), ("a", "b")])
    assert (
        "缺少列：学校标识码、学校名称、学校类型、所属地区代码。第一行应是列名，请使用下载的模板。"
        in preview(commission, "schools", wrong).content.decode()
    )
    utf16 = SimpleUploadedFile("s.csv", "学校标识码,学校名称\n".encode("utf-16"))
    assert "无法识别 CSV 文件的编码" in preview(commission, "schools", utf16).content.decode()


CSV_TEXT = "学校标识码,学校名称,学校类型,所属地区代码\n2111010001,CSV学校,小学,110108\n"


@pytest.mark.parametrize(
    "raw",
    [
        CSV_TEXT.encode("gbk"),  # what Chinese Excel saves as "CSV (逗号分隔)"
        CSV_TEXT.encode("gb18030"),
        CSV_TEXT.encode("utf-8"),
        "\ufeff".encode() + CSV_TEXT.encode("utf-8"),  # "CSV UTF-8" with its BOM
    ],
    ids=["gbk", "gb18030", "utf-8", "utf-8-bom"],
)
def test_csv_in_every_encoding_excel_writes(world, commission, raw):
    response = preview(commission, "schools", SimpleUploadedFile("s.csv", raw))
    assert response.context["preview"].ok, response.context["preview"].errors
    confirm(commission, "schools", response)
    assert School.objects.filter(code="2111010001", name="CSV学校").exists()


def test_confirm_token_belongs_to_its_user(world, commission, client_for):
    rows = [SCHOOL_HEADER, ("2111010001", "令牌学校", "小学", "110108")]
    response = preview(commission, "schools", xlsx(rows))
    token = response.context["preview"].token
    other = client_for("other_commission")
    other.post(reverse("assessments:import-confirm", args=["schools"]), {"token": token})
    assert not School.objects.filter(code="2111010001").exists()
    assert (
        other.post(
            reverse("assessments:import-confirm", args=["schools"]), {"token": "../../etc/passwd"}
        ).status_code
        == 400
    )
