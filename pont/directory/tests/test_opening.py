"""Open now: from a service's weekly schedules, in UK local time; unknown when they do not say."""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from django.test import Client

from pont.directory.models import Schedule, Service
from pont.directory.opening import open_at
from pont.testing.personas import CUSTODY, PANEL

LONDON = ZoneInfo("Europe/London")


def _at(day: int, hour: int, minute: int = 0) -> datetime:
    """A moment in the week of Monday 7 December 2026 (day 0 = Monday), UK time."""
    return datetime(2026, 12, 7 + day, hour, minute, tzinfo=LONDON)


def _schedule(byday: str, opens: time | None, closes: time | None, **more) -> Schedule:
    return Schedule(byday=byday, opens_at=opens, closes_at=closes, **more)


def test_open_between_its_hours_on_its_days_and_closed_otherwise():
    weekdays = [_schedule("MO,TU,WE,TH,FR", time(9), time(17))]
    assert open_at(weekdays, _at(0, 9)) is True  # opens at 09:00
    assert open_at(weekdays, _at(4, 16, 59)) is True
    assert open_at(weekdays, _at(4, 17)) is False  # closed at 17:00
    assert open_at(weekdays, _at(2, 8, 59)) is False
    assert open_at(weekdays, _at(5, 12)) is False  # Saturday
    # Two schedules: open if either is.
    both = [*weekdays, _schedule("SA", time(10), time(12, 30))]
    assert open_at(both, _at(5, 11)) is True
    assert open_at(both, _at(6, 11)) is False


def test_hours_past_midnight_count_on_the_next_morning():
    nights = [_schedule("FR,SA", time(22), time(3))]
    assert open_at(nights, _at(4, 23)) is True  # Friday night
    assert open_at(nights, _at(5, 2, 30)) is True  # Saturday 02:30: still Friday's
    assert open_at(nights, _at(6, 2, 30)) is True  # Sunday 02:30: Saturday's
    assert open_at(nights, _at(0, 2, 30)) is False  # Monday 02:30: Sunday is not one
    assert open_at(nights, _at(4, 21)) is False
    always = [_schedule("MO,TU,WE,TH,FR,SA,SU", time(0), time(0))]
    assert all(open_at(always, _at(day, hour)) for day in range(7) for hour in (0, 3, 23))


def test_schedules_that_do_not_say_give_not_known_and_dates_limit_a_schedule():
    assert open_at([], _at(0, 10)) is None
    words = _schedule("", None, None, description="By appointment")
    monthly = _schedule("1MO", time(9), time(12), freq="MONTHLY")
    no_times = _schedule("MO", None, None)
    assert open_at([words, monthly, no_times], _at(0, 10)) is None
    ended = _schedule("MO", time(9), time(17), valid_to=date(2026, 11, 30))
    assert open_at([ended], _at(0, 10)) is False
    started = _schedule("MO", time(9), time(17), valid_from=date(2026, 12, 1))
    assert open_at([started, words], _at(0, 10)) is True


def test_the_search_tags_and_filters_services_open_now(world, as_persona):
    from pont.directory.models import DirectoryOrganization

    organisation = DirectoryOrganization.objects.create(name="Night help")
    always = Service.objects.create(organization=organisation, name="Always open line")
    always.schedules.create(byday="MO,TU,WE,TH,FR,SA,SU", opens_at=time(0), closes_at=time(0))
    gone = Service.objects.create(organization=organisation, name="Summer clinic")
    gone.schedules.create(
        byday="MO,TU,WE,TH,FR,SA,SU",
        opens_at=time(0),
        closes_at=time(0),
        valid_to=date(2020, 8, 31),
    )
    unknown = Service.objects.create(organization=organisation, name="Call to ask")
    officer = as_persona(CUSTODY)
    page = officer.get("/services/", {"q": "Night help"}).content.decode()
    for name in ("Always open line", "Summer clinic", "Call to ask"):
        assert name in page
    assert page.count(">Open now</strong>") == 1
    assert page.count(">Closed now</strong>") == 1
    only = officer.get("/services/", {"q": "Night help", "open_now": "on"}).content.decode()
    assert "Always open line" in only
    assert "Summer clinic" not in only
    assert "Call to ask" not in only
    assert "1 service found" in only
    public = Client().get("/services/public").content.decode()
    assert ">Open now</strong>" in public
    assert unknown.schedules.count() == 0
    # Any member of staff may search the directory (it holds no personal data); the public
    # list needs no sign-in; a signed-out visitor is sent to sign in for the search.
    assert as_persona(PANEL).get("/services/", {"open_now": "on"}).status_code == 200
    assert Client().get("/services/", {"open_now": "on"}).status_code == 302
