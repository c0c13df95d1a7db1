"""Conditional requests (ETag / If-Match) and idempotent retries (Idempotency-Key) for the API.

- RFC 9110 13.1.1: a PATCH must say which version it changes (If-Match); a
  stale version gets 412, a missing header 428 (RFC 6585).
- draft-ietf-httpapi-idempotency-key-header: a POST carries an
  Idempotency-Key; the first request is processed and its response stored;
  a retry with the same key gets the stored response and changes nothing; the
  same key with a different body gets 422; a missing key, or one that is not at
  most 255 printable characters, gets 400. Keys are kept for 24 hours.
"""

import hashlib
from collections.abc import Callable
from datetime import timedelta
from functools import cache, partial
from typing import Any

from django.db import connection, transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pont.accounts.models import ApiClient
from pont.core import rows
from pont.core.api import api_status
from pont.core.api_json import json_response
from pont.core.exceptions import ApplicationError
from pont.core.numbers import whole_number

from .models import IdempotencyRecord

JSON = "application/json"

KEY_LIFETIME = timedelta(hours=24)
IF_MATCH_MISSING = _("This request needs an If-Match header with the referral's ETag.")
IF_MATCH_STALE = _("The referral has changed since you read it. Read it again, then retry.")
KEY_MISSING = _("This request needs an Idempotency-Key header (a unique value per operation).")
KEY_NOT_VALID = _(
    "The Idempotency-Key header must be at most 255 printable characters: use a UUID, say."
)
KEY_REUSED = _("This Idempotency-Key was already used for a different request.")
KEY_IN_FLIGHT = _("A request with this Idempotency-Key is still being processed.")


def etag(version: int) -> str:
    return f'"{version}"'


def expected_version(request: HttpRequest) -> int:
    """Return the version named by If-Match, or raise 428 when there is none."""
    header = request.headers.get("If-Match", "").strip()
    if not header:
        raise ApplicationError(str(IF_MATCH_MISSING), {"header": "If-Match"}, status=428)
    value = header.removeprefix("W/").strip().strip('"')
    # Only ASCII digits ("²" is a digit to str.isdigit, not to int), and no more than a
    # version can have (a 5,000-digit number is past what int() reads; whole_number): any
    # other value names no version the referral has, so it is stale.
    version = whole_number(value)
    if version is None:
        raise ApplicationError(str(IF_MATCH_STALE), {"header": "If-Match"}, status=412)
    return version


def _fingerprint(request: HttpRequest) -> str:
    digest = hashlib.sha256()
    digest.update(request.method.encode() if request.method else b"")
    digest.update(b"\0" + request.path.encode() + b"\0")
    digest.update(request.body)
    return digest.hexdigest()


def idempotent(
    request: HttpRequest, client: ApiClient, handler: Callable[[], tuple[int, dict[str, Any]]]
) -> HttpResponse:
    """Run handler once per (client, Idempotency-Key); replay its response on retries.

    The record and the handler's writes commit together, so a retry either
    finds the finished response or (if the first attempt failed) runs again.
    Concurrent duplicates wait on the key's unique index and then replay.
    """
    key = request.headers.get("Idempotency-Key", "").strip()
    if not key:
        raise ApplicationError(str(KEY_MISSING), {"header": "Idempotency-Key"}, status=400)
    # Kept in a text column of 255: a control character (NUL, which PostgreSQL cannot store,
    # among them) or a longer key is refused, not failed on.
    if len(key) > 255 or not key.isprintable():
        raise ApplicationError(str(KEY_NOT_VALID), {"header": "Idempotency-Key"}, status=400)
    fingerprint = _fingerprint(request)
    with transaction.atomic():
        found = _claim(client, key, fingerprint)
        if found is not None:
            stored_fingerprint, stored_status, stored_body = found
            if stored_fingerprint != fingerprint:
                raise ApplicationError(str(KEY_REUSED), {"header": "Idempotency-Key"}, status=422)
            if stored_status is None:
                raise ApplicationError(
                    str(KEY_IN_FLIGHT), {"header": "Idempotency-Key"}, status=409
                )
            replay = HttpResponse(stored_body, status=stored_status, content_type=JSON)
            replay["Idempotent-Replayed"] = "true"
            return replay
        try:
            with transaction.atomic():
                status, body = handler()
        except ApplicationError as error:
            # A refused request is a result too: a retry gets the same refusal.
            status, body = api_status(error), error.as_payload()
        response = json_response(body, status=status)
        _store(client, key, status, response.content.decode())
    return response


# The three statements every API POST runs inside the writers' lock, written out
# (docs/adr/0004-hand-written-sql-on-hot-paths.md).
_column = partial(rows.quoted, IdempotencyRecord)
_RESPONSE_BODY = rows.column(IdempotencyRecord, "response_body")
_STORED = rows.Select(
    [
        (name, "k", rows.column(IdempotencyRecord, name))
        for name in ("request_fingerprint", "response_status", "response_body")
    ]
)


@cache
def _statements(vendor: str) -> tuple[str, str, str]:
    """The claim's INSERT, the stored response's SELECT and the response's UPDATE, made once
    (for each database vendor) from the model's names."""
    table = rows.table(IdempotencyRecord)
    client_column, key_column = _column("client"), _column("key")
    claim = (
        f"INSERT INTO {table} ({client_column}, {key_column}, {_column('request_fingerprint')},"  # noqa: S608
        f" {_column('created_at')}) VALUES (%s, %s, %s, %s)"
        f" ON CONFLICT ({client_column}, {key_column}) DO NOTHING"
    )
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    stored = (
        f"SELECT {{columns}} FROM {table} k"  # noqa: S608 - names from the model, values bound
        f" WHERE k.{client_column} = %s AND k.{key_column} = %s{lock}"
    )
    store = (
        f"UPDATE {table} SET {_column('response_status')} = %s,"  # noqa: S608
        f" {_column('response_body')} = %s"
        f" WHERE {client_column} = %s AND {key_column} = %s"
    )
    return claim, stored, store


def _claim(client: ApiClient, key: str, fingerprint: str) -> tuple[str, Any, Any] | None:
    """Record the key as this request's, or return the (fingerprint, status, body) stored by
    the request that has it, locked.

    INSERT ... ON CONFLICT DO NOTHING (SQLite and PostgreSQL alike): a concurrent
    duplicate waits on the key's unique index until the first commits (then finds its
    response) or rolls back (then takes the key), as the ORM's get_or_create did.
    """
    claim, stored_query, _store_query = _statements(connection.vendor)
    with connection.cursor() as cursor:
        cursor.execute(
            claim,
            [
                client.pk,
                key,
                fingerprint,
                rows.prepared(IdempotencyRecord, "created_at", timezone.now()),
            ],
        )
        if cursor.rowcount == 1:
            return None
    (stored,) = _STORED.rows(stored_query, [client.pk, key])
    return stored["request_fingerprint"], stored["response_status"], stored["response_body"]


def _store(client: ApiClient, key: str, status: int, body: str) -> None:
    """Keep the response the key's first request gave (its body as sent), for its retries."""
    with connection.cursor() as cursor:
        cursor.execute(
            _statements(connection.vendor)[2],
            [status, _RESPONSE_BODY.get_db_prep_save(body, connection), client.pk, key],
        )


def purge_expired_keys() -> int:
    """Forget idempotency keys older than their lifetime; return how many."""
    deleted, _by_model = IdempotencyRecord.objects.filter(
        created_at__lt=timezone.now() - KEY_LIFETIME
    ).delete()
    return deleted
