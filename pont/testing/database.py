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


def run_together(work: Any, count: int, *, timeout: float = 120) -> None:
    """Run `work(n)` for n in range(count), each in its own thread and database connection,
    started at the same moment so that they really contend; fail if one is stuck or raised."""
    import threading

    import pytest
    from django.db import connections

    start = threading.Barrier(count)
    errors: list[BaseException] = []

    def run(number: int) -> None:
        try:
            start.wait(timeout=30)
            work(number)
        except BaseException as error:  # reported to the test below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    if any(thread.is_alive() for thread in threads):
        pytest.fail("a thread is stuck")
    if errors:
        pytest.fail(f"{len(errors)} of {count} threads failed; the first: {errors[0]!r}")
