"""Validators for the contact details that referrals depend on.

The report behind Pont says referral forms reached providers with missing
or wrong contact details; these validators are the gate. Each returns the
normalised value so that what is stored is what was checked.
"""

import re

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

PHONE_INVALID = _("Enter a UK phone number, like 01970 612345 or 07812 345678.")
PHONE_NOT_UK = _("Enter a UK phone number. Numbers outside the UK cannot be used here.")
POSTCODE_INVALID = _("Enter a real postcode, like SA31 2PF.")

# The UK postcode format: outward code (area, district) and inward code
# (sector, unit). GIR 0AA is the one historic exception still in use.
# The letters each place of a UK postcode may hold (the Royal Mail's rules, as the UK
# government's data standard gives them): no Q, V or X first; no I, J or Z second; a
# restricted set after the digit in A9A and AA9A districts; never C, I, K, M, O or V in
# the inward code. So "XX99 9XX" and "QQ1 1QQ", well shaped, are refused.
_FIRST, _SECOND = "[A-PR-UWYZ]", "[A-HK-Y]"
_OUTWARD = (
    f"{_FIRST}[0-9]{{1,2}}"  # A9, A99
    f"|{_FIRST}{_SECOND}[0-9]{{1,2}}"  # AA9, AA99
    f"|{_FIRST}[0-9][A-HJKPSTUW]"  # A9A
    f"|{_FIRST}{_SECOND}[0-9][ABEHMNPRV-Y]"  # AA9A
)
_POSTCODE_RE = re.compile(
    rf"^(?:(?P<outward>{_OUTWARD}) ?(?P<inward>[0-9][ABD-HJLNP-UW-Z]{{2}})|(?P<gir>GIR ?0AA))$"
)


def normalise_uk_phone(value: str) -> str:
    """Return the number in E.164 form, or raise ValidationError if it is not a valid UK number."""
    text = (value or "").strip()
    if not text:
        raise ValidationError(PHONE_INVALID, code="phone_invalid")
    try:
        number = phonenumbers.parse(text, "GB")
    except phonenumbers.NumberParseException:
        raise ValidationError(PHONE_INVALID, code="phone_invalid") from None
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(PHONE_INVALID, code="phone_invalid")
    # Crown dependencies share +44 and the UK numbering plan.
    if phonenumbers.region_code_for_number(number) not in {"GB", "GG", "JE", "IM"}:
        raise ValidationError(PHONE_NOT_UK, code="phone_not_uk")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def format_uk_phone(e164: str) -> str:
    """Return a stored E.164 number in the national format people read and dial."""
    try:
        number = phonenumbers.parse(e164, "GB")
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)


def validate_uk_phone(value: str) -> None:
    """Django validator form of normalise_uk_phone."""
    normalise_uk_phone(value)


def normalise_postcode(value: str) -> str:
    """Return the postcode upper-cased with one space before the inward code, or raise."""
    compact = re.sub(r"\s+", "", (value or "")).upper()
    if not 5 <= len(compact) <= 7:
        raise ValidationError(POSTCODE_INVALID, code="postcode_invalid")
    match = _POSTCODE_RE.match(compact)
    if not match:
        raise ValidationError(POSTCODE_INVALID, code="postcode_invalid")
    if match.group("gir"):
        return "GIR 0AA"
    return f"{match.group('outward')} {match.group('inward')}"


def validate_postcode(value: str) -> None:
    """Django validator form of normalise_postcode."""
    normalise_postcode(value)
