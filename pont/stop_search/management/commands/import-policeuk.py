"""`pont import-policeuk FILE...`: import police.uk stop-and-search CSV files.

Each file is one force-month, named as data.police.uk names it
(``2019-09-dyfed-powys-stop-and-search.csv``); `--force` says which force a
file named otherwise is from. Each file lands whole or not at all, in its own
transaction; importing a force-month again replaces it, so importing the same
file twice adds nothing. Every problem is listed by row, column and reason,
and the command fails if any file was refused. Run as the system: the audit
log shows the command, not a person.
"""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser, OutputWrapper
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from pont.core.exceptions import ApplicationError
from pont.stop_search import services
from pont.stop_search.policeuk import month_label

BAR_WIDTH = 30


class Command(BaseCommand):
    help = (
        "Import police.uk stop-and-search CSV files, one force-month each: all or nothing per "
        "file; a force-month imported again is replaced."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="+", metavar="FILE", help="police.uk CSV files")
        parser.add_argument(
            "--force",
            metavar="FORCE_ID",
            help="police.uk force id (e.g. dyfed-powys), for files whose name does not say it",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        names: list[str] = options["files"]
        refused = 0
        for name in names:
            if not self._import(name, options["force"], show_progress=options["verbosity"] >= 1):
                refused += 1
        if refused:
            raise CommandError(
                ngettext(
                    "%(refused)s file of %(total)s was refused: nothing was imported from it.",
                    "%(refused)s files of %(total)s were refused: nothing was imported from them.",
                    refused,
                )
                % {"refused": refused, "total": len(names)}
            )

    def _import(self, name: str, force: str | None, *, show_progress: bool) -> bool:
        """Import one file and say what happened; return whether it was imported."""
        path = Path(name)
        try:
            size = path.stat().st_size
            stream = path.open("rb")
        except OSError as error:
            self.stderr.write(
                _("%(file)s: cannot be read (%(error)s).")
                % {
                    "file": name,
                    "error": error.strerror,
                }
            )
            return False
        progress = self._progress(path.name, size) if show_progress else None
        try:
            with stream:
                result = services.policeuk_import(
                    actor=None,
                    force=force,
                    file_name=path.name,
                    stream=stream,
                    on_progress=progress,
                )
        except services.PoliceUkImportError as refused:
            self._end_progress(progress)
            self.stderr.write(f"{name}: {refused.message}")
            for problem in refused.errors:
                self.stderr.write(f"  {problem}")
            return False
        except ApplicationError as refused:
            self._end_progress(progress)
            self.stderr.write(f"{name}: {refused.message}")
            return False
        self._end_progress(progress)
        record = result.policeuk_import
        message = _("%(file)s: %(rows)s searches imported for %(force)s %(month)s.") % {
            "file": name,
            "rows": result.rows,
            "force": record.force,
            "month": month_label(record.month),
        }
        if result.replaced:
            message += " " + _("They replace the %(count)s imported before.") % {
                "count": result.replaced
            }
        self.stdout.write(message)
        return True

    def _progress(self, name: str, size: int) -> "_ProgressBar | None":
        """Return a bar drawn on stderr, when stderr is a terminal."""
        return _ProgressBar(self.stderr, name, size) if self.stderr.isatty() else None

    def _end_progress(self, progress: "_ProgressBar | None") -> None:
        if progress is not None:
            progress.end()


class _ProgressBar:
    """One line on a terminal that redraws itself: the file, a bar of bytes read, the rows."""

    def __init__(self, stream: OutputWrapper, name: str, size: int) -> None:
        self.stream, self.name, self.size = stream, name, size
        self.drawn = False

    def __call__(self, rows: int, bytes_read: int) -> None:
        share = min(1.0, bytes_read / self.size) if self.size else 1.0
        filled = round(share * BAR_WIDTH)
        bar = "#" * filled + "." * (BAR_WIDTH - filled)
        line = f"{self.name[:40]} [{bar}] {share:4.0%} " + _("%(rows)s rows") % {"rows": rows}
        self.stream.write(f"\r{line}", ending="", style_func=str)  # progress, not an error
        self.drawn = True

    def end(self) -> None:
        if self.drawn:
            self.stream.write("", style_func=str)
