"""Form pieces shared by every module: the GOV.UK date input, times, and one-line helpers."""

from datetime import date, datetime, time
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _


class DateInputWidget(forms.MultiWidget):
    """Day, month and year boxes (the GOV.UK date input pattern)."""

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        numeric = {"inputmode": "numeric"}
        widgets = [
            forms.TextInput(
                attrs={
                    **numeric,
                    "class": "govuk-input govuk-date-input__input govuk-input--width-2",
                }
            ),
            forms.TextInput(
                attrs={
                    **numeric,
                    "class": "govuk-input govuk-date-input__input govuk-input--width-2",
                }
            ),
            forms.TextInput(
                attrs={
                    **numeric,
                    "class": "govuk-input govuk-date-input__input govuk-input--width-4",
                }
            ),
        ]
        super().__init__(widgets, attrs)

    def decompress(self, value: Any) -> list[Any]:
        if isinstance(value, date):
            return [value.day, value.month, value.year]
        return [None, None, None]


class DateInputField(forms.Field):
    """A date entered as day, month and year, with the GOV.UK error messages."""

    widget = DateInputWidget
    default_error_messages = {
        "required": _("Enter a date"),
        "incomplete": _("The date must include a day, a month and a year"),
        "invalid": _("The date must be a real date"),
        "year": _("The year must include 4 numbers"),
    }

    def to_python(self, value: Any) -> date | None:
        if not value or not any(part not in (None, "") for part in value):
            return None
        day, month, year = [(str(part).strip() if part is not None else "") for part in value]
        if not (day and month and year):
            raise ValidationError(self.error_messages["incomplete"], code="incomplete")
        if len(year) != 4 or not year.isdigit():
            raise ValidationError(self.error_messages["year"], code="year")
        try:
            return date(int(year), int(month), int(day))
        except ValueError:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None


class TimeOfDayField(forms.Field):
    """A time like 14:30 (24-hour), as people type it."""

    default_error_messages = {"invalid": _("Enter a time like 09:30 or 14:45")}

    def to_python(self, value: Any) -> time | None:
        text = str(value or "").strip().replace(".", ":")
        if not text:
            return None
        try:
            hours, minutes = (int(part) for part in text.split(":", 1))
            return time(hours, minutes)
        except (ValueError, TypeError):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None


def combine_local(day: Any, at: time | None) -> datetime:
    """A day and a time of day in Pont's time zone (Europe/London) as an aware datetime."""
    return timezone.make_aware(datetime.combine(day, at or time(12, 0)))


def form_status(form: forms.BaseForm) -> int:
    """The status of a page showing a form: 400 once it was sent with errors, else 200."""
    return 400 if form.is_bound and form.errors else 200


def apply_application_error(form: forms.BaseForm, error: Any) -> None:
    """Put an ApplicationError's per-field messages on the form, or a form-wide one."""
    fields = (error.extra or {}).get("fields") if hasattr(error, "extra") else None
    placed = False
    if isinstance(fields, dict):
        for name, messages in fields.items():
            if name in form.fields:
                for message in messages if isinstance(messages, list) else [messages]:
                    form.add_error(name, str(message))
                placed = True
    if not placed:
        form.add_error(None, error.message)


# A month written like 2026-11. Years 1000 to 2999 only: year 0000 is no date, and
# December 9999 has no next month. ASCII digits only, and nothing after (`$` would let a
# trailing newline through; `\d` other scripts' digits).
MONTH_PATTERN = r"\A[12][0-9]{3}-(0[1-9]|1[0-2])\Z"


def month_field(
    label: Any, *, required: bool = False, required_message: Any = None
) -> forms.RegexField:
    """A month typed like 2026-11 (read it with `first_day_of`)."""
    error_messages = {"invalid": _("Enter the month like 2026-11")}
    if required_message is not None:
        error_messages["required"] = required_message
    return forms.RegexField(
        label=label,
        required=required,
        regex=MONTH_PATTERN,
        strip=True,
        help_text=_("For example, 2026-11"),
        error_messages=error_messages,
        widget=forms.TextInput(attrs={"class": "govuk-input--width-5"}),
    )


def first_day_of(month: str) -> date:
    """The first day of a month written like 2026-11 (as `month_field` accepts it)."""
    year, number = (int(part) for part in month.split("-"))
    return date(year, number, 1)


def next_month(day: date) -> date:
    """The first day of the month after the one `day` is in."""
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def month_shown(day: date) -> str:
    """The month of `day` as pages and messages show it ("October 2026", "Hydref 2026")."""
    return formats.date_format(day, "YEAR_MONTH_FORMAT")


YES_NO = [("yes", _("Yes")), ("no", _("No"))]


def yes_no_field(label: Any, **kwargs: Any) -> forms.TypedChoiceField:
    """A yes/no question as radios: True, False, or None when unanswered (the service says
    what it needs)."""
    return forms.TypedChoiceField(
        label=label,
        choices=YES_NO,
        coerce=lambda value: value == "yes",
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
        **kwargs,
    )


def choice_messages(message: Any) -> dict[str, Any]:
    """A choice field's error messages: the same words, naming what to choose, whether nothing
    was chosen or a value not among its choices was sent (a page altered, or out of date), in
    place of Django's "Select a valid choice. xx is not one of the available choices."."""
    return {"required": message, "invalid_choice": message}


def radio_field(label: Any, choices: Any, **kwargs: Any) -> forms.ChoiceField:
    """Radios for a choice, without the empty choice; unanswered reaches the service."""
    return forms.ChoiceField(
        label=label,
        choices=[c for c in choices if c[0]],
        required=False,
        widget=forms.RadioSelect,
        **kwargs,
    )


def as_yes_no(value: bool | None) -> str:
    return "" if value is None else ("yes" if value else "no")
