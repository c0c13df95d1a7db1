"""The service navigation: each module registers its entries; each role sees only its own.

Core cannot import the modules above it, so they register their entries
here from their AppConfig.ready(). An entry is shown to a user who holds its
capability (or, with no capability, to every signed-in user).
"""

from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise


@dataclass(frozen=True)
class NavItem:
    key: str
    label: str | Promise
    url: str | Promise
    # One capability, any of several, or None for every signed-in user.
    capability: str | tuple[str, ...] | None
    order: int
    description: str | Promise = ""
    # Views whose name starts with this are "in" the entry (highlighted as current).
    match: str = ""

    def is_current_for(self, view_name: str) -> bool:
        prefix = self.match or f"{self.key}:"
        return bool(view_name) and view_name.startswith(prefix)

    def visible_to(self, user: Any) -> bool:
        if not getattr(user, "is_authenticated", False):
            return False
        if self.capability is None:
            return True
        wanted = (self.capability,) if isinstance(self.capability, str) else self.capability
        return any(user.has_perm(capability) for capability in wanted)


_registry: dict[str, NavItem] = {}


def register_nav_item(item: NavItem) -> None:
    """Add (or replace, by key) a navigation entry."""
    _registry[item.key] = item


def nav_items_for(user: Any) -> list[NavItem]:
    """Return the entries this user may use, in order."""
    return sorted(
        (item for item in _registry.values() if item.visible_to(user)),
        key=lambda item: (item.order, item.key),
    )
