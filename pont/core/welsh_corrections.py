"""Corrections to Django's own Welsh catalogue, which our catalogue overrides.

Django's catalogue spells July "Gorffenaf"; the word is "Gorffennaf". Marking
the strings here keeps them in our catalogue when messages are remade, and
our translation is found before Django's (LOCALE_PATHS comes first).
"""

from django.utils.translation import gettext_noop, pgettext_lazy

CORRECTED = (
    gettext_noop("July"),
    pgettext_lazy("alt. month", "July"),
)
