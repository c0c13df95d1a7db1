"""Search forms, sent by GET: the directory holds no personal data, so searches bookmark."""

from typing import Any, cast

from django import forms
from django.utils.translation import get_language_info
from django.utils.translation import gettext_lazy as _

from . import selectors
from .models import County


def _set_choices(form: forms.Form, name: str, choices: list[tuple[str, Any]]) -> None:
    cast(forms.ChoiceField, form.fields[name]).choices = choices


def _language_label(code: str) -> str:
    try:
        return str(get_language_info(code)["name_translated"])
    except KeyError:
        return code


class ServiceSearchForm(forms.Form):
    """What an officer looks for: words, needs, a county, a language."""

    q = forms.CharField(
        label=_("Name or keywords"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"spellcheck": "false"}),
    )
    need = forms.MultipleChoiceField(
        label=_("Help with"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Shows services that help with everything you select."),
    )
    county = forms.ChoiceField(label=_("County"), required=False)
    language = forms.ChoiceField(label=_("Offered in"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Built per request, so the labels are in the page's language.
        _set_choices(self, "need", [(n.code, n.label) for n in selectors.need_choices()])
        _set_choices(self, "county", [("", _("Any county")), *County.choices])
        codes = sorted(selectors.languages_offered(), key=lambda c: (c != "cy", c != "en", c))
        _set_choices(
            self,
            "language",
            [("", _("Any language")), *((code, _language_label(code)) for code in codes)],
        )


class PublicServiceFilterForm(forms.Form):
    """The public list's filters: what the service helps with, and where."""

    need = forms.ChoiceField(label=_("Help with"), required=False)
    county = forms.ChoiceField(label=_("Where you live"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set_choices(
            self,
            "need",
            [("", _("Anything")), *((n.code, n.label) for n in selectors.need_choices())],
        )
        _set_choices(self, "county", [("", _("Anywhere in Dyfed-Powys")), *County.choices])
