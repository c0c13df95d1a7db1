"""Failed authorisations are logged (ASVS 16.3.2; the reliability test plan's T5).

Every answer that refuses someone signed in, or a partner's API key (403, 404, and the
API's 401 for a key that is not valid), writes one line to the `pont.security` log: the
request id (which leads to the request's audit rows), the status, the method, the path
without its query (a query can hold a name searched for), the URL's name, and who asked.

A 404 does not tell the asker whether the record exists: another organisation's record
answers exactly like a missing one. The log line does, where the view named the object it
could not give (`not_found`): someone asking for a record outside their organisation is
told apart from a mistyped or stale link. A 403 names what the asker lacked, where the
refusing code said (`lacking`): a capability, or an API key's scope.

Nothing here is an audit event: the audit log records processing of personal data (DPA
2018 s.62), and a refusal processes none. Anonymous 404s (anyone probing public
addresses) are not logged: sign-in failures have their own lines (accounts.views).
"""

import logging
from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.http import Http404, HttpRequest, HttpResponse

from .web_middleware import is_partner_api_request

security_log = logging.getLogger("pont.security")

REFUSALS = frozenset({401, 403, 404})
_NOTE = "_pont_refusal"


def not_found(request: HttpRequest, model: type[models.Model], pk: Any) -> Http404:
    """The 404 for an object the asker may not see or that does not exist, noted for the
    refusal's log line with which of the two it is (`raise not_found(request, Model, pk)`)."""
    note_not_found(request, model, pk)
    return Http404()


def note_not_found(request: HttpRequest, model: type[models.Model], pk: Any) -> None:
    """Note, for the refusal's log line, whether the object a 404 is about exists. One query
    either way, so a refusal takes the time a missing record takes."""
    label = model._meta.label_lower
    try:
        key = model._meta.pk.to_python(pk)
        exists = model._default_manager.filter(pk=key).exists()
    except (ValueError, TypeError, OverflowError, ValidationError):
        # Not an id of this model at all: what was sent (a query's value can be anything,
        # a name among them) is not repeated in the log.
        setattr(request, _NOTE, f"{label}: what was asked for is not an id")
        return
    said = "exists, outside what the asker may see" if exists else "does not exist"
    setattr(request, _NOTE, f"{label} {key} {said}")


def lacking(request: HttpRequest, what: str) -> None:
    """Note what a 403 was for (the capabilities a view needs, an API key's scope)."""
    setattr(request, _NOTE, f"lacks {what}")


def _asker(request: HttpRequest, status: int) -> str | None:
    client = getattr(request, "api_client", None)
    if client is not None:
        return f"API client {client.pk} of organisation {client.organisation_id}"
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user {user.get_username()} ({user.pk})"
    if status == 401 and is_partner_api_request(request):
        return f"an API call with no valid key from {request.META.get('REMOTE_ADDR', '')}"
    return None


def log_refusal(request: HttpRequest, status: int) -> None:
    """Write the refusal's line if someone known was refused."""
    asker = _asker(request, status)
    if asker is None:
        return
    match = request.resolver_match
    note = getattr(request, _NOTE, "")
    security_log.warning(
        "refused %s %s %s (%s) to %s%s",
        status,
        request.method,
        request.path,
        match.view_name if match else "no such address",
        asker,
        f": {note}" if note else "",
    )


class RefusalLogMiddleware:
    """Log each refusal once, after the view (and any middleware inside this one) answered.

    Placed inside RequestIdMiddleware, so that the line carries the request's id."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code in REFUSALS:
            log_refusal(request, response.status_code)
        return response
