"""Policy rows for project-level URLs: the language switch and the API shell."""

from pont.testing.policy import API_CLIENTS, LOGIN, NOT_SIGNED_IN, REDIRECT, UNVERIFIED, Rule, grid

RULES = [
    # The language switch works for everyone, signed in or not, and only by POST.
    Rule(
        "set_language",
        {"GET": grid(405), "POST": grid(REDIRECT), "PUT": grid(405), "DELETE": grid(405)},
        data=lambda scene: {"language": "cy", "next": "/"},
    ),
    # API: health needs no key; /me needs a client's key; session cookies count for nothing.
    Rule(
        "api:health", {"GET": grid(200), "POST": grid(405), "PUT": grid(405), "DELETE": grid(405)}
    ),
    Rule(
        "api:me",
        {
            "GET": grid(401, groups=[(API_CLIENTS, 200)]),
            "POST": grid(405),
            "PUT": grid(405),
            "DELETE": grid(405),
        },
    ),
    # The schema is public (it holds no data); the interactive docs are for signed-in staff.
    Rule(
        "api:openapi-json",
        {"GET": grid(200), "POST": grid(405), "PUT": grid(405), "DELETE": grid(405)},
    ),
    Rule(
        "api:openapi-view",
        {
            "GET": grid(200, groups=[(NOT_SIGNED_IN | {UNVERIFIED}, LOGIN)]),
            "POST": grid(405),
            "PUT": grid(405),
            "DELETE": grid(405),
        },
    ),
    Rule(
        "api:api-root", {"GET": grid(404), "POST": grid(404), "PUT": grid(404), "DELETE": grid(404)}
    ),
]
