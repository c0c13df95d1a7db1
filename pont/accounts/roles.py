"""Roles and the capabilities each one carries.

This table is the single answer to "what may a custody officer do in Pont?".
A capability is a Django permission with a domain verb ("audit.export_audit_log");
a role is a named set of them. A user holds roles through memberships of
organisations, and the organisation scopes what the capability reaches (see
`accounts.selectors.controller_ids_for`). Nobody holds a capability any other
way: `is_superuser` is forbidden by a database constraint and groups and
per-user permissions are ignored by `RoleCapabilityBackend`.

Later modules add their capabilities to the sets below, by name.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise


class Role(models.TextChoices):
    CUSTODY_OFFICER = "custody_officer", _("Custody officer")
    FRONTLINE_OFFICER = "frontline_officer", _("Front-line officer")
    INSPECTOR = "inspector", _("Inspector")
    INDEPENDENT_INSPECTOR = "independent_inspector", _("Independent inspector")
    INTELLIGENCE_ANALYST = "intelligence_analyst", _("Intelligence analyst")
    OPERATIONS_LEAD = "operations_lead", _("Operations lead")
    PROVIDER_WORKER = "provider_worker", _("Provider worker")
    PROVIDER_MANAGER = "provider_manager", _("Provider manager")
    PANEL_MEMBER = "panel_member", _("Panel member")
    COMMISSIONERS_OFFICER = "commissioners_officer", _("Commissioner's officer")
    DATA_PROTECTION_OFFICER = "data_protection_officer", _("Data protection officer")
    SYSTEM_ADMINISTRATOR = "system_administrator", _("System administrator")


# Capabilities, named once so that code and tests share the spelling.
VIEW_PERSON = "people.view_person"
ADD_PERSON = "people.add_person"
# Identity (name, date of birth, gender, PNC ID) of a record the force controls: officers only.
CHANGE_PERSON = "people.change_person"
# How to reach the person (contact routes, preferred language): officers and providers, who are
# the first to find a number wrong. See docs/security.md, "Who may change a person's record".
CHANGE_CONTACT_ROUTES = "people.change_contact_routes"
SEARCH_AUDIT_LOG = "audit.search_audit_log"
EXPORT_AUDIT_LOG = "audit.export_audit_log"
MANAGE_USERS = "accounts.manage_users"
MANAGE_API_CLIENTS = "accounts.manage_api_clients"
MANAGE_ALL_API_CLIENTS = "accounts.manage_all_api_clients"
MAKE_REFERRAL = "referrals.make_referral"
WORK_REFERRAL = "referrals.work_referral"
VIEW_REFERRAL_FUNNEL = "referrals.view_referral_funnel"
MANAGE_WEBHOOKS = "referrals.manage_webhooks"
EXPORT_CASELOAD = "referrals.export_caseload"
VIEW_EMAIL_LOG = "referrals.view_email_log"
VIEW_ALL_EMAIL_LOG = "referrals.view_all_email_log"
# A provider manager's own services: whether they take referrals, and where notices go; their
# details and opening times in the directory (docs/directory.md).
MANAGE_SERVICE_REFERRALS = "directory.manage_service_referrals"
MANAGE_REFERENCE_DATA = "core.manage_reference_data"
RECORD_DRUG_TEST = "drug_testing.record_drug_test"
VIEW_DRUG_TESTING_DASHBOARD = "drug_testing.view_drug_testing_dashboard"
REVIEW_DRUG_TESTS = "drug_testing.review_drug_tests"
DECIDE_BREACH = "drug_testing.decide_breach"
RECORD_SEARCH = "stop_search.record_search"
VIEW_SEARCHES = "stop_search.view_searches"
AMEND_SEARCH_OUTCOME = "stop_search.amend_search_outcome"
IMPORT_POLICEUK = "stop_search.import_policeuk"
REVIEW_SEARCHES = "stop_search.review_searches"
VIEW_SEARCH_AUDIT = "stop_search.view_search_audit"
ARRANGE_PANEL_SESSIONS = "stop_search.arrange_panel_sessions"
JUDGE_PANEL_CASES = "stop_search.judge_panel_cases"
RESPOND_TO_PANEL = "stop_search.respond_to_panel"
DECIDE_DISPOSAL = "disposals.decide_disposal"
AUTHORISE_DISPOSAL = "disposals.authorise_disposal"
VIEW_DISPOSAL_DASHBOARD = "disposals.view_disposal_dashboard"
SCRUTINISE_DISPOSALS = "disposals.scrutinise_disposals"
ARRANGE_SCRUTINY = "disposals.arrange_scrutiny"

_OFFICER = frozenset({VIEW_PERSON, ADD_PERSON, CHANGE_PERSON, CHANGE_CONTACT_ROUTES, MAKE_REFERRAL})
# A provider keeps the contact details current but never changes the police's identity of a
# person (the force is the controller of the record; a PNC ID is the force's identifier).
_PROVIDER = frozenset({VIEW_PERSON, CHANGE_CONTACT_ROUTES, WORK_REFERRAL, EXPORT_CASELOAD})

_CUSTODY = frozenset({RECORD_DRUG_TEST, VIEW_DRUG_TESTING_DASHBOARD, DECIDE_BREACH})
# Officers decide out-of-court disposals; an inspector authorises them.
_DISPOSALS = frozenset({DECIDE_DISPOSAL})

ROLE_CAPABILITIES: dict[str, frozenset[str]] = {
    Role.CUSTODY_OFFICER: _OFFICER | _CUSTODY | _DISPOSALS,
    # A front-line officer records searches and amends the outcome of their own.
    Role.FRONTLINE_OFFICER: _OFFICER | _DISPOSALS | {RECORD_SEARCH, AMEND_SEARCH_OUTCOME},
    Role.INSPECTOR: _OFFICER
    | _CUSTODY
    | _DISPOSALS
    | {
        AUTHORISE_DISPOSAL,
        VIEW_DISPOSAL_DASHBOARD,
        VIEW_REFERRAL_FUNNEL,
        REVIEW_DRUG_TESTS,
        RECORD_SEARCH,
        VIEW_SEARCHES,
        AMEND_SEARCH_OUTCOME,
        REVIEW_SEARCHES,
        VIEW_SEARCH_AUDIT,
        RESPOND_TO_PANEL,
    },
    # External to the force: reviews the sampled searches only, never person records.
    Role.INDEPENDENT_INSPECTOR: frozenset({REVIEW_SEARCHES}),
    Role.INTELLIGENCE_ANALYST: frozenset({VIEW_PERSON, VIEW_SEARCHES, IMPORT_POLICEUK}),
    Role.OPERATIONS_LEAD: frozenset(
        {
            VIEW_PERSON,
            VIEW_REFERRAL_FUNNEL,
            VIEW_DRUG_TESTING_DASHBOARD,
            VIEW_SEARCHES,
            VIEW_SEARCH_AUDIT,
            VIEW_DISPOSAL_DASHBOARD,
        }
    ),
    Role.PROVIDER_WORKER: _PROVIDER,
    Role.PROVIDER_MANAGER: _PROVIDER
    | {
        MANAGE_API_CLIENTS,
        MANAGE_WEBHOOKS,
        VIEW_EMAIL_LOG,
        VIEW_REFERRAL_FUNNEL,
        MANAGE_SERVICE_REFERRALS,
    },
    # Residents on the Quality Assurance Panel see pseudonymised records only.
    # The out-of-court disposals scrutiny panel sees sampled disposals without names.
    Role.PANEL_MEMBER: frozenset({JUDGE_PANEL_CASES, SCRUTINISE_DISPOSALS}),
    # The commissioner's office sees aggregates only, and arranges the panel's sessions.
    Role.COMMISSIONERS_OFFICER: frozenset(
        {
            VIEW_REFERRAL_FUNNEL,
            VIEW_DRUG_TESTING_DASHBOARD,
            VIEW_SEARCH_AUDIT,
            ARRANGE_PANEL_SESSIONS,
            VIEW_DISPOSAL_DASHBOARD,
            ARRANGE_SCRUTINY,
        }
    ),
    # DPA 2018 s.62(4): only the DPO reads the log, to verify lawfulness.
    Role.DATA_PROTECTION_OFFICER: frozenset({SEARCH_AUDIT_LOG, EXPORT_AUDIT_LOG}),
    # Runs the system; sees no personal data of data subjects.
    Role.SYSTEM_ADMINISTRATOR: frozenset(
        {MANAGE_USERS, MANAGE_ALL_API_CLIENTS, MANAGE_REFERENCE_DATA, VIEW_ALL_EMAIL_LOG}
    ),
}

ROLE_DESCRIPTIONS: dict[str, StrOrPromise] = {
    Role.CUSTODY_OFFICER: _(
        "Records drug tests in custody, imposes Required Assessments and refers people to "
        "treatment with complete contact details."
    ),
    Role.FRONTLINE_OFFICER: _(
        "Records stop and search, issues out-of-court disposals and refers people to services."
    ),
    Role.INSPECTOR: _(
        "Authorises tests, reviews sampled searches and quality-assures the work of officers."
    ),
    Role.INDEPENDENT_INSPECTOR: _(
        "Reviews a sample of searches each month alongside the local inspector."
    ),
    Role.INTELLIGENCE_ANALYST: _("Grades and develops drug intelligence and its tasking."),
    Role.OPERATIONS_LEAD: _(
        "Plans disruption operations and brings partners in early for safeguarding."
    ),
    Role.PROVIDER_WORKER: _(
        "Works referrals to your service: contact, appointments, attendance and outcomes."
    ),
    Role.PROVIDER_MANAGER: _(
        "Manages your service's referrals, staff caseloads and its connection to Pont's API."
    ),
    Role.PANEL_MEMBER: _(
        "Reviews pseudonymised search records for reasonable grounds and fairness."
    ),
    Role.COMMISSIONERS_OFFICER: _(
        "Follows the force's progress on the commissioner's recommendations, in aggregate."
    ),
    Role.DATA_PROTECTION_OFFICER: _(
        "Searches and exports the audit log to verify that processing is lawful."
    ),
    Role.SYSTEM_ADMINISTRATOR: _(
        "Manages user accounts, organisations, API clients and dated reference data."
    ),
}


def roles_with(capability: str) -> frozenset[str]:
    """The roles that give the capability."""
    return frozenset(role for role, held in ROLE_CAPABILITIES.items() if capability in held)


def capabilities_for_roles(roles: set[str] | frozenset[str]) -> frozenset[str]:
    """Return the union of the capabilities of the given roles."""
    result: set[str] = set()
    for role in roles:
        result |= ROLE_CAPABILITIES.get(role, frozenset())
    return frozenset(result)


# Which kinds of organisation a role may be held in: a custody officer works
# for the force, a provider worker for a provider. membership_create enforces it.
_POLICE = frozenset({"force", "area", "custody_suite"})
ROLE_ORGANISATION_KINDS: dict[str, frozenset[str]] = {
    Role.CUSTODY_OFFICER: frozenset({"custody_suite", "area", "force"}),
    Role.FRONTLINE_OFFICER: _POLICE,
    Role.INSPECTOR: _POLICE,
    Role.INDEPENDENT_INSPECTOR: frozenset({"commissioner", "panel", "partner"}),
    Role.INTELLIGENCE_ANALYST: _POLICE,
    Role.OPERATIONS_LEAD: _POLICE,
    Role.PROVIDER_WORKER: frozenset({"treatment_provider"}),
    Role.PROVIDER_MANAGER: frozenset({"treatment_provider"}),
    Role.PANEL_MEMBER: frozenset({"panel"}),
    Role.COMMISSIONERS_OFFICER: frozenset({"commissioner"}),
    Role.DATA_PROTECTION_OFFICER: _POLICE | {"commissioner"},
    Role.SYSTEM_ADMINISTRATOR: _POLICE | {"commissioner"},
}
