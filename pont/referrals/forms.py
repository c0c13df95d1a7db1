import uuid
from datetime import datetime
from typing import Any, cast

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pont.core.forms import (
    DateInputField,
    TimeOfDayField,
    choice_messages,
    combine_local,
    month_field,
)
from pont.directory.models import Service

from .models import Appointment, ClosureReason, ContactAttempt, Referral
from .services import (
    ANSWERS,
    BASIS_NEEDED,
    CONSENT_NEEDED,
    POWER_NEEDED,
    POWER_NOT_LISTED,
    POWERS_BY_HAND,
    REASON_MAX,
)


class ServiceChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.display_name} ({obj.organization.display_name})"

    def to_python(self, value: Any) -> Any:
        # A value that is no service's id at all (not a UUID) is refused as any value not
        # offered, rather than with the id field's own "is not a valid UUID".
        try:
            return super().to_python(value)
        except ValidationError as error:
            if error.code == "invalid_choice":
                raise
            raise ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice"
            ) from None


def _referable(services: Any, service_id: Any) -> bool:
    """Whether the id (from a link, so anything) is one of the services offered."""
    try:
        return bool(services.filter(pk=uuid.UUID(str(service_id))).exists())
    except ValueError:
        return False


class ReferralCreateForm(forms.Form):
    service = ServiceChoiceField(
        label=_("Service"),
        queryset=Service.objects.none(),
        empty_label=_("Choose a service"),
        error_messages={
            "required": _("Choose the service to refer to"),
            "invalid_choice": _("Choose the service to refer to from the list"),
        },
    )
    reason = forms.CharField(
        label=_("Why are you referring them?"),
        widget=forms.Textarea,
        max_length=REASON_MAX,
        help_text=_("What the service needs to know to help. The person may see this."),
        error_messages={"required": _("Give the reason for the referral")},
    )
    urgency = forms.ChoiceField(
        label=_("How urgent is it?"),
        choices=Referral.Urgency.choices,
        widget=forms.RadioSelect,
        initial=Referral.Urgency.ROUTINE,
        error_messages=choice_messages(_("Select how urgent the referral is")),
    )
    legal_basis = forms.ChoiceField(
        label=_("On what basis is it made?"),
        choices=Referral.LegalBasis.choices,
        widget=forms.RadioSelect,
        error_messages=choice_messages(BASIS_NEEDED),
    )
    consent_confirmed = forms.BooleanField(
        label=_("The person has agreed to be referred and to their details being shared"),
        help_text=_("For a referral by consent."),
        required=False,
    )
    # One of the powers a referral made by hand may name (services.POWERS_BY_HAND), stored in
    # English as the sources store theirs and shown through the translation catalogue.
    statutory_basis = forms.ChoiceField(
        label=_("Statutory power"),
        required=False,
        choices=[("", _("Choose a power")), *((power, _(power)) for power in POWERS_BY_HAND)],
        help_text=_(
            "For a statutory referral: the power it is made under. A Required Assessment is "
            "not made here: imposing it in custody (Test on arrest) makes its referral."
        ),
        error_messages={"invalid_choice": POWER_NOT_LISTED},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["service"]
        assert isinstance(field, forms.ModelChoiceField)  # noqa: S101 - narrows the type
        field.queryset = (
            Service.objects.filter(
                accepts_referrals=True,
                status=Service.Status.ACTIVE,
                organization__pont_organisation__isnull=False,
            )
            .select_related("organization")
            .order_by("organization__name", "name")
        )
        chosen = self.initial.get("service")
        if chosen and not _referable(field.queryset, chosen):
            self.initial.pop("service")
        typed = self.initial.get("statutory_basis")
        if typed and typed not in POWERS_BY_HAND:
            # A draft from before the powers were a choice, with the power typed: said beside
            # the choice, which the officer makes again.
            self.initial.pop("statutory_basis")
            self.fields["statutory_basis"].help_text = _(
                "The draft says “%(typed)s”, which is not one of the powers listed. Select "
                "the power it is made under, or make it by consent."
            ) % {"typed": typed}

    def clean(self) -> dict[str, Any]:
        """What the legal basis needs, said with the other errors (the service checks it too)."""
        data = super().clean() or {}
        basis = data.get("legal_basis")
        if basis == Referral.LegalBasis.CONSENT and not data.get("consent_confirmed"):
            self.add_error("consent_confirmed", str(CONSENT_NEEDED))
        if (
            basis == Referral.LegalBasis.STATUTORY
            and not data.get("statutory_basis")
            and "statutory_basis" not in self.errors  # a power not listed is said already
        ):
            self.add_error("statutory_basis", str(POWER_NEEDED))
        return data


class _OwnIds:
    """The referral page shows several of these forms at once: each names its fields' ids after
    itself (`contact_day`, `appointment_day`...), so that every label and every link of the
    error summary reaches its own field. The fields' names, which are posted, do not change."""

    id_prefix = ""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"{self.id_prefix}_%s")
        super().__init__(*args, **kwargs)


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea,
        max_length=2000,
        error_messages={"required": _("Give a reason")},
    )


class ChangeReasonForm(forms.Form):
    """What a referral made by hand asks of the service, changed after it was sent."""

    reason = forms.CharField(
        label=_("What you ask of the service now"),
        widget=forms.Textarea,
        max_length=REASON_MAX,
        help_text=_(
            "The service is told that it changed and sees what it said before. The person may "
            "see this."
        ),
        error_messages={"required": _("Say what you ask of the service")},
    )


class AssignForm(_OwnIds, forms.Form):
    """Give the referral to a colleague (or to nobody): the people who work referrals at the
    receiving organisation."""

    id_prefix = "assign"
    worker = forms.TypedChoiceField(
        label=_("Assign to"),
        coerce=int,
        empty_value=None,
        required=False,
        error_messages={"invalid_choice": _("Choose someone from the list")},
    )

    def __init__(self, *args: Any, workers: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.TypedChoiceField, self.fields["worker"])
        field.choices = [
            ("", _("Nobody")),
            *((w.pk, w.get_full_name() or w.username) for w in workers),
        ]


class AcceptForm(_OwnIds, forms.Form):
    id_prefix = "accept"
    already_known = forms.ChoiceField(
        label=_("Is this person already known to your service?"),
        choices=[("yes", _("Yes")), ("no", _("No")), ("unknown", _("Not sure yet"))],
        widget=forms.RadioSelect,
        initial="unknown",
        required=False,
        error_messages=choice_messages(
            _("Select whether the person is already known to your service")
        ),
    )

    def value(self) -> bool | None:
        return {"yes": True, "no": False}.get(self.cleaned_data.get("already_known") or "")


class ContactAttemptForm(_OwnIds, forms.Form):
    id_prefix = "contact"
    method = forms.ChoiceField(
        label=_("How did you try?"),
        choices=ContactAttempt.Method.choices,
        widget=forms.RadioSelect,
        error_messages=choice_messages(_("Select how you tried to contact them")),
    )
    day = DateInputField(
        label=_("Date"), error_messages={"required": _("Enter the date of the attempt")}
    )
    at = TimeOfDayField(
        label=_("Time (optional)"),
        required=False,
        help_text=_(
            "For example, 14:30. Left empty: now for an attempt today, midday for another day."
        ),
        widget=forms.TextInput(attrs={"class": "govuk-input--width-5"}),
    )
    result = forms.ChoiceField(
        label=_("What happened?"),
        choices=ContactAttempt.Result.choices,
        widget=forms.RadioSelect,
        error_messages=choice_messages(_("Select what happened")),
    )
    note = forms.CharField(
        label=_("Note (optional)"), required=False, widget=forms.Textarea, max_length=2000
    )

    def attempted_at(self) -> datetime:
        """The day and time given; with no time, now for an attempt today (it cannot be
        later), midday for another day."""
        day, at = self.cleaned_data["day"], self.cleaned_data["at"]
        if at is None and day == timezone.localdate():
            return timezone.localtime().replace(second=0, microsecond=0)
        return combine_local(day, at)


class AppointmentForm(_OwnIds, forms.Form):
    id_prefix = "appointment"
    kind = forms.ChoiceField(
        label=_("Kind of appointment"),
        choices=Appointment.Kind.choices,
        error_messages=choice_messages(_("Select the kind of appointment")),
    )
    day = DateInputField(
        label=_("Date"), error_messages={"required": _("Enter the date of the appointment")}
    )
    at = TimeOfDayField(
        label=_("Time"),
        help_text=_("For example, 14:30"),
        widget=forms.TextInput(attrs={"class": "govuk-input--width-5"}),
        error_messages={"required": _("Enter the time of the appointment")},
    )
    place = forms.CharField(
        label=_("Where"), max_length=300, error_messages={"required": _("Enter where it is")}
    )

    def starts_at(self) -> datetime:
        return combine_local(self.cleaned_data["day"], self.cleaned_data["at"])


class AttendanceForm(_OwnIds, forms.Form):
    id_prefix = "attendance"
    # Hidden: sent by the form of each appointment; anything else is a page altered or old.
    appointment = forms.IntegerField(
        widget=forms.HiddenInput,
        error_messages={
            "required": _("Record attendance from the form under the appointment"),
            "invalid": _("Record attendance from the form under the appointment"),
        },
    )
    attendance = forms.ChoiceField(
        label=_("Did they come?"),
        choices=[c for c in Appointment.Attendance.choices if c[0] in ANSWERS],
        widget=forms.RadioSelect,
        error_messages=choice_messages(_("Select whether they came")),
    )


class CancelAppointmentForm(_OwnIds, forms.Form):
    """Which appointment to cancel (those the provider booked and has not recorded)."""

    id_prefix = "cancel_appointment"
    appointment = forms.TypedChoiceField(
        label=_("Which appointment?"),
        coerce=int,
        widget=forms.RadioSelect,
        help_text=_("To rearrange an appointment, cancel it, then book the new time."),
        error_messages={
            "required": _("Choose the appointment to cancel"),
            "invalid_choice": _("Choose the appointment to cancel"),
        },
    )

    def __init__(self, *args: Any, appointments: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.TypedChoiceField, self.fields["appointment"])
        field.choices = [(a.pk, a.described) for a in appointments]


class CorrectAttendanceForm(_OwnIds, forms.Form):
    """Correct the answer recorded for an appointment (those with an answer), with a reason."""

    id_prefix = "correct_attendance"
    appointment = forms.TypedChoiceField(
        label=_("Which appointment?"),
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose the appointment whose answer is wrong"),
            "invalid_choice": _("Choose the appointment whose answer is wrong"),
        },
    )
    attendance = forms.ChoiceField(
        label=_("What really happened?"),
        choices=AttendanceForm.base_fields["attendance"].choices,  # type: ignore[attr-defined]
        widget=forms.RadioSelect,
        error_messages=choice_messages(_("Select whether they came")),
    )
    reason = forms.CharField(
        label=_("Why is the answer being corrected?"),
        help_text=_(
            "The referrer and, for a Required Assessment or an out-of-court disposal, the "
            "officer see it on the timeline."
        ),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        error_messages={"required": _("Give a reason")},
    )

    def __init__(self, *args: Any, appointments: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.TypedChoiceField, self.fields["appointment"])
        field.choices = [
            (a.pk, f"{a.described}: {a.get_attendance_display()}") for a in appointments
        ]


class TreatmentStartForm(_OwnIds, forms.Form):
    id_prefix = "treatment"
    day = DateInputField(
        label=_("Date treatment started"), error_messages={"required": _("Enter the date")}
    )


class CloseForm(_OwnIds, forms.Form):
    id_prefix = "close"
    closure_reason = forms.ChoiceField(
        label=_("Why is it closing?"),
        error_messages={
            "required": _("Select a closure reason"),
            "invalid_choice": _("Select a closure reason from the list"),
        },
    )
    note = forms.CharField(
        label=_("Note (optional)"), required=False, widget=forms.Textarea, max_length=2000
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["closure_reason"]
        assert isinstance(field, forms.ChoiceField)  # noqa: S101 - narrows the type
        field.choices = [("", _("Choose a reason"))] + [
            (row.code, row.label) for row in ClosureReason.objects.current()
        ]


class WebhookCreateForm(forms.Form):
    # Whether the address may be called (https, on the public internet) is the service's
    # rule (services.webhook_endpoint_register); this field only reads it as an address.
    url = forms.URLField(
        label=_("Address of your endpoint"),
        max_length=500,
        help_text=_(
            "It must start with https:// and be on the public internet, "
            "for example https://example.org/pont-webhooks"
        ),
        assume_scheme="https",
        error_messages={
            "required": _("Enter the address Pont should send events to"),
            "invalid": _("Enter an address like https://example.org/pont-webhooks"),
            "max_length": _("The address must be 500 characters or fewer"),
        },
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["url"].help_text = webhook_address_hint()


def webhook_address_hint() -> str:
    """What this installation accepts as an endpoint's address, as endpoint_url_problem
    decides it (the demo and the tests also take addresses on this machine)."""
    if settings.PONT_WEBHOOKS_ALLOW_PRIVATE_ADDRESSES and settings.PONT_WEBHOOKS_ALLOW_LOCAL_HTTP:
        hint = _(
            "It must start with https://, for example https://example.org/pont-webhooks. "
            "This is a demo, so it also accepts an address on the computer Pont runs on or "
            "on a private network, and http:// on the computer Pont runs on, such as "
            "http://127.0.0.1:8001/events. A live Pont accepts only https:// addresses on "
            "the public internet."
        )
    elif settings.PONT_WEBHOOKS_ALLOW_PRIVATE_ADDRESSES:
        hint = _(
            "It must start with https://, for example https://example.org/pont-webhooks. "
            "This installation also accepts an address on a private network or on the "
            "computer Pont runs on."
        )
    else:
        hint = _(
            "It must start with https:// and be on the public internet, "
            "for example https://example.org/pont-webhooks"
        )
    return str(hint)


FUNNEL_FILTERS = ("source", "provider", "county", "month")
ONE_FILTER_AT_A_TIME = _(
    "Choose one filter at a time: you see these figures rounded, and figures filtered two ways "
    "at once could be compared with each way alone to reveal the small numbers rounding hides."
)


class FunnelFilterForm(forms.Form):
    source = forms.ChoiceField(
        label=_("Source"),
        required=False,
        choices=[("", _("All sources")), *Referral.Source.choices],
        error_messages={"invalid_choice": _("Select a source from the list.")},
    )
    provider = forms.ChoiceField(
        label=_("Provider"),
        required=False,
        choices=[("", _("All providers"))],
        error_messages={"invalid_choice": _("Select a provider from the list.")},
    )
    county = forms.ChoiceField(
        label=_("County"),
        required=False,
        choices=[("", _("All counties"))],
        error_messages={"invalid_choice": _("Select a county from the list.")},
    )
    month = month_field(_("Month sent"))  # a real month (01 to 12), as every month filter

    def __init__(
        self,
        *args: Any,
        providers: list[tuple[str, str]],
        counties: list[tuple[str, str]],
        one_at_a_time: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        provider = cast(forms.ChoiceField, self.fields["provider"])
        county = cast(forms.ChoiceField, self.fields["county"])
        provider.choices = [("", _("All providers")), *providers]
        county.choices = [("", _("All counties")), *counties]
        self.one_at_a_time = one_at_a_time

    def clean(self) -> dict[str, Any]:
        """For those who see the figures suppressed, one filter at a time: figures filtered two
        ways at once (a county and a source) could be set beside the figures of each way alone
        and differenced, through the exact zeros, to a small number the suppression hides."""
        data = super().clean() or {}
        chosen = [name for name in FUNNEL_FILTERS if data.get(name)]
        if self.one_at_a_time and len(chosen) > 1:
            for name in chosen:
                self.add_error(name, ONE_FILTER_AT_A_TIME)
        return data
