"""`pont audit verify` and `pont audit checkpoint`."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from pont.audit.selectors import CheckpointFileError, audit_chain_verify
from pont.audit.services import checkpoint_write


class Command(BaseCommand):
    help = "Verify the audit log's hash chain, or write a checkpoint of its head."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        verify = sub.add_parser(
            "verify", help="Walk the chain; report OK or the first broken index."
        )
        verify.add_argument(
            "--checkpoint-file",
            type=Path,
            help="Checkpoint file to check against (default: PONT_AUDIT_CHECKPOINT_FILE).",
        )
        sub.add_parser("checkpoint", help="Record the chain head outside the event table.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "checkpoint":
            checkpoint = checkpoint_write()
            if checkpoint is None:
                self.stdout.write("No new events since the last checkpoint.")
            else:
                self.stdout.write(f"Checkpoint written at index {checkpoint.sequence}.")
            return
        try:
            result = audit_chain_verify(checkpoint_file=options.get("checkpoint_file"))
        except CheckpointFileError as error:
            raise CommandError(f"The checkpoint file cannot be read: {error}") from None
        if not result.ok:
            raise CommandError(result.describe())
        self.stdout.write(self.style.SUCCESS(result.describe()))
