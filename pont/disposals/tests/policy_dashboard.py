"""Policy rows for the disposals dashboard (see policy.py): figures only, for the force's
inspectors and operations lead, and the commissioner's office in aggregate; nobody else.
The dashboard reads whatever disposals the scene holds, so it needs no objects of its own."""

from typing import Any

from pont.testing.personas import INSPECTOR, OPCC, OPSLEAD
from pont.testing.policy import Rule, Scene, same_for, staff_view

# VIEW_DISPOSAL_DASHBOARD (pont/accounts/roles.py).
_DASHBOARD = frozenset({INSPECTOR, OPSLEAD, OPCC})


def _build(world: Any) -> dict[str, Any]:
    return {}


DASHBOARD_SCENE = Scene(provides=frozenset(), build=_build)
DASHBOARD_RULES: list[Rule] = [
    Rule("disposals:dashboard", staff_view(get=same_for(_DASHBOARD, 200), capable=_DASHBOARD)),
    Rule("disposals:dashboard_csv", staff_view(get=same_for(_DASHBOARD, 200), capable=_DASHBOARD)),
]
