"""Open Referral HSDS 3.0: validation against the official schemas, and mapping to and from Pont.

The official JSON schemas are in `hsds_schema/` (CC BY-SA 4.0, see its
SOURCES.md); they refer to each other by relative `$ref` ("phone.json"), which
a `referencing` registry resolves offline under the URL they are published at.

What HSDS cannot say, Pont says with attributes in two local taxonomies, so a
document Pont exports comes back whole when imported:

- `pont-needs`: what a service helps with (drugs, alcohol...), the term `code`
  being a `NeedCategory` code; officers search by these.
- `pont-welsh`: the Welsh description, eligibility and how-to-refer texts (the
  attribute's `value`); the Welsh name travels as `alternate_name`.

Ids Pont does not store (an address, an attribute, a taxonomy term) are
derived with uuid5 from the record they belong to, so every export of the same
data gives the same document.
"""

import json
import math
import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from django.conf.locale import LANG_INFO
from django.db.models import Model
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from pont.core.numbers import whole_number

from .models import (
    County,
    DirectoryOrganization,
    Location,
    Phone,
    Schedule,
    Service,
    ServiceArea,
    ServiceLanguage,
)

HSDS_VERSION = "3.0"
SCHEMA_DIR = Path(__file__).resolve().parent / "hsds_schema"
# Where Open Referral publishes the 3.0 schemas; openapi.json refers to them by this URL.
SCHEMA_BASE = "https://raw.githubusercontent.com/openreferral/specification/3.0/schema/"

NEEDS_TAXONOMY = "pont-needs"
WELSH_TAXONOMY = "pont-welsh"
# The Welsh texts carried as pont-welsh attributes: term code -> (Service field, term name).
WELSH_TEXTS = {
    "description": ("description_cy", "Welsh description"),
    "eligibility_description": ("eligibility_description_cy", "Welsh eligibility description"),
    "application_process": ("application_process_cy", "Welsh application process"),
}
# Fixed namespace for the uuid5 ids of records Pont derives rather than stores.
ID_NAMESPACE = uuid.UUID("aaaff965-e0ca-46ab-9335-a3dbebf9d79f")

# HSDS documents are in English; the Welsh names of the counties are accepted on import too.
COUNTY_NAMES: dict[str, str] = {
    County.CARMARTHENSHIRE: "Carmarthenshire",
    County.CEREDIGION: "Ceredigion",
    County.PEMBROKESHIRE: "Pembrokeshire",
    County.POWYS: "Powys",
}
_COUNTY_ALIASES: dict[str, str] = {
    **{name.casefold(): code for code, name in COUNTY_NAMES.items()},
    **{str(code).casefold(): str(code) for code in COUNTY_NAMES},
    "sir gaerfyrddin": County.CARMARTHENSHIRE,
    "sir gâr": County.CARMARTHENSHIRE,
    "sir benfro": County.PEMBROKESHIRE,
}

_BYDAY = re.compile(r"^([+-]?[0-9]{1,2})?(MO|TU|WE|TH|FR|SA|SU)$")


# ---------------------------------------------------------------- validation


@dataclass(frozen=True)
class Problem:
    """Why (part of) a document was refused: the file, the JSON path and the reason."""

    source: str
    path: str
    reason: str

    def __str__(self) -> str:
        return f"{self.source}: {self.path}: {self.reason}"

    def as_dict(self) -> dict[str, str]:
        return {"file": self.source, "path": self.path, "reason": self.reason}


@cache
def _registry() -> Registry:
    resources = []
    for path in sorted(SCHEMA_DIR.glob("*.json")):
        contents = json.loads(path.read_text(encoding="utf-8"))
        resource = Resource.from_contents(contents, default_specification=DRAFT202012)
        resources.append((SCHEMA_BASE + path.name, resource))
    return Registry().with_resources(resources)


def _page_schema() -> dict[str, Any]:
    """The HSDS API's paginated list (openapi.json's Page), with full services as contents."""
    return {
        "allOf": [{"$ref": SCHEMA_BASE + "openapi.json#/components/schemas/Page"}],
        "type": "object",
        "required": ["contents"],
        "properties": {
            "contents": {"type": "array", "items": {"$ref": SCHEMA_BASE + "service.json"}}
        },
    }


_SCHEMAS: dict[str, dict[str, Any]] = {
    "service": {"$ref": SCHEMA_BASE + "service.json"},
    # An organisation as GET /organizations/{id} returns it: with its services.
    "organization": {
        "allOf": [{"$ref": SCHEMA_BASE + "organization.json"}],
        "properties": {
            "services": {"type": "array", "items": {"$ref": SCHEMA_BASE + "service.json"}}
        },
    },
    "page": _page_schema(),
}


@cache
def _validator(kind: str) -> Draft202012Validator:
    return Draft202012Validator(
        _SCHEMAS[kind],
        registry=_registry(),
        format_checker=Draft202012Validator.FORMAT_CHECKER,
    )


def document_kind(document: Any) -> str | None:
    """Say what an HSDS document is: a list page, a service or an organisation (or None)."""
    if not isinstance(document, dict):
        return None
    if "contents" in document:
        return "page"
    if "status" in document:  # required of a service, absent from an organisation
        return "service"
    if "description" in document or "services" in document:
        return "organization"
    return None


def schema_problems(
    document: Any, kind: str, *, source: str = "", limit: int = 20
) -> list[Problem]:
    """Return where the document breaks the official HSDS 3.0 schema for its kind."""
    errors = sorted(_validator(kind).iter_errors(document), key=lambda e: (e.json_path, e.message))
    return [Problem(source, error.json_path, error.message) for error in errors[:limit]]


# ---------------------------------------------------------------- export


def stamp(moment: datetime) -> str:
    """ISO 8601 in UTC with milliseconds, as HSDS asks for last_modified."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _clock(value: time) -> str:
    return value.strftime("%H:%M:%S" if value.second else "%H:%M")


def _derived_id(*parts: object) -> str:
    return str(uuid.uuid5(ID_NAMESPACE, "/".join(str(part) for part in parts)))


def need_term_id(code: str) -> str:
    """The taxonomy_term id that stands for a need in exported documents."""
    return _derived_id(NEEDS_TAXONOMY, code)


def _compact(values: dict[str, Any], required: Iterable[str] = ()) -> dict[str, Any]:
    """Drop empty optional values: HSDS types have no null, and "" says nothing."""
    keep = set(required)
    return {k: v for k, v in values.items() if k in keep or v not in (None, "", [])}


def _phone(phone: Phone, **owner: str) -> dict[str, Any]:
    extension = whole_number(phone.extension)
    return _compact(
        {
            "id": str(phone.pk),
            **owner,
            "number": phone.number,
            "extension": extension,
            "description": phone.description,
            "attributes": _welsh_description(phone, "phone"),
        },
        required=("id", "number"),
    )


def _welsh_description(owner: Phone | Schedule, entity: str) -> list[dict[str, Any]]:
    """A phone's or schedule's Welsh description, as the service's Welsh texts are carried:
    a pont-welsh attribute (HSDS has one language)."""
    if not owner.description_cy:
        return []
    term_name = WELSH_TEXTS["description"][1]
    return [
        _attribute(
            owner,
            WELSH_TAXONOMY,
            "description",
            term_name,
            entity=entity,
            value=owner.description_cy,
        )
    ]


def _phones(phones: Iterable[Phone], **owner: str) -> list[dict[str, Any]]:
    return [_phone(p, **owner) for p in sorted(phones, key=lambda p: (p.number, str(p.pk)))]


def organization_to_hsds(organization: DirectoryOrganization) -> dict[str, Any]:
    return _compact(
        {
            "id": str(organization.pk),
            "name": organization.name,
            "alternate_name": organization.name_cy,
            "description": organization.description,
            "email": organization.email,
            "website": organization.website,
            "phones": _phones(organization.phones.all(), organization_id=str(organization.pk)),
        },
        required=("id", "name", "description"),
    )


def location_to_hsds(location: Location) -> dict[str, Any]:
    address = None
    if location.address_1:
        address = {
            "id": _derived_id("address", location.pk),
            "location_id": str(location.pk),
            "address_1": location.address_1,
            "address_2": location.address_2,
            "city": location.city,
            "state_province": location.state_province,
            "postal_code": location.postal_code,
            "country": location.country,
            "address_type": location.location_type,
        }
        address = _compact(
            address,
            required=(
                "id",
                "address_1",
                "city",
                "state_province",
                "postal_code",
                "country",
                "address_type",
            ),
        )
    return _compact(
        {
            "id": str(location.pk),
            "location_type": location.location_type,
            "organization_id": str(location.organization_id),
            "name": location.name,
            "alternate_name": location.name_cy,
            "latitude": float(location.latitude) if location.latitude is not None else None,
            "longitude": float(location.longitude) if location.longitude is not None else None,
            "addresses": [address] if address else [],
            "phones": _phones(location.phones.all(), location_id=str(location.pk)),
        },
        required=("id", "location_type"),
    )


def _schedule(schedule: Schedule) -> dict[str, Any]:
    return _compact(
        {
            "id": str(schedule.pk),
            "service_id": str(schedule.service_id),
            "valid_from": schedule.valid_from.isoformat() if schedule.valid_from else None,
            "valid_to": schedule.valid_to.isoformat() if schedule.valid_to else None,
            "freq": schedule.freq,
            "byday": schedule.byday,
            "opens_at": _clock(schedule.opens_at) if schedule.opens_at else None,
            "closes_at": _clock(schedule.closes_at) if schedule.closes_at else None,
            "description": schedule.description,
            "attributes": _welsh_description(schedule, "schedule"),
        },
        required=("id",),
    )


def schedule_order(schedule: Schedule) -> tuple[int, time, str]:
    days = [d.strip()[-2:] for d in schedule.byday.split(",") if d.strip()]
    first = min((Schedule.Day.values.index(d) for d in days if d in Schedule.Day.values), default=7)
    return (first, schedule.opens_at or time.min, str(schedule.pk))


def _attribute(
    owner: Service | Phone | Schedule,
    taxonomy: str,
    code: str,
    name: str,
    *,
    entity: str = "service",
    **extra: Any,
) -> dict:
    term_id = _derived_id(taxonomy, code)
    return {
        "id": _derived_id("attribute", owner.pk, taxonomy, code),
        "link_id": str(owner.pk),
        "link_type": "need" if taxonomy == NEEDS_TAXONOMY else "translation",
        "link_entity": entity,
        "taxonomy_term_id": term_id,
        "taxonomy_term": {
            "id": term_id,
            "code": code,
            "name": name,
            "description": name,
            "taxonomy": taxonomy,
        },
        **extra,
    }


def service_to_hsds(service: Service) -> dict[str, Any]:
    """Return the fully nested HSDS 3.0 service, as GET /services/{id} answers.

    Expects the relations that `selectors.services_for_hsds` prefetches.
    """
    sid = str(service.pk)
    attributes = [
        _attribute(service, NEEDS_TAXONOMY, need.code, need.label_en)
        for need in sorted(service.needs.all(), key=lambda n: (n.code, n.pk))
    ]
    for code, (field_name, term_name) in WELSH_TEXTS.items():
        text = getattr(service, field_name)
        if text:
            attributes.append(_attribute(service, WELSH_TAXONOMY, code, term_name, value=text))
    service_at_locations = [
        {
            "id": str(sal.pk),
            "service_id": sid,
            "location_id": str(sal.location_id),
            "location": location_to_hsds(sal.location),
        }
        for sal in sorted(service.service_at_locations.all(), key=lambda s: str(s.location_id))
    ]
    return _compact(
        {
            "id": sid,
            "organization_id": str(service.organization_id),
            "name": service.name,
            "alternate_name": service.name_cy,
            "description": service.description,
            "url": service.url,
            "email": service.email,
            "status": service.status,
            "application_process": service.application_process,
            "eligibility_description": service.eligibility_description,
            "minimum_age": service.minimum_age,
            "maximum_age": service.maximum_age,
            "assured_date": service.assured_date.isoformat() if service.assured_date else None,
            "assurer_email": service.assurer_email,
            "last_modified": stamp(service.last_modified),
            "phones": _phones(service.phones.all(), service_id=sid),
            "schedules": [
                _schedule(s) for s in sorted(service.schedules.all(), key=schedule_order)
            ],
            "service_areas": [
                {"id": str(area.pk), "service_id": sid, "name": COUNTY_NAMES[area.county]}
                for area in sorted(service.service_areas.all(), key=lambda a: a.county)
            ],
            "service_at_locations": service_at_locations,
            "languages": [
                {"id": str(lang.pk), "service_id": sid, "name": lang.name, "code": lang.code}
                for lang in sorted(service.languages.all(), key=lambda lang: lang.code)
            ],
            "organization": organization_to_hsds(service.organization),
            "attributes": attributes,
        },
        required=("id", "name", "status"),
    )


def page_to_hsds(
    services: Iterable[Service], *, total_items: int, page_number: int, per_page: int
) -> dict[str, Any]:
    """Return a page of the HSDS API's paginated list of services."""
    contents = [service_to_hsds(service) for service in services]
    total_pages = max(1, math.ceil(total_items / per_page)) if per_page else 1
    return {
        "total_items": total_items,
        "total_pages": total_pages,
        "page_number": page_number,
        "size": len(contents),
        "first_page": page_number == 1,
        "last_page": page_number >= total_pages,
        "empty": not contents,
        "contents": contents,
    }


# ---------------------------------------------------------------- import


@dataclass
class Record:
    """One row to write: its model, id, field values, and the JSON path of each field."""

    model: type[Model]
    pk: uuid.UUID
    values: dict[str, Any]
    path: str
    paths: dict[str, str] = field(default_factory=dict)
    source: str = ""  # the file it came from

    def path_of(self, field_name: str) -> str:
        return self.paths.get(field_name, self.path)


@dataclass
class ServiceRecord(Record):
    organization_id: uuid.UUID | None = None
    last_modified: datetime | None = None
    phones: list[Record] = field(default_factory=list)
    schedules: list[Record] = field(default_factory=list)
    areas: list[Record] = field(default_factory=list)
    languages: list[Record] = field(default_factory=list)
    need_codes: dict[str, str] = field(default_factory=dict)  # code -> path
    # (service_at_location id, location id, path)
    at_locations: list[tuple[uuid.UUID, uuid.UUID, str]] = field(default_factory=list)


@dataclass
class OwnedRecord(Record):
    """An organisation or a location, with the phones that belong to it."""

    owner_id: uuid.UUID | None = None  # a location's organisation
    phones: list[Record] | None = None  # None: the document did not say (keep what is held)


@dataclass
class Batch:
    """Everything read from the documents of one import run, checked but not yet written."""

    organizations: dict[uuid.UUID, OwnedRecord] = field(default_factory=dict)
    locations: dict[uuid.UUID, OwnedRecord] = field(default_factory=dict)
    services: dict[uuid.UUID, ServiceRecord] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    documents: int = 0


class _Reader:
    """Map validated HSDS documents onto Pont's models, noting every value Pont cannot hold."""

    def __init__(self, batch: Batch, source: str, need_codes: set[str]) -> None:
        self.batch = batch
        self.source = source
        self.need_codes = need_codes

    def problem(self, path: str, reason: str) -> None:
        self.batch.problems.append(Problem(self.source, path, reason))

    # Values -------------------------------------------------------------

    def age(self, data: dict[str, Any], key: str, path: str) -> int | None:
        value = data.get(key)
        if value is None:
            return None
        if value != int(value) or not 0 <= value <= 150:
            self.problem(f"{path}.{key}", "an age must be a whole number of years from 0 to 150")
            return None
        return int(value)

    def day(self, data: dict[str, Any], key: str, path: str) -> date | None:
        value = data.get(key)
        if not value:
            return None
        try:
            return date.fromisoformat(value)
        except ValueError:
            self.problem(f"{path}.{key}", f"{value!r} is not a date (YYYY-MM-DD)")
            return None

    def clock(self, data: dict[str, Any], key: str, path: str) -> time | None:
        value = data.get(key)
        if not value:
            return None
        try:
            return time.fromisoformat(value).replace(tzinfo=None)
        except ValueError:
            self.problem(f"{path}.{key}", f"{value!r} is not a time of day (HH:MM)")
            return None

    def moment(self, data: dict[str, Any], key: str, path: str) -> datetime | None:
        value = data.get(key)
        if not value:
            return None
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            self.problem(f"{path}.{key}", f"{value!r} is not a date and time (ISO 8601)")
            return None
        if moment.tzinfo is None:
            self.problem(f"{path}.{key}", "the date and time must give its offset from UTC (Z)")
            return None
        # Exchanged to the millisecond: keep no more, so a round trip compares equal.
        return moment.replace(microsecond=moment.microsecond // 1000 * 1000)

    def unique(self, items: list[dict[str, Any]], path: str, key: str = "id") -> None:
        seen: set[Any] = set()
        for index, item in enumerate(items):
            value = item.get(key)
            if value is not None and value in seen:
                self.problem(f"{path}[{index}].{key}", f"{value!r} appears twice")
            seen.add(value)

    # Records ------------------------------------------------------------

    def phones(self, items: list[dict[str, Any]], path: str) -> list[Record]:
        self.unique(items, path)
        records = []
        for index, item in enumerate(items):
            here = f"{path}[{index}]"
            extension = item.get("extension")
            if extension is not None and (extension != int(extension) or extension < 0):
                self.problem(f"{here}.extension", "an extension must be a whole number")
                extension = None
            records.append(
                Record(
                    Phone,
                    uuid.UUID(item["id"]),
                    {
                        "number": item["number"].strip(),
                        "extension": "" if extension is None else str(int(extension)),
                        "description": item.get("description", "").strip(),
                        "description_cy": _welsh_description_of(item),
                    },
                    here,
                    {
                        "number": f"{here}.number",
                        "extension": f"{here}.extension",
                        "description": f"{here}.description",
                        "description_cy": f"{here}.attributes",
                    },
                    source=self.source,
                )
            )
        return records

    def organization(self, data: dict[str, Any], path: str) -> uuid.UUID:
        pk = uuid.UUID(data["id"])
        phones = self.phones(data["phones"], f"{path}.phones") if "phones" in data else None
        record = OwnedRecord(
            DirectoryOrganization,
            pk,
            {
                "name": data["name"].strip(),
                "name_cy": data.get("alternate_name", "").strip(),
                "description": data.get("description", "").strip(),
                "email": data.get("email", "").strip(),
                "website": data.get("website", "").strip(),
            },
            path,
            {
                **{k: f"{path}.{k}" for k in ("name", "description", "email", "website")},
                "name_cy": f"{path}.alternate_name",
            },
            source=self.source,
            phones=phones,
        )
        self.batch.organizations[pk] = record
        for index, location in enumerate(data.get("locations", [])):
            self.location(location, f"{path}.locations[{index}]", owner=pk)
        return pk

    def location(self, data: dict[str, Any], path: str, owner: uuid.UUID | None) -> uuid.UUID:
        pk = uuid.UUID(data["id"])
        if data.get("organization_id"):
            owner = uuid.UUID(data["organization_id"])
        # Pont keeps one address per location: the first physical one, else the first.
        addresses = data.get("addresses", [])
        physical = [i for i, a in enumerate(addresses) if a.get("address_type") == "physical"]
        chosen: dict[str, Any] = {}
        address_path = path
        if addresses:
            index = physical[0] if physical else 0
            chosen, address_path = addresses[index], f"{path}.addresses[{index}]"
        values: dict[str, Any] = {
            "name": data.get("name", "").strip(),
            "name_cy": data.get("alternate_name", "").strip(),
            "location_type": data["location_type"],
            "address_1": chosen.get("address_1", "").strip(),
            "address_2": chosen.get("address_2", "").strip(),
            "city": chosen.get("city", "").strip(),
            "state_province": chosen.get("state_province", "").strip(),
            "postal_code": chosen.get("postal_code", "").strip().upper(),
            "country": chosen.get("country", "GB").strip().upper() or "GB",
            "latitude": None,
            "longitude": None,
        }
        paths = {
            "name": f"{path}.name",
            "name_cy": f"{path}.alternate_name",
            "location_type": f"{path}.location_type",
        }
        for key in ("address_1", "address_2", "city", "state_province", "postal_code", "country"):
            paths[key] = f"{address_path}.{key}"
        for key, limit in (("latitude", 90), ("longitude", 180)):
            value = data.get(key)
            paths[key] = f"{path}.{key}"
            if value is None:
                continue
            if not -limit <= value <= limit:
                self.problem(f"{path}.{key}", f"must be between -{limit} and {limit}")
                continue
            values[key] = Decimal(str(round(value, 6)))
        phones = self.phones(data["phones"], f"{path}.phones") if "phones" in data else None
        self.batch.locations[pk] = OwnedRecord(
            Location, pk, values, path, paths, source=self.source, owner_id=owner, phones=phones
        )
        return pk

    def service(self, data: dict[str, Any], path: str, organization: uuid.UUID | None) -> None:
        pk = uuid.UUID(data["id"])
        if "organization" in data:
            organization = self.organization(data["organization"], f"{path}.organization")
        elif data.get("organization_id"):
            organization = uuid.UUID(data["organization_id"])
        minimum = self.age(data, "minimum_age", path)
        maximum = self.age(data, "maximum_age", path)
        if minimum is not None and maximum is not None and maximum < minimum:
            self.problem(f"{path}.maximum_age", "the maximum age is below the minimum age")
        text_keys = (
            "name",
            "description",
            "status",
            "eligibility_description",
            "application_process",
            "url",
            "email",
            "assurer_email",
        )
        values: dict[str, Any] = {key: data.get(key, "").strip() for key in text_keys}
        values["status"] = data["status"]
        values.update(
            name_cy=data.get("alternate_name", "").strip(),
            minimum_age=minimum,
            maximum_age=maximum,
            assured_date=self.day(data, "assured_date", path),
        )
        paths = {key: f"{path}.{key}" for key in (*text_keys, "minimum_age", "maximum_age")}
        paths["name_cy"] = f"{path}.alternate_name"
        paths["assured_date"] = f"{path}.assured_date"
        paths["last_modified"] = f"{path}.last_modified"
        for field_name, _term in WELSH_TEXTS.values():
            values[field_name] = ""
        record = ServiceRecord(
            Service,
            pk,
            values,
            path,
            paths,
            source=self.source,
            organization_id=organization,
            last_modified=self.moment(data, "last_modified", path),
        )
        if organization is None:
            self.problem(
                path, "the service names no organization (give organization or organization_id)"
            )
        record.phones = self.phones(data.get("phones", []), f"{path}.phones")
        self.schedules(record, data.get("schedules", []), f"{path}.schedules")
        self.areas(record, data.get("service_areas", []), f"{path}.service_areas")
        self.languages(record, data.get("languages", []), f"{path}.languages")
        self.attributes(record, data.get("attributes", []), f"{path}.attributes")
        self.at_locations(record, data.get("service_at_locations", []), organization, path)
        self.batch.services[pk] = record

    def schedules(
        self, record: ServiceRecord, items: list[dict[str, Any]], path: str, note: str = ""
    ) -> None:
        self.unique(items, path)
        for index, item in enumerate(items):
            here = f"{path}[{index}]"
            byday = ",".join(d.strip().upper() for d in item.get("byday", "").split(",") if d)
            for day in filter(None, byday.split(",")):
                if not _BYDAY.match(day):
                    self.problem(f"{here}.byday", f"{day!r} is not a day (MO, TU ... SU)")
            values = {
                "freq": item.get("freq", "WEEKLY"),
                "byday": byday,
                "opens_at": self.clock(item, "opens_at", here),
                "closes_at": self.clock(item, "closes_at", here),
                "description": item.get("description", "").strip() or note,
                "description_cy": _welsh_description_of(item),
                "valid_from": self.day(item, "valid_from", here),
                "valid_to": self.day(item, "valid_to", here),
            }
            paths = {key: f"{here}.{key}" for key in values}
            paths["description_cy"] = f"{here}.attributes"
            record.schedules.append(
                Record(Schedule, uuid.UUID(item["id"]), values, here, paths, source=self.source)
            )

    def areas(self, record: ServiceRecord, items: list[dict[str, Any]], path: str) -> None:
        self.unique(items, path)
        counties: set[str] = set()
        for index, item in enumerate(items):
            here = f"{path}[{index}]"
            name = (item.get("name") or "").strip()
            county = _COUNTY_ALIASES.get(name.casefold())
            if county is None:
                known = ", ".join(COUNTY_NAMES.values())
                self.problem(f"{here}.name", f"unknown service area {name!r} (Pont knows {known})")
                continue
            if county in counties:
                self.problem(f"{here}.name", f"{name!r} appears twice")
                continue
            counties.add(county)
            record.areas.append(
                Record(
                    ServiceArea, uuid.UUID(item["id"]), {"county": county}, here, source=self.source
                )
            )

    def languages(self, record: ServiceRecord, items: list[dict[str, Any]], path: str) -> None:
        self.unique(items, path)
        codes: set[str] = set()
        for index, item in enumerate(items):
            here = f"{path}[{index}]"
            code, name = language_code_and_name(item.get("code", ""), item.get("name", ""))
            if not code:
                self.problem(
                    here, "give the language's ISO 639 code, or a language name Pont knows"
                )
                continue
            if code in codes:
                self.problem(here, f"the language {code!r} appears twice")
                continue
            codes.add(code)
            record.languages.append(
                Record(
                    ServiceLanguage,
                    uuid.UUID(item["id"]),
                    {"code": code, "name": name},
                    here,
                    source=self.source,
                )
            )

    def attributes(self, record: ServiceRecord, items: list[dict[str, Any]], path: str) -> None:
        need_ids = {need_term_id(code): code for code in self.need_codes}
        for index, item in enumerate(items):
            here = f"{path}[{index}]"
            term = item.get("taxonomy_term") or {}
            taxonomy = term.get("taxonomy", "")
            code = term.get("code", "")
            if not term and item.get("taxonomy_term_id") in need_ids:
                taxonomy, code = NEEDS_TAXONOMY, need_ids[item["taxonomy_term_id"]]
            if taxonomy == NEEDS_TAXONOMY:
                if code not in self.need_codes:
                    known = ", ".join(sorted(self.need_codes))
                    self.problem(
                        f"{here}.taxonomy_term.code", f"unknown need {code!r} (Pont knows {known})"
                    )
                else:
                    record.need_codes[code] = here
            elif taxonomy == WELSH_TAXONOMY and code in WELSH_TEXTS:
                field_name = WELSH_TEXTS[code][0]
                record.values[field_name] = (item.get("value") or "").strip()
                record.paths[field_name] = f"{here}.value"
            # Attributes of other taxonomies are not held by Pont.

    def at_locations(
        self,
        record: ServiceRecord,
        items: list[dict[str, Any]],
        organization: uuid.UUID | None,
        path: str,
    ) -> None:
        path = f"{path}.service_at_locations"
        self.unique(items, path)
        seen: set[uuid.UUID] = set()
        for index, item in enumerate(items):
            here = f"{path}[{index}]"
            if "location" in item:
                location = self.location(item["location"], f"{here}.location", owner=organization)
            elif item.get("location_id"):
                location = uuid.UUID(item["location_id"])
            else:
                self.problem(here, "give the location, or a location_id")
                continue
            if location in seen:
                self.problem(here, "the service is at this location twice")
                continue
            seen.add(location)
            record.at_locations.append((uuid.UUID(item["id"]), location, here))
            # Pont keeps opening times on the service; times at one place say where.
            where = self.batch.locations.get(location)
            note = where.values["name"] if where else ""
            self.schedules(record, item.get("schedules", []), f"{here}.schedules", note=note)


def _welsh_description_of(item: dict[str, Any]) -> str:
    """The Welsh description a phone or schedule carries as a pont-welsh attribute, or ""."""
    for attribute in item.get("attributes") or []:
        term = attribute.get("taxonomy_term") or {}
        if term.get("taxonomy") == WELSH_TAXONOMY and term.get("code") == "description":
            return (attribute.get("value") or "").strip()
    return ""


def language_code_and_name(code: str, name: str) -> tuple[str, str]:
    """Return (ISO code, English name) for an HSDS language, from its code or its name."""
    code, name = (code or "").strip().lower(), (name or "").strip()
    if code:
        base = code.split("-")[0]
        info = LANG_INFO.get(base, {})
        if len(base) in (2, 3) and base.isalpha():
            return base, name or info.get("name", base)
        return "", name
    folded = name.casefold()
    for info in LANG_INFO.values():
        if "code" in info and folded in (info["name"].casefold(), info["name_local"].casefold()):
            return info["code"].split("-")[0], info["name"]
    return "", name


def read_documents(documents: Iterable[tuple[str, Any]], *, need_codes: set[str]) -> Batch:
    """Check each (source, parsed JSON) against the schemas and map it; nothing is written.

    Problems are collected, not raised, so that one run reports all of them.
    """
    batch = Batch()
    for source, document in documents:
        batch.documents += 1
        kind = document_kind(document)
        if kind is None:
            batch.problems.append(
                Problem(
                    source,
                    "$",
                    "not an HSDS service, organization or list page "
                    "(a service has a status, an organization a description, a page contents)",
                )
            )
            continue
        problems = schema_problems(document, kind, source=source)
        if problems:
            batch.problems.extend(problems)
            continue
        reader = _Reader(batch, source, need_codes)
        if kind == "service":
            reader.service(document, "$", None)
        elif kind == "organization":
            organization = reader.organization(document, "$")
            for index, service in enumerate(document.get("services", [])):
                reader.service(service, f"$.services[{index}]", organization)
        else:
            for index, service in enumerate(document["contents"]):
                reader.service(service, f"$.contents[{index}]", None)
    return batch


def _refuse_constant(name: str) -> Any:
    """NaN and Infinity are not JSON, though Python's parser accepts them."""
    raise json.JSONDecodeError(f"{name} is not a JSON value", name, 0)


def parse_json(source: str, raw: bytes | str) -> tuple[Any, Problem | None]:
    """Parse a file's bytes as JSON; return (document, None) or (None, the problem)."""
    try:
        return json.loads(raw, parse_constant=_refuse_constant), None
    except UnicodeDecodeError as error:
        return None, Problem(source, "$", f"not UTF-8 text ({error.reason})")
    except json.JSONDecodeError as error:
        reason = f"not valid JSON: {error.msg} at line {error.lineno} column {error.colno}"
        return None, Problem(source, "$", reason)
