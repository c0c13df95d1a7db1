"""Background jobs of out-of-court disposals.

`pont scheduler` enqueues them (settings.PONT_SCHEDULE); in production cron or a
systemd timer may run `pont flag-overdue-conditions` and `pont draw-scrutiny-samples`.
"""

from django_tasks import task


@task()
def flag_overdue_conditions() -> int:
    """Raise a task for each condition past its deadline (once each); return how many."""
    from .services import overdue_conditions_flag

    return overdue_conditions_flag()


@task()
def draw_scrutiny_samples() -> list[int]:
    """Draw last month's scrutiny panel sample of each force that has none yet."""
    from .scrutiny_services import scrutiny_samples_draw_due

    return [sample.pk for sample in scrutiny_samples_draw_due()]
