"""Policy rows for the services directory: no personal data, so no capability to read it.

Any signed-in member of staff may search the directory and open a service;
the public list and the HSDS 3.0 read API are open to everyone, with or
without a session or an API key. Whether a service takes referrals, and its
details, are changed by its own provider's managers only: another provider's
service does not exist for them.
"""

from typing import Any

from pont.testing.personas import PROV_A_MGR, PROV_B_MGR
from pont.testing.policy import (
    STAFF,
    Rule,
    Scene,
    grid,
    public_view,
    same_for,
    staff_view,
)

_MANAGERS = frozenset({PROV_A_MGR, PROV_B_MGR})


def _public_api() -> dict[str, dict[str, int | str]]:
    return {"GET": grid(200), "POST": grid(405), "PUT": grid(405), "DELETE": grid(405)}


RULES = [
    Rule("directory:search", staff_view(get=same_for(STAFF, 200))),
    Rule(
        "directory:service",
        staff_view(get=same_for(STAFF, 200)),
        kwargs={"service_id": "service"},
    ),
    Rule("directory:public_list", public_view()),
    Rule("api:get_hsds_root", _public_api()),
    Rule("api:list_hsds_services", _public_api()),
    Rule("api:get_hsds_service", _public_api(), kwargs={"id": "service"}),
    Rule("directory:settings", staff_view(get=same_for(_MANAGERS, 200), capable=_MANAGERS)),
    # Sent empty: the service's opening times are taken out (no line is a valid answer).
    Rule(
        "directory:opening_service",
        staff_view(
            get={PROV_A_MGR: 200, PROV_B_MGR: 404},
            post={PROV_A_MGR: 302, PROV_B_MGR: 404},
            capable=_MANAGERS,
        ),
        kwargs={"service_id": "provider_a_service"},
    ),
    # Sent empty: provider A's manager is shown the form's errors; provider B's organisation
    # has no directory entry, so its manager is told why nothing can be added (both 400).
    Rule(
        "directory:add_service",
        staff_view(
            get=same_for(_MANAGERS, 200),
            post=same_for(_MANAGERS, 400),
            capable=_MANAGERS,
        ),
    ),
    # Sent empty: no place is named, so every place is left as it is.
    Rule(
        "directory:places_service",
        staff_view(
            get={PROV_A_MGR: 200, PROV_B_MGR: 404},
            post={PROV_A_MGR: 302, PROV_B_MGR: 404},
            capable=_MANAGERS,
        ),
        kwargs={"service_id": "provider_a_service"},
    ),
    # Sent empty, the details and the referral settings: provider A's manager is shown the
    # form's errors (400).
    Rule(
        "directory:details_service",
        staff_view(
            get={PROV_A_MGR: 200, PROV_B_MGR: 404},
            post={PROV_A_MGR: 400, PROV_B_MGR: 404},
            capable=_MANAGERS,
        ),
        kwargs={"service_id": "provider_a_service"},
    ),
    Rule(
        "directory:settings_service",
        staff_view(
            get={PROV_A_MGR: 200, PROV_B_MGR: 404},
            post={PROV_A_MGR: 400, PROV_B_MGR: 404},
            capable=_MANAGERS,
        ),
        kwargs={"service_id": "provider_a_service"},
    ),
]


def _build(world: Any) -> dict[str, Any]:
    from pont.testing.referrals import provider_service

    return {"provider_a_service": provider_service(world)}


SCENE = Scene(provides=frozenset({"provider_a_service"}), build=_build)
