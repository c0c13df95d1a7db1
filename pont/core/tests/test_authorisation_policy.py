"""Every URL x method x persona answers as the policy table says (T4).

The table lives in each module's tests/policy.py. A URL pattern with no
rule fails the build, so a new page cannot ship without its expectations.
Every request is sent with CSRF enforced and a valid token, so what is
measured is authorisation, not a missing token. Every refusal of someone known
(403 or 404 to a signed-in persona or an API key, 401 to an API call without a
valid key) writes exactly one line to the security log; no other answer writes one
(ASVS 16.3.2, `pont.core.refusals`). And every answer, refusals and redirects
included, carries the headers every response must (T1): nothing cached, no
sniffing, no framing, no referrer beyond the site, the permissions policy, a
Content-Security-Policy (the API's allows nothing at all) and the request id.
"""

from typing import Any
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils.crypto import get_random_string

from pont.testing.personas import ANON, UNVERIFIED, World, sign_in
from pont.testing.policy import (
    API_A,
    API_B,
    LOGIN,
    METHODS,
    OTP,
    PERSONAS,
    REDIRECT,
    Rule,
    collect_rules,
    policy_scene,
    url_names,
)

RULES = collect_rules()


def test_every_url_pattern_has_exactly_one_policy_rule():
    named = set(url_names())
    ruled = [rule.name for rule in RULES]
    missing = sorted(named - set(ruled))
    unknown = sorted(set(ruled) - named)
    duplicated = sorted({name for name in ruled if ruled.count(name) > 1})
    assert not missing, f"URL patterns with no policy rule: {missing}"
    assert not unknown, f"Policy rules for URLs that do not exist: {unknown}"
    assert not duplicated, f"URL patterns with more than one rule: {duplicated}"


def test_every_rule_covers_every_method_and_persona():
    gaps = [
        f"{rule.name} {method} {persona}"
        for rule in RULES
        for method in METHODS
        for persona in PERSONAS
        if persona not in rule.expect.get(method, {})
    ]
    assert not gaps, f"Policy cells with no expectation: {gaps[:20]} ..."


def _check(expected: Any, response: Any) -> bool:
    location = response.get("Location", "")
    login, otp = reverse("accounts:login"), reverse("accounts:otp_verify")
    if expected == LOGIN:
        return response.status_code == 302 and location.startswith(login)
    if expected == OTP:
        return response.status_code == 302 and location.startswith(otp)
    if expected == REDIRECT:
        return response.status_code == 302 and not location.startswith((login, otp))
    return response.status_code == expected


def _headers_missing(response: Any, url: str) -> list[str]:
    """The required headers the answer lacks or gets wrong (T1; ASVS 3.4, 14.3.2)."""
    api = url.startswith("/api/") and not url.startswith("/api/v1/docs")
    csp = response.get("Content-Security-Policy", "")
    required = {
        "Cache-Control": "no-store" in response.get("Cache-Control", ""),
        "X-Content-Type-Options": response.get("X-Content-Type-Options") == "nosniff",
        "X-Frame-Options": response.get("X-Frame-Options") == "DENY",
        "Referrer-Policy": response.get("Referrer-Policy") == "same-origin",
        "Permissions-Policy": "camera=()" in response.get("Permissions-Policy", ""),
        "Content-Security-Policy": (
            "default-src 'none'" in csp
            and "frame-ancestors 'none'" in csp
            and "unsafe-inline" not in csp
            and (api or "form-action 'self'" in csp)
        ),
        "X-Request-ID": len(response.get("X-Request-ID", "")) == 32,
    }
    return [name for name, present in required.items() if not present]


def _refusals_logged(caplog: Any) -> list[str]:
    return [
        record.getMessage()
        for record in caplog.records
        if record.name == "pont.security" and record.getMessage().startswith("refused ")
    ]


def _logged_as_refusal(rule: Rule, persona: str, url: str, status: int) -> bool:
    """Whether the answer is a refusal of someone known: on the partner API, its keys (a
    session cookie means nothing there; the API's root has no operation, so no key is
    read there) and any call without a valid key; on a page, anyone signed in."""
    if url.startswith("/api/") and not url.startswith("/api/v1/docs"):
        known = persona in (API_A, API_B) and rule.name != "api:api-root"
        return status == 401 or (status in (403, 404) and known)
    return status in (403, 404) and persona != ANON


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.name)
def test_each_persona_gets_the_answer_the_policy_table_expects(
    rule: Rule, world: World, caplog: Any
):
    scene = policy_scene(world, rule)
    url = reverse(rule.name, kwargs={arg: scene[ref].pk for arg, ref in rule.kwargs.items()})
    data = rule.data(scene) if rule.data else {}
    csrf = get_random_string(32)

    cookies: dict[str, str] = {}
    for persona in PERSONAS:
        if persona in (ANON, API_A, API_B):
            continue
        client = sign_in(Client(), world.user(persona), second_factor=persona != UNVERIFIED)
        cookies[persona] = client.cookies[settings.SESSION_COOKIE_NAME].value

    mismatches = []
    cells = 0
    for persona in PERSONAS:
        headers = {}
        if persona in (API_A, API_B):
            headers["Authorization"] = f"Bearer {scene['keys'][persona]}"
        for method in METHODS:
            client = Client(enforce_csrf_checks=True)
            client.cookies[settings.CSRF_COOKIE_NAME] = csrf
            if persona in cookies:
                client.cookies[settings.SESSION_COOKIE_NAME] = cookies[persona]
            caplog.clear()
            savepoint = transaction.savepoint()
            try:
                response = client.generic(
                    method,
                    url,
                    data=_encode(data) if method != "GET" else "",
                    content_type="application/x-www-form-urlencoded",
                    headers={"X-CSRFToken": csrf, **headers},
                )
            finally:
                transaction.savepoint_rollback(savepoint)
            cells += 1
            logged = _refusals_logged(caplog)
            status = response.status_code
            should_log = _logged_as_refusal(rule, persona, url, status)
            if len(logged) != int(should_log) or (
                should_log and not logged[0].startswith(f"refused {status} {method} {url} ")
            ):
                mismatches.append(f"{method} {url} as {persona} ({status}): logged {logged}")
            missing = _headers_missing(response, url)
            if missing:
                mismatches.append(f"{method} {url} as {persona} ({status}): without {missing}")
            expected = rule.expect[method][persona]
            if not _check(expected, response):
                mismatches.append(
                    f"{method} {url} as {persona}: expected {expected}, got "
                    f"{response.status_code} {response.get('Location', '')}"
                    f" {response.content[:120]!r}"
                )
    print(f"{rule.name}: {cells} cells, {len(mismatches)} mismatches")
    assert not mismatches, "\n".join(mismatches)


def _encode(data: dict[str, Any]) -> str:
    return urlencode(data, doseq=True)
