"""Bearer-key authentication for partner API clients."""

import hmac
from datetime import timedelta
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja.security import HttpBearer

from .models import ApiClient

# Record use at most once a minute, so a busy client does not write on every call.
_LAST_USED_RESOLUTION = timedelta(minutes=1)


# Every API call runs this; written out, it skips the ORM's query compilation. Only
# unit fields are read (no organisation row), and the key's organisation must be active.
_ACTIVE_CLIENT_BY_PREFIX = (
    "SELECT c.* FROM accounts_apiclient c"
    " JOIN accounts_organisation o ON o.id = c.organisation_id"
    " WHERE c.key_prefix = %s AND c.is_active = %s AND o.is_active = %s"
)


def api_client_for_key(key: str) -> ApiClient | None:
    """Return the active client whose key this is, or None; constant-time on the secret part."""
    parts = key.split("_")
    if len(parts) < 3:
        return None
    prefix = parts[1]
    client = next(iter(ApiClient.objects.raw(_ACTIVE_CLIENT_BY_PREFIX, [prefix, True, True])), None)
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
