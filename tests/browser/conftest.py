"""Real-browser fixtures: Debian's Chromium driven by Playwright against pytest-django's live server.

- `browser`: one headless Chromium per test module (Playwright never downloads a browser
  here: it launches the system's `/usr/bin/chromium`, or `$CHROMIUM_PATH`).
- `desktop` and `phone`: a fresh browser context (no cookies, its own viewport) wrapped in a
  `Tab`, which records console errors, uncaught exceptions and failed static files, and fails
  the test if any happened on any page visited; `tab` is either, by parametrisation.
- `Tab.check(name)`: saves a full-page screenshot under `artifacts/screenshots/` and runs
  axe-core (WCAG 2.1 A and AA) on the page as it is now; the test asserts `tab.violations`
  is empty at the end, so that one run lists every page's problems at once.

Without Chromium or Playwright the tests skip with the reason; with CI_REQUIRE_SERVICES set
(CI) they fail instead, so that CI never passes by skipping them.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from django.conf import settings

if TYPE_CHECKING:
    from playwright.sync_api import Browser, ConsoleMessage, Page, Request
    from playwright.sync_api import Response as PageResponse

# Without the background-networking flags Chromium keeps calling home, which a closed network
# answers with a flood of failed connections.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
SCREENSHOTS = Path(settings.BASE_DIR) / "artifacts" / "screenshots"
DEVICES: dict[str, dict[str, Any]] = {
    "desktop": {"viewport": {"width": 1280, "height": 900}},
    # A common phone: 390 CSS pixels wide, touch, the page's own meta viewport applies.
    "phone": {
        "viewport": {"width": 390, "height": 844},
        "device_scale_factor": 2,
        "is_mobile": True,
        "has_touch": True,
    },
    # A 1280-pixel screen zoomed to 400% (WCAG 1.4.10, reflow): 320 CSS pixels wide.
    "zoom400": {"viewport": {"width": 320, "height": 256}},
}
STATIC_TYPES = {"stylesheet", "script", "image", "font"}


@pytest.fixture(autouse=True)
def _tasks_in_process() -> Iterator[None]:
    # Emails queued by the pages (invitations, confirmations) are sent in-process into the
    # test outbox, even where REDIS_URL is set (CI): nothing is left on the shared broker.
    from escp_survey.celery import app as celery_app

    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


def unavailable(reason: str) -> None:
    """Skip locally; fail in CI, where the browser tests must really run."""
    if os.getenv("CI_REQUIRE_SERVICES"):
        pytest.fail(f"{reason} (CI_REQUIRE_SERVICES is set, so the browser tests may not skip)")
    pytest.skip(reason)


def chromium_path() -> str | None:
    """$CHROMIUM_PATH if set (and only it), else Debian's Chromium, else one on the PATH."""
    chosen = os.getenv("CHROMIUM_PATH")
    if chosen:
        return chosen if os.access(chosen, os.X_OK) else None
    if os.access("/usr/bin/chromium", os.X_OK):
        return "/usr/bin/chromium"
    return shutil.which("chromium") or shutil.which("chromium-browser")


# Per module rather than per session: while Playwright runs, the test thread has a running
# event loop, which other tests of the same process (asyncio.run, Django's async checks) must
# not inherit. A launch costs about a second.
@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    try:
        from playwright.sync_api import Error, sync_playwright
    except ImportError:
        unavailable("Playwright for Python is not installed (pip install -r requirements-dev.txt)")
    path = chromium_path()
    if path is None:
        where = f"CHROMIUM_PATH={os.environ['CHROMIUM_PATH']} is not executable" if os.getenv("CHROMIUM_PATH") else ""
        unavailable(where or "Chromium is not installed (apt-get install chromium, or set CHROMIUM_PATH)")
    # Playwright's sync API keeps an event loop running in this thread, and Django refuses ORM
    # calls from a thread with a running loop; the tests' own ORM calls are synchronous.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            try:
                chromium = playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
            except Error as error:
                unavailable(f"Chromium at {path} does not start: {error.message.splitlines()[0]}")
            yield chromium
            chromium.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


@dataclass
class Tab:
    """A browser page on the live server, which remembers what went wrong on it."""

    page: Page
    base_url: str
    device: str
    story: str
    errors: list[str] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)
    shots: int = 0

    def __post_init__(self) -> None:
        self.page.on("console", self._on_console)
        self.page.on("pageerror", lambda error: self.errors.append(f"uncaught exception on {self.page.url}: {error}"))
        self.page.on("response", self._on_response)
        self.page.on("requestfailed", self._on_failure)

    def _on_console(self, message: ConsoleMessage) -> None:
        if message.type != "error":
            return
        # A page answered with 4xx on purpose (an error page, a form with errors) makes
        # Chromium log "Failed to load resource" for the document itself; static files that
        # fail are caught by `_on_response` instead.
        if message.text.startswith("Failed to load resource") and message.location.get("url") == self.page.url:
            return
        self.errors.append(f"console error on {self.page.url}: {message.text} ({message.location})")

    def _on_response(self, response: PageResponse) -> None:
        # Every page runs under the site's Content-Security-Policy; what it blocks is logged
        # as a console error ("Refused to …") and fails the test like any other.
        policy = response.headers.get("content-security-policy", "")
        if (
            response.request.resource_type == "document"
            and response.url.startswith(self.base_url)
            and ("frame-ancestors 'none'" not in policy)
        ):
            self.errors.append(f"no Content-Security-Policy on {response.url}")
        if response.request.resource_type in STATIC_TYPES and response.status >= 400:
            self.errors.append(f"{response.status} for {response.url} on {self.page.url}")

    def _on_failure(self, request: Request) -> None:
        # A request cut short because the person moved on to another page is no fault.
        if request.resource_type in STATIC_TYPES and request.failure != "net::ERR_ABORTED":
            self.errors.append(f"{request.url} failed to load ({request.failure}) on {self.page.url}")

    def url(self, path: str) -> str:
        return self.base_url + path

    def open(self, path: str) -> int:
        """Go to a path of the live server; the HTTP status of the page."""
        response = self.page.goto(self.url(path))
        assert response is not None
        return response.status

    def screenshot(self, name: str) -> Path:
        folder = SCREENSHOTS / self.device
        if self.shots == 0:
            # A story that lost a step must not leave the old run's picture of it behind.
            for old in folder.glob(f"{self.story}-[0-9][0-9]-*.png"):
                old.unlink(missing_ok=True)
        self.shots += 1
        path = folder / f"{self.story}-{self.shots:02d}-{_slug(name)}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def axe(self, name: str) -> list[str]:
        """Run axe-core on the page as it is now; its WCAG 2.1 A/AA violations, readable."""
        from axe_playwright_python.sync_playwright import Axe

        options = {"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"]}
        results = Axe().run(self.page, options=options).response
        found = []
        for violation in results["violations"]:
            nodes = "\n".join(
                f"      {', '.join(map(str, node['target']))}: {node.get('failureSummary', '').strip()}".replace(
                    "\n", "\n        "
                )
                for node in violation["nodes"]
            )
            found.append(
                f"[{self.device}] {name} ({self.page.url}): {violation['id']} ({violation['impact']}): "
                f"{violation['help']}\n{nodes}"
            )
        self.violations.extend(found)
        return found

    def check(self, name: str, *, axe: bool = True) -> None:
        """Screenshot the page for people to look at, and check it with axe-core."""
        self.screenshot(name)
        if axe:
            self.axe(name)

    def assert_accessible(self) -> None:
        assert not self.violations, "axe-core found WCAG 2.1 A/AA violations:\n" + "\n".join(self.violations)

    def focused(self) -> dict[str, Any]:
        """The element that has the keyboard focus: tag, id, name, type, text and its outline."""
        return self.page.evaluate(
            """() => {
                const el = document.activeElement;
                const style = getComputedStyle(el);
                return {tag: el.tagName.toLowerCase(), id: el.id, name: el.getAttribute('name') || '',
                        type: el.getAttribute('type') || '', value: el.value === undefined ? '' : String(el.value),
                        text: (el.innerText || '').trim(), label: el.labels && el.labels.length ? el.labels[0].innerText.trim() : '',
                        outline: style.outlineStyle, outlineWidth: parseFloat(style.outlineWidth) || 0,
                        boxShadow: style.boxShadow, visible: el.getClientRects().length > 0};
            }"""
        )


def _story(request: pytest.FixtureRequest) -> str:
    """Screenshots are named after the test, unless it sets `tab.story` to something shorter."""
    name = request.node.name.removeprefix("test_it_").removeprefix("test_")
    return _slug(re.sub(r"\[.*\]$", "", name))[:50]


def _open_tab(
    browser: Browser, live_server: Any, request: pytest.FixtureRequest, device: str, story: str = ""
) -> Iterator[Tab]:
    # Reduced motion turns Bootstrap's transitions off: axe then checks the colours a button
    # settles on, not a frame of its hover fade under the pointer (a loaded machine caught one
    # at 2.3:1 on "Add" once).
    context = browser.new_context(
        **DEVICES[device], locale="en-GB", timezone_id="Europe/Brussels", reduced_motion="reduce"
    )
    context.set_default_timeout(10_000)
    story = story or _story(request)
    tab = Tab(page=context.new_page(), base_url=live_server.url, device=device, story=story)
    try:
        yield tab
        # Let late requests (the icon, a page still loading) finish before the test's
        # database goes away, rather than have the live server meet a closed database.
        tab.page.wait_for_load_state("networkidle")
    finally:
        context.close()
    if tab.errors:
        pytest.fail("JavaScript or loading errors in the browser:\n" + "\n".join(tab.errors))


@pytest.fixture
def desktop(browser: Browser, live_server: Any, request: pytest.FixtureRequest) -> Iterator[Tab]:
    yield from _open_tab(browser, live_server, request, "desktop")


@pytest.fixture
def phone(browser: Browser, live_server: Any, request: pytest.FixtureRequest) -> Iterator[Tab]:
    yield from _open_tab(browser, live_server, request, "phone")


@pytest.fixture(params=["desktop", "phone"])
def tab(browser: Browser, live_server: Any, request: pytest.FixtureRequest) -> Iterator[Tab]:
    yield from _open_tab(browser, live_server, request, request.param)


@pytest.fixture
def new_tab(browser: Browser, live_server: Any, request: pytest.FixtureRequest) -> Iterator[Callable[[str, str], Tab]]:
    """Opens more tabs (another sitting, a colleague) of a given device during one test."""
    opened: list[Iterator[Tab]] = []

    def open_another(device: str, story: str) -> Tab:
        """A new context on `device`; its screenshots are named after `story`."""
        generator = _open_tab(browser, live_server, request, device, story)
        opened.append(generator)
        return next(generator)

    yield open_another
    for generator in opened:
        next(generator, None)
