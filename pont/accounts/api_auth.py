"""Bearer-key authentication for partner API clients."""

import hmac
from datetime import timedelta
from functools import cache
from typing import Any

from django.db import connection
from django.http import HttpRequest
from django.utils import timezone
from ninja.security import HttpBearer

from pont.core import rows as sql

from .models import ApiClient, Organisation

# Record use at most once a minute, so a busy client does not write on every call.
_LAST_USED_RESOLUTION = timedelta(minutes=1)


# Every API call runs this: written out (docs/adr/0004), it skips the ORM's query building.
# Only the client's own fields are read (no organisation row), and the key's organisation
# must be active. Names come from the models, quoted for the database.
_CLIENT = sql.Instances(ApiClient, "c")


KEY_PREFIX_MAX = 16  # ApiClient.key_prefix max_length


@cache
def _active_client_by_prefix(vendor: str) -> str:
    q = sql.quoted
    return (
        "SELECT {columns}"  # noqa: S608 - names from the models; every value is bound
        f" FROM {sql.table(ApiClient)} c"
        f" JOIN {sql.table(Organisation)} o"
        f" ON o.{q(Organisation, 'id')} = c.{q(ApiClient, 'organisation')}"
        f" WHERE c.{q(ApiClient, 'key_prefix')} = %s AND c.{q(ApiClient, 'is_active')} = %s"
        f" AND o.{q(Organisation, 'is_active')} = %s"
    )


def api_client_for_key(key: str) -> ApiClient | None:
    """Return the active client whose key this is, or None; constant-time on the secret part."""
    parts = key.split("_")
    if len(parts) < 3:
        return None
    prefix = parts[1]
    if not (prefix.isascii() and prefix.isalnum() and len(prefix) <= KEY_PREFIX_MAX):
        # Not a prefix Pont makes (hex): not worth a query, and a NUL in it would fail one.
        return None
    client = _CLIENT.get(_active_client_by_prefix(connection.vendor), [prefix, True, True])
    if client is None:
        # Spend the same work as a real check, so timing does not reveal valid prefixes.
        hmac.compare_digest(ApiClient.digest(key), "0" * 64)
        return None
    if not hmac.compare_digest(ApiClient.digest(key), client.key_digest):
        return None
    return client


class ApiKeyAuth(HttpBearer):
    """Authorization: Bearer pont_<prefix>_<secret>. Sets request.api_client."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        client = api_client_for_key(token)
        if client is None:
            return None
        now = timezone.now()
        if client.last_used_at is None or now - client.last_used_at > _LAST_USED_RESOLUTION:
            ApiClient.objects.filter(pk=client.pk).update(last_used_at=now)
        request.api_client = client  # type: ignore[attr-defined]  # read by API views
        return client
