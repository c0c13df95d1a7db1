"""The forms of the reference data pages: a new version of a code, and the end of one."""

from typing import Any

from django import forms
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from pont.core.forms import DateInputField
from pont.core.reference import BOOLEAN, INTEGER, ReferenceTable, reference_field_kind

from .reference_services import (
    CODE_INVALID,
    CODE_PATTERN,
    CODE_REQUIRED,
    END_REQUIRED,
    LABEL_CY_REQUIRED,
    LABEL_EN_REQUIRED,
    SOURCE_REQUIRED,
    START_REQUIRED,
)

EXTRA_REQUIRED = _("Enter a value for %(field)s")
POSITION_INVALID = _("Enter the position as a whole number of 0 or more, like 10")


def _numeric(width: int) -> forms.TextInput:
    # GOV.UK asks for a text input with a numeric keyboard, not type="number".
    return forms.TextInput(
        attrs={
            "inputmode": "numeric",
            "spellcheck": "false",
            "class": f"govuk-input--width-{width}",
        }
    )


class ReferenceRowAddForm(forms.Form):
    """Code, labels, start date, source and order, then the table's own editable fields."""

    code = forms.CharField(
        label=_("Code"),
        max_length=64,
        help_text=_(
            "Use an existing code to start a new version of it, or a new code for a new entry."
        ),
        error_messages={"required": CODE_REQUIRED},
        widget=forms.TextInput(attrs={"class": "govuk-input--width-20", "spellcheck": "false"}),
    )
    label_en = forms.CharField(
        label=_("English label"), max_length=255, error_messages={"required": LABEL_EN_REQUIRED}
    )
    label_cy = forms.CharField(
        label=_("Welsh label"),
        max_length=255,
        error_messages={"required": LABEL_CY_REQUIRED},
        widget=forms.TextInput(attrs={"lang": "cy"}),
    )
    effective_from = DateInputField(
        label=_("Date this version starts"),
        help_text=_(
            "For example, 1 4 2026. The version of this code in force on that day, if any, "
            "ends the day before."
        ),
        error_messages={"required": START_REQUIRED},
    )
    source = forms.CharField(
        label=_("Source"),
        max_length=500,
        help_text=_("The Act and section, the guidance or the data standard this comes from."),
        error_messages={"required": SOURCE_REQUIRED},
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    sort_order = forms.IntegerField(
        label=_("Position in lists"),
        min_value=0,
        initial=0,
        help_text=_("Entries with lower numbers come first."),
        error_messages={
            "required": POSITION_INVALID,
            "invalid": POSITION_INVALID,
            "min_value": POSITION_INVALID,
        },
        widget=_numeric(5),
    )

    def __init__(self, *args: Any, table: ReferenceTable, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.table = table
        for model_field in table.extra_fields:
            if model_field.name in table.editable_fields:
                self.fields[model_field.name] = _extra_field(model_field)

    def clean_code(self) -> str:
        code: str = self.cleaned_data["code"]
        if not CODE_PATTERN.match(code):
            raise forms.ValidationError(CODE_INVALID, code="invalid")
        return code

    @property
    def extra(self) -> dict[str, Any]:
        """The table's own fields, as the service takes them."""
        return {name: self.cleaned_data[name] for name in self.table.editable_fields}


def _extra_field(model_field: Any) -> forms.Field:
    label = capfirst(model_field.verbose_name)
    kind = reference_field_kind(model_field)
    if kind == BOOLEAN:
        return forms.BooleanField(label=label, required=False)
    required = {"required": EXTRA_REQUIRED % {"field": model_field.verbose_name}}
    if kind == INTEGER:
        # The model field's form field brings its bounds (a positive field: 0 or more).
        field: forms.Field = model_field.formfield(widget=_numeric(5), error_messages=required)
        return field
    field = model_field.formfield(error_messages=required)
    return field


class ReferenceRowEndForm(forms.Form):
    """The last day an entry is in force. One per row, told apart by its prefix."""

    effective_to = DateInputField(
        label=_("Last day it is in force"),
        help_text=_("For example, 31 3 2027"),
        error_messages={"required": END_REQUIRED},
    )
