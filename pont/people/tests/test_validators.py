"""PNC IDs: long and short forms, the check letter, and the century of a short year."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from pont.people.validators import (
    PNC_CHECK_FAILED,
    PNC_INVALID,
    normalise_pnc_id,
    pnc_check_letter,
    validate_pnc_id,
)

# The alphabet of check letters: 23 letters, no I, O or S; Z stands for a remainder of 0.
REFERENCE_ALPHABET = "ZABCDEFGHJKLMNPQRTUVWXY"


def reference_check_letter(year: int, serial: int) -> str:
    """Compute the check letter from the number YY * 10^7 + serial, worked out separately."""
    number = (year % 100) * 10_000_000 + serial
    return REFERENCE_ALPHABET[number % 23]


def pnc(year: int, serial: int, *, short: bool = False) -> str:
    """Write a PNC ID with its correct check letter, in long or short form."""
    letter = reference_check_letter(year, serial)
    if short:
        return f"{year % 100:02d}/{serial}{letter}"
    return f"{year:04d}/{serial:07d}{letter}"


def wrong_letter(year: int, serial: int) -> str:
    right = reference_check_letter(year, serial)
    return next(letter for letter in REFERENCE_ALPHABET if letter != right)


@pytest.fixture
def in_2026(monkeypatch):
    """Fix the clock at 28 November 2026 for the century of two-digit years."""
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: date(2026, 11, 28))


# The check letter


def test_the_reference_alphabet_has_23_letters_without_i_o_or_s():
    assert len(REFERENCE_ALPHABET) == 23
    assert len(set(REFERENCE_ALPHABET)) == 23
    assert not set("IOS") & set(REFERENCE_ALPHABET)


@pytest.mark.parametrize(
    ("year", "serial", "letter"),
    [
        # Worked by hand: (YY * 10^7 + serial) mod 23, indexed into the alphabet.
        (2000, 1, "A"),  # 1
        (2000, 9, "J"),  # 9: I is skipped
        (2000, 14, "P"),  # 14: O is skipped
        (2000, 17, "T"),  # 17: S is skipped
        (2000, 22, "Y"),  # 22
        (2000, 23, "Z"),  # 0
        (2000, 24, "A"),  # 1
        (2001, 0, "P"),  # 10_000_000 = 23 * 434_782 + 14
        (1901, 0, "P"),  # only the last two digits of the year count
        (2019, 123456, "E"),  # 190_123_456 = 23 * 8_266_237 + 5
    ],
)
def test_the_check_letter_is_yy_and_serial_modulo_23_in_the_pnc_alphabet(year, serial, letter):
    assert reference_check_letter(year, serial) == letter
    assert pnc_check_letter(year, serial) == letter


@pytest.mark.parametrize("year", [1975, 1999, 2000, 2009, 2019, 2026])
@pytest.mark.parametrize("serial", [0, 1, 22, 23, 123456, 999_999, 4_567_890, 9_999_999])
def test_the_check_letter_agrees_with_the_reference_calculation(year, serial):
    assert pnc_check_letter(year, serial) == reference_check_letter(year, serial)


# Normalisation


@pytest.mark.parametrize(
    ("year", "serial"), [(2019, 123456), (2000, 1), (1999, 9_999_999), (2026, 4_567_890)]
)
def test_a_long_form_pnc_id_with_the_right_letter_is_kept_in_long_form(year, serial):
    value = pnc(year, serial)
    assert normalise_pnc_id(value) == value


def test_a_short_form_pnc_id_is_expanded_to_the_long_form(in_2026):
    assert normalise_pnc_id(pnc(2019, 123456, short=True)) == "2019/0123456E"
    assert normalise_pnc_id("19/123456E") == "2019/0123456E"


def test_a_short_serial_in_a_long_form_id_is_padded_to_seven_digits():
    assert normalise_pnc_id("2019/123456E") == "2019/0123456E"


def test_a_pnc_id_in_lower_case_with_spaces_is_normalised():
    assert normalise_pnc_id(" 2019 / 0123456 e ") == "2019/0123456E"


def test_a_two_digit_year_later_than_this_year_belongs_to_the_last_century(in_2026):
    assert normalise_pnc_id(pnc(1927, 42, short=True)) == pnc(1927, 42)
    assert normalise_pnc_id(pnc(1999, 42, short=True)) == pnc(1999, 42)


def test_a_two_digit_year_up_to_this_year_belongs_to_this_century(in_2026):
    assert normalise_pnc_id(pnc(2026, 42, short=True)) == pnc(2026, 42)
    assert normalise_pnc_id(pnc(2000, 42, short=True)) == pnc(2000, 42)


def test_the_century_of_a_two_digit_year_follows_the_real_clock():
    this_year = timezone.localdate().year
    assert normalise_pnc_id(pnc(this_year, 7, short=True)) == pnc(this_year, 7)
    if this_year % 100 != 99:
        next_year_last_century = this_year - 100 + 1
        assert normalise_pnc_id(pnc(next_year_last_century, 7, short=True)) == pnc(
            next_year_last_century, 7
        )


# Refusals


@pytest.mark.parametrize(("year", "serial"), [(2019, 123456), (2000, 23), (1988, 7)])
def test_a_pnc_id_with_the_wrong_check_letter_is_refused(year, serial):
    value = f"{year}/{serial:07d}{wrong_letter(year, serial)}"
    with pytest.raises(ValidationError) as caught:
        normalise_pnc_id(value)
    assert caught.value.code == "pnc_check_failed"
    assert caught.value.messages == [str(PNC_CHECK_FAILED)]


def test_a_short_form_pnc_id_with_the_wrong_check_letter_is_refused(in_2026):
    with pytest.raises(ValidationError) as caught:
        normalise_pnc_id(f"19/123456{wrong_letter(2019, 123456)}")
    assert caught.value.code == "pnc_check_failed"


@pytest.mark.parametrize(
    "value",
    [
        "",
        None,
        "2019/0123456",  # no check letter
        "2019/E",  # no serial
        "/0123456E",  # no year
        "019/0123456E",  # three-digit year
        "20190/0123456E",  # five-digit year
        "2019/01234567E",  # eight-digit serial
        "2019-0123456E",  # hyphen for slash
        "20190123456E",  # no slash
        "2019/0123456EE",  # two letters
        "2019/01234E6",  # letter in the serial
        "2019/0123456!",  # not a letter
        "AB/0123456E",  # letters for the year
    ],
)
def test_a_pnc_id_of_the_wrong_shape_is_refused_as_invalid(value):
    with pytest.raises(ValidationError) as caught:
        normalise_pnc_id(value)
    assert caught.value.code == "pnc_invalid"
    assert caught.value.messages == [str(PNC_INVALID)]


def test_the_pnc_validator_accepts_a_good_id_and_refuses_a_bad_letter():
    assert validate_pnc_id(pnc(2019, 123456)) is None
    with pytest.raises(ValidationError):
        validate_pnc_id(f"2019/0123456{wrong_letter(2019, 123456)}")
