"""`pont export-policeuk --force dyfed-powys --month 2019-09 [-o FILE]`: a police.uk file.

Writes the force's searches of the month (UK time), recorded in Pont or
imported, in police.uk's stop-and-search CSV format: its header and labels,
dates in UTC with +00:00, True/False/blank, CRLF line ends, and each search's
current outcome (after any amendment). `pont import-policeuk` reads it back.
Run as the system; the export is audited as a disclosure.
"""

import os
import sys
from datetime import date
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from pont.core.exceptions import ApplicationError
from pont.stop_search import services


def _month(value: str) -> date:
    try:
        year, month = value.split("-")
        return date(int(year), int(month), 1)
    except ValueError:
        raise CommandError(
            _("%(value)s is not a month: write it as YYYY-MM, like 2019-09.") % {"value": value}
        ) from None


class Command(BaseCommand):
    help = "Export a force's searches of one month as a police.uk stop-and-search CSV file."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--force", required=True, metavar="FORCE_ID", help="police.uk force id (dyfed-powys)"
        )
        parser.add_argument("--month", required=True, metavar="YYYY-MM", help="the month")
        parser.add_argument(
            "--output", "-o", default="-", metavar="FILE", help="Write here (default: stdout)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        month = _month(options["month"])
        try:
            lines = services.policeuk_export(actor=None, force=options["force"], month=month)
        except ApplicationError as refused:
            raise CommandError(refused.message) from None
        if options["output"] == "-":
            try:
                for line in lines:
                    self.stdout.write(line, ending="")
                self.stdout.flush()
            except BrokenPipeError:  # the reader stopped early (`| head`): not an error
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            return
        output = Path(options["output"])
        partial = output.with_name(output.name + ".part")  # never leave half a file behind
        rows = -1  # the header is not a search
        try:
            with partial.open("w", encoding="utf-8", newline="") as file:
                for line in lines:
                    file.write(line)
                    rows += 1
            os.replace(partial, output)
        except OSError as error:
            partial.unlink(missing_ok=True)
            raise CommandError(
                _("%(file)s: cannot be written (%(error)s).")
                % {"file": output, "error": error.strerror}
            ) from None
        if options["verbosity"] >= 1:
            self.stderr.write(
                _("Exported %(rows)s searches to %(file)s.") % {"rows": rows, "file": output}
            )
