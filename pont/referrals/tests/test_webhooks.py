"""Webhooks: signed, retried with backoff, given up after a day, delivered at least once even
when the worker dies, against a real HTTP receiver on this machine."""

import base64
import hashlib
import hmac
import html
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpcore
import pytest
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from pont.core.exceptions import ApplicationError
from pont.referrals import outbox, services
from pont.referrals.models import DeliveryAttempt, OutboxMessage, WebhookEndpoint
from pont.testing.http import post_form
from pont.testing.personas import PROV_A, PROV_A_MGR, PROV_B_MGR
from pont.testing.referrals import TEST_WEBHOOK_SECRET, referral_in, webhook_endpoint

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


def _verify(secret: str, headers: dict, body: bytes) -> bool:
    """What the provider guide tells receivers to do."""
    parts = dict(item.split("=", 1) for item in headers["Pont-Signature"].split(","))
    expected = hmac.new(
        secret.encode(), f"{parts['t']}.".encode() + body, hashlib.sha256
    ).hexdigest()
    return hmac.compare_digest(expected, parts["v1"]) and abs(time.time() - int(parts["t"])) < 300


def test_an_event_is_delivered_signed_with_its_id(world, receiver):
    r = receiver()
    endpoint = webhook_endpoint(world, r.url)
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
    endpoint = webhook_endpoint(world, r.url)
    referral_in(world, "requested")
    outbox.deliver_due()
    request = r.requests[0]
    assert not _verify(
        endpoint.secret, request["headers"], request["body"].replace(b"requested", b"cancelled")
    )
    assert not _verify("another-secret", request["headers"], request["body"])


def test_failures_are_retried_with_growing_waits_until_delivered(world, receiver):
    r = receiver(statuses=[500, 503])
    webhook_endpoint(world, r.url)
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
    webhook_endpoint(world, "http://127.0.0.1:9/refused")  # nothing listens on the discard port
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
    webhook_endpoint(world, r.url)
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
    webhook_endpoint(world, a.url)
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
    endpoint = webhook_endpoint(world, r.url)
    endpoint.is_active = False
    endpoint.save()
    referral_in(world, "requested")
    assert not OutboxMessage.objects.exists()


def test_events_waiting_when_their_endpoint_is_disabled_are_given_up_not_retried(world, receiver):
    r = receiver()
    endpoint = webhook_endpoint(world, r.url)
    referral_in(world, "requested")  # written to the outbox, not yet delivered
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(is_active=False)
    assert outbox.deliver_due()["gave_up"] == 1
    message = OutboxMessage.objects.get()
    assert message.status == OutboxMessage.Status.GAVE_UP
    assert message.last_error == outbox.ENDPOINT_DISABLED
    assert r.requests == []


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
    assert (outbox.endpoint_url_problem(url) is None) is allowed
    settings.PONT_WEBHOOKS_ALLOW_LOCAL_HTTP = False
    assert outbox.endpoint_url_problem("http://127.0.0.1:8080/hooks") is not None


def test_a_manager_adds_an_endpoint_sees_the_secret_once_and_reads_the_delivery_log(
    world, as_persona, receiver
):
    r = receiver()
    client = as_persona(PROV_A_MGR)
    created = post_form(client, "/referrals/webhooks/new", {"url": r.url})
    endpoint = WebhookEndpoint.objects.get()
    assert created.status_code == 302
    assert created["Location"] == f"/referrals/webhooks/{endpoint.pk}/added"
    assert endpoint.secret in client.get(created["Location"]).content.decode()
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
    assert refused.status_code == 400
    assert "The address must start with https://" in refused.content.decode()


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
    webhook_endpoint(world, r.url)
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


# Server-side request forgery: a provider must not make Pont call this machine, the cloud
# metadata service or the network it runs in. The test settings allow private addresses
# (the receivers above listen on 127.0.0.1); these tests turn that off, as production is.

ON_THE_INTERNET = "Enter an address on the public internet, like https://example.org/pont-webhooks"
LIKE_THIS = "Enter an address like https://example.org/pont-webhooks"
NEUTRAL = "The endpoint's address is not on the public internet; nothing was sent."
NAME = "hooks.partner.example"  # a reserved name: it resolves only where a test says so


@pytest.fixture
def public_only():
    with override_settings(
        PONT_WEBHOOKS_ALLOW_PRIVATE_ADDRESSES=False, PONT_WEBHOOKS_ALLOW_LOCAL_HTTP=False
    ):
        yield


def _resolving(monkeypatch, name: str, *addresses: str) -> list[str]:
    """Make `name` resolve to the addresses (as a hostile DNS server can); return the list
    that records each lookup of it."""
    real = socket.getaddrinfo
    looked_up: list[str] = []

    def getaddrinfo(host, port, *args, **kwargs):
        if host != name:
            return real(host, port, *args, **kwargs)
        looked_up.append(host)
        if not addresses:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return [
            (socket.AF_INET6, socket.SOCK_STREAM, 6, "", (a, port, 0, 0))
            if ":" in a
            else (socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port))
            for a in addresses
        ]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return looked_up


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("https://127.0.0.1/hook", ON_THE_INTERNET),
        ("https://localhost:8000/x", ON_THE_INTERNET),
        ("https://169.254.169.254/latest", ON_THE_INTERNET),  # the cloud metadata service
        ("https://10.20.30.40/hooks", ON_THE_INTERNET),
        ("https://192.168.1.10/hooks", ON_THE_INTERNET),
        ("https://100.64.0.1/hooks", ON_THE_INTERNET),  # shared address space (carrier NAT)
        ("https://0.0.0.0/hooks", ON_THE_INTERNET),
        ("https://224.0.0.1/hooks", ON_THE_INTERNET),
        ("https://[::1]/hooks", ON_THE_INTERNET),
        ("https://[::ffff:127.0.0.1]/hooks", ON_THE_INTERNET),
        ("https://[fe80::1]/hooks", ON_THE_INTERNET),
        ("https://[fd00::1]/hooks", ON_THE_INTERNET),
        ("https://api.localhost/hooks", ON_THE_INTERNET),
        ("https://printer.local/hooks", ON_THE_INTERNET),
        ("https://metadata.google.internal/computeMetadata/v1/", ON_THE_INTERNET),
        (
            "https://user:secret@partner.example.org/hooks",
            "Enter the address without a user name or password",
        ),
        # Spellings of 127.0.0.1 that the C library reads; Django's URL check refuses them
        # first (the address check below refuses them too).
        ("https://127.1/hook", LIKE_THIS),
        ("https://0x7f.0.0.1/hook", LIKE_THIS),
        ("https://2130706433/hook", LIKE_THIS),
        ("http://partner.example.org/hooks", "The address must start with https://"),
        ("", "Enter the address Pont should send events to"),
        ("not an address", LIKE_THIS),
    ],
)
def test_an_address_off_the_public_internet_is_refused_at_registration(
    world, as_persona, public_only, url, message
):
    refused = post_form(as_persona(PROV_A_MGR), "/referrals/webhooks/new", {"url": url})
    page = html.unescape(refused.content.decode())
    assert refused.status_code == 400
    assert "This field is required." not in page
    assert "Enter a valid URL." not in page
    # In the error summary, linked to the field, and at the field.
    assert f'<a href="#id_url">{message}</a>' in page
    assert page.count(message) == 2
    assert not WebhookEndpoint.objects.exists()


def test_an_address_on_the_public_internet_is_accepted_by_its_managers_only(
    world, as_persona, public_only
):
    url = "https://partner.example.org/pont-webhooks"
    added = post_form(as_persona(PROV_A_MGR), "/referrals/webhooks/new", {"url": url})
    assert added.status_code == 302
    endpoint = WebhookEndpoint.objects.get()
    assert (endpoint.url, endpoint.organisation) == (url, world.provider_a)
    # A provider's worker without the capability is refused, and adds nothing.
    refused = post_form(as_persona(PROV_A), "/referrals/webhooks/new", {"url": url})
    assert refused.status_code == 403
    assert WebhookEndpoint.objects.count() == 1


@pytest.mark.parametrize(
    ("host", "internal"),
    [
        ("127.1", True),
        ("0x7f.0.0.1", True),
        ("2130706433", True),
        ("017700000001", True),
        ("::ffff:127.0.0.1", True),
        ("::ffff:a9fe:a9fe", True),  # 169.254.169.254, mapped
        ("2002:7f00:1::", True),  # 6to4 around 127.0.0.1
        ("64:ff9b::a00:1", True),  # NAT64 around 10.0.0.1
        ("LOCALHOST.", True),
        ("router.internal.", True),
        ("8.8.8.8", False),
        ("2606:4700:4700::1111", False),
        ("partner.example.org", False),  # a name: checked when delivery resolves it
    ],
)
def test_every_spelling_of_an_internal_address_is_recognised(host, internal):
    assert outbox.host_is_internal(host) is internal


def test_the_registration_service_refuses_an_internal_address_whoever_calls_it(world, public_only):
    with pytest.raises(ApplicationError) as refused:
        services.webhook_endpoint_register(
            actor=world.users[PROV_A_MGR], url="https://169.254.169.254/latest"
        )
    assert refused.value.extra == {"fields": {"url": [ON_THE_INTERNET]}}
    with pytest.raises(ApplicationError) as not_allowed:
        services.webhook_endpoint_register(
            actor=world.users[PROV_A], url="https://partner.example.org/pont-webhooks"
        )
    assert not_allowed.value.status == 403
    assert not WebhookEndpoint.objects.exists()


def test_with_private_addresses_allowed_local_receivers_can_be_registered(world):
    with override_settings(PONT_WEBHOOKS_ALLOW_PRIVATE_ADDRESSES=True):
        assert outbox.endpoint_url_problem("https://127.0.0.1:8443/hook") is None
        assert outbox.endpoint_url_problem("https://localhost:8443/hook") is None
        # A user name and password are refused all the same.
        assert outbox.endpoint_url_problem("https://u:p@127.0.0.1/hook") is not None


@pytest.mark.parametrize(
    "addresses",
    [
        ("127.0.0.1",),
        ("::1", "127.0.0.1"),
        # One public address is not enough: any address that is not public refuses the name.
        ("8.8.8.8", "127.0.0.1"),
    ],
)
def test_delivery_refuses_a_name_that_resolves_off_the_public_internet(
    world, as_persona, receiver, public_only, monkeypatch, addresses
):
    r = receiver()  # on 127.0.0.1: what the name would reach if it were not refused
    port = r.server.server_address[1]
    looked_up = _resolving(monkeypatch, NAME, *addresses)
    endpoint = webhook_endpoint(world, f"http://{NAME}:{port}/pont-events")
    referral_in(world, "requested")
    assert outbox.deliver_due()["gave_up"] == 1
    assert r.requests == []  # nothing was sent
    assert looked_up == [NAME]
    message = OutboxMessage.objects.get()
    assert (message.status, message.attempts, message.last_error) == ("gave_up", 1, NEUTRAL)
    attempt = DeliveryAttempt.objects.get()
    assert (attempt.status_code, attempt.error) == (None, NEUTRAL)
    # Given up for good: not tried again.
    OutboxMessage.objects.update(next_attempt_at=timezone.now() + timedelta(hours=1))
    assert outbox.deliver_due()["gave_up"] == 0
    assert DeliveryAttempt.objects.count() == 1
    log_url = f"/referrals/webhooks/{endpoint.pk}/deliveries"
    log = html.unescape(as_persona(PROV_A_MGR).get(log_url).content.decode())
    assert NEUTRAL in log
    assert not any(address in log for address in addresses)
    assert as_persona(PROV_B_MGR).get(log_url).status_code == 404
    assert as_persona(PROV_A).get(log_url).status_code == 403


def test_delivery_to_an_internal_address_says_nothing_about_which_ports_answer(
    world, receiver, public_only
):
    """Registered before the check, or by hand: an open port and a closed one look alike."""
    r = receiver()
    port = r.server.server_address[1]
    webhook_endpoint(world, f"https://127.0.0.1:{port}/pont-events")  # something listens
    webhook_endpoint(world, "https://127.0.0.1:9/pont-events")  # nothing listens
    webhook_endpoint(world, f"http://localhost:{port}/pont-events")
    referral_in(world, "requested")
    assert outbox.deliver_due()["gave_up"] == 3
    assert r.requests == []
    assert set(DeliveryAttempt.objects.values_list("status_code", "error")) == {(None, NEUTRAL)}


def test_a_name_that_does_not_resolve_is_tried_again_later(world, public_only, monkeypatch):
    looked_up = _resolving(monkeypatch, NAME)
    webhook_endpoint(world, f"https://{NAME}/pont-events")
    referral_in(world, "requested")
    assert outbox.deliver_due()["failed"] == 1
    message = OutboxMessage.objects.get()
    assert message.status == "pending"
    assert message.last_error.startswith("ConnectError")
    assert looked_up == [NAME]


def test_with_private_addresses_allowed_a_local_receiver_is_called_at_the_address_checked(
    world, receiver, monkeypatch
):
    r = receiver()
    port = r.server.server_address[1]
    looked_up = _resolving(monkeypatch, NAME, "127.0.0.1")
    connected: list[str] = []
    connect_tcp = httpcore.SyncBackend.connect_tcp

    def connect_and_record(self, host, port, *args, **kwargs):
        connected.append(host)
        return connect_tcp(self, host, port, *args, **kwargs)

    monkeypatch.setattr(httpcore.SyncBackend, "connect_tcp", connect_and_record)
    webhook_endpoint(world, f"http://{NAME}:{port}/pont-events")
    referral_in(world, "requested")
    with override_settings(PONT_WEBHOOKS_ALLOW_PRIVATE_ADDRESSES=True):
        assert outbox.deliver_due()["delivered"] == 1
    # The name was looked up once, by the check, and the socket was opened to the address
    # that lookup gave, not to the name (which a second lookup could send elsewhere); the
    # request still names the endpoint's host.
    assert looked_up == [NAME]
    assert connected == ["127.0.0.1"]
    assert r.requests[0]["headers"]["Host"] == f"{NAME}:{port}"


def test_the_new_secret_is_shown_once_and_a_reload_adds_nothing(world, as_persona):
    client = as_persona(PROV_A_MGR)
    added = post_form(
        client, "/referrals/webhooks/new", {"url": "https://partner.example.org/pont-webhooks"}
    )
    endpoint = WebhookEndpoint.objects.get()
    page = added["Location"]
    assert (added.status_code, page) == (302, f"/referrals/webhooks/{endpoint.pk}/added")
    # Another provider's manager: no such endpoint; a worker without the capability: refused;
    # the same manager signed in elsewhere: the secret is not theirs to see.
    for persona, status in ((PROV_B_MGR, 404), (PROV_A, 403), (PROV_A_MGR, 200)):
        other = as_persona(persona).get(page)
        assert other.status_code == status
        assert endpoint.secret not in other.content.decode()
    shown = client.get(page)
    assert shown.status_code == 200
    assert endpoint.secret in shown.content.decode()
    reloaded = client.get(page)
    assert reloaded.status_code == 200
    text = html.unescape(reloaded.content.decode())
    assert endpoint.secret not in text
    assert "The signing secret has already been shown" in text
    assert "disable this endpoint, then add it again to get a new secret" in text
    assert post_form(client, page).status_code == 405  # it only shows; a reload adds nothing
    assert WebhookEndpoint.objects.count() == 1
    assert endpoint.secret not in client.get("/referrals/webhooks").content.decode()


class ConnectProxy:
    """A network's outbound proxy: answers CONNECT, records what it was asked to reach (and
    the credentials), and pipes the tunnel; or refuses every tunnel with `refuse`."""

    def __init__(self, refuse: bytes = b"") -> None:
        self.targets: list[str] = []
        self.authorizations: list[str] = []
        self.refuse = refuse
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.address = f"127.0.0.1:{self.listener.getsockname()[1]}"
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        with client:
            asked = b""
            while b"\r\n\r\n" not in asked:
                chunk = client.recv(4096)
                if not chunk:
                    return
                asked += chunk
            lines = asked.decode("latin-1").split("\r\n")
            method, target, _version = lines[0].split(" ")
            assert method == "CONNECT"
            self.targets.append(target)
            self.authorizations += [
                line.split(": ", 1)[1] for line in lines if line.startswith("Proxy-Authorization")
            ]
            if self.refuse:
                client.sendall(b"HTTP/1.1 " + self.refuse + b"\r\n\r\n")
                return
            host, port = target.rsplit(":", 1)
            with socket.create_connection((host.strip("[]"), int(port))) as upstream:
                client.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
                threading.Thread(target=self._pipe, args=(upstream, client), daemon=True).start()
                self._pipe(client, upstream)

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        try:
            while chunk := source.recv(65536):
                sink.sendall(chunk)
            sink.shutdown(socket.SHUT_WR)  # one side finished: tell the other
        except OSError:
            return

    def close(self) -> None:
        self.listener.close()


@pytest.fixture
def proxy():
    made: list[ConnectProxy] = []

    def make(**kwargs) -> ConnectProxy:
        p = ConnectProxy(**kwargs)
        made.append(p)
        return p

    yield make
    for p in made:
        p.close()


def test_through_the_networks_proxy_the_tunnel_goes_to_the_address_checked(
    world, receiver, proxy, monkeypatch
):
    r = receiver()
    port = r.server.server_address[1]
    looked_up = _resolving(monkeypatch, NAME, "127.0.0.1")
    p = proxy()
    webhook_endpoint(world, f"http://{NAME}:{port}/pont-events")
    referral_in(world, "requested")
    with override_settings(
        PONT_WEBHOOKS_ALLOW_PRIVATE_ADDRESSES=True,
        PONT_WEBHOOKS_PROXY=f"http://pont%40force:s%3Acret@{p.address}",
    ):
        assert outbox.deliver_due()["delivered"] == 1
    # Pont looked the name up once and asked the proxy for the address it checked, so the
    # proxy had no name to resolve; the request inside the tunnel still names the endpoint.
    assert looked_up == [NAME]
    assert p.targets == [f"127.0.0.1:{port}"]
    assert p.authorizations == ["Basic " + base64.b64encode(b"pont@force:s:cret").decode()]
    assert r.requests[0]["headers"]["Host"] == f"{NAME}:{port}"
    assert _verify(TEST_WEBHOOK_SECRET, r.requests[0]["headers"], r.requests[0]["body"])


def test_through_the_proxy_an_address_off_the_public_internet_is_still_refused(
    world, receiver, proxy, public_only, monkeypatch
):
    r = receiver()
    _resolving(monkeypatch, NAME, "10.1.2.3")
    p = proxy()
    webhook_endpoint(world, f"https://{NAME}/pont-events")
    referral_in(world, "requested")
    with override_settings(PONT_WEBHOOKS_PROXY=f"http://{p.address}"):
        assert outbox.deliver_due()["gave_up"] == 1
    assert p.targets == []  # the proxy was never asked
    assert r.requests == []
    assert OutboxMessage.objects.get().last_error == NEUTRAL


def test_a_tunnel_the_proxy_refuses_is_tried_again_later(world, receiver, proxy, monkeypatch):
    r = receiver()
    port = r.server.server_address[1]
    _resolving(monkeypatch, NAME, "127.0.0.1")
    p = proxy(refuse=b"403 Forbidden")
    webhook_endpoint(world, f"http://{NAME}:{port}/pont-events")
    referral_in(world, "requested")
    with override_settings(
        PONT_WEBHOOKS_ALLOW_PRIVATE_ADDRESSES=True, PONT_WEBHOOKS_PROXY=f"http://{p.address}"
    ):
        assert outbox.deliver_due()["failed"] == 1
    message = OutboxMessage.objects.get()
    assert message.status == "pending"
    assert message.last_error == "ProxyError: the proxy refused the tunnel: 403 Forbidden"
    assert r.requests == []


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("", None),
        ("http://proxy.example:3128", None),
        ("http://user:pa%40ss@10.0.0.5:8080/", None),
        ("https://proxy.example:3128", "it must start http://"),
        ("http://proxy.example", "it must name the proxy's host and port"),
        ("http://proxy.example:99999", "Port out of range"),
        ("http://proxy.example:3128/path", "it must be the proxy's address only"),
    ],
)
def test_the_proxy_setting_is_checked_at_start_up(settings, value, problem):
    from django.core.checks import run_checks

    from pont.referrals.checks import proxy_problem

    found = proxy_problem(value)
    assert (found is None) if problem is None else found.startswith(problem)
    settings.PONT_WEBHOOKS_PROXY = value
    ids = [message.id for message in run_checks()]
    assert ("referrals.E001" in ids) == (problem is not None)


def test_the_provider_guides_verify_function_checks_a_real_delivery(world, receiver):
    """The guide's code, as printed, accepts a delivered event and refuses the rest, a
    malformed header included (without raising)."""
    guide = (Path(__file__).resolve().parents[3] / "docs" / "provider-guide.md").read_text()
    code = guide.split("Check it like this (Python):", 1)[1].split("```python", 1)[1]
    namespace: dict = {}
    exec(code.split("```", 1)[0], namespace)  # noqa: S102 - our own documentation's code
    verify = namespace["verify"]
    r = receiver()
    endpoint = webhook_endpoint(world, r.url)
    referral_in(world, "requested")
    outbox.deliver_due()
    request = r.requests[0]
    header = request["headers"]["Pont-Signature"]
    assert verify(endpoint.secret, header, request["body"])
    assert not verify("another-secret", header, request["body"])
    assert not verify(endpoint.secret, header, request["body"] + b" ")
    for malformed in ("", "garbage", "t=abc,v1=00", "v1=00", "t=123"):
        assert not verify(endpoint.secret, malformed, request["body"])


# Managing endpoints: a confirmation before disabling, who added each and when, one active
# endpoint per address.

HOOK = "https://partner.example.org/pont-webhooks"


def _added(as_persona, persona=PROV_A_MGR, url=HOOK):
    return post_form(as_persona(persona), "/referrals/webhooks/new", {"url": url})


def test_disabling_an_endpoint_asks_first_and_only_its_own_managers_may(world, as_persona):
    from pont.audit.models import AuditEvent

    assert _added(as_persona).status_code == 302
    endpoint = WebhookEndpoint.objects.get()
    page = f"/referrals/webhooks/{endpoint.pk}/disable"
    manager = as_persona(PROV_A_MGR)
    listing = manager.get("/referrals/webhooks").content.decode()
    # The list links to the question; it has no button that disables at once.
    assert f'href="{page}"' in listing
    assert f'action="{page}"' not in listing
    asked = manager.get(page)
    assert asked.status_code == 200
    text = html.unescape(asked.content.decode())
    assert "Disable the webhook endpoint?" in text
    assert HOOK in text
    assert "Disable the endpoint" in text
    assert "Cancel" in text
    assert WebhookEndpoint.objects.get().is_active  # asking changes nothing
    # Another provider's manager: no such endpoint; a worker without the capability: refused.
    before = AuditEvent.objects.count()
    for persona, status in ((PROV_B_MGR, 404), (PROV_A, 403)):
        assert as_persona(persona).get(page).status_code == status
        assert post_form(as_persona(persona), page).status_code == status
    assert WebhookEndpoint.objects.get().is_active
    assert AuditEvent.objects.count() == before
    done = post_form(manager, page)
    assert (done.status_code, done["Location"]) == (302, "/referrals/webhooks")
    disabled = WebhookEndpoint.objects.get()
    assert not disabled.is_active
    assert disabled.disabled_at is not None
    event = AuditEvent.objects.get(sequence=before + 1)
    assert (event.operation, event.object_id, event.detail) == (
        "alteration",
        str(endpoint.pk),
        {"disabled": True},
    )
    # Asked again once disabled: back to the list, which says so.
    again = manager.get(page, follow=True)
    assert "Pont already sends no events to" in html.unescape(again.content.decode())
    assert f'href="{page}"' not in manager.get("/referrals/webhooks").content.decode()


def test_the_list_shows_when_and_by_whom_each_endpoint_was_added(world, as_persona):
    assert _added(as_persona).status_code == 302
    assert _added(as_persona, url=HOOK + "/second").status_code == 302
    manager = world.users[PROV_A_MGR]
    listing = html.unescape(as_persona(PROV_A_MGR).get("/referrals/webhooks").content.decode())
    assert listing.count(f"by {manager.get_full_name()}") == 2
    for endpoint in WebhookEndpoint.objects.all():
        assert timezone.localtime(endpoint.created_at).strftime("%-d %b %Y %H:%M") in listing
    # Another provider's manager sees neither; a worker without the capability is refused.
    other = as_persona(PROV_B_MGR).get("/referrals/webhooks").content.decode()
    assert HOOK not in other
    assert as_persona(PROV_A).get("/referrals/webhooks").status_code == 403


def test_a_second_active_endpoint_at_the_same_address_is_refused_at_its_field(world, as_persona):
    message = (
        "Your organisation already has an active endpoint at this address. To get a new "
        "signing secret, disable that endpoint first, then add it again."
    )
    assert _added(as_persona).status_code == 302
    refused = _added(as_persona)
    page = html.unescape(refused.content.decode())
    assert refused.status_code == 400
    assert f'<a href="#id_url">{message}</a>' in page  # in the summary, linked to the field
    assert page.count(message) == 2  # and at the field
    assert WebhookEndpoint.objects.count() == 1
    with pytest.raises(ApplicationError) as error:
        services.webhook_endpoint_register(actor=world.users[PROV_A_MGR], url=HOOK)
    assert error.value.extra == {"fields": {"url": [message]}}
    # The same address written another way is the same address.
    scheme, rest = HOOK.split("://", 1)
    host, path = rest.split("/", 1)
    for same in (
        f"{scheme.upper()}://{host.upper()}/{path}",
        f"{scheme}://{host}.:443/{path}",
        f"{HOOK}#events",
    ):
        with pytest.raises(ApplicationError):
            services.webhook_endpoint_register(actor=world.users[PROV_A_MGR], url=same)
    assert WebhookEndpoint.objects.count() == 1
    # A worker without the capability is refused before any question of addresses.
    assert _added(as_persona, PROV_A).status_code == 403
    # Another organisation may use the same address for its own endpoint.
    assert _added(as_persona, PROV_B_MGR).status_code == 302
    # Once the first is disabled, the address can be added again (a new secret).
    first = WebhookEndpoint.objects.get(organisation=world.provider_a)
    post_form(as_persona(PROV_A_MGR), f"/referrals/webhooks/{first.pk}/disable")
    assert _added(as_persona).status_code == 302
    active = WebhookEndpoint.objects.filter(organisation=world.provider_a, is_active=True)
    assert active.count() == 1
    assert active.get().pk != first.pk
