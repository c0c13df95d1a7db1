"""Forms of the scrutiny panel. They parse what was typed; the services say what is wrong,
naming each field, so the fields here are optional."""

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from pont.core.forms import first_day_of, month_field, radio_field

from .models import ScrutinyReview


class DrawForm(forms.Form):
    """A month of a force's finished disposals to sample."""

    force = forms.ChoiceField(label=_("Force whose disposals the panel reviews"), required=False)
    month = month_field(_("Month the disposals finished in"))
    size = forms.IntegerField(
        label=_("Number of cases"),
        required=False,
        help_text=_("Drawn at random from the disposals that finished that month."),
        # The range is the service's (scrutiny_services.MOST_CASES), named on this field.
        error_messages={"invalid": _("Enter the number of cases as a whole number")},
        widget=forms.NumberInput(attrs={"class": "govuk-input--width-3"}),
    )

    def __init__(self, *args: Any, forces: list[tuple[Any, Any]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.ChoiceField, self.fields["force"])
        field.choices = [("", _("Select a force")), *forces]

    def service_arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "force_id": data.get("force") or None,
            "month": first_day_of(data["month"]) if data.get("month") else None,
            "size": data.get("size"),
        }


class ReviewForm(forms.Form):
    appropriate = radio_field(
        _("Was the out-of-court disposal appropriate?"),
        ScrutinyReview.Answer.choices,
        help_text=_("For the offence, the person and the victim, as the record shows them."),
    )
    consistent = radio_field(
        _("Was it consistent with policy and with similar cases?"),
        ScrutinyReview.Answer.choices,
    )
    comments = forms.CharField(
        label=_("Comments (optional)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What the force should know: good practice, concerns, questions."),
    )
