"""Review pages and API: scope (404 outside), conflict of interest explained, autosave with version
check, 409 on stale verdicts, notifications (in-app + e-mail) and reminders, constant query counts."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from assessments import services
from assessments.models import Assessment, Notification, Role, School
from assessments.scoping import clear_scope_cache

from ..factories import MembershipFactory, SchoolFactory, UserFactory, fill_and_submit, small_points_framework
from .conftest import make_campaign, response


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("reviewer", 200),
        ("other_reviewer", 404),
        ("cio", 404),
        ("other_cio", 404),
        ("commission", 200),
        ("other_commission", 404),
    ],
)
def test_review_pages_are_404_outside_scope(client_for, submitted, role, expected):
    client = client_for(role)
    assert client.get(reverse("assessments:review-summary", args=[submitted.pk])).status_code == expected
    assert client.get(reverse("assessments:review-item", args=[submitted.pk, "1.1"])).status_code == expected
    api = client.get(f"/api/reviews/{submitted.pk}/")
    assert api.status_code == expected


def test_queue_page_lists_only_the_district_with_counts(client_for, submitted, world):
    html = client_for("reviewer").get(reverse("assessments:review-queue")).content.decode()
    assert world.school_a1.name in html and world.school_a2.name not in html
    assert 'data-testid="pending">4<' in html
    assert client_for("cio").get(reverse("assessments:review-queue")).status_code == 404
    api = client_for("other_reviewer").get("/api/reviews/").json()
    assert api["count"] == 0


def test_queue_rows_show_a_change_at_once_and_buttons_per_user(client, client_for, submitted, world):
    """The queue's rows are cached per content: a status change or a verdict shows on the next
    visit, and the cached cells never carry one user's button to another."""
    queue = reverse("assessments:review-queue")
    reviewer = client_for("reviewer")
    region = world.users["reviewer"].memberships.get().region
    conflicted = MembershipFactory(user=UserFactory(), role=Role.REVIEWER, region=region).user
    MembershipFactory(user=conflicted, role=Role.SCHOOL_CIO, school=world.school_a1)
    client.force_login(conflicted)

    def row(client) -> str:
        html = client.get(queue).content.decode()
        start = html.index('data-testid="queue-row"')
        return html[start : html.index("</tr>", start)]

    first = row(reviewer)
    assert "已提交" in first and 'data-testid="pending">4<' in first and "开始评审" in first
    other = row(client)  # the same cached cells, with this reviewer's own refusal instead of the button
    assert other.split("</td>")[:-2] == first.split("</td>")[:-2]
    assert "开始评审" not in other and "利益冲突" in other
    reviewer.post(reverse("assessments:review-start", args=[submitted.pk]))
    started = row(reviewer)
    assert "评审中" in started and "已提交" not in started and "继续评审" in started
    version = response(submitted, "1.1").version
    saved = reviewer.post(
        reverse("assessments:review-item-save", args=[submitted.pk, "1.1"]),
        {"version": version, "verdict": "accept"},
    )
    assert saved["X-Save-Status"] == "200"
    assert 'data-testid="pending">3<' in row(reviewer)
    assert 'data-testid="pending">3<' in row(client) and "利益冲突" in row(client)


def test_queue_filter_bar_and_counts_show_a_change_at_once(client_for, submitted, world):
    """The filter bar is cached per content: a renamed campaign shows in its choices on the next
    visit, a chosen filter stays selected, and the counts and total follow a status change."""
    queue = reverse("assessments:review-queue")
    reviewer = client_for("reviewer")
    page = reviewer.get(queue).content.decode()
    assert submitted.campaign.title in page
    assert 'data-testid="count-submitted">1<' in page
    submitted.campaign.title = "改名后的自评活动"
    submitted.campaign.save()
    page = reviewer.get(queue).content.decode()
    assert "改名后的自评活动" in page
    filtered = reviewer.get(queue, {"status": "submitted"}).content.decode()
    assert '<option value="submitted" selected>' in filtered
    assert filtered.count('data-testid="queue-row"') == 1
    reviewer.post(reverse("assessments:review-start", args=[submitted.pk]))
    page = reviewer.get(queue).content.decode()
    assert 'data-testid="count-submitted">0<' in page and 'data-testid="count-in_review">1<' in page
    assert reviewer.get(queue, {"status": "submitted"}).content.decode().count('data-testid="queue-row"') == 0


def test_conflict_of_interest_is_explained_on_the_queue_and_workbench(client_for, submitted, world):
    reviewer = world.users["reviewer"]
    MembershipFactory(user=reviewer, role=Role.SCHOOL_CIO, school=world.school_a1)
    clear_scope_cache(reviewer)
    client = client_for("reviewer")
    assert "利益冲突，不能评审" in client.get(reverse("assessments:review-queue")).content.decode()
    page = client.get(reverse("assessments:review-item", args=[submitted.pk, "1.1"])).content.decode()
    assert "存在利益冲突" in page
    r = client.post(
        reverse("assessments:review-item-save", args=[submitted.pk, "1.1"]),
        {"version": 2, "verdict": "accept"},
    )
    assert r["X-Save-Status"] == "409" and "利益冲突" in r.content.decode()
    api = client.patch(
        f"/api/review-items/{response(submitted, '1.1').pk}/",
        {"version": 2, "verdict": "accept"},
        content_type="application/json",
    )
    assert api.status_code == 409 and api.json()["error"]["code"] == "conflict_of_interest"
    assert "利益冲突" in api.json()["error"]["message"]


def test_autosave_saves_then_a_stale_version_gets_a_conflict_and_keeps_the_first(client_for, submitted):
    client = client_for("reviewer")
    url = reverse("assessments:review-item-save", args=[submitted.pk, "1.1"])
    version = response(submitted, "1.1").version
    ok = client.post(url, {"version": version, "verdict": "adjust", "score": "2", "comment": "偏高"})
    assert ok["X-Save-Status"] == "200" and "已保存" in ok.content.decode()
    stale = client.post(url, {"version": version, "verdict": "accept"})
    assert stale["X-Save-Status"] == "409" and "您的修改未保存" in stale.content.decode()
    r = response(submitted, "1.1")
    assert (r.review_verdict, str(r.review_score)) == ("adjust", "2.0")
    bad = client.post(url, {"version": r.version, "verdict": "adjust", "score": "9", "comment": "x"})
    assert bad["X-Save-Status"] == "400" and "最高 4 分" in bad.content.decode()


def test_api_verdict_patch_409_and_actions(client_for, submitted, world):
    client = client_for("reviewer")
    rid = response(submitted, "1.1").pk
    version = response(submitted, "1.1").version
    ok = client.patch(
        f"/api/review-items/{rid}/",
        {"version": version, "verdict": "more_evidence", "comment": "缺材料"},
        content_type="application/json",
    )
    assert ok.status_code == 200 and ok.json()["review_verdict"] == "more_evidence"
    stale = client.patch(
        f"/api/review-items/{rid}/",
        {"version": version, "verdict": "accept"},
        content_type="application/json",
    )
    assert stale.status_code == 409 and stale.json()["error"]["current"]["review_verdict"] == "more_evidence"
    no_comment = client.patch(
        f"/api/review-items/{rid}/",
        {"version": version + 1, "verdict": "adjust", "score": "1"},
        content_type="application/json",
    )
    assert no_comment.status_code == 400 and "评审意见" in no_comment.json()["error"]["message"]
    incomplete = client.post(f"/api/reviews/{submitted.pk}/finalise/")
    assert incomplete.status_code == 400 and incomplete.json()["error"]["pending"] == [
        "1.1",
        "1.2",
        "2.1",
        "2.2",
    ]
    returned = client.post(f"/api/reviews/{submitted.pk}/return/", {}, content_type="application/json")
    assert returned.status_code == 200 and returned.json()["status"] == "returned"
    assert client_for("other_reviewer").post(f"/api/reviews/{submitted.pk}/finalise/").status_code == 404


def test_finalise_and_reopen_through_the_api(client_for, submitted, world):
    for r in submitted.responses.all():
        services.verdict_save(
            response=r, acting_user=world.users["reviewer"], version=r.version, verdict="accept"
        )
    url = f"/api/reviews/{submitted.pk}/finalise/"
    missing = client_for("reviewer").post(url)
    assert missing.status_code == 400 and missing.json()["error"]["code"] == "conclusion_required"
    assert "conclusion" in missing.json()["error"]["fields"]
    done = client_for("reviewer").post(url, {"conclusion": "基础设施完善，应用尚需深化。"})
    assert done.json()["status"] == "finalised"
    submitted.refresh_from_db()
    assert submitted.review_conclusion == "基础设施完善，应用尚需深化。"
    assert (
        client_for("reviewer").post(f"/api/reviews/{submitted.pk}/reopen/", {"reason": "x"}).status_code
        == 404
    )
    r = client_for("commission").post(f"/api/reviews/{submitted.pk}/reopen/", {"reason": "分数有误"})
    assert r.status_code == 200 and r.json()["status"] == "in_review"


def test_notifications_in_app_and_by_email(
    client_for, world, points_assessment, django_capture_on_commit_callbacks
):
    world.users["reviewer"].email = "reviewer@example.cn"
    world.users["reviewer"].save()
    with django_capture_on_commit_callbacks(execute=True):
        fill_and_submit(points_assessment, world.users["cio"])
    assert list(Notification.objects.filter(kind="submitted").values_list("user__username", flat=True)) == [
        "reviewer"
    ]
    assert len(mail.outbox) == 1 and "提交了自评" in mail.outbox[0].subject
    client = client_for("reviewer")
    assert ">1<" in client.get(reverse("assessments:notification-unread")).content.decode()
    assert "提交了自评" in client.get(reverse("assessments:notification-list")).content.decode()
    assert Notification.objects.get(kind="submitted").read_at is not None  # showing the list marks read
    assert (
        'data-testid="unread-none"' in client.get(reverse("assessments:notification-unread")).content.decode()
    )


def test_deadline_reminders_are_sent_once_per_day(world):
    campaign = make_campaign(world, small_points_framework(), days=2)
    a2 = Assessment.objects.get(campaign=campaign, school=world.school_a2)
    fill_and_submit(a2, world.users["other_cio"])
    campaign.review_deadline = timezone.now() + datetime.timedelta(days=2)
    campaign.save()
    first = services.deadline_reminders_send()
    assert services.deadline_reminders_send() == 0  # the same day again: nothing new
    users = set(Notification.objects.filter(kind="reminder").values_list("user__username", flat=True))
    assert users == {"cio", "other_reviewer"}  # a1 is a draft (a1b has no CIO); a2 waits for review
    assert first == 2
    later = services.deadline_reminders_send(now=timezone.now() + datetime.timedelta(days=1))
    assert later == 2  # the next day is a new reminder


def test_queue_and_workbench_query_counts_do_not_grow(world, client_for, django_assert_max_num_queries):
    from django.core.management import call_command

    from indicators.models import Framework

    call_command("load_frameworks", stdout=None)
    counts = {}
    for label, framework, extra in (("small", small_points_framework(), 0), ("large", None, 30)):
        for i in range(extra):
            SchoolFactory(code=f"Q{i:03d}", region=world.district_a1)
        framework = framework or Framework.objects.get(code="beijing-k12")
        schools = School.objects.filter(region=world.district_a1).select_related("region")
        campaign = make_campaign(world, framework, schools=schools, title=label)
        for a in Assessment.objects.filter(campaign=campaign).select_related("campaign__framework"):
            cio = MembershipFactory(user=UserFactory(), role=Role.SCHOOL_CIO, school=a.school).user
            fill_and_submit(a, cio) if label == "small" or a.school.code.startswith("Q00") else None
            a.responses.update(self_score=1)
            Assessment.objects.filter(pk=a.pk).update(status="submitted")
        a = Assessment.objects.get(campaign=campaign, school=world.school_a1)
        client = client_for("reviewer")
        code = a.responses.select_related("node").order_by("node__position").first().node.code
        for name, args in (
            ("assessments:review-queue", []),
            ("assessments:review-summary", [a.pk]),
            ("assessments:review-item", [a.pk, code]),
        ):
            with django_assert_max_num_queries(14) as ctx:
                assert client.get(reverse(name, args=args)).status_code == 200
            counts[(label, name)] = len(ctx)
        with django_assert_max_num_queries(8) as ctx:
            assert client.get("/api/reviews/").status_code == 200
        counts[(label, "api")] = len(ctx)
    print("review query counts:", counts)  # noqa: T201
    for name in ("assessments:review-queue", "assessments:review-summary", "assessments:review-item", "api"):
        assert counts[("small", name)] == counts[("large", name)], counts
