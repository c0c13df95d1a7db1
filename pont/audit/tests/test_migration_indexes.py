"""Migrations 0003, 0004 and 0006 take indexes off the events and 0005 swaps one: the chain
written before each stays whole and the table stays append-only beneath the ORM (SQLite
rebuilds the table for 0003, 0004 and 0006, dropping its triggers, which they put back)."""

from collections.abc import Callable

import pytest
from django.db import DatabaseError, connection, transaction

from pont.audit import maintenance
from pont.audit.models import AuditEvent
from pont.audit.selectors import audit_chain_verify
from pont.audit.services import record
from pont.testing.database import execute_raw, migrate, migrate_to_latest


def _named_indexes() -> dict[str, dict]:
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, "audit_auditevent")
    return {name: c for name, c in constraints.items() if c["index"] or c["unique"]}


def _indexes() -> list[dict]:
    return list(_named_indexes().values())


def _hash_is_unique() -> bool:
    return any(c["unique"] and c["columns"] == ["hash"] for c in _indexes())


def _actor_indexes() -> list[list[str]]:
    return sorted(c["columns"] for c in _indexes() if c["columns"][0] == "actor_id")


def _across(
    before: str, after: str, check_before: Callable[[], None], check_after: Callable[[], None]
) -> None:
    maintenance.set_maintenance(connection, False)
    migrate([("audit", before)])
    try:
        check_before()
        with transaction.atomic():
            for number in range(3):
                record(actor=None, operation="consultation", reason=f"before {number}")

        migrate([("audit", after)])

        check_after()
        with transaction.atomic():
            record(actor=None, operation="consultation", reason="after")
        result = audit_chain_verify()
        assert result.ok, result.describe()
        assert result.checked == AuditEvent.objects.count() >= 4
        first = AuditEvent.objects.order_by("sequence").first()
        with pytest.raises(DatabaseError, match="append-only"):
            execute_raw("UPDATE audit_auditevent SET reason = %s WHERE id = %s", ["x", first.pk])
        with pytest.raises(DatabaseError, match="append-only"):
            execute_raw("DELETE FROM audit_auditevent WHERE id = %s", [first.pk])
    finally:
        migrate_to_latest()


def _hash_unique() -> None:
    assert _hash_is_unique()


def _hash_not_unique() -> None:
    assert not _hash_is_unique()


def test_0003_the_hash_loses_its_unique_index_and_the_chain_stays_whole(audit_flushable):
    _across("0002_chain_head_and_triggers", "0003_hash_not_indexed", _hash_unique, _hash_not_unique)


def _actor_indexed_twice() -> None:
    assert _actor_indexes() == [["actor_id"], ["actor_id", "occurred_at"]]


def _actor_indexed_once() -> None:
    # The look-up by actor (PROTECT's check before a user is deleted) still has an index.
    assert _actor_indexes() == [["actor_id", "occurred_at"]]


def test_0004_the_actor_loses_its_own_index_and_the_chain_stays_whole(audit_flushable):
    _across(
        "0003_hash_not_indexed",
        "0004_actor_index_served_by_actor_time",
        _actor_indexed_twice,
        _actor_indexed_once,
    )


def _actor_time_indexed() -> None:
    assert _actor_indexes() == [["actor_id", "occurred_at"]]
    assert "audit_actor_sequence" not in _named_indexes()


def _actor_label_indexed() -> None:
    # The search by username has its index; nothing is indexed by the actor's id.
    assert _actor_indexes() == []
    assert "audit_actor_sequence" in _named_indexes()


def test_0005_the_actor_is_indexed_by_label_and_the_chain_stays_whole(audit_flushable):
    _across(
        "0004_actor_index_served_by_actor_time",
        "0005_actor_searched_by_label",
        _actor_time_indexed,
        _actor_label_indexed,
    )


def _organisation_indexes() -> list[list[str]]:
    return [c["columns"] for c in _indexes() if c["columns"][:1] == ["organisation_id"]]


def _organisation_indexed() -> None:
    assert _organisation_indexes() == [["organisation_id"]]


def _organisation_not_indexed() -> None:
    assert _organisation_indexes() == []
    assert "audit_actor_sequence" in _named_indexes()  # the rebuilt table keeps the others


def test_0006_the_organisation_loses_its_index_and_the_chain_stays_whole(audit_flushable):
    _across(
        "0005_actor_searched_by_label",
        "0006_organisation_not_indexed",
        _organisation_indexed,
        _organisation_not_indexed,
    )
