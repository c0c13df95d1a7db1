"""Policy rows for stop and search: officers record; those who oversee the force's searches
read them all; a front-line officer sees and amends only their own (someone else's: not found).

The scene's search was recorded by the inspector: a drugs search that found drugs, with the
person named, so every page and action on it is open to the inspector and not found for the
front-line officer.

The monthly audit: the scene also has last month's sample, drawn by the periodic job, with a
search the front-line officer made (removal of more than outer clothing, so always drawn).
Both inspectors review it: the force's inspector and the independent inspector of the
commissioner's office; only the force's inspector draws samples. The figures are for the
inspector, the operations lead and (in aggregate) the commissioner's office; an officer who
records searches reads the feedback on their own.
"""

from typing import Any

from pont.testing.personas import (
    ANALYST,
    FRONTLINE,
    INDEPENDENT,
    INSPECTOR,
    OPCC,
    OPSLEAD,
    PANEL,
)
from pont.testing.policy import Rule, Scene, public_view, same_for, staff_view

_RECORDERS = frozenset({FRONTLINE, INSPECTOR})  # RECORD_SEARCH, AMEND_SEARCH_OUTCOME
_OVERSEERS = frozenset({INSPECTOR, ANALYST, OPSLEAD})  # VIEW_SEARCHES
_READERS = _RECORDERS | _OVERSEERS
_REVIEWERS = frozenset({INSPECTOR, INDEPENDENT})  # REVIEW_SEARCHES
_AUDIT_FIGURES = frozenset({INSPECTOR, OPSLEAD, OPCC})  # VIEW_SEARCH_AUDIT
_FIGURES = _OVERSEERS | _AUDIT_FIGURES  # VIEW_SEARCHES or VIEW_SEARCH_AUDIT


def _build(world: Any) -> dict[str, Any]:
    from pont.testing.referrals import reachable_person
    from pont.testing.stop_search import (
        drawn_sample,
        previous_month,
        recorded_search,
        searched_in,
    )

    person = reachable_person(world, given_name="Gethin")
    frontline_search = searched_in(
        world, previous_month(), person=person, removal_more_than_outer_clothing=True
    )
    sample = drawn_sample(world)
    return {
        "stop_search": recorded_search(world, person=person, actor_code=INSPECTOR),
        "audit_sample": sample,
        "sampled_search": sample.sampled.get(search=frontline_search),
    }


SCENE = Scene(provides=frozenset({"stop_search", "audit_sample", "sampled_search"}), build=_build)


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
    # The person's copy of the record: a PDF asked for with a button (a disclosure), for
    # those who may see the search.
    Rule(
        "stop_search:copy",
        staff_view(post={**same_for(_OVERSEERS, 200), FRONTLINE: 404}, capable=_READERS),
        kwargs={"search_id": "stop_search"},
        download=True,
    ),
    # An empty amendment (no version) or referral (no service, reason or consent) is refused.
    _inspectors_search("stop_search:amend", get=200, post=400),
    _inspectors_search("stop_search:refer", get=200, post=400),
    # Figures only, small numbers suppressed: anyone, signed in or not.
    Rule("stop_search:public", public_view()),
    # The staff figures: the force's own for those who read its searches or its audit figures;
    # every force's, suppressed, for the commissioner's office.
    Rule(
        "stop_search:figures",
        staff_view(get=same_for(_FIGURES, 200), capable=_FIGURES),
    ),
    # The monthly audit. An empty draw (no month) or review (no answers) is refused.
    Rule(
        "stop_search:audit_list",
        staff_view(
            get=same_for(_REVIEWERS, 200),
            post={INSPECTOR: 400, INDEPENDENT: 403},  # the force draws; the commissioner's reviews
            capable=_REVIEWERS,
        ),
    ),
    Rule(
        "stop_search:audit_sample",
        staff_view(get=same_for(_REVIEWERS, 200), capable=_REVIEWERS),
        kwargs={"sample_id": "audit_sample"},
    ),
    Rule(
        "stop_search:audit_review",
        staff_view(
            get=same_for(_REVIEWERS, 200), post=same_for(_REVIEWERS, 400), capable=_REVIEWERS
        ),
        kwargs={"sampled_id": "sampled_search"},
    ),
    Rule(
        "stop_search:audit_feedback", staff_view(get=same_for(_RECORDERS, 200), capable=_RECORDERS)
    ),
    Rule(
        "stop_search:audit_dashboard",
        staff_view(get=same_for(_AUDIT_FIGURES, 200), capable=_AUDIT_FIGURES),
    ),
    Rule(
        "stop_search:audit_dashboard_csv",
        staff_view(get=same_for(_AUDIT_FIGURES, 200), capable=_AUDIT_FIGURES),
    ),
]


# police.uk data: only the force's analysts import and export (IMPORT_POLICEUK). The scene's
# upload job is the analyst's, waiting for the worker. An empty upload (no file) or export
# (no month) is refused; the export is a download, by POST only (it is audited).
def _build_policeuk(world: Any, _build_before: Any = SCENE.build) -> dict[str, Any]:
    from types import SimpleNamespace

    from django.core.files.uploadedfile import SimpleUploadedFile

    from pont.stop_search import policeuk_jobs

    analyst = world.user(ANALYST)
    force, _organisation = policeuk_jobs.policeuk_forces_for(user=analyst)[0]
    job_id = policeuk_jobs.policeuk_job_create(
        actor=analyst,
        force=force,
        files=[SimpleUploadedFile("2019-09-dyfed-powys-stop-and-search.csv", b"Type\n")],
    )
    return {**_build_before(world), "policeuk_job": SimpleNamespace(pk=job_id)}


SCENE = Scene(provides=SCENE.provides | {"policeuk_job"}, build=_build_policeuk)
_IMPORTERS = frozenset({ANALYST})  # IMPORT_POLICEUK

RULES += [
    Rule(
        "stop_search:policeuk",
        staff_view(
            get=same_for(_IMPORTERS, 200), post=same_for(_IMPORTERS, 400), capable=_IMPORTERS
        ),
    ),
    Rule(
        "stop_search:policeuk_job",
        staff_view(get=same_for(_IMPORTERS, 200), capable=_IMPORTERS),
        kwargs={"job_id": "policeuk_job"},
    ),
    Rule(
        "stop_search:policeuk_export",
        staff_view(post=same_for(_IMPORTERS, 400), capable=_IMPORTERS),
    ),
]


# The Quality Assurance Panel. The scene has two sessions of last month's searches: one open
# to the panel (every case prepared by the force) and one closed (judged, so its report is
# made). The commissioner's office arranges, opens, closes and publishes; the panel member
# judges and asks for footage; the force's inspector prepares cases and responds. Empty
# forms are refused (400); a case of an open session can no longer be prepared (back to the
# session, 302); a report exists once the session is closed.
def _build_panel(world: Any, _build_before: Any = SCENE.build) -> dict[str, Any]:
    from pont.testing.stop_search import closed_session, opened_session

    built = _build_before(world)
    session = opened_session(world)
    return {
        **built,
        "panel_session": session,
        "panel_case": session.cases.order_by("number").first(),
        "panel_closed": closed_session(world),
    }


SCENE = Scene(
    provides=SCENE.provides | {"panel_session", "panel_case", "panel_closed"}, build=_build_panel
)
_PANEL_ROLES = frozenset({OPCC, PANEL, INSPECTOR})
_ARRANGERS = frozenset({OPCC})  # ARRANGE_PANEL_SESSIONS
_JUDGES = frozenset({PANEL})  # JUDGE_PANEL_CASES
_RESPONDERS = frozenset({INSPECTOR})  # RESPOND_TO_PANEL
_SESSION = {"session_id": "panel_session"}
_CASE = {"case_id": "panel_case"}

RULES += [
    Rule(
        "stop_search:panel_list",
        staff_view(
            get=same_for(_PANEL_ROLES, 200),
            post={OPCC: 400, PANEL: 403, INSPECTOR: 403},
            capable=_PANEL_ROLES,
        ),
    ),
    Rule("stop_search:panel_public", public_view()),
    Rule(
        "stop_search:panel_session",
        staff_view(get=same_for(_PANEL_ROLES, 200), capable=_PANEL_ROLES),
        kwargs=_SESSION,
    ),
    Rule(
        "stop_search:panel_status",
        staff_view(post=same_for(_ARRANGERS, 400), capable=_ARRANGERS),
        kwargs=_SESSION,
    ),
    Rule(
        "stop_search:panel_response",
        staff_view(post=same_for(_RESPONDERS, 400), capable=_RESPONDERS),
        kwargs=_SESSION,
    ),
    Rule(
        "stop_search:panel_summary",
        staff_view(post=same_for(_ARRANGERS, 400), capable=_ARRANGERS),
        kwargs=_SESSION,
    ),
    Rule(
        "stop_search:panel_report",
        staff_view(post=same_for(_PANEL_ROLES, 200), capable=_PANEL_ROLES),
        kwargs={"session_id": "panel_closed"},
        download=True,
    ),
    Rule(
        "stop_search:panel_case",
        staff_view(
            get=same_for(_PANEL_ROLES, 200),
            post={PANEL: 400, OPCC: 403, INSPECTOR: 403},
            capable=_PANEL_ROLES,
        ),
        kwargs=_CASE,
    ),
    Rule(
        "stop_search:panel_footage",
        staff_view(post=same_for(_JUDGES, 302), capable=_JUDGES),
        kwargs=_CASE,
    ),
    Rule(
        "stop_search:panel_prepare",
        staff_view(
            get=same_for(_RESPONDERS, 200), post=same_for(_RESPONDERS, 302), capable=_RESPONDERS
        ),
        kwargs=_CASE,
    ),
]
