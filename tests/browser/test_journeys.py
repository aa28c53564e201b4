"""Each role's whole job in a real browser, on the seeded demo, for a points framework (Beijing K-12),
a compliance one (Zhejiang K-12) and higher education (Beijing universities):

- commission staff create a campaign through the form (errors, a past deadline, preview, confirm),
  add schools, extend a deadline, follow the dashboard, open a school's review from the campaign
  page, assign an expert, reopen a finalised review with a reason, and request a school PDF, a
  district ZIP and the city workbook from the real worker — then download each, render the PDF's
  pages (pdftoppm) and open the workbook (openpyxl);
- the school's CIO fills items, uploads evidence, submits, and answers a return;
- the reviewer gives verdicts, returns, reviews round 2, and finalises with a conclusion.

Every page a journey visits is saved under test-artifacts/journeys/<role>-<framework>/, and any
console error or CSP violation fails the test (tests/browser/conftest.py, `journey`). Steps the
browser has already shown (filling the remaining 40-odd items, the other side's answer) go
through the services, each said where it happens."""

from __future__ import annotations

import datetime
import io
import os
import re
import subprocess
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import timezone
from openpyxl import load_workbook
from playwright.sync_api import expect

from assessments import services
from assessments.models import Assessment, AssessmentStatus, Campaign, Membership, Role
from indicators.models import Framework
from tests.samples import pdf_bytes

pytestmark = pytest.mark.browser

PASSWORD = "Campus#2026"
# text is saved a second after typing stops, then the server answers: on a busy machine that can take
# longer than Playwright's default five seconds
SAVE_TIMEOUT = 20_000


@dataclass(frozen=True)
class Setting:
    """One framework's demo: its campaign, who works on it and where."""

    key: str
    framework: str
    campaign: str  # the demo campaign's title
    commission: str
    cio: str
    reviewer: str
    scope_region: str  # the new campaign's schools
    added_region: str  # the schools added afterwards
    zip_region: str  # the district (city) whose school reports are zipped
    new_title: str

    @property
    def is_points(self) -> bool:
        return self.framework == "beijing-k12"


BEIJING = Setting(
    "beijing",
    "beijing-k12",
    "2026年北京市中小学智慧校园自评",
    "bj_commission",
    "hd_cio",
    "hd_reviewer",
    "海淀区",
    "朝阳区",
    "朝阳区",
    "2027年海淀区中小学智慧校园自评（试点）",
)
ZHEJIANG = Setting(
    "zhejiang",
    "zhejiang-k12",
    "2026年浙江省中小学智慧校园建设自评",
    "zj_commission",
    "hz_cio",
    "hz_reviewer",
    "杭州市",
    "宁波市",
    "杭州市",
    "2027年杭州市中小学智慧校园建设自评",
)
HIGHER = Setting(
    "higher",
    "beijing-higher",
    "2026年北京高校智慧校园建设达标自评",
    "bj_commission",
    "bjut_cio",
    "cy_reviewer",
    "朝阳区",
    "海淀区",
    "海淀区",
    "2027年北京市属高校智慧校园建设达标自评",
)
SETTINGS = [pytest.param(s, id=s.key) for s in (BEIJING, ZHEJIANG, HIGHER)]


@pytest.fixture
def demo(transactional_db):
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # Playwright's sync API runs an event loop
    call_command("load_frameworks", stdout=io.StringIO())
    # 100 schools: three in each district, so each has schools no demo login answers for
    call_command("seed_demo", "--schools", "100", "--quiet", stdout=io.StringIO())


def user(username: str):
    return get_user_model().objects.get(username=username)


def own_assessment(setting: Setting) -> Assessment:
    return Assessment.objects.select_related("campaign__framework", "school").get(
        campaign__title=setting.campaign, school__memberships__user__username=setting.cio
    )


def answer_all(assessment: Assessment, cio, *, only_missing: bool = True) -> None:
    """The items the browser did not fill, answered through the service."""
    points = assessment.campaign.framework.is_points
    for r in assessment.responses.select_related("node", "assessment").order_by("node__position"):
        if only_missing and r.is_answered:
            continue
        value = {"self_score": "1"} if points else {"self_status": "met"}
        services.response_update(
            response=r, acting_user=cio, version=r.version, statement="已按要求建设", **value
        )


def accept_pending(assessment: Assessment, reviewer) -> None:
    """The items the browser did not judge, accepted through the service."""
    for r in assessment.responses.select_related("node").order_by("node__position"):
        r.refresh_from_db()
        if r.awaits_review:
            services.verdict_save(response=r, acting_user=reviewer, version=r.version, verdict="accept")


def other_schools(setting: Setting, n: int) -> list[Assessment]:
    """Schools of the zip region in the demo campaign that no demo login answers for."""
    cio_schools = Membership.objects.filter(role=Role.SCHOOL_CIO).values("school_id")
    found = list(
        Assessment.objects.filter(campaign__title=setting.campaign, school__region__name=setting.zip_region)
        .exclude(school_id__in=cio_schools)
        .select_related("campaign__framework", "school")
        .order_by("school__code")
    )
    assert len(found) >= n, f"the demo has {len(found)} such schools in {setting.zip_region}"
    return found[:n]


def reviewer_of(assessment: Assessment):
    """A reviewer of the school's region (or one above it)."""
    path = assessment.school.region.path
    for m in Membership.objects.filter(role=Role.REVIEWER).select_related("user", "region"):
        if path.startswith(m.region.path):
            return m.user
    raise AssertionError(f"no demo reviewer for {assessment.school}")


def submitted_and_finalised(setting: Setting) -> tuple[Assessment, Assessment]:
    """One school of the zip region submitted, one finalised (through the services: the reviewer's
    journey shows how it is done in the browser)."""
    first, second = other_schools(setting, 2)
    reviewer = reviewer_of(second)
    for a in (first, second):
        a.refresh_from_db()
        if a.status == AssessmentStatus.DRAFT:
            cio = get_user_model().objects.create_user(f"cio_{a.school.code}", password=PASSWORD)
            Membership.objects.create(user=cio, role=Role.SCHOOL_CIO, school=a.school)
            answer_all(a, cio, only_missing=False)
            services.assessment_submit(assessment=a, acting_user=cio)
    accept_pending(second, reviewer)
    services.review_finalise(
        assessment=second, acting_user=reviewer, conclusion="基础设施达标，应用深度尚可。"
    )
    first.refresh_from_db()
    second.refresh_from_db()
    return first, second


def day(offset: int) -> str:
    return (timezone.localdate() + datetime.timedelta(days=offset)).isoformat()


def flash(journey) -> str:
    return journey.page.locator("main .alert").first.inner_text()


# --- commission staff ----------------------------------------------------------------------------------


def create_campaign(journey, setting: Setting) -> Campaign:
    page = journey.page
    framework = Framework.objects.filter(code=setting.framework).order_by("-version").first()
    journey.goto("/campaigns/", "campaigns")
    page.click("[data-testid=new-campaign]")
    journey.shot("campaign-form")
    # every required field is on the page; submitting it empty shows each error beside its field
    for name in ("framework", "year", "title", "region", "self_deadline", "review_deadline"):
        expect(page.locator(f"[name={name}]")).to_be_visible()
    page.fill("#id_year", "")
    with journey.expect_status(400):
        page.click("[data-testid=next-step]")
    expect(page.locator("[data-field=framework] .invalid-feedback")).to_be_visible()
    expect(page.locator("[data-field=title] .invalid-feedback")).to_be_visible()
    journey.shot("campaign-form-errors")
    # a past deadline needs an explicit confirmation
    page.select_option("#id_framework", value=str(framework.pk))
    page.fill("#id_year", "2027")
    page.fill("#id_title", setting.new_title)
    page.fill("#id_self_deadline", day(-3))
    page.fill("#id_review_deadline", day(60))
    page.select_option("#id_scope_region", label=setting.scope_region)
    with journey.expect_status(400):
        page.click("[data-testid=next-step]")
    expect(page.locator("[data-field=self_deadline] .invalid-feedback")).to_contain_text("已经过去")
    expect(page.locator("#id_past_deadline_ok")).to_be_visible()
    journey.shot("campaign-form-past-deadline")
    page.fill("#id_self_deadline", day(30))
    page.click("[data-testid=next-step]")
    preview = page.get_by_test_id("preview")
    expect(preview).to_contain_text("将为")
    expect(preview).to_contain_text(setting.scope_region)
    journey.shot("campaign-preview")
    page.click("[data-testid=confirm-create]")
    expect(page.locator("main")).to_contain_text("已创建自评活动")
    campaign = Campaign.objects.get(title=setting.new_title)
    journey.shot("campaign-created")
    return campaign


def add_schools(journey, setting: Setting, campaign: Campaign) -> None:
    page = journey.page
    before = campaign.assessments.count()
    page.click("#add-schools summary")
    page.select_option("#add-schools select[name=scope_region]", label=setting.added_region)
    page.click("[data-testid=add-schools]")
    expect(page.locator("main h1")).to_contain_text("确认加入学校")
    journey.shot("add-schools-confirm")
    page.click("[data-testid=confirm-add]")
    expect(page.locator("main")).to_contain_text("已加入")
    journey.shot("schools-added")
    assert campaign.assessments.count() > before


def extend_deadline(journey, campaign: Campaign) -> None:
    page = journey.page
    page.locator("[data-testid=extend-link]").first.click()
    expect(page.locator("main h1")).to_contain_text("延长自评截止时间")
    journey.shot("extend-form")
    page.fill("#id_new_deadline", day(45))
    page.fill("#id_reason", "学校网络改造，申请延期两周。")
    page.click("[data-testid=confirm-extend]")
    expect(page.locator("main")).to_contain_text("已为")
    expect(page.get_by_test_id("schools")).to_contain_text("已延期")
    journey.shot("deadline-extended")
    assert campaign.assessments.filter(deadline_override__isnull=False).count() == 1


def request_and_download(journey, button: str, step: str, *, form=None) -> Path:
    """Press a report button, follow the job on the jobs page until the worker is done, download."""
    page = journey.page
    if form is not None:
        form()
    page.click(button)
    expect(page.locator("main .alert").first).to_contain_text("已提交报告任务")
    job_id = re.search(r"#(\d+)", flash(journey)).group(1)
    row = page.locator(f"#job-{job_id}")
    download_link = row.get_by_role("link", name="下载")
    expect(download_link).to_be_visible(timeout=180_000)
    journey.shot(f"{step}-done")
    with page.expect_download() as info:
        download_link.click()
    target = journey.directory / "downloads" / info.value.suggested_filename
    target.parent.mkdir(exist_ok=True)
    info.value.save_as(target)
    return target


def render_pdf(journey, pdf: Path, prefix: str) -> list[Path]:
    out = journey.directory / "downloads" / prefix
    subprocess.run(["pdftoppm", "-r", "50", "-png", str(pdf), str(out)], check=True, timeout=120)  # noqa: S603, S607
    return sorted(out.parent.glob(f"{prefix}*.png"))


@pytest.mark.parametrize("setting", SETTINGS)
def test_commission_runs_a_campaign(demo, real_celery, live_server, journey, setting):
    submitted, finalised = submitted_and_finalised(setting)
    j = journey(f"commission-{setting.key}")
    page = j.page
    j.login(setting.commission, PASSWORD)
    expect(page.get_by_test_id("campaign-progress").first).to_be_visible()

    campaign = create_campaign(j, setting)
    add_schools(j, setting, campaign)
    extend_deadline(j, campaign)

    # the demo campaign: its progress on the dashboard, a school's review from the campaign page
    demo_campaign = Campaign.objects.get(title=setting.campaign)
    j.goto(f"/campaigns/{demo_campaign.pk}/", "demo-campaign")
    page.click("[data-testid=dashboard-link]")
    expect(page.locator("main")).to_contain_text(setting.campaign)
    j.shot("dashboard")
    j.goto(f"/campaigns/{demo_campaign.pk}/?status=submitted&q={submitted.school.code}", "campaign-submitted")
    page.locator("[data-testid=school-row]").first.get_by_test_id("review-link").click()
    expect(page.locator("main h1")).to_contain_text(submitted.school.name)
    j.shot("review-summary")

    # assign an expert through the picker (search, pick, lead)
    page.fill("#reviewer-search", "林")
    expect(page.get_by_test_id("candidate-bj_expert")).to_be_visible()
    expect(page.get_by_test_id("candidates").locator("input")).to_have_count(1)
    j.shot("assign-picker")
    page.get_by_test_id("candidate-bj_expert").check()
    page.check("#id_lead")
    page.click("[data-testid=assign-submit]")
    expect(page.locator("main")).to_contain_text("已指派")
    expect(page.get_by_test_id("assignments")).to_contain_text("高校评审专家")
    j.shot("assigned")

    # reopen the finalised review with a reason (a reason is required)
    j.goto(f"/campaigns/{demo_campaign.pk}/?status=finalised", "campaign-finalised")
    page.locator("[data-testid=school-row]").filter(has_text=finalised.school.name).get_by_role(
        "link", name="重新打开"
    ).click()
    j.shot("reopen-form")
    with j.expect_status(400):
        page.click("[data-testid=confirm-reopen]")
    expect(page.locator("[data-field=reason] .invalid-feedback")).to_contain_text("请填写重新打开的原因")
    j.shot("reopen-form-error")
    page.fill("#id_reason", "学校申诉：2.1 的佐证材料当时未能上传。")
    page.click("[data-testid=confirm-reopen]")
    expect(page.locator("main")).to_contain_text("已重新打开")
    j.shot("reopened")
    finalised.refresh_from_db()
    assert finalised.status == AssessmentStatus.IN_REVIEW

    # reports from the real worker: the city workbook, a district's zip, one school's PDF
    j.goto(f"/campaigns/{demo_campaign.pk}/", "exports")
    workbook = request_and_download(j, "[data-testid=export-workbook]", "workbook")
    j.goto(f"/campaigns/{demo_campaign.pk}/", "exports-again")
    bundle = request_and_download(
        j,
        "[data-testid=export-district-zip]",
        "district-zip",
        form=lambda: page.select_option("#export-district", label=setting.zip_region),
    )
    j.goto(f"/assessments/{submitted.pk}/", "school-page")
    school_pdf = request_and_download(j, "form:has(input[value=school_pdf]) button", "school-pdf")

    pages = render_pdf(j, school_pdf, "school-report")
    assert len(pages) >= 2, "the school report has a cover and its items"
    with zipfile.ZipFile(bundle) as archive:
        names = [n for n in archive.namelist() if n.endswith(".pdf")]
        in_region = Assessment.objects.filter(campaign=demo_campaign, school__region__name=setting.zip_region)
        assert len(names) == in_region.count()
        first = j.directory / "downloads" / "zip-first.pdf"
        first.write_bytes(archive.read(names[0]))
    assert render_pdf(j, first, "zip-first")
    book = load_workbook(workbook, read_only=True)
    assert "学校汇总" in book.sheetnames
    summary = "\n".join(
        " ".join(str(c) for c in row if c is not None) for row in book["学校汇总"].iter_rows(values_only=True)
    )
    assert submitted.school.name in summary


# --- the school's CIO ------------------------------------------------------------------------------------


def answer_in_browser(journey, setting: Setting, n: int) -> None:
    page = journey.page
    for i in range(n):
        if setting.is_points:
            page.fill("#self-score", "1")
            page.press("#self-score", "Tab")
        else:
            page.click(f"label[for=status-{'met' if i % 2 == 0 else 'partial'}]")
        expect(page.get_by_test_id("save-state")).to_contain_text("已保存", timeout=SAVE_TIMEOUT)
        page.fill("#statement", f"第{i + 1}项：已建设并常态化使用，详见附件。")
        page.press("#statement", "Tab")
        expect(page.get_by_test_id("save-state")).to_contain_text("已保存", timeout=SAVE_TIMEOUT)
        if i == 0:
            upload(page, "网络拓扑图.pdf")
        journey.shot(f"item-{i + 1}")
        page.click("[data-testid=next]")


def upload(page, name: str) -> None:
    file_input = page.locator("#evidence-panel input[type=file]").first
    file_input.wait_for(state="attached")
    # a distinct document per name: the library keeps one copy per SHA-256, so the same bytes under
    # another name would be recognised as the file already linked
    content = pdf_bytes(name.rsplit(".", 1)[0])
    file_input.set_input_files({"name": name, "mimeType": "application/pdf", "buffer": content})
    submit = page.locator("#evidence-panel button[type=submit]")
    if submit.count():
        submit.first.click()
    expect(page.locator("#evidence-panel")).to_contain_text(name.rsplit(".", 1)[0], timeout=15000)


@pytest.mark.parametrize("setting", SETTINGS)
def test_cio_fills_submits_and_answers_a_return(demo, live_server, journey, setting):
    assessment = own_assessment(setting)
    cio, reviewer = user(setting.cio), user(setting.reviewer)
    j = journey(f"cio-{setting.key}")
    page = j.page
    j.login(setting.cio, PASSWORD)
    card = page.get_by_test_id("own-assessment").filter(has_text=setting.campaign)
    expect(card.get_by_test_id("countdown")).to_contain_text("还剩")
    expect(card.get_by_test_id("home-progress")).to_contain_text(f"0 / {assessment.responses.count()}")

    card.get_by_role("link", name="继续填写").click()
    answer_in_browser(j, setting, 3)
    j.shot("item-4")
    answer_all(assessment, cio)  # the remaining items: the browser has shown how
    j.goto(f"/assessments/{assessment.pk}/", "overview-complete")
    page.click("text=检查并提交")
    j.shot("submit-check")
    page.click("[data-testid=confirm-submit]")
    expect(page.locator("main")).to_contain_text("自评已提交")
    j.shot("submitted")

    # the reviewer sends the first item back (their journey shows it in the browser)
    first = assessment.responses.select_related("node").order_by("node__position").first()
    services.verdict_save(
        response=first,
        acting_user=reviewer,
        version=first.version,
        verdict="more_evidence",
        comment="请补充近一学期的网络运行记录。",
    )
    services.review_return(assessment=assessment, acting_user=reviewer)

    j.goto("/", "home-returned")
    returned = (
        page.get_by_test_id("own-assessment")
        .filter(has_text=setting.campaign)
        .get_by_test_id("home-returned")
    )
    expect(returned).to_contain_text("请补充近一学期的网络运行记录")
    returned.locator("a").first.click()
    expect(page.get_by_test_id("return-reason")).to_contain_text("请补充近一学期的网络运行记录")
    page.fill("#statement", "已补充本学期网络运行记录（见附件）。")
    page.press("#statement", "Tab")
    expect(page.get_by_test_id("save-state")).to_contain_text("已保存", timeout=SAVE_TIMEOUT)
    upload(page, "网络运行记录.pdf")
    j.shot("returned-item-answered")
    j.goto(f"/assessments/{assessment.pk}/submit/", "resubmit-check")
    page.click("[data-testid=confirm-submit]")
    expect(page.locator("main")).to_contain_text("自评已提交")
    j.shot("resubmitted")
    j.goto("/notifications/", "notifications")
    expect(page.get_by_test_id("notifications")).to_contain_text("退回")
    assessment.refresh_from_db()
    assert assessment.status == AssessmentStatus.SUBMITTED and assessment.review_round == 2


# --- the reviewer ----------------------------------------------------------------------------------------


def saved(page) -> None:
    expect(page.get_by_test_id("review-save-state")).to_contain_text("已保存", timeout=SAVE_TIMEOUT)


def next_todo(page) -> None:
    before = page.url
    page.keyboard.press("j")
    page.wait_for_url(lambda url: url != before)
    page.wait_for_load_state("networkidle")


def current_code(page) -> str:
    return page.url.rstrip("/").rsplit("/", 1)[-1]


@pytest.mark.parametrize("setting", SETTINGS)
def test_reviewer_returns_reviews_round_two_and_finalises(demo, live_server, journey, setting):
    assessment = own_assessment(setting)
    cio = user(setting.cio)
    answer_all(assessment, cio, only_missing=False)
    services.assessment_submit(assessment=assessment, acting_user=cio)
    j = journey(f"reviewer-{setting.key}")
    page = j.page
    j.login(setting.reviewer, PASSWORD)
    expect(page.get_by_test_id("next-reviews")).to_contain_text(assessment.school.name)

    j.goto(f"/reviews/?q={assessment.school.code}", "queue")
    row = page.get_by_test_id("queue-row").filter(has_text=setting.campaign)
    row.get_by_role("button", name="开始评审").click()
    expect(page.get_by_test_id("shortcuts")).to_contain_text("A 认可")
    page.wait_for_load_state("networkidle")
    j.shot("first-item")
    # A on the first item, D (adjust with the mandatory comment) on the second, E on the third
    page.keyboard.press("a")
    saved(page)
    next_todo(page)
    page.keyboard.press("d")
    if setting.is_points:
        page.fill("#review-score", "0.5")
    else:
        page.click("label[for=rstatus-partial]")
    page.fill("#comment", "佐证材料未体现常态化应用，酌情调整。")
    saved(page)
    j.shot("adjusted")
    page.locator("body").click(position={"x": 5, "y": 5})
    next_todo(page)
    evidence_code = current_code(page)
    page.click("label[for=verdict-more_evidence]")
    page.fill("#comment", "请补充创新教室的照片和使用记录。")
    saved(page)
    j.shot("more-evidence")

    j.goto(f"/reviews/assessments/{assessment.pk}/", "summary-pending")
    expect(page.get_by_test_id("finalise")).to_be_disabled()
    expect(page.get_by_test_id("pending")).to_contain_text(evidence_code)
    expect(page.get_by_test_id("compare-scope")).to_contain_text("已评审的 2 项")
    page.get_by_test_id("return").click()
    expect(page.locator("main")).to_contain_text("已退回")
    j.shot("returned")

    # the school answers (its journey shows this in the browser) and resubmits
    returned = assessment.responses.select_related("node", "assessment").get(node__code=evidence_code)
    value = {"self_score": "1.5"} if setting.is_points else {"self_status": "partial"}
    services.response_update(
        response=returned,
        acting_user=cio,
        version=returned.version,
        statement="已补充照片和使用记录。",
        **value,
    )
    services.assessment_submit(assessment=assessment, acting_user=cio)

    # round 2: what changed since the return; the verdict box starts empty, the request is context
    j.goto(f"/reviews/assessments/{assessment.pk}/", "round-two-summary")
    changes = page.get_by_test_id("round-changes")
    expect(changes).to_contain_text(evidence_code)
    expect(changes).to_contain_text("自评说明")
    changes.locator("a").first.click()
    expect(page.get_by_test_id("changes-since-return")).to_contain_text("已补充照片和使用记录")
    expect(page.get_by_test_id("previous-round")).to_contain_text("请补充创新教室的照片")
    expect(page.locator("#comment")).to_have_value("")
    j.shot("round-two-item")
    page.keyboard.press("a")
    saved(page)
    returned.refresh_from_db()
    assert (returned.review_verdict, returned.review_comment) == ("accept", "")
    j.shot("round-two-accepted")

    page.goto("about:blank")
    accept_pending(assessment, user(setting.reviewer))  # the other items: the browser has shown how
    j.goto(f"/reviews/assessments/{assessment.pk}/", "summary-complete")
    expect(page.get_by_test_id("finalise")).to_be_enabled()
    with j.expect_status(400):
        page.get_by_test_id("finalise").click()
    expect(page.locator("[data-field=conclusion] .invalid-feedback")).to_contain_text("请填写总体评审意见")
    j.shot("finalise-needs-conclusion")
    page.fill("#id_conclusion", "网络与安全基础扎实；教学应用的常态化仍需加强，建议建立应用数据的定期分析。")
    page.get_by_test_id("finalise").click()
    expect(page.locator("main")).to_contain_text("评审已完成")
    expect(page.get_by_test_id("conclusion")).to_contain_text("教学应用的常态化仍需加强")
    j.shot("finalised")
    assessment.refresh_from_db()
    assert assessment.status == AssessmentStatus.FINALISED and assessment.review_round == 2
