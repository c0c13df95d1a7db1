"""Password rules beyond Django's own (ASVS 6.2)."""

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# Words an attacker would try first against this service (ASVS 6.2.11).
CONTEXT_WORDS = (
    "pont",
    "dyfed",
    "powys",
    "heddlu",
    "police",
    "custody",
    "carmarthen",
    "ceredigion",
    "pembroke",
    "password",
    "cyfrinair",
)


class MaximumLengthValidator:
    """Allow long passphrases (ASVS asks for at least 64) but cap what argon2 must hash."""

    def __init__(self, max_length: int = 128) -> None:
        self.max_length = max_length

    def validate(self, password: str, user: Any = None) -> None:
        if len(password) > self.max_length:
            raise ValidationError(
                _("Your password must be %(max)d characters or fewer.") % {"max": self.max_length},
                code="password_too_long",
            )

    def get_help_text(self) -> str:
        return _("Your password can be up to %(max)d characters long.") % {"max": self.max_length}


class ContextWordValidator:
    """Refuse passwords built on the service's own words, like "Dyfed-Powys2026"."""

    def validate(self, password: str, user: Any = None) -> None:
        lowered = password.lower()
        if not any(word in lowered for word in CONTEXT_WORDS):
            return
        rest = lowered
        for word in CONTEXT_WORDS:
            rest = rest.replace(word, "")
        # What is left once the service's words are taken out must be a password on its own.
        if sum(ch.isalnum() for ch in rest) < 10:
            raise ValidationError(
                _(
                    "Your password is too close to a word connected with this service. "
                    "Use a phrase of several unrelated words instead."
                ),
                code="password_context_word",
            )

    def get_help_text(self) -> str:
        return _("Your password cannot be mostly a word connected with this service.")
