"""The directory's forms: searches, sent by GET (the directory holds no personal data, so
searches bookmark), and a provider manager's forms for their own services."""

import re
from collections.abc import Callable, Mapping
from datetime import time
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import get_language, get_language_info
from django.utils.translation import gettext_lazy as _

from pont.core.forms import choice_messages
from pont.core.validators import format_uk_phone, normalise_postcode, normalise_uk_phone

from . import selectors
from .models import County, DirectoryOrganization, Schedule, Service
from .services import PLACE_FIELDS, OpeningEntry, PhoneEntry, PlaceEntry


def _set_choices(form: forms.Form, name: str, choices: list[tuple[str, Any]]) -> None:
    cast(forms.ChoiceField, form.fields[name]).choices = choices


def _language_label(code: str) -> str:
    try:
        return str(get_language_info(code)["name_translated"])
    except KeyError:
        return code


class ServiceSearchForm(forms.Form):
    """What an officer looks for: words, needs, a county, a language."""

    q = forms.CharField(
        label=_("Name or keywords"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"spellcheck": "false"}),
    )
    need = forms.MultipleChoiceField(
        label=_("Help with"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Shows services that help with everything you select."),
        error_messages={
            "invalid_choice": _("Select what the person needs help with from the list")
        },
    )
    county = forms.ChoiceField(
        label=_("County"),
        required=False,
        error_messages={"invalid_choice": _("Select a county from the list")},
    )
    language = forms.ChoiceField(
        label=_("Offered in"),
        required=False,
        error_messages={"invalid_choice": _("Select a language from the list")},
    )
    open_now = forms.BooleanField(
        label=_("Open now"),
        required=False,
        help_text=_("By the opening times the service gives (bank holidays are not known)."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Built per request, so the labels are in the page's language.
        _set_choices(self, "need", [(n.code, n.label) for n in selectors.need_choices()])
        _set_choices(self, "county", [("", _("Any county")), *County.choices])
        codes = sorted(selectors.languages_offered(), key=lambda c: (c != "cy", c != "en", c))
        _set_choices(
            self,
            "language",
            [("", _("Any language")), *((code, _language_label(code)) for code in codes)],
        )


class PublicServiceFilterForm(forms.Form):
    """The public list's filters: what the service helps with, and where."""

    need = forms.ChoiceField(
        label=_("Help with"),
        required=False,
        error_messages={"invalid_choice": _("Select what you need help with from the list")},
    )
    county = forms.ChoiceField(
        label=_("Where you live"),
        required=False,
        error_messages={"invalid_choice": _("Select where you live from the list")},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set_choices(
            self,
            "need",
            [("", _("Anything")), *((n.code, n.label) for n in selectors.need_choices())],
        )
        _set_choices(self, "county", [("", _("Anywhere in Dyfed-Powys")), *County.choices])


class ServiceReferralSettingsForm(forms.Form):
    """A provider manager's answer: does this service take referrals through Pont, and to
    which inbox are notices of new ones emailed."""

    accepts_referrals = forms.TypedChoiceField(
        label=_("Does this service take referrals through Pont?"),
        choices=[("yes", _("Yes")), ("no", _("No"))],
        coerce=lambda answer: answer == "yes",
        widget=forms.RadioSelect,
        error_messages={"required": _("Select yes if this service takes referrals through Pont")},
        help_text=_(
            "If yes, officers can refer people to it and you receive them in Pont. If no, "
            "officers still see it in the directory, with how to refer outside Pont."
        ),
    )
    referral_inbox_email = forms.EmailField(
        label=_("Email address for notices of new referrals (optional)"),
        required=False,
        max_length=254,
        help_text=_(
            "A shared inbox your team watches. Notices hold a link only, never the person's "
            "details. Leave it empty to use your organisation's email address."
        ),
        error_messages={"invalid": _("Enter an email address like referrals@example.org")},
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
    )
    # When the service had last changed as shown (optimistic concurrency).
    seen = forms.DateTimeField(widget=forms.HiddenInput, required=False)


def _text(label: Any, *, max_length: int | None = None, rows: int = 0, **kwargs: Any) -> Any:
    """A text answer, optional unless `required=True`: one line, or a box of `rows` lines."""
    widget = kwargs.pop("widget", None) or (
        forms.Textarea(attrs={"rows": rows}) if rows else forms.TextInput()
    )
    return forms.CharField(
        label=label,
        required=kwargs.pop("required", False),
        max_length=max_length,
        widget=widget,
        **kwargs,
    )


def _checkboxes(label: Any, message: Any, choices: Any = ()) -> forms.MultipleChoiceField:
    """Checkboxes, none required; `message` if a value not among them is sent."""
    return forms.MultipleChoiceField(
        label=label,
        required=False,
        choices=choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": message},
    )


def _age(label: Any, message: Any) -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        required=False,
        min_value=0,
        max_value=120,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "class": "govuk-input--width-3", "spellcheck": "false"}
        ),
        error_messages={"invalid": message, "min_value": message, "max_value": message},
    )


PHONE_SLOTS = 3  # blank rows for phone numbers (more when the service already has more)


def _add_phone_fields(form: forms.Form, prefix: str, slot: int, label: Any) -> None:
    """A phone number's fields, `<prefix><slot>` and what it is for in English and Welsh."""
    name = f"{prefix}{slot}"
    form.fields[name] = forms.CharField(
        label=label,
        required=False,
        max_length=30,
        widget=forms.TextInput(
            attrs={"type": "tel", "autocomplete": "off", "class": "govuk-input--width-20"}
        ),
    )
    form.fields[f"{name}_description"] = _text(
        _("What phone number %(slot)s is for (optional)") % {"slot": slot},
        max_length=200,
        help_text=_("For example, Referrals, or Out of hours"),
    )
    form.fields[f"{name}_description_cy"] = _text(
        _("What phone number %(slot)s is for, in Welsh (optional)") % {"slot": slot},
        max_length=200,
    )


def _phone_rows(form: forms.Form, prefix: str, slots: int) -> list[dict[str, Any]]:
    return [
        {
            "slot": slot,
            "number": form[f"{prefix}{slot}"],
            "description": form[f"{prefix}{slot}_description"],
            "description_cy": form[f"{prefix}{slot}_description_cy"],
        }
        for slot in range(1, slots + 1)
    ]


def _phones_in(
    form: forms.Form,
    data: dict[str, Any],
    prefix: str,
    slots: int,
    where: Callable[[Any], Any] = lambda message: message,
) -> list[PhoneEntry]:
    """The phone numbers typed in `slots` rows of fields made by _add_phone_fields, each
    checked; a wrong one goes on its field (its message passed through `where`, which may
    say which place it is of) and is left out."""
    phones = []
    for slot in range(1, slots + 1):
        name = f"{prefix}{slot}"
        number = data.get(name, "")
        if not number:
            if data.get(f"{name}_description") or data.get(f"{name}_description_cy"):
                form.add_error(
                    name,
                    where(
                        _("Enter phone number %(slot)s, or take out what it is for")
                        % {"slot": slot}
                    ),
                )
            continue
        try:
            e164 = normalise_uk_phone(number)
        except ValidationError as error:
            form.add_error(
                name,
                where(
                    _("Phone number %(slot)s: %(problem)s")
                    % {"slot": slot, "problem": " ".join(error.messages)}
                ),
            )
            continue
        phones.append(
            PhoneEntry(
                format_uk_phone(e164),
                data.get(f"{name}_description", ""),
                data.get(f"{name}_description_cy", ""),
            )
        )
    return phones


class ServiceDetailsForm(forms.Form):
    """A provider manager's account of their own service, as officers and the public see it
    in the directory. The phone rows (phone_1, phone_1_description, ...) are added per form:
    one more than the service has, and at least PHONE_SLOTS."""

    name = _text(
        _("Name"),
        required=True,
        max_length=200,
        error_messages={"required": _("Enter the service's name")},
    )
    name_cy = _text(_("Name in Welsh (optional)"), max_length=200)
    status = forms.ChoiceField(
        label=_("Is the service open?"),
        choices=[
            (Service.Status.ACTIVE, _("Open")),
            (Service.Status.TEMPORARILY_CLOSED, _("Temporarily closed")),
            (Service.Status.INACTIVE, _("Not taking anyone at present")),
            (Service.Status.DEFUNCT, _("Closed for good")),
        ],
        widget=forms.RadioSelect,
        error_messages=choice_messages(_("Select whether the service is open")),
        help_text=_("Officers can refer through Pont only to a service that is open."),
    )
    description = _text(
        _("What the service does"),
        rows=4,
        max_length=4000,
        help_text=_("In plain words, for officers and for the people they refer."),
    )
    description_cy = _text(_("What the service does, in Welsh (optional)"), rows=4, max_length=4000)
    needs = _checkboxes(
        _("What it helps with"), _("Select what the service helps with from the list")
    )
    eligibility_description = _text(_("Who it is for"), rows=3, max_length=4000)
    eligibility_description_cy = _text(
        _("Who it is for, in Welsh (optional)"), rows=3, max_length=4000
    )
    minimum_age = _age(
        _("Youngest age taken (optional)"),
        _("Enter the youngest age as a whole number of years from 0 to 120"),
    )
    maximum_age = _age(
        _("Oldest age taken (optional)"),
        _("Enter the oldest age as a whole number of years from 0 to 120"),
    )
    counties = _checkboxes(
        _("Counties it covers"), _("Select the counties from the list"), County.choices
    )
    languages = _checkboxes(
        _("Languages it is offered in"), _("Select the languages from the list")
    )
    application_process = _text(
        _("How to refer or get help"),
        rows=3,
        max_length=4000,
        help_text=_("The public list shows this too: write it for the people who need help."),
    )
    application_process_cy = _text(
        _("How to refer or get help, in Welsh (optional)"), rows=3, max_length=4000
    )
    email = forms.EmailField(
        label=_("Email address (optional)"),
        required=False,
        max_length=254,
        error_messages={"invalid": _("Enter the email address like help@example.org")},
        widget=forms.EmailInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    url = forms.URLField(
        label=_("Website (optional)"),
        required=False,
        max_length=200,
        assume_scheme="https",
        error_messages={"invalid": _("Enter the website's address like https://example.org")},
        widget=forms.URLInput(attrs={"spellcheck": "false"}),
    )
    # When the service had last changed as shown (optimistic concurrency).
    seen = forms.DateTimeField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, phone_slots: int = PHONE_SLOTS, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set_choices(self, "needs", [(n.code, n.label) for n in selectors.need_choices()])
        held = set(self.initial.get("languages") or [])
        codes = sorted(
            {"cy", "en", *selectors.languages_offered(), *held},
            key=lambda c: (c != "cy", c != "en", c),
        )
        _set_choices(self, "languages", [(code, _language_label(code)) for code in codes])
        self.phone_slots = max(phone_slots, PHONE_SLOTS)
        for slot in range(1, self.phone_slots + 1):
            # In a fieldset whose legend is "Phone number 1".
            _add_phone_fields(self, "phone_", slot, _("Number"))

    def phone_rows(self) -> list[dict[str, Any]]:
        """The phone fields by row, for the template."""
        return _phone_rows(self, "phone_", self.phone_slots)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        youngest, oldest = data.get("minimum_age"), data.get("maximum_age")
        if youngest is not None and oldest is not None and oldest < youngest:
            self.add_error(
                "maximum_age", _("The oldest age must be the same as the youngest or older")
            )
        data["phones"] = _phones_in(self, data, "phone_", self.phone_slots)
        return data


class ServiceAddForm(ServiceDetailsForm):
    """A new service, described as on its details page. A manager of more than one
    directory organisation says which runs it (`organizations`: those they manage); with
    one, it is that one."""

    def __init__(
        self, *args: Any, organizations: list[DirectoryOrganization], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.organizations = {str(o.pk): o for o in organizations}
        if len(organizations) > 1:
            self.fields["organization"] = forms.ChoiceField(
                label=_("Which organisation runs it?"),
                choices=[(str(o.pk), o.display_name) for o in organizations],
                widget=forms.RadioSelect,
                error_messages=choice_messages(_("Select the organisation that runs the service")),
            )
            self.order_fields(["organization"])

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if len(self.organizations) == 1:
            data["organization"] = next(iter(self.organizations))
        return data


OPENING_ROWS = 3  # blank lines of opening times (more when the service already has more)
CLOCK = re.compile(r"\A([01]?[0-9]|2[0-3])[:.]?([0-5][0-9])\Z")


def _clock(value: str) -> time | None:
    """A time of day typed like 09:00, 9:00, 9.00 or 0900 (24-hour clock), or None."""
    match = CLOCK.match(value.strip())
    return time(int(match.group(1)), int(match.group(2))) if match else None


class ServiceOpeningForm(forms.Form):
    """A service's weekly opening times, a line each: the days, the times, and a note in each
    language (a line with a note only is opening times in words). Lines are added per form:
    `rows` of them, at least OPENING_ROWS."""

    seen = forms.DateTimeField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, rows: int = OPENING_ROWS, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.rows = max(rows, OPENING_ROWS)
        days = [(code, label) for code, label in Schedule.Day.choices]
        for row in range(1, self.rows + 1):
            self.fields[f"row_{row}_days"] = _checkboxes(
                _("Days"), _("Select the days from the list"), days
            )
            for name, label in (
                ("opens", _("Opens at")),
                ("closes", _("Closes at")),
            ):
                self.fields[f"row_{row}_{name}"] = forms.CharField(
                    label=label,
                    required=False,
                    max_length=5,
                    help_text=_("24-hour clock, like 09:00 or 17:30"),
                    widget=forms.TextInput(
                        attrs={"class": "govuk-input--width-5", "spellcheck": "false"}
                    ),
                )
            self.fields[f"row_{row}_description"] = _text(
                _("Note (optional)"),
                max_length=300,
                help_text=_("For example, Late clinic, or Closed on bank holidays"),
            )
            self.fields[f"row_{row}_description_cy"] = _text(
                _("Note in Welsh (optional)"), max_length=300
            )

    def lines(self) -> list[dict[str, Any]]:
        """The fields by line, for the template."""
        return [
            {
                "row": row,
                "days": self[f"row_{row}_days"],
                "opens": self[f"row_{row}_opens"],
                "closes": self[f"row_{row}_closes"],
                "description": self[f"row_{row}_description"],
                "description_cy": self[f"row_{row}_description_cy"],
            }
            for row in range(1, self.rows + 1)
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        entries = []
        for row in range(1, self.rows + 1):
            days = data.get(f"row_{row}_days") or []
            typed = {name: data.get(f"row_{row}_{name}", "") for name in ("opens", "closes")}
            notes = (
                data.get(f"row_{row}_description", ""),
                data.get(f"row_{row}_description_cy", ""),
            )
            times: dict[str, time | None] = {}
            for name, text in typed.items():
                times[name] = _clock(text) if text else None
                if text and times[name] is None:
                    self.add_error(
                        f"row_{row}_{name}",
                        _("Line %(row)s: enter the time like 09:00 or 17:30 (24-hour clock)")
                        % {"row": row},
                    )
            if f"row_{row}_days" in self.errors or any(
                f"row_{row}_{name}" in self.errors for name in typed
            ):
                continue
            if not days and not any(typed.values()) and not any(notes):
                continue  # an empty line
            if typed["opens"] or typed["closes"] or days:
                if not days:
                    self.add_error(
                        f"row_{row}_days",
                        _("Line %(row)s: select the days these times are for") % {"row": row},
                    )
                    continue
                missing = [name for name, text in typed.items() if not text]
                for name in missing:
                    self.add_error(
                        f"row_{row}_{name}",
                        (
                            _("Line %(row)s: enter the time it opens")
                            if name == "opens"
                            else _("Line %(row)s: enter the time it closes")
                        )
                        % {"row": row},
                    )
                if missing:
                    continue
            entries.append(
                OpeningEntry(list(days), times["opens"], times["closes"], notes[0], notes[1])
            )
        data["entries"] = entries
        return data


def _of_place(row: int) -> Callable[[Any], Any]:
    """A message about a place's field, saying which place (the error summary lists them all)."""

    def where(problem: Any) -> Any:
        return _("Place %(row)s: %(problem)s") % {"row": row, "problem": problem}

    return where


PLACE_REQUIRED = {
    "address_1": _("Place %(row)s: enter the first line of the address"),
    "city": _("Place %(row)s: enter the town or city"),
    "postal_code": _("Place %(row)s: enter the postcode"),
}


class ServicePlacesForm(forms.Form):
    """The buildings a service is delivered at, one a row: a row for each place it is
    delivered at now (its id posted back, and a box to say it no longer is), and `rows`
    in all, the last one blank to add a place. `also` names, by place id, the other services
    delivered there. Each place has its phone numbers, `phones[row]` rows of them (one by
    default: the numbers it has and a blank one to add another)."""

    seen = forms.DateTimeField(widget=forms.HiddenInput, required=False)

    def __init__(
        self,
        *args: Any,
        rows: int = 1,
        also: dict[str, list[str]] | None = None,
        phones: Mapping[int, int] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.rows = max(rows, 1)
        self.also = also or {}
        self.phone_slots = {
            row: max((phones or {}).get(row, 1), 1) for row in range(1, self.rows + 1)
        }
        for row in range(1, self.rows + 1):
            self.fields[f"place_{row}_id"] = forms.UUIDField(
                required=False, widget=forms.HiddenInput
            )
            self.fields[f"place_{row}_remove"] = forms.BooleanField(
                label=_("The service is no longer delivered here"), required=False
            )
            self.fields[f"place_{row}_name"] = _text(
                _("Name of the place (optional)"),
                max_length=200,
                help_text=_("For example, Llanelli hub"),
            )
            self.fields[f"place_{row}_name_cy"] = _text(
                _("Name of the place in Welsh (optional)"), max_length=200
            )
            self.fields[f"place_{row}_address_1"] = _text(_("Address line 1"), max_length=200)
            self.fields[f"place_{row}_address_2"] = _text(
                _("Address line 2 (optional)"), max_length=200
            )
            self.fields[f"place_{row}_city"] = _text(
                _("Town or city"),
                max_length=100,
                widget=forms.TextInput(attrs={"class": "govuk-!-width-two-thirds"}),
            )
            self.fields[f"place_{row}_state_province"] = _text(
                _("County (optional)"),
                max_length=100,
                widget=forms.TextInput(attrs={"class": "govuk-!-width-two-thirds"}),
            )
            self.fields[f"place_{row}_postal_code"] = _text(
                _("Postcode"),
                max_length=10,
                widget=forms.TextInput(
                    attrs={"class": "govuk-input--width-10", "spellcheck": "false"}
                ),
            )
            for slot in range(1, self.phone_slots[row] + 1):
                _add_phone_fields(
                    self,
                    f"place_{row}_phone_",
                    slot,
                    _("Phone number %(slot)s (optional)") % {"slot": slot},
                )

    def places(self) -> list[dict[str, Any]]:
        """The fields by row, for the template: a place held (with its name as held, and the
        other services delivered there) or the blank row to add one."""
        rows = []
        for row in range(1, self.rows + 1):
            held = self.initial.get(f"place_{row}_id")
            field = {name: self[f"place_{row}_{name}"] for name in ("id", "remove", *PLACE_FIELDS)}
            rows.append(
                {
                    "row": row,
                    "held": held,
                    "title": (get_language() == "cy" and self.initial.get(f"place_{row}_name_cy"))
                    or self.initial.get(f"place_{row}_name")
                    or self.initial.get(f"place_{row}_address_1"),
                    "also": self.also.get(str(held), []) if held else [],
                    "phones": _phone_rows(self, f"place_{row}_phone_", self.phone_slots[row]),
                    **field,
                }
            )
        return rows

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        entries, removed = [], []
        for row in range(1, self.rows + 1):
            prefix = f"place_{row}_"
            if any(name.startswith(prefix) for name in self.errors):
                continue
            location_id = data.get(f"{prefix}id")
            if location_id is not None and data.get(f"{prefix}remove"):
                removed.append(location_id)  # taken off the service: its address not read
                continue
            values = {name: data.get(prefix + name, "") for name in PLACE_FIELDS}
            typed = [v for k, v in data.items() if k.startswith(f"{prefix}phone_") and v]
            if location_id is None and not any(values.values()) and not typed:
                continue  # the blank row
            phones = _phones_in(
                self,
                data,
                f"{prefix}phone_",
                self.phone_slots[row],
                where=_of_place(row),
            )
            missing = [name for name in PLACE_REQUIRED if not values[name]]
            for name in missing:
                self.add_error(prefix + name, PLACE_REQUIRED[name] % {"row": row})
            if missing or any(name.startswith(f"{prefix}phone_") for name in self.errors):
                continue
            try:
                values["postal_code"] = normalise_postcode(values["postal_code"])
            except ValidationError as error:
                self.add_error(f"{prefix}postal_code", _of_place(row)(" ".join(error.messages)))
                continue
            entries.append(PlaceEntry(location_id, **values, phones=tuple(phones)))
        data["places"], data["removed"] = entries, removed
        return data
