"""Where a URL's form lives, and what its fields are called, for the tests that send every
form of every page something (the form fuzzing of T6, and the forms' answers laid out
320 pixels wide).

Read from the authorisation policy table (pont/testing/policy.py): which personas may use
an address by a method, and which pages, opened by those personas with the same objects,
carry its form.
"""

from collections.abc import Callable
from html.parser import HTMLParser
from typing import Any

from django.urls import reverse

from .personas import UNVERIFIED
from .policy import API_CLIENTS, LOGIN, OTP, Rule, collect_rules

RULES = collect_rules()
REFUSED = (LOGIN, OTP, 401, 403, 404, 405)


class _FieldNames(HTMLParser):
    """The names of the fields of a page's forms (not the CSRF token, which is set apart)."""

    def __init__(self) -> None:
        super().__init__()
        self.names: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("input", "select", "textarea", "button"):
            name = dict(attrs).get("name")
            if name and name != "csrfmiddlewaretoken":
                self.names.add(name)


def field_names(html: bytes) -> set[str]:
    parser = _FieldNames()
    parser.feed(html.decode("utf-8", "replace"))
    return parser.names


def allowed(rule: Rule, method: str) -> list[str]:
    """The personas the table lets use the URL by this method: signed in, or anyone (a
    public page, the sign-in form), never a partner's API key (the API is fuzzed apart)."""
    return [
        persona
        for persona, expected in rule.expect.get(method, {}).items()
        if persona not in API_CLIENTS and persona != UNVERIFIED and expected not in REFUSED
    ]


def opens(rule: Rule, persona: str) -> bool:
    return persona in allowed(rule, "GET") and rule.expect["GET"][persona] == 200


def hosts(rule: Rule, persona: str) -> list[list[Rule]]:
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
        if not opens(other, persona) or not theirs.items() <= mine.items():
            continue
        if theirs == mine:
            same.append(other)
        elif theirs:
            some.append(other)
        else:
            none.append(other)
    if opens(rule, persona):  # a page: its forms are its own
        return [[rule]] if not mine else [same]
    return [same, some, none]


def form_fields(
    rule: Rule, persona: str, kwargs: dict[str, Any], get: Callable[[str], Any]
) -> set[str]:
    """The names of the fields of the rule's form, read from the nearest pages that carry
    it (`hosts`), each fetched by `get` (a test client's, signed in as the persona) with
    the objects of `kwargs`. Empty when no page the persona opens has a form."""
    names: set[str] = set()
    for nearest in hosts(rule, persona):
        for host in nearest:
            page = get(reverse(host.name, kwargs={arg: kwargs[arg] for arg in host.kwargs}))
            if page.get("Content-Type", "").startswith("text/html"):
                names |= field_names(page.content)
        if names - {"language", "next"}:  # a form of its own, not only the language's
            break
    return names
