"""Policy rows for the disposals dashboard (see policy.py)."""

from typing import Any

from pont.testing.policy import Rule, Scene


def _build(world: Any) -> dict[str, Any]:
    return {}


DASHBOARD_SCENE = Scene(provides=frozenset(), build=_build)
DASHBOARD_RULES: list[Rule] = []
