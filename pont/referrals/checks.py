"""System checks of the referral engine's settings."""

from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Error, register


def proxy_problem(value: str) -> str | None:
    """What is wrong with PONT_WEBHOOKS_PROXY, or None (empty means no proxy)."""
    if not value:
        return None
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError as exc:
        return str(exc)
    if parts.scheme != "http":
        return "it must start http:// (the tunnel to the proxy is plain; TLS runs inside it)"
    if not parts.hostname or port is None:
        return "it must name the proxy's host and port, like http://proxy.example:3128"
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        return "it must be the proxy's address only, with no path"
    return None


@register()
def webhook_proxy_is_an_address(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    """referrals.E001: PONT_WEBHOOKS_PROXY, if set, is an http:// address with a port."""
    problem = proxy_problem(settings.PONT_WEBHOOKS_PROXY)
    if problem is None:
        return []
    return [
        Error(
            f"PONT_WEBHOOKS_PROXY is not a proxy's address: {problem}.",
            hint="Set it to http://HOST:PORT (with user:password@ if the proxy asks), or unset it.",
            id="referrals.E001",
        )
    ]
