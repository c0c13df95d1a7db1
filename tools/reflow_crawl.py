"""Crawl the running demo as every persona, 320 CSS pixels wide, and report what does not reflow.

    make run                       # in one terminal: the demo on http://127.0.0.1:8000
    .venv/bin/python tools/reflow_crawl.py [--welsh] [--most 70] [persona ...]

Each persona (and the public, signed out) follows every link of the pages it can open
from its home page (two pages of each kind: ids and numbers in a path count as one kind,
at most `--most` pages each), laid out 320 pixels wide (a 1280-pixel screen at 400%
zoom) as the journeys' check lays them out, plain and with the text spaced out
(`pont.testing.browser.reflow_problem`, WCAG 1.4.10 and 1.4.12). It prints each page that
scrolls sideways with what sticks out, and each server error, and exits non-zero if there
was any. Downloads, the API, signing out and the language switch are not followed.
"""

import argparse
import re
import sys
from collections import Counter
from pathlib import Path
from urllib.parse import urldefrag, urlparse

from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent))
import screenshots  # noqa: E402 - beside this file

BASE = "http://127.0.0.1:8000"
PERSONAS = [
    "custody",
    "frontline",
    "inspector",
    "indinspector",
    "opcc",
    "analyst",
    "opslead",
    "provider",
    "providermgr",
    "panel",
    "dpo",
    "admin",
]
PUBLIC_START = ["/", "/stop-search/public", "/services/public", "/stop-search/panel/public"]
NOT_FOLLOWED = re.compile(
    r"sign-out|set-language|\.csv|\.pdf|/download|/export|/api/|/static/|/media/"
)


def kind(path: str) -> str:
    """A page's kind: its path with ids and numbers taken out."""
    path = re.sub(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "ID", path)
    return re.sub(r"\d+", "N", path)


def crawl(walk: screenshots.Walk, who: str, start: list[str], most: int) -> list[str]:
    from pont.testing.browser import reflow_problem

    host = urlparse(walk.base).netloc
    seen: set[str] = set()
    kinds: Counter[str] = Counter()
    queue, problems = list(start), []
    while queue and len(seen) < most:
        path = queue.pop(0)
        if path in seen or kinds[kind(path)] >= 2:
            continue
        seen.add(path)
        kinds[kind(path)] += 1
        response = walk.page.goto(walk.base + path)
        if response is None or response.status >= 400:
            if response is not None and response.status >= 500:
                problems.append(f"{who} {path}: {response.status}")
            continue
        problem = reflow_problem(walk.page)
        if problem:
            problems.append(f"{who} {path}: {problem}")
        for href in walk.page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)"):
            address = urlparse(urldefrag(href)[0])
            if address.netloc != host or NOT_FOLLOWED.search(address.path):
                continue
            target = address.path + (f"?{address.query}" if address.query else "")
            if target not in seen:
                queue.append(target)
    print(f"{who}: {len(seen)} pages", flush=True)
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("personas", nargs="*", help="demo usernames; 'public' for signed out")
    parser.add_argument("--welsh", action="store_true", help="in Welsh")
    parser.add_argument("--most", type=int, default=70, help="pages per persona at the most")
    parser.add_argument("--base", default=BASE)
    args = parser.parse_args()
    screenshots._django()
    problems: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=screenshots.CHROMIUM, args=screenshots.FLAGS
        )
        for who in args.personas or [*PERSONAS, "public"]:
            # The CSP bypassed, as in the journeys, so that the text spacing can be added.
            page = browser.new_page(viewport={"width": 1100, "height": 900}, bypass_csp=True)
            walk = screenshots.Walk(page, args.base, None)
            if who != "public":
                walk.sign_in(who)
            walk.welsh(args.welsh)
            start = PUBLIC_START if who == "public" else ["/"]
            problems += crawl(walk, who, start, args.most)
            page.close()
        browser.close()
    print("\n".join(problems))
    print(f"{len(problems)} pages scroll sideways or failed")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
