"""How much a request may send, checked before its body is read (ASVS 5.2.1).

Django limits the text fields of a form (DATA_UPLOAD_MAX_MEMORY_SIZE) but not the files of a
multipart body: without these checks, a POST of any size to any address, signed in or not,
was written whole to a temporary file by the first middleware that read the form (the NUL
check), before the CSRF check or the sign-in refused it.

- `RequestSizeLimitMiddleware` refuses a body whose Content-Length is over
  DATA_UPLOAD_MAX_MEMORY_SIZE (413, unread), unless the view at the address takes files
  (`takes_files`) and the body is within what it allows in all.
- `FileSizeLimitUploadHandler` (first of FILE_UPLOAD_HANDLERS) stops writing a file once it
  is over the view's limit for one file: the file is dropped, the rest of the form is read,
  and the view is told which files were dropped (`files_too_large`), to name them.

A body sent without a Content-Length is read as empty by Django under WSGI, so it cannot
be used to get round the first check (the partner API reads such a body itself, up to the
same limit: `pont.core.api`).
"""

from collections.abc import Callable
from typing import Any, TypeVar

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, resolve

# Room for a form's fields and each part's headers, beside its files.
FORM_OVERHEAD_BYTES = 1024 * 1024

View = TypeVar("View", bound=Callable[..., Any])


def takes_files(*, max_files: int, max_file_bytes: Callable[[], int]) -> Callable[[View], View]:
    """Mark a view that takes up to `max_files` files of up to `max_file_bytes()` each (read
    when a request comes, so that settings can change it). Outermost, over the view's other
    decorators: the middleware finds the mark on the function the address resolves to."""

    def mark(view: View) -> View:
        view.takes_files = (max_files, max_file_bytes)  # type: ignore[attr-defined]
        return view

    return mark


def _content_length(request: HttpRequest) -> int:
    try:
        return max(0, int(request.META.get("CONTENT_LENGTH") or 0))
    except ValueError:
        return 0  # as Django reads it: no body


def _file_limits(request: HttpRequest) -> tuple[int, int] | None:
    """(most bytes in all, most bytes a file) for the view at the request's address, if it
    takes files."""
    try:
        match = resolve(request.path_info, getattr(request, "urlconf", None))
    except Resolver404:
        return None
    limits = getattr(match.func, "takes_files", None)
    if limits is None:
        return None
    max_files, max_file_bytes = limits
    per_file = max_file_bytes()
    return max_files * per_file + FORM_OVERHEAD_BYTES, per_file


class RequestSizeLimitMiddleware:
    """Refuse a body over the limit before anything reads it (see the module's docstring)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        length = _content_length(request)
        if limit is None or length <= limit:
            return self.get_response(request)
        limits = _file_limits(request)
        if limits is not None and length <= limits[0]:
            request.max_file_bytes = limits[1]  # type: ignore[attr-defined]
            return self.get_response(request)
        from .views import too_large

        return too_large(request, limit if limits is None else limits[0])


class FileSizeLimitUploadHandler(FileUploadHandler):
    """Drop a file once it is over the limit its view set (`takes_files`), before the rest of
    it is written anywhere; the names of the files dropped are kept on the request."""

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received += len(raw_data)
        limit = getattr(self.request, "max_file_bytes", None)
        if limit is not None and self.received > limit:
            dropped = self.request.__dict__.setdefault("files_too_large", [])
            dropped.append(self.file_name)
            raise SkipFile
        return raw_data  # on to the next handler, which keeps it

    def file_complete(self, file_size: int) -> None:
        return None  # the next handler makes the file


def files_too_large(request: HttpRequest) -> list[str]:
    """The names of the files `FileSizeLimitUploadHandler` dropped from this request."""
    return list(request.__dict__.get("files_too_large", []))
