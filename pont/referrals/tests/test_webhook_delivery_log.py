"""The delivery log says what each attempt came to in plain words, once, with the raw error
after it as technical detail."""

import html
import re
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.utils import timezone

from pont.referrals import outbox
from pont.referrals.models import DeliveryAttempt, OutboxMessage, WebhookEndpoint
from pont.referrals.views import delivery_attempt_said
from pont.testing.personas import PROV_A, PROV_A_MGR, PROV_B_MGR
from pont.testing.referrals import referral_in, webhook_endpoint


@pytest.fixture
def answering():
    """A plain-HTTP receiver on this machine that answers every POST with the given status."""
    servers: list[ThreadingHTTPServer] = []

    def start(status: int) -> int:
        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's method name
                self.rfile.read(int(self.headers["Content-Length"]))
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                return

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return server.server_address[1]

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def _log(as_persona, endpoint: WebhookEndpoint) -> str:
    response = as_persona(PROV_A_MGR).get(f"/referrals/webhooks/{endpoint.pk}/deliveries")
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def test_an_http_error_status_is_said_once(world, as_persona, answering):
    endpoint = webhook_endpoint(world, f"http://127.0.0.1:{answering(503)}/pont-events")
    referral_in(world, "requested")
    assert outbox.deliver_due()["failed"] == 1
    log = _log(as_persona, endpoint)
    assert "Not delivered: the endpoint answered with HTTP 503." in log
    assert len(re.findall(r"\b503\b", log)) == 1
    assert "Technical detail" not in log


def test_a_tls_failure_is_said_in_plain_words_with_the_raw_error_as_detail(
    world, as_persona, answering
):
    # https:// to a server that speaks plain HTTP: the TLS handshake fails.
    endpoint = webhook_endpoint(world, f"https://127.0.0.1:{answering(200)}/pont-events")
    referral_in(world, "requested")
    assert outbox.deliver_due()["failed"] == 1
    raw = DeliveryAttempt.objects.get().error
    assert raw.startswith("ConnectError")
    log = _log(as_persona, endpoint)
    assert "Not delivered: the secure connection (TLS) failed." in log
    said = log.index("the secure connection (TLS) failed")
    detail = log.index("Technical detail:")
    assert said < detail < log.index(raw)
    assert f'<code lang="en">{raw}</code>' in log


def test_the_log_is_the_providers_managers_alone(world, as_persona):
    endpoint = webhook_endpoint(world, "https://partner.example.org/pont-events")
    url = f"/referrals/webhooks/{endpoint.pk}/deliveries"
    assert as_persona(PROV_A_MGR).get(url).status_code == 200
    assert as_persona(PROV_B_MGR).get(url).status_code == 404
    assert as_persona(PROV_A).get(url).status_code == 403


def _attempt(status_code: int | None = None, error: str = "") -> DeliveryAttempt:
    return DeliveryAttempt(
        attempted_at=timezone.now() - timedelta(minutes=1),
        status_code=status_code,
        error=error,
        duration_ms=10,
    )


@pytest.mark.parametrize(
    ("status_code", "error", "said", "detail"),
    [
        (200, "", "Delivered: the endpoint answered with HTTP 200.", ""),
        (410, "HTTP 410", "Not delivered: the endpoint answered with HTTP 410.", ""),
        (
            None,
            "ConnectTimeout: timed out",
            "Not delivered: the endpoint did not answer in time.",
            "ConnectTimeout: timed out",
        ),
        (
            None,
            "ReadTimeout: The read operation timed out",
            "Not delivered: the endpoint did not answer in time.",
            "ReadTimeout: The read operation timed out",
        ),
        (
            None,
            "ConnectError: [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed",
            "Not delivered: the secure connection (TLS) failed.",
            "ConnectError: [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed",
        ),
        (
            None,
            "ConnectError: [Errno 111] Connection refused",
            "Not delivered: Pont could not connect to the endpoint.",
            "ConnectError: [Errno 111] Connection refused",
        ),
        (
            None,
            "RemoteProtocolError: Server disconnected without sending a response.",
            "Not delivered: the connection failed while the event was being sent.",
            "RemoteProtocolError: Server disconnected without sending a response.",
        ),
        (None, outbox.NOT_PUBLIC, outbox.NOT_PUBLIC, ""),
        (None, outbox.ENDPOINT_DISABLED, outbox.ENDPOINT_DISABLED, ""),
    ],
)
def test_each_kind_of_failure_has_its_own_sentence(status_code, error, said, detail):
    got_said, got_detail = delivery_attempt_said(_attempt(status_code, error))
    assert got_said.startswith(said)
    assert got_detail == detail


def test_a_message_given_up_still_lists_every_attempt(world, as_persona):
    endpoint = webhook_endpoint(world, "https://partner.example.org/pont-events")
    referral_in(world, "requested")
    message = OutboxMessage.objects.get(endpoint=endpoint)
    for minutes, error in ((3, "ConnectError: [Errno 111] Connection refused"), (1, "HTTP 502")):
        DeliveryAttempt.objects.create(
            message=message,
            attempted_at=timezone.now() - timedelta(minutes=minutes),
            status_code=502 if error == "HTTP 502" else None,
            error=error,
            duration_ms=5,
        )
    log = _log(as_persona, endpoint)
    assert "Not delivered: Pont could not connect to the endpoint." in log
    assert "Not delivered: the endpoint answered with HTTP 502." in log
    assert "HTTP 502 HTTP 502" not in log
