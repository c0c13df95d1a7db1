"""Every form of every page, filled with what a browser, a tampered request or a mistyped
field can send, answers in words, never with a server error (T6, ASVS 1.5.1, 5.1.3).

For each URL of the policy table and each persona allowed to use it, the names of the fields
come from the forms of the pages that persona can open with the same objects (the page
itself, and the pages that carry its action's form: a referral's page carries accept,
reject, close...). Every field is then sent one hostile value at a time, by POST where the
persona may post and in the query string where a page filters by GET. The answer may be a
refusal (400, 409, 413, 422), a redirect or the page with its errors, never 500.
"""

import re
from typing import Any
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils.crypto import get_random_string

from pont.testing.forms import RULES, allowed, form_fields
from pont.testing.personas import ANON, World, sign_in
from pont.testing.policy import Rule, policy_scene

# One value at a time in every field. Each has broken a form somewhere: a digit Python's
# isdigit() takes and int() does not; a number past what the database stores; a sign; not a
# number; a date and time that are not; text past any field's length; a byte order mark,
# direction override and emoji; markup; nothing at all.
HOSTILE = [
    "²",
    "99999999999999999999999999",
    "-1",
    "NaN",
    "2026-02-30T25:61",
    "x" * 3000,
    "\ufeff\u202e🙂",
    "<script>alert(1)</script>",
    "",
]


FUZZED = [rule for rule in RULES if allowed(rule, "POST") or allowed(rule, "GET")]


def _client(cookie: str, csrf: str) -> Client:
    # A server error is answered as the running app answers it (500), so that every one of a
    # rule's is listed, not only the first.
    client = Client(enforce_csrf_checks=True, raise_request_exception=False)
    client.cookies[settings.CSRF_COOKIE_NAME] = csrf
    if cookie:
        client.cookies[settings.SESSION_COOKIE_NAME] = cookie
    return client


@pytest.mark.parametrize("rule", FUZZED, ids=lambda rule: rule.name)
def test_every_field_of_every_form_refuses_hostile_values_in_words(rule: Rule, world: World):
    scene = policy_scene(world, rule)
    kwargs = {arg: scene[ref].pk for arg, ref in rule.kwargs.items()}
    url = reverse(rule.name, kwargs=kwargs)
    csrf = get_random_string(32)
    server_errors = []
    sent = 0
    # One persona signed in (the forms are the same for everyone allowed to use them), and
    # anyone not signed in where they may use it too (the sign-in form, public pages).
    users = list(dict.fromkeys(allowed(rule, "POST") + allowed(rule, "GET")))
    personas = [p for p in users if p != ANON][:1] + [p for p in users if p == ANON]
    for persona in personas:
        cookie = (
            ""
            if persona == ANON
            else sign_in(Client(), world.user(persona)).cookies[settings.SESSION_COOKIE_NAME].value
        )
        names = form_fields(rule, persona, kwargs, _client(cookie, csrf).get)
        if not names:
            continue
        for method in ("POST", "GET"):
            if persona not in allowed(rule, method):
                continue
            for value in HOSTILE:
                fields = {name: value for name in sorted(names)}
                savepoint = transaction.savepoint()
                try:
                    if method == "POST":
                        response = _client(cookie, csrf).post(
                            url,
                            urlencode(fields),
                            content_type="application/x-www-form-urlencoded",
                            headers={"X-CSRFToken": csrf},
                        )
                    else:
                        response = _client(cookie, csrf).get(url, fields)
                finally:
                    transaction.savepoint_rollback(savepoint)
                sent += 1
                if response.status_code >= 500:
                    server_errors.append(
                        f"{method} {url} as {persona} with {value[:20]!r}: "
                        f"{response.status_code} {_said(response)}"
                    )
    print(f"{rule.name}: {sent} hostile requests, {len(server_errors)} server errors")
    assert not server_errors, "\n".join(server_errors)
    # An address that takes a POST has its form on some page (every page carries at least
    # the language's): nothing sent means its fields were not found, not that all is well.
    if any(p in allowed(rule, "POST") for p in personas):
        assert sent, f"{rule.name}: no form field found to send"


def _said(response: Any) -> str:
    text = re.sub(r"<[^>]+>", " ", response.content.decode("utf-8", "replace"))
    return " ".join(text.split())[:160]
