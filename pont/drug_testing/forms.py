"""Forms of the custody desk, the Required Assessment, the provider's steps, breach and QA.

Forms only parse what was typed; the services decide what is allowed and name
the field when it is not. Each moment is a GOV.UK date input (`<name>`) with
a time box beside it (`<name>_time`): the service's field name is the date's.
"""

from datetime import datetime
from typing import Any, cast

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pont.core.forms import DateInputField, TimeOfDayField, choice_messages, combine_local
from pont.people.models import Person

from .eligibility import AUTHORISING_RANKS
from .models import BreachCase, DrugTest, DrugTestResult, QaReview


def _moment(cleaned: dict[str, Any], name: str) -> datetime | None:
    day = cleaned.get(name)
    if day is None:
        return None
    return combine_local(day, cleaned.get(f"{name}_time"))


def _choices(form: forms.Form, name: str, choices: list[tuple[Any, Any]]) -> None:
    cast(forms.ChoiceField, form.fields[name]).choices = choices


def _day_and_time(label: Any, *, required: bool = False) -> tuple[DateInputField, TimeOfDayField]:
    return (
        DateInputField(label=label, required=required),
        TimeOfDayField(
            label=_("Time"),
            required=required,
            help_text=_("24-hour clock, for example 02:30"),
            widget=forms.TextInput(attrs={"class": "govuk-input--width-5", "inputmode": "numeric"}),
        ),
    )


class DrugTestForm(forms.Form):
    """One screen on the custody desk: who, where, why the law allows it, and the result."""

    # The person: an existing record (person, from search) or a new one.
    person = forms.IntegerField(required=False, widget=forms.HiddenInput)
    given_name = forms.CharField(label=_("First name"), required=False, max_length=100)
    family_name = forms.CharField(label=_("Last name"), required=False, max_length=100)
    date_of_birth = DateInputField(label=_("Date of birth"), required=False)
    gender = forms.ChoiceField(
        label=_("Gender"), required=False, choices=[("", "")] + list(Person.Gender.choices)
    )
    confirmed_new = forms.BooleanField(
        label=_("I have checked the possible matches: this is a different person"), required=False
    )
    # Custody.
    custody_suite = forms.ChoiceField(label=_("Custody suite"))
    custody_record_number = forms.CharField(label=_("Custody record number"), max_length=30)
    arrested_at, arrested_at_time = _day_and_time(_("Date of arrest"), required=True)
    offences = forms.CharField(
        label=_("Offences"),
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("What the person was arrested or charged for"),
    )
    condition = forms.ChoiceField(
        label=_("Which condition applies?"),
        choices=DrugTest.Condition.choices,
        widget=forms.RadioSelect,
    )
    charged_at, charged_at_time = _day_and_time(_("Date of charge"))
    # Why the law allows it.
    trigger_offence = forms.ChoiceField(
        label=_("Trigger offence"),
        required=False,
        help_text=_("Leave as 'Not a trigger offence' if an inspector authorises the test"),
    )
    class_a_confirmed = forms.BooleanField(
        label=_("The drugs offence concerns a specified Class A drug"), required=False
    )
    authorising_inspector = forms.CharField(
        label=_("Authorising officer's name"), required=False, max_length=200
    )
    authorising_rank = forms.ChoiceField(
        label=_("Rank"), required=False, choices=[("", "")] + list(AUTHORISING_RANKS)
    )
    authorisation_grounds = forms.CharField(
        label=_("Grounds"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "Why the inspector suspects that misuse of a specified Class A drug caused or "
            "contributed to the offence"
        ),
    )
    authorised_at, authorised_at_time = _day_and_time(_("Date of authorisation"))
    told_of_authorisation = forms.BooleanField(
        label=_("The person was told of the authorisation and its grounds"), required=False
    )
    appropriate_adult = forms.CharField(
        label=_("Appropriate adult (under 17s)"),
        required=False,
        max_length=200,
        help_text=_("Name and relationship, for example: Sian Jones, mother"),
    )
    warning_given = forms.BooleanField(
        label=_(
            "The person was warned that failing without good cause to give a sample may "
            "lead to prosecution"
        ),
        required=False,
    )
    # The sample.
    outcome = forms.ChoiceField(
        label=_("Was a sample given?"), choices=DrugTest.Outcome.choices, widget=forms.RadioSelect
    )
    sample_taken_at, sample_taken_at_time = _day_and_time(_("Date of sample"))
    disputed = forms.BooleanField(label=_("The person disputes a positive result"), required=False)
    confirmatory_sent_at, confirmatory_sent_at_time = _day_and_time(
        _("Date the sample was sent for confirmatory analysis")
    )

    def __init__(
        self,
        *args: Any,
        suites: list[tuple[Any, str]],
        triggers: list[tuple[str, str]],
        substances: list[tuple[str, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        _choices(self, "custody_suite", [("", _("Select a suite")), *suites])
        _choices(self, "trigger_offence", [("", _("Not a trigger offence")), *triggers])
        self.substances = substances
        for code, label in substances:
            self.fields[f"result_{code}"] = forms.ChoiceField(
                label=label,
                required=False,
                choices=DrugTestResult.Result.choices,
                widget=forms.RadioSelect,
            )

    def result_fields(self) -> list[forms.BoundField]:
        return [self[f"result_{code}"] for code, _label in self.substances]

    def person_fields(self) -> list[forms.BoundField]:
        return [self[n] for n in ("given_name", "family_name", "date_of_birth", "gender")]

    def service_arguments(self) -> dict[str, Any]:
        """The cleaned values as drug_test_record's keyword arguments (person aside)."""
        data = self.cleaned_data
        return {
            "custody_suite_id": int(data["custody_suite"]),
            "custody_record_number": data["custody_record_number"],
            "arrested_at": _moment(data, "arrested_at"),
            "offences": data["offences"],
            "condition": data["condition"],
            "charged_at": _moment(data, "charged_at"),
            "trigger_offence": data["trigger_offence"],
            "class_a_confirmed": data["class_a_confirmed"],
            "authorising_inspector": data["authorising_inspector"],
            "authorising_rank": data["authorising_rank"],
            "authorisation_grounds": data["authorisation_grounds"],
            "authorised_at": _moment(data, "authorised_at"),
            "told_of_authorisation": data["told_of_authorisation"],
            "warning_given": data["warning_given"],
            "appropriate_adult": data["appropriate_adult"],
            "outcome": data["outcome"],
            "sample_taken_at": _moment(data, "sample_taken_at"),
            "results": {code: data.get(f"result_{code}") or "" for code, _ in self.substances},
            "disputed": data["disputed"],
            "confirmatory_sent_at": _moment(data, "confirmatory_sent_at"),
        }

    def new_person(self) -> dict[str, Any] | None:
        """The new person's details, or None when an existing record was chosen."""
        data = self.cleaned_data
        if data.get("person"):
            return None
        return {
            "given_name": data["given_name"],
            "family_name": data["family_name"],
            "date_of_birth": data["date_of_birth"],
            "gender": data["gender"] or Person.Gender.NOT_KNOWN,
            "confirmed_new": data["confirmed_new"],
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("person"):
            for name, message in (
                ("given_name", _("Enter the person's first name")),
                ("family_name", _("Enter the person's last name")),
                ("date_of_birth", _("Enter the person's date of birth")),
            ):
                if not data.get(name) and name not in self.errors:
                    self.add_error(name, message)
        for name in ("arrested_at", "charged_at", "authorised_at", "sample_taken_at"):
            if (
                data.get(name)
                and data.get(f"{name}_time") is None
                and f"{name}_time" not in (self.errors)
            ):
                self.add_error(f"{name}_time", _("Enter the time"))
        return data


class ImposeForm(forms.Form):
    """The Required Assessment: which service, when and where (the notice says all of it)."""

    service = forms.ChoiceField(label=_("Assessment service"))
    appointment_at, appointment_at_time = _day_and_time(_("Date of the assessment"), required=True)
    place = forms.CharField(
        label=_("Place"),
        max_length=300,
        help_text=_("The full address where the person must attend"),
    )

    def __init__(self, *args: Any, services: list[tuple[Any, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self, "service", [("", _("Select a service")), *services])

    def appointment(self) -> datetime:
        moment = _moment(self.cleaned_data, "appointment_at")
        assert moment is not None  # noqa: S101 - required fields
        return moment


class VaryForm(forms.Form):
    appointment_at, appointment_at_time = _day_and_time(_("New date"), required=True)
    place = forms.CharField(label=_("Place"), max_length=300)
    version = forms.IntegerField(widget=forms.HiddenInput)

    def appointment(self) -> datetime:
        moment = _moment(self.cleaned_data, "appointment_at")
        assert moment is not None  # noqa: S101 - required fields
        return moment


class FollowUpForm(forms.Form):
    appointment_at, appointment_at_time = _day_and_time(
        _("Date of the follow-up assessment"), required=True
    )
    place = forms.CharField(label=_("Place"), max_length=300)

    def appointment(self) -> datetime:
        moment = _moment(self.cleaned_data, "appointment_at")
        assert moment is not None  # noqa: S101 - required fields
        return moment


class DisputeForm(forms.Form):
    confirmatory_sent_at, confirmatory_sent_at_time = _day_and_time(
        _("Date the sample was sent for confirmatory analysis"), required=True
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def sent(self) -> datetime:
        moment = _moment(self.cleaned_data, "confirmatory_sent_at")
        assert moment is not None  # noqa: S101 - required fields
        return moment


class ConfirmationForm(forms.Form):
    confirmed = forms.TypedChoiceField(
        label=_("What did the laboratory find?"),
        choices=[("yes", _("Confirmed positive")), ("no", _("Not confirmed"))],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )
    received_at, received_at_time = _day_and_time(_("Date the result was received"), required=True)
    version = forms.IntegerField(widget=forms.HiddenInput)

    def received(self) -> datetime:
        moment = _moment(self.cleaned_data, "received_at")
        assert moment is not None  # noqa: S101 - required fields
        return moment


class BreachDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[c for c in BreachCase.Decision.choices if c[0]],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))
    version = forms.IntegerField(widget=forms.HiddenInput)


class CourtResultForm(forms.Form):
    result = forms.ChoiceField(
        label=_("Court result"),
        choices=[c for c in BreachCase.CourtResult.choices if c[0]],
        widget=forms.RadioSelect,
    )
    on = DateInputField(label=_("Date of the result"))
    note = forms.CharField(
        label=_("Details"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


class TaskDoneForm(forms.Form):
    note = forms.CharField(label=_("What was done"), widget=forms.Textarea(attrs={"rows": 2}))


class QaDrawForm(forms.Form):
    month = DateInputField(
        label=_("Month to sample"),
        help_text=_("Any day of the month, for example 1 11 2026"),
        error_messages={"required": _("Enter a date in the month to sample")},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"month": timezone.localdate().replace(day=1)})
        super().__init__(*args, **kwargs)


class QaReviewForm(forms.Form):
    finding = forms.ChoiceField(
        label=_("Finding"),
        choices=[c for c in QaReview.Finding.choices if c[0]],
        widget=forms.RadioSelect,
        error_messages=choice_messages(_("Select a finding")),
    )
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
