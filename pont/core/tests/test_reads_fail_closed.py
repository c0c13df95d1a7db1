"""A read that cannot record itself shows nothing (T16: reads fail closed).

Every page, download and API answer the policy table opens (200), that records what it
shows (a consultation of a person's record, a disclosure to a provider or an API client),
is asked for once as it is, and once with the audit log's write failing (as a full disk
or a lost connection would make it fail). The second answer must be a server error, with
nothing of the record in it: no name of anyone in the scene, no reference. Pages that
record nothing (the public ones, the dashboards' figures) are not concerned, and are
counted apart.
"""

import re
from typing import Any

import pytest
from django.conf import settings
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse

from pont.audit.models import AuditEvent
from pont.people.models import Person
from pont.testing.personas import ANON, UNVERIFIED, World, sign_in
from pont.testing.policy import API_A, API_B, collect_rules, policy_scene

AUDIT_WRITE = re.compile(r"INSERT\s+INTO\s+\W?audit_auditevent\W", re.IGNORECASE)


class AuditWriteFailed(Exception):
    """The audit log's INSERT, failing."""


def _fail_audit_writes(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
    if AUDIT_WRITE.search(sql):
        raise AuditWriteFailed
    return execute(sql, params, many, context)


class _Undo(Exception):
    pass


def _fetch(client: Client, method: str, url: str, *, failing: bool) -> tuple[Any, int]:
    """The answer, and how many audit events it recorded; everything undone after."""
    answer: list[Any] = []
    try:
        with transaction.atomic():
            before = AuditEvent.objects.count()
            if failing:
                with connection.execute_wrapper(_fail_audit_writes):
                    answer.append(client.generic(method, url))
            else:
                answer.append(client.generic(method, url))
            answer.append(AuditEvent.objects.count() - before)
            raise _Undo
    except _Undo:
        pass
    response, recorded = answer
    if hasattr(response, "streaming_content"):
        response.content_read = b"".join(response.streaming_content)
    else:
        response.content_read = response.content
    return response, recorded


def _client(world: World, scene: Any, persona: str, cookies: dict[str, str]) -> Client:
    if persona in (API_A, API_B):
        key = scene["keys"][persona]
        return Client(headers={"Authorization": f"Bearer {key}"}, raise_request_exception=False)
    if persona not in cookies:
        signed = sign_in(Client(), world.user(persona))
        cookies[persona] = signed.cookies[settings.SESSION_COOKIE_NAME].value
    client = Client(raise_request_exception=False)
    client.cookies[settings.SESSION_COOKIE_NAME] = cookies[persona]
    return client


@pytest.mark.django_db
def test_a_read_whose_record_fails_shows_nothing(world: World, capsys):
    scene = policy_scene(world)
    names = sorted({person.full_name for person in Person.objects.all()})
    cookies: dict[str, str] = {}
    read, checked, unrecorded, shown = 0, 0, [], []
    for rule in collect_rules():
        if any(ref not in scene for ref in rule.kwargs.values()):
            continue
        url = reverse(rule.name, kwargs={a: scene[r].pk for a, r in rule.kwargs.items()})
        failed_once = False
        for persona, expected in rule.expect.get(rule.read_by, {}).items():
            if expected != 200 or persona in (ANON, UNVERIFIED):
                continue
            client = _client(world, scene, persona, cookies)
            normal, recorded = _fetch(client, rule.read_by, url, failing=False)
            read += 1
            text = normal.content_read.decode("utf-8", "replace")
            named = [name for name in names if name in text]
            if not recorded:
                # Nothing recorded: nobody may be named in it either.
                if named:
                    unrecorded.append(f"{rule.read_by} {url} as {persona}: {named}")
                continue
            if failed_once:  # one persona is enough to see the page fail closed
                continue
            failed_once = True
            failed, _recorded = _fetch(client, rule.read_by, url, failing=True)
            checked += 1
            text = failed.content_read.decode("utf-8", "replace")
            named = [name for name in names if name in text]
            if failed.status_code < 500 or named:
                shown.append(f"{rule.read_by} {url} as {persona}: {failed.status_code} {named}")
        # A form sent with errors is shown again with what it is about: recorded too.
        for persona, expected in rule.expect.get("POST", {}).items():
            if expected != 400 or persona in (ANON, UNVERIFIED, API_A, API_B):
                continue
            client = _client(world, scene, persona, cookies)
            again, recorded = _fetch(client, "POST", url, failing=False)
            read += 1
            text = again.content_read.decode("utf-8", "replace")
            named = [name for name in names if name in text]
            if named and not recorded:
                unrecorded.append(f"POST {url} as {persona} (400): {named}")
    with capsys.disabled():
        print(
            f"\nreads fail closed: {read} answers read, {checked} that record checked with the "
            f"record failing, {len(shown)} shown without it; {len(unrecorded)} naming someone "
            "without recording it"
        )
    assert checked > 30
    assert shown == []
    assert unrecorded == [], "\n".join(unrecorded)
