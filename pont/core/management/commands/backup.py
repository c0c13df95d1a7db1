"""`pont backup FILE`: a consistent backup of the database, with its manifest beside it."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from pont.core.backup import BackupError, backup, manifest_path


class Command(BaseCommand):
    help = (
        "Back the database up to FILE (SQLite's online backup, or pg_dump), with "
        "FILE.manifest.json: its migrations and every table's rows and checksum."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="Where to write the backup (a new file).")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            manifest = backup(options["file"])
        except BackupError as error:
            raise CommandError(str(error)) from None
        rows = sum(table["rows"] for table in manifest["tables"].values())
        self.stdout.write(
            self.style.SUCCESS(
                f"Backed up {len(manifest['tables'])} tables ({rows} rows) of "
                f"{manifest['engine']} to {options['file']}; "
                f"manifest {manifest_path(options['file'])}."
            )
        )
