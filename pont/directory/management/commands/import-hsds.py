"""`pont import-hsds FILE...`: import Open Referral HSDS 3.0 JSON into the services directory.

Each file holds a service, an organization with its services, or a list page,
as the HSDS 3.0 API returns them. The run is all or nothing: if any file has
a problem, every problem is listed (file, JSON path, reason) and nothing is
imported. Importing the same files again changes nothing. A service changed in Pont
after its file's last_modified is a problem, unless --replace-newer is given.
"""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from pont.directory import services


class Command(BaseCommand):
    help = (
        "Import HSDS 3.0 JSON files (a service, an organization with its services, or a list "
        "page) into the services directory. All or nothing; safe to repeat."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="+", metavar="FILE", help="HSDS 3.0 JSON files")
        parser.add_argument(
            "--replace-newer",
            action="store_true",
            help=(
                "import a service even where Pont's copy changed after the file's "
                "last_modified (its managers' changes in Pont are then overwritten)"
            ),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        names: list[str] = options["files"]
        documents = []
        for name in names:
            try:
                documents.append((name, Path(name).read_bytes()))
            except OSError as error:
                raise CommandError(f"{name}: cannot be read ({error.strerror}).") from None
        show_progress = options["verbosity"] >= 1 and len(names) > 1
        try:
            summary = services.hsds_import(
                actor=None,
                documents=documents,
                progress=self._progress if show_progress else None,
                replace_newer=options["replace_newer"],
            )
        except services.HsdsImportError as refused:
            if show_progress:
                self._end_progress()
            for problem in refused.problems:
                self.stderr.write(str(problem))
            files = len({p.source for p in refused.problems})
            raise CommandError(
                f"Nothing was imported: {len(refused.problems)} problem(s) in {files} of "
                f"{len(names)} file(s)."
            ) from None
        if show_progress:
            self._end_progress()
        counts = "; ".join(
            f"{kind} {c['created']} created, {c['updated']} updated, {c['unchanged']} unchanged"
            for kind, c in summary.counts.items()
        )
        self.stdout.write(f"Imported {summary.documents} file(s): {counts}.")

    def _progress(self, done: int, total: int, name: str) -> None:
        """One line that rewrites itself on a terminal; at most about 20 lines otherwise."""
        line = f"Reading {done}/{total}: {name}"
        if self.stdout.isatty():
            self.stdout.write(f"\r{line[:100]:<100}", ending="")
        elif done == total or done % max(1, total // 20) == 0:
            self.stdout.write(line)

    def _end_progress(self) -> None:
        if self.stdout.isatty():
            self.stdout.write("")
