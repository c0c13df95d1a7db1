"""`pont draw-scrutiny-samples`: last month's scrutiny panel sample of each force without one.

The periodic job, for cron or a systemd timer (the embedded run's scheduler enqueues
the same job, `pont.disposals.tasks.draw_scrutiny_samples`). Safe to run at any time
and as often as you like: a force-month is drawn once, and a month in which no
disposal finished is left until one has. Run as the system: the audit log shows the
job, not a person.
"""

from typing import Any

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from pont.core.forms import month_shown
from pont.disposals.scrutiny_services import scrutiny_samples_draw_due


class Command(BaseCommand):
    help = "Draw last month's scrutiny panel sample of finished disposals for each force."

    def handle(self, *args: Any, **options: Any) -> None:
        samples = scrutiny_samples_draw_due()
        for sample in samples:
            self.stdout.write(
                _("%(force)s %(month)s: %(cases)s of %(finished)s finished disposals sampled")
                % {
                    "force": sample.controller.name,
                    "month": month_shown(sample.month),
                    "cases": sample.cases.count(),
                    "finished": sample.population,
                }
            )
        if not samples:
            self.stdout.write(_("No sample was due."))
