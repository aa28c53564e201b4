"""On-site visits and the publication of results in a real browser, on the seeded demo (Beijing
K-12): the commission schedules a visit of a finalised school, the district's reviewer on the team
records a discrepancy with a photo, turns it into a rectification item and uploads the signed check
sheet; the commission publishes the results (public page, pass and grade); the school objects to
an item; the commission upholds the objection and the school's review is reopened; closing is
refused until the school is finalised and accepted again, then closes and freezes the results: a
later change of the result rule is refused with the message; the public page is read without
signing in.

The review itself (finalising before the visit, and again after the objection) goes through the
services: the review flow has its own browser test."""

from __future__ import annotations

import io
import os

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from playwright.sync_api import expect

from assessments import services
from assessments.models import Acceptance, Assessment, AssessmentStatus
from inspections.models import Objection, ObjectionState, Publication
from rectification.models import RectificationItem, RectificationSource
from tests.samples import image_bytes, pdf_bytes

pytestmark = pytest.mark.browser

PASSWORD = "Campus#2026"


def _finalise(assessment, reviewer):
    if assessment.status == AssessmentStatus.SUBMITTED:
        services.review_start(assessment=assessment, acting_user=reviewer)
    for r in assessment.responses.select_related("node", "assessment").order_by("node__position"):
        if r.review_verdict in (None, "", "more_evidence"):
            services.verdict_save(response=r, acting_user=reviewer, version=r.version, verdict="accept")
    return services.review_finalise(assessment=assessment, acting_user=reviewer, conclusion="总体达到要求。")


@pytest.fixture
def finalised(transactional_db):
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    call_command("load_frameworks", stdout=io.StringIO())
    call_command("seed_demo", "--schools", "40", "--quiet", stdout=io.StringIO())
    users = get_user_model().objects
    cio, reviewer, commission = (users.get(username=u) for u in ("hd_cio", "hd_reviewer", "bj_commission"))
    # this year's campaign (the demo also has last year's, already finalised)
    assessment = (
        Assessment.objects.select_related("campaign__framework", "campaign__region", "school__region")
        .filter(campaign__framework__code="beijing-k12", school__memberships__user=cio)
        .order_by("-campaign__year")
        .first()
    )
    if assessment.status in ("draft", "returned"):
        for r in assessment.responses.select_related("node", "assessment").order_by("node__position"):
            if r.self_score is None:
                services.response_update(
                    response=r, acting_user=cio, version=r.version, self_score="1", statement="已按要求建设"
                )
        services.assessment_submit(assessment=assessment, acting_user=cio)
    if assessment.status != AssessmentStatus.FINALISED:
        _finalise(Assessment.objects.get(pk=assessment.pk), reviewer)
    assessment.refresh_from_db()
    if assessment.acceptance != Acceptance.ACCEPTED:  # only accepted results are published
        services.acceptance_accept(assessment=assessment, acting_user=commission)
        assessment.refresh_from_db()
    return {"assessment": assessment, "reviewer": reviewer, "commission": commission}


def test_visit_publication_objection_and_freeze(finalised, journey, tmp_path):
    assessment = finalised["assessment"]
    campaign, school = assessment.campaign, assessment.school
    reviewer = finalised["reviewer"]
    first = assessment.responses.select_related("node").order_by("node__position").first().node

    # --- the commission schedules a visit ---------------------------------------------------------
    commission = journey("publication-commission")
    commission.login("bj_commission", PASSWORD)
    commission.goto(f"/inspections/assessments/{assessment.pk}/visits/new/", "visit-schedule")
    page = commission.page
    page.get_by_label("核验日期").fill("2026-12-01")
    page.locator(f"input[name=team][value='{reviewer.pk}']").check()
    page.locator(f"input[name=items][value='{first.pk}']").check()
    page.get_by_role("button", name="安排核验并通知学校").click()
    expect(page.locator(".alert-success")).to_contain_text("已安排现场核验")
    commission.shot("visit-scheduled")
    visit_url = page.url

    # --- the reviewer on the team records a discrepancy and turns it into a rectification item ---
    district = journey("publication-reviewer")
    district.login("hd_reviewer", PASSWORD)
    district.page.goto(visit_url)
    district.shot("visit")
    card = district.page.get_by_test_id(f"finding-{first.code}")
    card.locator("select[name=verdict]").select_option("discrepancy")
    card.locator("textarea[name=text]").fill("现场未见录播设备，与自评不符。")
    photo = tmp_path / "现场照片.png"
    photo.write_bytes(image_bytes("PNG"))
    card.locator("input[name=photos]").set_input_files(str(photo))
    card.get_by_role("button", name="保存核验发现").click()
    expect(district.page.locator(".alert-success")).to_contain_text("已记录条目")
    card = district.page.get_by_test_id(f"finding-{first.code}")
    expect(card.get_by_test_id("verdict")).to_contain_text("与自评不符")
    expect(card.get_by_test_id("photos")).to_contain_text("现场照片.png")
    district.shot("finding-recorded")
    card.locator("textarea[name=action]").fill("配齐录播设备并上传照片。")
    card.locator("input[name=due_date]").fill("2027-03-31")
    card.get_by_role("button", name="转为整改事项").click()
    expect(district.page.locator(".alert-success")).to_contain_text("已转为整改事项")
    expect(district.page.get_by_test_id("rectification-link")).to_be_visible()
    district.shot("rectification-item")
    item = RectificationItem.objects.get(assessment=assessment, node=first)
    assert item.source == RectificationSource.ONSITE
    sheet = tmp_path / "核验单.pdf"
    sheet.write_bytes(pdf_bytes("核验单"))
    district.page.get_by_label("签字核验单（PDF）").set_input_files(str(sheet))
    district.page.get_by_role("button", name="上传签字核验单并完成核验").click()
    expect(district.page.get_by_test_id("visit-state")).to_contain_text("已完成")
    expect(district.page.get_by_test_id("check-sheet")).to_contain_text("核验单.pdf")
    district.shot("visit-completed")

    # --- the commission publishes the results -------------------------------------------------------
    commission.goto("/inspections/publications/", "publications")
    commission.page.get_by_test_id("publishable").get_by_text(campaign.title).locator("..").get_by_role(
        "link", name="发布公示"
    ).click()
    commission.shot("publication-form")
    form = commission.page
    form.locator("input[name=fields_shown][value=show_grade]").check()
    form.locator("input[name=visibility][value=public]").check()
    form.get_by_role("button", name="发布公示").click()
    expect(form.locator(".alert-success")).to_contain_text("结果已公示")
    commission.shot("published")
    publication = Publication.objects.get(campaign=campaign)
    results_path = f"/inspections/results/{publication.token}/"
    expect(form.get_by_test_id("results-link")).to_contain_text(results_path)

    # --- the school objects to an item ---------------------------------------------------------------
    school_side = journey("publication-school")
    school_side.login("hd_cio", PASSWORD)
    school_side.goto(f"/inspections/publications/{publication.pk}/", "publication")
    school_side.page.get_by_test_id("own-schools").get_by_role("link", name=school.name).click()
    school_side.shot("own-result")
    row = school_side.page.get_by_test_id(f"item-{first.code}")
    row.get_by_text("提出申辩").click()
    row.locator("textarea[name=reason]").fill("录播设备已于公示前安装到位，照片见材料库。")
    row.get_by_role("button", name="提交申辩").click()
    expect(school_side.page.locator(".alert-success")).to_contain_text("申辩已提交")
    expect(school_side.page.get_by_test_id(f"item-{first.code}")).to_contain_text("申辩待处理")
    school_side.shot("objected")

    # --- the commission upholds it: the review is reopened -------------------------------------------
    commission.goto(f"/inspections/publications/{publication.pk}/", "objection-to-decide")
    objection = Objection.objects.get(publication=publication)
    entry = commission.page.get_by_test_id(f"objection-{objection.pk}")
    entry.locator("textarea[name=reason]").fill("经核实，设备已安装，重新评审该条目。")
    entry.get_by_role("button", name="申辩成立（重新打开评审）").click()
    expect(commission.page.locator(".alert-success")).to_contain_text("申辩成立")
    expect(commission.page.get_by_test_id(f"objection-{objection.pk}")).to_contain_text("申辩成立")
    commission.shot("objection-upheld")
    objection.refresh_from_db()
    assessment.refresh_from_db()
    assert objection.state == ObjectionState.UPHELD
    assert assessment.status == AssessmentStatus.IN_REVIEW and assessment.result_passed is None

    # closing waits for the reopened school
    with commission.expect_status(409):
        commission.page.get_by_role("button", name="结束公示并冻结结果").click()
    expect(commission.page.locator(".alert-danger")).to_contain_text("尚未重新完成评审")
    commission.shot("close-refused")
    _finalise(Assessment.objects.get(pk=assessment.pk), reviewer)  # the reviewers finalise again
    # and the city accepts the new result (the publication shows accepted results only)
    services.acceptance_accept(
        assessment=Assessment.objects.get(pk=assessment.pk), acting_user=finalised["commission"]
    )
    commission.goto(f"/inspections/publications/{publication.pk}/", "refinalised")
    commission.page.get_by_role("button", name="结束公示并冻结结果").click()
    expect(commission.page.locator(".alert-success")).to_contain_text("结果和命名已冻结")
    expect(commission.page.get_by_test_id("publication-state")).to_contain_text("已结束")
    commission.shot("closed")

    # frozen: a later change of the result rule is refused with the message
    commission.goto(f"/campaigns/{campaign.pk}/result-rule/", "result-rule")
    rule_form = commission.page
    rule_form.get_by_label("合格线（%）").fill("5")
    rule_form.get_by_label("修改原因").fill("公示后调整")
    with commission.expect_status(409):
        rule_form.get_by_test_id("save-rule").click()
    expect(commission.page.get_by_text("结果和命名已冻结")).to_be_visible()
    commission.shot("rule-refused")
    campaign.refresh_from_db()
    assert campaign.results_frozen_at is not None

    # --- the public page, logged out ---------------------------------------------------------------
    visitor = journey("publication-public")
    visitor.goto(results_path, "public-results")
    table = visitor.page.get_by_test_id("results")
    expect(table).to_contain_text(school.name)
    expect(table).to_contain_text("等级")
    body = visitor.page.content()
    assert first.code + " " not in body and "综合得分率" not in body and "录播设备" not in body
