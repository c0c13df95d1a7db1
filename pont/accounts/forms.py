from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.forms import PasswordChangeForm as DjangoPasswordChangeForm
from django.utils.translation import gettext_lazy as _

from .api_scopes import known_scopes
from .models import Organisation, User
from .roles import Role


class SignInForm(AuthenticationForm):
    """Username and password; the same message for any failure (no user enumeration)."""

    error_messages = {
        "invalid_login": _("Enter a correct username and password. Both are case-sensitive."),
        "inactive": _("Enter a correct username and password. Both are case-sensitive."),
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].label = _("Username")
        self.fields["username"].widget.attrs.update(
            {"autocomplete": "username", "spellcheck": "false", "autocapitalize": "none"}
        )
        self.fields["password"].label = _("Password")
        self.fields["password"].widget.attrs.update({"autocomplete": "current-password"})
        self.fields["username"].error_messages["required"] = _("Enter your username")
        self.fields["password"].error_messages["required"] = _("Enter your password")

    def clean_username(self) -> str:
        """No username is longer than the column holds: refused before it is tried (Django
        sets the field's max_length after making it, so only the browser checked it, and a
        failed attempt is recorded by django-axes in a column of 255: PostgreSQL refused a
        longer one with a server error). Said as any wrong username is."""
        username = self.cleaned_data.get("username") or ""
        if len(username) > (User._meta.get_field("username").max_length or 150):
            raise forms.ValidationError(self.error_messages["invalid_login"], code="invalid_login")
        return username


class CodeForm(forms.Form):
    token = forms.CharField(
        label=_("Code from your authenticator app"),
        help_text=_("The 6-digit code shown in the app, for example 123456."),
        max_length=12,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "spellcheck": "false",
                "class": "govuk-input--width-5",
            }
        ),
        error_messages={"required": _("Enter the 6-digit code from your authenticator app")},
    )


class PasswordChangeForm(DjangoPasswordChangeForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["old_password"].label = _("Current password")
        self.fields["new_password1"].label = _("New password")
        self.fields["new_password1"].help_text = _(
            "At least 12 characters. A few unrelated words make a strong password "
            "that is easy to remember."
        )
        self.fields["new_password2"].label = _("Confirm new password")
        self.fields["new_password2"].help_text = _("Type the new password again, exactly.")
        for name, message in (
            ("old_password", _("Enter your current password")),
            ("new_password1", _("Enter a new password")),
            ("new_password2", _("Enter the new password again")),
        ):
            self.fields[name].error_messages["required"] = message

    def clean_new_password1(self) -> str:
        """A new password, not the one in use (above all a temporary one an administrator has
        seen: changing it to itself would keep it)."""
        new = self.cleaned_data.get("new_password1", "")
        if new and self.user.check_password(new):
            raise forms.ValidationError(
                _("Choose a new password, different from the one you use now.")
            )
        return new


class UserCreateForm(forms.Form):
    username = forms.SlugField(
        label=_("Username"),
        max_length=150,
        error_messages={
            "required": _("Enter a username"),
            "invalid": _("A username can have only letters, numbers, hyphens and underscores"),
        },
    )
    given_name = forms.CharField(
        label=_("First name"), max_length=150, error_messages={"required": _("Enter a first name")}
    )
    family_name = forms.CharField(
        label=_("Last name"), max_length=150, error_messages={"required": _("Enter a last name")}
    )
    email = forms.EmailField(
        label=_("Email address"),
        error_messages={
            "required": _("Enter an email address"),
            "invalid": _("Enter an email address like name@example.org"),
        },
    )
    organisation = forms.ModelChoiceField(
        label=_("Organisation"),
        queryset=Organisation.objects.filter(is_active=True),
        error_messages={"required": _("Select an organisation")},
    )
    role = forms.ChoiceField(
        label=_("Role"), choices=Role.choices, error_messages={"required": _("Select a role")}
    )
    preferred_language = forms.ChoiceField(
        label=_("Preferred language"),
        choices=User.Language.choices,
        widget=forms.RadioSelect,
        initial=User.Language.ENGLISH,
        error_messages={"required": _("Select the language they prefer")},
    )


class ApiClientCreateForm(forms.Form):
    name = forms.CharField(
        label=_("Name of the partner system"),
        max_length=120,
        help_text=_("For example, the provider's case management system."),
        error_messages={"required": _("Enter the name of the partner system")},
    )
    organisation = forms.ModelChoiceField(
        label=_("Organisation"),
        queryset=Organisation.objects.none(),
        error_messages={"required": _("Select the organisation whose records the client sees")},
    )
    scopes = forms.MultipleChoiceField(
        label=_("What it may do"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Select at least one scope: what the partner system may do")},
    )

    def __init__(self, *args: Any, organisations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        organisation = self.fields["organisation"]
        assert isinstance(organisation, forms.ModelChoiceField)  # noqa: S101 - narrows the type
        organisation.queryset = organisations
        # With one organisation to choose (a provider manager's own), it is chosen: the page
        # names it as text and posts nothing for it. Another organisation posted for it (a
        # tampered form) is refused at the field, like one that does not exist.
        choices = list(organisations[:2])
        self.only_organisation = choices[0] if len(choices) == 1 else None
        if self.only_organisation is not None:
            organisation.required = False
            organisation.error_messages["invalid_choice"] = _(
                "You can add an API client for %(organisation)s only"
            ) % {"organisation": self.only_organisation.name}
        scopes = self.fields["scopes"]
        assert isinstance(scopes, forms.MultipleChoiceField)  # noqa: S101 - narrows the type
        scopes.choices = list(known_scopes().items())
        # A client with no scope can only check its key: when there are scopes to give, one
        # at least is needed (with none registered, the page says so and asks for none).
        scopes.required = bool(scopes.choices)

    def clean_organisation(self) -> Organisation | None:
        return self.cleaned_data["organisation"] or self.only_organisation
