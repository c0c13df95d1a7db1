"""The form of the suite arrangement pages: a custody suite's new notified arrangement."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from pont.core.forms import DateInputField

from .services import ARRANGEMENT_SOURCE_REQUIRED, ARRANGEMENT_START_REQUIRED

# The three things a notification may cover, as the arrangement's flags.
CONDITIONS = (
    ("arrest_condition", _("Testing on arrest (the arrest condition, PACE s.63B)")),
    ("charge_condition", _("Testing on charge (the charge condition, PACE s.63B)")),
    ("required_assessment", _("Required Assessments (Drugs Act 2005 s.9)")),
)


class SuiteArrangementForm(forms.Form):
    """When the arrangement starts, what the Home Office notified, and where that is written."""

    effective_from = DateInputField(
        label=_("Date the arrangement starts"),
        help_text=_(
            "For example, 1 4 2026. The suite's arrangement in force on that day, if any, "
            "ends the day before."
        ),
        error_messages={"required": ARRANGEMENT_START_REQUIRED},
    )
    notified = forms.MultipleChoiceField(
        label=_("What the notification covers at this suite"),
        choices=CONDITIONS,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "Select all that apply. Select none if the arrangements were withdrawn: tests "
            "cannot then be recorded at the suite."
        ),
    )
    source = forms.CharField(
        label=_("Source"),
        max_length=500,
        help_text=_("The notification to the force, with its date or reference."),
        error_messages={"required": ARRANGEMENT_SOURCE_REQUIRED},
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    @property
    def flags(self) -> dict[str, Any]:
        """The arrangement's three flags, as the service takes them."""
        chosen = set(self.cleaned_data.get("notified") or ())
        return {name: name in chosen for name, _label in CONDITIONS}
