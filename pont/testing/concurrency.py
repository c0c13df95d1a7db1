"""Calls run at the same moment, each in its own thread and database connection (PostgreSQL:
an in-memory SQLite database cannot be shared by threads)."""

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, connections


def needs_postgresql() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: the in-memory SQLite database cannot be shared by threads")


def run_together(work: Callable[[int], Any], count: int, *, timeout: float = 120) -> None:
    """Run `work(n)` for n in range(count), each in its own thread and database connection,
    started at the same moment so that they really contend; fail if one is stuck or raised."""
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


def at_once(call: Callable[[], Any], times: int) -> list[Any]:
    """Run `call` in `times` threads released together; return what each returned (in the
    order they finished)."""
    results: list[Any] = []
    run_together(lambda _number: results.append(call()), times)
    return results
