"""The pages: confirming the proposed list, the CIO's 「整改清单」, the reviewer's 「整改审核」 queue and
an item's transitions through their forms."""

from __future__ import annotations

from django.urls import reverse

from assessments.models import Notification
from rectification.models import RectificationItem, RectificationState


def test_the_reviewer_edits_and_confirms_the_proposal(world, client_for, finalised):
    reviewer = client_for("reviewer")
    url = reverse("rectification:confirm", args=[finalised.pk])
    page = reviewer.get(url)
    assert page.status_code == 200
    assert "1.2" in page.content.decode() and "1.2佐证材料不足" in page.content.decode()
    node = page.context["formset"].forms[0].initial["node"]
    answer = reviewer.post(
        url,
        {
            "form-TOTAL_FORMS": "1",
            "form-INITIAL_FORMS": "1",
            "form-0-include": "on",
            "form-0-node": str(node),
            "form-0-source": "review_adjust",
            "form-0-problem": "多媒体设备不足",
            "form-0-action": "补齐设备",
            "form-0-due_date": "2099-03-31",
        },
    )
    assert answer.status_code == 302
    item = RectificationItem.objects.get()
    assert (item.problem, item.due_date.isoformat()) == ("多媒体设备不足", "2099-03-31")
    assert Notification.objects.filter(user=world.users["cio"], kind="rectify").exists()
    assert "已经确定" in reviewer.get(url).content.decode()


def test_an_invalid_due_date_is_a_400_and_writes_nothing(client_for, finalised):
    reviewer = client_for("reviewer")
    url = reverse("rectification:confirm", args=[finalised.pk])
    node = reviewer.get(url).context["formset"].forms[0].initial["node"]
    answer = reviewer.post(
        url,
        {
            "form-TOTAL_FORMS": "1",
            "form-INITIAL_FORMS": "1",
            "form-0-include": "on",
            "form-0-node": str(node),
            "form-0-source": "review_adjust",
            "form-0-problem": "问题",
            "form-0-action": "要求",
            "form-0-due_date": "2000-01-01",
        },
    )
    assert answer.status_code == 400
    assert "整改期限不能早于今天" in answer.content.decode()
    assert not RectificationItem.objects.exists()


def test_cio_plans_and_reviewer_approves_through_the_pages(client_for, item, django_assert_max_num_queries):
    cio, reviewer = client_for("cio"), client_for("reviewer")
    with django_assert_max_num_queries(12):
        listing = cio.get(reverse("rectification:due-list"))
    assert item.node.code in listing.content.decode()
    step = reverse("rectification:item-step", args=[item.pk, "plan"])
    assert cio.post(step, {"version": item.version, "plan": "", "responsible": "李老师"}).status_code == 400
    assert (
        cio.post(step, {"version": item.version, "plan": "采购设备", "responsible": "李老师"}).status_code
        == 302
    )
    stale = cio.post(step, {"version": item.version, "plan": "再来一次", "responsible": "李老师"})
    assert stale.status_code == 409
    with django_assert_max_num_queries(12):
        queue = reviewer.get(reverse("rectification:review-queue"))
    assert "整改方案待审核" in queue.content.decode()
    item.refresh_from_db()
    approve = reviewer.post(
        reverse("rectification:item-step", args=[item.pk, "approve"]),
        {"version": item.version, "comment": ""},
    )
    assert approve.status_code == 302
    item.refresh_from_db()
    assert item.state == RectificationState.IN_PROGRESS
    detail = cio.get(reverse("rectification:item", args=[item.pk])).content.decode()
    assert "报告整改完成" in detail and "采购设备" in detail


def test_the_commissions_dashboard_counts_follow_the_items(world, client_for, campaign, item):
    from rectification import services

    commission = client_for("commission")
    url = reverse("reports:dashboard") + f"?campaign={campaign.pk}"

    def counts():
        card = commission.get(url).context["rectification"]
        (district,) = card.by_district
        return district.district, district.open, district.verified, district.waived

    assert counts() == ("甲一区", 1, 0, 0)
    services.rectification_waive(
        item=item, acting_user=world.users["reviewer"], version=item.version, reason="理由"
    )
    assert counts() == ("甲一区", 0, 0, 1)
    other = client_for("other_commission").get(url)
    assert other.status_code == 404


def test_the_queue_offers_finalised_schools_to_confirm(client_for, finalised):
    queue = client_for("reviewer").get(reverse("rectification:review-queue"))
    assert reverse("rectification:confirm", args=[finalised.pk]) in queue.content.decode()
    assert "整改审核" in queue.content.decode()
