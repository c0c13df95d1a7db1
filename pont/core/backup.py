"""Backups and the restore drill (T21): `pont backup FILE` and `pont restore-drill FILE`.

A backup is one file (SQLite: a copy made by SQLite's online backup, consistent while the
application writes; PostgreSQL: `pg_dump -Fc`) and beside it a manifest, `FILE.manifest.json`,
written from the same moment of the database: when it was taken, which migrations it holds,
and for every table its rows and a SHA-256 over them in primary-key order.

A backup may be encrypted to one or more age public keys (`--encrypt-to`, or
PONT_BACKUP_RECIPIENTS): the file is then an age file (age-encryption.org/v1, X25519) that
only the matching secret keys open, so that it can be kept away from the server without
its data; the secret key need never be on the server. The manifest, which holds no one's
data, stays readable beside it, with the SHA-256 of both the encrypted and the plain file.

The drill restores a backup where nothing else can see it (a temporary file; a scratch
PostgreSQL database, dropped after), then checks that it holds exactly what the manifest
says, that this code's migrations are the ones applied, and that the audit log's hash chain
verifies against the checkpoints it holds (a check the audit module registers: core imports
nothing above it). It reports the backup's age (the recovery point) and how long the restore
took (the recovery time). The data never leaves the files the operator named and the
scratch copy; nothing of it is printed.
"""

import fcntl
import hashlib
import json
import logging
import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.db import connection, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.migrations.loader import MigrationLoader

MANIFEST_SUFFIX = ".manifest.json"
AGE_SECRET_KEY = "AGE-SECRET-KEY-"  # noqa: S105 - the prefix of age's secret keys, no key
# How the manifest's checksums are computed: a drill compares only like with like.
MANIFEST_FORMAT = 1
BATCH = 2000


logger = logging.getLogger("pont.backup")
# The backups the scheduled job takes and rotates: pont-20261202T020000Z.backup[.age].
SCHEDULED_NAME = re.compile(r"^pont-(\d{8}T\d{6}Z)\.backup(\.age)?$")


class BackupError(Exception):
    """The backup or the drill could not be done; the message says why."""


def manifest_path(backup: Path) -> Path:
    return backup.with_name(backup.name + MANIFEST_SUFFIX)


def recipients(keys: list[str]) -> list[Any]:
    """The age public keys a backup is encrypted to, each checked (an error names it)."""
    import pyrage

    parsed = []
    for key in keys:
        try:
            parsed.append(pyrage.x25519.Recipient.from_str(key.strip()))
        except pyrage.RecipientError as error:
            raise BackupError(
                f"{key.strip()!r} is not an age public key (age1...): {error}."
            ) from None
    return parsed


def identities(paths: list[Path]) -> list[Any]:
    """The age secret keys in the named files (the format of `age-keygen` and
    `pont backup-keygen`). A file others may read is refused, as ssh refuses a key."""
    import pyrage

    found = []
    for path in paths:
        try:
            mode = path.stat().st_mode & 0o777
            lines = path.read_text().splitlines()
        except (OSError, UnicodeDecodeError) as error:
            raise BackupError(f"The secret key file {path} cannot be read: {error}") from None
        if mode & 0o077:
            raise BackupError(
                f"The secret key file {path} may be read by others (mode {mode:o}): chmod 600 it."
            )
        keys = [line.strip() for line in lines if line.strip().startswith(AGE_SECRET_KEY)]
        if not keys:
            raise BackupError(f"{path} holds no age secret key (a line {AGE_SECRET_KEY}1...).")
        for key in keys:
            try:
                found.append(pyrage.x25519.Identity.from_str(key))
            except pyrage.IdentityError as error:
                raise BackupError(
                    f"{path} holds a secret key that is not valid: {error}."
                ) from None
    return found


def new_identity(path: Path) -> str:
    """Write a new age secret key to a new file readable by its owner alone; return its
    public key, the one to encrypt backups to."""
    import pyrage

    identity = pyrage.x25519.Identity.generate()
    public = str(identity.to_public())
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise BackupError(f"{path} exists already: a key is never overwritten.") from None
    except OSError as error:
        raise BackupError(f"{path} cannot be written: {error}") from None
    with os.fdopen(descriptor, "w") as handle:
        handle.write(
            f"# created: {datetime.now(UTC).isoformat(timespec='seconds')}\n"
            f"# public key: {public}\n{identity}\n"
        )
    return public


def _value(value: Any) -> Any:
    if isinstance(value, memoryview | bytes):
        return bytes(value).hex()
    return value


def _digest(cursor: Any, table: str, columns: list[str], order: list[str], quote: Any) -> dict:
    # Names read from the database itself, quoted: nothing here comes from outside.
    cursor.execute(
        f"SELECT {', '.join(map(quote, columns))} FROM {quote(table)} "  # noqa: S608
        f"ORDER BY {', '.join(map(quote, order))}"
    )
    sha, rows = hashlib.sha256(), 0
    while batch := cursor.fetchmany(BATCH):
        for row in batch:
            sha.update(repr(tuple(_value(v) for v in row)).encode())
            sha.update(b"\n")
        rows += len(batch)
    return {"rows": rows, "sha256": sha.hexdigest()}


def _sqlite_quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def sqlite_contents(path: Path) -> tuple[list[str], dict[str, dict[str, Any]]]:
    """A SQLite file's migrations, and every table's rows and SHA-256 in primary-key order,
    read with SQLite's own module (the values as stored, whatever reads them later)."""
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
        cursor = db.cursor()
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "ORDER BY name"
        )
        digests = {}
        for (table,) in cursor.fetchall():
            layout = cursor.execute(f"PRAGMA table_info({_sqlite_quote(table)})").fetchall()
            columns = [column[1] for column in layout]
            key = [column[1] for column in sorted(layout, key=lambda c: c[5]) if column[5]]
            digests[table] = _digest(cursor, table, columns, key or columns, _sqlite_quote)
        migrations = cursor.execute("SELECT app, name FROM django_migrations").fetchall()
    return sorted(f"{app}.{name}" for app, name in migrations), digests


def postgresql_contents(db: BaseDatabaseWrapper) -> tuple[list[str], dict[str, dict[str, Any]]]:
    """The same, read through the connection (in the transaction it is in)."""
    digests = {}
    introspection = db.introspection
    with db.cursor() as cursor:
        for table in sorted(introspection.table_names(cursor)):
            columns = [c.name for c in introspection.get_table_description(cursor, table)]
            key = introspection.get_primary_key_column(cursor, table)
            digests[table] = _digest(
                cursor, table, columns, [key] if key else columns, db.ops.quote_name
            )
        cursor.execute("SELECT app, name FROM django_migrations")
        migrations = sorted(f"{app}.{name}" for app, name in cursor.fetchall())
    return migrations, digests


def _manifest(contents: tuple[list[str], dict[str, Any]], taken_at: datetime) -> dict[str, Any]:
    migrations, tables = contents
    return {
        "format": MANIFEST_FORMAT,
        "engine": connection.vendor,
        "taken_at": taken_at.isoformat(timespec="seconds"),
        "migrations": migrations,
        "tables": tables,
    }


@contextmanager
def _database(name: str) -> Iterator[BaseDatabaseWrapper]:
    """Point this process's database connection at another database of the same server (or
    another SQLite file) for a while, as Django's test runner does for its test database."""
    connection.close()
    original = connection.settings_dict["NAME"]
    connection.settings_dict["NAME"] = name
    try:
        yield connection
    finally:
        connection.close()
        connection.settings_dict["NAME"] = original


# Taking a backup


def backup(destination: Path, encrypt_to: list[str] | None = None) -> dict[str, Any]:
    """Write the backup and its manifest; return the manifest. With `encrypt_to` (age
    public keys), the backup is encrypted to them: the plain copy exists only in a private
    temporary directory beside the destination while it is encrypted."""
    keys = [key.strip() for key in encrypt_to or [] if key.strip()]
    to = recipients(keys)  # checked before anything is written
    destination = destination.resolve()
    if destination.exists():
        raise BackupError(f"{destination} exists already: a backup never overwrites a file.")
    destination.parent.mkdir(parents=True, exist_ok=True)
    taken_at = datetime.now(UTC)
    if not to:
        manifest = _take(destination, taken_at)
    else:
        import pyrage

        with tempfile.TemporaryDirectory(prefix=".pont-backup-", dir=destination.parent) as d:
            plain = Path(d) / "plain"
            manifest = _take(plain, taken_at)
            manifest["plain_sha256"] = _file_sha256(plain)
            pyrage.encrypt_file(str(plain), str(destination), to)
        manifest["encrypted_to"] = keys
    destination.chmod(0o600)  # everyone's data: readable by its owner alone
    manifest["file"] = destination.name
    manifest["file_sha256"] = _file_sha256(destination)
    manifest_path(destination).write_text(json.dumps(manifest, indent=1) + "\n")
    return manifest


def _take(destination: Path, taken_at: datetime) -> dict[str, Any]:
    if connection.vendor == "sqlite":
        manifest = _backup_sqlite(destination, taken_at)
    elif connection.vendor == "postgresql":
        manifest = _backup_postgresql(destination, taken_at)
    else:  # pragma: no cover - Pont runs on SQLite or PostgreSQL only
        raise BackupError(f"No backup for {connection.vendor}.")
    destination.chmod(0o600)
    return manifest


def _file_sha256(path: Path) -> str:
    sha = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            sha.update(chunk)
    return sha.hexdigest()


def _backup_sqlite(destination: Path, taken_at: datetime) -> dict[str, Any]:
    connection.ensure_connection()
    target = sqlite3.connect(destination)
    try:
        connection.connection.backup(target)  # SQLite's online backup: one consistent copy
        # One file, not a write-ahead log's three: opened later (the manifest below, the
        # drill, a restore) it leaves no -wal and -shm files beside it. Pont's connections
        # put a restored database back in WAL mode.
        target.execute("PRAGMA journal_mode=DELETE")
    finally:
        target.close()
    # The manifest is read from the copy itself: the same moment by construction.
    return _manifest(sqlite_contents(destination), taken_at)


def _pg_environment(settings: dict[str, Any]) -> dict[str, str]:
    environment = dict(os.environ)
    for key, variable in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER")):
        if settings.get(key):
            environment[variable] = str(settings[key])
    if settings.get("PASSWORD"):
        environment["PGPASSWORD"] = str(settings["PASSWORD"])
    return environment


def _run(command: list[str], environment: dict[str, str]) -> None:
    if shutil.which(command[0]) is None:
        raise BackupError(f"{command[0]} is not installed (PostgreSQL's client programs).")
    done = subprocess.run(  # noqa: S603 - PostgreSQL's own programs, arguments built here
        command, env=environment, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise BackupError(f"{command[0]} failed: {done.stderr.strip()[:2000]}")


def _backup_postgresql(destination: Path, taken_at: datetime) -> dict[str, Any]:
    """pg_dump reads the snapshot the manifest is computed in: both see the same moment."""
    settings = connection.settings_dict
    if connection.in_atomic_block:
        raise BackupError("A backup is taken outside any transaction.")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot = cursor.fetchone()[0]
        manifest = _manifest(postgresql_contents(connection), taken_at)
        _run(
            [
                "pg_dump",
                "--format=custom",
                f"--snapshot={snapshot}",
                f"--file={destination}",
                f"--dbname={settings['NAME']}",
            ],
            _pg_environment(settings),
        )
    return manifest


# The scheduled backup


@dataclass
class Scheduled:
    """What one run of the scheduled backup did."""

    taken: Path | None
    newest_age_hours: float | None  # before this run; None when there was none
    removed: list[Path] = field(default_factory=list)


def _scheduled_backups(directory: Path) -> list[tuple[datetime, Path]]:
    """The scheduled backups in the directory that have their manifest, oldest first."""
    found = []
    for path in directory.iterdir():
        match = SCHEDULED_NAME.match(path.name)
        if match and manifest_path(path).exists():
            taken = datetime.strptime(match.group(1), "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
            found.append((taken, path))
    return sorted(found)


def scheduled_backup(
    directory: Path,
    *,
    every_hours: float,
    keep: int,
    encrypt_to: list[str] | None = None,
    force: bool = False,
    now: datetime | None = None,
) -> Scheduled:
    """Take a backup into `directory` if the newest is `every_hours` old (less half an hour,
    so that an hourly check keeps a daily time) or there is none, then keep the `keep`
    newest and delete the rest with their manifests. Nothing is deleted unless the new
    backup was written. Runs one at a time (a lock file in the directory)."""
    if keep < 1:
        raise BackupError(f"PONT_BACKUP_KEEP is {keep}: at least one backup must be kept.")
    now = now or datetime.now(UTC)
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    with (directory / ".pont-backup.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        backups = _scheduled_backups(directory)
        age = (now - backups[-1][0]).total_seconds() / 3600 if backups else None
        if not force and age is not None and age < every_hours - 0.5:
            return Scheduled(None, age)
        keys = [key for key in encrypt_to or [] if key.strip()]
        name = f"pont-{now:%Y%m%dT%H%M%SZ}.backup" + (".age" if keys else "")
        path = directory / name
        backup(path, encrypt_to=keys)
        backups.append((now, path))
        removed = [old for _taken, old in backups[:-keep]]
        for old in removed:
            old.unlink()
            manifest_path(old).unlink(missing_ok=True)
    logger.info(
        "backup taken: %s (%s); %d older removed, %d kept",
        name,
        "encrypted" if keys else "unencrypted",
        len(removed),
        min(len(backups), keep),
    )
    return Scheduled(path, age, removed)


# The restore drill


# Checks the modules above run on a restored copy (this process's connection points at it),
# registered at start-up: the audit log's hash chain (`audit`). Each returns (ok, what it found).
_RESTORE_CHECKS: dict[str, Callable[[], tuple[bool, str]]] = {}


def register_restore_check(name: str, check: Callable[[], tuple[bool, str]]) -> None:
    _RESTORE_CHECKS[name] = check


@dataclass
class DrillResult:
    backup_age_hours: float
    restore_seconds: float
    encrypted_to: list[str] = field(default_factory=list)
    tables_checked: int = 0
    tables_mismatched: list[str] = field(default_factory=list)
    checks: dict[str, tuple[bool, str]] = field(default_factory=dict)
    migrations_missing: list[str] = field(default_factory=list)
    migrations_unknown: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return (
            all(ok for ok, _found in self.checks.values())
            and not self.tables_mismatched
            and not self.migrations_missing
            and not self.migrations_unknown
        )


def read_manifest(backup_file: Path) -> dict[str, Any]:
    """The manifest beside a backup, once it is known to be of this Pont's format and to
    describe the file as it is now (its SHA-256)."""
    try:
        manifest = json.loads(manifest_path(backup_file).read_text())
    except (OSError, ValueError) as error:
        raise BackupError(f"The manifest beside the backup cannot be read: {error}") from None
    if manifest.get("format") != MANIFEST_FORMAT:
        raise BackupError(
            f"The manifest is of format {manifest.get('format')}; this Pont checks format "
            f"{MANIFEST_FORMAT}: drill the backup with the Pont version that took it."
        )
    try:
        stored = _file_sha256(backup_file)
    except OSError as error:
        raise BackupError(f"The backup file cannot be read: {error}") from None
    if stored != manifest.get("file_sha256"):
        raise BackupError("The backup file is not the one its manifest describes (SHA-256).")
    return manifest


def restore_drill(backup_file: Path, identity_files: list[Path] | None = None) -> DrillResult:
    """Restore the backup into a scratch database, check it, drop the scratch copy. An
    encrypted backup is opened with the age secret keys in `identity_files`."""
    backup_file = backup_file.resolve()
    manifest = read_manifest(backup_file)
    if manifest.get("engine") != connection.vendor:
        raise BackupError(
            f"The backup is of {manifest.get('engine')}; this Pont runs on {connection.vendor}."
        )
    encrypted_to = manifest.get("encrypted_to") or []
    if encrypted_to and not identity_files:
        raise BackupError(
            f"The backup is encrypted (to {', '.join(encrypted_to)}): give the file of its "
            "secret key with --identity."
        )
    taken_at = datetime.fromisoformat(manifest["taken_at"])
    age = (datetime.now(UTC) - taken_at).total_seconds() / 3600
    with tempfile.TemporaryDirectory(prefix="pont-drill-") as scratch_dir:
        started = time.monotonic()
        source = backup_file
        if encrypted_to:
            source = Path(scratch_dir) / "decrypted"
            decrypt(backup_file, source, identity_files or [], manifest)
        if connection.vendor == "sqlite":
            restored = Path(scratch_dir) / "restored.sqlite3"
            shutil.copyfile(source, restored)
            result = DrillResult(age, time.monotonic() - started, encrypted_to)
            with _database(str(restored)):
                _check(sqlite_contents(restored), manifest, result)
            return result
        return _drill_postgresql(source, manifest, age, started)


def decrypt(
    backup_file: Path, destination: Path, identity_files: list[Path], manifest: dict[str, Any]
) -> None:
    """Decrypt an encrypted backup to `destination` (a new file, readable by its owner
    alone) and check that it is the plain file the manifest describes."""
    import pyrage

    keys = identities(identity_files)
    if destination.exists():
        raise BackupError(f"{destination} exists already: a backup never overwrites a file.")
    try:
        pyrage.decrypt_file(str(backup_file), str(destination), keys)
    except pyrage.DecryptError as error:
        destination.unlink(missing_ok=True)
        raise BackupError(
            f"The backup cannot be decrypted with the secret keys given ({error}); it was "
            f"encrypted to {', '.join(manifest.get('encrypted_to') or [])}."
        ) from None
    except OSError as error:
        destination.unlink(missing_ok=True)
        raise BackupError(f"The backup cannot be decrypted: {error}.") from None
    destination.chmod(0o600)
    if _file_sha256(destination) != manifest.get("plain_sha256"):
        destination.unlink()
        raise BackupError("The decrypted backup is not the one its manifest describes (SHA-256).")


def _drill_postgresql(
    backup_file: Path, manifest: dict[str, Any], age: float, started: float
) -> DrillResult:
    import psycopg

    settings = connection.settings_dict
    scratch = f"pont_drill_{os.getpid()}_{int(time.time())}"
    environment = _pg_environment(settings)
    # The server, reached as this process reaches it, through its maintenance database.
    server: dict[str, Any] = {**connection.get_connection_params(), "dbname": "postgres"}
    with psycopg.connect(**server, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{scratch}"')
        try:
            _run(
                ["pg_restore", "--no-owner", "--no-privileges", f"--dbname={scratch}"]
                + ["--exit-on-error", str(backup_file)],
                environment,
            )
            result = DrillResult(
                age, time.monotonic() - started, manifest.get("encrypted_to") or []
            )
            with _database(scratch) as db:
                _check(postgresql_contents(db), manifest, result)
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')
    return result


def _check(
    contents: tuple[list[str], dict[str, Any]], manifest: dict[str, Any], result: DrillResult
) -> None:
    """Compare the restored copy with the manifest; run the registered checks on it (this
    process's connection points at the copy)."""
    migrations, digests = contents
    applied = set(migrations)
    on_disk = {f"{app}.{name}" for app, name in MigrationLoader(None).disk_migrations}
    result.migrations_missing = sorted(on_disk - applied)
    result.migrations_unknown = sorted(applied - on_disk)
    expected = manifest["tables"]
    result.tables_checked = len(expected)
    result.tables_mismatched = sorted(
        name for name in expected.keys() | digests.keys() if expected.get(name) != digests.get(name)
    )
    result.checks = {name: check() for name, check in sorted(_RESTORE_CHECKS.items())}
