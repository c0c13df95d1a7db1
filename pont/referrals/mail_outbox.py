"""Emails about referrals: queued in the transaction that caused them, sent by the worker.

A new referral's notice to a provider's inbox, a rejection or a non-attendance told to the
referrer: each is a `QueuedEmail` row written with the change itself, so it exists exactly
when the change does. The worker sends it (at once, the task being queued when the change
commits; then on the scheduler's round) and, if the mail server does not take it, tries
again with the webhooks' growing waits (30 seconds, doubling, at most an hour) for 24
hours, then gives up and says so in the log. A mail outage delays a notice; it does not
lose it, and it never undoes or slows the change that caused it.
"""

import logging
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from .models import QueuedEmail
from .outbox import after_failure, claim, due

logger = logging.getLogger("pont.notifications")


def queue(recipient: str, subject: str, body: str, *, kind: str, organisation_id: int) -> None:
    """Keep the email with the change being made; send it once that change commits.

    `organisation_id` is whose inbox or member of staff it goes to: its email log shows it."""
    now = timezone.now()
    QueuedEmail.objects.create(
        kind=kind,
        organisation_id=organisation_id,
        recipient=recipient,
        subject=subject,
        body=body,
        created_at=now,
        next_attempt_at=now,
    )
    transaction.on_commit(_enqueue_sending)


def _enqueue_sending() -> None:
    from .tasks import send_emails

    send_emails.enqueue()


def send_due(*, limit: int = 100) -> dict[str, int]:
    """Send every email whose time has come; return counts. Safe in several workers."""
    now = timezone.now()
    counts = {"sent": 0, "failed": 0, "gave_up": 0, "skipped": 0}
    for email_id in due(QueuedEmail, now, limit):
        if not claim(QueuedEmail, email_id, now):
            counts["skipped"] += 1
            continue
        counts[_send_one(email_id)] += 1
    return counts


def _send_one(email_id: int) -> str:
    email = QueuedEmail.objects.get(pk=email_id)
    error = ""
    try:
        send_mail(
            email.subject,
            email.body,
            settings.DEFAULT_FROM_EMAIL,
            [email.recipient],
            fail_silently=False,
        )
    except Exception as failure:  # noqa: BLE001 - whatever the mail server says, try again later
        error = f"{type(failure).__name__}: {failure}"[:500]
    now = timezone.now()
    changes: dict[str, Any] = {"attempts": email.attempts + 1, "leased_until": None}
    if not error:
        QueuedEmail.objects.filter(pk=email.pk).update(
            status=QueuedEmail.Status.SENT, sent_at=now, last_error="", **changes
        )
        return "sent"
    next_attempt, gave_up = after_failure(email, changes["attempts"], now)
    QueuedEmail.objects.filter(pk=email.pk).update(
        status=QueuedEmail.Status.GAVE_UP if gave_up else QueuedEmail.Status.PENDING,
        next_attempt_at=next_attempt,
        last_error=error,
        **changes,
    )
    # The address is a service's inbox or a member of staff's: no person's data is in it.
    logger.warning(
        "email %s to %s not sent (%s): %s",
        email.pk,
        email.recipient,
        "given up" if gave_up else "will try again",
        error,
    )
    return "gave_up" if gave_up else "failed"
