"""Working days in Wales: weekends and the bank holidays of Wales are not working days."""

from datetime import date, timedelta

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from pont.core.working_days import (
    add_working_days,
    bank_holiday_name,
    is_working_day,
    working_days_between,
)

# Hypothesis keeps no example database here: nothing is written into the checkout.
PROPERTY_SETTINGS = settings(database=None, deadline=None, max_examples=300)
DATES = st.dates(min_value=date(2019, 1, 1), max_value=date(2030, 12, 31))


def _brute_force_between(start: date, end: date) -> int:
    """Count working days after start up to and including end, one day at a time."""
    assert start <= end
    return sum(is_working_day(start + timedelta(days=k)) for k in range(1, (end - start).days + 1))


# Bank holidays of Wales


@pytest.mark.parametrize(
    ("day", "name"),
    [
        (date(2026, 1, 1), "New Year's Day"),
        (date(2026, 4, 3), "Good Friday"),
        (date(2026, 4, 6), "Easter Monday"),
        (date(2026, 5, 4), "May Day"),
        (date(2026, 5, 25), "Spring Bank Holiday"),
        (date(2026, 8, 31), "Late Summer Bank Holiday"),
        (date(2026, 12, 25), "Christmas Day"),
    ],
)
def test_bank_holidays_of_wales_in_2026_are_not_working_days(day, name):
    assert day.weekday() < 5  # a weekday, so only the holiday makes it non-working
    assert not is_working_day(day)
    assert bank_holiday_name(day) == name


def test_boxing_day_on_a_saturday_moves_to_the_following_monday():
    # 2026: Christmas Day is a Friday, Boxing Day a Saturday.
    assert date(2026, 12, 26).weekday() == 5
    assert not is_working_day(date(2026, 12, 28))
    assert "Boxing Day" in bank_holiday_name(date(2026, 12, 28))
    assert is_working_day(date(2026, 12, 29))


def test_christmas_and_boxing_day_at_a_weekend_move_to_monday_and_tuesday():
    # 2027: Christmas Day is a Saturday and Boxing Day a Sunday.
    assert date(2027, 12, 25).weekday() == 5
    assert date(2027, 12, 26).weekday() == 6
    assert not is_working_day(date(2027, 12, 27))
    assert not is_working_day(date(2027, 12, 28))
    assert is_working_day(date(2027, 12, 29))


def test_the_coronation_bank_holiday_of_2023_is_not_a_working_day():
    assert not is_working_day(date(2023, 5, 8))
    assert "Coronation" in bank_holiday_name(date(2023, 5, 8))
    # A one-off: the same date the next year is an ordinary Wednesday.
    assert is_working_day(date(2024, 5, 8))


def test_st_davids_day_is_not_a_bank_holiday():
    st_davids_day = date(2027, 3, 1)
    assert st_davids_day.weekday() == 0  # a Monday, where a bank holiday would fall
    assert is_working_day(st_davids_day)
    assert bank_holiday_name(st_davids_day) is None


@pytest.mark.parametrize(
    "day",
    [
        date(2024, 1, 2),  # 2 January: Scotland only
        date(2026, 11, 30),  # St Andrew's Day, a Monday: Scotland only
        date(2026, 3, 17),  # St Patrick's Day: Northern Ireland only
        date(2026, 7, 13),  # Battle of the Boyne (observed): Northern Ireland only
        date(2026, 8, 3),  # first Monday of August: Scotland's summer holiday
    ],
)
def test_bank_holidays_of_other_uk_nations_are_working_days_in_wales(day):
    assert day.weekday() < 5
    assert is_working_day(day)


def test_saturday_and_sunday_are_not_working_days():
    assert date(2026, 11, 28).weekday() == 5
    assert not is_working_day(date(2026, 11, 28))
    assert not is_working_day(date(2026, 11, 29))
    assert is_working_day(date(2026, 11, 27))


def test_an_ordinary_weekday_has_no_bank_holiday_name():
    assert bank_holiday_name(date(2026, 11, 25)) is None


# add_working_days


def test_one_working_day_after_a_friday_is_the_monday():
    assert add_working_days(date(2026, 11, 27), 1) == date(2026, 11, 30)


def test_adding_working_days_skips_the_easter_weekend():
    # Thursday 2 April 2026: Good Friday, the weekend and Easter Monday follow.
    assert add_working_days(date(2026, 4, 2), 1) == date(2026, 4, 7)
    assert add_working_days(date(2026, 4, 2), 3) == date(2026, 4, 9)


def test_adding_working_days_skips_christmas_and_the_substitute_boxing_day():
    assert add_working_days(date(2026, 12, 23), 2) == date(2026, 12, 29)


def test_adding_working_days_crosses_into_the_new_year_past_new_years_day():
    # Thursday 31 December 2026; Friday 1 January 2027 is New Year's Day.
    assert add_working_days(date(2026, 12, 31), 1) == date(2027, 1, 4)


def test_adding_working_days_from_a_saturday_does_not_count_the_saturday():
    assert add_working_days(date(2026, 11, 28), 1) == date(2026, 11, 30)
    assert add_working_days(date(2026, 11, 28), 5) == date(2026, 12, 4)


def test_adding_ten_working_days_spans_two_weekends():
    assert add_working_days(date(2026, 11, 2), 10) == date(2026, 11, 16)


@pytest.mark.parametrize("day", [date(2026, 11, 25), date(2026, 11, 28), date(2026, 4, 6)])
def test_adding_zero_working_days_returns_the_start_even_if_it_is_not_a_working_day(day):
    assert add_working_days(day, 0) == day


def test_subtracting_working_days_goes_back_over_the_easter_weekend():
    assert add_working_days(date(2026, 4, 7), -1) == date(2026, 4, 2)
    assert add_working_days(date(2026, 4, 7), -2) == date(2026, 4, 1)


def test_one_working_day_before_a_monday_is_the_friday():
    assert add_working_days(date(2026, 11, 30), -1) == date(2026, 11, 27)


def test_one_working_day_before_a_sunday_is_the_friday():
    assert add_working_days(date(2026, 11, 29), -1) == date(2026, 11, 27)


# working_days_between


def test_no_working_days_lie_between_a_day_and_itself():
    assert working_days_between(date(2026, 11, 25), date(2026, 11, 25)) == 0


def test_a_weekend_alone_holds_no_working_days():
    assert working_days_between(date(2026, 11, 27), date(2026, 11, 29)) == 0


def test_friday_to_the_next_monday_is_one_working_day():
    assert working_days_between(date(2026, 11, 27), date(2026, 11, 30)) == 1


def test_working_days_between_excludes_the_easter_holidays():
    assert working_days_between(date(2026, 4, 2), date(2026, 4, 7)) == 1


def test_working_days_between_is_negative_when_the_end_is_earlier():
    assert working_days_between(date(2026, 4, 7), date(2026, 4, 2)) == -1
    assert working_days_between(date(2026, 11, 30), date(2026, 11, 23)) == -5


def test_going_back_from_a_sunday_to_the_friday_counts_the_friday():
    # The inverse of add_working_days(Sunday, -1) == Friday.
    assert working_days_between(date(2026, 11, 29), date(2026, 11, 27)) == -1
    assert working_days_between(date(2026, 11, 27), date(2026, 11, 29)) == 0


def test_going_back_from_easter_monday_counts_the_thursday_before_good_friday():
    assert working_days_between(date(2026, 4, 6), date(2026, 4, 2)) == -1


def test_a_whole_year_in_wales_has_253_working_days_in_2026():
    # 261 weekdays, less 8 bank holidays that fall on weekdays.
    assert working_days_between(date(2025, 12, 31), date(2026, 12, 31)) == 253


def test_a_whole_year_in_wales_has_251_working_days_in_2023_with_the_coronation():
    # 260 weekdays, less 9 bank holidays on weekdays: New Year's Day (a Sunday)
    # observed on Monday 2 January, and the coronation on 8 May.
    assert working_days_between(date(2022, 12, 31), date(2023, 12, 31)) == 251


# Properties


@PROPERTY_SETTINGS
@given(start=DATES, days=st.integers(min_value=-400, max_value=400))
def test_working_days_between_undoes_add_working_days(start, days):
    assert working_days_between(start, add_working_days(start, days)) == days


@PROPERTY_SETTINGS
@given(
    start=DATES,
    days=st.integers(min_value=-400, max_value=400).filter(lambda n: n != 0),
)
def test_adding_a_nonzero_number_of_working_days_lands_on_a_working_day(start, days):
    assert is_working_day(add_working_days(start, days))


@PROPERTY_SETTINGS
@given(start=DATES, span=st.integers(min_value=0, max_value=1200))
def test_working_days_between_counts_the_same_as_walking_day_by_day(start, span):
    end = start + timedelta(days=span)
    assert working_days_between(start, end) == _brute_force_between(start, end)


@PROPERTY_SETTINGS
@given(first=DATES, second=DATES)
def test_working_days_between_has_the_sign_of_the_direction_of_travel(first, second):
    forward = working_days_between(first, second)
    if second > first:
        assert forward >= 0
    elif second < first:
        assert forward <= 0
    else:
        assert forward == 0


@PROPERTY_SETTINGS
@given(first=DATES, second=DATES)
def test_working_days_between_two_working_days_is_the_same_either_way_round(first, second):
    # Only between working days: the end is counted and the start is not, so
    # from a Sunday back to the Friday is one working day, forward is none.
    assume(is_working_day(first) and is_working_day(second))
    assert working_days_between(first, second) == -working_days_between(second, first)
