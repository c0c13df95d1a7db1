"""Policy rows for the disposals scrutiny (see policy.py)."""

from typing import Any

from pont.testing.policy import Rule, Scene


def _build(world: Any) -> dict[str, Any]:
    return {}


SCRUTINY_SCENE = Scene(provides=frozenset(), build=_build)
SCRUTINY_RULES: list[Rule] = []
