"""Every page of the app, laid out in Chromium 320 pixels wide and checked by axe-core.

The journeys check the pages they visit (WCAG 1.4.10 reflow, 1.4.12 text spacing, axe's
serious and critical violations), and test_form_errors_reflow.py every form's answer to
mistakes; but many pages are on no journey (a provider manager's opening times, a
webhook's deliveries, the reference data's tables). Here every address of the
authorisation policy table that a persona may open (a GET answered 200) is opened, with the
objects its policy scene makes, as the first persona the table lets open it, in English and
in Welsh. Each answer that is a page (not a CSV, a PDF or JSON) is opened in Chromium with
Pont's own CSS and scripts: it must load the stylesheet, must not scroll sideways at 320
pixels, plain or with the text spaced out, and in English must pass axe-core.

A page's layout does not depend on the database, so this runs on SQLite only (`make test`
runs the suite on both).
"""

from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.urls import reverse

from pont.testing.browser import (
    STYLED_JS,
    ServedPages,
    page_problems,
    reflow_problem,
)
from pont.testing.forms import RULES, allowed, opens
from pont.testing.personas import ANON, World, sign_in
from pont.testing.policy import Rule, policy_scene

pytestmark = pytest.mark.browser

OPENED = [rule for rule in RULES if any(opens(rule, p) for p in allowed(rule, "GET"))]


@pytest.mark.parametrize("rule", OPENED, ids=lambda rule: rule.name)
def test_every_page_lays_out_at_320_pixels_and_passes_axe(
    rule: Rule, world: World, served_chromium: tuple[Any, ServedPages]
) -> None:
    if connection.vendor != "sqlite":
        pytest.skip("a page's layout does not depend on the database: laid out on SQLite")
    page, served = served_chromium
    scene = policy_scene(world, rule)
    url = reverse(rule.name, kwargs={arg: scene[ref].pk for arg, ref in rule.kwargs.items()})
    persona = next(p for p in allowed(rule, "GET") if opens(rule, p))
    client = Client(raise_request_exception=False)
    if persona != ANON:
        sign_in(client, world.user(persona))
    problems = []
    for language in ("en", "cy"):
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        response = client.get(url)
        assert response.status_code == 200, f"{url} as {persona}: {response.status_code}"
        if not response.get("Content-Type", "").startswith("text/html"):
            pytest.skip(f"{url} answers {response['Content-Type']}, not a page")
        page.goto(served.add(response.content, language))
        assert page.evaluate(STYLED_JS), f"{url} in {language}: Pont's stylesheet did not load"
        if language == "en":
            found = page_problems(page)
        else:
            reflow = reflow_problem(page)
            found = [f"reflow at 320px: {reflow}"] if reflow else []
        problems += [f"{url} as {persona}, in {language}: {problem}" for problem in found]
    assert not problems, "\n".join(problems)
