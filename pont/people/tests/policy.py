"""Policy rows for person records.

Police see the force's records; providers see none of them until referrals exist. The
identity of a record (name, date of birth, gender, PNC ID) is the force's to change: officers
only. How to reach the person (contact routes, preferred language) officers and the providers
the person was referred to keep current. Those rows use a person referred to provider A, so
that provider A's staff are answered for someone they can see (403 for the identity, the
change for the contact details) and provider B's for someone they cannot (404).
"""

from typing import Any

from pont.testing.personas import ANALYST, OPSLEAD, PROV_A, PROV_A_MGR, PROV_B, PROV_B_MGR
from pont.testing.policy import (
    POLICE_OFFICERS,
    POLICE_READERS,
    PROVIDERS,
    REDIRECT,
    Rule,
    Scene,
    same_for,
    staff_view,
)

_READERS = POLICE_READERS | PROVIDERS
# Who holds people.change_contact_routes: officers and providers.
_CONTACT_CHANGERS = POLICE_OFFICERS | PROVIDERS
# Provider A's staff see the referred person; provider B's do not.
_A = frozenset({PROV_A, PROV_A_MGR})
_B = frozenset({PROV_B, PROV_B_MGR})
# Police who read records but hold no change capability.
_POLICE_READ_ONLY = frozenset({ANALYST, OPSLEAD})


def _build(world: Any) -> dict[str, Any]:
    """A person recorded by the force, with a phone number, referred to provider A."""
    from pont.testing.referrals import reachable_person, referral_in

    person = reachable_person(world, given_name="Referred")
    referral_in(world, "requested", person=person)
    return {"referred_person": person, "referred_route": person.contact_routes.get()}


SCENE = Scene(provides=frozenset({"referred_person", "referred_route"}), build=_build)

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
    # The identity: officers only. Anyone who reads records is let in to be told: 404 for a
    # person they cannot see, 403 for one they can (provider A, the analyst, operations lead).
    # An empty POST is the form again (nothing sent), as for GET.
    Rule(
        "people:edit",
        staff_view(
            get={
                **same_for(POLICE_OFFICERS, 200),
                **same_for(_POLICE_READ_ONLY | _A, 403),
                **same_for(_B, 404),
            },
            post={
                **same_for(POLICE_OFFICERS, 200),
                **same_for(_POLICE_READ_ONLY | _A, 403),
                **same_for(_B, 404),
            },
            capable=_READERS,
        ),
        kwargs={"person_id": "referred_person"},
    ),
    # The preferred language is how to reach the person: the contact capability.
    Rule(
        "people:language",
        staff_view(
            get={**same_for(POLICE_OFFICERS | _A, 200), **same_for(_B, 404)},
            post={**same_for(POLICE_OFFICERS | _A, REDIRECT), **same_for(_B, 404)},
            capable=_CONTACT_CHANGERS,
        ),
        kwargs={"person_id": "referred_person"},
        data=lambda scene: {
            "preferred_language": "cy",
            "version": scene["referred_person"].version,
        },
    ),
    # A POST without a kind of route (a changed page) is asked the kind again, with the error.
    Rule(
        "people:contact_route_add",
        staff_view(
            get={**same_for(POLICE_OFFICERS | _A, 200), **same_for(_B, 404)},
            post={**same_for(POLICE_OFFICERS | _A, 400), **same_for(_B, 404)},
            capable=_CONTACT_CHANGERS,
        ),
        kwargs={"person_id": "referred_person"},
    ),
    Rule(
        "people:contact_route_end",
        staff_view(
            post={**same_for(POLICE_OFFICERS | _A, REDIRECT), **same_for(_B, 404)},
            capable=_CONTACT_CHANGERS,
        ),
        kwargs={"person_id": "referred_person", "route_id": "referred_route"},
    ),
]
