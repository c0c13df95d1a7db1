"""The embedded database is opened the way DESIGN.md requires: WAL, foreign keys, IMMEDIATE."""

from django.db.backends.sqlite3.base import DatabaseWrapper

from config.settings.base import SQLITE_OPTIONS


def test_the_embedded_sqlite_database_uses_wal_foreign_keys_and_immediate_transactions(
    tmp_path, django_db_blocker
):
    wrapper = DatabaseWrapper(
        {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(tmp_path / "pont.sqlite3"),
            "OPTIONS": SQLITE_OPTIONS,
            "TIME_ZONE": None,
            "CONN_MAX_AGE": 0,
            "CONN_HEALTH_CHECKS": False,
            "AUTOCOMMIT": True,
            "ATOMIC_REQUESTS": False,
            "TEST": {},
        },
        alias="pragma-check",
    )
    with django_db_blocker.unblock():
        try:
            with wrapper.cursor() as cursor:
                cursor.execute("PRAGMA journal_mode")
                assert cursor.fetchone()[0] == "wal"
                cursor.execute("PRAGMA foreign_keys")
                assert cursor.fetchone()[0] == 1
                cursor.execute("PRAGMA busy_timeout")
                assert cursor.fetchone()[0] == 20000
            assert wrapper.transaction_mode == "IMMEDIATE"
        finally:
            wrapper.close()


def _wrapper(path, alias):
    from pont.core.db.sqlite3.base import DatabaseWrapper as QueuedWrapper

    return QueuedWrapper(
        {
            "ENGINE": "pont.core.db.sqlite3",
            "NAME": str(path),
            "OPTIONS": SQLITE_OPTIONS,
            "TIME_ZONE": None,
            "CONN_MAX_AGE": 0,
            "CONN_HEALTH_CHECKS": False,
            "AUTOCOMMIT": True,
            "ATOMIC_REQUESTS": False,
            "TEST": {},
        },
        alias=alias,
    )


def test_writers_queue_on_the_lock_file_and_a_failed_transaction_releases_it(
    tmp_path, django_db_blocker
):
    """A second writer waits for the first to commit, without polling; a rollback frees the lock.

    Each thread drives its own connection through the hooks Django's atomic() calls
    (begin under autocommit, then commit or rollback).
    """
    import threading
    import time

    path = tmp_path / "queue.sqlite3"
    times: dict[str, float] = {}
    started = threading.Event()
    errors: list[BaseException] = []

    def first() -> None:
        wrapper = _wrapper(path, "queue_a")
        try:
            wrapper.ensure_connection()
            wrapper.connection.execute("CREATE TABLE IF NOT EXISTS t (x integer)")
            wrapper._start_transaction_under_autocommit()
            wrapper.connection.execute("INSERT INTO t VALUES (1)")
            started.set()
            time.sleep(0.6)
            times["a committed"] = time.monotonic()
            wrapper._commit()
        except BaseException as error:  # surfaced in the main thread
            errors.append(error)
            started.set()
        finally:
            wrapper.close()

    def second() -> None:
        wrapper = _wrapper(path, "queue_b")
        try:
            assert started.wait(timeout=10)
            wrapper.ensure_connection()
            # No busy handler: without the queue, BEGIN IMMEDIATE would fail at once with
            # "database is locked"; with it, B waits on the lock file and then begins.
            wrapper.connection.execute("PRAGMA busy_timeout = 0")
            times["b asked"] = time.monotonic()
            wrapper._start_transaction_under_autocommit()
            times["b began"] = time.monotonic()
            wrapper.connection.execute("INSERT INTO t VALUES (2)")
            wrapper._commit()
        except BaseException as error:
            errors.append(error)
        finally:
            wrapper.close()

    with django_db_blocker.unblock():
        threads = [threading.Thread(target=first), threading.Thread(target=second)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=20)
        assert not errors, errors
        assert times["b began"] >= times["a committed"]  # B waited for A to finish
        assert times["b began"] - times["b asked"] > 0.4
        # ...queued on the lock file, not on SQLite's busy handler (which polls in growing
        # sleeps): it had none, so it could only begin by being woken when A released it.
        # (Until 2026-11-30 this was a timing bound, which a loaded machine could break.)

        # A transaction that rolls back releases the lock for the next writer at once.
        a, b = _wrapper(path, "queue_a"), _wrapper(path, "queue_b")
        try:
            a.ensure_connection()
            a._start_transaction_under_autocommit()
            a.connection.execute("INSERT INTO t VALUES (3)")
            a._rollback()
            b.ensure_connection()
            began = time.monotonic()
            b._start_transaction_under_autocommit()
            assert time.monotonic() - began < 0.2
            b._commit()
            assert b.connection.execute("SELECT COUNT(*) FROM t").fetchone()[0] == 2
        finally:
            a.close()
            b.close()


def test_the_queued_backend_converts_format_style_sql_once_and_as_django_does(
    tmp_path, django_db_blocker
):
    """Its cursors keep each statement's "?" form: the same answers as Django's conversion
    (%s bound, %% a literal percent, named parameters left to Django), converted once."""
    from django.db.backends.sqlite3.base import SQLiteCursorWrapper

    from pont.core.db.sqlite3 import base as queued

    wrapper = _wrapper(tmp_path / "qmark.sqlite3", "qmark")
    statement = "SELECT %s || '%%' || %s, 'qmark-test'"
    queued._qmark_cached.cache_clear()
    with django_db_blocker.unblock():
        try:
            with wrapper.cursor() as cursor:
                for _ in range(3):
                    cursor.execute(statement, ["10", "a"])
                    assert cursor.fetchone() == ("10%a", "qmark-test")
                cursor.execute("SELECT %(x)s || '%%'", {"x": "b"})
                assert cursor.fetchone() == ("b%",)
                long = "SELECT %s" + " " * queued.QMARK_CACHE_LONGEST
                cursor.execute(long, ["c"])
                assert cursor.fetchone() == ("c",)
        finally:
            wrapper.close()
    info = queued._qmark_cached.cache_info()
    assert (info.misses, info.hits) == (1, 2)  # the short statement only, converted once
    django_way = SQLiteCursorWrapper.convert_query(None, statement)  # type: ignore[arg-type]
    assert queued._qmark_cached(statement) == django_way == "SELECT ? || '%' || ?, 'qmark-test'"
