"""`pont flag-overdue-conditions`: raise a task for each disposal condition past its deadline.

The periodic job, for cron or a systemd timer (the embedded run's scheduler enqueues the
same job). Safe to run at any time and as often as you like: a condition is flagged once.
"""

from typing import Any

from django.core.management.base import BaseCommand

from pont.disposals.services import overdue_conditions_flag


class Command(BaseCommand):
    help = "Raise the officer's task for each out-of-court disposal condition past its deadline."

    def handle(self, *args: Any, **options: Any) -> None:
        flagged = overdue_conditions_flag()
        self.stdout.write(f"{flagged} condition(s) found overdue.")
