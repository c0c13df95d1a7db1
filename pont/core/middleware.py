"""Request-wide middleware: a request id for every request, and headers on every response."""

import logging
import uuid
from collections.abc import Callable

from django.db import InterfaceError, OperationalError, connections
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .request_context import request_id_var
from .web_middleware import API_PREFIX, is_partner_api_request

Handler = Callable[[HttpRequest], HttpResponse]

REQUEST_ID_HEADER = "X-Request-ID"

# Features a case-working service never needs; denying them limits what an
# injected script could reach (ASVS 3.4).
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
    "microphone=(), payment=(), usb=(), interest-cohort=()"
)
# A partner API answer is data, never a page: nothing in it may load or frame anything.
# (Pages get theirs from django-csp, which partner API calls go past: web_middleware.)
API_CONTENT_SECURITY_POLICY = "default-src 'none'; frame-ancestors 'none'"


def with_page_headers(response: HttpResponse) -> HttpResponse:
    """The headers SecurityHeadersMiddleware (and X-Frame-Options) give every answer, for one
    made before they run (a request refused before the middleware that gives them)."""
    response.setdefault("Cache-Control", "no-store, max-age=0")
    response.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
    response.setdefault("Cross-Origin-Resource-Policy", "same-origin")
    response.setdefault("X-Frame-Options", "DENY")
    return response


def with_api_headers(response: HttpResponse) -> HttpResponse:
    """The same for a partner API answer, with the API's Content-Security-Policy (Django's
    refusal of a request, answered by its handler)."""
    response.setdefault("Content-Security-Policy", API_CONTENT_SECURITY_POLICY)
    return with_page_headers(response)


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
    """Headers Django does not set itself: no caching of pages, a permissions policy, and
    the partner API's Content-Security-Policy.

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
        if is_partner_api_request(request):
            response.setdefault("Content-Security-Policy", API_CONTENT_SECURITY_POLICY)
        return response


class MethodNotAllowedMiddleware:
    """A method that an address does not take (405): in the API's error shape with the Allow
    header on an API address, rather than the plain text (ninja) or empty body (Django) they
    give; a page that says what to do on any other (a form's address opened as a link, or
    reloaded after signing in again: Django's answer is an empty page).

    Placed inside SecurityHeadersMiddleware and the CSP's, so the answer gets their headers.
    """

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code != 405 or response.get("Content-Type", "").startswith(
            "application/json"
        ):
            return response
        allowed = sorted({m.strip() for m in response.get("Allow", "").split(",") if m.strip()})
        if not request.path.startswith(API_PREFIX):
            if response.content:  # a page of its own already
                return response
            page = render(request, "errors/405.html", status=405)
            page["Allow"] = ", ".join(allowed)
            return page
        refused = JsonResponse(
            {
                "message": _("This address does not take %(method)s. Use %(allowed)s.")
                % {"method": request.method, "allowed": ", ".join(allowed)},
                "extra": {"allowed": allowed},
            },
            status=405,
        )
        refused["Allow"] = ", ".join(allowed)
        return refused


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
    if request.path.startswith(API_PREFIX):
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


NUL_REFUSED = gettext_lazy("The request contains a NUL character, which Pont cannot store.")
_NUL_ENCODED = (b"%00", b"\\u0000")


class RefuseNulMiddleware:
    """Refuse a request carrying a NUL character, before any view sees it (a page: 400;
    the API: 422, its answer to any input that is not valid).

    PostgreSQL cannot store NUL in text, so such a value would fail deep in a query
    (a 500) instead of being answered as bad input. Query strings are checked as
    decoded; form and JSON bodies as sent (%00, \\u0000 or the byte itself); the text
    fields of a multipart form as parsed (its files are read as bytes by their views).
    """

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        field = self._field_with_nul(request)
        if field is None:
            return self.get_response(request)
        # Answered before the headers' middleware runs, so given its headers here.
        if request.path.startswith(API_PREFIX):
            return with_api_headers(
                JsonResponse(
                    {
                        "message": str(NUL_REFUSED),
                        "extra": {"fields": {field: [str(NUL_REFUSED)]}},
                    },
                    status=422,  # as the API answers any input that is not valid
                )
            )
        from .views import bad_request

        return with_page_headers(bad_request(request))

    @staticmethod
    def _field_with_nul(request: HttpRequest) -> str | None:
        if "\x00" in request.path:
            return "path"
        for name, values in request.GET.lists():
            if "\x00" in name or any("\x00" in value for value in values):
                return name.replace("\x00", "")
        if request.method not in ("POST", "PUT", "PATCH"):
            return None
        if (request.content_type or "").startswith("multipart/"):
            # The text fields, as parsed (the files are read as bytes by their views).
            for name, values in request.POST.lists():
                if "\x00" in name or any("\x00" in value for value in values):
                    return name.replace("\x00", "")
            return None
        body = request.body.lower()
        if b"\x00" in body or any(encoded in body for encoded in _NUL_ENCODED):
            return "body"
        return None
