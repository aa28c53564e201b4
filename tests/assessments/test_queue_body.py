"""The reviewer queue's body is kept whole per exact content (assessments/views/queue_rows.py): what a
reviewer sees after a change is what a fresh render shows, the CSRF token is each request's own,
and the claim flags are read from the cache exactly as the selector keeps them."""

from __future__ import annotations

import re

from django.conf import settings
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from assessments import selectors, services
from assessments.freshness import campaign_data_changed
from assessments.models import Assessment, AssessmentStatus
from assessments.selectors.reviews import QUEUE_PAGE_COLUMNS, queue_row_instances, review_queue_raw_rows
from assessments.views import queue_rows
from indicators.models import Rule

from ..factories import fill_and_submit
from .conftest import make_campaign, response
from .facts_support import answer_all, record_facts, ruled_campaign

QUEUE = "assessments:review-queue"
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([A-Za-z0-9]+)"')


def rows_of(html: str) -> list[str]:
    return re.findall(r'<tr data-testid="queue-row">.*?</tr>', html, flags=re.S)


def test_the_start_button_carries_the_requests_own_token(world, submitted):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.users["reviewer"])
    first = client.get(reverse(QUEUE)).content.decode()
    again = client.get(reverse(QUEUE)).content.decode()  # the kept body
    assert "<csrf-token>" not in first and "<csrf-token>" not in again
    assert rows_of(again) and TOKEN.search(rows_of(again)[0])
    started = client.post(
        reverse("assessments:review-start", args=[submitted.pk]),
        {"csrfmiddlewaretoken": TOKEN.search(rows_of(again)[0]).group(1)},
    )
    assert started.status_code == 302
    assert "评审中" in rows_of(client.get(reverse(QUEUE)).content.decode())[0]


def test_the_body_follows_the_language_the_page_and_the_campaign(client_for, submitted):
    reviewer = client_for("reviewer")
    chinese = reviewer.get(reverse(QUEUE)).content.decode()
    reviewer.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = reviewer.get(reverse(QUEUE)).content.decode()
    assert "开始评审" in chinese and "开始评审" not in english and "Review queue" in english
    reviewer.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    assert reviewer.get(reverse(QUEUE)).content.decode().count("开始评审") == chinese.count("开始评审")
    campaign = submitted.campaign
    campaign.review_deadline = campaign.review_deadline.replace(year=2001)
    campaign.save()
    overdue = rows_of(reviewer.get(reverse(QUEUE)).content.decode())[0]
    assert "2001-" in overdue and "text-danger" in overdue
    assert "text-danger" not in rows_of(chinese)[0]


def test_a_claim_flag_change_shows_at_once(world, client_for):
    campaign = ruled_campaign(world)
    assessment = Assessment.objects.get(campaign=campaign, school=world.school_a1)
    cio = world.users["cio"]
    record_facts(assessment, cio, uplink_mbps="500")
    answer_all(assessment, cio)
    r = response(assessment, "1.1")
    services.response_update(response=r, acting_user=cio, version=r.version, self_score=str(r.node.points))
    Assessment.objects.filter(pk=assessment.pk).update(status=AssessmentStatus.SUBMITTED)
    reviewer = client_for("reviewer")
    assert 'data-testid="claim-badge"' in reviewer.get(reverse(QUEUE)).content.decode()
    Rule.objects.filter(code="gigabit").delete()
    cache.clear()  # the kept flags expire (a change of the rules shows within their time to live)
    assert 'data-testid="claim-badge"' not in reviewer.get(reverse(QUEUE)).content.decode()


def test_claim_flags_are_read_as_the_selector_keeps_them_and_never_past_a_version_bump(
    world, submitted, monkeypatch
):
    reviewer = world.users["reviewer"]
    rows = review_queue_raw_rows(user=reviewer, limit=50, columns=QUEUE_PAGE_COLUMNS)
    assert rows
    kept = selectors.fact_claim_flags(assessments=queue_row_instances(rows, QUEUE_PAGE_COLUMNS))
    assert queue_rows._cached_claim_flags(rows) == kept
    read = []
    monkeypatch.setattr(
        queue_rows, "_get_many", lambda keys, real=queue_rows._get_many: read.append(keys) or real(keys)
    )
    assert queue_rows._cached_claim_flags(rows) == kept
    assert read == [[queue_rows.campaign_version_key(submitted.campaign_id)]], (
        "kept flags: only the version is read"
    )
    monkeypatch.setattr(queue_rows, "FLAGS_KEPT_SECONDS", 0)
    assert queue_rows._cached_claim_flags(rows) == kept
    assert len(read) == 3 and read[2][0].startswith(f"fact-claims:{submitted.pk}:"), "read again once old"
    campaign_data_changed(submitted.campaign_id)
    assert queue_rows._cached_claim_flags(rows) is None  # not yet kept under the new version
    assert queue_rows.QueuePage(rows).flags == kept
    assert queue_rows._cached_claim_flags(rows) == kept


def test_narrow_rows_make_the_same_instances_as_the_full_rows(world, submitted):
    reviewer = world.users["reviewer"]
    (full,) = selectors.review_queue_rows(user=reviewer, limit=50)
    narrow = review_queue_raw_rows(user=reviewer, limit=50, columns=QUEUE_PAGE_COLUMNS)
    (a,) = queue_row_instances(narrow, QUEUE_PAGE_COLUMNS)
    for name in ("pk", "status", "version", "submitted_at", "item_total", "item_pending", "school_id"):
        assert getattr(a, name) == getattr(full, name)
    assert (a.school.name, a.school.school_type, a.school.region.path) == (
        full.school.name,
        full.school.school_type,
        full.school.region.path,
    )
    assert (a.campaign.title, a.campaign.review_deadline, a.campaign.framework_id) == (
        full.campaign.title,
        full.campaign.review_deadline,
        full.campaign.framework_id,
    )


def test_the_filter_bar_follows_a_renamed_district_and_a_new_campaign(world, client_for, submitted):
    reviewer = client_for("reviewer")
    page = reviewer.get(reverse(QUEUE), {"district": world.district_a1.code}).content.decode()
    assert f'<option value="{world.district_a1.code}" selected>{world.district_a1.name}</option>' in page
    world.district_a1.name = "改名后的区"
    world.district_a1.save()
    page = reviewer.get(reverse(QUEUE), {"district": world.district_a1.code}).content.decode()
    assert f'<option value="{world.district_a1.code}" selected>改名后的区</option>' in page
    assert "改名后的区" in rows_of(page)[0]
    fill_and_submit(
        Assessment.objects.get(
            campaign=make_campaign(world, submitted.campaign.framework, title="第二个活动"),
            school=world.school_a1,
        ),
        world.users["cio"],
    )
    page = reviewer.get(reverse(QUEUE)).content.decode()
    assert "第二个活动" in page and 'data-testid="count-submitted">2<' in page
    assert len(rows_of(page)) == 2
