"""Webhook events: written to the outbox in the transaction that caused them, delivered later.

Delivery is at least once: a message is claimed with a lease, and if the
worker dies before recording the result the lease runs out and the message
is delivered again. Receivers de-duplicate on `Pont-Event-Id`. Each request
is signed: `Pont-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>">`
with the endpoint's secret. Failures are retried with exponential backoff for
up to 24 hours, then given up (and shown in the delivery log).
"""

import hashlib
import hmac
import json
import logging
import time
from datetime import timedelta
from functools import partial
from typing import Any

import httpx
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from pont.core import rows

from .models import DeliveryAttempt, OutboxMessage, Referral, WebhookEndpoint

logger = logging.getLogger("pont.webhooks")

LEASE = timedelta(seconds=60)
GIVE_UP_AFTER = timedelta(hours=24)
FIRST_RETRY = timedelta(seconds=30)
LONGEST_WAIT = timedelta(hours=1)
TIMEOUT_SECONDS = 10.0
SIGNATURE_HEADER = "Pont-Signature"
EVENT_ID_HEADER = "Pont-Event-Id"


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """Return the header value that lets a receiver check the body came from Pont, unchanged."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def emit(referral: Referral, event_type: str) -> int:
    """Queue an event about the referral to each active endpoint of the receiving organisation."""
    if not event_type or referral.status == Referral.Status.DRAFT:
        return 0
    now = timezone.now()
    count = 0
    for endpoint_id in _active_endpoint_ids(referral.receiving_organisation_id):
        message = OutboxMessage(
            endpoint_id=endpoint_id,
            event_type=event_type,
            created_at=now,
            next_attempt_at=now,
            payload={},
        )
        # Thin events: what changed and where to fetch it; the details come from the API.
        message.payload = {
            "id": str(message.event_id),
            "type": event_type,
            "created": now.isoformat(timespec="seconds"),
            "data": {
                "referral_id": str(referral.pk),
                "status": referral.status,
                "version": referral.version,
                "url": reverse("api:get_referral", kwargs={"referral_id": referral.pk}),
            },
        }
        message.save()
        count += 1
    if count:
        transaction.on_commit(_enqueue_delivery)
    return count


def _active_endpoint_ids(organisation_id: int) -> list[int]:
    """The organisation's active endpoints. Every change to a referral asks, inside the
    writers' lock, and most organisations have none: one written-out SELECT (see
    docs/adr/0004-hand-written-sql-on-hot-paths.md)."""
    column = partial(rows.quoted, WebhookEndpoint)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {column('id')} FROM {rows.table(WebhookEndpoint)}"  # noqa: S608 - names only
            f" WHERE {column('organisation')} = %s AND {column('is_active')} = %s"
            f" ORDER BY {column('id')}",
            [organisation_id, True],
        )
        return [row[0] for row in cursor.fetchall()]


def _enqueue_delivery() -> None:
    from .tasks import deliver_webhooks

    deliver_webhooks.enqueue()


def _backoff(attempts: int) -> timedelta:
    return min(FIRST_RETRY * (2 ** max(0, attempts - 1)), LONGEST_WAIT)


def _claim(message_id: int, now: Any) -> bool:
    """Take a lease on one message; False if another worker holds it (works on both databases)."""
    claimed = OutboxMessage.objects.filter(
        Q(leased_until__isnull=True) | Q(leased_until__lt=now),
        pk=message_id,
        status=OutboxMessage.Status.PENDING,
    ).update(leased_until=now + LEASE)
    return claimed == 1


def deliver_due(*, limit: int = 100, client: httpx.Client | None = None) -> dict[str, int]:
    """Deliver every due message once; return counts. Safe to run in several workers at once."""
    now = timezone.now()
    due = list(
        OutboxMessage.objects.filter(status=OutboxMessage.Status.PENDING, next_attempt_at__lte=now)
        .filter(Q(leased_until__isnull=True) | Q(leased_until__lt=now))
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    counts = {"delivered": 0, "failed": 0, "gave_up": 0, "skipped": 0}
    own_client = client is None
    http = client or httpx.Client(timeout=TIMEOUT_SECONDS, follow_redirects=False)
    try:
        for message_id in due:
            if not _claim(message_id, now):
                counts["skipped"] += 1
                continue
            outcome = _deliver_one(message_id, http)
            counts[outcome] += 1
    finally:
        if own_client:
            http.close()
    return counts


def _deliver_one(message_id: int, http: httpx.Client) -> str:
    message = OutboxMessage.objects.select_related("endpoint").get(pk=message_id)
    endpoint = message.endpoint
    body = json.dumps(message.payload, separators=(",", ":")).encode()
    timestamp = int(time.time())
    started = time.monotonic()
    status_code, error = None, ""
    if not endpoint.is_active:
        error = "endpoint disabled"
    else:
        try:
            response = http.post(
                endpoint.url,
                content=body,
                headers={
                    "Content-Type": "application/json",
                    "User-Agent": "Pont-Webhooks/1",
                    EVENT_ID_HEADER: str(message.event_id),
                    SIGNATURE_HEADER: sign(endpoint.secret, timestamp, body),
                },
            )
            status_code = response.status_code
            if not 200 <= status_code < 300:
                error = f"HTTP {status_code}"
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}"[:500]
    elapsed = int((time.monotonic() - started) * 1000)
    now = timezone.now()
    with transaction.atomic():
        DeliveryAttempt.objects.create(
            message=message,
            attempted_at=now,
            status_code=status_code,
            error=error,
            duration_ms=elapsed,
        )
        attempts = message.attempts + 1
        if not error:
            OutboxMessage.objects.filter(pk=message.pk).update(
                status=OutboxMessage.Status.DELIVERED,
                delivered_at=now,
                attempts=attempts,
                leased_until=None,
                last_error="",
            )
            return "delivered"
        next_attempt = now + _backoff(attempts)
        gave_up = next_attempt > message.created_at + GIVE_UP_AFTER
        OutboxMessage.objects.filter(pk=message.pk).update(
            status=OutboxMessage.Status.GAVE_UP if gave_up else OutboxMessage.Status.PENDING,
            attempts=attempts,
            next_attempt_at=next_attempt,
            leased_until=None,
            last_error=error,
        )
    logger.warning("webhook %s to %s failed: %s", message.event_id, endpoint.url, error)
    return "gave_up" if gave_up else "failed"


def endpoint_url_allowed(url: str) -> bool:
    """HTTPS only; plain HTTP to this machine only where settings allow it (demo, tests)."""
    parsed = httpx.URL(url)
    if parsed.scheme == "https" and parsed.host:
        return True
    return (
        settings.PONT_WEBHOOKS_ALLOW_LOCAL_HTTP
        and parsed.scheme == "http"
        and parsed.host in {"127.0.0.1", "localhost"}
    )
