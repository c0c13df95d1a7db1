"""`pont sbom`: the software bill of materials (CycloneDX 1.6 JSON) from the lock files."""

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from pont.core.supply_chain import sbom


class Command(BaseCommand):
    help = (
        "Write the software bill of materials (CycloneDX 1.6 JSON): every Python package "
        "of requirements/prod.lock and every front-end package of package-lock.json."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--output", type=Path, help="Write it to this file (default: standard output)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        text = json.dumps(sbom(), indent=1) + "\n"
        if options["output"] is None:
            self.stdout.write(text, ending="")
            return
        options["output"].parent.mkdir(parents=True, exist_ok=True)
        options["output"].write_text(text)
        self.stderr.write(f"Wrote {options['output']}.")
