"""How the directory's pages say opening times, ages, counties and languages, in either language."""

from datetime import time

from django import template
from django.utils.translation import get_language_info
from django.utils.translation import gettext as _

from pont.directory.models import Schedule, Service, ServiceLanguage
from pont.directory.opening import open_at

register = template.Library()

_DAYS = list(Schedule.Day.values)


def _clock(value: time) -> str:
    return value.strftime("%H:%M")


def _day_name(token: str) -> str:
    """Name a day code ("MO"); an ordinal one ("1MO", first Monday) keeps its number."""
    code = token[-2:]
    name = str(Schedule.Day(code).label) if code in _DAYS else token
    prefix = token[:-2]
    return f"{name} ({prefix})" if prefix else name


def _days(tokens: list[str]) -> str:
    plain = [t for t in tokens if t in _DAYS]
    if len(plain) == len(tokens) and len(plain) > 2:
        indexes = sorted(_DAYS.index(t) for t in plain)
        if indexes == list(range(indexes[0], indexes[-1] + 1)):
            return _("%(first)s to %(last)s") % {
                "first": _day_name(_DAYS[indexes[0]]),
                "last": _day_name(_DAYS[indexes[-1]]),
            }
    names = [_day_name(t) for t in tokens]
    if len(names) > 1:
        return _("%(days)s and %(last)s") % {"days": ", ".join(names[:-1]), "last": names[-1]}
    return names[0] if names else ""


@register.filter
def opening_times(schedule: Schedule) -> str:
    """Say when a schedule is open: "Monday to Friday, 09:00 to 17:00 (Late clinic)"."""
    parts = []
    days = _days(schedule.day_tokens)
    if schedule.freq == "MONTHLY" and days:
        days = _("Monthly: %(days)s") % {"days": days}
    if days:
        parts.append(days)
    if schedule.opens_at and schedule.closes_at:
        parts.append(
            _("%(opens)s to %(closes)s")
            % {"opens": _clock(schedule.opens_at), "closes": _clock(schedule.closes_at)}
        )
    text = ", ".join(parts)
    said = schedule.display_description
    if said:
        text = f"{text} ({said})" if text else said
    return text


@register.filter
def age_range(service: Service) -> str:
    low, high = service.minimum_age, service.maximum_age
    if low is not None and high is not None:
        return _("%(low)s to %(high)s") % {"low": low, "high": high}
    if low is not None:
        return _("%(low)s and over") % {"low": low}
    if high is not None:
        return _("Up to %(high)s") % {"high": high}
    return _("Any age")


@register.filter
def language_name(language: ServiceLanguage) -> str:
    """The language's name in the page's language, where Django knows it."""
    try:
        return str(get_language_info(language.code)["name_translated"])
    except KeyError:
        return language.name or language.code


@register.filter
def counties(service: Service) -> str:
    return ", ".join(str(area.get_county_display()) for area in service.service_areas.all())


@register.filter
def open_now(service: Service) -> bool | None:
    """Whether the service is open now by its schedules (None: they do not say)."""
    return open_at(service.schedules.all())
