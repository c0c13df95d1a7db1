"""Background jobs of the audit module."""

from django_tasks import task

from .services import checkpoint_write


@task()
def audit_checkpoint_write() -> int | None:
    """Write a checkpoint of the chain head (periodic; see settings.PONT_SCHEDULE)."""
    checkpoint = checkpoint_write()
    return checkpoint.sequence if checkpoint else None
