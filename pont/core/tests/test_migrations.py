"""Migrations safety (T22): every migration of Pont goes back as well as forward.

`make lint` already fails on a model change without its migration
(`makemigrations --check`). This test takes the test database, on SQLite and on
PostgreSQL, back through every one of Pont's migrations to before the first, then
forward again, and asks that what stands at the end is what stood at the start: the
same tables, columns, constraints, indexes and triggers (the audit log's append-only
guards among them), and the same rows of reference data the migrations load.
"""

from typing import Any

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from pont.testing.database import migrate_to_latest


def _pont_apps() -> list[str]:
    loader = MigrationExecutor(connection).loader
    return sorted(
        config.label
        for config in apps.get_app_configs()
        if config.name.startswith("pont.") and config.label in loader.migrated_apps
    )


def _triggers() -> list[str]:
    """The triggers, and on PostgreSQL the functions they call (a table's DROP leaves those)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT tgrelid::regclass::text || '.' || tgname FROM pg_trigger "
                "WHERE NOT tgisinternal UNION ALL "
                "SELECT 'function ' || proname FROM pg_proc "
                "JOIN pg_namespace ON pg_namespace.oid = pronamespace "
                "WHERE nspname = current_schema() ORDER BY 1"
            )
        else:
            cursor.execute(
                "SELECT tbl_name || '.' || name FROM sqlite_master WHERE type = 'trigger' "
                "ORDER BY 1"
            )
        return [row[0] for row in cursor.fetchall()]


def _schema_and_rows() -> dict[str, Any]:
    """Every table but the migrations' own ledger: columns, constraints, row count."""
    snapshot: dict[str, Any] = {"triggers": _triggers()}
    introspection = connection.introspection
    with connection.cursor() as cursor:
        for table in sorted(introspection.table_names(cursor)):
            if table == "django_migrations":
                continue
            columns = [
                (column.name, column.type_code, column.null_ok)
                for column in introspection.get_table_description(cursor, table)
            ]
            constraints = {
                name: (
                    tuple(details["columns"] or ()),
                    details["primary_key"],
                    details["unique"],
                    details["index"],
                    details["check"],
                    details["foreign_key"],
                )
                for name, details in introspection.get_constraints(cursor, table).items()
            }
            # The table names are the database's own, quoted: nothing comes from outside.
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")  # noqa: S608
            snapshot[table] = (columns, constraints, cursor.fetchone()[0])
    return snapshot


def _pont_tables(labels: list[str]) -> list[str]:
    with connection.cursor() as cursor:
        names = connection.introspection.table_names(cursor)
    return sorted(name for name in names if name.split("_", 1)[0] in labels)


def test_every_migration_goes_back_to_before_the_first_and_forward_again(audit_flushable):
    labels = _pont_apps()
    assert {"accounts", "audit", "referrals", "stop_search"} <= set(labels)
    before = _schema_and_rows()
    assert before["triggers"], "the audit log's guards are missing before the test"
    seeded = [table for table, (_c, _k, count) in _items(before) if count]
    assert "referrals_closurereason" in seeded

    MigrationExecutor(connection).migrate([(label, None) for label in labels])
    try:
        assert _pont_tables(labels) == [], "a table outlived the migrations going back"
        assert _triggers() == [], "a trigger or function outlived the migrations going back"
    finally:
        migrate_to_latest()
        ContentType.objects.clear_cache()

    after = _schema_and_rows()
    changed = sorted(
        name for name in before.keys() | after.keys() if before.get(name) != after.get(name)
    )
    assert changed == [], f"not as before after going back and forward: {changed}"


def _items(snapshot: dict[str, Any]) -> list[tuple[str, Any]]:
    return [(name, value) for name, value in snapshot.items() if name != "triggers"]
