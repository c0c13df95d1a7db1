"""`pont draw-search-samples`: draw last month's audit sample of each force that has none.

The periodic job, for cron or a systemd timer (the embedded run's scheduler enqueues
the same job). Safe to run at any time and as often as you like: a force-month is
drawn once. Run as the system: the audit log shows the job, not a person.
"""

from typing import Any

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from pont.stop_search.policeuk import month_label
from pont.stop_search.services import search_samples_draw_due


class Command(BaseCommand):
    help = "Draw last month's audit sample of searches for each force that has none yet."

    def handle(self, *args: Any, **options: Any) -> None:
        samples = search_samples_draw_due()
        for sample in samples:
            self.stdout.write(
                _("%(force)s %(month)s: %(sampled)s of %(searches)s searches sampled")
                % {
                    "force": sample.controller.name,
                    "month": month_label(sample.month),
                    "sampled": sample.sampled.count(),
                    "searches": sample.population,
                }
            )
        if not samples:
            self.stdout.write(_("No sample was due."))
