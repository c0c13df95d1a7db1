import logging

from .request_context import get_request_id


class RequestIdFilter(logging.Filter):
    """Add the request id to every log record so a log line leads to its audit rows."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = get_request_id() or "-"
        return True
