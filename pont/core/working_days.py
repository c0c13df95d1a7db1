"""Working days in Wales: Monday to Friday, less the bank holidays of Wales.

Deadlines in Pont (Required Assessment appointments, referral SLAs, the
Welsh treatment KPI) count working days. Wales shares England's bank
holidays, including the one-off days (a coronation, a state funeral), which
the `holidays` package keeps; St David's Day is not a bank holiday.

Convention: `add_working_days(start, n)` is the date n working days after
`start`, not counting `start` itself, and `working_days_between(start, end)`
is its inverse: the number of working days after `start` up to and including
`end` (negative when `end` is earlier).
"""

from datetime import date, timedelta
from functools import lru_cache

import holidays

_SATURDAY = 5


@lru_cache(maxsize=64)
def _bank_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("GB", subdiv="WLS", years=year).keys())


def bank_holiday_name(day: date) -> str | None:
    """Return the English name of the Wales bank holiday on day, if it is one."""
    calendar = holidays.country_holidays("GB", subdiv="WLS", years=day.year)
    name = calendar.get(day)
    return str(name) if name else None


def is_working_day(day: date) -> bool:
    """Return whether day is a working day in Wales."""
    return day.weekday() < _SATURDAY and day not in _bank_holidays(day.year)


@lru_cache(maxsize=4096)
def add_working_days(start: date, days: int) -> date:
    """Return the date `days` working days after start (before it when negative).

    Kept for the days asked again (a page or an API list works out each referral's time
    limits from its day of sending: a few days, asked many times)."""
    step = 1 if days >= 0 else -1
    remaining = abs(days)
    current = start
    while remaining:
        current += timedelta(days=step)
        if is_working_day(current):
            remaining -= 1
    return current


def working_days_between(start: date, end: date) -> int:
    """Return the working days after start up to and including end (negative if end < start)."""
    if end == start:
        return 0
    if end < start:
        # Backwards, the end is counted and the start is not, as going forwards:
        # the working days in [end, start), so this stays the inverse of
        # add_working_days when start is not itself a working day.
        return -working_days_between(end - timedelta(days=1), start - timedelta(days=1))
    # Whole weeks first, so long spans cost O(weeks) not O(days).
    total_days = (end - start).days
    weeks, rest = divmod(total_days, 7)
    count = weeks * 5
    current = start + timedelta(days=weeks * 7)
    for _ in range(rest):
        current += timedelta(days=1)
        if current.weekday() < _SATURDAY:
            count += 1
    for year in range(start.year, end.year + 1):
        for holiday in _bank_holidays(year):
            if start < holiday <= end and holiday.weekday() < _SATURDAY:
                count -= 1
    return count
