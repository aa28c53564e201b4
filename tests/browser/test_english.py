"""English in a real browser: a CIO and a commission user switch the language with the footer's switch
and walk the navigation, the home page, the assessment overview, an item page and the dashboard.

Data (indicator texts from the standards, school and region names, what users typed) stays Chinese and
is marked `lang="zh-CN"`; every other visible text must be English. Switching back restores Chinese."""

import io
import os

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from assessments.models import Assessment, Campaign

from .conftest import ARTIFACTS

pytestmark = pytest.mark.browser

PASSWORD = "Campus#2026"

# Visible text nodes with a CJK character that are not inside an element marked as Chinese data.
CHINESE_OUTSIDE_DATA = r"""() => {
  const cjk = /[\u3400-\u9fff\uff00-\uffef\u3000-\u303f]/;
  const found = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    if (!cjk.test(node.textContent)) continue;
    const el = node.parentElement;
    if (!el || el.closest('script,style,template,noscript')) continue;
    const marked = el.closest('[lang]');
    if (marked && marked.getAttribute('lang').toLowerCase().startsWith('zh')) continue;
    const style = getComputedStyle(el);
    if (style.display === 'none' || style.visibility === 'hidden' || !el.getClientRects().length) continue;
    found.push(node.textContent.trim().slice(0, 80));
  }
  return found;
}"""


@pytest.fixture
def demo(transactional_db):
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # Playwright's sync API runs an event loop
    call_command("load_frameworks", stdout=io.StringIO())
    call_command("seed_demo", "--schools", "40", "--quiet", stdout=io.StringIO())


def english_only(j, step: str, *, title_is_ui: bool = False) -> None:
    j.shot(step)
    page = j.page
    assert page.locator("html").get_attribute("lang") == "en"
    leftovers = page.evaluate(CHINESE_OUTSIDE_DATA)
    assert not leftovers, f"Chinese outside data on {step} ({page.url}): {leftovers}"
    title = page.title()  # a page's title may name its data (campaign, school); the home page's is UI only
    assert not title_is_ui or not any("\u4e00" <= ch <= "\u9fff" for ch in title), (
        f"Chinese title on {step}: {title}"
    )


def switch(page, language: str) -> None:
    with page.expect_navigation():
        page.select_option("#lang", language)
    page.wait_for_load_state("networkidle")


def test_cio_and_commission_work_in_english(demo, journey):
    campaign = Campaign.objects.get(title="2026年北京市中小学智慧校园自评")
    assessment = Assessment.objects.get(campaign=campaign, school__memberships__user__username="hd_cio")
    item = assessment.responses.select_related("node").order_by("node__position").first()

    cio = journey("english-cio", under=ARTIFACTS / "english")
    page = cio.page
    cio.login("hd_cio", PASSWORD)
    expect(page.locator("nav.navbar")).to_contain_text("我的自评")
    switch(page, "en")
    english_only(cio, "home-en", title_is_ui=True)
    expect(page.locator("nav.navbar")).to_contain_text("My self-assessment")
    cio.goto(f"/assessments/{assessment.pk}/", "overview")
    english_only(cio, "overview-en")
    cio.goto(f"/assessments/{assessment.pk}/items/{item.node.code}/", "item")
    english_only(cio, "item-en")
    expect(page.locator("main")).to_contain_text(item.node.name)  # the standard's text stays as written
    # the page's scripts speak English too (autosave's messages come from the JavaScript catalog)
    assert page.evaluate("gettext('未保存')") == "Not saved"

    # back to Chinese: the same page reads in Chinese again
    switch(page, "zh-hans")
    cio.shot("item-zh")
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    expect(page.locator("nav.navbar")).to_contain_text("我的自评")

    commission = journey("english-commission", under=ARTIFACTS / "english")
    page = commission.page
    commission.login("bj_commission", PASSWORD)
    switch(page, "en")
    english_only(commission, "home-en", title_is_ui=True)
    commission.goto(f"/campaigns/{campaign.pk}/", "campaign")
    page.click("[data-testid=dashboard-link]")
    english_only(commission, "dashboard-en")
