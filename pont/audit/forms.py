from django import forms
from django.utils.translation import gettext_lazy as _

from pont.core.forms import DateInputField
from pont.core.numbers import whole_number

from .models import AuditEvent
from .selectors import AuditSearch


class AuditSearchForm(forms.Form):
    person = forms.CharField(
        label=_("Person's Pont reference"),
        required=False,
        help_text=_("For example, P000123. It is shown on the person's record."),
        widget=forms.TextInput(attrs={"class": "govuk-input--width-10", "spellcheck": "false"}),
    )
    actor = forms.CharField(
        label=_("Username of the member of staff"),
        required=False,
        widget=forms.TextInput(attrs={"class": "govuk-input--width-20", "spellcheck": "false"}),
    )
    operation = forms.ChoiceField(
        label=_("Operation"),
        required=False,
        choices=[("", _("Any operation")), *AuditEvent.Operation.choices],
    )
    date_from = DateInputField(
        label=_("From"), required=False, help_text=_("For example, 27 3 2026")
    )
    date_to = DateInputField(label=_("To"), required=False)

    def clean_person(self) -> int | None:
        value = (self.cleaned_data.get("person") or "").strip().upper().removeprefix("P")
        if not value:
            return None
        number = whole_number(value)
        if number is None:
            raise forms.ValidationError(_("Enter a Pont reference like P000123."))
        return number

    def clean(self) -> dict:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            self.add_error(
                "date_to", _("The end date must be the same as or after the start date.")
            )
        return data

    def criteria(self) -> AuditSearch:
        data = self.cleaned_data
        return AuditSearch(
            person_id=data.get("person"),
            actor=(data.get("actor") or "").strip(),
            operation=data.get("operation") or "",
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
        )


class AuditExportForm(forms.Form):
    recipient = forms.CharField(
        label=_("Who is this export for?"),
        max_length=200,
        help_text=_(
            "For example, the Information Commissioner's Office, or professional standards."
        ),
    )
    reason = forms.CharField(
        label=_("Why is it needed?"),
        max_length=1000,
        widget=forms.Textarea,
        help_text=_("The export is recorded in the audit log as a disclosure, with this reason."),
    )
