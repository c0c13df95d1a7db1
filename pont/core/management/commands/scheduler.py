"""`pont scheduler`: enqueue the periodic jobs of settings.PONT_SCHEDULE on time.

In production, cron or systemd timers run the same jobs (each is also a
management command); the embedded run (`pont up`) starts this loop instead.
Jobs are only enqueued here; a task worker (`db_worker`) runs them, so the
scheduler itself never touches the data and any number of workers may run.
"""

import signal
import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.module_loading import import_string


class Command(BaseCommand):
    help = "Enqueue the periodic jobs in PONT_SCHEDULE when each is due."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--once", action="store_true", help="Enqueue every job once, then exit."
        )
        parser.add_argument("--tick", type=float, default=1.0, help="Seconds between checks.")

    def handle(self, *args: Any, **options: Any) -> None:
        jobs = []
        for path, every in settings.PONT_SCHEDULE:
            try:
                task = import_string(path)
            except ImportError as error:
                raise CommandError(
                    f"PONT_SCHEDULE names {path!r}, which cannot be imported: {error}"
                ) from None
            if every <= 0:
                raise CommandError(
                    f"PONT_SCHEDULE gives {path!r} a period of {every}s; it must be positive."
                )
            jobs.append((path, task, every))
        if options["once"]:
            for path, task, _every in jobs:
                result = task.enqueue()
                self.stdout.write(f"enqueued {path} as {result.id}")
            return

        stopping = False

        def stop(signum: int, frame: Any) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        next_due = {path: time.monotonic() for path, _task, _every in jobs}
        self.stdout.write(f"scheduler: {len(jobs)} periodic job(s)")
        while not stopping:
            now = time.monotonic()
            for path, task, every in jobs:
                if now >= next_due[path]:
                    task.enqueue()
                    next_due[path] = now + every
                    self.stdout.write(f"scheduler: enqueued {path}")
            time.sleep(options["tick"])
        self.stdout.write("scheduler: stopped")
