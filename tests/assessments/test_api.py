import datetime
import json

import pytest
from django.core.paginator import InvalidPage
from django.utils import timezone
from rest_framework.renderers import JSONRenderer

from assessments import selectors, services
from assessments.api.campaigns import AssessmentSerializer, CampaignSerializer, ItemResponseSerializer
from assessments.api.reviews import ReviewItemSerializer, ReviewQueueSerializer
from assessments.models import Assessment
from assessments.scoping import Action
from indicators.models import Node
from smartcampus.api import RowsFirstPaginator

from ..factories import small_points_framework


def patch(client, pk, **data):
    return client.patch(f"/api/responses/{pk}/", data, content_type="application/json")


def resp_id(assessment, code):
    return assessment.responses.get(node__code=code).pk


def test_campaign_list_and_create_for_commission(world, client_for):
    framework = small_points_framework()
    client = client_for("commission")
    payload = {
        "framework": framework.pk,
        "year": 2026,
        "title": "接口创建的活动",
        "region": world.city_a.pk,
        "self_deadline": "2026-12-31T23:59:59+08:00",
        "review_deadline": "2027-01-31T23:59:59+08:00",
        "schools": [world.school_a1.pk, world.school_a2.pk],
    }
    r = client.post("/api/campaigns/", payload, content_type="application/json")
    assert r.status_code == 201, r.content
    assert Assessment.objects.filter(campaign_id=r.json()["id"]).count() == 2
    assert [c["title"] for c in client.get("/api/campaigns/").json()["results"]] == ["接口创建的活动"]
    assert client_for("other_commission").get("/api/campaigns/").json()["results"] == []
    assert client_for("cio").get("/api/campaigns/").json()["count"] == 1  # a1 takes part
    # another city's staff: the region and the schools are ids outside their scope, answered like
    # ids that do not exist, and the answer names nothing of city A
    r = client_for("other_commission").post("/api/campaigns/", payload, content_type="application/json")
    assert r.status_code == 400 and set(r.json()["error"]["fields"]) == {"region", "schools"}
    assert "甲市" not in r.content.decode() and world.school_a1.name not in r.content.decode()


def test_campaign_schools_outside_scope_are_answered_like_missing_ones(world, client_for):
    """Another city's school id gets the very error of an id that does not exist; its name never appears."""
    framework = small_points_framework()
    client = client_for("commission")
    payload = {
        "framework": framework.pk,
        "year": 2026,
        "title": "越权的学校",
        "region": world.city_a.pk,
        "self_deadline": "2026-12-31T23:59:59+08:00",
        "review_deadline": "2027-01-31T23:59:59+08:00",
    }
    missing_id = (
        max(s.pk for s in (world.school_a1, world.school_b1, world.school_a2, world.school_a1b)) + 100
    )
    other_city = client.post(
        "/api/campaigns/", {**payload, "schools": [world.school_b1.pk]}, content_type="application/json"
    )
    missing = client.post(
        "/api/campaigns/", {**payload, "schools": [missing_id]}, content_type="application/json"
    )
    assert other_city.status_code == missing.status_code == 400
    assert other_city.json()["error"]["code"] == missing.json()["error"]["code"] == "invalid"
    assert other_city.json()["error"]["fields"]["schools"] == [
        m.replace(str(missing_id), str(world.school_b1.pk))
        for m in missing.json()["error"]["fields"]["schools"]
    ]
    body = other_city.content.decode()
    assert world.school_b1.name not in body and "乙" not in body


@pytest.mark.parametrize(
    ("role", "count"),
    [
        ("anonymous", None),
        ("cio", 1),
        ("other_cio", 1),
        ("reviewer", 2),
        ("other_reviewer", 1),
        ("commission", 3),
        ("other_commission", 0),
    ],
)
def test_assessment_list_is_scoped(world, client_for, points_campaign, role, count):
    r = client_for(role).get("/api/assessments/")
    if count is None:
        assert r.status_code == 401 and r.json()["error"]["code"] == "not_authenticated"
    else:
        assert r.json()["count"] == count


def test_patch_response_saves_and_checks_version(world, client_for, points_assessment):
    client = client_for("cio")
    pk = resp_id(points_assessment, "1.1")
    r = patch(client, pk, version=1, self_score="3.5", statement="说明\n第二行")
    assert r.status_code == 200 and r.json()["self_score"] == "3.5" and r.json()["version"] == 2
    r = patch(client, pk, version=1, self_score="1")
    assert r.status_code == 409
    assert (
        "该条目已在其他窗口或由他人修改" in r.json()["error"]["message"]
        and r.json()["error"]["current"]["self_score"] == "3.5"
    )
    assert patch(client, pk, self_score="1").status_code == 400  # version is required


@pytest.mark.parametrize(
    ("value", "message"),
    [("4.5", "最高 4 分"), ("1.2", "0.5 的整数倍"), ("-1", "不能为负数"), ("x", "不是数字")],
)
def test_patch_invalid_score_is_400_in_chinese(world, client_for, points_assessment, value, message):
    r = patch(client_for("cio"), resp_id(points_assessment, "1.1"), version=1, self_score=value)
    assert r.status_code == 400 and message in r.json()["error"]["fields"]["self_score"][0]


def test_patch_na_on_required_item_is_400(world, client_for, compliance_assessment):
    client = client_for("cio")
    r = patch(client, resp_id(compliance_assessment, "1.1"), version=1, self_status="na")
    assert r.status_code == 400 and "不能选择“不适用”" in r.json()["error"]["fields"]["self_status"][0]
    assert (
        patch(client, resp_id(compliance_assessment, "1.2"), version=1, self_status="na").status_code == 200
    )


@pytest.mark.parametrize(("role", "expected"), [("other_cio", 404), ("reviewer", 404), ("commission", 404)])
def test_patch_by_others_is_refused(world, client_for, points_assessment, role, expected):
    assert (
        patch(client_for(role), resp_id(points_assessment, "1.1"), version=1, self_score="1").status_code
        == expected
    )


def test_submit_action_and_edits_after_submit_or_deadline(world, client_for, points_assessment):
    client = client_for("cio")
    url = f"/api/assessments/{points_assessment.pk}/submit/"
    r = client.post(url)
    assert r.status_code == 400 and r.json()["error"]["missing"] == ["1.1", "1.2", "2.1", "2.2"]
    for code in ("1.1", "1.2", "2.1", "2.2"):
        assert patch(client, resp_id(points_assessment, code), version=1, self_score="1").status_code == 200
    assert client.post(url).json()["status"] == "submitted"
    assert client.post(url).status_code == 200  # idempotent
    r = patch(client, resp_id(points_assessment, "1.1"), version=2, self_score="2")
    assert r.status_code == 409 and "已提交" in r.json()["error"]["message"]


def test_edit_after_deadline_is_409(world, client_for, points_assessment):
    campaign = points_assessment.campaign
    campaign.self_deadline = timezone.now() - datetime.timedelta(hours=1)
    campaign.save()
    r = patch(client_for("cio"), resp_id(points_assessment, "1.1"), version=1, self_score="2")
    assert (
        r.status_code == 409
        and r.json()["error"]["code"] == "deadline"
        and "已过" in r.json()["error"]["message"]
    )
    assert client_for("cio").post(f"/api/assessments/{points_assessment.pk}/submit/").status_code == 409


def test_response_list_per_assessment(world, client_for, points_assessment):
    r = client_for("reviewer").get(f"/api/responses/?assessment={points_assessment.pk}")
    assert [x["code"] for x in r.json()["results"]] == ["1.1", "1.2", "2.1", "2.2"]
    assert (
        client_for("other_reviewer").get(f"/api/responses/?assessment={points_assessment.pk}").json()["count"]
        == 0
    )


def test_submit_with_format_suffix_is_not_a_server_error(world, client_for, points_assessment):
    """Regression (permission matrix): /submit.json crashed with TypeError on the `format` kwarg."""
    r = client_for("cio").post(f"/api/assessments/{points_assessment.pk}/submit.json")
    assert r.status_code == 400 and r.json()["error"]["code"] == "incomplete"


@pytest.mark.parametrize("role", ["cio", "reviewer"])
def test_only_commission_staff_create_campaigns(world, client_for, role):
    """Creating campaigns is outside a CIO's or reviewer's scope: 404, like the page."""
    r = client_for(role).post("/api/campaigns/", {}, content_type="application/json")
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"


def _as_json(data):
    return json.loads(JSONRenderer().render(data))


def test_lists_show_what_the_serializers_show(world, client_for, submitted):
    """The lists are read as database rows, not model instances: each row must still be exactly
    what the serializer gives for the object (an extended deadline, an unnamed item, answered items
    and review results, a choice's label), in the same order."""
    Assessment.objects.filter(pk=submitted.pk).update(
        deadline_override=timezone.now() + datetime.timedelta(days=3, microseconds=1234)
    )
    first = submitted.responses.order_by("node__position").first()
    Node.objects.filter(pk=first.node_id).update(name="")
    services.review_start(assessment=submitted, acting_user=world.users["reviewer"])
    services.verdict_save(
        response=first,
        acting_user=world.users["reviewer"],
        version=first.version,
        verdict="adjust",
        score="1",
        comment="按佐证材料调整。",
    )
    reviewer, commission = world.users["reviewer"], world.users["commission"]
    items = ("assessment_id", "node__position")
    cases = [
        (
            commission,
            "/api/campaigns/",
            CampaignSerializer,
            selectors.campaign_list(user=commission).order_by("-year", "-created_at"),
        ),
        (
            commission,
            "/api/assessments/",
            AssessmentSerializer,
            selectors.assessment_list(user=commission).order_by("pk"),
        ),
        (
            reviewer,
            f"/api/responses/?assessment={submitted.pk}",
            ItemResponseSerializer,
            selectors.response_list(user=reviewer).filter(assessment=submitted).order_by(*items),
        ),
        (reviewer, "/api/reviews/", ReviewQueueSerializer, selectors.review_queue(user=reviewer)),
        (
            reviewer,
            f"/api/review-items/?assessment={submitted.pk}",
            ReviewItemSerializer,
            selectors.response_list(user=reviewer, action=Action.READ_REVIEW)
            .filter(assessment=submitted)
            .order_by(*items),
        ),
    ]
    for user, path, serializer, objects in cases:
        client = client_for("reviewer" if user == reviewer else "commission")
        body = client.get(path).json()
        expected = _as_json(serializer(objects, many=True).data)
        assert body["results"] == expected and body["count"] == len(expected) > 0, path
    deadlines = {
        row["id"]: row["deadline"]
        for row in client_for("commission").get("/api/assessments/").json()["results"]
    }
    assert (
        deadlines[submitted.pk]
        == _as_json(AssessmentSerializer(Assessment.objects.get(pk=submitted.pk)).data)["deadline"]
    )


def test_pages_count_exactly_and_count_only_full_pages(world, points_campaign, django_assert_num_queries):
    """The total is exact on every page; a page shorter than the page size is the last one and
    needs no COUNT query; a page past the end is still 404 (EmptyPage)."""
    rows = Assessment.objects.filter(campaign=points_campaign).order_by("pk")
    total = rows.count()
    assert total == 3
    with django_assert_num_queries(1):  # the rows only
        page = RowsFirstPaginator(rows.all(), 2).page(2)
    assert page.paginator.count == 3 and list(page) == list(rows.all())[2:] and not page.has_next()
    with django_assert_num_queries(2):  # a full page: the rows, then the count
        page = RowsFirstPaginator(rows.all(), 2).page(1)
    assert page.paginator.count == 3 and page.has_next()
    assert RowsFirstPaginator(rows.none(), 2).page(1).paginator.count == 0
    for number in (3, 0, "x", 1.5):
        with pytest.raises(InvalidPage):
            RowsFirstPaginator(rows, 2).page(number)
    assert RowsFirstPaginator(rows, 3).page("1").paginator.count == 3
