"""Who may see a person's record: the controller's staff, and registered relationships.

A provider's staff see the people referred to their provider (the NHS
"legitimate relationship" pattern); the referral module tells this module
so by registering a relationship at start-up, because this module may not
import it.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.db.models import Q
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

Relationship = Callable[[Any], Q]

_relationships: dict[str, Relationship] = {}


def register_person_relationship(name: str, relationship: Relationship) -> None:
    """Add a rule: relationship(user) returns a Q over Person for the people it opens."""
    _relationships[name] = relationship


def relationship_conditions(user: Any) -> list[Q]:
    return [relationship(user) for relationship in _relationships.values()]


@dataclass(frozen=True)
class PersonAction:
    """A link on a person's record to something another module does with them (refer, test...)."""

    key: str
    label: str | Promise
    url_name: str
    capability: str
    query_parameter: str = "person"

    def url_for(self, person_id: int) -> str:
        return f"{reverse(self.url_name)}?{urlencode({self.query_parameter: person_id})}"


_actions: dict[str, PersonAction] = {}


def register_person_action(action: PersonAction) -> None:
    _actions[action.key] = action


def person_actions_for(user: Any, person_id: int) -> list[dict[str, str]]:
    """The actions this user may take on the person, with their links."""
    return [
        {"label": str(action.label), "url": action.url_for(person_id)}
        for action in _actions.values()
        if user.has_perm(action.capability)
    ]


@dataclass(frozen=True)
class PersonSection:
    """A part of a person's record that another module shows (their referrals...).

    `rows(user, person)` returns what the user may see of it (an empty list hides the
    section); `template` renders them, given `rows` and `person`. The record's own view is
    audited as a consultation of the person, which covers what the sections show of them.
    """

    key: str
    template: str
    rows: Callable[[Any, Any], list[Any]]


_sections: dict[str, PersonSection] = {}


def register_person_section(section: PersonSection) -> None:
    _sections[section.key] = section


def person_sections_for(user: Any, person: Any) -> list[dict[str, Any]]:
    """The other modules' parts of this person's record that the user may see."""
    shown = []
    for section in _sections.values():
        rows = section.rows(user, person)
        if rows:
            shown.append({"template": section.template, "rows": rows})
    return shown


@dataclass(frozen=True)
class SearchPurpose:
    """Why an officer is finding a person, when another module sent them to the search (to
    refer them to a service...): a caption and a hint for the page, and for each person found
    a link to go on with."""

    caption: str
    hint: str
    link_label: str
    link: Callable[[int], str]


# A query parameter of the search page -> resolve(user, value): the purpose, or None when the
# value or the user does not allow it (the search is then a plain one, and the page says so).
_purposes: dict[str, Callable[[Any, str], SearchPurpose | None]] = {}
# A query parameter -> what the page says when its value gives no purpose.
_not_found: dict[str, str | Promise] = {}

# A purpose's value is an id; anything longer is not one (and is not kept in a session).
PURPOSE_VALUE_MAX_LENGTH = 100

PURPOSE_NOT_FOUND = _(
    "The page that sent you here asked for something that could not be found. "
    "Search for the person, then choose what to do from their record."
)


def register_search_purpose(
    parameter: str,
    resolve: Callable[[Any, str], SearchPurpose | None],
    *,
    not_found: str | Promise = PURPOSE_NOT_FOUND,
) -> None:
    """Add a purpose: `parameter` in the search page's query, resolved by `resolve`; the page
    shows `not_found` when the value gives no purpose (unknown, or not for this user: the
    same words either way, so that they reveal nothing)."""
    _purposes[parameter] = resolve
    _not_found[parameter] = not_found


def search_purpose_parameters(query: Any) -> dict[str, str]:
    """The registered purposes' parameters in a query (to carry through a form or a redirect)."""
    asked = {}
    for parameter in _purposes:
        value = query.get(parameter, "")
        if isinstance(value, str) and value:
            asked[parameter] = value[: PURPOSE_VALUE_MAX_LENGTH + 1]
    return asked


def search_purpose_for(user: Any, query: Any) -> SearchPurpose | None:
    """The purpose the search page's query gives, if any registered one applies."""
    for parameter, resolve in _purposes.items():
        value = query.get(parameter, "")
        if value and len(value) <= PURPOSE_VALUE_MAX_LENGTH:
            found = resolve(user, value)
            if found is not None:
                return found
    return None


def search_purpose_not_found(query: Any) -> str:
    """What the page says when the query asked for a purpose that gives none for this user."""
    for parameter in _purposes:
        if query.get(parameter, ""):
            return str(_not_found[parameter])
    return ""
