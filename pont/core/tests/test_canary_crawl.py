"""The canary crawl (T6): personas who may not see a person's record never receive it.

One world holds every object the policy table's scenes make. Every person in it
is then renamed to a unique canary (a made-up given and family name with the
person's id in it). Every page, download and API answer the policy table opens (200) to
the panel member, the commissioner's office, the independent inspector, the
system administrator, the data protection officer and the providers (staff and
API clients) is fetched, and every canary found in what they receive (HTML,
JSON, CSV and the text of PDFs) must belong to a person that persona may see
(`people.selectors.person_get_for_user`: for a provider, someone referred to
it; for the others, nobody). The refusals those personas get (403, 404, 405) are
fetched and read too: an error page must not name anyone either. The crawl prints
the cells fetched and the leaks (which must be 0).

Then the logs written meanwhile (INFO and above, the security log's refusals among
them) are read for the same canaries, the session keys and the API keys (T23): none
may be there.
"""

import logging
import re
from io import BytesIO
from typing import Any

import pytest
from django.conf import settings
from django.db import transaction
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

from pont.people.models import Person
from pont.people.selectors import person_get_for_user
from pont.testing.personas import (
    DPO,
    INDEPENDENT,
    OPCC,
    PANEL,
    PROV_A,
    PROV_A_MGR,
    PROV_B,
    PROV_B_MGR,
    SYSADMIN,
    World,
    sign_in,
)
from pont.testing.policy import API_A, API_B, collect_rules, policy_scene

WATCHED = (PANEL, OPCC, INDEPENDENT, SYSADMIN, DPO, PROV_A, PROV_A_MGR, PROV_B, PROV_B_MGR)
API_PERSONAS = {API_A: PROV_A, API_B: PROV_B}  # an API client sees what its provider sees
CANARY = re.compile(r"Qzcanary(\d+)|Xvmarker(\d+)")


def _text(response: Any) -> str:
    kind = response.get("Content-Type", "")
    if kind.startswith("application/pdf"):
        reader = PdfReader(BytesIO(response.content))
        return " ".join(page.extract_text() or "" for page in reader.pages)
    if "stream" in type(response).__name__.lower():
        return b"".join(response.streaming_content).decode("utf-8", "replace")
    return response.content.decode("utf-8", "replace")


@pytest.mark.django_db
def test_no_persona_receives_a_person_it_may_not_see(world: World, capsys, caplog):
    caplog.set_level(logging.INFO)
    scene = policy_scene(world)
    for person in Person.objects.all():
        Person.objects.filter(pk=person.pk).update(
            given_name=f"Qzcanary{person.pk}", family_name=f"Xvmarker{person.pk}"
        )
    people = Person.objects.count()

    cells, refusals, leaks, seen_rightly = 0, 0, [], 0
    clients: dict[str, Client] = {p: sign_in(Client(), world.user(p)) for p in WATCHED}
    for rule in collect_rules():
        if any(ref not in scene for ref in rule.kwargs.values()):
            continue
        url = reverse(rule.name, kwargs={a: scene[r].pk for a, r in rule.kwargs.items()})
        for persona in (*WATCHED, *API_PERSONAS):
            expected = rule.expect.get(rule.read_by, {}).get(persona)
            if expected is None:
                continue
            if persona in API_PERSONAS:
                client = Client(headers={"Authorization": f"Bearer {scene['keys'][persona]}"})
                seer = world.user(API_PERSONAS[persona])
            else:
                client, seer = clients[persona], world.user(persona)
            client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
            savepoint = transaction.savepoint()
            try:
                response = client.generic(rule.read_by, url)
                text = _text(response)
            finally:
                transaction.savepoint_rollback(savepoint)
            cells += 1
            refusals += expected != 200
            found = {int(a or b) for a, b in CANARY.findall(text)}
            for person_id in sorted(found):
                if person_get_for_user(user=seer, person_id=person_id) is None:
                    leaks.append(f"{url} as {persona}: person {person_id}")
                else:
                    seen_rightly += 1
    secrets = [*scene["keys"].values()]
    secrets += [c.cookies[settings.SESSION_COOKIE_NAME].value for c in clients.values()]
    logged = "\n".join(
        f"{record.getMessage()} {record.exc_text or ''}" for record in caplog.records
    )
    in_logs = sorted({m[0] for m in CANARY.finditer(logged)})
    in_logs += [f"a key or session ({secret[:6]}...)" for secret in secrets if secret in logged]
    with capsys.disabled():
        print(
            f"\ncanary crawl: {people} people, {cells} cells fetched ({refusals} refusals), "
            f"{len(leaks)} leaks, {seen_rightly} canaries seen by those who may see them; "
            f"{len(caplog.records)} log records, {len(in_logs)} sensitive values in them"
        )
    assert cells > 100
    assert refusals > 100
    # The logs were written (the refusals' lines among them), and hold none of it.
    assert sum(m.startswith("refused ") for m in map(logging.LogRecord.getMessage, caplog.records))
    assert in_logs == []
    # The crawl reads what it fetches: providers do see the people referred to them.
    assert seen_rightly > 0
    assert leaks == []
