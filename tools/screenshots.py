"""Take the guides' screenshots from the running demo, and check each page with axe-core.

    make run                       # in one terminal: the demo on http://127.0.0.1:8000
    .venv/bin/python tools/screenshots.py [--axe /path/to/axe.min.js]

It signs in as the demo personas (password and the current code from
`pont demo-otp`), walks through Test on Arrest as the custody officer, the
provider worker and the inspector, stop and search as the officer, the
inspector, the panel member and the commissioner's office, out-of-court disposals as the
officer, the inspector and the panel member, and the public
pages, and saves PNGs in docs/img/. With --axe it
runs axe-core on every page it visits, lays each out 320 CSS pixels wide (plain and with
the text spaced out), and exits non-zero on any serious or critical violation or any page
that then scrolls sideways (WCAG 1.4.10, 1.4.12). It drives Debian's Chromium (apt install
chromium).
"""

import argparse
import json
import os
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "img"
PASSWORD = "Teifi-Towy-Wye-2026"  # noqa: S105 - the demo's published password
CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def _django() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    # Playwright's sync API runs an event loop in this thread; the script only reads the
    # demo database to find records to show, so Django's async guard can stand down.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    import django

    django.setup()


class Walk:
    def __init__(self, page: Page, base: str, axe: str | None) -> None:
        self.page, self.base, self.axe = page, base.rstrip("/"), axe
        self.failures: list[str] = []
        self.checked = 0

    def sign_in(self, username: str) -> None:
        self.page.context.clear_cookies()
        self.page.goto(f"{self.base}/accounts/sign-in")
        self.page.fill("input[name=username]", username)
        self.page.fill("input[name=password]", PASSWORD)
        self.page.click("main form button[type=submit]")
        for _attempt in range(3):
            code = subprocess.run(  # noqa: S603 - our own command, fixed arguments
                [str(ROOT / ".venv" / "bin" / "pont"), "demo-otp", username],
                check=True,
                capture_output=True,
                text=True,
            ).stdout.split()[-1]
            self.page.fill("input[name=token]", code)
            self.page.click("main form button[type=submit]")
            self.page.wait_for_load_state()
            if "two-factor" not in self.page.url:
                return
            # A code is accepted once: wait for the next one (30-second steps).
            time.sleep(31 - time.time() % 30)
        raise RuntimeError(f"Could not sign in as {username}")

    def go(self, path: str) -> None:
        self.page.goto(f"{self.base}{path}")
        self.check()

    def check(self) -> None:
        """Run axe-core on the page as it is now, and lay it out 320 pixels wide (1.4.10, 1.4.12).

        Remember serious and critical violations, and a page that scrolls sideways.
        """
        if not self.axe:
            return
        from pont.testing.browser import page_problems

        self.checked += 1
        self.failures += page_problems(self.page, Path(self.axe))

    def shot(self, name: str, *, full: bool = True) -> None:
        OUT.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(OUT / f"{name}.png"), full_page=full)
        print(f"docs/img/{name}.png  {self.page.url}")

    def welsh(self, on: bool) -> None:
        self.page.goto(f"{self.base}/")
        language = self.page.get_attribute("html", "lang")
        if (language == "cy") != on:
            label = "Cymraeg" if on else "English"
            self.page.click(f"form[action$='set-language'] button:has-text('{label}')")
            self.page.wait_for_load_state()


def custody_officer(walk: Walk) -> None:
    from django.utils import timezone

    from pont.directory.models import Service
    from pont.testing.browser import fill_drug_test, fill_required_assessment

    page = walk.page
    walk.sign_in("custody")
    walk.go("/custody/drug-tests/")
    walk.shot("custody-1-list")

    walk.go("/custody/drug-tests/new")
    now = timezone.now()
    record_number = f"LL/{int(time.time()) % 100000:05d}/26"
    fill_drug_test(page, record_number=record_number, born=date(1991, 3, 14), now=now)
    page.click("text=Check whether the law allows a test")
    page.wait_for_timeout(800)
    walk.check()
    walk.shot("custody-2-record-test")

    page.click("button:has-text('Record the test')")
    page.wait_for_load_state()
    if "/new" in page.url:  # possible matches: the officer confirms this is someone new
        page.check("input[name=confirmed_new]")
        page.click("button:has-text('Record the test')")
        page.wait_for_load_state()
    walk.check()
    walk.shot("custody-3-test-recorded")

    service = Service.objects.filter(name__icontains="Llanelli", accepts_referrals=True).first()
    service = service or Service.objects.filter(accepts_referrals=True).order_by("name").first()
    assert service is not None  # noqa: S101 - the demo has services
    appointment = timezone.localtime(now + timedelta(days=2)).replace(hour=10, minute=30)

    def impose() -> None:
        fill_required_assessment(page, service_id=service.pk, appointment=appointment)

    impose()
    page.click("button:has-text('Impose and make the RA1 notice')")
    page.wait_for_load_state()
    walk.check()
    walk.shot("custody-4-details-missing")

    # The person is new: add their mobile and the address they are released to.
    add_details = page.get_attribute("#contact-details-missing a", "href")
    for kind, values, use in (
        ("phone", {"phone": "07700 900123"}, "mobile"),
        (
            "address",
            {"address_line_1": "12 Heol y Dŵr", "town": "Llanelli", "postcode": "SA15 1AB"},
            "release",
        ),
    ):
        page.goto(f"{walk.base}{add_details}")
        page.check(f"input[name=kind][value={kind}]")
        page.click("main form button[type=submit]")
        page.wait_for_load_state()
        for name, value in values.items():
            page.fill(f"input[name={name}]", value)
        page.check(f"input[name=use][value={use}]")
        if kind == "address":
            walk.check()
            walk.shot("custody-5-release-address")
        page.click("main form button[type=submit]")
        page.wait_for_load_state()
    walk.check()
    impose()
    walk.shot("custody-6-impose")
    page.click("button:has-text('Impose and make the RA1 notice')")
    page.wait_for_load_state()
    walk.check()
    walk.shot("custody-7-ra1-ready")

    walk.go("/custody/drug-tests/tasks")
    walk.shot("custody-8-tasks")
    walk.go("/custody/drug-tests/breaches")
    walk.shot("custody-9-breaches")
    from pont.drug_testing.models import BreachCase

    breach = BreachCase.objects.filter(decision="").order_by("-created_at").first()
    if breach is not None:
        walk.go(f"/custody/drug-tests/breaches/{breach.pk}")
        walk.shot("custody-10-breach")
    walk.go("/custody/drug-tests/dashboard")
    walk.shot("custody-11-dashboard")

    walk.welsh(True)
    walk.go("/custody/drug-tests/")
    walk.shot("custody-12-list-welsh", full=False)
    walk.welsh(False)


def provider_worker(walk: Walk) -> None:
    from pont.drug_testing.models import RequiredAssessment

    walk.sign_in("provider")
    walk.go("/referrals/")
    walk.shot("provider-1-queue")
    pending = (
        RequiredAssessment.objects.filter(
            initial_attendance="pending",
            referral__service__organization__pont_organisation__slug="ddas",
        )
        .order_by("-created_at")
        .first()
    ) or RequiredAssessment.objects.filter(initial_attendance="pending").order_by(
        "-created_at"
    ).first()
    if pending is not None:
        walk.go(f"/referrals/{pending.referral_id}")
        walk.shot("provider-2-referral")
        walk.go(f"/custody/drug-tests/provider/assessments/{pending.pk}")
        walk.shot("provider-3-assessment")
    _correcting_attendance(walk)


def _correcting_attendance(walk: Walk) -> None:
    """The form that corrects a recorded attendance, opened and sent empty (its errors)."""
    from pont.referrals.models import Appointment, Referral

    answered = (
        Appointment.objects.filter(
            referral__status=Referral.Status.IN_PROGRESS,
            referral__service__organization__pont_organisation__slug="ddas",
            attendance__in=["attended", "did_not_attend", "left_early"],
        )
        .order_by("-starts_at")
        .first()
    )
    if answered is None:
        return
    walk.go(f"/referrals/{answered.referral_id}")
    walk.page.click("summary:has-text('Correct a recorded attendance')")
    walk.page.click("form[action$='/attendance/correct'] button[type=submit]")
    walk.page.wait_for_load_state()
    walk.check()


def inspector(walk: Walk) -> None:
    from pont.drug_testing.models import QaSample

    walk.sign_in("inspector")
    walk.go("/custody/drug-tests/quality")
    walk.shot("inspector-1-quality")
    sample = QaSample.objects.order_by("-month").first()
    if sample is not None:
        walk.go(f"/custody/drug-tests/quality/{sample.pk}")
        walk.shot("inspector-2-sample", full=False)


def search_officer(walk: Walk) -> None:
    """The front-line officer: the quick record on a phone, their searches, their feedback."""
    page = walk.page
    walk.sign_in("frontline")
    walk.welsh(False)
    page.set_viewport_size({"width": 390, "height": 844})
    walk.go("/stop-search/new")
    walk.shot("officer-1-record-search-phone")
    page.set_viewport_size({"width": 1100, "height": 900})
    walk.go("/stop-search/")
    walk.shot("officer-2-searches", full=False)
    walk.go("/stop-search/audit/feedback")
    walk.shot("officer-3-feedback", full=False)


def search_inspector(walk: Walk) -> None:
    """The inspector: a month's sample, a review, and a panel case prepared for the panel."""
    from pont.stop_search.models import AuditSample, PanelCase, PanelSession, SearchReview

    walk.sign_in("inspector")
    sample = AuditSample.objects.order_by("-month").first()
    if sample is not None:
        walk.go(f"/stop-search/audit/{sample.pk}")
        walk.shot("inspector-3-search-sample", full=False)
        waiting = SearchReview.objects.filter(
            sampled__sample=sample, kind="local", reviewed_at=None
        ).first()
        if waiting is not None:
            walk.go(f"/stop-search/audit/searches/{waiting.sampled_id}")
            walk.shot("inspector-4-search-review")
    walk.go("/stop-search/audit/dashboard")
    walk.shot("inspector-5-audit-dashboard", full=False)
    session = PanelSession.objects.filter(status="preparing").first()
    case = PanelCase.objects.filter(session=session).order_by("number").first()
    if case is not None:
        walk.go(f"/stop-search/panel/cases/{case.pk}/prepare")
        walk.shot("inspector-6-panel-prepare")
    walk.go("/stop-search/figures")
    walk.shot("inspector-7-figures", full=False)


def panel_member(walk: Walk) -> None:
    """The panel member (who works in Welsh): the open session and a case to judge."""
    from pont.stop_search.models import PanelCase, PanelJudgement, PanelSession

    walk.sign_in("panel")
    walk.welsh(False)
    walk.go("/stop-search/panel")
    walk.shot("panel-1-sessions", full=False)
    session = PanelSession.objects.filter(status="open").first()
    if session is None:
        return
    walk.go(f"/stop-search/panel/{session.pk}")
    walk.shot("panel-2-session")
    judged = PanelJudgement.objects.filter(case__session=session).values("case_id")
    case = (
        PanelCase.objects.filter(session=session).exclude(pk__in=judged).order_by("number").first()
    )
    if case is not None:
        walk.go(f"/stop-search/panel/cases/{case.pk}")
        walk.shot("panel-3-case")
        walk.welsh(True)
        walk.go(f"/stop-search/panel/cases/{case.pk}")
        walk.shot("panel-4-case-welsh", full=False)
        walk.welsh(False)


def commissioners_office(walk: Walk) -> None:
    """The commissioner's office: the published session, with the force's response."""
    from pont.stop_search.models import PanelSession

    walk.sign_in("opcc")
    walk.welsh(False)
    session = PanelSession.objects.filter(published_at__isnull=False).first()
    if session is not None:
        walk.go(f"/stop-search/panel/{session.pk}")
        walk.shot("opcc-1-panel-session")


def disposal_officer(walk: Walk) -> None:
    """The front-line officer: the recommendation on a new decision, then the authorised
    conditional caution issued, its referral sent at once."""
    from pont.disposals.models import Disposal
    from pont.people.models import Person

    walk.sign_in("frontline")
    walk.welsh(False)
    walk.go("/disposals/")
    walk.shot("disposals-1-list", full=False)
    person = Person.objects.order_by("pk").first()
    if person is not None:
        page = walk.page
        walk.go(f"/disposals/new?person={person.pk}")
        page.check("input[name=offences][value=shop_theft]")
        page.check("input[name=offences][value=criminal_damage]")
        page.check("input[name=admission][value=yes]")
        page.check("input[name=evidential_test_met][value=yes]")
        page.check("input[name=victim_views][value=supports]")
        page.check("input[name=aggravating][value=relevant_previous]")
        page.click("button[value=recommend]")
        page.wait_for_load_state()
        walk.check()
        page.locator("#recommendation").scroll_into_view_if_needed()
        walk.shot("disposals-2-recommendation", full=False)
    ready = Disposal.objects.filter(
        status=Disposal.Status.AUTHORISED, officer__username="frontline"
    ).first()
    if ready is not None:
        walk.go(f"/disposals/{ready.pk}")
        walk.shot("disposals-3-authorised")
        walk.go(f"/disposals/{ready.pk}/issue")
        walk.shot("disposals-4-issue", full=False)
    walk.go("/disposals/tasks")
    walk.shot("disposals-5-tasks", full=False)
    breached = Disposal.objects.filter(
        status=Disposal.Status.BREACHED, officer__username="frontline"
    ).first()
    if breached is not None:
        walk.go(f"/disposals/{breached.pk}/breach")
        walk.shot("disposals-6-breach", full=False)


def disposal_supervisor(walk: Walk) -> None:
    """The inspector: a disposal awaiting authorisation, and the dashboard."""
    from pont.disposals.models import Disposal

    walk.sign_in("inspector")
    walk.welsh(False)
    waiting = (
        Disposal.objects.filter(status=Disposal.Status.AWAITING_AUTHORISATION)
        .exclude(officer__username="inspector")
        .first()
    )
    if waiting is not None:
        walk.go(f"/disposals/{waiting.pk}")
        walk.shot("disposals-7-authorise")
    walk.go("/disposals/dashboard")
    walk.shot("disposals-8-dashboard")


def disposal_scrutiny(walk: Walk) -> None:
    """The panel member: the month's sample and a pseudonymised case, in English and Welsh."""
    from pont.disposals.models import ScrutinyCase, ScrutinySample

    walk.sign_in("panel")
    walk.welsh(False)
    walk.go("/disposals/scrutiny")
    walk.shot("disposals-9-scrutiny", full=False)
    sample = ScrutinySample.objects.filter(closed_at__isnull=True).order_by("-month").first()
    case = ScrutinyCase.objects.filter(sample=sample).order_by("position").first()
    if case is not None:
        walk.go(f"/disposals/scrutiny/cases/{case.pk}")
        walk.shot("disposals-10-scrutiny-case")
        walk.welsh(True)
        walk.go(f"/disposals/scrutiny/cases/{case.pk}")
        walk.welsh(False)


def public_visitor(walk: Walk) -> None:
    """No sign-in: the stop and search figures, in English and in Welsh."""
    walk.page.context.clear_cookies()
    walk.go("/stop-search/public")
    walk.shot("public-1-stop-search", full=False)
    walk.welsh(True)
    walk.go("/stop-search/public")
    walk.shot("public-2-stop-search-welsh", full=False)
    walk.go("/stop-search/panel/public")
    walk.shot("public-3-panel-welsh", full=False)
    walk.welsh(False)
    walk.go("/stop-search/panel/public")
    walk.shot("public-4-panel", full=False)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", default="http://127.0.0.1:8000")
    parser.add_argument("--axe", help="path to axe.min.js (npm axe-core) to check each page")
    args = parser.parse_args()
    _django()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        # bypass_csp: axe-core is injected as an inline script, which the CSP (rightly) refuses.
        page = browser.new_page(viewport={"width": 1100, "height": 900}, bypass_csp=bool(args.axe))
        walk = Walk(page, args.base_url, args.axe)
        journeys = (
            custody_officer,
            provider_worker,
            inspector,
            search_officer,
            search_inspector,
            panel_member,
            commissioners_office,
            disposal_officer,
            disposal_supervisor,
            disposal_scrutiny,
            public_visitor,
        )
        for journey in journeys:
            journey(walk)
        browser.close()
    if args.axe:
        print(json.dumps({"pages_checked": walk.checked, "serious_or_critical": walk.failures}))
    return 1 if walk.failures else 0


if __name__ == "__main__":
    sys.exit(main())
