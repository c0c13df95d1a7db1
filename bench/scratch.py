"""What the benchmarks that run a real server share: scratch settings, a scratch database the
server process uses too, and the server itself (gunicorn on a free port on loopback)."""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from tempfile import mkdtemp
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


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


def start_server(
    *,
    env: dict[str, str],
    workers: int,
    threads: int,
    ready_path: str,
    tries: int = 200,
    **popen: Any,
) -> tuple[subprocess.Popen[bytes], str]:
    """gunicorn serving the bench settings on a free port, once `ready_path` answers 200 (asked
    `tries` times, a tenth of a second apart); its process and base URL (`popen`: where its
    output goes)."""
    import httpx

    base = f"http://127.0.0.1:{free_port()}"
    server = subprocess.Popen(  # noqa: S603 - fixed arguments
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "bench.server.wsgi:application",
            f"--bind={base.removeprefix('http://')}",
            f"--workers={workers}",
            f"--threads={threads}",
            "--log-level=warning",
        ],
        cwd=ROOT,
        env=env,
        **popen,
    )
    for _ in range(tries):
        try:
            if httpx.get(f"{base}{ready_path}").status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.1)
    return server, base
