"""Every form's answer to a submission with mistakes, laid out in Chromium 320 pixels wide.

The journeys lay out the pages they visit (WCAG 1.4.10 reflow and 1.4.12 text spacing),
but most forms' answers to a mistake, the page with its error summary, are on no journey.
Here every address of the policy table that takes a POST is sent, as a persona allowed to
use it: nothing at all, a long unbroken word in every field of its form (what an error
message may quote back), and nothing again in Welsh, whose words run longer. Each answer,
after any redirect, is opened in Chromium with Pont's own CSS and scripts (a part of a
page, htmx's answer, inside Pont's main column). It must not scroll sideways at 320
pixels, plain or with the text spaced out. The answer to the empty form in English is also
checked by axe-core (serious and critical violations, the rules the journeys use).
"""

from typing import Any

import pytest
from django.conf import settings
from django.db import transaction
from django.test import Client
from django.urls import reverse

from pont.testing.browser import (
    STYLED_JS,
    ServedPages,
    page_problems,
    reflow_problem,
)
from pont.testing.forms import RULES, allowed, form_fields
from pont.testing.personas import ANON, World, sign_in
from pont.testing.policy import Rule, policy_scene

pytestmark = pytest.mark.browser

POSTED = [rule for rule in RULES if allowed(rule, "POST")]
LONG = "https://example.org/" + "Llanfairpwllgwyngyll" * 2


def _persona(rule: Rule) -> str:
    """A signed-in persona allowed to post, else anyone (the sign-in form)."""
    users = allowed(rule, "POST")
    return next((p for p in users if p != ANON), users[0])


@pytest.mark.parametrize("rule", POSTED, ids=lambda rule: rule.name)
def test_a_form_sent_with_mistakes_answers_with_a_page_that_reflows(
    rule: Rule, world: World, served_chromium: tuple[Any, ServedPages]
) -> None:
    page, answers = served_chromium
    scene = policy_scene(world, rule)
    kwargs = {arg: scene[ref].pk for arg, ref in rule.kwargs.items()}
    url = reverse(rule.name, kwargs=kwargs)
    persona = _persona(rule)
    client = Client(raise_request_exception=False)
    if persona != ANON:
        sign_in(client, world.user(persona))
    names = form_fields(rule, persona, kwargs, client.get)
    problems, shown = [], 0
    sendings = [
        ("nothing", {}, "en"),
        ("a long word", dict.fromkeys(sorted(names), LONG), "en"),
        ("nothing, in Welsh", {}, "cy"),
    ]
    for sent, fields, language in sendings:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        savepoint = transaction.savepoint()
        try:
            response = client.post(url, fields, follow=True)
        finally:
            transaction.savepoint_rollback(savepoint)
        assert response.status_code < 500, f"{url} with {sent}: {response.status_code}"
        if not response.get("Content-Type", "").startswith("text/html"):
            continue  # a download (an export) has no page to lay out
        html = response.content
        if language == "cy" and b"<html" in html:
            assert b'<html lang="cy"' in html, f"{url} with {sent}: not answered in Welsh"
        page.goto(answers.add(html, language))
        shown += 1
        # Laid out with Pont's own stylesheet, not as bare HTML.
        assert page.evaluate(STYLED_JS), f"{url} with {sent}: Pont's stylesheet did not load"
        if sent == "nothing":  # axe once a form: its rules do not depend on the words
            found = page_problems(page)
        else:
            reflow = reflow_problem(page)
            found = [f"reflow at 320px: {reflow}"] if reflow else []
        problems += [f"{url} as {persona}, sent {sent}: {problem}" for problem in found]
    print(f"{rule.name}: {shown} answers laid out, {len(problems)} problems")
    assert not problems, "\n".join(problems)
    # Only a download may answer with no page; anything else answering none is not checked.
    assert shown or rule.download, f"{rule.name}: no answer was a page"
