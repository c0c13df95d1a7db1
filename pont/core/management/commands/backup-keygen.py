"""`pont backup-keygen FILE`: a new age key pair for encrypting backups."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from pont.core.backup import BackupError, new_identity


class Command(BaseCommand):
    help = (
        "Write a new age secret key to FILE (a new file, readable by its owner alone) and "
        "print its public key, to give `pont backup --encrypt-to` or PONT_BACKUP_RECIPIENTS. "
        "Keep FILE away from the server: whoever holds it can read every backup made to it."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="Where to write the secret key.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            public = new_identity(options["file"])
        except BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(public)
