"""Webhooks: signed, retried with backoff, given up after a day, delivered at least once even
when the worker dies, against a real HTTP receiver on this machine."""

import hashlib
import hmac
import json
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from pont.referrals import outbox
from pont.referrals.models import DeliveryAttempt, OutboxMessage, WebhookEndpoint
from pont.testing.http import post_form
from pont.testing.personas import PROV_A_MGR
from pont.testing.referrals import referral_in

ROOT = Path(__file__).resolve().parents[3]


class Receiver:
    """A partner's webhook endpoint: records each request; answers with the next scripted status."""

    def __init__(self, statuses: list[int] | None = None, hold_first: float = 0.0) -> None:
        self.requests: list[dict] = []
        self.statuses = list(statuses or [])
        self.hold_first = hold_first
        self.got_first = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's method name
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append({"headers": dict(self.headers), "body": body})
                first = len(receiver.requests) == 1
                receiver.got_first.set()
                if first and receiver.hold_first:
                    time.sleep(receiver.hold_first)
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/pont-events"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    made: list[Receiver] = []

    def make(**kwargs) -> Receiver:
        r = Receiver(**kwargs)
        made.append(r)
        return r

    yield make
    for r in made:
        r.close()


def _endpoint(world, url: str) -> WebhookEndpoint:
    return WebhookEndpoint.objects.create(
        organisation=world.provider_a,
        url=url,
        secret="whsec_test_secret",
        created_by=world.users[PROV_A_MGR],
    )


def _verify(secret: str, headers: dict, body: bytes) -> bool:
    """What the provider guide tells receivers to do."""
    parts = dict(item.split("=", 1) for item in headers["Pont-Signature"].split(","))
    expected = hmac.new(
        secret.encode(), f"{parts['t']}.".encode() + body, hashlib.sha256
    ).hexdigest()
    return hmac.compare_digest(expected, parts["v1"]) and abs(time.time() - int(parts["t"])) < 300


def test_an_event_is_delivered_signed_with_its_id(world, receiver):
    r = receiver()
    endpoint = _endpoint(world, r.url)
    referral = referral_in(world, "requested")
    counts = outbox.deliver_due()
    assert counts["delivered"] == 1
    request = r.requests[0]
    assert _verify(endpoint.secret, request["headers"], request["body"])
    payload = json.loads(request["body"])
    message = OutboxMessage.objects.get()
    assert request["headers"]["Pont-Event-Id"] == str(message.event_id) == payload["id"]
    assert payload["type"] == "referral.requested"
    assert payload["data"]["referral_id"] == str(referral.pk)
    assert "Dylan" not in request["body"].decode()  # thin events: no personal data
    assert message.status == "delivered"
    assert message.attempts == 1
    assert DeliveryAttempt.objects.get().status_code == 200


def test_a_tampered_body_fails_verification(world, receiver):
    r = receiver()
    endpoint = _endpoint(world, r.url)
    referral_in(world, "requested")
    outbox.deliver_due()
    request = r.requests[0]
    assert not _verify(
        endpoint.secret, request["headers"], request["body"].replace(b"requested", b"cancelled")
    )
    assert not _verify("another-secret", request["headers"], request["body"])


def test_failures_are_retried_with_growing_waits_until_delivered(world, receiver):
    r = receiver(statuses=[500, 503])
    _endpoint(world, r.url)
    referral_in(world, "requested")
    assert outbox.deliver_due()["failed"] == 1
    message = OutboxMessage.objects.get()
    first_wait = message.next_attempt_at - timezone.now()
    assert timedelta(seconds=25) < first_wait <= timedelta(seconds=30)
    assert outbox.deliver_due() == {
        "delivered": 0,
        "failed": 0,
        "gave_up": 0,
        "skipped": 0,
    }  # not yet due
    OutboxMessage.objects.update(next_attempt_at=timezone.now())
    assert outbox.deliver_due()["failed"] == 1
    message.refresh_from_db()
    assert timedelta(seconds=55) < message.next_attempt_at - timezone.now() <= timedelta(seconds=60)
    assert message.last_error == "HTTP 503"
    OutboxMessage.objects.update(next_attempt_at=timezone.now())
    assert outbox.deliver_due()["delivered"] == 1
    message.refresh_from_db()
    assert (message.status, message.attempts) == ("delivered", 3)
    assert DeliveryAttempt.objects.filter(message=message).count() == 3


def test_delivery_is_given_up_after_24_hours_of_failures(world):
    _endpoint(world, "http://127.0.0.1:9/refused")  # nothing listens on the discard port
    referral_in(world, "requested")
    OutboxMessage.objects.update(
        created_at=timezone.now() - timedelta(hours=23, minutes=59, seconds=50)
    )
    assert outbox.deliver_due()["gave_up"] == 1
    message = OutboxMessage.objects.get()
    assert message.status == "gave_up"
    assert "ConnectError" in message.last_error


def test_a_message_leased_by_a_worker_that_died_is_delivered_when_the_lease_runs_out(
    world, receiver
):
    r = receiver()
    _endpoint(world, r.url)
    referral_in(world, "requested")
    # A worker claimed it and died before recording anything.
    OutboxMessage.objects.update(leased_until=timezone.now() + outbox.LEASE)
    assert outbox.deliver_due()["delivered"] == 0
    assert r.requests == []
    OutboxMessage.objects.update(leased_until=timezone.now() - timedelta(seconds=1))
    assert outbox.deliver_due()["delivered"] == 1
    assert len(r.requests) == 1


def test_events_follow_the_referral_and_go_only_to_its_provider(world, receiver):
    a = receiver()
    _endpoint(world, a.url)
    WebhookEndpoint.objects.create(
        organisation=world.provider_b,
        url="http://127.0.0.1:9/b",
        secret="b",
        created_by=world.users["prov_b_mgr"],
    )
    referral = referral_in(world, "accepted")
    from pont.referrals import services

    services.referral_cancel(actor=world.users["custody"], referral_id=referral.pk, reason="Moved")
    types = list(
        OutboxMessage.objects.order_by("pk").values_list(
            "endpoint__organisation__slug", "event_type"
        )
    )
    assert types == [
        ("provider-a", "referral.requested"),
        ("provider-a", "referral.updated"),
        ("provider-a", "referral.cancelled"),
    ]


def test_a_disabled_endpoint_receives_nothing(world, receiver):
    r = receiver()
    endpoint = _endpoint(world, r.url)
    endpoint.is_active = False
    endpoint.save()
    referral_in(world, "requested")
    assert not OutboxMessage.objects.exists()


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("https://partner.example.org/hooks", True),
        ("http://partner.example.org/hooks", False),
        ("http://127.0.0.1:8080/hooks", True),  # only because test settings allow local plain HTTP
        ("ftp://partner.example.org/", False),
    ],
)
def test_only_https_endpoints_are_allowed(settings, url, allowed):
    settings.PONT_WEBHOOKS_ALLOW_LOCAL_HTTP = True
    assert outbox.endpoint_url_allowed(url) is allowed
    settings.PONT_WEBHOOKS_ALLOW_LOCAL_HTTP = False
    assert outbox.endpoint_url_allowed("http://127.0.0.1:8080/hooks") is False


def test_a_manager_adds_an_endpoint_sees_the_secret_once_and_reads_the_delivery_log(
    world, as_persona, receiver
):
    r = receiver()
    client = as_persona(PROV_A_MGR)
    created = post_form(client, "/referrals/webhooks/new", {"url": r.url})
    assert created.status_code == 200
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.secret in created.content.decode()
    assert endpoint.organisation == world.provider_a
    listing = client.get("/referrals/webhooks").content.decode()
    assert r.url in listing
    assert endpoint.secret not in listing
    referral_in(world, "requested")
    outbox.deliver_due()
    log = client.get(f"/referrals/webhooks/{endpoint.pk}/deliveries").content.decode()
    assert "referral.requested" in log
    assert "HTTP 200" in log
    refused = post_form(client, "/referrals/webhooks/new", {"url": "http://partner.example.org/x"})
    assert "must start with https://" in refused.content.decode()


def test_delivery_survives_a_worker_killed_mid_request(audit_flushable, receiver, monkeypatch):
    """A real worker process is killed (SIGKILL) while the receiver holds its request open."""
    if connection.vendor != "postgresql":
        pytest.skip(
            "needs PostgreSQL: a second process cannot share the in-memory SQLite test database"
        )
    # Test settings run tasks inline at commit; here the worker process must do the delivery.
    monkeypatch.setattr(outbox, "_enqueue_delivery", lambda: None)
    from pont.audit.models import AuditChainHead
    from pont.testing.personas import build_world

    AuditChainHead.objects.get_or_create(pk=1)
    world = build_world()
    r = receiver(hold_first=30)
    _endpoint(world, r.url)
    referral_in(world, "requested")
    settings_dict = connection.settings_dict
    url = (
        f"postgres://{settings_dict['USER']}@{settings_dict['HOST'] or '127.0.0.1'}:"
        f"{settings_dict['PORT'] or 5432}/{settings_dict['NAME']}"
    )
    worker = subprocess.Popen(  # noqa: S603 - fixed arguments
        [
            sys.executable,
            "-c",
            "import django; django.setup(); "
            "from pont.referrals.outbox import deliver_due; deliver_due()",
        ],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test", "DATABASE_URL": url},
    )
    try:
        assert r.got_first.wait(timeout=30), "the worker never called the receiver"
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)
    finally:
        if worker.poll() is None:
            worker.kill()
    message = OutboxMessage.objects.get()
    assert message.status == "pending"
    assert message.leased_until is not None  # claimed by the dead worker
    assert outbox.deliver_due()["delivered"] == 0  # the lease still holds
    OutboxMessage.objects.update(leased_until=timezone.now() - timedelta(seconds=1))  # time passes
    assert outbox.deliver_due()["delivered"] == 1
    message.refresh_from_db()
    assert message.status == "delivered"
    ids = [req["headers"]["Pont-Event-Id"] for req in r.requests]
    assert ids == [str(message.event_id)] * 2  # at least once: the receiver de-duplicates by id
