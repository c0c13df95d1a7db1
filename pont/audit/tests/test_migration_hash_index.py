"""Migration 0003: the hash loses its unique index; the chain written before it stays whole and
the table stays append-only beneath the ORM (SQLite rebuilds the table, dropping its triggers)."""

import pytest
from django.db import DatabaseError, connection, transaction

from pont.audit import maintenance
from pont.audit.models import AuditEvent
from pont.audit.selectors import audit_chain_verify
from pont.audit.services import record
from pont.testing.database import execute_raw, migrate, migrate_to_latest

BEFORE = [("audit", "0002_chain_head_and_triggers")]
AFTER = [("audit", "0003_hash_not_indexed")]


def _hash_is_unique() -> bool:
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, "audit_auditevent")
    return any(c["unique"] and c["columns"] == ["hash"] for c in constraints.values())


def test_the_chain_stays_whole_and_append_only_across_the_migration(audit_flushable):
    maintenance.set_maintenance(connection, False)
    migrate(BEFORE)
    try:
        assert _hash_is_unique()
        with transaction.atomic():
            for number in range(3):
                record(actor=None, operation="consultation", reason=f"before {number}")

        migrate(AFTER)

        assert not _hash_is_unique()
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
