"""Policy rows for the services directory: no personal data, so no capability.

Any signed-in member of staff may search the directory and open a service;
the public list and the HSDS 3.0 read API are open to everyone, with or
without a session or an API key.
"""

from pont.testing.policy import STAFF, Rule, grid, public_view, same_for, staff_view


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
]
