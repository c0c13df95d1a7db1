"""Policy rows for out-of-court disposals: the force's officers (custody, front-line) and
inspectors read its disposals; only the officer in charge (the front-line officer in the scene)
or a supervisor (the inspector) acts on one, and only a supervisor authorises.

The scene: the front-line officer's draft community resolution with an apology condition, a
conditional caution awaiting nothing but issue (authorised), an issued one (its drug
assessment referred to provider A), and a breached community resolution with its task.
The scrutiny panel's and the dashboard's rows are in policy_scrutiny.py and policy_dashboard.py.
"""

from typing import Any

from pont.testing.personas import CUSTODY, FRONTLINE, INSPECTOR
from pont.testing.policy import REDIRECT, Rule, Scene, same_for, staff_view

from .policy_dashboard import DASHBOARD_RULES, DASHBOARD_SCENE
from .policy_scrutiny import SCRUTINY_RULES, SCRUTINY_SCENE

_READERS = frozenset({CUSTODY, FRONTLINE, INSPECTOR})  # DECIDE_DISPOSAL (and AUTHORISE)
_ACTORS = frozenset({FRONTLINE, INSPECTOR})  # the officer in charge, and a supervisor


def _build(world: Any) -> dict[str, Any]:
    from pont.disposals import services
    from pont.testing.disposals import (
        add_condition,
        authorised,
        conditional_caution,
        issued,
        issued_conditional_caution,
        recorded_disposal,
        reject_condition_referral,
    )

    draft = recorded_disposal(world)
    draft_condition = add_condition(world, draft, "apology")
    ready = conditional_caution(world)
    authorised(world, ready)
    running = issued_conditional_caution(world)
    rejected = issued_conditional_caution(world)
    reject_condition_referral(world, rejected)
    breached = recorded_disposal(world)
    failing = add_condition(world, breached, "apology")
    issued(world, breached)
    services.condition_record(
        actor=world.users[FRONTLINE],
        condition_id=failing.pk,
        outcome="failed",
        note="Refused",
        expected_version=failing.version,
    )
    return {
        "draft_disposal": draft,
        "draft_condition": draft_condition,
        "authorised_disposal": ready,
        "issued_disposal": running,
        "issued_condition": running.conditions.get(),
        "issued_notice": running.notices.get(),
        "rejected_disposal": rejected,
        "rejected_condition": rejected.conditions.get(),
        "breached_disposal": breached,
        "disposal_task": breached.tasks.get(),
    }


_SCENE = Scene(
    provides=frozenset(
        {
            "draft_disposal",
            "draft_condition",
            "authorised_disposal",
            "issued_disposal",
            "issued_condition",
            "issued_notice",
            "rejected_disposal",
            "rejected_condition",
            "breached_disposal",
            "disposal_task",
        }
    ),
    build=_build,
)


def _chain(*scenes: Scene) -> Scene:
    def build(world: Any) -> dict[str, Any]:
        built: dict[str, Any] = {}
        for scene in scenes:
            built.update(scene.build(world))
        return built

    return Scene(provides=frozenset().union(*(s.provides for s in scenes)), build=build)


SCENE = _chain(_SCENE, SCRUTINY_SCENE, DASHBOARD_SCENE)


def _acting(name: str, obj: str, *, get: Any = None, post: Any = None, **kwargs: str) -> Rule:
    """A page for the officer in charge or a supervisor: the other officer may not act (403)."""
    return Rule(
        name,
        staff_view(
            get=same_for(_ACTORS, get, **{CUSTODY: 403}) if get is not None else None,
            post=same_for(_ACTORS, post, **{CUSTODY: 403}) if post is not None else None,
            capable=_READERS,
        ),
        kwargs={"disposal_id": obj, **kwargs},
    )


RULES = [
    Rule("disposals:list", staff_view(get=same_for(_READERS, 200), capable=_READERS)),
    # Without a person: where to find one (an empty POST is refused).
    Rule(
        "disposals:create",
        staff_view(get=same_for(_READERS, 200), post=same_for(_READERS, 400), capable=_READERS),
    ),
    Rule("disposals:tasks", staff_view(get=same_for(_READERS, 200), capable=_READERS)),
    # The front-line officer's task: an empty note is refused; someone else's task: not found.
    Rule(
        "disposals:task_done",
        staff_view(post={FRONTLINE: 400, INSPECTOR: 404, CUSTODY: 404}, capable=_READERS),
        kwargs={"task_id": "disposal_task"},
    ),
    Rule(
        "disposals:detail",
        staff_view(get=same_for(_READERS, 200), capable=_READERS),
        kwargs={"disposal_id": "issued_disposal"},
    ),
    Rule(
        "disposals:notice",
        staff_view(get=same_for(_READERS, 200), capable=_READERS),
        kwargs={"disposal_id": "issued_disposal"},
    ),
    Rule(
        "disposals:notice_kept",
        staff_view(get=same_for(_READERS, 200), capable=_READERS),
        kwargs={"disposal_id": "issued_disposal", "notice_id": "issued_notice"},
    ),
    # The other officer of the force reads the disposal but may not act on it (403); an empty
    # form is refused (400); a one-button step without its version goes back with a message.
    _acting("disposals:condition_add", "draft_disposal", get=200, post=400),
    _acting(
        "disposals:condition_remove",
        "draft_disposal",
        post=REDIRECT,
        condition_id="draft_condition",
    ),
    _acting("disposals:submit", "draft_disposal", post=REDIRECT),
    _acting("disposals:issue", "authorised_disposal", get=200, post=400),
    _acting(
        "disposals:condition_outcome",
        "issued_disposal",
        get=200,
        post=400,
        condition_id="issued_condition",
    ),
    _acting(
        "disposals:condition_refer",
        "rejected_disposal",
        get=200,
        post=400,
        condition_id="rejected_condition",
    ),
    _acting("disposals:breach", "breached_disposal", get=200, post=400),
    # Only a supervisor authorises; an empty decision is refused.
    Rule(
        "disposals:authorise",
        staff_view(post={INSPECTOR: 400}, capable=frozenset({INSPECTOR})),
        kwargs={"disposal_id": "draft_disposal"},
    ),
    *SCRUTINY_RULES,
    *DASHBOARD_RULES,
]
