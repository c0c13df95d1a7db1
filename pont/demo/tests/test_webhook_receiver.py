"""`pont demo-webhook-receiver`: checks each delivery's signature with the secret it is given,
by the provider guide's own verify(), against what Pont's outbox signs."""

import importlib
import inspect
import io
import json
import re
import threading
import time
from http.server import ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError, OutputWrapper

from pont.referrals import outbox
from pont.referrals.models import DeliveryAttempt, OutboxMessage, WebhookEndpoint
from pont.testing.personas import PROV_A_MGR
from pont.testing.referrals import referral_in, webhook_endpoint

receiver = importlib.import_module("pont.demo.management.commands.demo-webhook-receiver")

GUIDE = Path(__file__).resolve().parents[3] / "docs" / "provider-guide.md"
SECRET = "whsec_the_endpoints_own"
BODY = b'{"id":"5b0e","type":"referral.updated","data":{"referral_id":"9c1f","status":"accepted"}}'


def test_the_receiver_checks_with_the_guides_verify_word_for_word():
    guide = GUIDE.read_text(encoding="utf-8")
    (block,) = re.findall(r"```python\n(.*?)```", guide, flags=re.DOTALL)
    assert inspect.getsource(receiver.verify) in block


def test_a_delivery_signed_by_the_outbox_with_the_endpoints_secret_is_valid():
    header = outbox.sign(SECRET, int(time.time()), BODY)
    assert receiver.verify(SECRET, header, BODY)
    assert receiver.signature_check(SECRET, header, BODY) == receiver.VALID


def test_a_tampered_body_is_invalid():
    header = outbox.sign(SECRET, int(time.time()), BODY)
    tampered = BODY.replace(b"accepted", b"cancelled")
    assert not receiver.verify(SECRET, header, tampered)
    assert "does not match" in receiver.signature_check(SECRET, header, tampered)


def test_another_secret_is_invalid():
    header = outbox.sign("whsec_another_endpoints", int(time.time()), BODY)
    assert not receiver.verify(SECRET, header, BODY)
    assert "the secret is not this endpoint's" in receiver.signature_check(SECRET, header, BODY)


@pytest.mark.parametrize("age", [301, 3600, -3600])
def test_a_timestamp_more_than_five_minutes_away_is_invalid(age):
    header = outbox.sign(SECRET, int(time.time()) - age, BODY)
    assert not receiver.verify(SECRET, header, BODY)
    assert "more than 5 minutes" in receiver.signature_check(SECRET, header, BODY)


@pytest.mark.parametrize(
    "header",
    ["", "v1=abc", "t=now,v1=abc", "t=1764238500", "garbage", "t=²,v1=abc", "t=١٧٦٤,v1=abc"],
)
def test_a_missing_or_malformed_header_is_invalid_not_an_error(header):
    assert not receiver.verify(SECRET, header, BODY)
    assert "no Pont-Signature header" in receiver.signature_check(SECRET, header, BODY)


@pytest.fixture
def running_receiver():
    """The receiver's handler listening on a free port, writing what it prints to `printed`."""
    printed = io.StringIO()
    server = ThreadingHTTPServer(
        ("127.0.0.1", 0), receiver.delivery_handler(SECRET, OutputWrapper(printed))
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/events", printed
    server.shutdown()
    server.server_close()


def test_a_delivery_from_the_outbox_is_printed_valid_and_answered_200(world, running_receiver):
    url, printed = running_receiver
    webhook_endpoint(world, url, secret=SECRET)
    referral = referral_in(world, "requested")
    assert outbox.deliver_due()["delivered"] == 1
    event_id = OutboxMessage.objects.get().event_id
    assert printed.getvalue() == (
        f"referral.requested {referral.pk} status=requested event={event_id} signature valid\n"
    )
    assert DeliveryAttempt.objects.get().status_code == 200


def test_a_delivery_signed_with_another_secret_is_printed_invalid_and_refused(
    world, running_receiver
):
    url, printed = running_receiver
    webhook_endpoint(world, url, secret="whsec_not_the_one_given_to_the_receiver")
    referral_in(world, "requested")
    assert outbox.deliver_due()["failed"] == 1  # refused: Pont retries it
    line = printed.getvalue()
    assert line.startswith("referral.requested ")
    assert "signature invalid: the signature does not match" in line
    assert DeliveryAttempt.objects.get().status_code == 400


def test_a_tampered_request_is_printed_invalid(running_receiver):
    url, printed = running_receiver
    header = outbox.sign(SECRET, int(time.time()), BODY)
    tampered = BODY.replace(b"accepted", b"cancelled")
    answered = httpx.post(url, content=tampered, headers={"Pont-Signature": header})
    assert answered.status_code == 400
    assert printed.getvalue().endswith(
        "signature invalid: the signature does not match "
        "(the secret is not this endpoint's, or the body was "
        "changed on the way)\n"
    )
    event = json.loads(tampered)
    assert printed.getvalue().startswith(f"{event['type']} 9c1f status=cancelled ")


def test_the_receiver_is_refused_where_demo_tools_are_off(settings):
    settings.PONT_DEMO_TOOLS = False
    with pytest.raises(CommandError, match="disabled in this deployment"):
        call_command("demo-webhook-receiver", "--secret", SECRET, stdout=io.StringIO())


class _NotListening:
    """Stands for the HTTP server: keeps the handler it was given and stops at once (Ctrl-C)."""

    made: list = []

    def __init__(self, address, handler):
        self.address, self.handler = address, handler
        _NotListening.made.append(self)

    def serve_forever(self):
        raise KeyboardInterrupt

    def server_close(self):
        pass


@pytest.fixture
def not_listening(monkeypatch):
    _NotListening.made = []
    monkeypatch.setattr(receiver, "HTTPServer", _NotListening)
    return _NotListening.made


def _run(*args):
    out = io.StringIO()
    call_command("demo-webhook-receiver", *args, stdout=out)
    return out.getvalue()


def _checks_with(made, secret):
    """Whether the handler the command made answers 200 to a delivery signed with `secret`
    (served for real here, on a free port, for one request)."""
    (server,) = made[-1:]
    serving = ThreadingHTTPServer(("127.0.0.1", 0), server.handler)
    thread = threading.Thread(target=serving.handle_request, daemon=True)
    thread.start()
    header = outbox.sign(secret, int(time.time()), BODY)
    url = f"http://127.0.0.1:{serving.server_address[1]}/events"
    answered = httpx.post(url, content=BODY, headers={"Pont-Signature": header})
    thread.join(5)
    serving.server_close()
    return answered.status_code == 200


def test_a_secret_given_is_the_one_checked_with_on_the_port_given(db, not_listening):
    printed = _run("--secret", SECRET, "--port", "8123")
    assert _checks_with(not_listening, SECRET)
    assert not _checks_with(not_listening, "whsec_another_endpoints")
    assert not_listening[0].address == ("127.0.0.1", 8123)
    assert "http://127.0.0.1:8123/" in printed
    assert not WebhookEndpoint.objects.exists()  # nothing registered on the user's behalf


def test_the_secret_is_read_from_the_environment_when_not_given(db, not_listening, monkeypatch):
    monkeypatch.setenv(receiver.SECRET_ENV, f"  {SECRET}\n")  # pasted with spaces around it
    _run()
    assert _checks_with(not_listening, SECRET)
    assert not WebhookEndpoint.objects.exists()


@pytest.mark.parametrize("given", ["the_endpoints_own", "Bearer whsec_x", "pont_live_abc"])
def test_a_value_that_is_not_a_signing_secret_is_refused_in_words(db, not_listening, given):
    with pytest.raises(CommandError, match="not an endpoint's signing secret"):
        _run("--secret", given)
    assert not_listening == []


@pytest.mark.parametrize("port", ["0", "70000", "-1"])
def test_a_port_out_of_range_is_refused_naming_it(db, not_listening, port):
    with pytest.raises(CommandError, match=f"--port must be .* not {port}"):
        _run("--secret", SECRET, "--port", port)


def test_a_port_already_in_use_is_said_not_a_traceback(db):
    import socket

    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    port = taken.getsockname()[1]
    try:
        with pytest.raises(CommandError, match=f"Cannot listen on port {port}"):
            _run("--secret", SECRET, "--port", str(port))
    finally:
        taken.close()


def test_without_a_secret_it_registers_once_as_the_demo_providers_endpoint(world, not_listening):
    from pont.accounts.models import Organisation

    world.provider_a.slug = "ddas"
    world.provider_a.save(update_fields=["slug"])
    manager = world.users[PROV_A_MGR]
    manager.username = "providermgr"
    manager.save(update_fields=["username"])
    first = _run("--port", "8124")
    (endpoint,) = WebhookEndpoint.objects.all()
    assert endpoint.organisation == Organisation.objects.get(slug="ddas")
    assert endpoint.url == "http://127.0.0.1:8124/events"
    assert endpoint.secret.startswith(receiver.SECRET_PREFIX)
    assert endpoint.secret in first  # shown, so a user can check by hand (demo only)
    assert _checks_with(not_listening, endpoint.secret)
    _run("--port", "8124")  # again: the same endpoint, not a second
    assert WebhookEndpoint.objects.get() == endpoint
    assert _checks_with(not_listening, endpoint.secret)
    assert not _checks_with(not_listening, SECRET)


def test_without_a_secret_or_the_demo_data_it_says_to_load_it(db, not_listening):
    with pytest.raises(CommandError, match="Load the demo data first"):
        _run()
