"""Background jobs of the core module."""

from pathlib import Path

from django.conf import settings
from django_tasks import task

from .backup import scheduled_backup as take


@task()
def scheduled_backup() -> str | None:
    """A backup into PONT_BACKUP_DIR when one is due, older ones rotated out (periodic; see
    settings.PONT_SCHEDULE). Nothing when PONT_BACKUP_DIR is not set. Returns the new
    backup's name, if one was taken."""
    if not settings.PONT_BACKUP_DIR:
        return None
    done = take(
        Path(settings.PONT_BACKUP_DIR),
        every_hours=settings.PONT_BACKUP_EVERY_HOURS,
        keep=settings.PONT_BACKUP_KEEP,
        encrypt_to=settings.PONT_BACKUP_RECIPIENTS,
    )
    return done.taken.name if done.taken else None
