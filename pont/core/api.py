"""The API's single error shape, {"message": ..., "extra": {...}}, for every failure."""

import logging
from datetime import UTC, datetime
from typing import Annotated, Any

from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from pydantic import AfterValidator

from .exceptions import ApplicationError
from .middleware import database_unavailable

logger = logging.getLogger("pont.api")


def _location(loc: Any) -> str:
    return ".".join(str(part) for part in loc if part not in ("body", "payload")) or "body"


def in_utc(moment: datetime, *, naive_is_utc: bool = False) -> datetime:
    """A moment from a request, in UTC, for a query. ISO 8601 allows time zone offsets up to
    23:59, PostgreSQL only up to 15:59: compared in UTC, any valid offset works. A naive
    moment is read as UTC or as Pont's local time, as the endpoint documents. Within a day
    of the first or last moment Python holds, it is that moment (a filter's edge)."""
    if timezone.is_naive(moment):
        moment = moment.replace(tzinfo=UTC) if naive_is_utc else timezone.make_aware(moment)
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        first, last = datetime.min.replace(tzinfo=UTC), datetime.max.replace(tzinfo=UTC)
        return first if moment.year == first.year else last


def _stored_in_utc(moment: datetime) -> datetime:
    """A moment sent to be kept: in UTC (any ISO 8601 offset; a naive one is Pont's local
    time), refused when no database could keep it."""
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        raise ValueError(str(_("Enter a date and time between the years 1 and 9999."))) from None


# A date-time field of an API body: kept in UTC, so every offset ISO 8601 allows is stored
# (PostgreSQL refuses offsets beyond 15:59) and a naive one does not fail a comparison.
UtcDateTime = Annotated[datetime, AfterValidator(_stored_in_utc)]


def not_found_body() -> dict[str, Any]:
    """The API's answer to a record or a path that is not there (or not the caller's)."""
    return {"message": "Not found.", "extra": {}}


def install_error_handlers(api: NinjaAPI) -> None:
    """Make every error the API returns take the one documented shape."""

    @api.exception_handler(ApplicationError)
    def application_error(request: HttpRequest, exc: ApplicationError) -> HttpResponse:
        return api.create_response(request, exc.as_payload(), status=exc.status)

    @api.exception_handler(ValidationError)
    def validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        fields: dict[str, list[str]] = {}
        for error in exc.errors:
            fields.setdefault(_location(error.get("loc", ())), []).append(str(error.get("msg", "")))
        payload = {"message": "The request is not valid.", "extra": {"fields": fields}}
        return api.create_response(request, payload, status=422)

    @api.exception_handler(AuthenticationError)
    def authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        response = api.create_response(
            request,
            {"message": "A valid API key is required.", "extra": {}},
            status=401,
        )
        response["WWW-Authenticate"] = 'Bearer realm="pont"'
        return response

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        return api.create_response(
            request, {"message": str(exc.message), "extra": {}}, status=exc.status_code
        )

    @api.exception_handler(Http404)
    def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return api.create_response(request, not_found_body(), status=404)

    @api.exception_handler(OperationalError)
    @api.exception_handler(InterfaceError)
    def database_gone(request: HttpRequest, exc: Exception) -> HttpResponse:
        response = database_unavailable(request, exc)
        assert response is not None  # noqa: S101 - registered for these errors only
        return response

    @api.exception_handler(Exception)
    def unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
        logger.exception("unhandled API error")
        return api.create_response(
            request,
            {"message": "Something went wrong. It has been logged.", "extra": {}},
            status=500,
        )
