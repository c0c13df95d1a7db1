"""`pont up`: the embedded run. Web server, task worker and scheduler, stopped together.

For trying Pont on one machine (`make run`). Production runs the same three
processes under its own supervisor (systemd units, containers), with
PostgreSQL and several web and worker processes.
"""

import os
import signal
import subprocess
import sys
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from pont.demo.management.commands.demo import personas_table


class Command(BaseCommand):
    help = "Run the web server, the task worker and the scheduler until interrupted."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--bind", default="127.0.0.1:8000")
        parser.add_argument("--web-workers", type=int, default=2)

    def handle(self, *args: Any, **options: Any) -> None:
        env = dict(os.environ)
        env.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
        python = sys.executable
        bindir = os.path.dirname(python)
        commands = {
            "web": [
                os.path.join(bindir, "gunicorn"),
                "config.wsgi:application",
                "--bind",
                options["bind"],
                "--workers",
                str(options["web_workers"]),
                "--threads",
                "4",
                "--access-logfile",
                "-",
                "--graceful-timeout",
                "5",
            ],
            "worker": [python, "-m", "django", "db_worker", "--interval", "1", "--no-reload"],
            "scheduler": [python, "-m", "django", "scheduler"],
        }
        processes: dict[str, subprocess.Popen[bytes]] = {}
        for name, command in commands.items():
            processes[name] = subprocess.Popen(command, env=env)  # noqa: S603 - fixed argument lists
        self.stdout.write(
            f"Pont is starting on http://{options['bind']}/ (web, worker, scheduler)."
        )
        self.stdout.write(personas_table())
        self.stdout.write("Press Ctrl-C to stop.")

        stopping = False

        def stop(signum: int, frame: Any) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        exit_code = 0
        while not stopping:
            for name, process in processes.items():
                code = process.poll()
                if code is not None:
                    self.stderr.write(f"{name} stopped with exit code {code}; stopping the others.")
                    exit_code = code or 1
                    stopping = True
                    break
            time.sleep(0.5)
        for process in processes.values():
            if process.poll() is None:
                process.terminate()
        deadline = time.monotonic() + 10
        for process in processes.values():
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
        if exit_code:
            sys.exit(exit_code)
