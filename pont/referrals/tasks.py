"""Background jobs of the referral engine."""

from django_tasks import task

from .outbox import deliver_due


@task()
def deliver_webhooks() -> dict[str, int]:
    """Deliver due webhook messages (new ones at once; retries on the schedule)."""
    return deliver_due()


@task()
def send_emails() -> dict[str, int]:
    """Send due referral emails (new ones at once; after a mail outage, on the schedule)."""
    from .mail_outbox import send_due

    return send_due()


@task()
def purge_idempotency_keys() -> dict[str, int]:
    """Forget the partner API's idempotency keys once their 24 hours are over: the responses
    they keep for retries hold the person's details, kept no longer than retries need."""
    from .http_semantics import purge_expired_keys

    return {"purged": purge_expired_keys()}
