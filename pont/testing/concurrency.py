"""Calls run at the same moment, each in its own thread and database connection (PostgreSQL:
an in-memory SQLite database cannot be shared by threads)."""

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection


def needs_postgresql() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: the in-memory SQLite database cannot be shared by threads")


def at_once(call: Callable[[], Any], times: int) -> list[Any]:
    """Run `call` in `times` threads released together; return what each returned (in the
    order they finished). Each thread closes its own connection when done."""
    start = threading.Barrier(times)
    results: list[Any] = []

    def run() -> None:
        try:
            start.wait()
            results.append(call())
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(times)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results
