from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from pont.core.exceptions import ApplicationError
from pont.core.forms import DateInputField, choice_messages

from . import services
from .models import ContactRoute, Person
from .validators import normalise_pnc_id


def _pnc(value: str) -> str:
    return normalise_pnc_id(value) if value.strip() else ""


class PersonSearchForm(forms.Form):
    """Search by name, date of birth or PNC ID. Sent by POST: names stay out of URLs and logs."""

    name = forms.CharField(label=_("Name"), required=False, max_length=200)
    date_of_birth = DateInputField(
        label=_("Date of birth"), required=False, help_text=_("For example, 27 3 1990")
    )
    pnc_id = forms.CharField(
        label=_("PNC ID"),
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"class": "govuk-input--width-10", "spellcheck": "false"}),
    )

    def clean_pnc_id(self) -> str:
        return _pnc(self.cleaned_data.get("pnc_id") or "")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not self.errors and not (
            data.get("name") or data.get("date_of_birth") or data.get("pnc_id")
        ):
            raise ValidationError(_("Enter a name, a date of birth or a PNC ID"))
        return data


class PersonForm(forms.Form):
    given_name = forms.CharField(
        label=_("First name"), max_length=100, error_messages={"required": _("Enter a first name")}
    )
    family_name = forms.CharField(
        label=_("Last name"), max_length=100, error_messages={"required": _("Enter a last name")}
    )
    date_of_birth = DateInputField(
        label=_("Date of birth"),
        help_text=_("For example, 27 3 1990"),
        error_messages={"required": _("Enter a date of birth")},
    )
    gender = forms.ChoiceField(
        label=_("Gender"),
        choices=Person.Gender.choices,
        widget=forms.RadioSelect,
        error_messages=choice_messages(_("Select the person's gender")),
    )
    pnc_id = forms.CharField(
        label=_("PNC ID (optional)"),
        required=False,
        max_length=20,
        help_text=_("For example, 2019/0123456E"),
        widget=forms.TextInput(attrs={"class": "govuk-input--width-10", "spellcheck": "false"}),
    )
    preferred_language = forms.ChoiceField(
        label=_("Which language would they like Pont's letters and notices in?"),
        choices=Person.Language.choices,
        widget=forms.RadioSelect,
        error_messages=choice_messages(_("Select the person's preferred language")),
    )

    def clean_pnc_id(self) -> str:
        return _pnc(self.cleaned_data.get("pnc_id") or "")


class PersonCreateForm(PersonForm):
    confirmed_new = forms.BooleanField(
        label=_("None of these is the person: create a new record"),
        required=False,
    )


class PersonEditForm(PersonForm):
    version = forms.IntegerField(widget=forms.HiddenInput)


class PreferredLanguageForm(forms.Form):
    """The language to write to the person in: how to reach them, not who they are."""

    preferred_language = PersonForm.base_fields["preferred_language"]
    version = forms.IntegerField(widget=forms.HiddenInput)


class ContactRouteKindForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("How can they be contacted?"),
        choices=ContactRoute.Kind.choices,
        widget=forms.RadioSelect,
        error_messages=choice_messages(_("Select phone, email or address")),
    )


class ContactRouteForm(forms.Form):
    """The details of one kind of route; the kind was chosen on the page before."""

    kind = forms.ChoiceField(
        choices=ContactRoute.Kind.choices,
        widget=forms.HiddenInput,
        error_messages=choice_messages(_("Select phone, email or address")),
    )
    use = forms.ChoiceField(
        label=_("What is it?"),
        choices=ContactRoute.Use.choices,
        widget=forms.RadioSelect,
        error_messages=choice_messages(_("Select what the contact route is")),
    )
    phone = forms.CharField(
        label=_("UK phone number"),
        required=False,
        max_length=30,
        widget=forms.TextInput(
            attrs={"type": "tel", "autocomplete": "off", "class": "govuk-input--width-20"}
        ),
    )
    email = forms.CharField(
        label=_("Email address"),
        required=False,
        max_length=254,
        widget=forms.TextInput(attrs={"spellcheck": "false", "autocomplete": "off"}),
    )
    address_line_1 = forms.CharField(label=_("Address line 1"), required=False, max_length=200)
    address_line_2 = forms.CharField(
        label=_("Address line 2 (optional)"), required=False, max_length=200
    )
    town = forms.CharField(
        label=_("Town or city"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"class": "govuk-!-width-two-thirds"}),
    )
    county = forms.CharField(
        label=_("County (optional)"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"class": "govuk-!-width-two-thirds"}),
    )
    postcode = forms.CharField(
        label=_("Postcode"),
        required=False,
        max_length=10,
        widget=forms.TextInput(attrs={"class": "govuk-input--width-10", "autocomplete": "off"}),
    )
    is_preferred = forms.BooleanField(label=_("This is the best way to reach them"), required=False)
    is_verified = forms.BooleanField(
        label=_("Checked with the person"),
        required=False,
        help_text=_(
            "For example, you rang the number and they answered, "
            "or they showed a letter to this address."
        ),
    )

    # What each kind of route can be (nothing chosen for the officer: a guess is worse).
    USES = {
        ContactRoute.Kind.PHONE: ("mobile", "home", "work", "temporary", "care_of"),
        ContactRoute.Kind.EMAIL: ("home", "work", "care_of"),
        ContactRoute.Kind.ADDRESS: ("home", "release", "temporary", "care_of", "work"),
    }

    def __init__(self, *args: Any, kind: str, **kwargs: Any) -> None:
        kwargs["initial"] = {**(kwargs.get("initial") or {}), "kind": kind}
        super().__init__(*args, **kwargs)
        field = self.fields["use"]
        assert isinstance(field, forms.ChoiceField)  # noqa: S101 - narrows the type
        uses = self.USES.get(ContactRoute.Kind(kind), ())
        field.choices = [(value, ContactRoute.Use(value).label) for value in uses]

    def clean(self) -> dict[str, Any]:
        """Check the details as the service will, so that one submit shows every error (what
        the route is, and its details), each at its field; the service checks again as it
        saves, and only it knows whether the person has this route already."""
        data = super().clean() or {}
        kind = data.get("kind")
        if kind:
            try:
                # The service's own check (not a copy of its rules): the same words, always.
                services.route_values(kind, self.values())
            except ApplicationError as error:
                # A field that has its own error already (too long...) keeps that one alone.
                for name, problems in (error.extra or {}).get("fields", {}).items():
                    if name in self.fields and name not in self.errors:
                        for problem in problems:
                            self.add_error(name, problem)
        return data

    def values(self) -> dict[str, str]:
        return {key: self.cleaned_data.get(key) or "" for key in ContactRoute.VALUE_FIELDS}
