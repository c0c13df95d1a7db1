"""How source modules hear about their referrals without the engine importing them.

A source (Test on Arrest, out-of-court disposals, ...) registers hooks for its
`Referral.Source` kind when its app starts. The engine calls `on_event` inside
the transaction of every step it applies, so a source's reaction (opening a
breach case when a Required Assessment is missed) commits with the step or
not at all; and it asks `links` what to show on the referral's page.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .actors import Actor
    from .models import Referral


@dataclass(frozen=True)
class SourceLink:
    label: str
    url: str


@dataclass(frozen=True)
class SourceHooks:
    # (referral, action, actor, detail): called after the step is saved, before commit.
    on_event: "Callable[[Referral, str, Actor, dict[str, Any]], None] | None" = None
    # (referral, user) -> links to the source's own pages for this referral, for that user.
    links: "Callable[[Referral, Any], list[SourceLink]] | None" = None


_HOOKS: dict[str, SourceHooks] = {}


def register_source(kind: str, hooks: SourceHooks) -> None:
    """Register the hooks of the module that makes referrals of this kind (once, at start-up)."""
    if kind in _HOOKS and _HOOKS[kind] != hooks:
        raise RuntimeError(f"Referral source {kind!r} is already registered.")
    _HOOKS[kind] = hooks


def notify(referral: "Referral", action: str, actor: "Actor", detail: dict[str, Any]) -> None:
    hooks = _HOOKS.get(referral.source_kind)
    if hooks is not None and hooks.on_event is not None:
        hooks.on_event(referral, action, actor, detail)


def links_for(referral: "Referral", user: Any) -> list[SourceLink]:
    hooks = _HOOKS.get(referral.source_kind)
    if hooks is None or hooks.links is None:
        return []
    return hooks.links(referral, user)
