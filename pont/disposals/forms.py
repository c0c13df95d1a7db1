"""Forms of out-of-court disposals. They parse what was typed; the services decide what is
allowed and name every wrong field at once, so most fields here are optional."""

from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from pont.core.forms import DateInputField, radio_field, yes_no_field
from pont.core.numbers import whole_number
from pont.referrals.models import Referral

from .models import Disposal, DisposalCondition


def _set_choices(form: forms.Form, name: str, choices: list[tuple[Any, Any]]) -> None:
    cast(forms.ChoiceField, form.fields[name]).choices = choices


class DecisionForm(forms.Form):
    """The facts, then the decision. "Recommend" shows Pont's advice; "Save" records a draft."""

    area = forms.ChoiceField(label=_("Policing area"), required=False)
    offences = forms.MultipleChoiceField(
        label=_("Offences"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Select every offence the disposal deals with."),
    )
    offence_details = forms.CharField(
        label=_("What happened"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    offence_date = DateInputField(label=_("Date of the offence"), required=False)
    admission = yes_no_field(_("Did the person admit the offence?"))
    evidential_test_met = yes_no_field(
        _("Is the evidential test met?"),
        help_text=_("Is there enough evidence to charge?"),
    )
    victim_views = radio_field(_("The victim's views"), Disposal.VictimViews.choices)
    victim_views_note = forms.CharField(
        label=_("What the victim said (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    aggravating = forms.MultipleChoiceField(
        label=_("Aggravating factors"), required=False, widget=forms.CheckboxSelectMultiple
    )
    mitigating = forms.MultipleChoiceField(
        label=_("Mitigating factors"), required=False, widget=forms.CheckboxSelectMultiple
    )
    scheme = radio_field(_("Your decision"), [])
    decision_reason = forms.CharField(
        label=_("Reason for your decision"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Needed when your decision differs from the recommendation."),
    )

    def __init__(
        self,
        *args: Any,
        areas: list[tuple[Any, Any]],
        offences: list[tuple[Any, Any]],
        aggravating: list[tuple[Any, Any]],
        mitigating: list[tuple[Any, Any]],
        schemes: list[tuple[Any, Any]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        _set_choices(self, "area", [("", _("Select the area")), *areas])
        _set_choices(self, "offences", offences)
        _set_choices(self, "aggravating", aggravating)
        _set_choices(self, "mitigating", mitigating)
        _set_choices(self, "scheme", schemes)

    def service_arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        details = data["offence_details"] or ""
        area = data["area"]
        return {
            "area_id": whole_number(area) or 0,
            "offences": [(code, details) for code in data["offences"]],
            "offence_date": data["offence_date"],
            "admission": bool(data["admission"]),
            "evidential_test_met": bool(data["evidential_test_met"]),
            "victim_views": data["victim_views"] or "",
            "victim_views_note": data["victim_views_note"] or "",
            "aggravating": data["aggravating"],
            "mitigating": data["mitigating"],
            "scheme_code": data["scheme"] or "",
            "decision_reason": data["decision_reason"] or "",
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for name, message in (
            ("offence_date", _("Enter the date of the offence.")),
            ("admission", _("Say whether the person admitted the offence.")),
            ("evidential_test_met", _("Say whether the evidential test is met.")),
        ):
            if data.get(name) is None and name not in self.errors:
                self.add_error(name, message)
        return data


class ConditionForm(forms.Form):
    condition_type = forms.ChoiceField(label=_("Condition"), required=False)
    service = forms.ChoiceField(
        label=_("Service that delivers it"),
        required=False,
        help_text=_("For a condition a service delivers: its referral is sent when you issue."),
    )
    details = forms.CharField(
        label=_("Details (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("What the person must do, e.g. whom to apologise to. The service sees this."),
    )
    deadline = DateInputField(
        label=_("Deadline (optional)"),
        required=False,
        help_text=_("Leave empty for the condition's usual deadline, in working days."),
    )
    hours = forms.IntegerField(label=_("Hours"), required=False, min_value=1, max_value=1000)
    amount = forms.CharField(label=_("Amount in pounds"), required=False, max_length=12)
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(
        self,
        *args: Any,
        condition_types: list[tuple[Any, Any]],
        services: list[tuple[Any, Any]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        _set_choices(self, "condition_type", [("", _("Select a condition")), *condition_types])
        _set_choices(self, "service", [("", _("None: not delivered by a service")), *services])

    def clean_amount(self) -> int | None:
        raw = (self.cleaned_data.get("amount") or "").strip().lstrip("£").replace(",", "")
        if not raw:
            return None
        try:
            pounds = Decimal(raw)
        except InvalidOperation:
            raise forms.ValidationError(
                _("Enter the amount in pounds, like 45 or 45.50.")
            ) from None
        exponent = pounds.as_tuple().exponent  # a letter for NaN and Infinity, else a number
        if not isinstance(exponent, int) or exponent < -2 or not 0 < pounds <= 100000:
            raise forms.ValidationError(_("Enter the amount in pounds, like 45 or 45.50."))
        return int(pounds * 100)


class ReferAgainForm(forms.Form):
    """The service to send a condition to; with `moving` (its referral is still open), why
    it moves, which the service whose referral is cancelled reads."""

    service = forms.ChoiceField(label=_("Service"), required=False)
    reason = forms.CharField(
        label=_("Why the condition moves"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "The service it is with now is told its referral is cancelled, with this reason. "
            "For example, the person has moved to Powys."
        ),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(
        self, *args: Any, services: list[tuple[Any, Any]], moving: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        _set_choices(self, "service", [("", _("Select a service")), *services])
        if not moving:
            del self.fields["reason"]


class VersionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)


class AuthoriseForm(forms.Form):
    decision = radio_field(
        _("Your decision"),
        [("approve", _("Authorise")), ("return", _("Return to the officer"))],
    )
    note = forms.CharField(
        label=_("Note to the officer"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Needed when you return the decision."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("decision") and "decision" not in self.errors:
            self.add_error("decision", _("Select whether you authorise the decision."))
        return data


class IssueForm(forms.Form):
    agreement_confirmed = forms.BooleanField(
        label=_("The person has read the conditions and agreed to them"), required=False
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


class ConditionOutcomeForm(forms.Form):
    outcome = radio_field(
        _("Outcome"),
        [
            (DisposalCondition.Status.COMPLETE, _("Done")),
            (DisposalCondition.Status.FAILED, _("Not done: a breach")),
        ],
    )
    note = forms.CharField(
        label=_("How do you know?"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


CLOSED_HINT = _(
    "With more time it goes, as a new referral, to the service you choose: the same one or another."
)


def _closed_by(condition: DisposalCondition) -> Any:
    """Who closed a condition's referral, in words."""
    service = condition.service.display_name if condition.service else ""
    status = condition.referral.status if condition.referral else ""
    if status == Referral.Status.REJECTED:
        return _("%(service)s rejected its referral.") % {"service": service}
    if status == Referral.Status.CANCELLED:
        return _("Its referral to %(service)s was cancelled.") % {"service": service}
    return _("%(service)s closed its referral.") % {"service": service}


class BreachForm(forms.Form):
    decision = radio_field(_("Your decision"), [])
    reason = forms.CharField(
        label=_("Reason"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )
    new_deadline = DateInputField(
        label=_("New deadline (if you give more time)"),
        required=False,
        help_text=_(
            "For every condition not done. The person is given a new notice with this deadline, "
            "replacing the one they have, and a service delivering one of them is told."
        ),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(
        self,
        *args: Any,
        decisions: list[tuple[Any, Any]],
        to_send_again: Sequence[DisposalCondition] = (),
        services: Mapping[int, Sequence[tuple[Any, Any]]] | None = None,
        **kwargs: Any,
    ) -> None:
        """`to_send_again`: the failed conditions whose referral is closed, each given a
        choice of service (`service_<id>`, from `services[id]`) to send it to with more time."""
        super().__init__(*args, **kwargs)
        _set_choices(self, "decision", decisions)
        self.to_send_again = list(to_send_again)
        for condition in self.to_send_again:
            name = f"service_{condition.pk}"
            self.fields[name] = forms.ChoiceField(
                label=_("Which service should do ‘%(condition)s’ with more time?")
                % {"condition": condition.condition_type.label},
                required=False,
                help_text=f"{_closed_by(condition)} {CLOSED_HINT}",
            )
            offered = (services or {}).get(condition.pk, ())
            _set_choices(self, name, [("", _("Select a service")), *offered])

    def service_fields(self) -> list[forms.BoundField]:
        return [self[f"service_{c.pk}"] for c in self.to_send_again]

    def send_to(self) -> dict[int, str]:
        """The service chosen for each condition to send again (condition id -> service id)."""
        return {
            c.pk: self.cleaned_data[f"service_{c.pk}"]
            for c in self.to_send_again
            if self.cleaned_data.get(f"service_{c.pk}")
        }


class TaskDoneForm(forms.Form):
    note = forms.CharField(
        label=_("What did you do?"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
