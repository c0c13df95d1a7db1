"""Tests that work on the database beneath the ORM: migrating to a given state and back, and
running a raw statement in its own transaction."""

from typing import Any

from django.apps.registry import Apps
from django.db import connection, transaction
from django.db.migrations.executor import MigrationExecutor


def migrate(targets: list[tuple[str, str]]) -> Apps:
    """Migrate the test database to `targets`; return the historical models there."""
    MigrationExecutor(connection).migrate(targets)
    return MigrationExecutor(connection).loader.project_state(targets).apps


def migrate_to_latest() -> None:
    """Migrate the test database forward again to every app's last migration."""
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def execute_raw(statement: str, params: list[Any]) -> None:
    """Run one SQL statement in a transaction of its own (what the ORM's guards don't see)."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement, params)
