import re

import pytest
from django.urls import reverse


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("cio", ["我负责的学校", "甲一区第一小学"]),
        ("reviewer", ["评审地区", "甲一区"]),
        ("commission", ["管辖地区", "甲一区", "甲二区", "批量导入"]),
    ],
)
def test_home_sends_each_role_to_its_work(world, client_for, role, expected):
    html = client_for(role).get(reverse("home")).content.decode()
    assert '<html lang="zh-CN">' in html
    for text in expected:
        assert text in html


def test_home_of_reviewer_does_not_leak_other_district(world, client_for):
    html = client_for("reviewer").get(reverse("home")).content.decode()
    assert "甲二区" not in html and "乙一区" not in html


def test_login_page_is_chinese_and_login_works(world, login_password):
    from django.test import Client

    client = Client()
    page = client.get(reverse("login")).content.decode()
    assert "登录" in page and "用户名" in page
    bad = client.post(reverse("login"), {"username": "cio", "password": "wrong"}).content.decode()
    assert "用户名或密码不正确" in bad
    ok = client.post(reverse("login"), {"username": "cio", "password": login_password})
    assert ok.status_code == 302 and ok["Location"] == reverse("home")


def test_user_without_role_is_told_so(db, client):
    from tests.factories import UserFactory

    client.force_login(UserFactory(username="nobody"))
    assert "尚未分配角色" in client.get(reverse("home")).content.decode()


def test_english_is_available_as_second_locale(world, client_for):
    client = client_for("cio")
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    html = client.get(reverse("home")).content.decode()
    assert '<html lang="en">' in html


def test_healthz(db, client):
    assert client.get("/healthz").json() == {"status": "ok"}


def test_region_cards_count_the_whole_subtree(world, client_for):
    from assessments.selectors import region_overview

    counts = {r.code: r.school_count for r in region_overview(user=world.users["commission"])}
    assert counts == {"110000": 3, "110108": 2, "110105": 1}


def test_chinese_is_the_default_whatever_the_browser_asks(world, client_for):
    html = client_for("cio").get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert '<html lang="zh-CN">' in html
    assert re.search(r'<option value="zh-hans"\s+lang="zh-CN"\s+selected>\s*简体中文</option>', html)
    assert re.search(r'<option value="en"\s+lang="en"\s*>\s*English</option>', html)


# --- each role's work on the home page ---------------------------------------------------------------


def _campaign(world, days=30):
    from tests.factories import small_points_framework

    from .conftest import make_campaign

    return make_campaign(world, small_points_framework(), days=days)


def test_the_cios_home_shows_countdown_progress_score_and_returned_items(world, client_for):
    from assessments import services
    from tests.factories import fill_and_submit
    from tests.html import text

    from .conftest import response

    campaign = _campaign(world, days=10)
    a = campaign.assessments.get(school=world.school_a1)
    html = client_for("cio").get(reverse("home")).content
    assert "还剩" in text(html, "countdown") and text(html, "home-progress") == "0 / 4"
    assert "继续填写" in html.decode()
    fill_and_submit(a, world.users["cio"], score="1")
    reviewer = world.users["reviewer"]
    r = response(a, "1.2")
    services.verdict_save(
        response=r, acting_user=reviewer, version=r.version, verdict="more_evidence", comment="请补充照片"
    )
    services.review_return(assessment=a, acting_user=reviewer)
    html = client_for("cio").get(reverse("home")).content
    assert text(html, "home-score") == "4 / 20"
    returned = text(html, "home-returned")
    assert "1.2" in returned and "请补充照片" in returned and "1.1" not in returned


def test_after_the_deadline_the_cio_sees_closed_and_no_call_to_action(world, client_for):
    from tests.html import document, text

    campaign = _campaign(world, days=-1)
    a = campaign.assessments.get(school=world.school_a1)
    for url in (reverse("home"), reverse("assessments:assessment-detail", args=[a.pk])):
        html = client_for("cio").get(url).content
        assert "已截止" in text(html, "deadline-passed")
        links = " ".join(e.text_content() for e in document(html).xpath("//main//a"))
        assert "继续填写" not in links and "检查并提交" not in links


def test_the_reviewers_home_lists_waiting_schools_per_campaign(world, client_for):
    from tests.factories import fill_and_submit
    from tests.html import text

    campaign = _campaign(world)
    fill_and_submit(campaign.assessments.get(school=world.school_a1), world.users["cio"])
    html = client_for("reviewer").get(reverse("home")).content
    assert campaign.title in text(html, "review-summary")
    assert "甲一区第一小学" in text(html, "next-reviews") and "待评 4 / 4" in text(html, "next-reviews")
    assert not text(client_for("other_reviewer").get(reverse("home")).content, "next-reviews")


def test_the_commissions_home_shows_progress_per_campaign_and_district(world, client_for):
    from tests.factories import fill_and_submit
    from tests.html import document

    campaign = _campaign(world)
    fill_and_submit(campaign.assessments.get(school=world.school_a1), world.users["cio"])
    html = client_for("commission").get(reverse("home")).content
    doc = document(html)
    assert "共 3 所学校 · 已提交 33% · 评审完成 0%" in " ".join(
        doc.xpath("//*[@data-testid='campaign-progress']")[0].text_content().split()
    )
    rows = {
        tr.xpath("./td")[0].text_content().strip(): [td.text_content().strip() for td in tr.xpath("./td")[1:]]
        for tr in doc.xpath("//table[@data-testid='region-progress']/tbody/tr")
    }
    # 未开始, 填报中, 已提交, 评审中, 退回修改, 已完成, 合计: each school in exactly one column
    assert rows == {
        "甲一区": ["1", "·", "1", "·", "·", "·", "2"],
        "甲二区": ["1", "·", "·", "·", "·", "·", "1"],
    }
