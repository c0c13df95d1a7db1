"""Policy rows for signing in, accounts, user management, API clients and reference data."""

from datetime import timedelta
from types import SimpleNamespace
from typing import Any

from django.utils import timezone

from pont.testing.personas import PROV_A_MGR, PROV_B_MGR, SYSADMIN, UNVERIFIED
from pont.testing.policy import (
    LOGIN,
    NOT_SIGNED_IN,
    OTP,
    REDIRECT,
    STAFF,
    Rule,
    Scene,
    grid,
    same_for,
    staff_view,
)

_MANAGERS = frozenset({PROV_A_MGR, PROV_B_MGR, SYSADMIN})
_SYSADMIN = frozenset({SYSADMIN})
_REFERENCE_TABLE = "referrals.closurereason"


def _reference_scene(world: Any) -> dict[str, Any]:
    """A closure reason that starts today, made by the system administrator."""
    from pont.accounts.reference_services import reference_row_add
    from pont.core.reference import reference_table_for

    table = reference_table_for(_REFERENCE_TABLE)
    assert table is not None
    row = reference_row_add(
        actor=world.users[SYSADMIN],
        model=table.model,
        code="policy_reason",
        label_en="Policy reason",
        label_cy="Rheswm polisi",
        effective_from=timezone.localdate(),
        source="Policy test",
        sort_order=999,
    )
    later = reference_row_add(
        actor=world.users[SYSADMIN],
        model=table.model,
        code="policy_reason",
        label_en="Policy reason, revised",
        label_cy="Rheswm polisi, diwygiedig",
        effective_from=timezone.localdate() + timedelta(days=10),
        source="Policy test",
        sort_order=999,
    )
    # URL arguments are read as scene[name].pk: a table is named by its label.
    return {
        "reference_table": SimpleNamespace(pk=table.label),
        "reference_row": row,
        # A version not yet in force, to withdraw.
        "reference_later_row": later,
        # A custody suite (an accounts Organisation), for pages kept per suite such as
        # the suites' testing arrangements (pont/drug_testing/tests/policy.py).
        "custody_suite": world.llanelli,
    }


SCENE = Scene(
    provides=frozenset(
        {"reference_table", "reference_row", "reference_later_row", "custody_suite"}
    ),
    build=_reference_scene,
)


def _date_parts(name: str, day: Any) -> dict[str, Any]:
    return {f"{name}_0": day.day, f"{name}_1": day.month, f"{name}_2": day.year}


def _new_version(scene: dict[str, Any]) -> dict[str, Any]:
    return {
        "code": "policy_reason",
        "label_en": "Policy reason, revised",
        "label_cy": "Rheswm polisi, diwygiedig",
        **_date_parts("effective_from", timezone.localdate() + timedelta(days=20)),
        "source": "Policy test",
        "sort_order": "999",
        "planned": "on",
    }


def _end(scene: dict[str, Any]) -> dict[str, Any]:
    row = scene["reference_later_row"]  # the latest version: only it can be ended
    return _date_parts(f"end-{row.pk}-effective_to", timezone.localdate() + timedelta(days=30))


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
    # Asks first (GET, the confirmation page), then acts (POST).
    Rule(
        "accounts:user_deactivate",
        staff_view(get={SYSADMIN: 200}, post={SYSADMIN: REDIRECT}, capable={SYSADMIN}),
        kwargs={"user_id": "managed_user"},
    ),
    # Asks first (GET, the confirmation page), then resets (POST), as for deactivating.
    Rule(
        "accounts:user_second_factor_reset",
        staff_view(get={SYSADMIN: 200}, post={SYSADMIN: REDIRECT}, capable={SYSADMIN}),
        kwargs={"user_id": "managed_user"},
    ),
    # A temporary password: reset (to the page that shows it once), then shown (or, once
    # shown, the page saying so).
    Rule(
        "accounts:user_password_reset",
        staff_view(get={SYSADMIN: 200}, post={SYSADMIN: REDIRECT}, capable={SYSADMIN}),
        kwargs={"user_id": "managed_user"},
    ),
    Rule(
        "accounts:user_password_shown",
        staff_view(get={SYSADMIN: 200}, capable={SYSADMIN}),
        kwargs={"user_id": "managed_user"},
    ),
    Rule("accounts:api_client_list", staff_view(get=same_for(_MANAGERS, 200), capable=_MANAGERS)),
    Rule(
        "accounts:api_client_create",
        staff_view(get=same_for(_MANAGERS, 200), post=same_for(_MANAGERS, 200), capable=_MANAGERS),
    ),
    # A client of provider A: provider B's manager is told it does not exist. Revoking asks
    # first (GET, the confirmation page), then revokes (POST).
    Rule(
        "accounts:api_client_revoke",
        staff_view(
            get={PROV_A_MGR: 200, SYSADMIN: 200, PROV_B_MGR: 404},
            post={PROV_A_MGR: REDIRECT, SYSADMIN: REDIRECT, PROV_B_MGR: 404},
            capable=_MANAGERS,
        ),
        kwargs={"client_id": "client_a"},
    ),
    # The page that shows a new client's key once (here: that it was shown already).
    Rule(
        "accounts:api_client_created",
        staff_view(get={PROV_A_MGR: 200, SYSADMIN: 200, PROV_B_MGR: 404}, capable=_MANAGERS),
        kwargs={"client_id": "client_a"},
    ),
    # Dated reference data: the system administrator only.
    Rule("reference:list", staff_view(get={SYSADMIN: 200}, capable=_SYSADMIN)),
    Rule(
        "reference:table",
        staff_view(get={SYSADMIN: 200}, capable=_SYSADMIN),
        kwargs={"table": "reference_table"},
    ),
    Rule(
        "reference:add",
        staff_view(get={SYSADMIN: 200}, post={SYSADMIN: REDIRECT}, capable=_SYSADMIN),
        kwargs={"table": "reference_table"},
        data=_new_version,
    ),
    Rule(
        "reference:end",
        staff_view(post={SYSADMIN: REDIRECT}, capable=_SYSADMIN),
        kwargs={"table": "reference_table", "row_id": "reference_later_row"},
        data=_end,
    ),
    Rule(
        "reference:withdraw",
        staff_view(get={SYSADMIN: 200}, post={SYSADMIN: REDIRECT}, capable=_SYSADMIN),
        kwargs={"table": "reference_table", "row_id": "reference_later_row"},
    ),
]
