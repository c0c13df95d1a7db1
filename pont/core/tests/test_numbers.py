"""whole_number: ASCII digits only, within a 64-bit column."""

import pytest

from pont.core.numbers import MAX_DIGITS, whole_number


@pytest.mark.parametrize(
    ("value", "number"),
    [("0", 0), ("7", 7), ("000123", 123), (42, 42), ("9" * MAX_DIGITS, int("9" * MAX_DIGITS))],
)
def test_ascii_digits_are_read(value, number):
    assert whole_number(value) == number


@pytest.mark.parametrize(
    "value",
    [
        "",
        " 7",
        "7 ",
        "-1",
        "+1",
        "1.0",
        "1e3",
        "²",
        "٣",
        "１",
        "9" * (MAX_DIGITS + 1),
        None,
        1.0,
        -3,
    ],
)
def test_anything_else_is_none(value):
    assert whole_number(value) is None


def test_a_shorter_limit_is_kept():
    assert whole_number("123", max_digits=2) is None
    assert whole_number("12", max_digits=2) == 12
