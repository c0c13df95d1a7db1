"""Whether a service is open at a moment, from its weekly opening schedules (HSDS).

A custody officer at 3 a.m. wants the services they can reach now. Only what the
schedules say plainly is used: weekly schedules with day codes (MO, TU...) and both
times. A schedule in words only, a monthly one, or one for the nth weekday of a
month says nothing here, and a service none of whose schedules can be read is
"not known" rather than closed. Bank holidays are not known either: a directory
entry does not say whether a service closes on them.
"""

from collections.abc import Iterable
from datetime import date, datetime, timedelta

from django.utils import timezone

from .models import Schedule

_DAYS = list(Schedule.Day.values)  # MO..SU, Monday first, as date.weekday()


def _readable(schedule: Schedule) -> bool:
    days = schedule.day_tokens
    return (
        schedule.freq == "WEEKLY"
        and bool(days)
        and all(day in _DAYS for day in days)
        and schedule.opens_at is not None
        and schedule.closes_at is not None
    )


def _in_force(schedule: Schedule, day: date) -> bool:
    return (schedule.valid_from is None or schedule.valid_from <= day) and (
        schedule.valid_to is None or day <= schedule.valid_to
    )


def _open_on(schedule: Schedule, day: date) -> bool:
    return _DAYS[day.weekday()] in schedule.byday and _in_force(schedule, day)


def open_at(schedules: Iterable[Schedule], moment: datetime | None = None) -> bool | None:
    """True if a readable schedule has the service open at the moment (UK local time), False
    if none does, None if none of its schedules can be read. Opening hours that run past
    midnight (closing at or before the time they open) count on the next morning too."""
    local = timezone.localtime(moment or timezone.now())
    day, now = local.date(), local.time().replace(tzinfo=None)
    readable = [s for s in schedules if _readable(s)]
    if not readable:
        return None
    for schedule in readable:
        opens, closes = schedule.opens_at, schedule.closes_at
        if opens is None or closes is None:  # not readable (_readable): never here
            continue
        if opens < closes:
            if _open_on(schedule, day) and opens <= now < closes:
                return True
        elif (_open_on(schedule, day) and now >= opens) or (
            _open_on(schedule, day - timedelta(days=1)) and now < closes
        ):
            return True
    return False
