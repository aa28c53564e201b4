import re

import pytest
from django.core.management import call_command
from django.urls import reverse

from assessments.models import Assessment
from indicators.models import Framework

from .conftest import make_campaign, response


def test_overview_and_item_pages_render_for_cio(world, client_for, points_assessment):
    client = client_for("cio")
    html = client.get(reverse("assessments:assessment-detail", args=[points_assessment.pk])).content.decode()
    assert "甲一区第一小学" in html and "各一级指标进度" in html and "还剩" in html
    html = client.get(
        reverse("assessments:assessment-item", args=[points_assessment.pk, "1.1"])
    ).content.decode()
    assert "监测点" in html and 'id="evidence-panel"' in html and "0–4 分" in html
    html = client.get(
        reverse("assessments:assessment-item", args=[points_assessment.pk, "2.1"])
    ).content.decode()
    assert "综合评估" in html


def test_home_links_the_cio_to_the_assessment(world, client_for, points_assessment):
    html = client_for("cio").get(reverse("home")).content.decode()
    assert (
        "进入自评" in html and reverse("assessments:assessment-detail", args=[points_assessment.pk]) in html
    )


def post_save(client, assessment, code, **data):
    url = reverse("assessments:assessment-item-save", args=[assessment.pk, code])
    return client.post(url, data, HTTP_HX_REQUEST="true")


def test_autosave_returns_saved_state_version_and_live_score(world, client_for, points_assessment):
    client = client_for("cio")
    r = post_save(client, points_assessment, "1.1", version=1, self_score="3", statement="说明")
    html = re.sub(r">\s+", ">", r.content.decode())  # the markup's own line breaks do not matter
    assert r["X-Save-Status"] == "200" and "已保存" in html
    assert 'id="version-input" value="2"' in html and 'data-testid="live-score">3' in html


def test_autosave_stale_version_shows_newer_value(world, client_for, points_assessment):
    client = client_for("cio")
    post_save(client, points_assessment, "1.1", version=1, self_score="3")
    r = post_save(client, points_assessment, "1.1", version=1, self_score="1")
    html = r.content.decode()
    assert r["X-Save-Status"] == "409" and "该条目已在其他窗口或由他人修改" in html and "自评分 3" in html
    assert response(points_assessment, "1.1").self_score == 3


@pytest.mark.parametrize(
    ("value", "message"), [("9", "最高 4 分"), ("1.3", "0.5 的整数倍"), ("-2", "不能为负数")]
)
def test_autosave_invalid_score_keeps_saved_value(world, client_for, points_assessment, value, message):
    client = client_for("cio")
    post_save(client, points_assessment, "1.1", version=1, self_score="2")
    r = post_save(client, points_assessment, "1.1", version=2, self_score=value)
    html = r.content.decode()
    assert r["X-Save-Status"] == "400" and message in html and "已保存的内容未改变" in html
    assert response(points_assessment, "1.1").self_score == 2


def test_autosave_na_on_required_item_is_refused(world, client_for, compliance_assessment):
    r = post_save(client_for("cio"), compliance_assessment, "1.1", version=1, self_status="na")
    assert r["X-Save-Status"] == "400" and "不能选择“不适用”" in r.content.decode()


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("anonymous", 302),
        ("cio", 200),
        ("other_cio", 404),
        ("reviewer", 200),
        ("other_reviewer", 404),
        ("commission", 200),
        ("other_commission", 404),
    ],
)
def test_assessment_pages_permission_matrix(world, client_for, points_assessment, role, expected):
    client = client_for(role)
    for name, args in [
        ("assessments:assessment-detail", [points_assessment.pk]),
        ("assessments:assessment-item", [points_assessment.pk, "1.1"]),
        ("assessments:assessment-history", [points_assessment.pk]),
        ("assessments:assessment-item-history", [points_assessment.pk, "1.1"]),
    ]:
        assert client.get(reverse(name, args=args)).status_code == expected, name


def test_only_cio_can_save_or_submit(world, client_for, points_assessment):
    r = post_save(client_for("reviewer"), points_assessment, "1.1", version=1, self_score="1")
    assert r.status_code == 404  # editing is outside a reviewer's scope: the save URL does not exist
    assert (
        client_for("reviewer")
        .get(reverse("assessments:assessment-submit", args=[points_assessment.pk]))
        .status_code
        == 404
    )


def test_submit_page_lists_missing_items_then_submits(world, client_for, points_assessment):
    client = client_for("cio")
    url = reverse("assessments:assessment-submit", args=[points_assessment.pk])
    html = client.get(url).content.decode()
    assert (
        "还有 4 个条目未填写" in html
        and reverse("assessments:assessment-item", args=[points_assessment.pk, "2.2"]) in html
    )
    r = client.post(url)
    assert r.status_code == 400 and "还有 4 个条目未填写" in r.content.decode()
    for code in ["1.1", "1.2", "2.1", "2.2"]:
        post_save(client, points_assessment, code, version=1, self_score="1")
    assert "确认提交" in client.get(url).content.decode()
    assert client.post(url).status_code == 302
    assert client.post(url).status_code == 302  # double submit: harmless
    points_assessment.refresh_from_db()
    assert points_assessment.status == "submitted"
    r = post_save(client, points_assessment, "1.1", version=2, self_score="2")
    assert r["X-Save-Status"] == "409" and "已提交" in r.content.decode()


def test_history_page_shows_who_old_and_new(world, client_for, points_assessment):
    client = client_for("cio")
    post_save(client, points_assessment, "1.1", version=1, self_score="2")
    post_save(client, points_assessment, "1.1", version=2, self_score="3.5")
    html = (
        client_for("reviewer")
        .get(reverse("assessments:assessment-history", args=[points_assessment.pk]))
        .content.decode()
    )
    assert "自评分" in html and "3.5" in html and world.users["cio"].first_name in html
    html = client.get(
        reverse("assessments:assessment-item-history", args=[points_assessment.pk, "1.1"])
    ).content.decode()
    assert "/evidence/responses/" in html and "3.5" in html


def test_jump_by_code(world, client_for, points_assessment):
    r = client_for("cio").get(
        reverse("assessments:assessment-item-jump", args=[points_assessment.pk]), {"code": "2"}
    )
    assert r.url == reverse("assessments:assessment-item", args=[points_assessment.pk, "2.1"])


def test_campaign_detail_add_schools_and_extend(world, client_for):
    from ..factories import small_points_framework

    campaign = make_campaign(world, small_points_framework(), schools=[world.school_a1])
    client = client_for("commission")
    html = client.get(reverse("assessments:campaign-detail", args=[campaign.pk])).content.decode()
    assert "甲一区第一小学" in html and "0 / 4" in html and "加入学校" in html
    html = client.post(
        reverse("assessments:campaign-add-schools", args=[campaign.pk]), {"school_codes": "S-A2"}
    ).content.decode()
    assert "确认加入" in html and "甲二区实验学校" in html
    client.post(
        reverse("assessments:campaign-add-schools", args=[campaign.pk]),
        {"school_codes": "S-A2", "confirm": "1"},
    )
    assert campaign.assessments.count() == 2
    a = Assessment.objects.get(campaign=campaign, school=world.school_a1)
    r = client.post(
        reverse("assessments:assessment-extend", args=[a.pk]),
        {"new_deadline": "2027-03-01", "reason": "停电"},
    )
    assert r.status_code == 302
    a.refresh_from_db()
    assert a.deadline_override and a.extensions.get().reason == "停电"
    assert (
        client_for("other_commission")
        .get(reverse("assessments:campaign-detail", args=[campaign.pk]))
        .status_code
        == 404
    )
    assert (
        client_for("reviewer").get(reverse("assessments:assessment-extend", args=[a.pk])).status_code == 404
    )


PAGE_QUERY_LIMIT = 12  # session, user, scope, assessment, nodes, responses, nav memberships, …


@pytest.mark.parametrize("code", ["beijing-k12", "beijing-higher", "zibo-k12", "zhejiang-k12"])
def test_pages_run_a_constant_number_of_queries(world, client_for, code, django_assert_max_num_queries):
    """The same number of queries for a 4-item framework as for a real one with 100+ items."""
    from ..factories import small_points_framework

    call_command("load_frameworks", stdout=None)
    framework = Framework.objects.get(code=code)
    small_framework = small_points_framework()
    small_framework.school_level = framework.school_level
    small_framework.save()
    if framework.school_level == "higher":  # a university, for the university standard
        world.school_a1.school_type = "higher"
        world.school_a1.save()
    small = make_campaign(world, small_framework, schools=[world.school_a1])
    large = make_campaign(world, framework, schools=[world.school_a1], title="大")
    client = client_for("cio")
    counts = {}
    for campaign in (small, large):
        a = Assessment.objects.get(campaign=campaign, school=world.school_a1)
        first = a.responses.select_related("node").order_by("node__position").first().node.code
        for name, args in [
            ("assessments:assessment-detail", [a.pk]),
            ("assessments:assessment-item", [a.pk, first]),
        ]:
            with django_assert_max_num_queries(PAGE_QUERY_LIMIT) as ctx:
                assert client.get(reverse(name, args=args)).status_code == 200
            counts[(campaign is large, name)] = len(ctx)
    print(code, a.responses.count(), "items:", counts)  # noqa: T201
    for name in ("assessments:assessment-detail", "assessments:assessment-item"):
        assert counts[(False, name)] == counts[(True, name)], counts


def test_campaign_detail_and_api_lists_do_not_grow_with_schools(
    world, client_for, django_assert_max_num_queries
):
    from ..factories import SchoolFactory, small_points_framework

    for i in range(30):
        SchoolFactory(code=f"X{i:03d}", region=world.district_a1)
    campaign = make_campaign(world, small_points_framework())
    assert campaign.assessments.count() == 33
    client = client_for("commission")
    # … the filters' regions, the page's responses for the score column (one query for all schools)
    with django_assert_max_num_queries(13):
        assert client.get(reverse("assessments:campaign-detail", args=[campaign.pk])).status_code == 200
    with django_assert_max_num_queries(8):
        assert client.get("/api/assessments/").json()["count"] == 33
    a = campaign.assessments.first()
    with django_assert_max_num_queries(8):
        assert client.get(f"/api/responses/?assessment={a.pk}").json()["count"] == 4
