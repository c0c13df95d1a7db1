"""The scopes an API client can be granted. Modules register theirs at start-up."""

from django.utils.functional import Promise

_scopes: dict[str, str | Promise] = {}


def register_scope(code: str, description: str | Promise) -> None:
    _scopes[code] = description


def known_scopes() -> dict[str, str | Promise]:
    return dict(sorted(_scopes.items()))
