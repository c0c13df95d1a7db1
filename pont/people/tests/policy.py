"""Policy rows for person records.

Police see the force's records; providers see none of them until referrals exist.
"""

from pont.testing.policy import (
    POLICE_OFFICERS,
    POLICE_READERS,
    PROVIDERS,
    REDIRECT,
    Rule,
    same_for,
    staff_view,
)

_READERS = POLICE_READERS | PROVIDERS
_CHANGERS = POLICE_OFFICERS | PROVIDERS

RULES = [
    # A search is kept in the session and shown on the page it redirects to (POST/redirect/GET).
    Rule(
        "people:search",
        staff_view(
            get=same_for(_READERS, 200), post=same_for(_READERS, REDIRECT), capable=_READERS
        ),
        data=lambda scene: {"name": "Policy"},
    ),
    Rule(
        "people:create",
        staff_view(
            get=same_for(POLICE_OFFICERS, 200),
            post=same_for(POLICE_OFFICERS, 200),
            capable=POLICE_OFFICERS,
        ),
    ),
    # A person recorded by the force: providers may read people in general,
    # but not this one (no referral to them), so it does not exist for them.
    Rule(
        "people:detail",
        staff_view(
            get={**same_for(POLICE_READERS, 200), **same_for(PROVIDERS, 404)},
            capable=_READERS,
        ),
        kwargs={"person_id": "person"},
    ),
    Rule(
        "people:edit",
        staff_view(
            get={**same_for(POLICE_OFFICERS, 200), **same_for(PROVIDERS, 404)},
            post={**same_for(POLICE_OFFICERS, 200), **same_for(PROVIDERS, 404)},
            capable=_CHANGERS,
        ),
        kwargs={"person_id": "person"},
    ),
    # A POST without a kind of route (a changed page) is asked the kind again, with the error.
    Rule(
        "people:contact_route_add",
        staff_view(
            get={**same_for(POLICE_OFFICERS, 200), **same_for(PROVIDERS, 404)},
            post={**same_for(POLICE_OFFICERS, 400), **same_for(PROVIDERS, 404)},
            capable=_CHANGERS,
        ),
        kwargs={"person_id": "person"},
    ),
    Rule(
        "people:contact_route_end",
        staff_view(
            post={**same_for(POLICE_OFFICERS, REDIRECT), **same_for(PROVIDERS, 404)},
            capable=_CHANGERS,
        ),
        kwargs={"person_id": "person", "route_id": "route"},
    ),
]
