"""`pont demo-webhook-receiver`: a local endpoint that prints the webhooks Pont sends (demo only).

It registers itself as the webhook endpoint of a demo provider, then shows
each event as it arrives and whether its signature checks out, as a
provider's system would.
"""

import hashlib
import hmac
import json
import secrets
import time
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from pont.accounts.models import Organisation, User
from pont.accounts.otp import demo_tools_enabled
from pont.referrals.models import WebhookEndpoint


def _verified(secret: str, header: str, body: bytes) -> bool:
    try:
        parts = dict(item.split("=", 1) for item in header.split(","))
    except ValueError:
        return False
    expected = hmac.new(
        secret.encode(), f"{parts.get('t', '')}.".encode() + body, hashlib.sha256
    ).hexdigest()
    fresh = abs(time.time() - int(parts.get("t", "0"))) < 300
    return fresh and hmac.compare_digest(expected, parts.get("v1", ""))


class Command(BaseCommand):
    help = "Receive and print a demo provider's webhooks on this machine."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, default=8001)
        parser.add_argument("--organisation", default="ddas")

    def handle(self, *args: Any, **options: Any) -> None:
        if not demo_tools_enabled():
            raise CommandError("demo-webhook-receiver is disabled in this deployment.")
        organisation = Organisation.objects.filter(slug=options["organisation"]).first()
        manager = User.objects.filter(username="providermgr").first()
        if organisation is None or manager is None:
            raise CommandError("Load the demo data first: pont demo")
        url = f"http://127.0.0.1:{options['port']}/events"
        endpoint = WebhookEndpoint.objects.filter(
            organisation=organisation, url=url, is_active=True
        ).first()
        if endpoint is None:
            endpoint = WebhookEndpoint.objects.create(
                organisation=organisation,
                url=url,
                secret=f"whsec_{secrets.token_urlsafe(32)}",
                created_by=manager,
            )
        secret = endpoint.secret
        out = self.stdout

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                ok = _verified(secret, self.headers.get("Pont-Signature", ""), body)
                event = json.loads(body or b"{}")
                out.write(
                    f"{event.get('type')} {event.get('data', {}).get('referral_id')} "
                    f"status={event.get('data', {}).get('status')} "
                    f"id={self.headers.get('Pont-Event-Id')} signature={'OK' if ok else 'BAD'}"
                )
                self.send_response(200 if ok else 400)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                return

        out.write(f"Receiving {organisation.name}'s webhooks at {url} (Ctrl-C to stop).")
        out.write("Accept or update a referral to this provider in Pont to see an event.")
        server = HTTPServer(("127.0.0.1", options["port"]), Handler)
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()
