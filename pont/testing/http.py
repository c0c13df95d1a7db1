"""HTTP helpers for tests: forms with CSRF checks on, and partner API keys."""

from typing import Any

from django.conf import settings
from django.test import Client
from django.utils.crypto import get_random_string


def with_csrf(client: Client) -> str:
    """Give the client a CSRF cookie and return the token to send back with forms."""
    token = get_random_string(32)
    client.cookies[settings.CSRF_COOKIE_NAME] = token
    return token


def post_form(client: Client, path: str, data: dict[str, Any] | None = None, **kwargs: Any) -> Any:
    """POST a form the way a browser does: the CSRF token in the body, matching the cookie."""
    if settings.CSRF_COOKIE_NAME in client.cookies:
        token = client.cookies[settings.CSRF_COOKIE_NAME].value
    else:
        token = with_csrf(client)
    return client.post(path, {**(data or {}), "csrfmiddlewaretoken": token}, **kwargs)


def moment_fields(prefix: str, when: Any) -> dict[str, str]:
    """A date-and-time as Pont's forms take it: day, month and year boxes and a time box."""
    from django.utils import timezone

    local = timezone.localtime(when)
    return {
        f"{prefix}_0": str(local.day),
        f"{prefix}_1": str(local.month),
        f"{prefix}_2": str(local.year),
        f"{prefix}_time": f"{local:%H:%M}",
    }


def api_key_headers(
    world: Any, *, scopes: list[str], name: str = "Case system A"
) -> dict[str, str]:
    """The Authorization header of a new API key of provider A (made by the sysadmin)."""
    from pont.accounts import services as accounts
    from pont.testing.personas import SYSADMIN

    _client, key = accounts.api_client_create(
        actor=world.users[SYSADMIN], organisation=world.provider_a, name=name, scopes=scopes
    )
    return {"Authorization": f"Bearer {key}"}
