"""Another organisation's object is answered exactly like a missing one (T5, id swap).

For every page, download (a POST) and API answer of the policy table that names an object, and every
persona the table says must get 404 for it (someone outside the object's
organisation, or a provider it was not sent to), the answer for the real object
is compared with the answer for an id that exists nowhere: the same status and
the same body, so that nobody can learn that a record exists by asking for it.
The security log, which only the operators read, does tell the two apart: the
refusal's line says the real object exists, outside what the asker may see, and
the missing one does not exist (ASVS 16.3.2, `pont.core.refusals`).
"""

import re
import uuid
from typing import Any
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import transaction
from django.test import Client
from django.urls import reverse

from pont.testing.personas import World, sign_in
from pont.testing.policy import API_A, API_B, collect_rules, policy_scene

# What differs between any two answers: tokens, request ids, nonces.
VOLATILE = re.compile(
    r'(name="csrfmiddlewaretoken" value=")[^"]+|(nonce=")[^"]+|("request_id": ")[^"]+'
)


def _missing(value: Any) -> Any:
    return uuid.uuid4() if isinstance(value, uuid.UUID) else 2_000_000_000


def _body(response: Any, path: str) -> str:
    """The answer, less what differs between any two requests (the path asked for among it:
    the language switch sends the visitor back to it)."""
    body = VOLATILE.sub(r"\1\2\3", response.content.decode("utf-8", "replace"))
    for form in (path, quote(path), quote(path, safe="")):
        body = body.replace(form, "{path}")
    return body


@pytest.mark.django_db
def _refusal_logged(caplog: Any) -> str:
    lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("refused ")]
    return lines[0] if len(lines) == 1 else f"{len(lines)} refusal lines"


def test_a_forbidden_object_answers_exactly_like_a_missing_one(
    world: World, capsys: Any, caplog: Any
):
    scene = policy_scene(world)
    compared, different, unclassified = 0, [], []
    for rule in collect_rules():
        if not rule.kwargs or any(ref not in scene for ref in rule.kwargs.values()):
            continue
        real = {arg: scene[ref].pk for arg, ref in rule.kwargs.items()}
        for persona, expected in rule.expect.get(rule.read_by, {}).items():
            if expected != 404:
                continue
            if persona in (API_A, API_B):
                key = scene["keys"][persona]
                make = lambda key=key: Client(headers={"Authorization": f"Bearer {key}"})  # noqa: E731
            else:
                cookie = (
                    sign_in(Client(), world.user(persona))
                    .cookies[settings.SESSION_COOKIE_NAME]
                    .value
                )

                def make(cookie: str = cookie) -> Client:
                    client = Client()
                    client.cookies[settings.SESSION_COOKIE_NAME] = cookie
                    return client

            answers = []
            for arg in real:
                swapped = {**real, arg: _missing(real[arg])}
                logged = []
                for kwargs in (real, swapped):
                    caplog.clear()
                    savepoint = transaction.savepoint()
                    path = reverse(rule.name, kwargs=kwargs)
                    try:
                        response = make().generic(rule.read_by, path)
                    finally:
                        transaction.savepoint_rollback(savepoint)
                    answers.append((response.status_code, _body(response, path)))
                    logged.append(_refusal_logged(caplog))
                compared += 1
                said = (f" {real[arg]} exists, outside", f" {swapped[arg]} does not exist")
                if not all(words in line for words, line in zip(said, logged, strict=True)):
                    unclassified.append(f"{rule.name} ({arg}) as {persona}: {logged}")
                if answers[-2] != answers[-1]:
                    different.append(
                        f"{rule.name} ({arg}) as {persona}: {answers[-2][0]} vs {answers[-1][0]}"
                    )
    with capsys.disabled():
        print(
            f"\nid swap: {compared} comparisons, {len(different)} different from missing, "
            f"{len(unclassified)} refusals not told apart in the log"
        )
    assert compared > 20
    assert different == []
    assert unclassified == []
