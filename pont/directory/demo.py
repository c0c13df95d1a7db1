"""Synthetic directory for the Dyfed-Powys demo: the force's treatment providers and a few others.

The organisations are real public bodies and providers; every address, phone
number (Ofcom's drama range, 029 2018 0xxx), email address and opening time
is invented. The data goes in as HSDS 3.0 documents through the same import
that partners' files use, with fixed ids, so loading twice changes nothing.
Organisations that the demo also creates in Pont (by slug) are linked to
them, and their treatment services take referrals through Pont.
"""

import uuid
from typing import Any

from django.db import transaction

from pont.accounts.models import Organisation

from . import services
from .models import Service

_NAMESPACE = uuid.UUID("6173b1e4-727b-4b5b-b6eb-fabcc6229d46")

WEEKDAYS = "MO,TU,WE,TH,FR"


def _id(*parts: str) -> str:
    return str(uuid.uuid5(_NAMESPACE, "/".join(parts)))


# key -> (name, description, email, website, Pont organisation slug or "")
ORGANIZATIONS: dict[str, tuple[str, str, str, str, str]] = {
    "ddas": (
        "Dyfed Drug and Alcohol Service",
        "Third-sector drug and alcohol service for Carmarthenshire, Ceredigion and Pembrokeshire.",
        "help@ddas.example.org",
        "https://ddas.example.org/",
        "ddas",
    ),
    "kaleidoscope": (
        "Kaleidoscope Project (Powys)",
        "Drug and alcohol treatment and recovery support across Powys.",
        "powys@kaleidoscope.example.org",
        "https://kaleidoscope.example.org/",
        "kaleidoscope",
    ),
    "cdat": (
        "Hywel Dda Community Drug and Alcohol Team",
        "The NHS specialist drug and alcohol team of Hywel Dda University Health Board.",
        "cdat@hywel-dda.example.org",
        "https://hywel-dda.example.org/cdat",
        "hywel-dda-cdat",
    ),
    "ceredigion": (
        "Ceredigion County Council",
        "The local authority for Ceredigion.",
        "housing@ceredigion.example.org",
        "https://ceredigion.example.org/",
        "",
    ),
    "pembrokeshire": (
        "Pembrokeshire County Council",
        "The local authority for Pembrokeshire.",
        "youth@pembrokeshire.example.org",
        "https://pembrokeshire.example.org/",
        "",
    ),
}

# The organisations' names in Welsh (HSDS alternate_name).
ORGANIZATION_NAMES_CY = {
    "ddas": "Gwasanaeth Cyffuriau ac Alcohol Dyfed",
    "kaleidoscope": "Prosiect Kaleidoscope (Powys)",
    "cdat": "Tîm Cyffuriau ac Alcohol Cymunedol Hywel Dda",
    "ceredigion": "Cyngor Sir Ceredigion",
    "pembrokeshire": "Cyngor Sir Penfro",
}

# The places' names in Welsh (HSDS alternate_name), as the organisations' are.
LOCATION_NAMES_CY = {
    "ddas-llanelli": "DDAS Llanelli",
    "ddas-aberystwyth": "DDAS Aberystwyth",
    "kaleidoscope-newtown": "Kaleidoscope Y Drenewydd",
    "cdat-carmarthen": "CDAT Caerfyrddin",
    "cdat-haverfordwest": "Sesiwn galw heibio Hwlffordd",
    "ceredigion-aberaeron": "Swyddfa opsiynau tai",
}

# key -> (organisation, name, address line, town, county, postcode, latitude, longitude)
LOCATIONS: dict[str, tuple[str, str, str, str, str, str, float, float]] = {
    "ddas-llanelli": (
        "ddas",
        "DDAS Llanelli",
        "Unit 2, Heol y Bont",
        "Llanelli",
        "Carmarthenshire",
        "SA15 3AB",
        51.681,
        -4.161,
    ),
    "ddas-aberystwyth": (
        "ddas",
        "DDAS Aberystwyth",
        "3 Ffordd y Môr",
        "Aberystwyth",
        "Ceredigion",
        "SY23 1DX",
        52.4153,
        -4.0829,
    ),
    "kaleidoscope-newtown": (
        "kaleidoscope",
        "Kaleidoscope Newtown",
        "The Old School, Ffordd Hafren",
        "Newtown",
        "Powys",
        "SY16 2AB",
        52.5132,
        -3.3142,
    ),
    "cdat-carmarthen": (
        "cdat",
        "CDAT Carmarthen",
        "Tŷ Tywi, Heol y Prior",
        "Carmarthen",
        "Carmarthenshire",
        "SA31 1AX",
        51.8576,
        -4.3121,
    ),
    "cdat-haverfordwest": (
        "cdat",
        "Haverfordwest drop-in",
        "Riverside Rooms, Cleddau Walk",
        "Haverfordwest",
        "Pembrokeshire",
        "SA61 2AZ",
        51.8015,
        -4.9694,
    ),
    "ceredigion-aberaeron": (
        "ceredigion",
        "Housing options office",
        "Swyddfa'r Harbwr, Stryd y Cei",
        "Aberaeron",
        "Ceredigion",
        "SA46 0BA",
        52.2437,
        -4.2593,
    ),
}

# Each service: its text in English and Welsh, who it is for, where, when, and how to refer;
# and when its details were last checked (one over a year ago, which officers are warned of;
# two never).
SERVICES: list[dict[str, Any]] = [
    {
        "key": "ddas-adult",
        "checked": "2026-10-14",
        "organization": "ddas",
        "name": "Adult drug and alcohol service",
        "name_cy": "Gwasanaeth cyffuriau ac alcohol i oedolion",
        "description": (
            "Assessment, one-to-one support, group work and treatment for adults whose drug or "
            "alcohol use is harming them. Naloxone and needle exchange at every base."
        ),
        "description_cy": (
            "Asesu, cymorth un i un, gwaith grŵp a thriniaeth i oedolion y mae eu defnydd o "
            "gyffuriau neu alcohol yn eu niweidio. Naloxone a chyfnewid nodwyddau ym mhob canolfan."
        ),
        "eligibility": (
            "Adults aged 18 and over who live in Carmarthenshire, Ceredigion or Pembrokeshire."
        ),
        "eligibility_cy": (
            "Oedolion 18 oed a hŷn sy'n byw yn Sir Gaerfyrddin, Ceredigion neu Sir Benfro."
        ),
        "application": (
            "Officers refer through Pont. People can also refer themselves by phone or by calling "
            "in during opening hours."
        ),
        "application_cy": (
            "Mae swyddogion yn atgyfeirio drwy Pont. Gall pobl hefyd atgyfeirio eu hunain dros y "
            "ffôn neu drwy alw heibio yn ystod yr oriau agor."
        ),
        "minimum_age": 18,
        "needs": ["drugs", "alcohol", "harm_reduction"],
        "areas": ["Carmarthenshire", "Ceredigion", "Pembrokeshire"],
        "languages": [("en", "English"), ("cy", "Welsh")],
        "phones": [("029 2018 0100", "Self-referral and advice")],
        "schedules": [(WEEKDAYS, "09:00", "17:00", ""), ("TH", "17:00", "19:00", "Late clinic")],
        "locations": ["ddas-llanelli", "ddas-aberystwyth"],
        "referrals": True,
    },
    {
        "key": "ddas-arrest",
        "checked": "2025-07-01",
        "organization": "ddas",
        "name": "Arrest referral and Required Assessment",
        "name_cy": "Atgyfeirio ar ôl arestio ac Asesiad Gofynnol",
        "description": (
            "Follow-up after a positive drug test on arrest: the Required Assessment, any "
            "follow-up assessment, and a route into treatment."
        ),
        "description_cy": (
            "Dilyn prawf cyffuriau positif ar ôl arestio: yr Asesiad Gofynnol, unrhyw asesiad "
            "dilynol, a llwybr i driniaeth."
        ),
        "eligibility": (
            "Adults who tested positive for a specified Class A drug in custody in "
            "Carmarthenshire, Ceredigion or Pembrokeshire."
        ),
        "eligibility_cy": (
            "Oedolion a gafodd brawf positif am gyffur Dosbarth A penodedig yn y ddalfa yn Sir "
            "Gaerfyrddin, Ceredigion neu Sir Benfro."
        ),
        "application": (
            "Custody officers refer through Pont when they impose a Required Assessment."
        ),
        "application_cy": (
            "Mae swyddogion y ddalfa yn atgyfeirio drwy Pont pan fyddant yn gosod Asesiad Gofynnol."
        ),
        "minimum_age": 18,
        "needs": ["drugs", "criminal_justice"],
        "areas": ["Carmarthenshire", "Ceredigion", "Pembrokeshire"],
        "languages": [("en", "English"), ("cy", "Welsh")],
        "phones": [("029 2018 0110", "Arrest referral workers")],
        "schedules": [("MO,TU,WE,TH,FR,SA,SU", "08:00", "20:00", "")],
        "locations": ["ddas-llanelli"],
        "referrals": True,
    },
    {
        "key": "kaleidoscope-powys",
        "checked": "2026-09-21",
        "organization": "kaleidoscope",
        "name": "Powys drug and alcohol service",
        "name_cy": "Gwasanaeth cyffuriau ac alcohol Powys",
        "description": (
            "Open-access advice, assessment, prescribing and recovery support for adults across "
            "Powys, with bases in Newtown, Llandrindod Wells and Brecon."
        ),
        "description_cy": (
            "Cyngor mynediad agored, asesu, rhagnodi a chymorth adfer i oedolion ledled Powys, "
            "gyda chanolfannau yn y Drenewydd, Llandrindod ac Aberhonddu."
        ),
        "eligibility": "Adults aged 18 and over who live in Powys.",
        "eligibility_cy": "Oedolion 18 oed a hŷn sy'n byw ym Mhowys.",
        "application": (
            "Officers refer through Pont. Anyone can refer themselves by phone or drop in."
        ),
        "application_cy": (
            "Mae swyddogion yn atgyfeirio drwy Pont. Gall unrhyw un atgyfeirio ei hun dros y ffôn "
            "neu alw heibio."
        ),
        "minimum_age": 18,
        "needs": ["drugs", "alcohol", "harm_reduction", "criminal_justice"],
        "areas": ["Powys"],
        "languages": [("en", "English")],
        "phones": [("029 2018 0200", "")],
        "schedules": [(WEEKDAYS, "09:00", "17:00", "")],
        "locations": ["kaleidoscope-newtown"],
        "referrals": True,
    },
    {
        "key": "cdat",
        "checked": "2026-11-02",
        "organization": "cdat",
        "name": "Community drug and alcohol team",
        "name_cy": "Tîm cyffuriau ac alcohol cymunedol",
        "description": (
            "NHS specialist team for adults with complex drug or alcohol problems: opiate "
            "substitute prescribing, alcohol detoxification and mental health support."
        ),
        "description_cy": (
            "Tîm arbenigol y GIG i oedolion â phroblemau cymhleth gyda chyffuriau neu alcohol: "
            "rhagnodi amnewidion opiadau, dadwenwyno alcohol a chymorth iechyd meddwl."
        ),
        "eligibility": (
            "Adults aged 18 and over registered with a GP in Carmarthenshire, Ceredigion or "
            "Pembrokeshire."
        ),
        "eligibility_cy": (
            "Oedolion 18 oed a hŷn sydd wedi cofrestru gyda meddyg teulu yn Sir Gaerfyrddin, "
            "Ceredigion neu Sir Benfro."
        ),
        "application": (
            "Officers refer through Pont; GPs and other professionals refer by letter or phone."
        ),
        "application_cy": (
            "Mae swyddogion yn atgyfeirio drwy Pont; mae meddygon teulu a gweithwyr proffesiynol "
            "eraill yn atgyfeirio drwy lythyr neu dros y ffôn."
        ),
        "minimum_age": 18,
        "needs": ["drugs", "alcohol", "mental_health"],
        "areas": ["Carmarthenshire", "Ceredigion", "Pembrokeshire"],
        "languages": [("en", "English"), ("cy", "Welsh")],
        "phones": [("029 2018 0300", "")],
        "schedules": [(WEEKDAYS, "09:00", "17:00", "")],
        "locations": ["cdat-carmarthen"],
        "referrals": True,
    },
    {
        "key": "cdat-dropin",
        "organization": "cdat",
        "name": "Harm reduction drop-in, Haverfordwest",
        "name_cy": "Sesiwn galw heibio lleihau niwed, Hwlffordd",
        "status": "temporarily closed",
        "description": (
            "Needle exchange, naloxone kits and training, and blood-borne virus testing. Closed "
            "while the building is repaired: use the Carmarthen base."
        ),
        "description_cy": (
            "Cyfnewid nodwyddau, pecynnau naloxone a hyfforddiant, a phrofion firysau a gludir yn "
            "y gwaed. Ar gau tra bo'r adeilad yn cael ei atgyweirio: defnyddiwch ganolfan "
            "Caerfyrddin."
        ),
        "eligibility": "Anyone aged 18 or over.",
        "eligibility_cy": "Unrhyw un 18 oed neu hŷn.",
        "application": "No referral needed: drop in.",
        "application_cy": "Nid oes angen atgyfeiriad: galwch heibio.",
        "minimum_age": 18,
        "needs": ["harm_reduction"],
        "areas": ["Pembrokeshire"],
        "languages": [("en", "English"), ("cy", "Welsh")],
        "phones": [("029 2018 0310", "")],
        "schedules": [("TU,TH", "10:00", "14:00", "")],
        "locations": ["cdat-haverfordwest"],
        "referrals": False,
    },
    {
        "key": "ceredigion-housing",
        "checked": "2026-08-05",
        "organization": "ceredigion",
        "name": "Housing options and homelessness advice",
        "name_cy": "Opsiynau tai a chyngor ar ddigartrefedd",
        "description": (
            "Advice for anyone who is homeless or at risk of losing their home, including help to "
            "keep a tenancy and emergency accommodation."
        ),
        "description_cy": (
            "Cyngor i unrhyw un sy'n ddigartref neu mewn perygl o golli ei gartref, gan gynnwys "
            "help i gadw tenantiaeth a llety brys."
        ),
        "eligibility": "People aged 16 and over in Ceredigion.",
        "eligibility_cy": "Pobl 16 oed a hŷn yng Ngheredigion.",
        "application": (
            "Phone the housing options team, or call in. Out of hours, phone the emergency number."
        ),
        "application_cy": (
            "Ffoniwch y tîm opsiynau tai, neu galwch heibio. Y tu allan i oriau swyddfa, ffoniwch "
            "y rhif argyfwng."
        ),
        "minimum_age": 16,
        "needs": ["housing"],
        "areas": ["Ceredigion"],
        "languages": [("en", "English"), ("cy", "Welsh")],
        "phones": [("029 2018 0500", "Housing options"), ("029 2018 0501", "Out of hours")],
        "schedules": [("MO,TU,WE,TH", "09:00", "17:00", ""), ("FR", "09:00", "16:30", "")],
        "locations": ["ceredigion-aberaeron"],
        "referrals": False,
    },
    {
        "key": "pembrokeshire-young-people",
        "organization": "pembrokeshire",
        "name": "Young people's drug and alcohol service",
        "name_cy": "Gwasanaeth cyffuriau ac alcohol i bobl ifanc",
        "description": (
            "Confidential one-to-one support for young people worried about their own or a family "
            "member's drug or alcohol use, in schools, youth centres or at home."
        ),
        "description_cy": (
            "Cymorth un i un cyfrinachol i bobl ifanc sy'n poeni am eu defnydd eu hunain o "
            "gyffuriau neu alcohol, neu ddefnydd aelod o'r teulu, mewn ysgolion, canolfannau "
            "ieuenctid neu gartref."
        ),
        "eligibility": "Young people aged 11 to 25 in Pembrokeshire.",
        "eligibility_cy": "Pobl ifanc 11 i 25 oed yn Sir Benfro.",
        "application": "Young people, parents, schools and officers can refer by phone or email.",
        "application_cy": (
            "Gall pobl ifanc, rhieni, ysgolion a swyddogion atgyfeirio dros y ffôn neu drwy e-bost."
        ),
        "minimum_age": 11,
        "maximum_age": 25,
        "needs": ["young_people", "drugs", "alcohol", "families"],
        "areas": ["Pembrokeshire"],
        "languages": [("en", "English"), ("cy", "Welsh")],
        "phones": [("029 2018 0600", "")],
        "schedules": [(WEEKDAYS, "08:30", "18:00", "")],
        "locations": [],
        "referrals": False,
    },
]


def _organization(key: str) -> dict[str, Any]:
    name, description, email, website, _slug = ORGANIZATIONS[key]
    return {
        "id": _id("organization", key),
        "name": name,
        "alternate_name": ORGANIZATION_NAMES_CY[key],
        "description": description,
        "email": email,
        "website": website,
    }


def _location(key: str) -> dict[str, Any]:
    organization, name, line, town, county, postcode, latitude, longitude = LOCATIONS[key]
    location_id = _id("location", key)
    return {
        "id": location_id,
        "location_type": "physical",
        "organization_id": _id("organization", organization),
        "name": name,
        "alternate_name": LOCATION_NAMES_CY[key],
        "latitude": latitude,
        "longitude": longitude,
        "addresses": [
            {
                "id": _id("address", key),
                "location_id": location_id,
                "address_1": line,
                "city": town,
                "state_province": county,
                "postal_code": postcode,
                "country": "GB",
                "address_type": "physical",
            }
        ],
    }


def _welsh(owner_id: str, code: str, text: str, entity: str = "service") -> dict[str, Any]:
    term_id = _id("term", "pont-welsh", code)
    return {
        "id": _id("attribute", owner_id, code),
        "link_id": owner_id,
        "link_entity": entity,
        "taxonomy_term_id": term_id,
        "taxonomy_term": {
            "id": term_id,
            "code": code,
            "name": f"Welsh {code.replace('_', ' ')}",
            "description": f"The {code.replace('_', ' ')} in Welsh.",
            "taxonomy": "pont-welsh",
        },
        "value": text,
    }


# The Welsh of the demo's phone and opening time notes (HSDS carries one language; Pont the
# Welsh as a pont-welsh attribute of the phone or schedule).
NOTES_CY = {
    "Self-referral and advice": "Hunanatgyfeirio a chyngor",
    "Late clinic": "Clinig hwyr",
    "Arrest referral workers": "Gweithwyr atgyfeirio ar ôl arestio",
    "Housing options": "Opsiynau tai",
    "Out of hours": "Y tu allan i oriau swyddfa",
}


def _welsh_note(owner_id: str, note: str, entity: str) -> list[dict[str, Any]]:
    return [_welsh(owner_id, "description", NOTES_CY[note], entity)] if note else []


def _need(service_id: str, code: str) -> dict[str, Any]:
    term_id = _id("term", "pont-needs", code)
    return {
        "id": _id("attribute", service_id, "need", code),
        "link_id": service_id,
        "link_entity": "service",
        "taxonomy_term_id": term_id,
        "taxonomy_term": {
            "id": term_id,
            "code": code,
            "name": code,
            "description": code,
            "taxonomy": "pont-needs",
        },
    }


def service_document(entry: dict[str, Any]) -> dict[str, Any]:
    """Return one demo service as an HSDS 3.0 service document."""
    key = entry["key"]
    sid = _id("service", key)
    document: dict[str, Any] = {
        "id": sid,
        "name": entry["name"],
        "alternate_name": entry["name_cy"],
        "description": entry["description"],
        "status": entry.get("status", "active"),
        "eligibility_description": entry["eligibility"],
        "application_process": entry["application"],
        "minimum_age": entry["minimum_age"],
        "organization": _organization(entry["organization"]),
        "phones": [
            {
                "id": phone_id,
                "number": number,
                "description": note,
                "attributes": _welsh_note(phone_id, note, "phone"),
            }
            for number, note in entry["phones"]
            for phone_id in [_id("phone", key, number)]
        ],
        "schedules": [
            {
                "id": schedule_id,
                "freq": "WEEKLY",
                "byday": days,
                "opens_at": opens,
                "closes_at": closes,
                "description": note,
                "attributes": _welsh_note(schedule_id, note, "schedule"),
            }
            for index, (days, opens, closes, note) in enumerate(entry["schedules"])
            for schedule_id in [_id("schedule", key, str(index))]
        ],
        "service_areas": [{"id": _id("area", key, area), "name": area} for area in entry["areas"]],
        "languages": [
            {"id": _id("language", key, code), "code": code, "name": name}
            for code, name in entry["languages"]
        ],
        "service_at_locations": [
            {"id": _id("at", key, place), "location": _location(place)}
            for place in entry["locations"]
        ],
        "attributes": [
            *(_need(sid, code) for code in entry["needs"]),
            _welsh(sid, "description", entry["description_cy"]),
            _welsh(sid, "eligibility_description", entry["eligibility_cy"]),
            _welsh(sid, "application_process", entry["application_cy"]),
        ],
    }
    if "maximum_age" in entry:
        document["maximum_age"] = entry["maximum_age"]
    if "checked" in entry:  # when the provider last confirmed the details (HSDS assurance)
        document["assured_date"] = entry["checked"]
    for phone in document["phones"]:
        if not phone["description"]:
            del phone["description"]
    for schedule in document["schedules"]:
        if not schedule["description"]:
            del schedule["description"]
    return document


def demo_documents() -> list[tuple[str, dict[str, Any]]]:
    """The demo directory as (name, HSDS service document) pairs, ready to import."""
    return [(f"demo:{entry['key']}", service_document(entry)) for entry in SERVICES]


@transaction.atomic
def load_directory_demo() -> dict[str, int]:
    """Create (or bring up to date) the demo directory; return what was created.

    Idempotent: a second run creates and changes nothing.
    """
    summary = services.hsds_import(actor=None, documents=demo_documents())
    slugs = {key: entry[4] for key, entry in ORGANIZATIONS.items() if entry[4]}
    pont = {o.slug: o for o in Organisation.objects.filter(slug__in=slugs.values())}
    for key, slug in slugs.items():
        if slug in pont:
            services.directory_organization_link(
                actor=None,
                organization_id=uuid.UUID(_id("organization", key)),
                pont_organisation=pont[slug],
            )
    for entry in SERVICES:
        if not entry["referrals"]:
            continue
        service = Service.objects.select_related("organization").get(
            pk=_id("service", entry["key"])
        )
        if service.organization.pont_organisation_id is None:
            continue  # the Pont organisation is not in this database
        _name, _description, email, _website, _slug = ORGANIZATIONS[entry["organization"]]
        services.service_referrals_update(
            actor=None,
            service_id=service.pk,
            accepts_referrals=True,
            referral_inbox_email="referrals@" + email.split("@")[1],
        )
    return {
        "directory_organisations": summary.counts["organizations"]["created"],
        "services": summary.counts["services"]["created"],
    }
