"""The API's single error shape, {"message": ..., "extra": {...}}, for every failure."""

import logging
import re
from datetime import UTC, datetime
from typing import Annotated, Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from pydantic import AfterValidator, BeforeValidator

from .exceptions import ApplicationError
from .middleware import database_unavailable

logger = logging.getLogger("pont.api")


def _location(loc: Any) -> str:
    """The field an error is about, as the caller wrote it: `note`, `limit` (not
    `body.payload.note`, `query.limit`), the name a service's refusal gives it too."""
    return ".".join(str(part) for part in loc if part not in ("body", "payload", "query")) or "body"


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


# An ISO 8601 date and time as text: the date, then T (or a space, as RFC 3339 allows) and at
# least hours and minutes; seconds, fractions and the offset (Z, +01:00) are checked by pydantic.
_ISO_DATE_TIME = re.compile(r"\A[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}")


def _iso_8601_text(value: Any) -> Any:
    """Only text written as an ISO 8601 date and time: pydantic alone also takes a bare Unix
    number (1700000000, or "1700000000") and a date without a time, which a partner system
    sends by mistake and Pont would read as some moment nobody meant."""
    if isinstance(value, datetime):  # made in Python (a test, a service), not sent
        return value
    if not isinstance(value, str) or not _ISO_DATE_TIME.match(value):
        raise ValueError(str(_("Enter a date and time in ISO 8601, such as 2026-11-27T10:15:00Z.")))
    return value


# A date-time of an API query: ISO 8601 text only (see _iso_8601_text).
IsoDateTime = Annotated[datetime, BeforeValidator(_iso_8601_text)]

# A date-time field of an API body: ISO 8601 text only, kept in UTC, so every offset ISO 8601
# allows is stored (PostgreSQL refuses offsets beyond 15:59) and a naive one does not fail a
# comparison.
UtcDateTime = Annotated[datetime, BeforeValidator(_iso_8601_text), AfterValidator(_stored_in_utc)]


# What ninja says of a body it cannot parse as JSON (ninja.params.models).
NINJA_UNPARSABLE = "Cannot parse request body"


def not_found_body() -> dict[str, Any]:
    """The API's answer to a record or a path that is not there (or not the caller's)."""
    return {"message": _("Not found."), "extra": {}}


def api_status(error: ApplicationError) -> int:
    """The status the API answers a refusal with. A refusal naming fields (the input is not
    valid) is 422, as for a body or query that fails its schema, whichever layer refused it:
    the same field error gets the same status on every path."""
    if error.status == 400 and "fields" in error.extra:
        return 422
    return error.status


def too_large_body() -> dict[str, Any]:
    """The API's answer to a body over DATA_UPLOAD_MAX_MEMORY_SIZE (413)."""
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return {
        "message": _("The request body is too large: send at most %(limit)s bytes.")
        % {"limit": limit},
        "extra": {"max_bytes": limit},
    }


def _validation_message(error: dict[str, Any]) -> str:
    """pydantic's message for one error, in Pont's words where pydantic's do not say what
    to do."""
    if error.get("type") == "extra_forbidden":
        return _("Pont does not know this field: check its spelling, or leave it out.")
    if error.get("type") == "value_error" and error.get("ctx", {}).get("error"):
        return str(error["ctx"]["error"])  # Pont's own words, without pydantic's "Value error, "
    return str(error.get("msg", ""))


def install_error_handlers(api: NinjaAPI) -> None:
    """Make every error the API returns take the one documented shape."""

    @api.exception_handler(ApplicationError)
    def application_error(request: HttpRequest, exc: ApplicationError) -> HttpResponse:
        return api.create_response(request, exc.as_payload(), status=api_status(exc))

    @api.exception_handler(ValidationError)
    def validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        fields: dict[str, list[str]] = {}
        for error in exc.errors:
            fields.setdefault(_location(error.get("loc", ())), []).append(
                _validation_message(error)
            )
        payload = {"message": _("The request is not valid."), "extra": {"fields": fields}}
        return api.create_response(request, payload, status=422)

    @api.exception_handler(RequestDataTooBig)
    def too_large(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
        return api.create_response(request, too_large_body(), status=413)

    @api.exception_handler(AuthenticationError)
    def authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        response = api.create_response(
            request,
            {"message": _("A valid API key is required."), "extra": {}},
            status=401,
        )
        response["WWW-Authenticate"] = 'Bearer realm="pont"'
        return response

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        message = str(exc.message)
        if exc.status_code == 400 and message == NINJA_UNPARSABLE:
            # A body that is not JSON at all: no field to name, so 400, in Pont's words.
            message = _("The request body is not valid JSON.")
        return api.create_response(
            request, {"message": message, "extra": {}}, status=exc.status_code
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
