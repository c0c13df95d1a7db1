"""Test personas: one user per role, with two providers so cross-organisation leaks show.

Everything is made through the services, as in production. Later modules
add their own objects but reuse these people and organisations.
"""

from dataclasses import dataclass

from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from pont.accounts import services as accounts
from pont.accounts.models import Organisation, User
from pont.accounts.roles import Role

TEST_PASSWORD = "Correct-Horse-Battery-Staple-42"  # noqa: S105

# Persona codes, as in the reliability test plan (section 2.1).
ANON = "anon"
UNVERIFIED = "unverified"  # a custody officer who gave a password but no code yet
CUSTODY = "custody"
FRONTLINE = "frontline"
INSPECTOR = "inspector"
INDEPENDENT = "independent"
ANALYST = "analyst"
OPSLEAD = "opslead"
PROV_A = "prov_a"
PROV_A_MGR = "prov_a_mgr"
PROV_B = "prov_b"
PROV_B_MGR = "prov_b_mgr"
PANEL = "panel"
OPCC = "opcc"
DPO = "dpo"
SYSADMIN = "sysadmin"

SIGNED_IN = (
    CUSTODY,
    FRONTLINE,
    INSPECTOR,
    INDEPENDENT,
    ANALYST,
    OPSLEAD,
    PROV_A,
    PROV_A_MGR,
    PROV_B,
    PROV_B_MGR,
    PANEL,
    OPCC,
    DPO,
    SYSADMIN,
)
ALL = (ANON, UNVERIFIED, *SIGNED_IN)

Kind = Organisation.Kind


@dataclass
class World:
    """The organisations and personas every test can use."""

    force: Organisation
    carmarthenshire: Organisation
    llanelli: Organisation
    provider_a: Organisation
    provider_b: Organisation
    opcc: Organisation
    panel: Organisation
    users: dict[str, User]

    def user(self, code: str) -> User:
        return self.users[UNVERIFIED if code == UNVERIFIED else code]


_ROLES: dict[str, tuple[str, str]] = {
    CUSTODY: (Role.CUSTODY_OFFICER, "llanelli"),
    UNVERIFIED: (Role.CUSTODY_OFFICER, "llanelli"),
    FRONTLINE: (Role.FRONTLINE_OFFICER, "carmarthenshire"),
    INSPECTOR: (Role.INSPECTOR, "carmarthenshire"),
    INDEPENDENT: (Role.INDEPENDENT_INSPECTOR, "opcc"),
    ANALYST: (Role.INTELLIGENCE_ANALYST, "force"),
    OPSLEAD: (Role.OPERATIONS_LEAD, "carmarthenshire"),
    PROV_A: (Role.PROVIDER_WORKER, "provider_a"),
    PROV_A_MGR: (Role.PROVIDER_MANAGER, "provider_a"),
    PROV_B: (Role.PROVIDER_WORKER, "provider_b"),
    PROV_B_MGR: (Role.PROVIDER_MANAGER, "provider_b"),
    PANEL: (Role.PANEL_MEMBER, "panel"),
    OPCC: (Role.COMMISSIONERS_OFFICER, "opcc"),
    DPO: (Role.DATA_PROTECTION_OFFICER, "force"),
    SYSADMIN: (Role.SYSTEM_ADMINISTRATOR, "force"),
}


def build_world() -> World:
    def org(name: str, slug: str, kind: str, parent: Organisation | None = None) -> Organisation:
        return accounts.organisation_create(
            actor=None, name=name, slug=slug, kind=kind, parent=parent
        )

    force = org("Dyfed-Powys Police", "dpp", Kind.FORCE)
    carmarthenshire = org("Carmarthenshire", "carms", Kind.AREA, force)
    llanelli = org("Llanelli custody suite", "llanelli", Kind.CUSTODY_SUITE, carmarthenshire)
    provider_a = org("Provider A", "provider-a", Kind.TREATMENT_PROVIDER)
    provider_b = org("Provider B", "provider-b", Kind.TREATMENT_PROVIDER)
    opcc = org("OPCC", "opcc", Kind.COMMISSIONER)
    panel = org("Quality Assurance Panel", "qap", Kind.PANEL, opcc)
    places = {
        "force": force,
        "carmarthenshire": carmarthenshire,
        "llanelli": llanelli,
        "provider_a": provider_a,
        "provider_b": provider_b,
        "opcc": opcc,
        "panel": panel,
    }
    users = {}
    for code, (role, place) in _ROLES.items():
        user, _initial = accounts.user_create(
            actor=None,
            username=code.replace("_", "-"),
            given_name=code.title(),
            family_name="Tester",
            email=f"{code}@example.test",
            password=TEST_PASSWORD,
        )
        accounts.membership_create(actor=None, user=user, organisation=places[place], role=role)
        users[code] = user
    return World(users=users, **places)


def sign_in(client: Client, user: User, *, second_factor: bool = True) -> Client:
    """Sign the client in as user: password given, and (by default) the code too.

    The user always has an enrolled authenticator; without second_factor the
    session is left at the code page, as after a correct password.
    """
    client.force_login(user)
    device, _created = TOTPDevice.objects.get_or_create(
        user=user, name="test device", defaults={"confirmed": True}
    )
    if second_factor:
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client


def client_for(world: World, code: str, *, enforce_csrf_checks: bool = True) -> Client:
    """Return a client signed in as the persona (or anonymous), with CSRF checks on."""
    client = Client(enforce_csrf_checks=enforce_csrf_checks)
    if code == ANON:
        return client
    return sign_in(client, world.user(code), second_factor=code != UNVERIFIED)
