"""Whole numbers from a request: an id, a version, a form's choice written as digits.

`str.isdigit()` is true of "²" and "٣", which `int()` refuses or reads; and a number of a
thousand digits is a digit string that no database column stores. Where Pont reads a number
from text itself (not through a form's IntegerField, which has its own bounds), it uses
`whole_number`, which takes ASCII digits only, up to what a 64-bit column holds.
"""

# A 64-bit integer has 19 digits; 18 keeps every value within it.
MAX_DIGITS = 18


def whole_number(value: object, *, max_digits: int = MAX_DIGITS) -> int | None:
    """The number the text writes in the digits 0-9 (no sign, no spaces), or None when it is
    anything else or longer than `max_digits`."""
    text = value if isinstance(value, str) else str(value) if isinstance(value, int) else ""
    if not text or len(text) > max_digits or not (text.isascii() and text.isdigit()):
        return None
    return int(text)
