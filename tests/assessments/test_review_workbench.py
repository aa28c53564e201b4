"""What the review workbench shows and refuses: round 2 starts every returned item empty with the
previous round's comment as context, the live comparison uses the same items on both sides, the
school's changes since the return are shown, finalising needs every verdict and an overall
conclusion, and reviewers are assigned through a picker of eligible people only."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from assessments import selectors, services
from assessments.models import ReviewAssignment, Role
from assessments.selectors import review_workbench
from evidence.services import evidence_attach, evidence_upload
from smartcampus.errors import Invalid
from tests.factories import MembershipFactory, RegionFactory, UserFactory
from tests.html import document, field_errors, text
from tests.samples import image_bytes

from .conftest import response


def verdict(resp, user, verdict="accept", **kw):
    resp.refresh_from_db()
    return services.verdict_save(response=resp, acting_user=user, version=resp.version, verdict=verdict, **kw)


@pytest.fixture
def round_two(world, submitted, settings, tmp_path):
    """Round 1: 1.1 accepted, 1.2 "more evidence", 2.1 adjusted, 2.2 accepted; returned; the school
    changes 1.2's score and statement and attaches a file to it, then resubmits."""
    settings.MEDIA_ROOT = tmp_path / "media"
    reviewer, cio = world.users["reviewer"], world.users["cio"]
    verdict(response(submitted, "1.1"), reviewer)
    verdict(response(submitted, "1.2"), reviewer, "more_evidence", comment="请补充创新教室的照片")
    verdict(response(submitted, "2.1"), reviewer, "adjust", score="3", comment="按实际调整")
    verdict(response(submitted, "2.2"), reviewer)
    services.review_return(assessment=submitted, acting_user=reviewer)
    r = response(submitted, "1.2")
    services.response_update(
        response=r, acting_user=cio, version=r.version, self_score="2", statement="已补充照片"
    )
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("创新教室.png", image_bytes("PNG"), content_type="image/png")
    file = evidence_upload(school=world.school_a1, uploaded_file=upload, acting_user=cio).evidence_file
    evidence_attach(response=response(submitted, "1.2"), evidence_file=file, acting_user=cio)
    services.assessment_submit(assessment=submitted, acting_user=cio)
    submitted.refresh_from_db()
    return submitted


def test_round_two_starts_the_returned_item_empty_with_the_previous_comment_as_context(
    world, client_for, round_two
):
    client = client_for("reviewer")
    html = client.get(reverse("assessments:review-item", args=[round_two.pk, "1.2"])).content
    doc = document(html)
    assert doc.xpath("//textarea[@id='comment']")[0].text_content().strip() == ""
    assert not doc.xpath("//input[@name='verdict'][@checked]")
    assert "请补充创新教室的照片" in text(html, "previous-round")
    # pressing A (accept, with the empty box) stores no stale request
    r = response(round_two, "1.2")
    client.post(
        reverse("assessments:review-item-save", args=[round_two.pk, "1.2"]),
        {"version": r.version, "verdict": "accept", "comment": ""},
    )
    r.refresh_from_db()
    assert (r.review_verdict, r.review_comment, r.review_score) == ("accept", "", Decimal("2"))
    # an item accepted in round 1 keeps its verdict and shows no "previous round" box
    html = client.get(reverse("assessments:review-item", args=[round_two.pk, "2.1"])).content
    assert document(html).xpath("//textarea[@id='comment']")[0].text_content() == "按实际调整"
    assert not text(html, "previous-round")


def test_round_two_shows_what_the_school_changed_since_the_return(world, client_for, round_two):
    client = client_for("reviewer")
    html = client.get(reverse("assessments:review-item", args=[round_two.pk, "1.2"])).content
    changes = text(html, "changes-since-return")
    assert "自评分" in changes and "1 → 2" in changes.replace("  ", " ")
    assert "自评说明" in changes and "已补充照片" in changes
    assert "新增佐证" in changes and "创新教室.png" in changes
    summary = client.get(reverse("assessments:review-summary", args=[round_two.pk])).content
    listed = text(summary, "round-changes")
    assert "1.2" in listed and "自评分" in listed and "佐证 1 处变化" in listed
    assert "2.1" not in listed  # not sent back


def test_a_return_in_round_two_does_not_resend_an_earlier_request(world, round_two):
    reviewer = world.users["reviewer"]
    verdict(response(round_two, "1.1"), reviewer, "adjust", score="3", comment="重新核对")
    # 1.2 still carries round 1's "more evidence": returning now must not send it back with that text
    with pytest.raises(Invalid, match="没有需要学校修改的条目"):
        services.review_return(assessment=round_two, acting_user=reviewer)
    with pytest.raises(Invalid, match="请为勾选的条目填写退回原因：1.2"):
        services.review_return(
            assessment=round_two, acting_user=reviewer, reasons={response(round_two, "1.2").pk: ""}
        )


def test_the_live_panel_compares_the_reviewed_items_with_the_same_items_self_values(
    world, client_for, submitted
):
    reviewer = world.users["reviewer"]
    verdict(response(submitted, "1.1"), reviewer, "adjust", score="0.5", comment="扣分")
    rw = review_workbench(assessment=submitted, user=reviewer)
    assert rw.ws.result.total == Decimal(4)  # four items of 1 point each
    assert (rw.same_items.reviewed, rw.same_items.self_value, rw.same_items.review_value) == (
        1,
        Decimal(1),
        Decimal("0.5"),
    )
    assert rw.review_total is None  # no partial total beside the full self total
    html = client_for("reviewer").get(reverse("assessments:review-summary", args=[submitted.pk])).content
    assert text(html, "self-total") == "1" and text(html, "review-total") == "0.5"
    assert "已评审的 1 项" in text(html, "compare-scope")
    rows = {r.code: r for r in rw.dimension_rows}
    assert (rows["1"].reviewed, rows["1"].total, rows["1"].self_value, rows["1"].review_value) == (
        1,
        2,
        Decimal(1),
        Decimal("0.5"),
    )
    for code in ("1.2", "2.1", "2.2"):
        verdict(response(submitted, code), reviewer)
    rw = review_workbench(assessment=submitted, user=reviewer)
    assert (rw.self_total, rw.review_total, rw.total_gap) == (Decimal(4), Decimal("3.5"), Decimal("-0.5"))


def test_the_live_panel_of_a_compliance_review_uses_percentages_of_the_reviewed_items(
    world, client_for, compliance_campaign
):
    from assessments.models import Assessment

    from ..factories import fill_and_submit

    a = fill_and_submit(
        Assessment.objects.get(campaign=compliance_campaign, school=world.school_a1), world.users["cio"]
    )
    reviewer = world.users["reviewer"]
    verdict(response(a, "1.1"), reviewer, "adjust", status="partial", comment="部分达标")
    rw = review_workbench(assessment=a, user=reviewer)
    assert (rw.same_items.self_value, rw.same_items.review_value) == (Decimal("100.0"), Decimal("50.0"))
    # the page gives the index's gap in percentage points and an item's as a step between statuses
    html = client_for("reviewer").get(reverse("assessments:review-summary", args=[a.pk])).content
    doc = document(html)
    assert "-50 个百分点" in " ".join(doc.xpath("//*[@id='review-live']")[0].text_content().split())
    item_row = doc.xpath("//table[@data-testid='review-items']//tr[.//a[contains(., '1.1')]]")[0]
    assert item_row.xpath("./td")[-1].text_content().strip() == "下调"
    assert "差值（百分点）" in doc.xpath("//table[@data-testid='dimension-gaps']//th")[-1].text_content()


def test_finalising_is_disabled_while_items_are_pending_and_needs_a_conclusion(world, client_for, submitted):
    reviewer = world.users["reviewer"]
    client = client_for("reviewer")
    verdict(response(submitted, "1.1"), reviewer)
    html = client.get(reverse("assessments:review-summary", args=[submitted.pk])).content
    button = document(html).xpath("//button[@data-testid='finalise']")[0]
    assert button.get("disabled") is not None
    pending = text(html, "pending")
    assert "还有 3 个条目" in pending and "1.2" in pending and "2.2" in pending and "1.1" not in pending
    for code in ("1.2", "2.1", "2.2"):
        verdict(response(submitted, code), reviewer)
    html = client.get(reverse("assessments:review-summary", args=[submitted.pk])).content
    assert document(html).xpath("//button[@data-testid='finalise']")[0].get("disabled") is None
    url = reverse("assessments:review-finalise", args=[submitted.pk])
    r = client.post(url, {"conclusion": "  "})
    assert r.status_code == 400 and "请填写总体评审意见" in field_errors(r.content)["conclusion"][0]
    submitted.refresh_from_db()
    assert submitted.status == "in_review"
    r = client.post(url, {"conclusion": "网络与安全达标；应用深度不足，建议加强教研数据应用。"})
    assert r.status_code == 302
    submitted.refresh_from_db()
    assert submitted.status == "finalised" and submitted.review_conclusion.startswith("网络与安全达标")
    for role in ("reviewer", "commission"):
        html = client_for(role).get(reverse("assessments:review-summary", args=[submitted.pk])).content
        assert "应用深度不足" in text(html, "conclusion")


@pytest.fixture
def people(world):
    """A reviewer of the whole city, one of another city, an expert without a role, the school's CIO."""
    city_reviewer = MembershipFactory(
        user=UserFactory(username="city_reviewer", first_name="市级专家"),
        role=Role.REVIEWER,
        region=world.city_a,
    ).user
    far = RegionFactory(code="999999", name="远方市", level="city")
    far_reviewer = MembershipFactory(
        user=UserFactory(username="far_reviewer"), role=Role.REVIEWER, region=far
    ).user
    expert = UserFactory(username="expert", first_name="高校专家")
    return {"city": city_reviewer, "far": far_reviewer, "expert": expert}


def test_the_picker_offers_eligible_reviewers_only_and_searches(world, client_for, submitted, people):
    commission = world.users["commission"]
    candidates = selectors.reviewer_candidate_list(user=commission, assessment=submitted)
    names = set(candidates.values_list("username", flat=True))
    assert {"reviewer", "other_reviewer", "city_reviewer", "expert"} <= names
    assert not names & {"far_reviewer", "cio", "commission", "other_commission"}
    assert not selectors.reviewer_candidate_list(user=world.users["other_commission"], assessment=submitted)
    url = reverse("assessments:review-reviewers", args=[submitted.pk])
    html = client_for("commission").get(url, {"q": "市级"}).content
    assert [e.get("value") for e in document(html).xpath("//input[@name='reviewer']")] == [
        str(people["city"].pk)
    ]
    html = client_for("commission").get(reverse("assessments:review-summary", args=[submitted.pk])).content
    assert document(html).xpath("//*[@data-testid='candidate-expert']")


def test_assigning_through_the_picker_and_refusals(world, client_for, submitted, people):
    client = client_for("commission")
    url = reverse("assessments:review-assign", args=[submitted.pk])
    r = client.post(url, {"reviewer": people["expert"].pk, "lead": "on"})
    assert r.url == reverse("assessments:review-summary", args=[submitted.pk])
    assignment = ReviewAssignment.objects.get(assessment=submitted)
    assert (assignment.reviewer, assignment.lead) == (people["expert"], True)
    # another city's reviewer is no candidate: the page says to pick from the list, beside the picker
    r = client.post(url, {"reviewer": people["far"].pk})
    assert r.status_code == 400 and "请从列表中选择" in text(r.content, "form-errors")
    # the school's own CIO: refused with the reason
    r = client.post(url, {"reviewer": world.users["cio"].pk})
    assert r.status_code == 400 and "利益冲突" in text(r.content, "form-errors")
    with pytest.raises(Invalid) as exc:
        services.review_assign(
            assessment=submitted, reviewer=people["far"], acting_user=world.users["commission"]
        )
    assert exc.value.code == "not_eligible"


def test_the_api_lists_candidates_and_assigns_among_them(world, client_for, submitted, people):
    client = client_for("commission")
    listed = client.get(f"/api/reviews/{submitted.pk}/reviewers/", {"q": "专家"}).json()
    rows = listed["results"] if isinstance(listed, dict) else listed
    assert {r["username"] for r in rows} == {"city_reviewer", "expert"}
    r = client.post(f"/api/reviews/{submitted.pk}/assign/", {"reviewer": people["far"].pk})
    assert r.status_code == 400 and r.json()["error"]["fields"]["reviewer"]
    r = client.post(f"/api/reviews/{submitted.pk}/assign/", {"reviewer": people["city"].pk, "lead": True})
    assert r.status_code == 200
    assert ReviewAssignment.objects.get(assessment=submitted).reviewer == people["city"]
    assert client_for("reviewer").get(f"/api/reviews/{submitted.pk}/reviewers/").status_code == 404


def test_the_workbench_shows_every_change_at_once(world, client_for, submitted):
    """The panels rendered once per content (header, item card, the school's answer, the verdict
    card) show a write the moment it is made, bulk updates included."""
    from assessments.models import ItemResponse, Region

    client = client_for("reviewer")
    url = reverse("assessments:review-item", args=[submitted.pk, "1.1"])
    html = client.get(url).content
    assert "甲市甲一区" in html.decode()
    assert text(html, "review-save-state") == "尚未评审"
    ItemResponse.objects.filter(assessment=submitted, node__code="1.1").update(
        statement="改过的说明", self_score=Decimal("1.5")
    )
    Region.objects.filter(pk=world.district_a1.parent_id).update(name="丙市")
    html = client.get(url).content
    assert text(html, "statement") == "改过的说明"
    assert text(html, "self-value") == "1.5"
    assert "丙市甲一区" in html.decode() and "甲市甲一区" not in html.decode()
    verdict(response(submitted, "1.1"), world.users["reviewer"], "adjust", score="1", comment="偏高")
    html = client.get(url).content
    doc = document(html)
    assert text(html, "review-save-state").startswith("已保存")
    assert doc.xpath("//input[@name='verdict'][@value='adjust']/@checked")
    assert doc.xpath("//textarea[@id='comment']")[0].text_content() == "偏高"
