"""The referral API's HTTP: HEAD wherever GET, and a body sent in chunks (413 over the limit).

Some tests call the WSGI application as a server (gunicorn) does, rather than through
Django's test client: the client drops a HEAD's body itself and always sends a
Content-Length, so neither what the application sends for a HEAD nor a chunked body
would be tested through it.
"""

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from io import BytesIO
from typing import Any

import pytest
from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler
from django.test import Client
from django.utils import timezone

from pont.audit.models import AuditEvent
from pont.core.middleware import NUL_REFUSED
from pont.referrals.models import ContactAttempt, Referral
from pont.testing.fuzz import connection_kept
from pont.testing.referrals import referral_in

from .test_api import _key, _url

MISSING = "/api/v1/referrals/00000000-0000-0000-0000-000000000000"
# Headers that differ between any two answers, whatever was asked.
PER_ANSWER = {"X-Request-ID"}


def _headers(response: Any) -> dict[str, str]:
    return {name: value for name, value in response.items() if name not in PER_ANSWER}


class ChunkedInput:
    """What a WSGI server hands the application for a body sent with `Transfer-Encoding:
    chunked`: the chunks' bytes, with no length known beforehand, given at most `chunk`
    bytes a read (as a socket gives them). Counts the bytes read."""

    def __init__(self, data: bytes, chunk: int = 8192) -> None:
        self._data = BytesIO(data)
        self._chunk = chunk
        self.bytes_read = 0

    def read(self, size: int = -1) -> bytes:
        size = self._chunk if size is None or size < 0 else min(size, self._chunk)
        part = self._data.read(size)
        self.bytes_read += len(part)
        return part

    def readline(self, size: int = -1) -> bytes:
        line = self._data.readline(self._chunk if size is None or size < 0 else size)
        self.bytes_read += len(line)
        return line


@contextmanager
def _wsgi_app() -> Iterator[WSGIHandler]:
    with connection_kept():
        yield WSGIHandler()


def _call(
    method: str,
    path: str,
    headers: dict[str, str],
    wsgi_input: Any = None,
    *,
    content_length: int | None = None,
) -> tuple[int, dict[str, str], bytes]:
    """Call the application as a WSGI server does: (status, headers, body as sent)."""
    environ: dict[str, Any] = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SCRIPT_NAME": "",
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": wsgi_input if wsgi_input is not None else BytesIO(b""),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }
    for name, value in headers.items():
        key = name.upper().replace("-", "_")
        environ[key if key == "CONTENT_TYPE" else f"HTTP_{key}"] = value
    if content_length is not None:
        environ["CONTENT_LENGTH"] = str(content_length)
    started: dict[str, Any] = {}

    def start_response(status: str, response_headers: list[tuple[str, str]]) -> None:
        started["status"] = int(status.split()[0])
        started["headers"] = dict(response_headers)

    with _wsgi_app() as app:
        answer = app(environ, start_response)
        try:
            body = b"".join(answer)
        finally:
            answer.close()
    return started["status"], started["headers"], body


# HEAD


def test_head_answers_as_get_with_its_headers_and_no_body_and_records_no_disclosure(world):
    referral = referral_in(world, "requested")
    headers = _key(world)
    for url in (_url(referral), "/api/v1/referrals/", "/api/v1/referrals/?status=requested"):
        before = AuditEvent.objects.count()
        head = Client().head(url, headers=headers)
        assert AuditEvent.objects.count() == before, url  # a HEAD discloses nothing
        get = Client().get(url, headers=headers)
        assert AuditEvent.objects.count() == before + 1, url  # the GET records its disclosure
        assert head.status_code == get.status_code == 200
        assert head.content == b""
        assert head["Content-Type"] == "application/json"
        assert head["Content-Length"] == str(len(get.content))
        assert _headers(head) == _headers(get)
    head = Client().head(_url(referral), headers=headers)
    assert head["ETag"] == f'"{referral.version}"'


def test_the_application_itself_sends_no_body_for_a_head(world):
    """Servers drop a HEAD's body anyway (gunicorn, runserver, the test client): Pont does
    not even hand one over, and says how long GET's is."""
    referral = referral_in(world, "requested")
    headers = _key(world)
    status, head_headers, body = _call("HEAD", _url(referral), headers)
    get_status, get_headers, get_body = _call("GET", _url(referral), headers)
    assert (status, get_status) == (200, 200)
    assert body == b""
    assert get_body
    assert head_headers["Content-Length"] == get_headers["Content-Length"] == str(len(get_body))
    assert head_headers["ETag"] == get_headers["ETag"] == f'"{referral.version}"'
    assert head_headers["Content-Type"] == get_headers["Content-Type"] == "application/json"


def test_head_for_another_organisations_referral_is_404_exactly_like_a_missing_one(world):
    referral = referral_in(world, "requested")
    headers_b = _key(world, "b")
    before = AuditEvent.objects.count()
    hidden = Client().head(_url(referral), headers=headers_b)
    missing = Client().head(MISSING, headers=headers_b)
    assert hidden.status_code == missing.status_code == 404
    assert _headers(hidden) == _headers(missing)
    assert "ETag" not in hidden
    assert hidden.content == missing.content == b""
    # The same length as the 404 a GET gets, which names nothing of the referral.
    get = Client().get(_url(referral), headers=headers_b)
    assert get.json() == {"message": "Referral not found.", "extra": {}}
    assert hidden["Content-Length"] == str(len(get.content))
    assert AuditEvent.objects.count() == before


def test_head_without_a_key_is_401_and_without_the_scope_403(world):
    referral = referral_in(world, "requested")
    for url in (_url(referral), "/api/v1/referrals/"):
        unkeyed = Client().head(url)
        assert unkeyed.status_code == 401
        assert unkeyed["WWW-Authenticate"] == 'Bearer realm="pont"'
        assert unkeyed["Content-Length"] == str(len(Client().get(url).content))
        assert unkeyed.content == b""
        wrong = Client().head(url, headers={"Authorization": "Bearer pont_000000000000_nope"})
        assert wrong.status_code == 401
        scopeless = _key(world, scopes=["referrals:write"])
        refused = Client().head(url, headers=scopeless)
        assert refused.status_code == 403
        assert refused["Content-Length"] == str(len(Client().get(url, headers=scopeless).content))
        assert refused.content == b""


@pytest.mark.parametrize(
    ("method", "tail", "allowed"),
    [
        ("put", "", "GET, HEAD, PATCH"),
        ("post", "LIST", "GET, HEAD"),
        ("head", "/contact-attempts", "POST"),
        ("head", "/outcomes", "POST"),
    ],
)
def test_a_405_lists_head_in_allow_wherever_get_is_allowed(world, method, tail, allowed):
    referral = referral_in(world, "requested")
    url = "/api/v1/referrals/" if tail == "LIST" else _url(referral, tail)
    answer = getattr(Client(), method)(url, headers=_key(world))
    assert answer.status_code == 405
    assert answer["Allow"] == allowed


def test_the_schema_describes_get_and_not_head_as_an_operation_of_its_own(world):
    from config.api import api

    document = api.get_openapi_schema()
    referral = document["paths"]["/api/v1/referrals/{referral_id}"]
    assert set(referral) == {"get", "patch"}
    assert all("head" not in operations for operations in document["paths"].values())
    assert "HEAD" in document["info"]["description"]


# A body sent in chunks (Transfer-Encoding: chunked, no Content-Length)


def _contact_attempt(note: str = "Left a message") -> bytes:
    body = {
        "method": "phone",
        "attempted_at": timezone.now().isoformat(),
        "result": "no_answer",
        "note": note,
    }
    return json.dumps(body).encode()


def _chunked_headers(world: Any, which: str = "a") -> dict[str, str]:
    return {
        **_key(world, which),
        "Content-Type": "application/json",
        "Transfer-Encoding": "chunked",
        "Idempotency-Key": "chunked-1",
    }


def test_a_chunked_body_over_the_limit_is_413_like_one_with_its_length_reading_no_more(world):
    referral = referral_in(world, "requested")
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    assert limit == 2_621_440
    too_large = _contact_attempt(note="x" * limit)
    expected = {
        "message": f"The request body is too large: send at most {limit} bytes.",
        "extra": {"max_bytes": limit},
    }
    unkeyed = {"Content-Type": "application/json", "Transfer-Encoding": "chunked"}
    # Refused before anything is looked up, whoever asks, as with a Content-Length.
    for headers in (_chunked_headers(world), _chunked_headers(world, "b"), unkeyed):
        sent = ChunkedInput(too_large)
        status, answer_headers, body = _call(
            "POST", _url(referral, "/contact-attempts"), headers, sent
        )
        assert status == 413
        assert json.loads(body) == expected
        assert answer_headers["Content-Type"] == "application/json"
        assert answer_headers["Cache-Control"] == "no-store, max-age=0"
        assert sent.bytes_read <= limit + 1
    # The same body with its Content-Length gets the same answer.
    status, _headers_sent, body = _call(
        "POST",
        _url(referral, "/contact-attempts"),
        _chunked_headers(world),
        BytesIO(too_large),
        content_length=len(too_large),
    )
    assert (status, json.loads(body)) == (413, expected)
    # A change of status, too.
    patch = json.dumps({"status": "rejected", "reason": "x" * limit}).encode()
    sent = ChunkedInput(patch)
    status, _headers_sent, body = _call(
        "PATCH", _url(referral), {**_chunked_headers(world), "If-Match": '"1"'}, sent
    )
    assert (status, json.loads(body)) == (413, expected)
    assert sent.bytes_read <= limit + 1
    assert not ContactAttempt.objects.filter(referral=referral).exists()
    assert Referral.objects.get(pk=referral.pk).version == referral.version


def test_a_chunked_body_within_the_limit_is_read_as_the_body(world):
    referral = referral_in(world, "accepted")
    status, _headers_sent, body = _call(
        "POST",
        _url(referral, "/contact-attempts"),
        _chunked_headers(world),
        ChunkedInput(_contact_attempt(), chunk=7),
    )
    assert status == 201, body
    assert json.loads(body)["note"] == "Left a message"
    assert ContactAttempt.objects.get(referral=referral).note == "Left a message"


def test_a_chunked_body_with_a_nul_character_is_refused_as_any_body_is(world):
    referral = referral_in(world, "accepted")
    status, _headers_sent, body = _call(
        "POST",
        _url(referral, "/contact-attempts"),
        _chunked_headers(world),
        ChunkedInput(_contact_attempt(note="a\x00b")),
    )
    assert status == 422
    assert json.loads(body) == {
        "message": str(NUL_REFUSED),
        "extra": {"fields": {"body": [str(NUL_REFUSED)]}},
    }
    assert not ContactAttempt.objects.filter(referral=referral).exists()


# Odd input: refused in the error shape, never a 500


def _cursor(value: Any) -> str:
    import base64

    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


@pytest.mark.parametrize("position", [5, [1], None, {"id": "x"}])
def test_a_cursor_naming_its_position_with_something_other_than_text_is_refused(world, position):
    """Was a 500: the id was given to UUID(), which fails on a number with AttributeError."""
    referral_in(world, "requested")
    answer = Client().get(
        "/api/v1/referrals/",
        {"cursor": _cursor(["2026-11-01T00:00:00+00:00", position])},
        headers=_key(world),
    )
    assert answer.status_code == 422
    message = "The cursor is not valid: use the next_cursor of the page before."
    assert answer.json() == {"message": message, "extra": {"fields": {"cursor": [message]}}}


@pytest.mark.parametrize("if_match", ['"²"', '"' + "9" * 5000 + '"', '"1234567890123456789"'])
def test_an_if_match_that_names_no_possible_version_is_stale(world, if_match):
    """Were 500s: "²" is a digit to str.isdigit but not to int(); 5,000 digits are more
    than int() reads."""
    referral = referral_in(world, "requested")
    answer = Client().patch(
        _url(referral),
        json.dumps({"status": "accepted"}),
        content_type="application/json",
        headers={**_key(world), "If-Match": if_match},
    )
    assert answer.status_code == 412
    assert answer.json()["extra"] == {"header": "If-Match"}
    assert Referral.objects.get(pk=referral.pk).version == referral.version


@pytest.mark.parametrize("key", ["a\x00b", "tab\there", "x" * 256])
def test_an_idempotency_key_that_cannot_be_kept_is_refused_naming_the_header(world, key):
    """Was a 500 on PostgreSQL, which cannot store NUL in text."""
    referral = referral_in(world, "accepted")
    answer = Client().post(
        _url(referral, "/contact-attempts"),
        _contact_attempt(),
        content_type="application/json",
        headers={**_key(world), "Idempotency-Key": key},
    )
    assert answer.status_code == 400
    assert answer.json() == {
        "message": "The Idempotency-Key header must be at most 255 printable characters: "
        "use a UUID, say.",
        "extra": {"header": "Idempotency-Key"},
    }
    assert not ContactAttempt.objects.filter(referral=referral).exists()


def test_a_post_sent_as_a_form_is_refused_as_not_json(world):
    """Was a 500: the NUL check reads a multipart body as a form, leaving none to read as
    JSON."""
    referral = referral_in(world, "accepted")
    answer = Client().generic(
        "POST",
        _url(referral, "/contact-attempts"),
        _contact_attempt(),
        content_type="multipart/form-data; boundary=x",
        headers={**_key(world), "Idempotency-Key": "form-1"},
    )
    assert answer.status_code == 400
    assert answer.json() == {"message": "The request body is not valid JSON.", "extra": {}}
    assert not ContactAttempt.objects.filter(referral=referral).exists()
