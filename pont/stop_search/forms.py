"""Forms of stop and search: the quick record, the outcome amendment and the referral.

Forms only parse what was typed; the services decide what is allowed and name
every field that is wrong at once. So most fields here are optional: an empty
field reaches the service, which says what it needs.
"""

from datetime import datetime
from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from pont.core.forms import (
    DateInputField,
    TimeOfDayField,
    combine_local,
    first_day_of,
    month_field,
)
from pont.core.forms import as_yes_no as _as_yes_no
from pont.core.forms import radio_field as _radios
from pont.core.forms import yes_no_field as _yes_no

from .models import PanelJudgement, Search, SearchReview


def _choices(form: forms.Form, name: str, choices: list[tuple[Any, Any]]) -> None:
    cast(forms.ChoiceField, form.fields[name]).choices = choices


class SearchForm(forms.Form):
    """The record of one search, quick to fill in on a phone at the roadside (one column)."""

    person = forms.IntegerField(required=False, widget=forms.HiddenInput)
    search_type = _radios(_("What did you search?"), Search.Type.choices)
    occurred_at = DateInputField(label=_("Date of the search"), required=False)
    occurred_at_time = TimeOfDayField(
        label=_("Time of the search"),
        required=False,
        help_text=_("24-hour clock, for example 14:30"),
        widget=forms.TextInput(attrs={"class": "govuk-input--width-5", "inputmode": "numeric"}),
    )
    area = forms.ChoiceField(label=_("Policing area"), required=False)
    place = forms.CharField(
        label=_("Where did the search take place?"),
        required=False,
        max_length=300,
        help_text=_("Street and town, or a landmark"),
    )
    latitude = forms.CharField(
        label=_("Latitude"),
        required=False,
        max_length=20,
        help_text=_("For example 51.680123"),
        widget=forms.TextInput(attrs={"class": "govuk-input--width-10", "inputmode": "decimal"}),
    )
    longitude = forms.CharField(
        label=_("Longitude"),
        required=False,
        max_length=20,
        help_text=_("For example -4.161234"),
        widget=forms.TextInput(attrs={"class": "govuk-input--width-10", "inputmode": "decimal"}),
    )
    detained_place = forms.CharField(
        label=_("Where the person was first detained, if not there (optional)"),
        required=False,
        max_length=300,
    )
    vehicle_registration = forms.CharField(
        label=_("Vehicle registration"),
        required=False,
        max_length=10,
        help_text=_("If you searched a vehicle"),
        widget=forms.TextInput(
            attrs={"class": "govuk-input--width-10", "autocapitalize": "characters"}
        ),
    )
    person_description = forms.CharField(
        label=_("Description of the person"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "Needed when the person gave no name: what they looked like and wore, as on the "
            "record you give them."
        ),
    )
    gender = _radios(_("Gender"), Search.Gender.choices)
    age_range = _radios(_("Age range"), Search.AgeRange.choices)
    self_defined_ethnicity = forms.ChoiceField(
        label=_("Ethnicity as the person describes it"),
        required=False,
        help_text=_("Ask the person. If they do not want to say, choose 'Not stated'."),
    )
    officer_defined_ethnicity = _radios(
        _("Ethnicity as you would describe the person"), Search.OfficerDefinedEthnicity.choices
    )
    legislation = forms.ChoiceField(label=_("Power used"), required=False)
    object_of_search = forms.ChoiceField(label=_("What were you looking for?"), required=False)
    grounds = forms.CharField(
        label=_("Grounds for the search"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Why you suspected you would find it: what you saw, heard or were told"),
    )
    removal_more_than_outer_clothing = forms.BooleanField(
        label=_("More than outer clothing was removed"), required=False
    )
    part_of_operation = forms.BooleanField(
        label=_("The search was part of a policing operation"), required=False
    )
    operation_name = forms.CharField(label=_("Operation name"), required=False, max_length=200)
    body_worn_video = _yes_no(_("Was body-worn video used?"))
    body_worn_video_reference = forms.CharField(
        label=_("Body-worn video reference"), required=False, max_length=100
    )
    outcome = _radios(_("What was the outcome?"), [])
    outcome_linked = _yes_no(_("Was the outcome linked to what you were looking for?"))
    injury_or_damage = forms.CharField(
        label=_("Any injury or damage (optional)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("To the person or to property, in the search. Leave blank if none."),
    )

    def __init__(
        self,
        *args: Any,
        areas: list[tuple[Any, str]],
        ethnicities: list[tuple[str, str]],
        powers: list[tuple[str, str]],
        objects: list[tuple[str, str]],
        outcomes: list[tuple[str, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        _choices(self, "area", [("", _("Select an area")), *areas])
        _choices(self, "self_defined_ethnicity", [("", _("Select an ethnicity")), *ethnicities])
        _choices(self, "legislation", [("", _("Select a power")), *powers])
        _choices(self, "object_of_search", [("", _("Select what you were looking for")), *objects])
        _choices(self, "outcome", outcomes)

    def occurred(self) -> datetime | None:
        """The date and time of the search, or None unless both were given."""
        day, at = self.cleaned_data.get("occurred_at"), self.cleaned_data.get("occurred_at_time")
        return combine_local(day, at) if day is not None and at is not None else None

    def service_arguments(self) -> dict[str, Any]:
        """The cleaned values as search_record's keyword arguments (actor and person aside)."""
        data = self.cleaned_data
        return {
            "search_type": data["search_type"],
            "occurred_at": self.occurred(),
            "area_id": int(data["area"]) if data["area"] else None,
            "place": data["place"],
            "latitude": data["latitude"].strip(),
            "longitude": data["longitude"].strip(),
            "vehicle_registration": data["vehicle_registration"],
            "gender": data["gender"],
            "age_range": data["age_range"],
            "self_defined_ethnicity": data["self_defined_ethnicity"],
            "officer_defined_ethnicity": data["officer_defined_ethnicity"],
            "legislation": data["legislation"],
            "object_of_search": data["object_of_search"],
            "grounds": data["grounds"],
            "person_description": data["person_description"],
            "detained_place": data["detained_place"],
            "injury_or_damage": data["injury_or_damage"],
            "removal_more_than_outer_clothing": data["removal_more_than_outer_clothing"],
            "part_of_operation": data["part_of_operation"],
            "operation_name": data["operation_name"],
            "body_worn_video": data["body_worn_video"],
            "body_worn_video_reference": data["body_worn_video_reference"],
            "outcome": data["outcome"],
            "outcome_linked": data["outcome_linked"],
        }


class PersonFindForm(forms.Form):
    """Find the person searched, by name, to link them to the search."""

    name = forms.CharField(
        label=_("Search by name"),
        required=False,
        max_length=200,
        help_text=_("Only if the person gave their name. Leave blank if they did not."),
    )


class OutcomeAmendForm(forms.Form):
    """A new current outcome, why it changed and what shows it."""

    outcome = _radios(_("New outcome"), [])
    outcome_linked = _yes_no(_("Is the outcome linked to what was being looked for?"))
    reason = forms.CharField(
        label=_("Why has the outcome changed?"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    evidence = forms.CharField(
        label=_("Evidence"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("For example the laboratory report, charge or court reference"),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, outcomes: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self, "outcome", outcomes)


class SearchReferralForm(forms.Form):
    """A voluntary referral from the search: the service, why, and the person's consent."""

    service = forms.ChoiceField(label=_("Service"), required=False)
    reason = forms.CharField(
        label=_("Why are you referring them?"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What the service needs to know to help. The person may see this."),
    )
    consent_recorded = forms.BooleanField(
        label=_("The person has agreed to be referred and to their details being shared"),
        required=False,
    )

    def __init__(self, *args: Any, services: list[tuple[Any, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self, "service", [("", _("Select a service")), *services])


def initial_outcome(search: Search) -> dict[str, Any]:
    """The amendment form as it opens: the current outcome and the version read."""
    return {
        "outcome": search.outcome,
        "outcome_linked": _as_yes_no(search.outcome_linked),
        "version": search.version,
    }


# The monthly audit ----------------------------------------------------------------------


class SampleDrawForm(forms.Form):
    month = month_field(
        _("Month to sample"),
        required=True,
        required_message=_("Enter the month to sample, like 2026-11"),
    )


class SearchReviewForm(forms.Form):
    """One inspector's review of a sampled search; the service names what is missing."""

    grounds_reasonable = _radios(
        _("Were the grounds for the search reasonable?"), SearchReview.GroundsReasonable.choices
    )
    grounds_recorded_sufficiently = _yes_no(
        _("Were the grounds recorded in enough detail?"),
        help_text=_("Would someone who was not there understand why the person was searched?"),
    )
    body_worn_video = _radios(
        _("Did you review the body-worn video?"), SearchReview.BodyWornVideo.choices
    )
    conduct = forms.CharField(
        label=_("Conduct and fairness"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "How the officer dealt with the person: what they were told, courtesy, whether the "
            "search was proportionate."
        ),
    )
    rating = _radios(_("Overall rating"), SearchReview.Rating.choices)
    feedback = forms.CharField(
        label=_("Feedback to the officer"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "The officer reads this on their feedback page. Needed for a red or amber rating."
        ),
    )
    themes = forms.MultipleChoiceField(
        label=_("Learning themes"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Select all that apply, for the force's learning."),
        error_messages={"invalid_choice": _("Select the learning themes from the list.")},
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, themes: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self, "themes", themes)

    def service_arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "grounds_reasonable": data["grounds_reasonable"],
            "grounds_recorded_sufficiently": data["grounds_recorded_sufficiently"],
            "body_worn_video": data["body_worn_video"],
            "conduct": data["conduct"],
            "rating": data["rating"],
            "feedback": data["feedback"],
            "themes": list(data["themes"]),
            "expected_version": data["version"],
        }


class AuditDashboardFilterForm(forms.Form):
    """A period of whole months (both ends included); empty for every month."""

    start = month_field(_("From (month)"))
    end = month_field(_("To (month)"))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and end < start:
            self.add_error(
                "end", _("The end of the period must be the same as or after its start.")
            )
        return cleaned


# The Quality Assurance Panel ------------------------------------------------------------


class PanelSessionForm(forms.Form):
    """A panel session to arrange; the service draws its cases and names what is missing."""

    panel = forms.ChoiceField(label=_("Panel"), required=False)
    force = forms.ChoiceField(label=_("Force whose searches are reviewed"), required=False)
    month = month_field(_("Month of the searches"))
    meeting_date = DateInputField(label=_("Date the panel meets"), required=False)
    cases = forms.IntegerField(
        label=_("Number of cases"),
        required=False,
        initial=10,
        help_text=_("Drawn at random from the searches recorded in Pont that month."),
        # The range is the service's (panel_services.MOST_CASES), named on this field.
        error_messages={"invalid": _("Enter the number of cases as a whole number")},
        widget=forms.NumberInput(attrs={"class": "govuk-input--width-3"}),
    )

    def __init__(
        self,
        *args: Any,
        panels: list[tuple[Any, Any]],
        forces: list[tuple[Any, Any]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        _choices(self, "panel", [("", _("Select a panel")), *panels])
        _choices(self, "force", [("", _("Select a force")), *forces])

    def service_arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "panel_id": data["panel"] or None,
            "force_id": data["force"] or None,
            "month": first_day_of(data["month"]) if data["month"] else None,
            "meeting_date": data["meeting_date"],
            "cases": data["cases"],
        }


class VersionForm(forms.Form):
    """A change to a record at the version the person saw (opening or closing a session)."""

    version = forms.IntegerField(widget=forms.HiddenInput)


class PanelGroundsForm(forms.Form):
    grounds_for_panel = forms.CharField(
        label=_("Grounds, as the panel will read them"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_(
            "Keep what the officer saw and why they searched. Take out names, places, "
            "addresses, registrations, phone numbers and anything else that could identify "
            "the person, the place or the officer."
        ),
    )


class PanelJudgementForm(forms.Form):
    reasonable_grounds = _radios(
        _("Did the officer have reasonable grounds for the search?"),
        PanelJudgement.Answer.choices,
    )
    treated_fairly = _radios(
        _("Was the person treated fairly?"),
        PanelJudgement.Answer.choices,
        help_text=_("From the record and, if you have seen it, the body-worn video."),
    )
    comments = forms.CharField(
        label=_("Comments (optional)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What the force should know: good practice, concerns, questions."),
    )


class PanelResponseForm(VersionForm):
    force_response = forms.CharField(
        label=_("The force's response"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("What the force will do about the panel's findings. Published with them."),
    )


class PanelSummaryForm(VersionForm):
    summary_en = forms.CharField(
        label=_("Public summary in English"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6, "lang": "en"}),
    )
    summary_cy = forms.CharField(
        label=_("Public summary in Welsh"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6, "lang": "cy"}),
    )
