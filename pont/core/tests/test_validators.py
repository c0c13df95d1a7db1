"""UK phone numbers and postcodes: what is stored is what was checked."""

import pytest
from django.core.exceptions import ValidationError

from pont.core.validators import (
    PHONE_INVALID,
    PHONE_NOT_UK,
    POSTCODE_INVALID,
    format_uk_phone,
    normalise_postcode,
    normalise_uk_phone,
    validate_postcode,
    validate_uk_phone,
)

# Phone numbers


@pytest.mark.parametrize(
    ("entered", "stored"),
    [
        ("01970 612345", "+441970612345"),
        ("01970612345", "+441970612345"),
        ("(01970) 612345", "+441970612345"),
        ("  01970 612 345  ", "+441970612345"),
        ("+44 1970 612345", "+441970612345"),
        ("+44 (0)1970 612345", "+441970612345"),
        ("0044 1970 612345", "+441970612345"),
        ("020 7946 0123", "+442079460123"),
    ],
)
def test_uk_landline_numbers_are_stored_in_e164(entered, stored):
    assert normalise_uk_phone(entered) == stored


@pytest.mark.parametrize(
    "entered",
    ["07812 345678", "07812345678", "+44 7812 345678", "+447812345678", "07812-345-678"],
)
def test_uk_mobile_numbers_are_stored_in_e164(entered):
    assert normalise_uk_phone(entered) == "+447812345678"


@pytest.mark.parametrize(
    ("entered", "stored"),
    [
        ("+44 1481 712345", "+441481712345"),  # Guernsey
        ("+44 1534 712345", "+441534712345"),  # Jersey
        ("01624 612345", "+441624612345"),  # Isle of Man
    ],
)
def test_crown_dependency_numbers_share_the_uk_plan_and_are_accepted(entered, stored):
    assert normalise_uk_phone(entered) == stored


@pytest.mark.parametrize("entered", ["", "   ", None])
def test_an_empty_phone_number_is_refused(entered):
    with pytest.raises(ValidationError) as caught:
        normalise_uk_phone(entered)
    assert caught.value.code == "phone_invalid"
    assert caught.value.messages == [str(PHONE_INVALID)]


@pytest.mark.parametrize("entered", ["not a number", "phone me", "0781234567a"])
def test_a_phone_number_with_letters_is_refused(entered):
    with pytest.raises(ValidationError) as caught:
        normalise_uk_phone(entered)
    assert caught.value.code == "phone_invalid"


@pytest.mark.parametrize("entered", ["0197", "01970 61", "0781234"])
def test_a_phone_number_that_is_too_short_is_refused(entered):
    with pytest.raises(ValidationError) as caught:
        normalise_uk_phone(entered)
    assert caught.value.code == "phone_invalid"


def test_a_number_outside_the_uk_is_refused_as_not_uk():
    with pytest.raises(ValidationError) as caught:
        normalise_uk_phone("+33 1 23 45 67 89")
    assert caught.value.code == "phone_not_uk"
    assert caught.value.messages == [str(PHONE_NOT_UK)]


def test_a_number_in_a_range_that_is_not_allocated_is_refused():
    # 07700 900xxx is Ofcom's drama range: shaped like a mobile, never issued.
    with pytest.raises(ValidationError) as caught:
        normalise_uk_phone("07700 900123")
    assert caught.value.code == "phone_invalid"


def test_the_phone_validator_accepts_a_valid_number_and_refuses_an_invalid_one():
    assert validate_uk_phone("07812 345678") is None
    with pytest.raises(ValidationError):
        validate_uk_phone("07700 900123")


@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        ("+441970612345", "01970 612345"),
        ("+447812345678", "07812 345678"),
        ("+442079460123", "020 7946 0123"),
    ],
)
def test_a_stored_number_is_shown_in_the_national_format(stored, shown):
    assert format_uk_phone(stored) == shown


def test_a_stored_value_that_is_not_a_number_is_shown_unchanged():
    assert format_uk_phone("ask at the front desk") == "ask at the front desk"


@pytest.mark.parametrize("entered", ["01970 612345", "+44 7812 345678", "(020) 7946 0123"])
def test_formatting_a_normalised_number_and_normalising_it_again_gives_the_same_number(entered):
    stored = normalise_uk_phone(entered)
    assert normalise_uk_phone(format_uk_phone(stored)) == stored


# Postcodes


@pytest.mark.parametrize(
    ("entered", "stored"),
    [
        ("SA31 2PF", "SA31 2PF"),
        ("sa312pf", "SA31 2PF"),
        ("  sa31   2pf ", "SA31 2PF"),
        ("S A 3 1 2 P F", "SA31 2PF"),
        ("W1A 1AA", "W1A 1AA"),
        ("w1a1aa", "W1A 1AA"),
        ("M1 1AE", "M1 1AE"),
        ("B33 8TH", "B33 8TH"),
        ("CR2 6XH", "CR2 6XH"),
        ("DN55 1PT", "DN55 1PT"),
        ("EC1A 1BB", "EC1A 1BB"),
        ("GIR0AA", "GIR 0AA"),
        ("gir 0aa", "GIR 0AA"),
    ],
)
def test_postcodes_are_upper_cased_with_one_space_before_the_inward_code(entered, stored):
    assert normalise_postcode(entered) == stored


@pytest.mark.parametrize(
    "entered",
    [
        "",
        None,
        "SA31",  # outward code only
        "12345",  # digits only
        "SA31 2P",  # inward code one letter short
        "SA31 2PFF",  # one letter too many
        "SA31 PF2",  # inward code the wrong way round
        "1SA 2PF",  # area must start with a letter
        "SAA31 2PF",  # area of three letters
        "SA31-2PF",  # a hyphen is not a space
        # Well shaped, but letters no postcode holds in those places:
        "XX99 9XX",  # X never starts one
        "QQ1 1QQ",  # nor Q
        "VA1 1AA",  # nor V
        "AJ1 1AA",  # J is never second
        "SA31 2CI",  # C and I never in the inward code
        "SA31 2KM",  # nor K or M
        "SA31 2OV",  # nor O or V
        "W1I 1AA",  # I never after the digit of an A9A district
        "EC1C 1BB",  # C never after the digit of an AA9A district
    ],
)
def test_text_that_is_not_a_postcode_is_refused(entered):
    with pytest.raises(ValidationError) as caught:
        normalise_postcode(entered)
    assert caught.value.code == "postcode_invalid"
    assert caught.value.messages == [str(POSTCODE_INVALID)]


def test_the_postcode_validator_accepts_a_postcode_and_refuses_a_fragment():
    assert validate_postcode("sa31 2pf") is None
    with pytest.raises(ValidationError):
        validate_postcode("SA31")
