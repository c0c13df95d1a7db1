"""The partner API's read of referrals, written out in SQL, against the ORM's reading of the same.

`selectors.referral_api_rows` states its SQL by hand (docs/adr/0004): these
tests hold it to what the ORM reads, value for value and type for type (SQLite
keeps datetimes, dates and UUIDs as text and booleans as integers), and to the
scope an API client has: referrals sent to its organisation, never drafts.
"""

from datetime import timedelta
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone

from pont.accounts import services as accounts
from pont.accounts.models import ApiClient
from pont.referrals import selectors, services
from pont.referrals.models import Appointment, ContactAttempt, Referral
from pont.testing.personas import CUSTODY, FRONTLINE, PROV_A, PROV_B, SYSADMIN
from pont.testing.referrals import reachable_person, referral_in


def _client(world, which="a", scopes=("referrals:read",)) -> ApiClient:
    client, _key = accounts.api_client_create(
        actor=world.users[SYSADMIN],
        organisation=world.provider_a if which == "a" else world.provider_b,
        name=f"system {which}",
        scopes=list(scopes),
    )
    return client


def _orm_rows(referrals) -> list[dict[str, Any]]:
    """What the API showed when it read through the ORM: the reference the SQL must equal."""
    expected = []
    for referral in referrals.select_related(
        "person", "service", "referring_organisation", "closure_reason"
    ).order_by("updated_at", "pk"):
        person = referral.person
        expected.append(
            {
                "id": str(referral.pk),
                "reference": referral.reference,
                **{name: getattr(referral, name) for name in selectors.API_REFERRAL_FIELDS},
                "person": {
                    "reference": person.reference,
                    **{name: getattr(person, name) for name in selectors.API_PERSON_FIELDS},
                },
                "contact_routes": referral.contact_snapshot,
                "service": {"id": str(referral.service_id), "name": referral.service.name},
                "referring_organisation": referral.referring_organisation.name,
                "closure_reason": referral.closure_reason.code if referral.closure_reason else None,
                "appointments": list(
                    Appointment.objects.filter(referral=referral).values(
                        *selectors.API_APPOINTMENT_FIELDS
                    )
                ),
                "contact_attempts": list(
                    ContactAttempt.objects.filter(referral=referral).values(
                        *selectors.API_ATTEMPT_FIELDS
                    )
                ),
                # As the referral's page works them out (`time_limits`, `overdue_milestones`).
                "time_limits": [
                    {
                        "milestone": limit.code,
                        "due": limit.due,
                        "met_on": limit.reached,
                        "overdue": limit in selectors.overdue_milestones(referral),
                    }
                    for limit in selectors.time_limits(referral)
                ],
                "_person_id": referral.person_id,
            }
        )
    return expected


def _types(rows: list[dict[str, Any]]) -> list[Any]:
    def walk(value: Any) -> Any:
        if isinstance(value, dict):
            return {key: walk(item) for key, item in value.items()}
        if isinstance(value, list):
            return [walk(item) for item in value]
        return type(value).__name__

    return walk(rows)


@pytest.fixture
def referrals_of_every_kind(world):
    """Provider A: one referral in each state the API shows (one with an appointment and two
    contact attempts), a draft it must not see; provider B: one of its own."""
    worker = world.users[PROV_A]
    made = {}
    for state in ("requested", "accepted", "in-progress", "completed", "rejected", "failed"):
        made[state] = referral_in(world, state, person=reachable_person(world, given_name=state))
    in_progress = made["in-progress"]
    services.appointment_book(
        actor=worker,
        referral_id=in_progress.pk,
        starts_at=timezone.now() + timedelta(days=3),
        place="Canolfan, Aberystwyth",
        kind="assessment",
    )
    services.contact_attempt_log(
        actor=worker,
        referral_id=in_progress.pk,
        method="text",
        attempted_at=timezone.now(),  # after the one made with the referral
        result="no_answer",
        note="Dim ateb",
    )
    made["draft"] = referral_in(world, "draft", person=reachable_person(world, given_name="Draft"))
    made["other"] = referral_in(
        world, "requested", which="b", person=reachable_person(world, given_name="Other")
    )
    return made


def test_the_rows_equal_the_orms_reading_value_for_value_and_type_for_type(
    world, referrals_of_every_kind
):
    client = _client(world)
    shown = Referral.objects.filter(receiving_organisation=world.provider_a).exclude(status="draft")
    expected = _orm_rows(shown)
    rows = selectors.referral_api_rows(client=client)
    assert [row["person"]["given_name"] for row in rows] == [
        row["person"]["given_name"] for row in expected
    ]
    assert rows == expected
    assert _types(rows) == _types(expected)
    (in_progress,) = (row for row in rows if row["status"] == "in-progress")
    assert len(in_progress["appointments"]) == 1
    assert [a["result"] for a in in_progress["contact_attempts"]] == ["reached", "no_answer"]
    assert {row["closure_reason"] for row in rows} >= {"planned_complete", None}


def test_one_referral_by_id_and_only_within_the_clients_scope(world, referrals_of_every_kind):
    client_a, client_b = _client(world, "a"), _client(world, "b")
    requested = referrals_of_every_kind["requested"]
    (row,) = selectors.referral_api_rows(client=client_a, referral_id=requested.pk)
    assert row == _orm_rows(Referral.objects.filter(pk=requested.pk))[0]
    # Another provider's referral, a draft, an unknown id and a malformed one: all nothing.
    assert selectors.referral_api_rows(client=client_b, referral_id=requested.pk) == []
    draft = referrals_of_every_kind["draft"]
    assert selectors.referral_api_rows(client=client_a, referral_id=draft.pk) == []
    assert selectors.referral_api_rows(client=client_a, referral_id="not-a-uuid") == []
    other = referrals_of_every_kind["other"]
    assert [r["id"] for r in selectors.referral_api_rows(client=client_b)] == [str(other.pk)]
    # A key without the read scope, or of an inactive client, reads nothing at all.
    assert selectors.referral_api_rows(client=_client(world, "a", scopes=())) == []
    client_a.is_active = False
    assert selectors.referral_api_rows(client=client_a) == []


def test_the_filters_and_the_cursor_match_the_orms(world, referrals_of_every_kind):
    client = _client(world)
    base = Referral.objects.filter(receiving_organisation=world.provider_a).exclude(status="draft")
    ids = lambda rows: [row["id"] for row in rows]  # noqa: E731
    assert ids(selectors.referral_api_rows(client=client, status="accepted")) == ids(
        _orm_rows(base.filter(status="accepted"))
    )
    ordered = _orm_rows(base)
    middle = ordered[2]
    since = selectors.referral_api_rows(client=client, updated_since=middle["updated_at"])
    assert ids(since) == ids(_orm_rows(base.filter(updated_at__gte=middle["updated_at"])))
    after = selectors.referral_api_rows(
        client=client, after=(middle["updated_at"], middle["id"]), limit=2
    )
    assert ids(after) == ids(ordered[3:5])
    assert selectors.referral_api_rows(client=client, limit=1) == ordered[:1]


def _fields(referral: Referral) -> dict[str, Any]:
    return {f.attname: getattr(referral, f.attname) for f in Referral._meta.concrete_fields}


@pytest.mark.parametrize("side", ["provider", "referrer"])
def test_the_locked_row_a_change_starts_from_is_the_orms_within_the_same_scope(
    world, referrals_of_every_kind, side
):
    """`referral_locked_for` (SQL written out) finds exactly what `referral_scope` finds, for
    every persona who may act or may not, and the instance equals the ORM's, field by field."""
    actors = [world.users[name] for name in (CUSTODY, FRONTLINE, PROV_A, PROV_B, SYSADMIN)]
    actors += [_client(world, "a", scopes=("referrals:write",)), _client(world, "b")]
    found_any = False
    for actor in actors:
        for referral in referrals_of_every_kind.values():
            expected = selectors.referral_scope(actor=actor, side=side).filter(pk=referral.pk)
            with transaction.atomic():
                locked = selectors.referral_locked_for(
                    actor=actor, referral_id=referral.pk, side=side
                )
            if expected.exists():
                found_any = True
                assert locked is not None, (actor, referral.status)
                assert _fields(locked) == _fields(expected.get())
            else:
                assert locked is None, (actor, referral.status)
    assert found_any
    with transaction.atomic():
        assert (
            selectors.referral_locked_for(
                actor=world.users[PROV_A], referral_id="not-a-uuid", side=side
            )
            is None
        )
    with pytest.raises(ValueError, match="Unknown side"):
        selectors.referral_locked_for(actor=world.users[PROV_A], referral_id=None, side="")
