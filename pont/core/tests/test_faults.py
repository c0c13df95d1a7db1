"""Faults (T11, T12, T16): concurrent updates lose nothing; a killed import writes nothing;
a lost database answers 503.

- Two officers (or an officer and a supervisor) change the same disposal, or amend the
  same search, from the version they both read: exactly one change is made, the other is
  told someone else changed it (PostgreSQL: real concurrent transactions in threads).
- `pont import-policeuk` is killed (SIGKILL) while it writes a large force-month: nothing
  of the file is in the database, and run again it lands whole, once (PostgreSQL).
- The database connection drops in the middle of a request: the answer is a clean 503
  (a bilingual page, or the API's error shape, with Retry-After), nothing of the request
  is written, and the next request works.
"""

import json
import threading
from datetime import UTC, datetime
from typing import Any

import pytest
from django.conf import settings
from django.db import OperationalError, connection
from django.urls import reverse
from django.utils import timezone

from pont.core.exceptions import ConflictError
from pont.disposals import documents
from pont.disposals import services as disposal_services
from pont.disposals.models import Disposal
from pont.testing.disposals import decision_values, recorded_disposal
from pont.testing.http import post_form
from pont.testing.personas import FRONTLINE, INSPECTOR, build_world
from pont.testing.referrals import reachable_person

LOST = "server closed the connection unexpectedly"


def _needs_postgresql() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: the in-memory SQLite database cannot be shared by threads")


def _race(*calls: Any) -> list[str]:
    """Run the calls at the same moment, each in its own thread and connection."""
    results: list[str] = []
    start = threading.Barrier(len(calls))

    def run(call: Any) -> None:
        try:
            start.wait()
            call()
            results.append("ok")
        except ConflictError:
            results.append("conflict")
        except Exception as error:  # anything else is a finding: say what it was
            results.append(f"{type(error).__name__}: {error}")
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(results)


def test_concurrent_changes_to_one_disposal_make_exactly_one(audit_flushable, monkeypatch):
    _needs_postgresql()
    from pont.audit.models import AuditChainHead

    monkeypatch.setattr(documents, "notice_pdf", lambda data: b"%PDF-1.7 stand-in")
    AuditChainHead.objects.get_or_create(pk=1)
    world = build_world()
    disposal = recorded_disposal(world)
    version = disposal.version

    def add(code: str, actor: str) -> Any:
        return lambda: disposal_services.condition_add(
            actor=world.users[actor],
            disposal_id=disposal.pk,
            condition_type_code=code,
            expected_version=version,
        )

    assert _race(add("apology", FRONTLINE), add("repair", INSPECTOR)) == ["conflict", "ok"]
    disposal.refresh_from_db()
    assert disposal.version == version + 1
    assert disposal.conditions.count() == 1


def test_concurrent_amendments_of_one_search_make_exactly_one(audit_flushable):
    _needs_postgresql()
    from pont.audit.models import AuditChainHead
    from pont.stop_search import services as search_services
    from pont.testing.stop_search import recorded_search, stop_search_reference

    AuditChainHead.objects.get_or_create(pk=1)
    world = build_world()
    codes = stop_search_reference()
    search = recorded_search(world, actor_code=INSPECTOR)

    def amend(outcome: str) -> Any:
        return lambda: search_services.search_outcome_amend(
            actor=world.users[INSPECTOR],
            search_id=search.pk,
            outcome=codes[outcome],
            outcome_linked=True,
            reason="Laboratory result",
            expected_version=search.version,
        )

    version = search.version
    # Both differ from the outcome at the time of the search (an arrest).
    assert _race(amend("nfa"), amend("community_resolution")) == ["conflict", "ok"]
    search.refresh_from_db()
    assert search.version == version + 1
    assert search.amendments.count() == 1


@pytest.mark.django_db
def test_a_lost_connection_mid_request_is_a_clean_503_and_nothing_is_written(
    world, as_persona, monkeypatch
):
    person = reachable_person(world)
    client = as_persona(FRONTLINE)
    page = f"{reverse('disposals:create')}?person={person.pk}"
    values = decision_values(world, person_id=person.pk)
    form = {
        "area": values["area_id"],
        "offences": ["possession_class_a"],
        "offence_date_0": timezone.localdate().day,
        "offence_date_1": timezone.localdate().month,
        "offence_date_2": timezone.localdate().year,
        "admission": "yes",
        "evidential_test_met": "yes",
        "victim_views": "no_victim",
        "scheme": "community_resolution",
        "action": "save",
    }

    def drop(*args: Any, **kwargs: Any) -> Any:
        raise OperationalError(LOST)

    # The disposal's row is written, then the connection goes before its offences are.
    with monkeypatch.context() as patched:
        patched.setattr(disposal_services.DisposalOffence.objects, "bulk_create", drop)
        response = post_form(client, page, form)
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    html = response.content.decode()
    assert "Sorry, the service is unavailable" in html
    assert 'lang="cy"' in html
    assert not Disposal.objects.exists()
    # The next request works.
    assert post_form(client, page, form).status_code == 302
    assert Disposal.objects.count() == 1


@pytest.mark.django_db
def test_a_lost_connection_answers_the_api_with_its_error_shape(world, monkeypatch):
    from django.test import Client

    from pont.referrals import api
    from pont.testing.http import api_key_headers

    headers = api_key_headers(world, scopes=["referrals:read"], name="faults")

    def drop(*args: Any, **kwargs: Any) -> Any:
        raise OperationalError(LOST)

    with monkeypatch.context() as patched:
        patched.setattr(api, "referral_api_rows", drop)
        response = Client().get("/api/v1/referrals/", headers=headers)
    assert response.status_code == 503
    assert response.json() == {
        "message": "The service is briefly unavailable. Try again.",
        "extra": {},
    }
    assert Client().get("/api/v1/referrals/", headers=headers).status_code == 200


def test_a_worker_killed_mid_import_writes_nothing_and_the_import_runs_again(
    audit_flushable, tmp_path
):
    """T11: `pont import-policeuk` killed (SIGKILL) while it writes a large force-month:
    nothing of the file is in the database; run again, it lands whole, once."""
    _needs_postgresql()
    import os
    import signal
    import subprocess
    import sys
    import time
    from pathlib import Path

    from django.core.management import call_command

    from pont.audit.models import AuditChainHead
    from pont.stop_search.models import PoliceUkImport, PublishedSearch

    AuditChainHead.objects.get_or_create(pk=1)
    from pont.accounts.models import Organisation

    world = build_world()
    # The slug police.uk's "dyfed-powys" names in Pont (both processes read it).
    Organisation.objects.filter(pk=world.force.pk).update(slug="dyfed-powys-police")
    real = Path(settings.BASE_DIR) / "pont/stop_search/data/policeuk"
    header, *rows = (real / "2019-09-dyfed-powys-stop-and-search.csv").read_text().splitlines()
    big = tmp_path / "2019-09-dyfed-powys-stop-and-search.csv"
    copies = 1500  # identical rows are separate searches: 205 x 1,500 rows, a few seconds
    big.write_text("\n".join([header, *rows * copies]) + "\n")
    expected = len(rows) * copies

    settings_dict = connection.settings_dict
    url = (
        f"postgres://{settings_dict['USER']}@{settings_dict['HOST']}:{settings_dict['PORT']}/"
        f"{settings_dict['NAME']}"
    )
    worker = subprocess.Popen(  # noqa: S603 - our own command, fixed arguments
        [sys.executable, "manage.py", "import-policeuk", str(big)],
        cwd=settings.BASE_DIR,
        env={**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "config.settings.test"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    # Wait until it is writing (the COPY of its rows has begun), then kill it.
    deadline = time.monotonic() + 60
    writing = False
    while time.monotonic() < deadline and worker.poll() is None and not writing:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND state = 'active' "
                "AND query ILIKE 'COPY \"stop_search_publishedsearch\"%%'",
                [settings_dict["NAME"]],
            )
            writing = cursor.fetchone()[0] > 0
        time.sleep(0.02)
    if not writing:
        worker.kill()
        output = worker.communicate(timeout=30)[0].decode(errors="replace")
        pytest.fail(f"the import never started writing: {output[-2000:]}")
    time.sleep(0.2)
    worker.send_signal(signal.SIGKILL)
    assert worker.wait(timeout=30) == -signal.SIGKILL  # killed, not finished
    assert PublishedSearch.objects.count() == 0
    assert PoliceUkImport.objects.count() == 0

    call_command("import-policeuk", str(big), verbosity=0)
    assert PublishedSearch.objects.count() == expected
    call_command("import-policeuk", str(big), verbosity=0)  # again: it replaces the month
    assert PublishedSearch.objects.count() == expected
    assert PoliceUkImport.objects.count() == 1


@pytest.mark.django_db
def test_a_nul_character_is_refused_as_bad_input_not_a_server_error(world, as_persona):
    """Found by the API fuzzing on PostgreSQL (which cannot store NUL): ?language=%00 was a
    500. Query strings, form bodies and JSON bodies are refused: 400 for a page, 422 (the
    API's answer to invalid input) for the API."""
    from django.test import Client

    api = Client().get("/api/v1/hsds/services", {"language": "\x00"})
    assert api.status_code == 422
    # Refused before the headers' middleware runs, yet with every header it gives.
    assert api["Content-Security-Policy"] == "default-src 'none'; frame-ancestors 'none'"
    assert (api["Cache-Control"], api["X-Frame-Options"]) == ("no-store, max-age=0", "DENY")
    assert api.json()["extra"]["fields"] == {
        "language": ["The request contains a NUL character, which Pont cannot store."]
    }
    page = as_persona(FRONTLINE).get(reverse("disposals:list"), {"show": "all\x00"})
    assert page.status_code == 400
    assert (page["Cache-Control"], page["X-Frame-Options"]) == ("no-store, max-age=0", "DENY")
    assert page["Permissions-Policy"].startswith("accelerometer=()")
    assert page["Cross-Origin-Resource-Policy"] == "same-origin"
    form = post_form(as_persona(FRONTLINE), reverse("disposals:create"), {"person": "1\x00"})
    assert form.status_code == 400
    body = Client().post(
        "/api/v1/referrals/x/contact-attempts",
        data='{"note": "a\\u0000b"}',
        content_type="application/json",
    )
    assert body.status_code == 422
    assert Client().get("/api/v1/hsds/services", {"language": "cy"}).status_code == 200


@pytest.mark.django_db
def test_a_time_zone_offset_postgresql_cannot_store_is_compared_in_utc(world):
    """Found by the API fuzzing on PostgreSQL: updated_since with the offset +17:38 (valid
    ISO 8601, beyond PostgreSQL's 15:59) was a 500; the moment is now compared in UTC."""
    from django.test import Client

    from pont.accounts import services as accounts
    from pont.testing.personas import SYSADMIN

    _client, key = accounts.api_client_create(
        actor=world.users[SYSADMIN],
        organisation=world.provider_a,
        name="offsets",
        scopes=["referrals:read"],
    )
    response = Client().get(
        "/api/v1/referrals/",
        {"updated_since": "2005-04-24T17:08:20.9+17:38"},
        headers={"Authorization": f"Bearer {key}"},
    )
    assert response.status_code == 200


def test_a_moment_in_a_body_with_any_offset_is_kept_in_utc(world):
    """Found by the stateful API fuzzing on PostgreSQL: a contact attempt at
    0403-01-16T02:11:11-19:53 (valid ISO 8601, an offset beyond PostgreSQL's 15:59) was a
    500. A body's moments are now kept in UTC; one no date can hold is refused (422), a
    naive one is Pont's local time, and a filter at the edge of time still answers."""
    import uuid

    from django.test import Client

    from pont.accounts import services as accounts
    from pont.referrals.models import ContactAttempt, Referral
    from pont.testing.personas import SYSADMIN
    from pont.testing.referrals import referral_in

    referral = referral_in(world, "accepted")
    # Sent before the moments below (nothing is recorded before a referral was sent).
    Referral.objects.filter(pk=referral.pk).update(requested_at=datetime(2025, 12, 1, tzinfo=UTC))
    _client, key = accounts.api_client_create(
        actor=world.users[SYSADMIN],
        organisation=world.provider_a,
        name="offsets",
        scopes=["referrals:read", "referrals:write"],
    )

    def attempt(when: str) -> Any:
        return Client().post(
            f"/api/v1/referrals/{referral.pk}/contact-attempts",
            json.dumps({"method": "phone", "attempted_at": when, "result": "no_answer"}),
            content_type="application/json",
            headers={"Authorization": f"Bearer {key}", "Idempotency-Key": str(uuid.uuid4())},
        )

    kept = attempt("2026-01-16T02:11:11-19:53")
    assert kept.status_code == 201, kept.content
    stored = ContactAttempt.objects.get(pk=kept.json()["id"]).attempted_at
    assert stored == datetime(2026, 1, 16, 22, 4, 11, tzinfo=UTC)
    assert attempt("2026-01-16T02:11:11").status_code == 201  # naive: local time
    refused = attempt("0001-01-01T00:00:00+05:00")
    assert refused.status_code == 422
    assert "attempted_at" in refused.json()["extra"]["fields"]
    for edge in ("0001-01-01T00:00:00+05:00", "9999-12-31T23:59:59-05:00"):
        listed = Client().get(
            "/api/v1/referrals/",
            {"updated_since": edge},
            headers={"Authorization": f"Bearer {key}"},
        )
        assert listed.status_code == 200, (edge, listed.content)
    assert ContactAttempt.objects.count() == 2
