"""Render Django form fields as GOV.UK Frontend components."""

from typing import Any

from django import forms, template
from django.core.exceptions import NON_FIELD_ERRORS
from django.forms.boundfield import BoundField

from pont.core.forms import DateInputWidget

register = template.Library()

_INPUTS = (
    forms.TextInput,
    forms.EmailInput,
    forms.PasswordInput,
    forms.NumberInput,
    forms.URLInput,
)


def _kind(field: BoundField) -> str:
    widget = field.field.widget
    if isinstance(widget, DateInputWidget):
        return "date"
    # CheckboxSelectMultiple is a subclass of RadioSelect: test it first.
    if isinstance(widget, forms.CheckboxSelectMultiple):
        return "checkboxes"
    if isinstance(widget, forms.RadioSelect):
        return "radios"
    if isinstance(widget, forms.CheckboxInput):
        return "checkbox"
    if isinstance(widget, forms.Select):
        return "select"
    if isinstance(widget, forms.Textarea):
        return "textarea"
    if isinstance(widget, forms.HiddenInput):
        return "hidden"
    if isinstance(widget, _INPUTS):
        return "input"
    raise template.TemplateSyntaxError(f"No GOV.UK rendering for {type(widget).__name__}")


def field_anchor(field: BoundField) -> str:
    """Return the id that an error summary link should point at."""
    kind = _kind(field)
    if kind in ("date", "radios", "checkboxes"):
        return f"{field.auto_id}_0"
    return field.auto_id


@register.inclusion_tag("govuk/field.html")
def govuk_field(
    field: BoundField,
    label_size: str = "",
    hint: str = "",
    classes: str = "",
    page_heading: bool = False,
) -> dict[str, Any]:
    """Render one field with its label, hint and error message.

    page_heading=True makes the label (or legend) the page's <h1>, for
    one-question pages.
    """
    kind = _kind(field)
    widget = field.field.widget
    value = field.value()
    options = []
    if kind in ("radios", "checkboxes", "select"):
        selected = value if isinstance(value, list | tuple) else [value]
        selected_text = {str(v) for v in selected if v not in (None, "")}
        choices = getattr(field.field, "choices", [])
        for index, (option_value, option_label) in enumerate(choices):
            options.append(
                {
                    "value": option_value,
                    "label": option_label,
                    "id": f"{field.auto_id}_{index}",
                    "checked": str(option_value) in selected_text,
                }
            )
    date_parts = []
    if kind == "date":
        raw = value if isinstance(value, list | tuple) else widget.decompress(value)
        names = ["day", "month", "year"]
        for index, part in enumerate(raw):
            date_parts.append(
                {
                    "name": f"{field.html_name}_{index}",
                    "id": f"{field.auto_id}_{index}",
                    "label": names[index],
                    "value": "" if part is None else part,
                    "width": 4 if index == 2 else 2,
                }
            )
    attrs = dict(getattr(widget, "attrs", {}) or {})
    return {
        "field": field,
        "kind": kind,
        "options": options,
        "date_parts": date_parts,
        "label_size": label_size or ("l" if page_heading else ""),
        "page_heading": page_heading,
        "hint": hint or field.help_text,
        "classes": " ".join(filter(None, [classes, attrs.pop("class", "")])),
        "attrs": attrs,
        "input_type": getattr(widget, "input_type", "text"),
        "value": "" if value is None or kind == "checkbox" else value,
        "checked": bool(value) if kind == "checkbox" else False,
        "describedby": " ".join(
            filter(
                None,
                [
                    f"{field.auto_id}-hint" if (hint or field.help_text) else "",
                    f"{field.auto_id}-error" if field.errors else "",
                ],
            )
        ),
    }


@register.inclusion_tag("govuk/error_summary.html")
def govuk_error_summary(*forms_: forms.BaseForm) -> dict[str, Any]:
    """Render the error summary for one or more forms, linking each error to its field."""
    items = []
    for form in forms_:
        if form is None or not form.is_bound:
            continue
        for message in form.non_field_errors():
            items.append({"href": "", "text": message})
        for name, errors in form.errors.items():
            if name == NON_FIELD_ERRORS or name not in form.fields:
                continue
            anchor = field_anchor(form[name])
            for message in errors:
                items.append({"href": f"#{anchor}", "text": message})
    return {"items": items}


@register.filter
def attr_items(attrs: dict[str, Any]) -> list[tuple[str, Any]]:
    return sorted(attrs.items())
