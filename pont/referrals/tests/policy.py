"""Policy rows for referrals: officers follow their force's, providers work their own, and a
referral to provider A does not exist for provider B."""

from pont.testing.personas import (
    ALL,
    INSPECTOR,
    OPCC,
    OPSLEAD,
    PROV_A,
    PROV_A_MGR,
    PROV_B,
    PROV_B_MGR,
    SYSADMIN,
)
from pont.testing.policy import (
    API_A,
    API_B,
    POLICE_OFFICERS,
    PROVIDERS,
    REDIRECT,
    Rule,
    grid,
    same_for,
    staff_view,
)

_REFERRAL_USERS = POLICE_OFFICERS | PROVIDERS
_A = frozenset({PROV_A, PROV_A_MGR})
_B = frozenset({PROV_B, PROV_B_MGR})
_FUNNEL = frozenset({INSPECTOR, OPSLEAD, PROV_A_MGR, PROV_B_MGR, OPCC})
_MANAGERS = frozenset({PROV_A_MGR, PROV_B_MGR})
_EMAIL_LOG = _MANAGERS | {SYSADMIN}


def _provider_action(answer_for_a: object) -> dict:
    """A provider action on provider A's requested referral: A acts, B is told it does not exist."""
    return staff_view(post={**same_for(_A, answer_for_a), **same_for(_B, 404)}, capable=PROVIDERS)


RULES = [
    Rule("referrals:list", staff_view(get=same_for(_REFERRAL_USERS, 200), capable=_REFERRAL_USERS)),
    # Without ?person= there is nobody to refer: not found.
    Rule(
        "referrals:create",
        staff_view(
            get=same_for(POLICE_OFFICERS, 404),
            post=same_for(POLICE_OFFICERS, 404),
            capable=POLICE_OFFICERS,
        ),
    ),
    Rule(
        "referrals:export",
        staff_view(post=same_for(PROVIDERS, 200), capable=PROVIDERS),
        download=True,
    ),
    Rule("referrals:funnel", staff_view(get=same_for(_FUNNEL, 200), capable=_FUNNEL)),
    Rule("referrals:funnel_csv", staff_view(get=same_for(_FUNNEL, 200), capable=_FUNNEL)),
    # Each manager sees their own organisation's emails; the administrator every one.
    Rule("referrals:email_log", staff_view(get=same_for(_EMAIL_LOG, 200), capable=_EMAIL_LOG)),
    Rule("referrals:webhook_list", staff_view(get=same_for(_MANAGERS, 200), capable=_MANAGERS)),
    # An empty form comes back with its error.
    Rule(
        "referrals:webhook_create",
        staff_view(get=same_for(_MANAGERS, 200), post=same_for(_MANAGERS, 400), capable=_MANAGERS),
    ),
    # The page that shows a new endpoint's secret once: another provider's endpoint does not
    # exist for its manager.
    Rule(
        "referrals:webhook_created",
        staff_view(get={PROV_A_MGR: 200, PROV_B_MGR: 404}, capable=_MANAGERS),
        kwargs={"endpoint_id": "endpoint"},
    ),
    # Disabling asks first (GET, the confirmation page), then disables (POST).
    Rule(
        "referrals:webhook_disable",
        staff_view(
            get={PROV_A_MGR: 200, PROV_B_MGR: 404},
            post={PROV_A_MGR: REDIRECT, PROV_B_MGR: 404},
            capable=_MANAGERS,
        ),
        kwargs={"endpoint_id": "endpoint"},
    ),
    Rule(
        "referrals:webhook_deliveries",
        staff_view(get={PROV_A_MGR: 200, PROV_B_MGR: 404}, capable=_MANAGERS),
        kwargs={"endpoint_id": "endpoint"},
    ),
    Rule(
        "referrals:detail",
        staff_view(
            get={**same_for(POLICE_OFFICERS, 200), **same_for(_A, 200), **same_for(_B, 404)},
            capable=_REFERRAL_USERS,
        ),
        kwargs={"referral_id": "referral"},
    ),
    # Already sent, so no longer a draft to change: back to the referral page, saying why.
    Rule(
        "referrals:change",
        staff_view(
            get=same_for(POLICE_OFFICERS, REDIRECT),
            post=same_for(POLICE_OFFICERS, REDIRECT),
            capable=POLICE_OFFICERS,
        ),
        kwargs={"referral_id": "referral"},
    ),
    # Already sent: sending again is refused, the referral page shown with why (409).
    Rule(
        "referrals:send",
        staff_view(post=same_for(POLICE_OFFICERS, 409), capable=POLICE_OFFICERS),
        kwargs={"referral_id": "referral"},
    ),
    # No reason given: the form comes back with its error.
    Rule(
        "referrals:cancel",
        staff_view(post=same_for(POLICE_OFFICERS, 400), capable=POLICE_OFFICERS),
        kwargs={"referral_id": "referral"},
    ),
    Rule(
        "referrals:reason",
        staff_view(post=same_for(POLICE_OFFICERS, 400), capable=POLICE_OFFICERS),
        kwargs={"referral_id": "referral"},
    ),
    Rule("referrals:accept", _provider_action(REDIRECT), kwargs={"referral_id": "referral"}),
    Rule("referrals:reject", _provider_action(400), kwargs={"referral_id": "referral"}),
    Rule("referrals:assign_to_me", _provider_action(REDIRECT), kwargs={"referral_id": "referral"}),
    # Nobody chosen: the referral is left unassigned.
    Rule("referrals:assign", _provider_action(REDIRECT), kwargs={"referral_id": "referral"}),
    Rule("referrals:contact_attempt", _provider_action(400), kwargs={"referral_id": "referral"}),
    Rule("referrals:appointment", _provider_action(400), kwargs={"referral_id": "referral"}),
    # No appointment chosen: the form comes back with its error.
    Rule("referrals:appointment_cancel", _provider_action(400), kwargs={"referral_id": "referral"}),
    Rule("referrals:attendance", _provider_action(400), kwargs={"referral_id": "referral"}),
    Rule(
        "referrals:attendance_correct",
        _provider_action(400),
        kwargs={"referral_id": "referral"},
    ),
    Rule("referrals:treatment_start", _provider_action(400), kwargs={"referral_id": "referral"}),
    Rule("referrals:close", _provider_action(400), kwargs={"referral_id": "referral"}),
]


def _api(get: dict, patch: dict | None = None, post: dict | None = None) -> dict:
    """An API route: bearer keys only (a session counts for nothing: 401)."""
    return {
        "GET": grid(405, groups=[(ALL, 401)], **get) if get else grid(405),
        "POST": grid(405, groups=[(ALL, 401)], **post) if post else grid(405),
        "PATCH": grid(405, groups=[(ALL, 401)], **patch) if patch else grid(405),
        "PUT": grid(405),
        "DELETE": grid(405),
    }


# Provider B's key asking for provider A's referral is told it does not exist. An empty body
# fails validation (422) before the referral is looked up, which reveals nothing either way.
RULES += [
    Rule("api:list_referrals", _api(get={API_A: 200, API_B: 200})),
    Rule("api:list_referrals_without_slash", _api(get={API_A: 200, API_B: 200})),
    Rule(
        "api:get_referral",
        _api(get={API_A: 200, API_B: 404}, patch={API_A: 422, API_B: 422}),
        kwargs={"referral_id": "referral"},
    ),
    Rule(
        "api:update_referral",
        _api(get={API_A: 200, API_B: 404}, patch={API_A: 422, API_B: 422}),
        kwargs={"referral_id": "referral"},
    ),
    Rule(
        "api:record_contact_attempt",
        _api(get={}, post={API_A: 422, API_B: 422}),
        kwargs={"referral_id": "referral"},
    ),
    Rule(
        "api:book_appointment",
        _api(get={}, post={API_A: 422, API_B: 422}),
        kwargs={"referral_id": "referral"},
    ),
    Rule(
        "api:record_outcome",
        _api(get={}, post={API_A: 422, API_B: 422}),
        kwargs={"referral_id": "referral"},
    ),
]
