"""Backups and the restore drill (T21), on SQLite and PostgreSQL.

`pont backup` is run in this process against the test database (with its data committed:
pg_dump sees only what is committed); `pont restore-drill` in a process of its own, as an
operator runs it, restoring into a scratch copy that it drops afterwards.
"""

import io
import json
import os
import re
import sqlite3
import subprocess
import sys
import tempfile
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection

from pont.audit.models import AuditEvent
from pont.core import backup as backup_module
from pont.core.backup import manifest_path
from pont.testing.personas import build_world
from pont.testing.referrals import reachable_person, referral_in


@pytest.fixture
def backed_up(audit_flushable, tmp_path):
    """A world with referrals in several states, committed, then backed up."""
    from pont.audit.models import AuditChainHead

    AuditChainHead.objects.get_or_create(pk=1)
    world = build_world()
    for state in ("requested", "rejected", "completed"):
        referral_in(world, state)
    path = tmp_path / "backups" / "pont.backup"
    call_command("backup", str(path))
    return path


def _drill(path: Path, *options: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    return subprocess.run(  # noqa: S603 - our own command
        [sys.executable, "manage.py", "restore-drill", str(path), *options],
        cwd=settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def _figure(output: str, name: str) -> str:
    (line,) = [line for line in output.splitlines() if line.startswith(name)]
    return line[len(name) :].strip()


def test_a_backup_restores_into_a_scratch_copy_that_holds_exactly_what_was_backed_up(backed_up):
    manifest = json.loads(manifest_path(backed_up).read_text())
    assert manifest["engine"] == connection.vendor
    assert backed_up.stat().st_mode & 0o777 == 0o600
    assert manifest["tables"]["referrals_referral"]["rows"] == 3
    assert manifest["tables"]["audit_auditevent"]["rows"] == AuditEvent.objects.count() > 0
    assert "referrals.0008_email_log" in manifest["migrations"]

    done = _drill(backed_up)

    assert done.returncode == 0, done.stderr
    assert _figure(done.stdout, "tables_mismatched") == "0"
    assert int(_figure(done.stdout, "tables_checked")) == len(manifest["tables"])
    assert _figure(done.stdout, "chain_ok").startswith("True (OK:")
    assert "The restore drill passed." in done.stdout
    # Nothing of the person's data is printed: figures only.
    assert "Rhys" not in done.stdout + done.stderr
    # The scratch copy is gone.
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_database WHERE datname LIKE 'pont_drill_%%'")
            assert cursor.fetchone()[0] == 0


def test_the_drill_names_each_table_that_is_not_what_the_manifest_says(backed_up):
    manifest_file = manifest_path(backed_up)
    manifest = json.loads(manifest_file.read_text())
    manifest["tables"]["referrals_referral"]["sha256"] = "0" * 64
    manifest["tables"]["people_person"]["rows"] += 1
    manifest_file.write_text(json.dumps(manifest))

    done = _drill(backed_up)

    assert done.returncode != 0
    assert _figure(done.stdout, "tables_mismatched") == "2 (people_person, referrals_referral)"
    assert "FAILED" in done.stderr


def test_a_backup_file_changed_after_it_was_taken_is_refused(backed_up):
    with backed_up.open("ab") as handle:
        handle.write(b"\0")

    done = _drill(backed_up)

    assert done.returncode != 0
    assert "not the one its manifest describes" in done.stderr


def test_a_backup_whose_audit_log_was_altered_fails_the_chain(backed_up):
    if connection.vendor != "sqlite":
        pytest.skip("the backup file is edited with SQLite; PostgreSQL's is a pg_dump archive")
    with sqlite3.connect(backed_up) as copy:
        for (name,) in copy.execute(
            "SELECT name FROM sqlite_master WHERE type = 'trigger'"
        ).fetchall():
            copy.execute(f"DROP TRIGGER {name}")
        copy.execute("UPDATE audit_auditevent SET reason = 'rewritten' WHERE sequence = 2")
    # The manifest made to agree, as someone covering their tracks would.
    manifest_file = manifest_path(backed_up)
    manifest = json.loads(manifest_file.read_text())
    manifest["tables"] = backup_module.sqlite_contents(backed_up)[1]
    manifest["file_sha256"] = backup_module._file_sha256(backed_up)
    manifest_file.write_text(json.dumps(manifest))

    done = _drill(backed_up)

    assert done.returncode != 0
    assert _figure(done.stdout, "tables_mismatched") == "0"
    assert _figure(done.stdout, "chain_ok").startswith("False (BROKEN at index 2")


def test_a_manifest_of_another_format_is_refused(backed_up):
    manifest_file = manifest_path(backed_up)
    manifest = json.loads(manifest_file.read_text())
    assert manifest["format"] == 1
    manifest["format"] = 2
    manifest_file.write_text(json.dumps(manifest))

    done = _drill(backed_up)

    assert done.returncode != 0
    assert "The manifest is of format 2" in done.stderr


def test_a_backup_never_overwrites_a_file(backed_up):
    before = backed_up.read_bytes()
    with pytest.raises(CommandError, match="exists already"):
        call_command("backup", str(backed_up))
    assert backed_up.read_bytes() == before


def test_a_write_committed_while_pg_dump_runs_is_in_neither_the_dump_nor_the_manifest(
    audit_flushable, tmp_path, monkeypatch
):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite's online backup is one copy; the manifest is read from it")
    import psycopg

    build_world()
    real_run = backup_module._run
    parameters = connection.get_connection_params()

    def write_then_dump(command: list[str], environment: dict[str, str]) -> None:
        with psycopg.connect(**parameters, autocommit=True) as other:
            other.execute(
                "INSERT INTO accounts_organisation "
                "(name, name_cy, slug, kind, is_active, created_at, updated_at) "
                "VALUES ('Late', '', 'late-org', 'partner', true, now(), now())"
            )
        real_run(command, environment)

    monkeypatch.setattr(backup_module, "_run", write_then_dump)
    path = tmp_path / "pont.dump"
    call_command("backup", str(path))

    from pont.accounts.models import Organisation

    assert Organisation.objects.filter(slug="late-org").exists()  # it was written
    manifest = json.loads(manifest_path(path).read_text())
    assert manifest["tables"]["accounts_organisation"]["rows"] == Organisation.objects.count() - 1
    done = _drill(path)
    assert done.returncode == 0, done.stdout + done.stderr


# Encrypted backups (age, X25519)


def _keygen(path: Path) -> str:
    out = io.StringIO()
    call_command("backup-keygen", str(path), stdout=out)
    return out.getvalue().strip()


@pytest.fixture
def encrypted(audit_flushable, tmp_path):
    """A world with referrals, backed up encrypted to a key made by `pont backup-keygen`."""
    from pont.audit.models import AuditChainHead

    AuditChainHead.objects.get_or_create(pk=1)
    world = build_world()
    referral_in(world, "requested", person=reachable_person(world, given_name="Angharad"))
    key = tmp_path / "keys" / "backup.key"
    key.parent.mkdir()
    public = _keygen(key)
    path = tmp_path / "backups" / "pont.backup.age"
    call_command("backup", str(path), "--encrypt-to", public)
    return path, key, public


def test_an_encrypted_backup_holds_nothing_readable_and_its_key_restores_it(encrypted, tmp_path):
    path, key, public = encrypted
    assert public.startswith("age1")
    assert key.stat().st_mode & 0o777 == 0o600
    assert "AGE-SECRET-KEY-1" in key.read_text()
    content = path.read_bytes()
    assert content.startswith(b"age-encryption.org/v1")
    assert b"Angharad" not in content
    assert b"SQLite format 3" not in content
    assert b"PGDMP" not in content
    assert path.stat().st_mode & 0o777 == 0o600
    # The plain copy was made in a private directory beside the backup, and is gone.
    assert sorted(p.name for p in path.parent.iterdir()) == [
        path.name,
        path.name + ".manifest.json",
    ]
    manifest = json.loads(manifest_path(path).read_text())
    assert manifest["encrypted_to"] == [public]
    assert manifest["plain_sha256"] != manifest["file_sha256"]

    done = _drill(path, "--identity", str(key))

    assert done.returncode == 0, done.stdout + done.stderr
    assert _figure(done.stdout, "encrypted") == f"yes (to {public})"
    assert _figure(done.stdout, "tables_mismatched") == "0"
    assert _figure(done.stdout, "chain_ok").startswith("True (OK:")
    assert "Angharad" not in done.stdout + done.stderr
    assert not list(Path(tempfile.gettempdir()).glob("pont-drill-*/decrypted"))


def test_an_encrypted_backup_is_not_drilled_without_its_key_or_with_another(encrypted, tmp_path):
    path, _key, public = encrypted

    without = _drill(path)
    assert without.returncode != 0
    assert f"The backup is encrypted (to {public})" in without.stderr

    other = tmp_path / "other.key"
    _keygen(other)
    wrong = _drill(path, "--identity", str(other))
    assert wrong.returncode != 0
    assert "cannot be decrypted with the secret keys given" in wrong.stderr


def test_a_key_file_others_may_read_is_refused(encrypted):
    path, key, _public = encrypted
    key.chmod(0o644)
    done = _drill(path, "--identity", str(key))
    assert done.returncode != 0
    assert "may be read by others (mode 644): chmod 600 it" in done.stderr


def test_backup_decrypt_gives_the_plain_backup_its_manifest_describes(encrypted, tmp_path):
    path, key, _public = encrypted
    out = tmp_path / "plain.backup"
    call_command("backup-decrypt", str(path), str(out), "--identity", str(key))
    assert out.stat().st_mode & 0o777 == 0o600
    assert (
        backup_module._file_sha256(out)
        == json.loads(manifest_path(path).read_text())["plain_sha256"]
    )
    magic = b"SQLite format 3" if connection.vendor == "sqlite" else b"PGDMP"
    assert out.read_bytes().startswith(magic)
    with pytest.raises(CommandError, match="exists already"):
        call_command("backup-decrypt", str(path), str(out), "--identity", str(key))


def test_bad_keys_are_refused_before_anything_is_written(tmp_path, settings):
    path = tmp_path / "pont.backup"
    with pytest.raises(CommandError, match="'age1nope' is not an age public key"):
        call_command("backup", str(path), "--encrypt-to", "age1nope")
    settings.PONT_BACKUP_RECIPIENTS = ["AGE-SECRET-KEY-1PLAINLYNOT"]
    with pytest.raises(CommandError, match="is not an age public key"):
        call_command("backup", str(path))
    assert not path.exists()
    assert not manifest_path(path).exists()
    key = tmp_path / "k.key"
    _keygen(key)
    with pytest.raises(CommandError, match="exists already: a key is never overwritten"):
        _keygen(key)


def test_pont_backup_recipients_encrypts_every_backup_by_default(
    audit_flushable, tmp_path, settings
):
    build_world()
    public = _keygen(tmp_path / "k.key")
    settings.PONT_BACKUP_RECIPIENTS = [public]
    path = tmp_path / "pont.backup"
    call_command("backup", str(path))
    assert path.read_bytes().startswith(b"age-encryption.org/v1")
    assert json.loads(manifest_path(path).read_text())["encrypted_to"] == [public]


# The scheduled backup (pont.core.tasks.scheduled_backup)


def _names(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir())


def test_the_scheduled_backup_is_taken_when_due_and_keeps_the_newest(audit_flushable, tmp_path):
    build_world()
    directory = tmp_path / "backups"
    start = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)

    def run(after: timedelta, **options: Any) -> backup_module.Scheduled:
        return backup_module.scheduled_backup(
            directory, every_hours=24, keep=2, now=start + after, **options
        )

    first = run(timedelta(0))
    assert first.taken == directory / "pont-20261201T020000Z.backup"
    assert first.newest_age_hours is None
    assert directory.stat().st_mode & 0o777 == 0o700
    (directory / "notes.txt").write_text("not a backup")  # never touched
    assert run(timedelta(hours=1)).taken is None  # the newest is an hour old
    assert run(timedelta(hours=23)).taken is None
    second = run(timedelta(hours=23, minutes=40))  # due: an hourly check keeps the time
    assert second.taken is not None
    assert second.removed == []
    third = run(timedelta(hours=48))
    assert third.removed == [first.taken]
    assert _names(directory) == [
        ".pont-backup.lock",
        "notes.txt",
        "pont-20261202T014000Z.backup",
        "pont-20261202T014000Z.backup.manifest.json",
        "pont-20261203T020000Z.backup",
        "pont-20261203T020000Z.backup.manifest.json",
    ]
    forced = run(timedelta(hours=48, minutes=5), force=True)
    assert forced.taken is not None
    assert second.taken in forced.removed
    # What it keeps is a backup like any other: the drill passes.
    done = _drill(forced.taken)
    assert done.returncode == 0, done.stdout + done.stderr


def test_a_scheduled_backup_that_fails_removes_nothing(audit_flushable, tmp_path, monkeypatch):
    build_world()
    directory = tmp_path / "backups"
    start = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
    kept = backup_module.scheduled_backup(directory, every_hours=24, keep=1, now=start).taken
    before = _names(directory)

    def full_disc(path: Path, encrypt_to: list[str] | None = None) -> dict[str, Any]:
        raise backup_module.BackupError("No space left on device")

    monkeypatch.setattr(backup_module, "backup", full_disc)
    with pytest.raises(backup_module.BackupError, match="No space"):
        backup_module.scheduled_backup(
            directory, every_hours=24, keep=1, now=start + timedelta(days=1)
        )
    assert _names(directory) == before
    assert kept is not None
    assert kept.exists()
    with pytest.raises(backup_module.BackupError, match="at least one backup must be kept"):
        backup_module.scheduled_backup(directory, every_hours=24, keep=0, force=True)


def test_the_scheduled_job_backs_up_into_pont_backup_dir_encrypted(
    audit_flushable, tmp_path, settings
):
    from pont.core.tasks import scheduled_backup

    build_world()
    settings.PONT_BACKUP_DIR = ""
    assert scheduled_backup.call() is None  # not set: no scheduled backup
    settings.PONT_BACKUP_DIR = str(tmp_path / "backups")
    settings.PONT_BACKUP_RECIPIENTS = [_keygen(tmp_path / "k.key")]
    name = scheduled_backup.call()
    assert name is not None
    assert re.fullmatch(r"pont-\d{8}T\d{6}Z\.backup\.age", name)
    assert (tmp_path / "backups" / name).read_bytes().startswith(b"age-encryption.org/v1")
    assert scheduled_backup.call() is None  # not due again for a day
    assert "pont.core.tasks.scheduled_backup" in dict(settings.PONT_SCHEDULE)


def test_a_backup_of_a_database_in_wal_mode_is_one_file(tmp_path):
    """Pont's own database is in WAL mode (the test database, in memory, cannot be): the
    backup of one, taken as an operator takes it, is a single file all the same."""
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's write-ahead log")
    live = tmp_path / "live.sqlite3"
    with closing(sqlite3.connect(live)) as db:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("CREATE TABLE django_migrations (id integer primary key, app, name)")
        db.execute("INSERT INTO django_migrations (app, name) VALUES ('core', '0001_initial')")
        db.commit()
    assert live.read_bytes()[18:20] == b"\x02\x02"  # WAL
    path = tmp_path / "backups" / "pont.backup"
    done = subprocess.run(  # noqa: S603 - our own command
        [sys.executable, "manage.py", "backup", str(path)],
        cwd=settings.BASE_DIR,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "PONT_SQLITE_PATH": str(live),
        },
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert path.read_bytes()[18:20] == b"\x01\x01"  # rollback journal, not WAL
    assert _names(path.parent) == [path.name, manifest_path(path).name]  # no -wal, no -shm
