"""Synthetic demo data for Dyfed-Powys: organisations, one persona per role, some people.

Organisation names are real public bodies; every person and every member
of staff here is invented. Loading is idempotent: each item is looked up by
a natural key (slug, username, PNC ID) before it is created.
"""

import secrets
from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from pont.accounts import services as accounts
from pont.accounts.models import Membership, Organisation, User
from pont.accounts.roles import Role
from pont.people import services as people
from pont.people.models import Person

DEMO_PASSWORD = "Teifi-Towy-Wye-2026"  # noqa: S105 - printed for the demo on purpose

Kind = Organisation.Kind

# (slug, name, Welsh name, kind, parent slug)
ORGANISATIONS: list[tuple[str, str, str, str, str | None]] = [
    ("dyfed-powys-police", "Dyfed-Powys Police", "Heddlu Dyfed-Powys", Kind.FORCE, None),
    ("carmarthenshire", "Carmarthenshire", "Sir Gaerfyrddin", Kind.AREA, "dyfed-powys-police"),
    ("ceredigion", "Ceredigion", "Ceredigion", Kind.AREA, "dyfed-powys-police"),
    ("pembrokeshire", "Pembrokeshire", "Sir Benfro", Kind.AREA, "dyfed-powys-police"),
    ("powys", "Powys", "Powys", Kind.AREA, "dyfed-powys-police"),
    (
        "custody-aberystwyth",
        "Aberystwyth custody suite",
        "Dalfa Aberystwyth",
        Kind.CUSTODY_SUITE,
        "ceredigion",
    ),
    (
        "custody-ammanford",
        "Ammanford custody suite",
        "Dalfa Rhydaman",
        Kind.CUSTODY_SUITE,
        "carmarthenshire",
    ),
    ("custody-brecon", "Brecon custody suite", "Dalfa Aberhonddu", Kind.CUSTODY_SUITE, "powys"),
    (
        "custody-haverfordwest",
        "Haverfordwest custody suite",
        "Dalfa Hwlffordd",
        Kind.CUSTODY_SUITE,
        "pembrokeshire",
    ),
    (
        "custody-llanelli",
        "Llanelli custody suite",
        "Dalfa Llanelli",
        Kind.CUSTODY_SUITE,
        "carmarthenshire",
    ),
    ("custody-newtown", "Newtown custody suite", "Dalfa Y Drenewydd", Kind.CUSTODY_SUITE, "powys"),
    (
        "ddas",
        "Dyfed Drug and Alcohol Service",
        "Gwasanaeth Cyffuriau ac Alcohol Dyfed",
        Kind.TREATMENT_PROVIDER,
        None,
    ),
    (
        "kaleidoscope",
        "Kaleidoscope Project (Powys)",
        "Prosiect Kaleidoscope (Powys)",
        Kind.TREATMENT_PROVIDER,
        None,
    ),
    (
        "hywel-dda-cdat",
        "Hywel Dda Community Drug and Alcohol Team",
        "Tîm Cyffuriau ac Alcohol Cymunedol Hywel Dda",
        Kind.TREATMENT_PROVIDER,
        None,
    ),
    (
        "opcc",
        "Office of the Police and Crime Commissioner for Dyfed-Powys",
        "Swyddfa Comisiynydd yr Heddlu a Throseddu Dyfed-Powys",
        Kind.COMMISSIONER,
        None,
    ),
    ("qa-panel", "Quality Assurance Panel", "Panel Sicrhau Ansawdd", Kind.PANEL, "opcc"),
]


@dataclass(frozen=True)
class Persona:
    username: str
    given_name: str
    family_name: str
    role: str
    organisation: str
    language: str = "en"


PERSONAS = [
    Persona("custody", "Gareth", "Morgan", Role.CUSTODY_OFFICER, "custody-llanelli"),
    Persona("frontline", "Ffion", "Davies", Role.FRONTLINE_OFFICER, "ceredigion", "cy"),
    Persona("inspector", "Sian", "Howells", Role.INSPECTOR, "carmarthenshire"),
    Persona("indinspector", "Alun", "Pryce", Role.INDEPENDENT_INSPECTOR, "opcc"),
    Persona("analyst", "Rhodri", "Evans", Role.INTELLIGENCE_ANALYST, "dyfed-powys-police"),
    Persona("opslead", "Catrin", "Jenkins", Role.OPERATIONS_LEAD, "pembrokeshire"),
    Persona("provider", "Bethan", "Lloyd", Role.PROVIDER_WORKER, "ddas"),
    Persona("providermgr", "Owain", "Thomas", Role.PROVIDER_MANAGER, "ddas"),
    Persona("providerb", "Megan", "Price", Role.PROVIDER_WORKER, "kaleidoscope"),
    Persona("panel", "Eleri", "Roberts", Role.PANEL_MEMBER, "qa-panel", "cy"),
    Persona("opcc", "Dafydd", "Hughes", Role.COMMISSIONERS_OFFICER, "opcc"),
    Persona("dpo", "Nia", "Williams", Role.DATA_PROTECTION_OFFICER, "dyfed-powys-police"),
    Persona("admin", "Iwan", "Rees", Role.SYSTEM_ADMINISTRATOR, "dyfed-powys-police"),
]

# (given, family, date of birth, gender, PNC ID, language, phone, address)
PEOPLE = [
    (
        "Rhys",
        "Owen",
        date(1991, 4, 3),
        "male",
        "2009/0123456C",
        "cy",
        "029 2018 0123",
        ("12 Heol y Bont", "Llanelli", "SA15 3AA"),
    ),
    ("Kelly", "Matthews", date(1987, 11, 21), "female", "", "en", "029 2018 0456", None),
    (
        "Jordan",
        "Baker",
        date(2001, 2, 14),
        "male",
        "",
        "en",
        None,
        ("Flat 3, 8 Station Road", "Aberystwyth", "SY23 1AB"),
    ),
    ("Dylan", "Parry", date(1995, 7, 30), "male", "", "cy", "029 2018 0789", None),
    ("Amy", "Collins", date(1999, 9, 9), "female", "", "en", None, None),
    (
        "Lee",
        "Harries",
        date(1983, 1, 5),
        "male",
        "2015/0004521R",
        "en",
        "029 2018 0321",
        ("5 Bridge Street", "Newtown", "SY16 2AA"),
    ),
]


def _organisations() -> dict[str, Organisation]:
    by_slug: dict[str, Organisation] = {o.slug: o for o in Organisation.objects.all()}
    for slug, name, name_cy, kind, parent in ORGANISATIONS:
        if slug not in by_slug:
            by_slug[slug] = accounts.organisation_create(
                actor=None,
                name=name,
                name_cy=name_cy,
                slug=slug,
                kind=kind,
                parent=by_slug[parent] if parent else None,
            )
    return by_slug


def _persona(persona: Persona, organisations: dict[str, Organisation]) -> User:
    user = User.objects.filter(username=persona.username).first()
    if user is None:
        user, _initial = accounts.user_create(
            actor=None,
            username=persona.username,
            given_name=persona.given_name,
            family_name=persona.family_name,
            email=f"{persona.username}@demo.pont.invalid",
            password=DEMO_PASSWORD,
            preferred_language=persona.language,
        )
    organisation = organisations[persona.organisation]
    if not Membership.objects.filter(
        user=user, organisation=organisation, role=persona.role, ended_at__isnull=True
    ).exists():
        accounts.membership_create(
            actor=None, user=user, organisation=organisation, role=persona.role
        )
    if not TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        # Enrolled already, so that `pont demo-otp` (and the demo hint) can give the code.
        TOTPDevice.objects.create(
            user=user, name="Authenticator app", key=secrets.token_hex(20), confirmed=True
        )
    return user


def _people(custody_officer: User) -> int:
    created = 0
    for given, family, born, gender, pnc, language, phone, address in PEOPLE:
        if Person.objects.filter(given_name=given, family_name=family, date_of_birth=born).exists():
            continue
        person = people.person_create(
            actor=custody_officer,
            given_name=given,
            family_name=family,
            date_of_birth=born,
            gender=gender,
            pnc_id=pnc,
            preferred_language=language,
            confirmed_new=True,
        )
        if phone:
            people.contact_route_add(
                actor=custody_officer,
                person_id=person.pk,
                kind="phone",
                use="home",
                values={"phone": phone},
                is_preferred=True,
                is_verified=True,
            )
        if address:
            line, town, postcode = address
            people.contact_route_add(
                actor=custody_officer,
                person_id=person.pk,
                kind="address",
                use="home",
                values={"address_line_1": line, "town": town, "postcode": postcode},
                is_preferred=not phone,
            )
        created += 1
    return created


@transaction.atomic
def load_demo() -> dict[str, int]:
    """Create whatever of the demo data is missing; return what was created."""
    before_orgs = Organisation.objects.count()
    before_users = User.objects.count()
    organisations = _organisations()
    users = {p.username: _persona(p, organisations) for p in PERSONAS}
    people_created = _people(users["custody"])
    return {
        "organisations": Organisation.objects.count() - before_orgs,
        "users": User.objects.count() - before_users,
        "people": people_created,
    }
