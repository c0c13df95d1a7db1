"""Request-wide middleware: a request id for every request, and headers on every response."""

import logging
import uuid
from collections.abc import Callable

from django.db import InterfaceError, OperationalError, connections
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _

from .request_context import request_id_var

Handler = Callable[[HttpRequest], HttpResponse]

REQUEST_ID_HEADER = "X-Request-ID"

# Features a case-working service never needs; denying them limits what an
# injected script could reach (ASVS 3.4).
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
    "microphone=(), payment=(), usb=(), interest-cohort=()"
)


class RequestIdMiddleware:
    """Give each request an id, for logs, audit rows and the X-Request-ID response header.

    The id is generated here, never taken from the client, so an audit row's
    request id cannot be forged by a caller.
    """

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = uuid.uuid4().hex
        request.request_id = request_id  # type: ignore[attr-defined]  # read by views and API
        token = request_id_var.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            request_id_var.reset(token)
        response[REQUEST_ID_HEADER] = request_id
        return response


class SecurityHeadersMiddleware:
    """Headers Django does not set itself: no caching of pages, a permissions policy.

    Pages hold personal data, so nothing but static assets (served earlier by
    WhiteNoise with their own long-lived headers) may be cached by a browser
    or proxy (ASVS 14.2.2, 14.3.2).
    """

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if "Cache-Control" not in response:
            response["Cache-Control"] = "no-store, max-age=0"
        response.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        response.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        return response


logger = logging.getLogger("pont.database")
RETRY_AFTER_SECONDS = "30"


class DatabaseUnavailableMiddleware:
    """A lost or refused database connection answers 503 (try again shortly), not 500.

    A service's transaction has already rolled back when its exception reaches
    here, so nothing is half-written. The broken connection is closed, so the
    next request opens a new one and works again as soon as the database does.
    """

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        return database_unavailable(request, exception)


def database_unavailable(request: HttpRequest, exception: Exception) -> HttpResponse | None:
    """The 503 for a database that went away (the API's error shape under /api/), or None."""
    if not isinstance(exception, OperationalError | InterfaceError):
        return None
    logger.error("The database was unavailable: %s", exception, exc_info=exception)
    for connection in connections.all(initialized_only=True):
        if not connection.in_atomic_block:
            connection.close()
    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse(
            {"message": _("The service is briefly unavailable. Try again."), "extra": {}},
            status=503,
        )
    else:
        from django.template import loader

        # Rendered without the request context, as the 500 page: the database is away.
        template = loader.get_template("errors/503.html")
        response = HttpResponse(template.render({"request": None}), status=503)
    response["Retry-After"] = RETRY_AFTER_SECONDS
    return response
