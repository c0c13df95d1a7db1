"""The one error type that services raise and the one error shape the API returns.

A service that refuses an operation raises ApplicationError with a message a
person can act on and, in `extra`, machine-readable detail (for example the
field that is wrong). Views turn it into a form error or a message; the API
turns it into {"message": ..., "extra": {...}} with `status`.
"""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext_lazy as _

NOT_ALLOWED = _("You do not have permission to do that.")


class ApplicationError(Exception):
    """A refused operation, with a human message and structured detail."""

    status = 400

    def __init__(
        self, message: str, extra: dict[str, Any] | None = None, *, status: int | None = None
    ) -> None:
        super().__init__(message)
        self.message = str(message)
        self.extra = extra or {}
        if status is not None:
            self.status = status

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r}, {self.extra!r}, status={self.status})"

    def as_payload(self) -> dict[str, Any]:
        """Return the body of the single API error shape."""
        return {"message": self.message, "extra": self.extra}


class ConflictError(ApplicationError):
    """Someone else changed the record first (optimistic concurrency)."""

    status = 409


class NotFoundError(ApplicationError):
    """The record does not exist or the caller may not see it: the two look the same."""

    status = 404


def require_capability(user: Any, capability: str) -> None:
    """Refuse (403) unless the user holds the capability (a Django permission)."""
    if not user.has_perm(capability):
        raise ApplicationError(str(NOT_ALLOWED), status=403)


def refuse_fields(errors: dict[str, list[str]], message: Any) -> None:
    """Refuse with every field's errors at once, when there are any (nothing is written)."""
    if errors:
        raise ApplicationError(str(message), {"fields": errors})


def raise_refusal(error: ApplicationError) -> None:
    """For a page: raise what it answers for a refusal that is not about a field (404 for
    not found, 403 for not allowed); return for the others (the form shows them)."""
    if error.status == 404:
        raise Http404
    if error.status == 403:
        raise PermissionDenied
