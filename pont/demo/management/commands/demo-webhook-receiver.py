"""`pont demo-webhook-receiver`: a local endpoint that prints the webhooks Pont sends (demo only).

Given the signing secret Pont showed when the endpoint was added (`--secret whsec_...`, or
PONT_WEBHOOK_SECRET), it checks each delivery's signature with the provider guide's own
`verify()` (docs/provider-guide.md, "Trying webhooks on your own machine") and prints
whether it is valid, as a provider's system would. Without a secret it registers itself
as the endpoint of a demo provider and uses that endpoint's secret (the quick way in the
README).
"""

import hashlib
import hmac
import json
import os
import secrets
import time
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser, OutputWrapper

from pont.accounts.models import Organisation, User
from pont.accounts.otp import demo_tools_enabled
from pont.referrals.models import WebhookEndpoint

SECRET_ENV = "PONT_WEBHOOK_SECRET"  # noqa: S105 - the variable's name, not a secret
SECRET_PREFIX = "whsec_"  # noqa: S105 - how every endpoint's secret begins, not a secret
TOLERANCE_SECONDS = 300
VALID = "valid"


# The provider guide's verify(), as printed there ("Check it like this"): a test holds the
# two together, so what this receiver accepts is what the guide's code accepts.
def verify(secret: str, header: str, body: bytes, tolerance: int = 300) -> bool:
    parts = dict(item.split("=", 1) for item in header.split(",") if "=" in item)
    timestamp, signature = parts.get("t", ""), parts.get("v1", "")
    if not (timestamp.isascii() and timestamp.isdigit()) or not signature:
        return False  # a malformed header is a failed check, not an error
    expected = hmac.new(
        secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256
    ).hexdigest()
    return (
        hmac.compare_digest(expected, signature) and abs(time.time() - int(timestamp)) < tolerance
    )


def signature_check(secret: str, header: str, body: bytes) -> str:
    """VALID if verify() accepts the delivery; otherwise why not, in words, for the terminal."""
    if verify(secret, header, body, TOLERANCE_SECONDS):
        return VALID
    parts = dict(item.split("=", 1) for item in header.split(",") if "=" in item)
    timestamp = parts.get("t", "")
    if not (timestamp.isascii() and timestamp.isdigit()) or not parts.get("v1"):
        return "invalid: no Pont-Signature header of the form t=<unix seconds>,v1=<hex>"
    if abs(time.time() - int(timestamp)) >= TOLERANCE_SECONDS:
        return (
            "invalid: its timestamp is more than 5 minutes from this machine's clock "
            "(a request replayed later, or a clock that is wrong)"
        )
    return (
        "invalid: the signature does not match (the secret is not this endpoint's, "
        "or the body was changed on the way)"
    )


def delivery_handler(secret: str, out: OutputWrapper) -> type[BaseHTTPRequestHandler]:
    """A request handler that checks and prints each delivery: 200 when its signature is
    valid, 400 when not (Pont then retries it, as it would for a provider's refusal)."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's name
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            result = signature_check(secret, self.headers.get("Pont-Signature", ""), body)
            try:
                event = json.loads(body or b"{}")
            except ValueError:
                event = {}
            data = event.get("data", {}) if isinstance(event, dict) else {}
            out.write(
                f"{event.get('type') if isinstance(event, dict) else None} "
                f"{data.get('referral_id')} status={data.get('status')} "
                f"event={self.headers.get('Pont-Event-Id')} signature {result}\n"
            )
            out.flush()
            self.send_response(200 if result == VALID else 400)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            return

    return Handler


class Command(BaseCommand):
    help = (
        "Receive a demo provider's webhooks on this machine and check each one's signature "
        f"with the endpoint's secret (--secret, or {SECRET_ENV})."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, default=8001)
        parser.add_argument(
            "--secret",
            default="",
            help=f"the endpoint's signing secret (whsec_...), shown once when you added it; "
            f"or set {SECRET_ENV}. Without either, the receiver registers itself as the "
            "endpoint of --organisation and uses that endpoint's secret.",
        )
        parser.add_argument("--organisation", default="ddas")

    def handle(self, *args: Any, **options: Any) -> None:
        if not demo_tools_enabled():
            raise CommandError("demo-webhook-receiver is disabled in this deployment.")
        port = options["port"]
        if not 1 <= port <= 65535:
            raise CommandError(f"--port must be a port number from 1 to 65535, not {port}.")
        secret = (options["secret"] or os.environ.get(SECRET_ENV, "")).strip()
        if secret and not secret.startswith(SECRET_PREFIX):
            raise CommandError(
                f"That is not an endpoint's signing secret: Pont's begin {SECRET_PREFIX} "
                "(shown once when the endpoint was added, on the Webhooks page)."
            )
        if secret:
            self.stdout.write(
                f"Receiving webhooks at http://127.0.0.1:{port}/ (any path; Ctrl-C to stop)."
            )
            self.stdout.write(
                "Each delivery's signature is checked with the secret you gave. The endpoint "
                f"must be registered in Pont as http://127.0.0.1:{port}/... or "
                f"http://localhost:{port}/... (Webhooks page)."
            )
        else:
            secret = self._registered_secret(options["organisation"], port)
        self.stdout.write("Accept, update or send a referral to this provider in Pont.")
        try:
            server = HTTPServer(("127.0.0.1", port), delivery_handler(secret, self.stdout))
        except OSError as error:
            raise CommandError(
                f"Cannot listen on port {port} ({error.strerror}): choose another with --port."
            ) from None
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()

    def _registered_secret(self, slug: str, port: int) -> str:
        """Register this receiver as the organisation's endpoint (once) and return its secret."""
        organisation = Organisation.objects.filter(slug=slug).first()
        manager = User.objects.filter(username="providermgr").first()
        if organisation is None or manager is None:
            raise CommandError("Load the demo data first: pont demo")
        url = f"http://127.0.0.1:{port}/events"
        endpoint = WebhookEndpoint.objects.filter(
            organisation=organisation, url=url, is_active=True
        ).first()
        if endpoint is None:
            endpoint = WebhookEndpoint.objects.create(
                organisation=organisation,
                url=url,
                secret=f"{SECRET_PREFIX}{secrets.token_urlsafe(32)}",
                created_by=manager,
            )
        self.stdout.write(
            f"Receiving {organisation.name}'s webhooks at {url} (Ctrl-C to stop), "
            "registered as its endpoint."
        )
        self.stdout.write(
            f"Its signing secret (demo only): {endpoint.secret}. To register an endpoint "
            "yourself and check with its secret, see docs/provider-guide.md."
        )
        return endpoint.secret
