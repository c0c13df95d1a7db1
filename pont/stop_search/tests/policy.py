"""Policy rows for stop and search: officers record; those who oversee the force's searches
read them all; a front-line officer sees and amends only their own (someone else's: not found).

The scene's search was recorded by the inspector: a drugs search that found drugs, with the
person named, so every page and action on it is open to the inspector and not found for the
front-line officer.
"""

from typing import Any

from pont.testing.personas import ANALYST, FRONTLINE, INSPECTOR, OPSLEAD
from pont.testing.policy import Rule, Scene, public_view, same_for, staff_view

_RECORDERS = frozenset({FRONTLINE, INSPECTOR})  # RECORD_SEARCH, AMEND_SEARCH_OUTCOME
_OVERSEERS = frozenset({INSPECTOR, ANALYST, OPSLEAD})  # VIEW_SEARCHES
_READERS = _RECORDERS | _OVERSEERS


def _build(world: Any) -> dict[str, Any]:
    from pont.testing.referrals import reachable_person
    from pont.testing.stop_search import recorded_search

    person = reachable_person(world, given_name="Gethin")
    return {"stop_search": recorded_search(world, person=person, actor_code=INSPECTOR)}


SCENE = Scene(provides=frozenset({"stop_search"}), build=_build)


def _inspectors_search(name: str, *, get: Any, post: Any = None) -> Rule:
    """The inspector's search: open to the inspector, not found for the front-line officer."""
    return Rule(
        name,
        staff_view(
            get={INSPECTOR: get, FRONTLINE: 404},
            post={INSPECTOR: post, FRONTLINE: 404} if post is not None else None,
            capable=_RECORDERS,
        ),
        kwargs={"search_id": "stop_search"},
    )


RULES = [
    Rule("stop_search:list", staff_view(get=same_for(_READERS, 200), capable=_READERS)),
    # An empty record names every missing field.
    Rule(
        "stop_search:create",
        staff_view(
            get=same_for(_RECORDERS, 200), post=same_for(_RECORDERS, 400), capable=_RECORDERS
        ),
    ),
    Rule(
        "stop_search:detail",
        staff_view(get={**same_for(_OVERSEERS, 200), FRONTLINE: 404}, capable=_READERS),
        kwargs={"search_id": "stop_search"},
    ),
    # An empty amendment (no version) or referral (no service, reason or consent) is refused.
    _inspectors_search("stop_search:amend", get=200, post=400),
    _inspectors_search("stop_search:refer", get=200, post=400),
    # Figures only, small numbers suppressed: anyone, signed in or not.
    Rule("stop_search:public", public_view()),
]
