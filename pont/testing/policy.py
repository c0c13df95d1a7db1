"""The authorisation policy table: URL name x method x persona -> expected answer.

Each module keeps its rows in `pont/<module>/tests/policy.py` as a list
called RULES; `pont/core/tests/test_authorisation_policy.py` finds them all,
fails if any URL pattern has no rule, and checks every cell with CSRF
enforced (reliability plan T4, ASVS 8.1.1, 8.2.1).

An expected answer is an HTTP status, or one of:
  LOGIN     302 to the sign-in page (not signed in)
  OTP       302 to the second-factor page (password given, code not yet)
  REDIRECT  302 anywhere else (a form or action that succeeded)
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from importlib import import_module
from pathlib import Path
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver

from .personas import (
    ALL,
    ANALYST,
    ANON,
    CUSTODY,
    DPO,
    FRONTLINE,
    INDEPENDENT,
    INSPECTOR,
    OPCC,
    OPSLEAD,
    PANEL,
    PROV_A,
    PROV_A_MGR,
    PROV_B,
    PROV_B_MGR,
    SYSADMIN,
    UNVERIFIED,
)

LOGIN = "login"
OTP = "otp"
REDIRECT = "redirect"

# Partner API clients: bearer keys bound to provider A and provider B.
API_A = "api_a"
API_B = "api_b"
API_CLIENTS = (API_A, API_B)
PERSONAS = (*ALL, *API_CLIENTS)

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")

# Useful groups, named by what they hold.
POLICE_OFFICERS = frozenset({CUSTODY, FRONTLINE, INSPECTOR})
POLICE_READERS = POLICE_OFFICERS | {ANALYST, OPSLEAD}
PROVIDERS = frozenset({PROV_A, PROV_A_MGR, PROV_B, PROV_B_MGR})
PROVIDER_MANAGERS = frozenset({PROV_A_MGR, PROV_B_MGR})
NO_PERSONAL_DATA = frozenset({INDEPENDENT, PANEL, OPCC, DPO, SYSADMIN})
STAFF = frozenset(p for p in ALL if p not in (ANON, UNVERIFIED))
NOT_SIGNED_IN = frozenset({ANON, *API_CLIENTS})

Expectation = int | str


@dataclass(frozen=True)
class Rule:
    """The expected answer of one URL to every persona and method.

    `kwargs` maps URL arguments to names of objects that the test scene
    creates (see `pont/core/tests/test_authorisation_policy.py`). A `download` is a file
    that records a disclosure: it is asked for by POST (a button), and the tests that read
    what each persona receives fetch it so.
    """

    name: str
    expect: Mapping[str, Mapping[str, Expectation]]
    kwargs: Mapping[str, str] = field(default_factory=dict)
    data: Callable[[Any], dict[str, Any]] | None = None
    download: bool = False

    @property
    def read_by(self) -> str:
        """The method that fetches what the address gives: GET, or POST for a download."""
        return "POST" if self.download else "GET"

    def __post_init__(self) -> None:
        # PATCH is answered like PUT unless a rule says otherwise (only the API takes PATCH).
        if "PATCH" not in self.expect and "PUT" in self.expect:
            object.__setattr__(self, "expect", {**self.expect, "PATCH": self.expect["PUT"]})


def grid(default: Expectation, **by_group: Any) -> dict[str, Expectation]:
    """Return persona -> expectation: `default`, overridden per persona or group.

    Keyword names are persona codes; values may also be (personas, status) pairs
    via `group=`: grid(403, groups=[(POLICE_OFFICERS, 200), ({PROV_A}, 404)]).
    """
    result = {persona: default for persona in PERSONAS}
    for personas, expected in by_group.pop("groups", []):
        for persona in personas:
            result[persona] = expected
    for persona, expected in by_group.items():
        result[persona] = expected
    return result


def staff_view(
    allowed: Mapping[str, Expectation] | None = None,
    *,
    get: Mapping[str, Expectation] | None = None,
    post: Mapping[str, Expectation] | None = None,
    capable: frozenset[str] | set[str] = STAFF,
) -> dict[str, dict[str, Expectation]]:
    """Expectations for a signed-in page guarded by a capability.

    Everyone not signed in is sent to sign in; a password without a code is
    sent to the code page; a persona without the capability gets 403 for
    any method; one with it gets `get`/`post` for those methods and 405 for
    the others (None for a method means it is not allowed: 405).
    """

    def row(answers: Mapping[str, Expectation] | None) -> dict[str, Expectation]:
        result: dict[str, Expectation] = {}
        for persona in PERSONAS:
            if persona in NOT_SIGNED_IN:
                result[persona] = LOGIN
            elif persona == UNVERIFIED:
                result[persona] = OTP
            elif persona not in capable:
                result[persona] = 403
            elif answers is None:
                result[persona] = 405
            else:
                result[persona] = answers[persona]
        return result

    return {"GET": row(get), "POST": row(post), "PUT": row(None), "DELETE": row(None)}


def same_for(
    personas: frozenset[str] | set[str], expected: Expectation, **others: Expectation
) -> dict[str, Expectation]:
    """persona -> expected for each persona in `personas`, plus explicit others."""
    return {**{p: expected for p in personas}, **others}


def public_view(
    get: Expectation = 200, post: Expectation = 405
) -> dict[str, dict[str, Expectation]]:
    """A page anyone may GET; other methods are refused."""
    return {
        "GET": grid(get),
        "POST": grid(post),
        "PUT": grid(405),
        "DELETE": grid(405),
    }


def collect_rules() -> list[Rule]:
    """Import RULES from every pont/<module>/tests/policy.py."""
    rules: list[Rule] = []
    root = Path(__file__).resolve().parent.parent
    for path in sorted(root.glob("*/tests/policy.py")):
        module = import_module(f"pont.{path.parent.parent.name}.tests.policy")
        rules.extend(module.RULES)
    config_policy = root.parent / "config" / "tests" / "policy.py"
    if config_policy.exists():
        rules.extend(import_module("config.tests.policy").RULES)
    return rules


@dataclass(frozen=True)
class Scene:
    """Objects a module's rules refer to by name, built only for the rules that need them."""

    provides: frozenset[str]
    build: Callable[[Any], dict[str, Any]]


def collect_scenes() -> list[Scene]:
    """Import SCENE from each module's tests/policy.py that has one."""
    scenes: list[Scene] = []
    root = Path(__file__).resolve().parent.parent
    for path in sorted(root.glob("*/tests/policy.py")):
        module = import_module(f"pont.{path.parent.parent.name}.tests.policy")
        if hasattr(module, "SCENE"):
            scenes.append(module.SCENE)
    return scenes


def policy_scene(world: Any, rule: Rule | None = None) -> dict[str, Any]:
    """The objects that a rule's URL arguments refer to, and the partner API keys: the
    common ones, and those of the modules' own scenes (SCENE) that the rule needs (every
    module's, without a rule)."""
    from datetime import date

    from pont.accounts import services as accounts
    from pont.directory import services as directory
    from pont.people import services as people
    from pont.referrals.models import WebhookEndpoint

    from .referrals import referral_in

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
        secret="s",  # noqa: S106 - a test endpoint's, never used to sign
        created_by=world.users["prov_a_mgr"],
    )
    service = directory.service_create(
        actor=None,
        organization=directory.directory_organization_create(actor=None, name="Policy services"),
        name="Policy service",
        needs=["drugs"],
        counties=["powys"],
    )
    scene = {
        "service": service,
        "referral": referral,
        "endpoint": endpoint,
        "person": person,
        "route": route,
        "managed_user": world.users["frontline"],
        "client_a": client_a,
        "keys": {API_A: key_a, API_B: key_b},
    }
    for extra in collect_scenes():
        if rule is None or extra.provides & set(rule.kwargs.values()):
            scene.update(extra.build(world))
    return scene


def url_names() -> list[str]:
    """Return the name of every URL pattern, namespaced ("people:detail")."""
    names: list[str] = []

    def walk(patterns: list[Any], namespace: str) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = namespace
                if pattern.namespace:
                    inner = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
                walk(pattern.url_patterns, inner)
            elif isinstance(pattern, URLPattern):
                if not pattern.name:
                    names.append(f"<unnamed {pattern.pattern}>")
                else:
                    names.append(f"{namespace}:{pattern.name}" if namespace else pattern.name)

    walk(get_resolver().url_patterns, "")
    return names
