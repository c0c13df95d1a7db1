"""Journeys through the running app in a real browser: Debian's Chromium driven by Playwright.

`make test` runs them (they are marked `browser`). Each journey signs in as a
persona through the real sign-in pages (password, then the authenticator code,
computed from the persona's device), does what that person does, and checks
what they see. Every page a journey visits is checked with axe-core (from npm,
`node_modules/axe-core`): a serious or critical violation fails the journey. It is
also laid out 320 CSS pixels wide (a 1280-pixel screen zoomed to 400%), plain and
with its text spaced out: a page that then scrolls sideways fails the journey (WCAG
1.4.10 reflow, 1.4.12 text spacing; a wide table scrolls in its own region instead,
`.pont-table-scroll`). A failing journey leaves a
screenshot in `var/journeys/`.

Without Chromium (`apt install chromium`) the journeys are skipped, loudly;
CI sets PONT_REQUIRE_BROWSER=1, which turns a missing browser into a failure.
"""

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from pont.accounts.models import User

from .personas import TEST_PASSWORD

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SHOTS = ROOT / "var" / "journeys"
AXE_RULES = "['wcag2a','wcag2aa','wcag21a','wcag21aa','wcag22aa']"

# WCAG 1.4.10: content reflows at 320 CSS pixels wide without scrolling sideways, and
# 1.4.12: it still does with the text spaced out (lines 1.5, letters 0.12em, words
# 0.16em, paragraphs 2em apart). The script lays the page out, then again with that
# spacing (a style element, so the page must be opened with the CSP bypassed, as the
# journeys' is), and names up to three of the elements that stick out past the right
# edge and are not inside a region that scrolls on its own (the page's own box aside).
REFLOW_WIDTH = 320
REFLOW_JS = """() => {
  const root = document.documentElement, width = root.clientWidth;
  const scrolls = (el) => {
    for (let p = el.parentElement; p && p !== document.body && p !== root; p = p.parentElement) {
      if (['auto', 'scroll', 'hidden', 'clip'].includes(getComputedStyle(p).overflowX)) return true;
    }
    return false;
  };
  // An element's right edge, or that of the text or boxes that overflow it.
  const right = (el) => {
    const box = el.getBoundingClientRect();
    return box.width === 0 ? 0 : Math.max(box.right, box.left + el.scrollWidth);
  };
  const sticking_out = () => {
    if (root.scrollWidth <= width + 1) return null;
    const out = [];
    for (const el of document.body.querySelectorAll('*')) {
      if (right(el) <= width + 1 || scrolls(el)) continue;
      if ([...el.children].some((c) => right(c) > width + 1)) continue;
      out.push(`${el.tagName.toLowerCase()} "${(el.textContent || '').trim().slice(0, 40)}"`);
      if (out.length === 3) break;
    }
    return `${root.scrollWidth}px wide: ${out.join(', ')}`;
  };
  const plain = sticking_out();
  if (plain) return plain;
  const spacing = document.createElement('style');
  spacing.textContent = '* { line-height: 1.5 !important; letter-spacing: 0.12em !important; '
    + 'word-spacing: 0.16em !important; } p { margin-bottom: 2em !important; }';
  document.head.appendChild(spacing);
  try {
    if (getComputedStyle(document.body).letterSpacing === 'normal') {
      throw new Error('the text spacing style was refused: open the page with bypass_csp');
    }
    const spaced = sticking_out();
    return spaced && `with the text spaced out (WCAG 1.4.12), ${spaced}`;
  } finally {
    spacing.remove();
  }
}"""


# WCAG 2.4.7: the element that has the keyboard's focus shows it. GOV.UK's focus styles
# draw an outline, a box shadow or a yellow background; an element with none of them, or
# an outline of no colour and no shadow, is named (its tag and text).
FOCUS_UNSEEN_JS = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const s = getComputedStyle(el);
  const clear = (colour) => colour === 'transparent' || /rgba\\(.*, 0\\)$/.test(colour);
  const outline = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0
    && !clear(s.outlineColor);
  const shadow = s.boxShadow !== 'none';
  const background = s.backgroundColor === 'rgb(255, 221, 0)';
  if (outline || shadow || background) return null;
  return `${el.tagName.toLowerCase()} "${(el.textContent || el.value || '').trim().slice(0, 40)}"`;
}"""


def reflow_problem(page: Any) -> str | None:
    """Lay the page out 320 pixels wide, plain and with the text spaced out.

    Say what makes it scroll sideways, if anything.
    """
    size = page.viewport_size
    page.set_viewport_size({"width": REFLOW_WIDTH, "height": 256})
    try:
        return page.evaluate(REFLOW_JS)
    finally:
        page.set_viewport_size(size)


def browser_missing() -> str:
    """Why the journeys cannot run here, or '' when they can."""
    if not CHROMIUM.exists():
        return f"Chromium is not installed at {CHROMIUM} (apt install chromium)"
    if not AXE.exists():
        return f"axe-core is not installed at {AXE} (make assets runs npm ci)"
    return ""


def require_browser() -> None:
    missing = browser_missing()
    if missing:
        if os.environ.get("PONT_REQUIRE_BROWSER"):
            pytest.fail(missing)
        pytest.skip(missing)


def page_problems(page: Any, axe: Path = AXE) -> list[str]:
    """What fails on the page as it is now: its reflow at 320 pixels (plain and with the
    text spaced out), and axe-core's serious and critical violations. One line each."""
    problems = []
    reflow = reflow_problem(page)
    if reflow:
        problems.append(f"{page.url}: reflow at {REFLOW_WIDTH}px: {reflow}")
    page.add_script_tag(path=str(axe))
    result = page.evaluate(f"axe.run(document, {{runOnly: {AXE_RULES}}})")
    for violation in result["violations"]:
        if violation["impact"] in {"serious", "critical"}:
            targets = [node["target"] for node in violation["nodes"]][:3]
            problems.append(f"{page.url}: {violation['id']} ({violation['impact']}) {targets}")
    return problems


@contextmanager
def chromium() -> Iterator[Any]:
    """Chromium for a test (a journey, or one that writes its own pages): skipped without it.

    Playwright's sync API runs an event loop in the test's thread, so Django's guard
    against database calls from async code stands down: the fixtures every test runs
    (conftest.py) may still read the database.
    """
    require_browser()
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        try:
            yield browser
        finally:
            browser.close()


# Pages that are not served by a running app (a test client's answers) are opened at this
# origin, with Pont's static files as the app serves them (ServedPages).
ORIGIN = "http://pont.test"
# Whether Pont's own stylesheet loaded (a page laid out as bare HTML would prove nothing).
STYLED_JS = """() => [...document.styleSheets].some(
  (sheet) => (sheet.href || '').includes('/pont/css/') && sheet.cssRules.length > 100)"""
FRAGMENT_PAGE = """<!doctype html><html lang="{lang}"><head><title>Part of a page</title>
<link rel="stylesheet" href="{css}"></head><body class="govuk-template__body">
<div class="govuk-width-container"><main class="govuk-main-wrapper" id="main-content">
{part}</main></div></body></html>"""


class ServedPages:
    """What a page in Chromium is served: answers added at addresses of their own, and
    Pont's static files as the running app serves them."""

    def __init__(self) -> None:
        self.pages: dict[str, bytes] = {}

    def add(self, html: bytes, language: str = "en") -> str:
        """The address the answer is served at, a new one each time. A part of a page
        (htmx's answer) is put in Pont's main column."""
        if b"<html" not in html:
            from django.templatetags.static import static

            css = static("pont/css/pont.css")
            html = FRAGMENT_PAGE.format(css=css, lang=language, part=html.decode()).encode()
        address = f"/answer/{len(self.pages)}"
        self.pages[address] = html
        return f"{ORIGIN}{address}"

    def serve(self, route: Any) -> None:
        import mimetypes
        from urllib.parse import urlsplit

        from django.conf import settings
        from django.contrib.staticfiles import finders

        path = urlsplit(route.request.url).path
        if path in self.pages:
            route.fulfill(body=self.pages[path], content_type="text/html; charset=utf-8")
            return
        found = path.startswith(settings.STATIC_URL) and finders.find(
            path.removeprefix(settings.STATIC_URL)
        )
        if not found:
            route.fulfill(status=404, body=b"")
            return
        kind = "text/javascript" if path.endswith(".mjs") else mimetypes.guess_type(path)[0]
        with open(found, "rb") as file:
            route.fulfill(body=file.read(), content_type=kind or "application/octet-stream")


@contextmanager
def serving_chromium() -> Iterator[tuple[Any, ServedPages]]:
    """A Chromium page that opens what is added to the ServedPages (with the CSP passed by,
    as in the journeys, so that axe and the text spacing can be added)."""
    served = ServedPages()
    with chromium() as launched:
        page = launched.new_page(viewport={"width": 1100, "height": 900}, bypass_csp=True)
        page.route(f"{ORIGIN}/**", served.serve)
        yield page, served


@dataclass
class Journey:
    """One persona's pass through the app: the page, the pages seen, axe's findings."""

    page: Any
    base: str
    name: str
    seen: list[str] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)

    def go(self, path: str) -> None:
        self.page.goto(f"{self.base}{path}")
        self.check()

    def check(self) -> None:
        """axe-core on the page as it is now, and its reflow: remember what fails."""
        self.page.wait_for_load_state()
        self.seen.append(self.page.url)
        self.violations += page_problems(self.page)

    def click(self, selector: str) -> None:
        """Click and check the page it leads to."""
        self.page.click(selector)
        self.check()

    def text(self) -> str:
        return " ".join(self.page.inner_text("main").split())

    def tab_to(self, selector: str, most: int = 80) -> None:
        """Press Tab until the element `selector` has the focus (keyboard only).

        Every element the focus stops on on the way must show it (WCAG 2.4.7).
        """
        for _press in range(most):
            self.page.keyboard.press("Tab")
            unseen = self.page.evaluate(FOCUS_UNSEEN_JS)
            if unseen:
                self.violations.append(f"{self.page.url}: focus not visible on {unseen}")
            if self.page.evaluate(
                "s => document.activeElement && document.activeElement.matches(s)", selector
            ):
                return
        raise AssertionError(f"{selector} cannot be reached with the Tab key on {self.page.url}")

    def press(self, key: str) -> None:
        """Press a key that follows a link or submits a form; check the page it leads to."""
        with self.page.expect_navigation():
            self.page.keyboard.press(key)
        self.check()

    def sign_in(self, user: User, *, keyboard: bool = False) -> None:
        """Through the real pages: the password, then the authenticator's current code."""
        device, _created = TOTPDevice.objects.get_or_create(
            user=user, name="journey device", defaults={"confirmed": True}
        )
        self.page.context.clear_cookies()
        self.go("/accounts/sign-in")
        self._type("input[name=username]", user.username, keyboard)
        self._type("input[name=password]", TEST_PASSWORD, keyboard)
        self._submit(keyboard)
        for _attempt in range(2):
            totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
            totp.time = time.time()
            self._type("input[name=token]", f"{totp.token():0{device.digits}d}", keyboard)
            self._submit(keyboard)
            if "two-factor" not in self.page.url:
                return
            time.sleep(31 - time.time() % 30)  # a code is accepted once: wait for the next
        raise AssertionError(f"{user.username} could not sign in")

    def _type(self, selector: str, text: str, keyboard: bool) -> None:
        if keyboard:
            self.tab_to(selector)
            self.page.keyboard.type(text)
        else:
            self.page.fill(selector, text)

    def _submit(self, keyboard: bool) -> None:
        if keyboard:
            self.press("Enter")  # in the form's last field: submits it
        else:
            self.click("main form button[type=submit]")


# Filling Pont's forms in a browser (the journeys and tools/screenshots.py) -------------------


def fill_day(scope: Any, prefix: str, day: date) -> None:
    """A GOV.UK date input: day, month and year boxes."""
    scope.locator(f"input[name={prefix}_0]").fill(str(day.day))
    scope.locator(f"input[name={prefix}_1]").fill(str(day.month))
    scope.locator(f"input[name={prefix}_2]").fill(str(day.year))


def fill_moment(page: Any, prefix: str, moment: datetime) -> None:
    """A GOV.UK date input and a time box, in the local time of Wales."""
    local = timezone.localtime(moment)
    fill_day(page, prefix, local.date())
    page.fill(f"input[name={prefix}_time]", f"{local:%H:%M}")


def fill_drug_test(page: Any, *, record_number: str, born: date, now: datetime) -> None:
    """The custody desk's form for someone new to Pont (Owain Prydderch): arrested for theft at
    Llanelli two hours ago, tested twenty minutes ago, positive for cocaine."""
    page.fill("input[name=given_name]", "Owain")
    page.fill("input[name=family_name]", "Prydderch")
    fill_day(page, "date_of_birth", born)
    page.select_option("select[name=custody_suite]", label="Llanelli custody suite")
    page.fill("input[name=custody_record_number]", record_number)
    fill_moment(page, "arrested_at", now - timedelta(hours=2))
    page.fill("textarea[name=offences], input[name=offences]", "Theft from a shop")
    page.check("input[name=condition][value=arrest]")
    page.select_option("select[name=trigger_offence]", value="theft")
    page.check("input[name=warning_given]")
    page.check("input[name=outcome][value=tested]")
    fill_moment(page, "sample_taken_at", now - timedelta(minutes=20))
    page.check("input[name=result_cocaine][value=positive]")
    page.check("input[name=result_opiates][value=negative]")


def fill_required_assessment(page: Any, *, service_id: Any, appointment: datetime) -> None:
    """The Required Assessment's form on a test's page: the service, when and where."""
    page.select_option("select[name=service]", value=str(service_id))
    fill_moment(page, "appointment_at", appointment)
    page.fill("input[name=place]", "DDAS Llanelli, Unit 2, Heol y Bont, Llanelli SA15 3AB")


@pytest.fixture(scope="session")
def journey_server(django_db_setup: Any, django_db_blocker: Any) -> Iterator[Any]:
    """The app served in a thread (pytest-django's helper), for the journeys only.

    Not pytest-django's `live_server` fixture: that one makes the test transactional
    before anything else, so the reference data would be restored before the database
    is emptied after the test, not after (see `audit_flushable` in conftest.py).
    """
    from pytest_django.live_server_helper import LiveServer

    with django_db_blocker.unblock():
        server = LiveServer("localhost")
    yield server
    server.stop()
    with django_db_blocker.unblock():
        from django.db import connection

        if connection.vendor == "postgresql":
            # A request thread's connection can outlive the server by a moment; end it, or
            # the test database could not be dropped at the end of the run.
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )


@pytest.fixture
def journey(request: Any, audit_flushable: None, journey_server: Any) -> Iterator[Journey]:
    """A fresh browser page against the live server; a screenshot if the journey fails."""
    live_server = journey_server
    with chromium() as browser:  # skipped here, before the server's settings, without it
        live_server._live_server_modified_settings.enable()
        page = browser.new_page(viewport={"width": 1100, "height": 900}, bypass_csp=True)
        page.set_default_timeout(15_000)
        walk = Journey(page=page, base=live_server.url, name=request.node.name)
        try:
            yield walk
            failed = getattr(request.node, "journey_failed", False)
        except BaseException:
            failed = True
            raise
        finally:
            if failed or walk.violations:
                SHOTS.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(SHOTS / f"{walk.name}.png"), full_page=True)
            live_server._live_server_modified_settings.disable()
    if walk.violations:
        pytest.fail("axe-core (serious or critical) or reflow:\n" + "\n".join(walk.violations))
