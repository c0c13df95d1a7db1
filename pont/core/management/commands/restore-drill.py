"""`pont restore-drill FILE`: restore a backup into a scratch database and check it (T21)."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from pont.core.backup import BackupError, restore_drill


class Command(BaseCommand):
    help = (
        "Restore FILE (made by `pont backup`) into a scratch database, check every table "
        "against its manifest, the migrations and the audit chain, then drop the copy."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="The backup file.")
        parser.add_argument(
            "--identity",
            action="append",
            type=Path,
            metavar="KEY_FILE",
            help="A file holding the age secret key of an encrypted backup (made by "
            "`pont backup-keygen` or age-keygen); may be repeated.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = restore_drill(options["file"], options["identity"])
        except BackupError as error:
            raise CommandError(str(error)) from None
        lines = [
            f"backup_age_h       {result.backup_age_hours:.2f}",
            f"restore_seconds    {result.restore_seconds:.1f}",
            "encrypted          "
            + (f"yes (to {', '.join(result.encrypted_to)})" if result.encrypted_to else "no"),
            f"tables_checked     {result.tables_checked}",
            f"tables_mismatched  {len(result.tables_mismatched)}"
            + (f" ({', '.join(result.tables_mismatched)})" if result.tables_mismatched else ""),
            *(f"{name + '_ok':<19}{ok} ({found})" for name, (ok, found) in result.checks.items()),
            f"migrations         {len(result.migrations_missing)} of this code's not in the "
            f"backup, {len(result.migrations_unknown)} in the backup unknown to this code",
        ]
        self.stdout.write("\n".join(lines))
        if not result.ok:
            raise CommandError("The restore drill FAILED: see the figures above.")
        self.stdout.write(self.style.SUCCESS("The restore drill passed."))
