"""Who may see a person's record: the controller's staff, and registered relationships.

A provider's staff see the people referred to their provider (the NHS
"legitimate relationship" pattern); the referral module tells this module
so by registering a relationship at start-up, because this module may not
import it.
"""

from collections.abc import Callable
from typing import Any

from django.db.models import Q

Relationship = Callable[[Any], Q]

_relationships: dict[str, Relationship] = {}


def register_person_relationship(name: str, relationship: Relationship) -> None:
    """Add a rule: relationship(user) returns a Q over Person for the people it opens."""
    _relationships[name] = relationship


def relationship_conditions(user: Any) -> list[Q]:
    return [relationship(user) for relationship in _relationships.values()]
