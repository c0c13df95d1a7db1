"""Policy rows for signing in, accounts, user management and API clients."""

from pont.testing.personas import PROV_A_MGR, PROV_B_MGR, SYSADMIN, UNVERIFIED
from pont.testing.policy import (
    LOGIN,
    NOT_SIGNED_IN,
    OTP,
    REDIRECT,
    STAFF,
    Rule,
    grid,
    same_for,
    staff_view,
)

_MANAGERS = frozenset({PROV_A_MGR, PROV_B_MGR, SYSADMIN})

RULES = [
    # Sign-in is public. A signed-in, verified user is sent on; a password
    # without a code still sees the form. An empty POST re-shows it with errors.
    Rule(
        "accounts:login",
        {
            "GET": grid(REDIRECT, groups=[(NOT_SIGNED_IN | {UNVERIFIED}, 200)]),
            "POST": grid(REDIRECT, groups=[(NOT_SIGNED_IN | {UNVERIFIED}, 200)]),
            "PUT": grid(405),
            "DELETE": grid(405),
        },
    ),
    Rule(
        "accounts:logout",
        {"GET": grid(405), "POST": grid(LOGIN), "PUT": grid(405), "DELETE": grid(405)},
    ),
    # The code page: for a password without a code; the verified are sent on.
    Rule(
        "accounts:otp_verify",
        {
            "GET": grid(REDIRECT, groups=[(NOT_SIGNED_IN, LOGIN)], **{UNVERIFIED: 200}),
            "POST": grid(REDIRECT, groups=[(NOT_SIGNED_IN, LOGIN)], **{UNVERIFIED: 200}),
            "PUT": grid(405, groups=[(NOT_SIGNED_IN, LOGIN)]),
            "DELETE": grid(405, groups=[(NOT_SIGNED_IN, LOGIN)]),
        },
    ),
    # Enrolment: every persona already has an authenticator, so all are sent to the code page.
    Rule(
        "accounts:otp_setup",
        {
            "GET": grid(OTP, groups=[(NOT_SIGNED_IN, LOGIN)]),
            "POST": grid(OTP, groups=[(NOT_SIGNED_IN, LOGIN)]),
            "PUT": grid(405, groups=[(NOT_SIGNED_IN, LOGIN)]),
            "DELETE": grid(405, groups=[(NOT_SIGNED_IN, LOGIN)]),
        },
    ),
    Rule("accounts:account", staff_view(get=same_for(STAFF, 200))),
    Rule(
        "accounts:password_change", staff_view(get=same_for(STAFF, 200), post=same_for(STAFF, 200))
    ),
    Rule("accounts:user_list", staff_view(get={SYSADMIN: 200}, capable={SYSADMIN})),
    Rule(
        "accounts:user_create",
        staff_view(get={SYSADMIN: 200}, post={SYSADMIN: 200}, capable={SYSADMIN}),
    ),
    Rule(
        "accounts:user_deactivate",
        staff_view(post={SYSADMIN: REDIRECT}, capable={SYSADMIN}),
        kwargs={"user_id": "managed_user"},
    ),
    Rule(
        "accounts:user_second_factor_reset",
        staff_view(post={SYSADMIN: REDIRECT}, capable={SYSADMIN}),
        kwargs={"user_id": "managed_user"},
    ),
    Rule("accounts:api_client_list", staff_view(get=same_for(_MANAGERS, 200), capable=_MANAGERS)),
    Rule(
        "accounts:api_client_create",
        staff_view(get=same_for(_MANAGERS, 200), post=same_for(_MANAGERS, 200), capable=_MANAGERS),
    ),
    # A client of provider A: provider B's manager is told it does not exist.
    Rule(
        "accounts:api_client_revoke",
        staff_view(
            post={PROV_A_MGR: REDIRECT, SYSADMIN: REDIRECT, PROV_B_MGR: 404}, capable=_MANAGERS
        ),
        kwargs={"client_id": "client_a"},
    ),
]
