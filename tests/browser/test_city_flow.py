"""The whole way after the district in one browser journey, with the real Celery worker: the district
finalises; the commission accepts one school and sends another back (the district sees the reason);
the commission draws a sample and a city reviewer re-scores a school in the review workbench (city
stage), the deviation appears on the dashboard; a visit is recorded (team, items, a finding with a
photo, the signed check sheet); the results are published with an objection window, the accepted
school objects to an item, the commission upholds it and the school's review is reopened; the
publication is closed and the results frozen: a later change is refused with the message.

Every page is screenshotted into test-artifacts/city/ and any console error fails the test."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from assessments import selectors, services
from assessments.models import Acceptance, Assessment, AssessmentStatus, Membership, Role, Sample
from inspections.models import Objection, ObjectionState, Publication
from tests.samples import image_bytes, pdf_bytes

from ..assessments.conftest import make_campaign
from ..factories import PASSWORD, UserFactory, fill_and_submit, small_points_framework
from .conftest import ARTIFACTS

pytestmark = pytest.mark.browser

CITY = ARTIFACTS / "city"


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


def _refinalise(assessment, reviewer):
    """The district reviews again (after a send-back or a reopening) and finalises."""
    assessment = Assessment.objects.get(pk=assessment.pk)
    if assessment.status == AssessmentStatus.SUBMITTED:
        services.review_start(assessment=assessment, acting_user=reviewer)
    for r in assessment.responses.select_related("node", "assessment").order_by("node__position"):
        if r.review_verdict in (None, "", "more_evidence"):
            services.verdict_save(response=r, acting_user=reviewer, version=r.version, verdict="accept")
    return services.review_finalise(assessment=assessment, acting_user=reviewer, conclusion="总体达到要求。")


def test_district_to_frozen_results(world, reviewed, real_celery, journey, tmp_path):
    campaign, a1, a1b = reviewed
    reviewer = world.users["reviewer"]

    # --- the district reviewer finalises school a1 ------------------------------------------------
    district = journey("district", under=CITY)
    district.login("reviewer", PASSWORD)
    district.goto(f"/reviews/assessments/{a1.pk}/", "summary")
    district.page.fill("#id_conclusion", "各项建设达到要求。")
    district.page.get_by_test_id("finalise").click()
    expect(district.page.locator("main")).to_contain_text("已完成")
    district.shot("finalised")

    # --- the commission accepts a1 and sends a1b back with a reason --------------------------------
    city = journey("commission", under=CITY)
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

    district.goto(f"/reviews/assessments/{a1b.pk}/", "sent-back-reason")
    expect(district.page.get_by_test_id("sent-back-reason")).to_contain_text("证明材料与自评不符")
    _refinalise(a1b, reviewer)  # the district reviews a1b again

    # --- the commission draws a sample and assigns the city expert -----------------------------------
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
    expert_user = type(sample.drawn_by).objects.get(username="city_expert")
    page.get_by_test_id("assign-select-S-A1").select_option(value=str(expert_user.pk))
    page.get_by_test_id("assign-S-A1").click()
    expect(page.locator("main")).to_contain_text("已指派")
    city.shot("assigned")

    # --- the city expert re-scores a1 in the review workbench, city stage --------------------------
    expert = journey("city-expert", under=CITY)
    expert.login("city_expert", PASSWORD)
    expert.goto("/rechecks/", "recheck-list")
    expert.page.get_by_test_id("recheck-S-A1").click()
    expect(expert.page.get_by_test_id("review-stage")).to_have_text("市级复核")
    expect(expert.page.get_by_test_id("district-value")).to_contain_text("1")
    expert.shot("workbench-city-stage")
    expert.page.get_by_test_id("city-value").fill("3")
    expert.page.get_by_test_id("city-comment").fill("核对佐证后调整为 3 分")
    expect(expert.page.get_by_test_id("review-save-state")).to_have_text("已保存")
    expert.shot("rescored")
    expert.page.get_by_test_id("review-stage").click()  # leave the inputs: shortcuts never fire while typing
    expert.page.keyboard.press("]")  # the workbench's keyboard: the next item
    expect(expert.page).to_have_url(f"{expert.url('')}/rechecks/assessments/{a1.pk}/items/1.2/")
    expert.shot("next-item")

    city.goto(f"/reports/dashboard/?campaign={campaign.pk}", "dashboard")
    a1_row = page.get_by_test_id("recheck-deviation").locator("tr", has_text="甲一区")
    expected = selectors.recheck_deviation(campaign=campaign, assessments=[a1.pk])[a1.school.region_id].mean
    expect(a1_row.locator("[data-figure=recheck-deviation]")).to_contain_text(str(expected))
    city.shot("dashboard-deviation")
    first = a1.responses.select_related("node").order_by("node__position").first().node

    # --- a visit: team, items, a finding with a photo, the signed check sheet ------------------------
    city.goto(f"/inspections/assessments/{a1.pk}/visits/new/", "visit-schedule")
    page.get_by_label("核验日期").fill("2026-12-01")
    page.locator(f"input[name=team][value='{reviewer.pk}']").check()
    page.locator(f"input[name=items][value='{first.pk}']").check()
    page.get_by_role("button", name="安排核验并通知学校").click()
    expect(page.locator(".alert-success")).to_contain_text("已安排现场核验")
    city.shot("visit-scheduled")
    district.page.goto(page.url)
    district.shot("visit")
    card = district.page.get_by_test_id(f"finding-{first.code}")
    card.locator("select[name=verdict]").select_option("discrepancy")
    card.locator("textarea[name=text]").fill("现场未见录播设备，与自评不符。")
    photo = tmp_path / "现场照片.png"
    photo.write_bytes(image_bytes("PNG"))
    card.locator("input[name=photos]").set_input_files(str(photo))
    card.get_by_role("button", name="保存核验发现").click()
    expect(district.page.locator(".alert-success")).to_contain_text("已记录条目")
    expect(district.page.get_by_test_id(f"finding-{first.code}").get_by_test_id("photos")).to_contain_text(
        "现场照片.png"
    )
    district.shot("finding-recorded")
    sheet = tmp_path / "核验单.pdf"
    sheet.write_bytes(pdf_bytes("核验单"))
    district.page.get_by_label("签字核验单（PDF）").set_input_files(str(sheet))
    district.page.get_by_role("button", name="上传签字核验单并完成核验").click()
    expect(district.page.get_by_test_id("visit-state")).to_contain_text("已完成")
    expect(district.page.get_by_test_id("check-sheet")).to_contain_text("核验单.pdf")
    district.shot("visit-completed")

    # --- publication with an objection window --------------------------------------------------------
    city.goto("/inspections/publications/", "publications")
    page.get_by_test_id("publishable").get_by_text(campaign.title).locator("..").get_by_role(
        "link", name="发布公示"
    ).click()
    city.shot("publication-form")
    page.get_by_role("button", name="发布公示").click()
    expect(page.locator(".alert-success")).to_contain_text("结果已公示")
    city.shot("published")
    publication = Publication.objects.get(campaign=campaign)

    # --- the accepted school a1 objects to an item ---------------------------------------------------
    school = journey("school", under=CITY)
    school.login("cio", PASSWORD)
    school.goto(f"/inspections/publications/{publication.pk}/", "publication")
    school.page.get_by_test_id("own-schools").get_by_role("link", name=a1.school.name).click()
    school.shot("own-result")
    school_page_url = school.page.url
    row = school.page.get_by_test_id(f"item-{first.code}")
    row.get_by_text("提出申辩").click()
    row.locator("textarea[name=reason]").fill("录播设备已于公示前安装到位，照片见材料库。")
    row.get_by_role("button", name="提交申辩").click()
    expect(school.page.locator(".alert-success")).to_contain_text("申辩已提交")
    expect(school.page.get_by_test_id(f"item-{first.code}")).to_contain_text("申辩待处理")
    school.shot("objected")

    # --- the commission upholds it: the item's review is reopened ------------------------------------
    city.goto(f"/inspections/publications/{publication.pk}/", "objection-to-decide")
    objection = Objection.objects.get(publication=publication)
    entry = page.get_by_test_id(f"objection-{objection.pk}")
    entry.locator("textarea[name=reason]").fill("经核实，设备已安装，重新评审该条目。")
    entry.get_by_role("button", name="申辩成立（重新打开评审）").click()
    expect(page.locator(".alert-success")).to_contain_text("申辩成立")
    city.shot("objection-upheld")
    objection.refresh_from_db()
    assert objection.state == ObjectionState.UPHELD
    assert Assessment.objects.get(pk=a1.pk).status == AssessmentStatus.IN_REVIEW
    school.page.goto(school_page_url)
    expect(school.page.get_by_test_id("own-objections")).to_contain_text("申辩成立")
    # the reopening withdrew the city's acceptance: the result leaves the publication until accepted again
    expect(school.page.get_by_test_id("not-published")).to_contain_text("尚未通过市级验收")
    assert Assessment.objects.get(pk=a1.pk).acceptance != Acceptance.ACCEPTED
    school.shot("item-reopened")
    school.goto(f"/assessments/{a1.pk}/", "assessment-in-review")
    expect(school.page.locator("main")).to_contain_text("评审中")

    # --- closing: after the district finalises again, the results are frozen ------------------------
    _refinalise(a1, reviewer)
    city.goto(f"/campaigns/{campaign.pk}/", "campaign-refinalised")
    page.get_by_role("link", name="市级验收").click()
    page.get_by_test_id("accept-S-A1").click()
    expect(page.get_by_test_id("acceptance-S-A1")).to_contain_text("已验收")
    city.shot("accepted-again")
    city.goto(f"/inspections/publications/{publication.pk}/", "refinalised")
    page.get_by_role("button", name="结束公示并冻结结果").click()
    expect(page.locator(".alert-success")).to_contain_text("结果和命名已冻结")
    city.shot("closed")
    city.goto(f"/campaigns/{campaign.pk}/result-rule/", "result-rule")
    page.get_by_label("合格线（%）").fill("5")
    with city.expect_status(409):
        page.get_by_test_id("save-rule").click()
    expect(page.get_by_text("结果和命名已冻结")).to_be_visible()
    city.shot("frozen-refused")
    campaign.refresh_from_db()
    assert campaign.results_frozen_at is not None
