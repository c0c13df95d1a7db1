"""Police National Computer identifiers."""

import re

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

PNC_INVALID = _("Enter a PNC ID in the format 2019/0123456E or 19/123456E.")
PNC_CHECK_FAILED = _("The check letter of this PNC ID is wrong. Check the PNC ID and try again.")

# The check letter is (YY followed by the 7-digit serial) modulo 23, looked
# up in this alphabet: no I, O or S (easily misread), and Z stands for 0.
_CHECK_LETTERS = "ZABCDEFGHJKLMNPQRTUVWXY"
_PNC_RE = re.compile(r"^(?P<year>\d{2}|\d{4})/(?P<serial>\d{1,7})(?P<check>[A-Z])$")


def pnc_check_letter(year: int, serial: int) -> str:
    """Return the check letter for a PNC ID with this year and serial number."""
    return _CHECK_LETTERS[int(f"{year % 100:02d}{serial:07d}") % 23]


def normalise_pnc_id(value: str) -> str:
    """Return the PNC ID in its long form YYYY/NNNNNNNC, or raise ValidationError.

    Short forms (19/123456E) are expanded: a two-digit year later than this
    year belongs to the last century, since the PNC began in the 1970s.
    """
    text = re.sub(r"\s+", "", value or "").upper()
    match = _PNC_RE.match(text)
    if not match:
        raise ValidationError(PNC_INVALID, code="pnc_invalid")
    year_text = match.group("year")
    year = int(year_text)
    if len(year_text) == 2:
        this_year = timezone.localdate().year
        year += 1900 if year > this_year % 100 else 2000
    serial = int(match.group("serial"))
    if match.group("check") != pnc_check_letter(year, serial):
        raise ValidationError(PNC_CHECK_FAILED, code="pnc_check_failed")
    return f"{year:04d}/{serial:07d}{match.group('check')}"


def validate_pnc_id(value: str) -> None:
    normalise_pnc_id(value)
