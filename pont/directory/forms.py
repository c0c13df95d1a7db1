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
        error_messages={
            "invalid_choice": _("Select what the person needs help with from the list")
        },
    )
    county = forms.ChoiceField(
        label=_("County"),
        required=False,
        error_messages={"invalid_choice": _("Select a county from the list")},
    )
    language = forms.ChoiceField(
        label=_("Offered in"),
        required=False,
        error_messages={"invalid_choice": _("Select a language from the list")},
    )
    open_now = forms.BooleanField(
        label=_("Open now"),
        required=False,
        help_text=_("By the opening times the service gives (bank holidays are not known)."),
    )

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

    need = forms.ChoiceField(
        label=_("Help with"),
        required=False,
        error_messages={"invalid_choice": _("Select what you need help with from the list")},
    )
    county = forms.ChoiceField(
        label=_("Where you live"),
        required=False,
        error_messages={"invalid_choice": _("Select where you live from the list")},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set_choices(
            self,
            "need",
            [("", _("Anything")), *((n.code, n.label) for n in selectors.need_choices())],
        )
        _set_choices(self, "county", [("", _("Anywhere in Dyfed-Powys")), *County.choices])


class ServiceReferralSettingsForm(forms.Form):
    """A provider manager's answer: does this service take referrals through Pont, and to
    which inbox are notices of new ones emailed."""

    accepts_referrals = forms.TypedChoiceField(
        label=_("Does this service take referrals through Pont?"),
        choices=[("yes", _("Yes")), ("no", _("No"))],
        coerce=lambda answer: answer == "yes",
        widget=forms.RadioSelect,
        error_messages={"required": _("Select yes if this service takes referrals through Pont")},
        help_text=_(
            "If yes, officers can refer people to it and you receive them in Pont. If no, "
            "officers still see it in the directory, with how to refer outside Pont."
        ),
    )
    referral_inbox_email = forms.EmailField(
        label=_("Email address for notices of new referrals (optional)"),
        required=False,
        max_length=254,
        help_text=_(
            "A shared inbox your team watches. Notices hold a link only, never the person's "
            "details. Leave it empty to use your organisation's email address."
        ),
        error_messages={"invalid": _("Enter an email address like referrals@example.org")},
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
    )
    # When the service had last changed as shown (optimistic concurrency).
    seen = forms.DateTimeField(widget=forms.HiddenInput, required=False)
