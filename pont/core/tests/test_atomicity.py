"""Every business operation that writes more than once writes all or nothing (T14).

Each operation below is first run once to count the statements it writes (INSERT,
UPDATE, DELETE), and undone. Then, for every k from 1 to that count, it is run again
from the same state with its k-th write failing (an exception raised in place of the
statement, as a lost connection or a full disk would). The database must then hold
exactly what it held before: every row of every table, the audit chain's events and
head, the webhook outbox and the emails waiting to be sent included; the partner
API's idempotency record with the write it answers for. The operations are
the ones that write the most: a referral from its draft to its close (with the outbox
and the notifications), a drug test with the Required Assessment and its referral and
notice, a conditional caution issued with its referral and notice, a search recorded
with its person, a person and their contact details.

One write is kept on purpose when what follows fails: the first attempt to send a
referral (or to impose a Required Assessment) is remembered in its own transaction,
with whether the contact details were complete, because the funnel reports the share of
referrals complete at the first try, refused or not (`referrals.services.referral_send`,
`drug_testing.services._remember_first_attempt`). Those columns, and only those, are
left out of the comparison.
"""

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from typing import Any

import pytest
from django.apps import apps
from django.db import connection, transaction
from django.test import Client
from django.utils import timezone

from pont.disposals import services as disposals
from pont.people import services as people
from pont.referrals import services as referrals
from pont.referrals.models import Referral
from pont.testing.disposals import (
    authorised,
    conditional_caution,
    drug_service,
    failed_condition,
    issue,
    issued,
    reject_condition_referral,
)
from pont.testing.drug_testing import (
    drug_test_values,
    imposed_assessment,
    positive_test,
    suite_arranged,
)
from pont.testing.http import api_key_headers
from pont.testing.personas import CUSTODY, FRONTLINE, PROV_A, World
from pont.testing.referrals import (
    draft_referral,
    reachable_person,
    referral_in,
    released_person,
    sent_earlier,
)
from pont.testing.stop_search import recorded_search, stop_search_reference

pytestmark = pytest.mark.django_db

# Remembered in their own transaction before the operation, by design (above).
KEPT_BY_DESIGN = {
    "referrals_referral": ("first_send_attempt_at", "complete_at_first_attempt"),
    "drug_testing_drugtest": ("ra_first_attempt_at", "ra_complete_at_first_attempt"),
}
# A statement that writes: on its own, or inside a WITH (PostgreSQL moves the audit chain's
# head in the WITH of the events' INSERT); never a SELECT ... FOR UPDATE.
WRITE = re.compile(
    r"\b(INSERT\s+INTO|DELETE\s+FROM|REPLACE\s+INTO)\b|\bUPDATE\s+\S+\s+SET\b", re.IGNORECASE
)


class InjectedFault(Exception):
    """The k-th write of an operation, failing."""


@contextmanager
def failing_write(k: int) -> Iterator[Callable[[], int]]:
    """Fail the k-th write statement (0: none), and count the writes seen."""
    seen = 0

    def wrapper(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        nonlocal seen
        if WRITE.search(sql):
            seen += 1
            if seen == k:
                raise InjectedFault(f"write {k}: {sql[:80]}")
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        yield lambda: seen


def snapshot() -> dict[str, list[Any]]:
    """Every row of every table Pont's models (and Django's) keep."""
    tables = {}
    for model in apps.get_models(include_auto_created=True):
        if model._meta.managed and not model._meta.proxy:
            table = model._meta.db_table
            kept = KEPT_BY_DESIGN.get(table, ())
            columns = [f.attname for f in model._meta.concrete_fields if f.attname not in kept]
            tables[table] = list(model._base_manager.order_by("pk").values_list(*columns))
    return tables


def _difference(before: dict[str, list[Any]], after: dict[str, list[Any]]) -> list[str]:
    return [
        f"{table}: {len(before[table])} rows before, {len(after[table])} after"
        if len(before[table]) != len(after[table])
        else f"{table}: rows changed"
        for table in before
        if before[table] != after[table]
    ]


def _operations(world: World) -> dict[str, Callable[[], Any]]:
    """Each operation, ready to run from the state the world is in."""
    officer, worker = world.users[CUSTODY], world.users[PROV_A]
    now = timezone.now()
    requested = referral_in(world, "requested", person=reachable_person(world, given_name="Ann"))
    accepted = referral_in(world, "accepted", person=reachable_person(world, given_name="Bet"))
    booked = referral_in(world, "accepted", person=reachable_person(world, given_name="Cai"))
    appointment = referrals.appointment_book(
        actor=worker, referral_id=booked.pk, starts_at=now + timedelta(days=3), place="Llanelli"
    )
    attended = sent_earlier(
        referral_in(world, "accepted", person=reachable_person(world, given_name="Dai"))
    )
    past = referrals.appointment_book(
        actor=worker,
        referral_id=attended.pk,
        starts_at=now - timedelta(days=1),
        place="Llanelli",
    )
    started = referral_in(world, "in-progress", person=reachable_person(world, given_name="Efa"))
    draft = draft_referral(world, person=reachable_person(world, given_name="Ffion"))
    referred = reachable_person(world, given_name="Huw")
    key = api_key_headers(world, scopes=["referrals:read", "referrals:write"])
    # The key's first call marks it used (at most once a minute, in a statement of its own,
    # not part of any operation): made here, so that the operation below is all there is.
    assert Client().get("/api/v1/referrals/", headers=key).status_code == 200
    unreachable = reachable_person(world, given_name="Iolo", phone="")
    caution = authorised(world, conditional_caution(world))
    # Its condition delivered by a service, whose referral is told the new deadline.
    breached = failed_condition(
        world,
        issued(world, conditional_caution(world, person=reachable_person(world, given_name="Lis"))),
        "drug_assessment",
    )
    # Its service rejected the referral: sent to another, with the notice that names it; and,
    # the deadline passed, given more time with the service chosen again.
    rejected = issued(
        world, conditional_caution(world, person=reachable_person(world, given_name="Mai"))
    )
    reject_condition_referral(world, rejected)
    sent_again = rejected.conditions.get()
    lapsed = issued(
        world, conditional_caution(world, person=reachable_person(world, given_name="Non"))
    )
    reject_condition_referral(world, lapsed)
    lapsed = failed_condition(world, lapsed, "drug_assessment")
    other = drug_service(world, "b")
    # Its referral still open: cancelled with the officer's reason, the condition moved.
    moving = issued(
        world, conditional_caution(world, person=reachable_person(world, given_name="Osian"))
    ).conditions.get()
    suite_arranged(world)
    test = positive_test(world)
    stop_search_reference()
    searched = released_person(world, given_name="Gwil")
    return {
        "referral created": lambda: draft_referral(world, person=referred),
        "referral sent": lambda: referrals.referral_send(actor=officer, referral_id=draft.pk),
        "referral accepted": lambda: referrals.referral_accept(
            actor=worker, referral_id=requested.pk
        ),
        "referral rejected": lambda: referrals.referral_reject(
            actor=worker, referral_id=requested.pk, reason="Outside our area"
        ),
        "referral cancelled by the referrer": lambda: referrals.referral_cancel(
            actor=officer, referral_id=requested.pk, reason="Arranged elsewhere"
        ),
        "contact attempt": lambda: referrals.contact_attempt_log(
            actor=worker,
            referral_id=accepted.pk,
            method="phone",
            attempted_at=now,
            result="reached",
        ),
        "contact attempt by the partner API, with its Idempotency-Key": lambda: _api_post(
            f"/api/v1/referrals/{accepted.pk}/contact-attempts",
            {"method": "phone", "attempted_at": now.isoformat(), "result": "no_answer"},
            {**key, "Idempotency-Key": "attempt-1"},
        ),
        "appointment booked": lambda: referrals.appointment_book(
            actor=worker, referral_id=accepted.pk, starts_at=now + timedelta(days=2), place="Ty"
        ),
        "did not attend": lambda: referrals.attendance_record(
            actor=worker,
            referral_id=attended.pk,
            appointment_id=past.pk,
            attendance="did_not_attend",
        ),
        "treatment started": lambda: referrals.treatment_start(
            actor=worker, referral_id=started.pk, started_at=now
        ),
        "closed with an appointment to come": lambda: referrals.referral_close(
            actor=worker, referral_id=booked.pk, closure_reason="dna_before_assessment"
        ),
        "appointment cancelled": lambda: referrals.appointment_cancel(
            actor=worker, referral_id=booked.pk, appointment_id=appointment.pk
        ),
        "drug test with its Required Assessment and referral": lambda: imposed_assessment(
            world, test=test
        ),
        "drug test recorded": lambda: _drug_test(world),
        "conditional caution issued": lambda: issue(world, caution),
        "more time after a breach, with its new notice": lambda: disposals.breach_decide(
            actor=world.users[FRONTLINE],
            disposal_id=breached.pk,
            decision="extend",
            reason="Was in hospital",
            new_deadline=timezone.localdate() + timedelta(days=30),  # not its first deadline
            expected_version=breached.version,
        ),
        "a rejected condition sent to another service, with its new notice": lambda: (
            disposals.condition_refer_again(
                actor=world.users[FRONTLINE],
                condition_id=sent_again.pk,
                service_id=other.pk,
                expected_version=sent_again.version,
            )
        ),
        "an open referral's condition moved to another service": lambda: (
            disposals.condition_refer_again(
                actor=world.users[FRONTLINE],
                condition_id=moving.pk,
                service_id=other.pk,
                expected_version=moving.version,
                reason="Has moved to Newtown",
            )
        ),
        "more time, a rejected condition sent again": lambda: disposals.breach_decide(
            actor=world.users[FRONTLINE],
            disposal_id=lapsed.pk,
            decision="extend",
            reason="The first service was full",
            new_deadline=timezone.localdate() + timedelta(days=30),
            send_to={lapsed.conditions.get().pk: str(other.pk)},
            expected_version=lapsed.version,
        ),
        "search recorded": lambda: recorded_search(world, person=searched),
        "person created": lambda: people.person_create(
            actor=officer,
            given_name="Jac",
            family_name="Morgan",
            date_of_birth=date(1990, 1, 2),
            gender="male",
            confirmed_new=True,
        ),
        "contact details added": lambda: people.contact_route_add(
            actor=officer,
            person_id=unreachable.pk,
            kind="phone",
            use="mobile",
            values={"phone": "07812 345679"},
        ),
    }


def _api_post(path: str, body: dict[str, Any], headers: dict[str, str]) -> Any:
    """The API answers any exception with its 500 shape; here only the fault can cause one."""
    response = Client(raise_request_exception=False).post(
        path, body, content_type="application/json", headers=headers
    )
    if response.status_code == 500:
        raise InjectedFault(response.content.decode())
    assert response.status_code == 201, response.content
    return response


def _drug_test(world: World) -> Any:
    from pont.drug_testing import services

    person = Referral.objects.order_by("pk").first().person  # anyone the force recorded
    return services.drug_test_record(**drug_test_values(world, person_id=person.pk))


def test_a_write_failing_anywhere_in_an_operation_leaves_nothing_of_it(world: World, capsys):
    operations = _operations(world)
    report, partial = [], []
    for name, run in operations.items():
        # Count the operation's writes, then undo it.
        savepoint = transaction.savepoint()
        with failing_write(0) as writes:
            run()
        total = writes()
        transaction.savepoint_rollback(savepoint)
        assert total > 1, f"{name}: {total} write"
        for k in range(1, total + 1):
            before = snapshot()
            savepoint = transaction.savepoint()
            try:
                with failing_write(k), pytest.raises(InjectedFault):
                    run()
            finally:
                after = snapshot()
                transaction.savepoint_rollback(savepoint)
            if after != before:
                partial.append(f"{name}, write {k} of {total}: {_difference(before, after)}")
        report.append(f"{name}: {total}")
    with capsys.disabled():
        print(
            f"\natomicity: {len(operations)} operations, "
            f"{sum(int(line.rsplit(': ', 1)[1]) for line in report)} injection points, "
            f"{len(partial)} partial states ({'; '.join(report)})"
        )
    assert partial == [], "\n".join(partial)
