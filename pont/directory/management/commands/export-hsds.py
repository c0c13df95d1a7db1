"""`pont export-hsds [--output FILE]`: every service in the directory as HSDS 3.0 JSON.

The output is one page of the HSDS API's paginated list, with fully nested
services, checked against the official HSDS 3.0 schemas before it is written;
`pont import-hsds` reads it back.
"""

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from pont.directory import hsds, selectors


class Command(BaseCommand):
    help = "Export every service in the directory as an HSDS 3.0 list page (JSON)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--output", "-o", default="-", metavar="FILE", help="Write here (default: stdout)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        page = selectors.hsds_export()
        problems = hsds.schema_problems(page, "page", source="export")
        if problems:  # a bug in the export, never the data's fault: say so and write nothing
            raise CommandError("The export does not validate:\n" + "\n".join(map(str, problems)))
        text = json.dumps(page, ensure_ascii=False, indent=2) + "\n"
        if options["output"] == "-":
            self.stdout.write(text, ending="")
            return
        output = Path(options["output"])
        try:
            output.write_text(text, encoding="utf-8")
        except OSError as error:
            raise CommandError(f"{output}: cannot be written ({error.strerror}).") from None
        if options["verbosity"] >= 1:
            self.stderr.write(f"Exported {page['total_items']} service(s) to {output}.")
