"""Background jobs of the referral engine."""

from django_tasks import task

from .outbox import deliver_due


@task()
def deliver_webhooks() -> dict[str, int]:
    """Deliver due webhook messages (new ones at once; retries on the schedule)."""
    return deliver_due()
