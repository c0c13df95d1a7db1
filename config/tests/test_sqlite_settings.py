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
