"""City acceptance and re-check in a real browser: the district finalises; the commission accepts
one school and sends another back; the commission draws a sample and assigns a city reviewer, who
re-scores one item; the deviation appears on the dashboard. Every page is screenshotted and any
console error or CSP violation fails the test (`journey`, tests/browser/conftest.py)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from assessments import services
from assessments.models import Acceptance, Assessment, Membership, Role, Sample

from ..assessments.conftest import make_campaign
from ..factories import PASSWORD, UserFactory, fill_and_submit, small_points_framework

pytestmark = pytest.mark.browser


@pytest.fixture
def reviewed(transactional_db, world):
    """City A's campaign: schools a1 and a1b submitted and every item accepted by A1's reviewer;
    a1b finalised already, a1 left for the reviewer to finalise in the browser."""
    campaign = make_campaign(world, small_points_framework())
    reviewer = world.users["reviewer"]
    cio_b = UserFactory(username="cio_b")
    Membership.objects.create(user=cio_b, role=Role.SCHOOL_CIO, school=world.school_a1b)
    out = {}
    for school, cio in ((world.school_a1, world.users["cio"]), (world.school_a1b, cio_b)):
        a = fill_and_submit(Assessment.objects.get(campaign=campaign, school=school), cio)
        for r in a.responses.select_related("node", "assessment").order_by("node__position"):
            services.verdict_save(response=r, acting_user=reviewer, version=r.version, verdict="accept")
        out[school.code] = Assessment.objects.get(pk=a.pk)
    services.review_finalise(assessment=out["S-A1B"], acting_user=reviewer, conclusion="总体达到要求。")
    UserFactory(username="city_expert", first_name="市级专家")
    return campaign, out["S-A1"], out["S-A1B"]


def test_acceptance_sampling_and_recheck(reviewed, journey):
    campaign, a1, a1b = reviewed

    # the district reviewer finalises school a1
    district = journey("acceptance-district")
    page = district.page
    district.login("reviewer", PASSWORD)
    district.goto(f"/reviews/assessments/{a1.pk}/", "summary")
    page.fill("#id_conclusion", "各项建设达到要求。")
    page.get_by_test_id("finalise").click()
    expect(page.locator("main")).to_contain_text("已完成")
    district.shot("finalised")

    # the commission accepts a1 and sends a1b back with a reason
    city = journey("acceptance-commission")
    page = city.page
    city.login("commission", PASSWORD)
    city.goto(f"/campaigns/{campaign.pk}/", "campaign")
    page.get_by_role("link", name="市级验收").click()
    expect(page.get_by_test_id("acceptance-S-A1")).to_contain_text("待市级验收")
    city.shot("acceptance-list")
    page.get_by_test_id("accept-S-A1").click()
    expect(page.get_by_test_id("acceptance-S-A1")).to_contain_text("已验收")
    city.shot("accepted")
    page.get_by_test_id("send-back-open-S-A1B").click()
    page.get_by_test_id("send-back-reason-S-A1B").fill("2.1 证明材料与自评不符，请重新核实")
    page.get_by_test_id("send-back-S-A1B").click()
    expect(page.get_by_test_id("acceptance-S-A1B")).to_contain_text("验收退回")
    city.shot("sent-back")
    assert Assessment.objects.get(pk=a1.pk).acceptance == Acceptance.ACCEPTED
    assert Assessment.objects.get(pk=a1b.pk).status == "in_review"

    # the district reviewer sees the reason on the workbench
    district.goto(f"/reviews/assessments/{a1b.pk}/", "sent-back-reason")
    expect(district.page.get_by_test_id("sent-back-reason")).to_contain_text("证明材料与自评不符")

    # the commission draws a sample: preview, then save; assigns the city expert
    city.goto(f"/campaigns/{campaign.pk}/samples/", "sample-form")
    page.fill("#id_rate", "1")
    page.fill("#id_seed", "42")
    page.get_by_test_id("sample-preview").click()
    expect(page.get_by_test_id("sample-result")).to_contain_text("S-A1")
    city.shot("sample-preview")
    page.get_by_test_id("sample-save").click()
    expect(page.get_by_test_id("sample-schools")).to_contain_text("甲一区第一小学")
    city.shot("sample-saved")
    sample = Sample.objects.get()
    assert sample.seed == 42
    expert_user = type(sample.drawn_by).objects.get(username="city_expert")
    page.get_by_test_id("assign-select-S-A1").select_option(value=str(expert_user.pk))
    page.get_by_test_id("assign-S-A1").click()
    expect(page.locator("main")).to_contain_text("已指派")
    city.shot("assigned")

    # the city expert re-scores one item
    expert = journey("acceptance-city-expert")
    page = expert.page
    expert.login("city_expert", PASSWORD)
    expert.goto("/rechecks/", "recheck-list")
    page.get_by_test_id("recheck-S-A1").click()
    expect(page.get_by_test_id("review-stage")).to_have_text("市级复核")  # the review workbench, city stage
    expect(page.get_by_test_id("district-value")).to_contain_text("1")
    expert.shot("recheck-workbench")
    page.get_by_test_id("city-value").fill("3")
    page.get_by_test_id("city-value").press("Tab")
    expect(page.get_by_test_id("review-save-state")).to_have_text("已保存")
    expect(page.get_by_test_id("recheck-done")).to_contain_text("1/")
    expert.shot("rechecked")

    # the deviation appears on the dashboard, next to the self − review gap
    city.goto(f"/reports/dashboard/?campaign={campaign.pk}", "dashboard")
    card = city.page.get_by_test_id("recheck-deviation")
    expect(card).to_contain_text("甲一区")
    a1_row = card.locator("tr", has_text="甲一区")
    expect(a1_row.locator("[data-figure=recheck-deviation]")).to_contain_text("2.0")  # |1 − 3|
    city.shot("dashboard-deviation")
