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
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils.crypto import get_random_string

from pont.testing.personas import ANON, UNVERIFIED, World, sign_in
from pont.testing.policy import API_CLIENTS, LOGIN, OTP, Rule, collect_rules, policy_scene

RULES = collect_rules()
REFUSED = (LOGIN, OTP, 401, 403, 404, 405)

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


class _FieldNames(HTMLParser):
    """The names of the fields of a page's forms (not the CSRF token, which is set here)."""

    def __init__(self) -> None:
        super().__init__()
        self.names: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("input", "select", "textarea", "button"):
            name = dict(attrs).get("name")
            if name and name != "csrfmiddlewaretoken":
                self.names.add(name)


def _field_names(html: bytes) -> set[str]:
    parser = _FieldNames()
    parser.feed(html.decode("utf-8", "replace"))
    return parser.names


def _allowed(rule: Rule, method: str) -> list[str]:
    """The personas the table lets use the URL by this method: signed in, or anyone (a
    public page, the sign-in form), never a partner's API key (the API is fuzzed apart)."""
    return [
        persona
        for persona, expected in rule.expect.get(method, {}).items()
        if persona not in API_CLIENTS and persona != UNVERIFIED and expected not in REFUSED
    ]


def _opens(rule: Rule, persona: str) -> bool:
    return persona in _allowed(rule, "GET") and rule.expect["GET"][persona] == 200


def _hosts(rule: Rule, persona: str) -> list[list[Rule]]:
    """The pages that may carry the rule's forms, as the persona may open them, nearest
    first. A page's are its own (with, for an address that names objects, the pages that
    name the same ones). An action's (an address that only takes a POST) are on the pages
    that name the same objects (a referral's page carries accept, reject, close...), else
    on those that name some of them (a disposal's page carries the removal of one of its
    conditions), else on those that name none (a list of tasks, the language form)."""
    mine = dict(rule.kwargs)
    same, some, none = [], [], []
    for other in RULES:
        theirs = dict(other.kwargs)
        if not _opens(other, persona) or not theirs.items() <= mine.items():
            continue
        if theirs == mine:
            same.append(other)
        elif theirs:
            some.append(other)
        else:
            none.append(other)
    if _opens(rule, persona):  # a page: its forms are its own
        return [[rule]] if not mine else [same]
    return [same, some, none]


FUZZED = [rule for rule in RULES if _allowed(rule, "POST") or _allowed(rule, "GET")]


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
    allowed = list(dict.fromkeys(_allowed(rule, "POST") + _allowed(rule, "GET")))
    personas = [p for p in allowed if p != ANON][:1] + [p for p in allowed if p == ANON]
    for persona in personas:
        cookie = (
            ""
            if persona == ANON
            else sign_in(Client(), world.user(persona)).cookies[settings.SESSION_COOKIE_NAME].value
        )
        names: set[str] = set()
        for hosts in _hosts(rule, persona):
            for host in hosts:
                address = reverse(host.name, kwargs={arg: kwargs[arg] for arg in host.kwargs})
                page = _client(cookie, csrf).get(address)
                if page.get("Content-Type", "").startswith("text/html"):
                    names |= _field_names(page.content)
            if names - {"language", "next"}:  # a form of its own, not only the language's
                break
        if not names:
            continue
        for method in ("POST", "GET"):
            if persona not in _allowed(rule, method):
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
    if any(p in _allowed(rule, "POST") for p in personas):
        assert sent, f"{rule.name}: no form field found to send"


def _said(response: Any) -> str:
    text = re.sub(r"<[^>]+>", " ", response.content.decode("utf-8", "replace"))
    return " ".join(text.split())[:160]
