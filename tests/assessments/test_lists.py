"""Every list: a total count, filters and search through the one pagination partial (links keep the
filters), and the campaign page's filters, score column and links to each school's review."""

from __future__ import annotations

import pytest
from django.urls import reverse

from assessments.models import Notification
from tests.factories import SchoolFactory, fill_and_submit, small_points_framework
from tests.html import document, text

from .conftest import make_campaign


@pytest.fixture
def campaign(world):
    for i in range(55):
        SchoolFactory(code=f"L{i:03d}", name=f"列表第{i}小学", region=world.district_a2)
    return make_campaign(world, small_points_framework())


def test_the_assessment_list_is_paged_with_a_total_and_filters(world, client_for, campaign):
    client = client_for("commission")
    html = client.get(reverse("assessments:assessment-list")).content
    assert "共 58 条" in text(html, "total-count")
    next_link = document(html).xpath("//a[@rel='next']/@href")
    assert next_link == ["?page=2"]
    page2 = client.get(reverse("assessments:assessment-list"), {"region": "110108", "page": "1"}).content
    assert "共 2 条" in text(page2, "total-count")  # the two schools of 甲一区
    found = client.get(reverse("assessments:assessment-list"), {"q": "列表第1"}).content
    assert "共 11 条" in text(found, "total-count")  # 第1, 第10 … 第19
    draft = client.get(reverse("assessments:assessment-list"), {"status": "submitted"}).content
    assert "共 0 条" in text(draft, "total-count") and "没有符合条件的自评" in draft.decode()
    # a page link keeps the filters
    paged = client.get(reverse("assessments:assessment-list"), {"region": "110105"}).content
    assert document(paged).xpath("//a[@rel='next']/@href") == ["?region=110105&page=2"]


def test_the_campaign_page_has_exports_first_filters_and_a_score_column(world, client_for, campaign):
    a1 = campaign.assessments.get(school=world.school_a1)
    fill_and_submit(a1, world.users["cio"], score="1")
    client = client_for("commission")
    url = reverse("assessments:campaign-detail", args=[campaign.pk])
    html = client.get(url).content.decode()
    assert html.index('data-testid="exports"') < html.index('data-testid="schools"')
    rows = client.get(url, {"status": "submitted"}).content
    doc = document(rows)
    assert len(doc.xpath("//tr[@data-testid='school-row']")) == 1
    assert text(rows, "self-score") == "4" and text(rows, "review-score") == "—"
    # links to the school's review page, gated by the scope (the draft has none)
    assert doc.xpath("//a[@data-testid='review-link']/@href") == [
        reverse("assessments:review-summary", args=[a1.pk])
    ]
    typed = client.get(url, {"school_type": "primary", "region": "110108"}).content
    assert len(document(typed).xpath("//tr[@data-testid='school-row']")) == 2
    # the draft's score is not shown (a draft is not a result)
    drafts = client.get(url, {"q": "甲一区第二"}).content
    assert text(drafts, "self-score") == "—"


def test_the_assessment_page_links_commission_staff_to_the_review(world, client_for, campaign):
    a1 = fill_and_submit(campaign.assessments.get(school=world.school_a1), world.users["cio"])
    html = client_for("commission").get(reverse("assessments:assessment-detail", args=[a1.pk])).content
    assert document(html).xpath("//a[@data-testid='review-link']/@href") == [
        reverse("assessments:review-summary", args=[a1.pk])
    ]
    html = client_for("cio").get(reverse("assessments:assessment-detail", args=[a1.pk])).content
    assert not document(html).xpath("//a[@data-testid='review-link']")


def test_campaign_region_and_notification_lists_filter(world, client_for, campaign):
    make_campaign(world, small_points_framework(), title="2025年甲市旧活动", schools=[world.school_a1])
    client = client_for("commission")
    html = client.get(reverse("assessments:campaign-list"), {"q": "旧活动"}).content
    assert "共 1 条" in text(html, "total-count") and "2025年甲市旧活动" in html.decode()
    html = client.get(reverse("assessments:region-list"), {"level": "district"}).content
    assert "共 2 条" in text(html, "total-count")
    html = client.get(reverse("assessments:region-list"), {"q": "甲二"}).content
    assert "共 1 条" in text(html, "total-count")
    user = world.users["cio"]
    Notification.objects.create(user=user, kind="returned", title="自评被退回", body="请修改 1.2")
    Notification.objects.create(user=user, kind="finalised", title="评审已完成", body="")
    html = client_for("cio").get(reverse("assessments:notification-list"), {"kind": "returned"}).content
    assert "共 1 条" in text(html, "total-count") and "自评被退回" in html.decode()


def test_the_review_queue_searches_and_filters_by_school_type(world, client_for, campaign):
    fill_and_submit(campaign.assessments.get(school=world.school_a1), world.users["cio"])
    client = client_for("reviewer")
    html = client.get(reverse("assessments:review-queue"), {"q": "第一小学"}).content
    assert len(document(html).xpath("//tr[@data-testid='queue-row']")) == 1
    html = client.get(reverse("assessments:review-queue"), {"school_type": "senior"}).content
    assert not document(html).xpath("//tr[@data-testid='queue-row']")


def test_the_report_jobs_list_filters(world, client_for, campaign):
    from reports.services import report_job_request

    a1 = campaign.assessments.get(school=world.school_a1)
    report_job_request(
        kind="school_pdf", campaign=campaign, assessment=a1, acting_user=world.users["commission"]
    )
    client = client_for("commission")
    html = client.get(reverse("reports:job-list"), {"kind": "city_workbook"}).content
    assert "共 0 条" in text(html, "total-count")
    html = client.get(reverse("reports:job-list"), {"q": "甲一区第一"}).content
    assert "共 1 条" in text(html, "total-count")


def test_lists_do_not_grow_with_rows(world, client_for, campaign, django_assert_max_num_queries):
    client = client_for("commission")
    for name in ("assessments:assessment-list", "assessments:campaign-list", "assessments:region-list"):
        with django_assert_max_num_queries(12):
            assert client.get(reverse(name)).status_code == 200
