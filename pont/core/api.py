"""The API's single error shape, {"message": ..., "extra": {...}}, for every failure."""

import logging
import re
from collections.abc import Callable
from datetime import UTC, datetime
from functools import wraps
from io import BytesIO
from typing import Annotated, Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpRequest, HttpResponse, UnreadablePostError
from django.http.request import RawPostDataException
from django.http.response import HttpResponseBase
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Router
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.openapi.schema import OpenAPISchema
from pydantic import AfterValidator, BeforeValidator, ValidatorFunctionWrapHandler, WrapValidator
from pydantic import ValidationError as PydanticValidationError

from .exceptions import ApplicationError
from .middleware import RefuseNulMiddleware, database_unavailable

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


def refused_in_words(message: Any) -> WrapValidator:
    """A validator that says one message of Pont's (lazy, so in the reader's language) for
    any value the type refuses, in place of pydantic's words: a query parameter whose
    usual mistake needs its cure named (a + sent raw in a query string is a space)."""

    def validate(value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
        try:
            return handler(value)
        except PydanticValidationError:
            raise ValueError(str(message)) from None

    return WrapValidator(validate)


# A date-time field of an API body: ISO 8601 text only, kept in UTC, so every offset ISO 8601
# allows is stored (PostgreSQL refuses offsets beyond 15:59) and a naive one does not fail a
# comparison.
UtcDateTime = Annotated[datetime, BeforeValidator(_iso_8601_text), AfterValidator(_stored_in_utc)]


# What ninja says of a body it cannot parse as JSON (ninja.params.models).
NINJA_UNPARSABLE = "Cannot parse request body"


def not_found_body() -> dict[str, Any]:
    """The API's answer to a record or a path that is not there (or not the caller's)."""
    return {"message": _("Not found."), "extra": {}}


def not_json_body() -> dict[str, Any]:
    """The API's answer to a body that is not JSON at all (400: no field to name)."""
    return {"message": _("The request body is not valid JSON."), "extra": {}}


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


def body_sent(request: HttpRequest) -> bool:
    """Whether the answer to this request carries its body: not for a HEAD, which gets the
    GET's status and headers only (PontApi)."""
    return request.method != "HEAD"


# Django's words for a body over the limit (HttpRequest.body), for its security log.
CHUNKED_TOO_LARGE = "Request body exceeded settings.DATA_UPLOAD_MAX_MEMORY_SIZE."
# The methods whose body the API reads (as RefuseNulMiddleware checks it).
_METHODS_WITH_BODY = ("POST", "PUT", "PATCH")


def _sent_in_chunks(request: HttpRequest) -> bool:
    """Whether the request's body comes in chunks (`Transfer-Encoding: chunked`), without a
    Content-Length, on a method whose body the API reads."""
    meta = request.META
    return (
        request.method in _METHODS_WITH_BODY
        and not meta.get("CONTENT_LENGTH")
        and "chunked" in meta.get("HTTP_TRANSFER_ENCODING", "").lower()
        and "wsgi.input" in meta
    )


def _chunked_body_read(request: HttpRequest) -> bool:
    """Read a body sent in chunks as the request's body; False when it is over
    DATA_UPLOAD_MAX_MEMORY_SIZE.

    Under WSGI, Django reads only as many bytes as Content-Length says: without one, it
    reads none, and such a body was taken as empty (a 422 naming every field, even for a
    body far over the limit). At most the limit and one byte more are read, so a body over
    the limit is refused (413, as with a Content-Length over it) without being read whole;
    one within it is the request's body, as if its length had been sent.
    """
    meta = request.META
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    stream = meta["wsgi.input"]
    parts: list[bytes] = []
    size = 0
    # A read may give less than it was asked for before the end: read until the end, or
    # until one byte past the limit.
    while limit is None or size <= limit:
        try:
            part = stream.read(65_536 if limit is None else min(65_536, limit + 1 - size))
        except OSError as error:  # the client went away: as HttpRequest.body says it
            raise UnreadablePostError(*error.args) from error
        if not part:
            break
        parts.append(part)
        size += len(part)
    if limit is not None and size > limit:
        return False
    body = b"".join(parts)
    # The body as Django would have kept it had Content-Length been sent; what was parsed
    # from the empty body before (a form, by RefuseNulMiddleware) is parsed again.
    meta["CONTENT_LENGTH"] = str(len(body))
    request._body = body  # HttpRequest.body's own cache
    request._stream = BytesIO(body)  # what read() reads
    for parsed in ("_post", "_files"):
        if hasattr(request, parsed):
            delattr(request, parsed)
    return True


def _without_body(response: HttpResponseBase) -> None:
    """The answer to a HEAD: the GET's status and headers, Content-Length the length of the
    body GET sends (RFC 9110 9.3.2, 8.6), and no body."""
    if isinstance(response, HttpResponse):
        response["Content-Length"] = str(len(response.content))
        response.content = b""
    # A streamed answer (the API has none) keeps its body for the server to drop, as Django
    # and gunicorn do for HEAD.


def _with_http_semantics(run: Callable[..., HttpResponseBase]) -> Callable[..., Any]:
    """Wrap an operation's run (before its key is checked, as Django's own size check
    comes first): a chunked body read or refused, and a HEAD answered without a body."""

    @wraps(run)
    def answer(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        def answered(request: HttpRequest) -> HttpResponseBase:
            response = run(request, *args, **kwargs)
            if not body_sent(request):
                _without_body(response)
            return response

        if not _sent_in_chunks(request):
            return answered(request)
        if not _chunked_body_read(request):
            # Answered where Django's own refusal of a Content-Length over the limit is
            # (pont.core.views.bad_request): the same 413, the same body and headers.
            raise RequestDataTooBig(CHUNKED_TOO_LARGE)
        # RefuseNulMiddleware checked the body Django had read (none): check this one.
        # ninja's operations answer an HttpResponseBase; the middleware passes it on as is.
        return RefuseNulMiddleware(answered)(request)  # type: ignore[arg-type]

    return answer


class PontApi(NinjaAPI):
    """django-ninja's API, with the parts of HTTP that ninja leaves to the application.

    - **HEAD wherever GET** (RFC 9110 9.1, 9.3.2): every GET operation answers HEAD too,
      run as the GET is (the same key, scope, 404 for a record the key may not see, and
      the same status and headers: ETag, Content-Type, Content-Length of the body that GET
      sends), without the body; a 405 lists HEAD in Allow wherever GET is. A HEAD is kept
      out of the OpenAPI document: it is the GET described there, and one operation cannot
      be listed twice under its operationId. An operation that records a disclosure records
      none for a HEAD (`body_sent`): nothing of the record is sent (docs/provider-guide.md).
    - **A chunked body** (Transfer-Encoding: chunked, no Content-Length) is read as the
      request's body, up to the limit; over it, 413 as for a Content-Length over it
      (`_chunked_body_read`).

    Routers are mounted with `add_router` once their operations are declared (as
    config/api.py does), so that their GET operations are found.
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.add_decorator(_with_http_semantics, mode="view")

    def add_router(self, prefix: str, router: Router | str, **kwargs: Any) -> None:
        if isinstance(router, str):
            router = import_string(router)
        assert isinstance(router, Router)  # noqa: S101 - ninja takes a Router or its path
        for path_view in router.path_operations.values():
            for operation in path_view.operations:
                if "GET" in operation.methods and "HEAD" not in operation.methods:
                    operation.methods.append("HEAD")
        super().add_router(prefix, router, **kwargs)

    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> OpenAPISchema:
        document = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        for operations in document["paths"].values():
            operations.pop("head", None)  # the GET beside it, without its body
        return document


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
            return api.create_response(request, not_json_body(), status=400)
        return api.create_response(
            request, {"message": message, "extra": {}}, status=exc.status_code
        )

    @api.exception_handler(RawPostDataException)
    def body_read_as_a_form(request: HttpRequest, exc: RawPostDataException) -> HttpResponse:
        # A POST sent as multipart/form-data: its parts were read as a form (for the NUL
        # check), so there is no body left to read as JSON, which it is not.
        return api.create_response(request, not_json_body(), status=400)

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
