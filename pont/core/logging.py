import logging
import re

from .request_context import get_request_id

# Characters that end a line or drive a terminal: C0 controls, DEL, C1 controls (NEL among
# them) and Unicode's line and paragraph separators.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def one_line(text: str) -> str:
    """The text with every control character shown as its escape (`\\x0d`, `\\u2028`)."""
    return _CONTROL.sub(
        lambda m: f"\\x{ord(m[0]):02x}" if ord(m[0]) < 0x100 else f"\\u{ord(m[0]):04x}", text
    )


class RequestIdFilter(logging.Filter):
    """Add the request id to every log record so a log line leads to its audit rows."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = get_request_id() or "-"
        return True


class OneLineFormatter(logging.Formatter):
    """Each record is one line, whatever its message holds (T23, log injection).

    A message can carry what someone sent: a path asked for, a value from a query. A
    carriage return and line feed in it (`%0d%0a` in an address) would otherwise start a
    line that reads as another record, and an ANSI escape would act on the terminal of
    whoever reads the log. Control characters are written as their escapes; a traceback,
    added after the message by the formatter, keeps its lines.
    """

    def formatMessage(self, record: logging.LogRecord) -> str:  # noqa: N802 (logging's name)
        return one_line(super().formatMessage(record))
