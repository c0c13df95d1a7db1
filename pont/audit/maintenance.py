"""Database triggers that make the audit tables append-only beneath the ORM.

The ORM already refuses updates and deletes of audit rows; the triggers also
refuse them from raw SQL, a shell or a bulk path (T18b). One escape exists,
for emptying a *test* database between transactional tests: a flag that is
per connection on PostgreSQL (a session setting) and per process on SQLite
(a function the trigger calls). Anyone who can set it could drop the
trigger anyway; the real defence against the database owner is the chain,
its checkpoints outside the database, and a least-privileged application
role in production (docs/architecture.md).
"""

from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.signals import connection_created

PROTECTED_TABLES = ("audit_auditevent", "audit_auditcheckpoint")

_sqlite_maintenance = False
# Whether this process has switched maintenance on anywhere (so tests can switch it off).
_enabled_anywhere = False


def _sqlite_flag() -> int:
    return 1 if _sqlite_maintenance else 0


def _on_connection_created(
    sender: object, connection: BaseDatabaseWrapper, **kwargs: object
) -> None:
    if connection.vendor == "sqlite":
        connection.connection.create_function("pont_audit_maintenance", 0, _sqlite_flag)


def connect() -> None:
    connection_created.connect(_on_connection_created, dispatch_uid="pont_audit_maintenance")


def set_maintenance(connection: BaseDatabaseWrapper, enabled: bool) -> None:
    """Allow (or again refuse) deleting audit rows on this connection. Tests only."""
    global _sqlite_maintenance, _enabled_anywhere
    _enabled_anywhere = enabled
    if connection.vendor == "sqlite":
        _sqlite_maintenance = enabled
    elif connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT set_config('pont.audit_maintenance', %s, false)",
                ["on" if enabled else "off"],
            )


def is_enabled_anywhere() -> bool:
    return _enabled_anywhere


def install_sql(vendor: str) -> list[str]:
    """Return the statements that create the append-only triggers."""
    if vendor == "postgresql":
        statements = [
            """
            CREATE OR REPLACE FUNCTION pont_audit_append_only() RETURNS trigger AS $$
            BEGIN
                IF current_setting('pont.audit_maintenance', true) = 'on' THEN
                    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
                    IF TG_OP = 'UPDATE' THEN RETURN NEW; END IF;
                    RETURN NULL;
                END IF;
                RAISE EXCEPTION 'audit log is append-only: % on % refused', TG_OP, TG_TABLE_NAME;
            END;
            $$ LANGUAGE plpgsql;
            """
        ]
        for table in PROTECTED_TABLES:
            statements += [
                f"""CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table}
                FOR EACH ROW EXECUTE FUNCTION pont_audit_append_only();""",
                f"""CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table}
                FOR EACH STATEMENT EXECUTE FUNCTION pont_audit_append_only();""",
            ]
        return statements
    if vendor == "sqlite":
        statements = []
        for table in PROTECTED_TABLES:
            for action in ("UPDATE", "DELETE"):
                statements.append(
                    f"""CREATE TRIGGER {table}_no_{action.lower()} BEFORE {action} ON {table}
                    WHEN pont_audit_maintenance() = 0
                    BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;"""
                )
        return statements
    return []


def uninstall_sql(vendor: str) -> list[str]:
    if vendor == "postgresql":
        statements = []
        for table in PROTECTED_TABLES:
            statements += [
                f"DROP TRIGGER IF EXISTS {table}_append_only ON {table};",
                f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table};",
            ]
        return [*statements, "DROP FUNCTION IF EXISTS pont_audit_append_only();"]
    if vendor == "sqlite":
        return [
            f"DROP TRIGGER IF EXISTS {table}_no_{action};"
            for table in PROTECTED_TABLES
            for action in ("update", "delete")
        ]
    return []


def install_triggers(apps: object, schema_editor: Any) -> None:
    """A migration's RunPython step: create the triggers on the migrated database."""
    for statement in install_sql(schema_editor.connection.vendor):
        schema_editor.execute(statement, params=None)


def uninstall_triggers(apps: object, schema_editor: Any) -> None:
    """A migration's RunPython step: drop the triggers (before SQLite rebuilds a table)."""
    for statement in uninstall_sql(schema_editor.connection.vendor):
        schema_editor.execute(statement, params=None)
