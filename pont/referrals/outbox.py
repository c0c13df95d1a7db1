"""Webhook events: written to the outbox in the transaction that caused them, delivered later.

Delivery is at least once: a message is claimed with a lease, and if the
worker dies before recording the result the lease runs out and the message
is delivered again. Receivers de-duplicate on `Pont-Event-Id`. Each request
is signed: `Pont-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>">`
with the endpoint's secret. Failures are retried with exponential backoff for
up to 24 hours, then given up (and shown in the delivery log).

Only addresses on the public internet are called (server-side request forgery): the
endpoint's name is resolved once at connection, refused if any of its addresses is not
public, and the connection goes to an address that was checked, so a second lookup (DNS
rebinding) cannot send it elsewhere. A refused address is given up at once, with a reason
that says nothing about what answers inside the network. The demo and the tests allow
private addresses (PONT_WEBHOOKS_ALLOW_PRIVATE_ADDRESSES).
"""

import base64
import hashlib
import hmac
import ipaddress
import json
import logging
import socket
import time
from collections.abc import Iterable
from datetime import timedelta
from functools import partial
from typing import Any
from urllib.parse import unquote, urlsplit

import httpcore
import httpx
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from pont.core import rows

from .models import DeliveryAttempt, LeasedMessage, OutboxMessage, Referral, WebhookEndpoint

logger = logging.getLogger("pont.webhooks")

LEASE = timedelta(seconds=60)
GIVE_UP_AFTER = timedelta(hours=24)
FIRST_RETRY = timedelta(seconds=30)
LONGEST_WAIT = timedelta(hours=1)
TIMEOUT_SECONDS = 10.0
SIGNATURE_HEADER = "Pont-Signature"
EVENT_ID_HEADER = "Pont-Event-Id"

# Kept in the delivery log in English and translated when shown (webhook_deliveries.html).
# It says no more than this: which ports answer inside the network is nobody's business.
ENDPOINT_DISABLED = gettext_noop("The endpoint was disabled; nothing was sent.")
NOT_PUBLIC = gettext_noop("The endpoint's address is not on the public internet; nothing was sent.")
INTERNAL_NAME_SUFFIXES = (".localhost", ".local", ".internal")
NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# What the person adding an endpoint is told (the form's own messages say the same).
NOT_HTTPS = _("The address must start with https://")
NOT_A_URL = _("Enter an address like https://example.org/pont-webhooks")
HAS_CREDENTIALS = _("Enter the address without a user name or password")
NOT_ON_INTERNET = _(
    "Enter an address on the public internet, like https://example.org/pont-webhooks"
)


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


def claim(model: type[LeasedMessage], message_id: int, now: Any) -> bool:
    """Take a lease on one waiting message (a webhook event, an email); False if another
    worker holds it (works on both databases)."""
    claimed = model._default_manager.filter(
        Q(leased_until__isnull=True) | Q(leased_until__lt=now),
        pk=message_id,
        status=LeasedMessage.PENDING,
    ).update(leased_until=now + LEASE)
    return claimed == 1


def due(model: type[LeasedMessage], now: Any, limit: int) -> list[int]:
    """The waiting messages whose time has come and that no worker holds, oldest first."""
    return list(
        model._default_manager.filter(status=LeasedMessage.PENDING, next_attempt_at__lte=now)
        .filter(Q(leased_until__isnull=True) | Q(leased_until__lt=now))
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )


def backoff(attempts: int) -> timedelta:
    """How long to wait before the next try, after `attempts` failed ones."""
    return min(FIRST_RETRY * (2 ** max(0, attempts - 1)), LONGEST_WAIT)


def after_failure(message: LeasedMessage, attempts: int, now: Any) -> tuple[Any, bool]:
    """When to try a message again after its `attempts`-th failure, and whether that is past
    its day (given up)."""
    next_attempt = now + backoff(attempts)
    return next_attempt, next_attempt > message.created_at + GIVE_UP_AFTER


def deliver_due(*, limit: int = 100, client: httpx.Client | None = None) -> dict[str, int]:
    """Deliver every due message once; return counts. Safe to run in several workers at once."""
    now = timezone.now()
    counts = {"delivered": 0, "failed": 0, "gave_up": 0, "skipped": 0}
    own_client = client is None
    # A client given by the caller must use checked_transport() too, or nothing is checked.
    http = client or httpx.Client(
        timeout=TIMEOUT_SECONDS, follow_redirects=False, transport=checked_transport()
    )
    try:
        for message_id in due(OutboxMessage, now, limit):
            if not claim(OutboxMessage, message_id, now):
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
    status_code, error, permanent = None, "", False
    if not endpoint.is_active:
        # Disabled by its manager: not retried for a day, given up now.
        error, permanent = ENDPOINT_DISABLED, True
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
        except NonPublicAddressError as exc:
            # Not worth trying again for a day: given up now, and the log says only this.
            error, permanent = NOT_PUBLIC, True
            logger.warning(
                "webhook %s to %s refused: %s resolves to %s",
                message.event_id,
                endpoint.url,
                exc.host,
                ", ".join(exc.addresses),
            )
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
        next_attempt, past_its_day = after_failure(message, attempts, now)
        gave_up = permanent or past_its_day
        OutboxMessage.objects.filter(pk=message.pk).update(
            status=OutboxMessage.Status.GAVE_UP if gave_up else OutboxMessage.Status.PENDING,
            attempts=attempts,
            next_attempt_at=next_attempt,
            leased_until=None,
            last_error=error,
        )
    logger.warning("webhook %s to %s failed: %s", message.event_id, endpoint.url, error)
    return "gave_up" if gave_up else "failed"


def endpoint_url_problem(url: str) -> Promise | None:
    """What is wrong with the address as a webhook endpoint, said to the person typing it;
    None if nothing is. Names are not resolved here: delivery resolves and checks them."""
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL:
        return NOT_A_URL
    if not parsed.host:
        return NOT_A_URL
    local_http = (
        settings.PONT_WEBHOOKS_ALLOW_LOCAL_HTTP
        and parsed.scheme == "http"
        and parsed.host in {"127.0.0.1", "localhost"}
    )
    if parsed.scheme != "https" and not local_http:
        return NOT_HTTPS
    if parsed.userinfo:
        return HAS_CREDENTIALS
    if not settings.PONT_WEBHOOKS_ALLOW_PRIVATE_ADDRESSES and host_is_internal(parsed.host):
        return NOT_ON_INTERNET
    return None


def host_is_internal(host: str) -> bool:
    """True for a name kept for this machine or a private network, and for an IP address
    in any of its spellings (127.1, 0x7f.0.0.1, 2130706433, [::ffff:127.0.0.1]) that is
    not on the public internet. Other names are checked when delivery resolves them."""
    name = host.strip("[]").rstrip(".").lower()
    if name == "localhost" or name.endswith(INTERNAL_NAME_SUFFIXES):
        return True
    address = _ip_literal(name)
    return address is not None and not address_is_public(address)


def _ip_literal(name: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(name)
    except ValueError:
        pass
    if not name or not all(c in "0123456789abcdefx." for c in name):
        return None
    try:
        # The C library's reading, which the connection would use: 127.1, 0x7f.1, 2130706433.
        return ipaddress.IPv4Address(socket.inet_aton(name))
    except OSError:
        return None


def address_is_public(address: IPAddress) -> bool:
    """On the public internet: global, and none of private, loopback, link-local (cloud
    metadata), reserved, multicast or unspecified; nor an IPv6 address carrying an IPv4
    one (mapped, 6to4, Teredo, NAT64) that is not public itself."""
    if (
        not address.is_global
        or address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_reserved
        or address.is_multicast
        or address.is_unspecified
    ):
        return False
    return all(address_is_public(inner) for inner in _embedded_ipv4(address))


def _embedded_ipv4(address: IPAddress) -> list[ipaddress.IPv4Address]:
    if not isinstance(address, ipaddress.IPv6Address):
        return []
    inner = [address.ipv4_mapped, address.sixtofour, *(address.teredo or ())]
    if address in NAT64:
        inner.append(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
    return [ip for ip in inner if ip is not None]


# The most of a proxy's answer to CONNECT that is read before giving up on it.
_PROXY_ANSWER_LIMIT = 16 * 1024


class NonPublicAddressError(Exception):
    """The endpoint's name resolves to an address that is not on the public internet."""

    def __init__(self, host: str, addresses: list[str]) -> None:
        super().__init__(host)
        self.host = host
        self.addresses = addresses


class _CheckedBackend(httpcore.SyncBackend):
    """Opens every webhook connection: resolves the name once, refuses it if any of its
    addresses is not public, and connects to the addresses it checked, in order. TLS still
    checks the certificate against the name: httpcore gives the name, not the address, as
    the server name, and the Host header keeps the name too."""

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        try:
            answers = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (OSError, UnicodeError) as exc:
            raise httpcore.ConnectError(f"{host}: {exc}") from exc
        addresses = list(dict.fromkeys(str(answer[4][0]) for answer in answers))
        if not settings.PONT_WEBHOOKS_ALLOW_PRIVATE_ADDRESSES:
            refused = [a for a in addresses if not address_is_public(ipaddress.ip_address(a))]
            if refused or not addresses:
                raise NonPublicAddressError(host, refused)
        proxy = settings.PONT_WEBHOOKS_PROXY
        failure: Exception = httpcore.ConnectError(f"{host}: no address")
        for address in addresses:
            try:
                if proxy:
                    return self._tunnel(proxy, address, port, timeout, socket_options)
                return super().connect_tcp(
                    address,
                    port,
                    timeout=timeout,
                    local_address=local_address,
                    socket_options=socket_options,
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout, httpcore.ProxyError) as exc:
                failure = exc  # the next address, as socket.create_connection would
        raise failure

    def _tunnel(
        self,
        proxy: str,
        address: str,
        port: int,
        timeout: float | None,
        socket_options: Iterable[Any] | None,
    ) -> httpcore.NetworkStream:
        """A connection to the checked address through the network's outbound proxy: asked
        to CONNECT to the address, not the name, so the proxy never resolves the name itself
        (and TLS, started over the tunnel by httpcore, still checks the name)."""
        parts = urlsplit(proxy)
        stream = super().connect_tcp(
            parts.hostname or "",
            parts.port or 80,
            timeout=timeout,
            socket_options=socket_options,
        )
        target = f"[{address}]:{port}" if ":" in address else f"{address}:{port}"
        lines = [f"CONNECT {target} HTTP/1.1", f"Host: {target}"]
        if parts.username is not None:
            pair = f"{unquote(parts.username)}:{unquote(parts.password or '')}"
            lines.append(f"Proxy-Authorization: Basic {base64.b64encode(pair.encode()).decode()}")
        try:
            stream.write(("\r\n".join(lines) + "\r\n\r\n").encode("ascii"), timeout=timeout)
            answer = b""
            while b"\r\n\r\n" not in answer:
                chunk = stream.read(4096, timeout=timeout)
                if not chunk or len(answer) > _PROXY_ANSWER_LIMIT:
                    raise httpcore.ProxyError("the proxy closed the connection or said too much")
                answer += chunk
            status = answer.split(b"\r\n", 1)[0].split(b" ", 2)
            if len(status) < 2 or status[1] != b"200":
                raise httpcore.ProxyError(
                    "the proxy refused the tunnel: " + b" ".join(status[1:]).decode("latin-1")
                )
        except BaseException:
            stream.close()
            raise
        return stream


def checked_transport() -> httpx.HTTPTransport:
    """httpx's own transport, connecting through _CheckedBackend. httpx takes no network
    backend, so its connection pool is replaced by one built the same way with ours
    (test_webhooks.py proves the connection goes where the check said). Having a transport
    of its own, the client ignores HTTP(S)_PROXY: deliveries go straight to the endpoint, or
    through PONT_WEBHOOKS_PROXY when it is set (_CheckedBackend._tunnel)."""
    transport = httpx.HTTPTransport()
    transport._pool = httpcore.ConnectionPool(  # noqa: SLF001 - see above
        ssl_context=httpx.create_ssl_context(),
        max_connections=httpx.Limits().max_connections,
        max_keepalive_connections=httpx.Limits().max_keepalive_connections,
        keepalive_expiry=httpx.Limits().keepalive_expiry,
        network_backend=_CheckedBackend(),
    )
    return transport
