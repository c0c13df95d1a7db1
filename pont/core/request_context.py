"""Per-request values that lower layers (audit, logging) read without a request object."""

from contextvars import ContextVar

request_id_var: ContextVar[str] = ContextVar("pont_request_id", default="")


def get_request_id() -> str:
    """Return the current request's id, or "" outside a request."""
    return request_id_var.get()
