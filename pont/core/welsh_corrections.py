"""Django's own strings that our Welsh catalogue corrects or completes.

Django's catalogue spells July "Gorffenaf"; the word is "Gorffennaf". Its password
validators' messages have no Welsh, and its "didn't match" is written there with a straight
apostrophe where Django 5.2 asks with a curly one, so it is never found. Marking the strings
here keeps them in our catalogue when messages are remade, and our translation is found
before Django's (LOCALE_PATHS comes first). A test asks each in Welsh.
"""

from django.utils.translation import gettext_noop, ngettext_lazy, pgettext_lazy

CORRECTED = (
    gettext_noop("July"),
    pgettext_lazy("alt. month", "July"),
)

# django.contrib.auth.password_validation and forms, as Django 5.2 words them.
COMPLETED = (
    ngettext_lazy(
        "This password is too short. It must contain at least %d character.",
        "This password is too short. It must contain at least %d characters.",
        "min_length",
    ),
    gettext_noop("This password is too common."),
    gettext_noop("This password is entirely numeric."),
    gettext_noop("The password is too similar to the %(verbose_name)s."),
    gettext_noop("The two password fields didn’t match."),
)
