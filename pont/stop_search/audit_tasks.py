"""Background job of the monthly audit of searches (kept apart from the import jobs).

`pont scheduler` enqueues it every PONT_SEARCH_SAMPLE_SECONDS (see settings.PONT_SCHEDULE);
in production cron or a systemd timer may run `pont draw-search-samples` instead.
"""

from django_tasks import task


@task()
def draw_search_samples() -> list[int]:
    """Draw last month's audit sample of each force that has none yet; return their ids."""
    from .services import search_samples_draw_due

    return [sample.pk for sample in search_samples_draw_due()]
