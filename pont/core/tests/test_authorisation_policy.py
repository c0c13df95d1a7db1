"""Every URL x method x persona answers as the policy table says (T4).

The table lives in each module's tests/policy.py. A URL pattern with no
rule fails the build, so a new page cannot ship without its expectations.
Every request is sent with CSRF enforced and a valid token, so what is
measured is authorisation, not a missing token.
"""

from datetime import date
from typing import Any
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils.crypto import get_random_string

from pont.accounts import services as accounts
from pont.directory import services as directory
from pont.people import services as people
from pont.referrals.models import WebhookEndpoint
from pont.testing.personas import ANON, SYSADMIN, UNVERIFIED, World, sign_in
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
    collect_scenes,
    url_names,
)
from pont.testing.referrals import referral_in

RULES = collect_rules()
SCENES = collect_scenes()


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


def _scene(world: World) -> dict[str, Any]:
    """The objects that URL arguments refer to, and the partner API keys."""
    custody = world.users["custody"]
    person = people.person_create(
        actor=custody,
        given_name="Policy",
        family_name="Subject",
        date_of_birth=date(1990, 5, 17),
        gender="female",
        confirmed_new=True,
    )
    route = people.contact_route_add(
        actor=custody,
        person_id=person.pk,
        kind="phone",
        use="mobile",
        values={"phone": "07812 345678"},
    )
    sysadmin = world.users[SYSADMIN]
    scopes = ["referrals:read", "referrals:write"]
    client_a, key_a = accounts.api_client_create(
        actor=sysadmin, organisation=world.provider_a, name="A", scopes=scopes
    )
    _client_b, key_b = accounts.api_client_create(
        actor=sysadmin, organisation=world.provider_b, name="B", scopes=scopes
    )
    referral = referral_in(world, "requested")
    endpoint = WebhookEndpoint.objects.create(
        organisation=world.provider_a,
        url="http://127.0.0.1:9/hook",
        secret="s",
        created_by=world.users["prov_a_mgr"],
    )
    service = directory.service_create(
        actor=None,
        organization=directory.directory_organization_create(actor=None, name="Policy services"),
        name="Policy service",
        needs=["drugs"],
        counties=["powys"],
    )
    return {
        "service": service,
        "referral": referral,
        "endpoint": endpoint,
        "person": person,
        "route": route,
        "managed_user": world.users["frontline"],
        "client_a": client_a,
        "keys": {API_A: key_a, API_B: key_b},
    }


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


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.name)
def test_each_persona_gets_the_answer_the_policy_table_expects(rule: Rule, world: World):
    scene = _scene(world)
    for extra in SCENES:
        if extra.provides & set(rule.kwargs.values()):
            scene.update(extra.build(world))
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
