"""`pont backup FILE`: a consistent backup of the database, with its manifest beside it."""

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from pont.core.backup import BackupError, backup, manifest_path


class Command(BaseCommand):
    help = (
        "Back the database up to FILE (SQLite's online backup, or pg_dump), with "
        "FILE.manifest.json: its migrations and every table's rows and checksum. Encrypted "
        "to the age public keys of --encrypt-to, or else of PONT_BACKUP_RECIPIENTS."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="Where to write the backup (a new file).")
        parser.add_argument(
            "--encrypt-to",
            action="append",
            metavar="AGE_PUBLIC_KEY",
            help="Encrypt the backup to this age public key (age1...); may be repeated. "
            "Default: PONT_BACKUP_RECIPIENTS.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        keys = options["encrypt_to"] or settings.PONT_BACKUP_RECIPIENTS
        try:
            manifest = backup(options["file"], encrypt_to=keys)
        except BackupError as error:
            raise CommandError(str(error)) from None
        rows = sum(table["rows"] for table in manifest["tables"].values())
        encrypted = manifest.get("encrypted_to")
        self.stdout.write(
            self.style.SUCCESS(
                f"Backed up {len(manifest['tables'])} tables ({rows} rows) of "
                f"{manifest['engine']} to {options['file']}"
                + (f", encrypted to {', '.join(encrypted)}" if encrypted else ", unencrypted")
                + f"; manifest {manifest_path(options['file'])}."
            )
        )
