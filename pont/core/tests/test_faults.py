"""Faults (T12, T16): concurrent updates lose nothing; a lost database answers 503.

- Two officers (or an officer and a supervisor) change the same disposal, or amend the
  same search, from the version they both read: exactly one change is made, the other is
  told someone else changed it (PostgreSQL: real concurrent transactions in threads).
- The database connection drops in the middle of a request: the answer is a clean 503
  (a bilingual page, or the API's error shape, with Retry-After), nothing of the request
  is written, and the next request works.
"""

import threading
from typing import Any

import pytest
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

    from pont.accounts import services as accounts
    from pont.referrals import api
    from pont.testing.personas import SYSADMIN

    _client, key = accounts.api_client_create(
        actor=world.users[SYSADMIN],
        organisation=world.provider_a,
        name="faults",
        scopes=["referrals:read"],
    )
    headers = {"Authorization": f"Bearer {key}"}

    def drop(*args: Any, **kwargs: Any) -> Any:
        raise OperationalError(LOST)

    with monkeypatch.context() as patched:
        patched.setattr(api, "referral_list_visible_to", drop)
        response = Client().get("/api/v1/referrals/", headers=headers)
    assert response.status_code == 503
    assert response.json() == {
        "message": "The service is briefly unavailable. Try again.",
        "extra": {},
    }
    assert Client().get("/api/v1/referrals/", headers=headers).status_code == 200
