"""The Content-Security-Policy in a real browser: the pages work and Chromium reports no violation.

Chromium logs every blocked script, style or eval to the console ("Refused to … because it violates
the following Content Security Policy directive"); this test collects them across the pages that
use scripts (htmx autosave and upload, the framework tree search, Bootstrap widgets, Swagger UI).
"""

from __future__ import annotations

import io
import os

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from assessments.models import Assessment
from tests.samples import pdf_bytes

from .conftest import login

pytestmark = pytest.mark.browser

DEMO_PASSWORD = "Campus#2026"
PDF = pdf_bytes("CSP")


@pytest.fixture
def demo(transactional_db):
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    call_command("load_frameworks", stdout=io.StringIO())
    call_command("seed_demo", "--schools", "20", "--quiet", stdout=io.StringIO())


@pytest.fixture
def violations(page):
    """Console messages about CSP, and uncaught page errors, while the test runs."""
    found: list[str] = []
    page.on(
        "console",
        lambda msg: (
            found.append(f"console on {page.url}: {msg.text}")
            if "Content Security Policy" in msg.text or "Content-Security-Policy" in msg.text
            else None
        ),
    )
    page.on("pageerror", lambda exc: found.append(f"pageerror: {exc}"))
    return found


def test_pages_work_under_the_csp_without_violations(demo, live_server, page, violations):
    login(page, live_server, "bj_commission", DEMO_PASSWORD)
    header = page.context.request.get(f"{live_server.url}/").headers["content-security-policy"]
    assert "script-src 'self'" in header and "frame-ancestors 'self'" in header

    # framework tree: the search moved from an inline script into static/js/framework-tree.js
    page.goto(f"{live_server.url}/frameworks/beijing-k12/")
    page.fill("#node-search", "网络")
    expect(page.locator("#search-count")).to_contain_text("匹配的条目：")

    # field classes that inline scripts used to add
    page.goto(f"{live_server.url}/schools/")
    assert "form-control" in (page.get_attribute("#id_q", "class") or "")
    page.goto(f"{live_server.url}/campaigns/new/")
    assert "form-select" in (page.locator("form select").first.get_attribute("class") or "")

    # interactive API docs from our own static files
    page.goto(f"{live_server.url}/api/docs/")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("智慧校园自评平台 API", timeout=15000)

    # the language switcher (was an inline onchange)
    page.goto(f"{live_server.url}/")
    page.select_option("#lang", "en")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    # the switcher submits from a handler app.js attaches: a change made before the English page has
    # loaded its scripts would go nowhere
    page.wait_for_load_state("networkidle")
    page.select_option("#lang", "zh-hans")
    # the switch is a form submission: wait for its page before the cookies go (else it races the login)
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    page.wait_for_load_state("networkidle")

    # the CIO's item page: htmx autosave and the evidence upload with its progress handler
    page.context.clear_cookies()
    login(page, live_server, "hd_cio", DEMO_PASSWORD)
    assessment = Assessment.objects.filter(school__memberships__user__username="hd_cio").first()
    code = assessment.responses.order_by("node__position").first().node.code
    page.goto(f"{live_server.url}/assessments/{assessment.pk}/items/{code}/")
    page.fill("#statement", "CSP 下的自动保存")
    page.press("#statement", "Tab")
    expect(page.get_by_test_id("save-state")).to_contain_text("已保存")
    page.locator("#evidence-panel input[type=file]").first.set_input_files(
        {"name": "拓扑图.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    page.locator("#evidence-panel button[type=submit]").first.click()
    expect(page.locator("#evidence-panel")).to_contain_text("拓扑图", timeout=10000)

    assert not violations, "\n".join(violations)
