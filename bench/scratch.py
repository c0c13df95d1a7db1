"""What the benchmarks that run a real server share: scratch settings, a scratch database the
server process uses too, and a free port on loopback."""

import os
import socket
from pathlib import Path
from tempfile import mkdtemp


def use_scratch_settings(prefix: str) -> Path:
    """The bench server's settings, over a new scratch folder (its SQLite file, if SQLite)."""
    scratch = Path(mkdtemp(prefix=prefix))
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.server.settings"
    os.environ["PONT_VAR_DIR"] = str(scratch)
    os.environ["PONT_SQLITE_PATH"] = str(scratch / "bench.sqlite3")
    os.environ["PONT_AUDIT_CHECKPOINT_FILE"] = ""
    return scratch


def create_scratch_database() -> None:
    """After django.setup(): on PostgreSQL a new test database (the server process is pointed at
    it by `server_environment`), on SQLite the scratch file migrated."""
    from django.core.management import call_command
    from django.db import connection

    if os.environ.get("DATABASE_URL"):
        connection.creation.create_test_db(verbosity=0, autoclobber=True)
        os.environ["PONT_BENCH_DB_NAME"] = connection.settings_dict["NAME"]
    else:
        call_command("migrate", verbosity=0)


def server_environment(**extra: str) -> dict[str, str]:
    """The environment of the server process: this one's, on the same scratch database."""
    env = dict(os.environ, **extra)
    if os.environ.get("PONT_BENCH_DB_NAME"):
        base_url = os.environ["DATABASE_URL"].rsplit("/", 1)[0]
        env["DATABASE_URL"] = f"{base_url}/{os.environ['PONT_BENCH_DB_NAME']}"
    return env


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
