"""SQLite, with writers queued in line instead of polling for the lock.

SQLite lets one writer at a time. Django's backend starts each transaction
with BEGIN IMMEDIATE (settings: transaction_mode), and a writer that finds
the database locked waits through SQLite's busy handler, which sleeps in
growing steps (1, 2, 5 ... 100 ms) and retries: under load a waiting request
can lose the race again and again, and a few wait a second or more.

This backend takes an exclusive flock() on a lock file beside the database
before BEGIN and releases it at COMMIT or ROLLBACK. The kernel wakes the next
waiter the moment the lock is free, across threads and processes (web
workers, the task worker, the scheduler) alike, so a short transaction waits
only for the transactions ahead of it. The busy handler still covers the rare
write outside a transaction. In-memory databases (the test suite) are left
as they are.

Its cursors also remember the SQL they have turned from Django's "%s" style
into SQLite's "?" style: Django does that with a regular expression on every
execute, and the same few hundred statements run again and again.
"""

import fcntl
import os
from functools import lru_cache
from typing import Any

from django.db.backends.sqlite3 import base, features

# Statements longer than this (a multi-row INSERT of hundreds of rows) are converted each
# time rather than kept: the cache holds at most QMARK_CACHE_SIZE x this many characters.
QMARK_CACHE_LONGEST = 8192
QMARK_CACHE_SIZE = 1024


@lru_cache(maxsize=QMARK_CACHE_SIZE)
def _qmark_cached(query: str) -> str:
    """Django's conversion from "format" style to "qmark" style (SQLiteCursorWrapper's; the
    test holds the two equal)."""
    return base.FORMAT_QMARK_REGEX.sub("?", query).replace("%%", "%")


class SQLiteCursorWrapper(base.SQLiteCursorWrapper):
    def convert_query(self, query: str, *, param_names: list[str] | None = None) -> str:
        if param_names is not None or len(query) > QMARK_CACHE_LONGEST:
            return super().convert_query(query, param_names=param_names)
        return _qmark_cached(query)


class DatabaseFeatures(features.DatabaseFeatures):
    # The audit writer inserts with RETURNING, which SQLite has from 3.35.
    minimum_database_version = (3, 35)


class DatabaseWrapper(base.DatabaseWrapper):
    features_class = DatabaseFeatures

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._writer_lock_fd: int | None = None
        self._writer_lock_held = False

    def create_cursor(self, name: str | None = None) -> Any:
        return self.connection.cursor(factory=SQLiteCursorWrapper)

    def _writer_lock_path(self) -> str | None:
        if self.is_in_memory_db():
            return None
        return f"{self.settings_dict['NAME']}-writer.lock"

    def _acquire_writer_lock(self) -> None:
        path = self._writer_lock_path()
        if path is None or self._writer_lock_held:
            return
        if self._writer_lock_fd is None:
            self._writer_lock_fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        fcntl.flock(self._writer_lock_fd, fcntl.LOCK_EX)
        self._writer_lock_held = True

    def _release_writer_lock(self) -> None:
        if self._writer_lock_held and self._writer_lock_fd is not None:
            fcntl.flock(self._writer_lock_fd, fcntl.LOCK_UN)
        self._writer_lock_held = False

    def _start_transaction_under_autocommit(self) -> None:
        self._acquire_writer_lock()
        try:
            super()._start_transaction_under_autocommit()  # type: ignore[misc]  # private hook
        except BaseException:
            self._release_writer_lock()
            raise

    def _commit(self) -> None:
        try:
            super()._commit()  # type: ignore[misc]  # a private Django hook, not in the stubs
        finally:
            self._release_writer_lock()

    def _rollback(self) -> None:
        try:
            super()._rollback()  # type: ignore[misc]  # a private Django hook, not in the stubs
        finally:
            self._release_writer_lock()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._release_writer_lock()
            if self._writer_lock_fd is not None:
                os.close(self._writer_lock_fd)
                self._writer_lock_fd = None
