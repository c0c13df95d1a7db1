"""A secret shown once (an API key, a webhook's signing secret, a temporary password).

The POST that makes it keeps it in the session and redirects (POST-redirect-GET); the page
it leads to takes it out as it shows it, so a reload, or another member of staff opening
the same address, finds it gone and is told so. Pont keeps no other copy in clear.
"""

from typing import Any

from django.http import HttpRequest


def _session_key(kind: str, pk: Any) -> str:
    return f"pont.shown_once.{kind}.{pk}"


def keep_to_show_once(request: HttpRequest, kind: str, pk: Any, secret: str) -> None:
    """Keep `secret` (of the `kind` of record `pk`) for the page that shows it."""
    request.session[_session_key(kind, pk)] = secret


def take_to_show(request: HttpRequest, kind: str, pk: Any) -> str | None:
    """The secret kept for this record, taken out as it is shown; None once it has been."""
    value = request.session.pop(_session_key(kind, pk), None)
    return value if isinstance(value, str) else None
