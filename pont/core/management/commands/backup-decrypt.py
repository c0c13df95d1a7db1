"""`pont backup-decrypt FILE OUT --identity KEY_FILE`: the plain backup, to restore it."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from pont.core.backup import BackupError, decrypt, read_manifest


class Command(BaseCommand):
    help = (
        "Decrypt FILE, a backup `pont backup` encrypted, to OUT (a new file, readable by its "
        "owner alone), and check it is the plain backup its manifest describes."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="The encrypted backup.")
        parser.add_argument("out", type=Path, help="Where to write the plain backup.")
        parser.add_argument(
            "--identity",
            action="append",
            type=Path,
            required=True,
            metavar="KEY_FILE",
            help="A file holding the age secret key; may be repeated.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            manifest = read_manifest(options["file"])
            if not manifest.get("encrypted_to"):
                raise BackupError(f"{options['file']} is not encrypted: restore it as it is.")
            decrypt(options["file"], options["out"], options["identity"], manifest)
        except BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            self.style.SUCCESS(f"Decrypted to {options['out']}, as its manifest describes.")
        )
