"""Headless Chromium (Debian's /usr/bin/chromium) driven by Playwright — no downloaded browsers."""

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path("test-artifacts")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--lang=zh-CN",  # the browser's own words (date inputs, messages) in Chinese, as on users' machines
]


@pytest.fixture(scope="session")
def chromium():
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"Chromium not found at {CHROMIUM}; .ci/run installs Debian's chromium")
        pytest.skip("Debian chromium 未安装（apt-get install chromium），浏览器测试未运行")
    # Playwright's sync API runs an event loop in this thread; Django's ORM calls from the test
    # body are still synchronous, so allow them explicitly.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


@pytest.fixture
def page(chromium):
    ARTIFACTS.mkdir(exist_ok=True)
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    yield page
    context.close()


def login(page, live_server, username: str, password: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")


# --- journeys: one user's walk through the product ---------------------------------------------------

import re  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from urllib.parse import urlsplit  # noqa: E402

JOURNEYS = ARTIFACTS / "journeys"
CSP = re.compile(r"Content[- ]Security[- ]Policy", re.IGNORECASE)


@dataclass
class Journey:
    """One user in their own browser context. `shot(step)` saves a screenshot of the current page as
    test-artifacts/journeys/<name>/NN-<step>.png; every page the journey visits must be shot (checked
    at the end), and any console error, uncaught page error or CSP violation fails the test.

    `expect_status(400)` around an action whose page answers with that status on purpose (a form
    shown again with its errors) lets Chromium's "Failed to load resource" message for it pass."""

    page: object
    live_server_url: str
    name: str
    directory: Path
    problems: list[str] = field(default_factory=list)
    visited: dict[str, str] = field(default_factory=dict)  # path → first URL seen
    shot_paths: set[str] = field(default_factory=set)
    expected_statuses: list[int] = field(default_factory=list)
    count: int = 0

    # --- navigation -----------------------------------------------------------------------------
    def url(self, path: str) -> str:
        return f"{self.live_server_url}{path}"

    def goto(self, path: str, step: str) -> Path:
        self.page.goto(self.url(path))
        return self.shot(step)

    def login(self, username: str, password: str) -> Path:
        self.page.goto(self.url("/accounts/login/"))
        self.shot("login")
        self.page.fill("#id_username", username)
        self.page.fill("#id_password", password)
        self.page.click("button[type=submit]")
        self.page.wait_for_load_state("networkidle")
        return self.shot("home")

    def shot(self, step: str, *, full_page: bool = True) -> Path:
        """Screenshot of the page as it is now (after the network settles)."""
        self.page.wait_for_load_state("networkidle")
        self.count += 1
        slug = re.sub(r"[^\w-]+", "-", step).strip("-")
        path = self.directory / f"{self.count:02d}-{slug}.png"
        self.page.screenshot(path=str(path), full_page=full_page)
        self.shot_paths.add(urlsplit(self.page.url).path)
        return path

    # --- what the browser reports -----------------------------------------------------------------
    def _console(self, message) -> None:
        text = message.text
        if urlsplit(message.location.get("url") or "").path == "/favicon.ico":
            return  # Chromium asks for /favicon.ico on its own; the pages themselves link no icon
        if CSP.search(text):
            self.problems.append(f"CSP on {self.page.url}: {text}")
        elif message.type == "error":
            status = re.search(r"status of (\d{3})", text)
            if status and int(status.group(1)) in self.expected_statuses:
                return
            self.problems.append(f"console error on {self.page.url}: {text}")

    def _navigated(self, frame) -> None:
        if frame == self.page.main_frame and frame.url.startswith(self.live_server_url):
            self.visited.setdefault(urlsplit(frame.url).path, frame.url)

    def expect_status(self, status: int):
        journey = self

        class _Expect:
            def __enter__(self):
                journey.expected_statuses.append(status)

            def __exit__(self, *exc):
                journey.page.wait_for_load_state("networkidle")
                journey.expected_statuses.remove(status)

        return _Expect()

    def unshot_pages(self) -> list[str]:
        ignored = ("/accounts/logout/",)
        return sorted(u for p, u in self.visited.items() if p not in self.shot_paths and p not in ignored)


@pytest.fixture
def journey(chromium, live_server, request):
    """`journey("commission-beijing", width=1280)` → a `Journey` in its own browser context. At the end
    the test fails if any journey met a console error or CSP violation, or visited a page it did not
    screenshot."""
    journeys: list[Journey] = []
    contexts = []

    def make(name: str, *, width: int = 1280, under: Path = JOURNEYS) -> Journey:
        directory = under / name
        directory.mkdir(parents=True, exist_ok=True)
        for old in directory.glob("*.png"):
            old.unlink()
        context = chromium.new_context(
            viewport={"width": width, "height": 900}, locale="zh-CN", accept_downloads=True
        )
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(20000)
        j = Journey(page=page, live_server_url=live_server.url, name=name, directory=directory)
        page.on("console", j._console)
        page.on("pageerror", lambda exc: j.problems.append(f"page error on {page.url}: {exc}"))
        page.on("framenavigated", j._navigated)
        page.on("dialog", lambda dialog: dialog.accept())
        journeys.append(j)
        return j

    yield make
    failed = request.node.rep_call.failed if hasattr(request.node, "rep_call") else False
    for j in journeys:
        if failed and not j.page.is_closed():
            j.page.screenshot(path=str(j.directory / "failed.png"), full_page=True)  # where it stopped
    for context in contexts:
        context.close()
    if failed:
        return
    problems = [p for j in journeys for p in j.problems]
    unshot = [f"{j.name}: {u}" for j in journeys for u in j.unshot_pages()]
    assert not problems, "the browser reported problems:\n" + "\n".join(problems)
    assert not unshot, "pages visited without a screenshot:\n" + "\n".join(unshot)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Make each phase's report available to fixtures (`request.node.rep_call`)."""
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)
