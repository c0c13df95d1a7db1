"""Writing the audit log: record(), the append-only guards and checkpoints (T18a, T18b)."""

import json
from datetime import date, timedelta

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from pont.accounts import services as accounts
from pont.accounts.roles import Role
from pont.audit import maintenance, services
from pont.audit.chain import checkpoint_signature, event_hash, verify_chain
from pont.audit.models import (
    GENESIS_HASH,
    AppendOnlyError,
    AuditChainHead,
    AuditCheckpoint,
    AuditEvent,
)
from pont.audit.selectors import audit_chain_verify
from pont.audit.services import AuditOutsideTransactionError, checkpoint_write, record
from pont.audit.tasks import audit_checkpoint_write
from pont.core.request_context import request_id_var
from pont.people.services import person_create
from pont.testing.database import execute_raw

Operation = AuditEvent.Operation


def record_one(**kwargs) -> AuditEvent:
    kwargs.setdefault("actor", None)
    kwargs.setdefault("operation", Operation.CONSULTATION)
    with transaction.atomic():
        return record(**kwargs)


def head() -> tuple[int, str]:
    row = AuditChainHead.objects.get(pk=1)
    return row.sequence, row.hash


@pytest.fixture
def triggers_on():
    """Make sure the database triggers are armed, whatever an earlier test left behind."""
    maintenance.set_maintenance(connection, False)
    yield
    maintenance.set_maintenance(connection, False)


# Refusals


def test_record_refuses_to_write_outside_a_transaction(django_db_setup, django_db_blocker):
    # A real autocommit connection, not the test's wrapping transaction. Nothing is
    # written (unless the guard is gone), so the database needs no flush afterwards.
    with django_db_blocker.unblock():
        assert not connection.in_atomic_block
        before = AuditEvent.objects.count()

        with pytest.raises(AuditOutsideTransactionError):
            record(actor=None, operation=Operation.COLLECTION)

        assert AuditEvent.objects.count() == before


@pytest.mark.django_db
def test_the_tests_own_transaction_is_not_the_operations():
    # Each test runs inside a transaction of its own; a service that forgot its
    # transaction.atomic must still be caught here, not first in production (a webhook
    # endpoint saved, then a 500 and no audit event).
    assert connection.in_atomic_block
    before = AuditEvent.objects.count()

    with pytest.raises(AuditOutsideTransactionError):
        record(actor=None, operation=Operation.COLLECTION)
    with transaction.atomic():
        record(actor=None, operation=Operation.COLLECTION)

    assert AuditEvent.objects.count() == before + 1


@pytest.mark.django_db
@pytest.mark.parametrize("operation", ["read", "CONSULTATION", "", "delete"])
def test_record_refuses_an_operation_that_is_not_one_of_the_six_in_section_62(operation):
    before = head()

    with pytest.raises(ValueError, match="Unknown audit operation"), transaction.atomic():
        record(actor=None, operation=operation)

    assert head() == before


@pytest.mark.django_db
@pytest.mark.parametrize("operation", Operation.values)
def test_record_accepts_each_of_the_six_section_62_operations(operation):
    event = record_one(operation=operation)

    assert AuditEvent.objects.get(pk=event.pk).operation == operation


# What a row holds


@pytest.mark.django_db
def test_record_extends_the_chain_one_index_at_a_time_from_the_genesis_hash():
    start_sequence, start_hash = head()
    events = [record_one(reason=f"n{n}") for n in range(5)]

    rows = list(AuditEvent.objects.filter(sequence__gt=start_sequence).order_by("sequence"))
    assert [row.pk for row in rows] == [event.pk for event in events]
    assert [row.sequence for row in rows] == list(range(start_sequence + 1, start_sequence + 6))
    previous = start_hash
    for row in rows:
        assert row.prev_hash == previous
        assert row.hash == event_hash(row)
        previous = row.hash
    assert head() == (rows[-1].sequence, rows[-1].hash)
    assert audit_chain_verify().ok


@pytest.mark.django_db
def test_events_prepared_before_their_transaction_are_chained_when_recorded_and_only_once():
    """A read that discloses a page prepares its events before it takes the lock: their
    index, time and link are given under the lock, and the chain verifies."""
    start_sequence, start_hash = head()
    entries = [
        {"actor": None, "operation": Operation.DISCLOSURE, "object_id": str(n), "detail": {"n": n}}
        for n in range(3)
    ]
    prepared = services.prepare(entries)
    before_lock = timezone.now()
    with transaction.atomic():
        rows = services.record_many(prepared)
    assert [row["sequence"] for row in rows] == [start_sequence + n for n in (1, 2, 3)]
    assert rows[0]["prev_hash"] == start_hash
    assert all(row["occurred_at"] >= before_lock for row in rows)  # stamped under the lock
    assert all(not key.startswith("_") for row in rows for key in row)
    stored = list(AuditEvent.objects.filter(sequence__gt=start_sequence).order_by("sequence"))
    assert [event.detail for event in stored] == [{"n": 0}, {"n": 1}, {"n": 2}]
    assert [event.hash for event in stored] == [event_hash(event) for event in stored]
    assert head() == (stored[-1].sequence, stored[-1].hash)
    assert audit_chain_verify().ok
    with pytest.raises(ValueError, match="recorded already"), transaction.atomic():
        services.record_many(prepared)
    assert AuditEvent.objects.filter(sequence__gt=start_sequence).count() == 3
    with pytest.raises(ValueError, match="Unknown audit operation"):
        services.prepare([{"actor": None, "operation": "peeked"}])


@pytest.mark.django_db
def test_the_first_event_ever_links_to_the_genesis_hash():
    assert head() == (0, GENESIS_HASH)

    event = record_one()

    assert event.sequence == 1
    assert event.prev_hash == GENESIS_HASH


@pytest.mark.django_db
def test_record_stamps_the_time_in_utc_and_it_reads_back_unchanged():
    before = timezone.now()
    event = record_one()
    after = timezone.now()

    stored = AuditEvent.objects.get(pk=event.pk)
    assert stored.occurred_at.utcoffset() == timedelta(0)
    assert before <= stored.occurred_at <= after
    assert stored.occurred_at == event.occurred_at  # microseconds survive the database
    assert stored.hash == event_hash(stored)


@pytest.mark.django_db
def test_record_carries_the_current_request_id():
    token = request_id_var.set("0123456789abcdef0123456789abcdef")
    try:
        event = record_one()
    finally:
        request_id_var.reset(token)

    assert AuditEvent.objects.get(pk=event.pk).request_id == "0123456789abcdef0123456789abcdef"


@pytest.mark.django_db
def test_record_leaves_the_request_id_empty_outside_a_request():
    assert record_one().request_id == ""


def test_record_names_a_user_and_the_organisation_of_their_role(world):
    custody = world.users["custody"]

    event = record_one(actor=custody, operation=Operation.ALTERATION)

    stored = AuditEvent.objects.get(pk=event.pk)
    assert stored.actor == custody
    assert stored.actor_label == "custody"
    assert stored.organisation == world.llanelli


def test_record_names_the_first_active_membership_of_a_user_with_several(world):
    worker = world.users["prov_a"]
    accounts.membership_create(
        actor=None, user=worker, organisation=world.provider_b, role=Role.PROVIDER_WORKER
    )

    assert record_one(actor=worker).organisation_id == world.provider_a.pk

    accounts.membership_end(
        actor=None, membership=worker.memberships.get(organisation=world.provider_a)
    )
    assert record_one(actor=worker).organisation_id == world.provider_b.pk


def test_record_names_no_organisation_for_a_user_without_a_role(world):
    user, _password = accounts.user_create(
        actor=None,
        username="no-role",
        given_name="No",
        family_name="Role",
        email="no-role@example.test",
        password="Correct-Horse-Battery-Staple-43",
    )

    event = record_one(actor=user)

    assert event.actor_label == "no-role"
    assert event.organisation_id is None


def test_record_names_an_api_client_by_id_and_name_and_its_organisation(world):
    client, _key = accounts.api_client_create(
        actor=world.users["sysadmin"], organisation=world.provider_a, name="x"
    )

    event = record_one(actor=client, operation=Operation.DISCLOSURE, recipient="Provider A")

    stored = AuditEvent.objects.get(pk=event.pk)
    assert stored.actor is None
    assert stored.actor_label == f"api-client:{client.pk}:x"
    assert stored.organisation == world.provider_a
    assert stored.recipient == "Provider A"


@pytest.mark.django_db
def test_record_names_the_system_when_there_is_no_actor():
    event = record_one(actor=None)

    assert event.actor is None
    assert event.actor_label == "system"
    assert event.organisation_id is None


def test_an_explicit_organisation_overrides_the_actors(world):
    event = record_one(actor=world.users["custody"], organisation_id=world.provider_b.pk)

    assert event.organisation_id == world.provider_b.pk


def test_record_takes_the_subject_as_a_person_and_the_object_as_a_model(world):
    person = person_create(
        actor=world.users["custody"],
        given_name="Ann",
        family_name="Jones",
        date_of_birth=date(1990, 4, 1),
        gender="female",
        confirmed_new=True,
    )

    event = record_one(actor=world.users["custody"], subject=person, obj=person)

    assert event.subject_person_id == person.pk
    assert event.object_type == "people.person"
    assert event.object_id == str(person.pk)


def test_creating_a_person_through_its_service_writes_one_collection_event(world):
    before = head()[0]

    person = person_create(
        actor=world.users["custody"],
        given_name="Ann",
        family_name="Jones",
        date_of_birth=date(1990, 4, 1),
        gender="female",
        confirmed_new=True,
    )

    events = list(AuditEvent.objects.filter(sequence__gt=before))
    assert [(e.operation, e.actor_label, e.subject_person_id) for e in events] == [
        (Operation.COLLECTION, "custody", person.pk)
    ]


@pytest.mark.django_db
def test_record_takes_the_subject_as_a_bare_id_and_keeps_metadata_in_detail():
    event = record_one(
        subject=123, object_type="people.person", object_id="123", detail={"fields": ["pnc_id"]}
    )

    stored = AuditEvent.objects.get(pk=event.pk)
    assert stored.subject_person_id == 123
    assert (stored.object_type, stored.object_id) == ("people.person", "123")
    assert stored.detail == {"fields": ["pnc_id"]}


@pytest.mark.django_db
def test_record_stores_an_empty_detail_when_none_is_given():
    assert AuditEvent.objects.get(pk=record_one().pk).detail == {}


# Written with the operation, or not at all


@pytest.mark.django_db
def test_a_failed_outer_transaction_leaves_no_audit_row_and_the_head_unchanged():
    record_one()  # the chain is not empty, so the head has something to keep
    before_head = head()
    before_count = AuditEvent.objects.count()

    def operation_that_fails_after_logging() -> None:
        with transaction.atomic():
            record(actor=None, operation=Operation.ALTERATION, reason="never happened")
            raise RuntimeError("operation failed")

    with pytest.raises(RuntimeError, match="operation failed"):
        operation_that_fails_after_logging()

    assert AuditEvent.objects.count() == before_count
    assert not AuditEvent.objects.filter(reason="never happened").exists()
    assert head() == before_head
    after = record_one()
    assert after.sequence == before_head[0] + 1
    assert after.prev_hash == before_head[1]
    assert audit_chain_verify().ok


# Append-only, in the ORM


@pytest.mark.django_db
def test_saving_an_existing_event_again_is_refused():
    event = record_one(reason="original")
    event.reason = "changed"

    with pytest.raises(AppendOnlyError):
        event.save()

    assert AuditEvent.objects.get(pk=event.pk).reason == "original"


@pytest.mark.django_db
def test_deleting_an_event_is_refused():
    event = record_one()

    with pytest.raises(AppendOnlyError):
        event.delete()

    assert AuditEvent.objects.filter(pk=event.pk).exists()


@pytest.mark.django_db
def test_updating_events_through_a_queryset_is_refused():
    event = record_one(reason="original")

    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).update(reason="changed")

    assert AuditEvent.objects.get(pk=event.pk).reason == "original"


@pytest.mark.django_db
def test_deleting_events_through_a_queryset_is_refused():
    record_one()
    before = AuditEvent.objects.count()

    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()

    assert AuditEvent.objects.count() == before


@pytest.mark.django_db
def test_bulk_create_of_events_is_refused():
    before = AuditEvent.objects.count()
    forged = AuditEvent(
        sequence=999, operation=Operation.COLLECTION, actor_label="x", prev_hash="0", hash="1"
    )

    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.bulk_create([forged])

    assert AuditEvent.objects.count() == before


@pytest.mark.django_db
def test_bulk_update_of_events_is_refused():
    event = record_one(reason="original")
    event.reason = "changed"

    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.bulk_update([event], ["reason"])

    assert AuditEvent.objects.get(pk=event.pk).reason == "original"


@pytest.mark.django_db
def test_an_event_inserted_around_record_is_caught_by_verification():
    last = record_one()
    forged = AuditEvent(
        sequence=last.sequence + 1,
        operation=Operation.ERASURE,
        actor_label="system",
        prev_hash=last.hash,
        hash="f" * 64,
    )
    forged.save()  # the ORM lets a new row in; the chain is what notices it

    result = audit_chain_verify()

    assert not result.ok
    assert result.broken_index == last.sequence + 1


@pytest.mark.django_db
def test_changing_or_removing_a_checkpoint_through_the_orm_is_refused():
    record_one()
    checkpoint = checkpoint_write()
    checkpoint.hash = "0" * 64

    with pytest.raises(AppendOnlyError):
        checkpoint.save()
    with pytest.raises(AppendOnlyError):
        AuditCheckpoint.objects.update(hash="0" * 64)
    with pytest.raises(AppendOnlyError):
        AuditCheckpoint.objects.all().delete()

    assert AuditCheckpoint.objects.get(pk=checkpoint.pk).hash == head()[1]


# Append-only, beneath the ORM (database triggers)


@pytest.mark.django_db
def test_a_raw_sql_update_of_an_event_is_refused_by_the_database(triggers_on):
    event = record_one(reason="original")

    with pytest.raises(DatabaseError, match="append-only"):
        execute_raw("UPDATE audit_auditevent SET reason = %s WHERE id = %s", ["changed", event.pk])

    assert AuditEvent.objects.get(pk=event.pk).reason == "original"


@pytest.mark.django_db
def test_a_raw_sql_delete_of_an_event_is_refused_by_the_database(triggers_on):
    event = record_one()

    with pytest.raises(DatabaseError, match="append-only"):
        execute_raw("DELETE FROM audit_auditevent WHERE id = %s", [event.pk])

    assert AuditEvent.objects.filter(pk=event.pk).exists()


@pytest.mark.django_db
def test_a_raw_sql_delete_of_every_event_is_refused_by_the_database(triggers_on):
    record_one()
    before = AuditEvent.objects.count()

    with pytest.raises(DatabaseError, match="append-only"):
        execute_raw("DELETE FROM audit_auditevent", [])

    assert AuditEvent.objects.count() == before


@pytest.mark.django_db
def test_raw_sql_changes_to_checkpoints_are_refused_by_the_database(triggers_on):
    record_one()
    checkpoint = checkpoint_write()

    with pytest.raises(DatabaseError, match="append-only"):
        execute_raw("UPDATE audit_auditcheckpoint SET sequence = 0 WHERE id = %s", [checkpoint.pk])
    with pytest.raises(DatabaseError, match="append-only"):
        execute_raw("DELETE FROM audit_auditcheckpoint WHERE id = %s", [checkpoint.pk])
    with pytest.raises(AppendOnlyError):
        checkpoint.delete()  # refused by the model before it reaches the database

    assert AuditCheckpoint.objects.get(pk=checkpoint.pk).sequence == checkpoint.sequence


@pytest.mark.django_db
def test_truncating_the_audit_table_is_refused_by_the_database(triggers_on):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has no TRUNCATE; DELETE without WHERE is covered above")
    record_one()
    before = AuditEvent.objects.count()
    # Fire the foreign-key checks of that insert now; PostgreSQL will not truncate
    # a table with deferred trigger events pending, which would hide our trigger.
    execute_raw("SET CONSTRAINTS ALL IMMEDIATE", [])

    with pytest.raises(DatabaseError, match="append-only"):
        execute_raw("TRUNCATE audit_auditevent", [])

    assert AuditEvent.objects.count() == before


@pytest.mark.django_db
def test_maintenance_mode_lets_a_test_database_be_emptied_and_is_switched_off_again(triggers_on):
    event = record_one()

    maintenance.set_maintenance(connection, True)
    try:
        execute_raw("DELETE FROM audit_auditevent WHERE id = %s", [event.pk])
    finally:
        maintenance.set_maintenance(connection, False)

    assert not AuditEvent.objects.filter(pk=event.pk).exists()
    other = record_one()
    with pytest.raises(DatabaseError, match="append-only"):
        execute_raw("DELETE FROM audit_auditevent WHERE id = %s", [other.pk])


# Checkpoints


@pytest.mark.django_db
def test_no_checkpoint_is_written_for_an_empty_chain():
    assert head()[0] == 0

    assert checkpoint_write() is None
    assert not AuditCheckpoint.objects.exists()


@pytest.mark.django_db
def test_a_checkpoint_records_the_signed_head_and_none_is_written_until_it_moves():
    record_one()
    record_one()

    first = checkpoint_write()

    sequence, chain_hash = head()
    stored = AuditCheckpoint.objects.get()
    assert (first.pk, stored.sequence, stored.hash) == (stored.pk, sequence, chain_hash)
    stamp = stored.created_at.isoformat(timespec="microseconds")
    assert stored.signature == checkpoint_signature(
        "test-checkpoint-key", sequence, chain_hash, stamp
    )
    assert checkpoint_write() is None
    assert AuditCheckpoint.objects.count() == 1

    record_one()
    second = checkpoint_write()
    assert second.sequence == sequence + 1
    assert AuditCheckpoint.objects.count() == 2
    assert audit_chain_verify().ok


@pytest.mark.django_db
def test_a_checkpoint_appends_one_json_line_to_the_file_after_commit(
    settings, tmp_path, django_capture_on_commit_callbacks
):
    path = tmp_path / "logs" / "checkpoints.jsonl"
    settings.PONT_AUDIT_CHECKPOINT_FILE = str(path)
    record_one()

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        checkpoint = checkpoint_write()
    assert not path.exists()  # nothing leaves the database before the commit
    for callback in callbacks:
        callback()

    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 1
    assert json.loads(lines[0]) == {
        "sequence": checkpoint.sequence,
        "hash": checkpoint.hash,
        "created_at": checkpoint.created_at.isoformat(timespec="microseconds"),
        "signature": checkpoint.signature,
    }

    record_one()
    with django_capture_on_commit_callbacks(execute=True):
        checkpoint_write()
        checkpoint_write()  # the head has not moved again: no second line
    assert len(path.read_text(encoding="utf-8").splitlines()) == 2


@pytest.mark.django_db
def test_a_checkpoint_in_a_rolled_back_transaction_writes_no_line(
    settings, tmp_path, django_capture_on_commit_callbacks
):
    path = tmp_path / "checkpoints.jsonl"
    settings.PONT_AUDIT_CHECKPOINT_FILE = str(path)
    record_one()

    def checkpoint_then_fail() -> None:
        with transaction.atomic():
            checkpoint_write()
            raise RuntimeError("rolled back")

    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(RuntimeError):
        checkpoint_then_fail()

    assert callbacks == []

    assert not path.exists()
    assert not AuditCheckpoint.objects.exists()


@pytest.mark.django_db
def test_the_file_checkpoint_verifies_against_the_chain(
    settings, tmp_path, django_capture_on_commit_callbacks
):
    path = tmp_path / "checkpoints.jsonl"
    settings.PONT_AUDIT_CHECKPOINT_FILE = str(path)
    record_one()
    with django_capture_on_commit_callbacks(execute=True):
        checkpoint_write()

    assert audit_chain_verify().ok
    assert audit_chain_verify(checkpoint_file=path).ok


@pytest.mark.django_db
def test_the_checkpoint_task_writes_a_checkpoint_when_enqueued():
    record_one()
    record_one()

    result = audit_checkpoint_write.enqueue()

    assert result.return_value == head()[0]
    assert AuditCheckpoint.objects.get().sequence == head()[0]
    assert audit_checkpoint_write.enqueue().return_value is None
    assert AuditCheckpoint.objects.count() == 1


# A check on verify_chain with rows, not dicts


@pytest.mark.django_db
def test_model_instances_verify_like_their_values():
    for _ in range(3):
        record_one()
    rows = list(AuditEvent.objects.order_by("sequence"))

    assert verify_chain(rows, head=head()).ok
    rows[1].reason = "changed in memory"
    assert verify_chain(rows).broken_index == 2


def test_a_detail_shared_by_a_batch_is_written_as_each_would_be(db):
    shared = {"via": "api", "rows": 2}
    entries = [
        {"actor": None, "operation": "disclosure", "subject": None, "detail": detail}
        for detail in (shared, shared, {"rows": 2, "via": "api"}, None)
    ]
    with transaction.atomic():
        rows = services.record_many(entries)
    stored = list(
        AuditEvent.objects.filter(pk__in=[row["id"] for row in rows]).order_by("sequence")
    )
    assert [event.detail for event in stored] == [shared, shared, shared, {}]
    assert all(event_hash(event) == event.hash for event in stored)


def test_a_batch_larger_than_one_statement_chains_every_row_and_moves_the_head_once(db):
    """More rows than one INSERT takes (500): each statement's rows get their ids, and the
    head ends at the last row (on PostgreSQL the last INSERT moves it, on SQLite an UPDATE)."""
    record_one()
    before, _hash = head()
    count = services._ROWS_PER_STATEMENT * 2 + 1
    entries = [
        {"actor": None, "operation": "disclosure", "object_id": str(n)} for n in range(count)
    ]
    with transaction.atomic():
        rows = services.record_many(entries)

    assert [row["sequence"] for row in rows] == list(range(before + 1, before + count + 1))
    assert head() == (rows[-1]["sequence"], rows[-1]["hash"])
    stored = dict(AuditEvent.objects.filter(sequence__gt=before).values_list("sequence", "id"))
    assert {row["sequence"]: row["id"] for row in rows} == stored
    assert audit_chain_verify().ok


def test_a_failed_head_move_leaves_no_row_of_the_batch(db, monkeypatch):
    """The INSERT and the head's move are one: if moving the head fails, no row is kept."""
    record_one()
    before = head()
    entries = [{"actor": None, "operation": "disclosure", "object_id": str(n)} for n in range(3)]
    monkeypatch.setattr(services, "_locked_head", lambda: before)  # read before the table goes
    insert_into, row_marks, head_update = services._insert_statements(connection.vendor)
    broken = head_update.replace(services._HEAD_TABLE, "audit_no_such_head")
    assert broken != head_update
    monkeypatch.setattr(
        services, "_insert_statements", lambda vendor: (insert_into, row_marks, broken)
    )
    with pytest.raises(DatabaseError), transaction.atomic():
        services.record_many(entries)

    monkeypatch.undo()
    assert head() == before
    assert AuditEvent.objects.filter(sequence__gt=before[0]).count() == 0
