"""Clause checklists in a real browser: the CIO ticks the clauses of a compliance item with mouse
and keyboard, sees the suggested status and the flag when the chosen status differs; the reviewer
sees the school's ticks beside their own and ticks their own."""

import os

import pytest
from playwright.sync_api import expect

from assessments.models import Assessment, ClauseCheck
from indicators.models import Node
from tests.assessments.conftest import make_campaign
from tests.factories import PASSWORD, fill_and_submit, small_compliance_framework

pytestmark = pytest.mark.browser

SAVE_TIMEOUT = 20000  # a busy machine
# 正版化软件服务 (Beijing higher education 1.3.7), verbatim, with its remark
TEXT = (
    "（1）建立操作系统、应用软件、数据库等正版化软件管理平台，倡导使用国产化软件，为师生提供正版化软件服务。"
    "（2）做好正版软件管理工作，大力推广正版化软件应用，规范使用正版软件行为，保护知识产权，"
    "提高软件资源使用效率，保障信息系统安全高效运行。"
    "（3）针对软件正版化工作成立领导小组、建章立制、梳理工作思路、明晰工作标准、规范工作流程。"
    "（4）制定并签署《使用正版软件承诺书》。"
    "（5）对于师生在教学、科研中通用常用的正版软件，可集中购置授权，为师生提供正版化软件服务。"
)


@pytest.fixture
def assessment(transactional_db, world) -> Assessment:
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # Playwright's sync API runs an event loop
    framework = small_compliance_framework()
    Node.objects.filter(framework=framework, code="1.1").update(
        name="正版化软件服务", text=TEXT, note="第（5）条选配", optional_clauses=[5]
    )
    campaign = make_campaign(world, framework, schools=[world.school_a1], title="2026年甲市高校达标自评")
    return campaign.assessments.get()


def test_cio_ticks_clauses_and_reviewer_ticks_their_own(assessment, world, journey):
    cio = journey("clauses-cio")
    cio.login("cio", PASSWORD)
    page = cio.page
    page.goto(cio.url(f"/assessments/{assessment.pk}/items/1.1/"))
    expect(page.get_by_test_id("item-note")).to_contain_text("第（5）条选配")
    checklist = page.get_by_test_id("clause-checklist-self")
    expect(checklist.get_by_test_id("clause-row")).to_have_count(5)
    expect(checklist.get_by_test_id("clause-optional")).to_have_count(1)
    expect(page.get_by_test_id("clause-save-state")).to_contain_text("尚未勾选")
    cio.shot("item-before")

    page.locator("label[for=status-met]").click()  # the school says 达标 …
    answer_state = page.locator("#save-state [data-testid=save-state]")
    expect(answer_state).to_contain_text("已保存", timeout=SAVE_TIMEOUT)
    page.locator("label[for=clause-self-1]").click()  # … but ticks only two required clauses (label)
    expect(page.get_by_test_id("clause-save-state")).to_contain_text("已保存", timeout=SAVE_TIMEOUT)
    page.locator("#clause-self-2").focus()
    page.keyboard.press("Space")  # by keyboard
    page.locator("#clause-self-5").focus()
    page.keyboard.press("Space")  # the optional clause does not count
    expect(page.get_by_test_id("clause-suggested")).to_have_text("部分达标", timeout=SAVE_TIMEOUT)
    expect(page.get_by_test_id("clause-save-state")).to_contain_text("已保存", timeout=SAVE_TIMEOUT)
    expect(page.get_by_test_id("clause-mismatch")).to_contain_text("与条款勾选结果不一致")
    cio.shot("item-mismatch")
    check = ClauseCheck.objects.get(response__assessment=assessment, side="self")
    assert check.met == [1, 2, 5]

    page.reload()  # what was saved is what the page shows
    expect(page.locator("#clause-self-2")).to_be_checked()
    expect(page.locator("#clause-self-3")).not_to_be_checked()
    expect(page.get_by_test_id("clause-mismatch")).to_be_visible()
    cio.shot("item-reloaded")

    fill_and_submit(assessment, world.users["cio"])

    reviewer = journey("clauses-reviewer")
    reviewer.login("reviewer", PASSWORD)
    page = reviewer.page
    page.goto(reviewer.url(f"/reviews/assessments/{assessment.pk}/items/1.1/"))
    checklist = page.get_by_test_id("clause-checklist-review")
    expect(checklist.get_by_test_id("clause-other")).to_have_count(5)
    expect(checklist.get_by_test_id("clause-other").nth(1)).to_contain_text("已勾选")
    expect(checklist.get_by_test_id("clause-other").nth(2)).to_contain_text("未勾选")
    reviewer.shot("review-before")
    for n in (1, 2, 3, 4):
        page.locator(f"#clause-review-{n}").check()
    expect(page.get_by_test_id("clause-suggested")).to_have_text("达标", timeout=SAVE_TIMEOUT)
    expect(page.get_by_test_id("clause-save-state")).to_contain_text("已保存", timeout=SAVE_TIMEOUT)
    page.keyboard.press("a")  # accept the school's 达标: agrees with the reviewer's ticks
    expect(page.get_by_test_id("review-save-state")).to_contain_text("已保存", timeout=SAVE_TIMEOUT)
    expect(page.get_by_test_id("clause-mismatch")).to_have_count(0)
    reviewer.shot("review-ticked")
    assert ClauseCheck.objects.get(response__assessment=assessment, side="review").met == [1, 2, 3, 4]
