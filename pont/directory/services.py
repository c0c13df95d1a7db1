"""Every change to the services directory.

Directory entries are not personal data, but each write is still audited in
its own transaction: the link between a directory organisation and a Pont
organisation, and whether a service takes referrals, decide where referrals
(which are personal data) are sent.
"""

import dataclasses
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, time
from typing import Any

from django.conf.locale import LANG_INFO
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.db.models import Model, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pont.accounts.models import Organisation, User
from pont.audit import services as audit
from pont.core.exceptions import ApplicationError, ConflictError, NotFoundError
from pont.core.validators import normalise_uk_phone

from . import hsds
from .hsds import Problem, Record
from .models import (
    DirectoryOrganization,
    Location,
    NeedCategory,
    Phone,
    Schedule,
    Service,
    ServiceArea,
    ServiceAtLocation,
    ServiceLanguage,
    now_to_the_millisecond,
)

Operation = audit.Operation

IMPORT_REFUSED = _("Nothing was imported: the files have problems.")
SERVICE_NOT_FOUND = _("Service not found.")
ORGANIZATION_NOT_FOUND = _("Organisation not found.")
REFERRALS_NEED_PONT = _(
    "Only a service of an organisation that uses Pont can take referrals through Pont."
)
UNKNOWN_NEED = _("Unknown need: %(code)s")
CHECK_DETAILS = _("Check the details of the service.")
LINK_NEEDS_PROVIDER = _(
    "Only a treatment provider can be linked: its services are the ones that take referrals."
)
LINK_TAKEN = _(
    "%(organisation)s is already linked to %(other)s in the directory: unlink that first."
)
SERVICE_DETAILS_CHANGED = _(
    "Someone else changed this service while you were editing it. Check its details as "
    "they are now and make your change again."
)
PLACE_BOTH = _("A place cannot be both changed and taken off the service.")
SERVICE_CHANGED = _(
    "Someone else changed this service's referral settings while you were editing. "
    "Check them and make your change again."
)

Actor = User | None
Progress = Callable[[int, int, str], None]

CREATED, UPDATED, UNCHANGED = "created", "updated", "unchanged"


def _fields_error(error: ValidationError) -> ApplicationError:
    return ApplicationError(str(CHECK_DETAILS), {"fields": error.message_dict})


def _clean(instance: Model, exclude: Iterable[str] = ()) -> None:
    try:
        instance.full_clean(exclude=list(exclude), validate_unique=False)
    except ValidationError as error:
        raise _fields_error(error) from None


def _language_name(code: str) -> str:
    return str(LANG_INFO.get(code, {}).get("name", code))


def _current_needs(codes: Iterable[str]) -> list[NeedCategory]:
    wanted = set(codes)
    rows = {n.code: n for n in NeedCategory.objects.current().filter(code__in=wanted)}
    unknown = sorted(wanted - set(rows))
    if unknown:
        message = str(UNKNOWN_NEED) % {"code": ", ".join(unknown)}
        raise ApplicationError(message, {"fields": {"needs": [message]}})
    return [rows[code] for code in sorted(wanted)]


# ---------------------------------------------------------------- one record at a time


def _check_link(
    pont_organisation: Organisation | None, *, organization_id: uuid.UUID | None = None
) -> None:
    """A directory organisation may be one treatment provider in Pont, which no other is."""
    if pont_organisation is None:
        return
    problem = None
    if pont_organisation.kind != Organisation.Kind.TREATMENT_PROVIDER:
        problem = str(LINK_NEEDS_PROVIDER)
    else:
        taken = DirectoryOrganization.objects.filter(pont_organisation=pont_organisation)
        if organization_id is not None:
            taken = taken.exclude(pk=organization_id)
        other = taken.values_list("name", flat=True).first()
        if other is not None:
            problem = LINK_TAKEN % {"organisation": pont_organisation.name, "other": other}
    if problem is not None:
        raise ApplicationError(problem, {"fields": {"pont_organisation": [problem]}})


@transaction.atomic
def directory_organization_create(
    *,
    actor: Actor,
    name: str,
    description: str = "",
    email: str = "",
    website: str = "",
    pont_organisation: Organisation | None = None,
) -> DirectoryOrganization:
    """Add an organisation that provides services (a Pont organisation, or not)."""
    _check_link(pont_organisation)
    organization = DirectoryOrganization(
        name=name.strip(),
        description=description.strip(),
        email=email.strip(),
        website=website.strip(),
        pont_organisation=pont_organisation,
    )
    _clean(organization)
    organization.save()
    audit.record(actor=actor, operation=Operation.COLLECTION, obj=organization)
    return organization


@transaction.atomic
def directory_organization_link(
    *, actor: Actor, organization_id: uuid.UUID, pont_organisation: Organisation | None
) -> DirectoryOrganization:
    """Say which Pont organisation (if any) this directory organisation is.

    Its services can then take referrals in Pont; unlinking stops that at once.
    """
    organization = (
        DirectoryOrganization.objects.select_for_update().filter(pk=organization_id).first()
    )
    if organization is None:
        raise NotFoundError(str(ORGANIZATION_NOT_FOUND))
    _check_link(pont_organisation, organization_id=organization.pk)
    before = organization.pont_organisation_id
    after = pont_organisation.pk if pont_organisation else None
    if before == after:
        return organization
    organization.pont_organisation = pont_organisation
    _clean(organization)
    organization.save(update_fields=["pont_organisation", "updated_at"])
    if pont_organisation is None:
        organization.services.filter(accepts_referrals=True).update(
            accepts_referrals=False, updated_at=timezone.now()
        )
    audit.record(
        actor=actor,
        operation=Operation.ALTERATION,
        obj=organization,
        detail={"pont_organisation": [before, after]},
    )
    return organization


@transaction.atomic
def service_create(
    *,
    actor: Actor,
    organization: DirectoryOrganization,
    name: str,
    status: str = Service.Status.ACTIVE,
    name_cy: str = "",
    description: str = "",
    description_cy: str = "",
    eligibility_description: str = "",
    eligibility_description_cy: str = "",
    minimum_age: int | None = None,
    maximum_age: int | None = None,
    application_process: str = "",
    application_process_cy: str = "",
    url: str = "",
    email: str = "",
    needs: Iterable[str] = (),
    counties: Iterable[str] = (),
    languages: Iterable[str] = (),
    phones: Iterable[str] = (),
    schedules: Iterable[Mapping[str, Any]] = (),
    locations: Iterable[Mapping[str, Any]] = (),
    accepts_referrals: bool = False,
    referral_inbox_email: str = "",
) -> Service:
    """Add a service with its needs, counties, languages, phones, opening times and places.

    `schedules` are dicts of Schedule fields (byday "MO,TU", opens_at, closes_at...);
    `locations` dicts of Location fields, each a new place the service is delivered at.
    """
    if accepts_referrals and organization.pont_organisation_id is None:
        raise ApplicationError(
            str(REFERRALS_NEED_PONT), {"fields": {"accepts_referrals": [str(REFERRALS_NEED_PONT)]}}
        )
    service = Service(
        organization=organization,
        name=name.strip(),
        name_cy=name_cy.strip(),
        status=status,
        description=description.strip(),
        description_cy=description_cy.strip(),
        eligibility_description=eligibility_description.strip(),
        eligibility_description_cy=eligibility_description_cy.strip(),
        minimum_age=minimum_age,
        maximum_age=maximum_age,
        application_process=application_process.strip(),
        application_process_cy=application_process_cy.strip(),
        url=url.strip(),
        email=email.strip(),
        accepts_referrals=accepts_referrals,
        referral_inbox_email=referral_inbox_email.strip(),
    )
    _clean(service)
    service.save()
    service.needs.set(_current_needs(needs))
    children: list[Model] = [
        ServiceArea(service=service, county=c) for c in dict.fromkeys(counties)
    ]
    children += [
        ServiceLanguage(service=service, code=code, name=_language_name(code))
        for code in dict.fromkeys(languages)
    ]
    children += [Phone(service=service, number=number.strip()) for number in phones]
    children += [Schedule(service=service, **dict(schedule)) for schedule in schedules]
    for child in children:
        _clean(child, exclude=["service"])
        child.save()
    for values in locations:
        location = Location(organization=organization, **dict(values))
        _clean(location, exclude=["organization"])
        location.save()
        ServiceAtLocation.objects.create(service=service, location=location)
    audit.record(actor=actor, operation=Operation.COLLECTION, obj=service)
    return service


def _service_to_change(
    service_id: uuid.UUID, seen_updated_at: datetime | None, changed: Any
) -> Service:
    """The service, locked for the rest of the transaction. `seen_updated_at` is when it had
    last changed as the caller saw it (a form posts it back): if it has changed since,
    ConflictError says `changed`, so that one manager does not silently undo another's
    change."""
    service = (
        Service.objects.select_for_update()
        .select_related("organization")
        .filter(pk=service_id)
        .first()
    )
    if service is None:
        raise NotFoundError(str(SERVICE_NOT_FOUND))
    if seen_updated_at is not None and service.updated_at != seen_updated_at:
        raise ConflictError(str(changed))
    return service


@transaction.atomic
def service_referrals_update(
    *,
    actor: Actor,
    service_id: uuid.UUID,
    accepts_referrals: bool,
    referral_inbox_email: str = "",
    seen_updated_at: datetime | None = None,
) -> Service:
    """Say whether a service takes referrals through Pont, and where to email a notice of one.

    `seen_updated_at` is when the service had last changed as the caller saw it (a form
    posts it back): if it has changed since, nothing is saved and ConflictError is raised,
    so that one manager does not silently undo another's change.
    """
    service = _service_to_change(service_id, seen_updated_at, SERVICE_CHANGED)
    if accepts_referrals and service.organization.pont_organisation_id is None:
        raise ApplicationError(
            str(REFERRALS_NEED_PONT), {"fields": {"accepts_referrals": [str(REFERRALS_NEED_PONT)]}}
        )
    changes = {
        "accepts_referrals": accepts_referrals,
        "referral_inbox_email": referral_inbox_email.strip(),
    }
    changed = [name for name, value in changes.items() if getattr(service, name) != value]
    if not changed:
        return service
    for name in changed:
        setattr(service, name, changes[name])
    _clean(service)
    service.save(update_fields=[*changed, "updated_at"])
    audit.record(
        actor=actor, operation=Operation.ALTERATION, obj=service, detail={"fields": changed}
    )
    return service


@dataclass
class PhoneEntry:
    """A phone number of a service as its manager gives it (the number already checked)."""

    number: str
    description: str = ""
    description_cy: str = ""


# The service's own fields a provider manager keeps up to date (service_details_update).
DETAIL_FIELDS = (
    "name",
    "name_cy",
    "status",
    "description",
    "description_cy",
    "eligibility_description",
    "eligibility_description_cy",
    "minimum_age",
    "maximum_age",
    "application_process",
    "application_process_cy",
    "url",
    "email",
)


def _detail_values(details: Mapping[str, Any]) -> dict[str, Any]:
    """The DETAIL_FIELDS of `details`, text trimmed."""
    return {
        name: value.strip() if isinstance(value, str) else value
        for name, value in ((name, details[name]) for name in DETAIL_FIELDS)
    }


def _set_coded(
    held: Any, key: str, wanted: Iterable[str], model: type[Model], **values: Any
) -> bool:
    """Make a service's rows of one code each (its counties, its languages) those `wanted`;
    a new row gets `values` (a callable one is given the code). Say if anything changed."""
    codes = list(dict.fromkeys(wanted))
    if set(codes) == set(held.values_list(key, flat=True)):
        return False
    held.exclude(**{f"{key}__in": codes}).delete()
    kept = set(held.values_list(key, flat=True))
    for code in codes:
        if code not in kept:
            extra = {name: v(code) if callable(v) else v for name, v in values.items()}
            row = model(**{key: code}, **extra)
            _clean(row, exclude=["service"])
            row.save()
    return True


def _set_children(
    service: Service,
    needs: Iterable[str],
    counties: Iterable[str],
    languages: Iterable[str],
    phones: Iterable[PhoneEntry],
) -> list[str]:
    """Make the service's needs, counties, languages and phones those given; name the ones
    that changed."""
    changed = []
    wanted_needs = _current_needs(needs)
    if {n.pk for n in wanted_needs} != set(service.needs.values_list("pk", flat=True)):
        service.needs.set(wanted_needs)
        changed.append("needs")
    if _set_coded(service.service_areas, "county", counties, ServiceArea, service=service):
        changed.append("service_areas")
    if _set_coded(
        service.languages, "code", languages, ServiceLanguage, service=service, name=_language_name
    ):
        changed.append("languages")
    if _set_phones(service.phones, phones, service=service):
        changed.append("phones")
    return changed


def _set_phones(held: Any, phones: Iterable[PhoneEntry], **owner: Any) -> bool:
    """Make the phones of a service or a place (`held`, its related manager; `owner`, what
    a new phone belongs to) those given; say if anything changed. A phone kept on the same
    line keeps its row and its extension, however its number was written (an import's
    "01267123456" is the form's "01267 123456": the same lines with the same descriptions
    change nothing); a line given twice is kept once."""
    held_phones = {_line(p.number): p for p in held.all()}
    wanted = {_line(p.number): p for p in phones}
    as_held = {(line, p.description, p.description_cy) for line, p in held_phones.items()}
    as_wanted = {(line, p.description, p.description_cy) for line, p in wanted.items()}
    if as_held == as_wanted:
        return False  # the same lines, however written: nothing to change or record
    held.exclude(pk__in=[p.pk for line, p in held_phones.items() if line in wanted]).delete()
    for line, entry in wanted.items():
        phone = held_phones.get(line) or Phone(**owner)
        phone.number = entry.number
        phone.description = entry.description
        phone.description_cy = entry.description_cy
        _clean(phone, exclude=["service", "location", "organization"])
        phone.save()
    return True


def _line(number: str) -> str:
    """The line a number rings (E.164), or the number as written when it does not parse."""
    try:
        return normalise_uk_phone(number)
    except ValidationError:
        return number


@transaction.atomic
def service_details_update(
    *,
    actor: User,
    service_id: uuid.UUID,
    details: Mapping[str, Any],
    needs: Iterable[str],
    counties: Iterable[str],
    languages: Iterable[str],
    phones: Iterable[PhoneEntry],
    seen_updated_at: datetime | None = None,
) -> Service:
    """A provider manager's account of their service: its names, status, descriptions, who
    it is for, how to refer, its website, email address, needs, counties, languages and
    phone numbers (`details` holds DETAIL_FIELDS, all of them).

    Saving also says the details were checked: the service's `assured_date` becomes today
    and `assurer_email` the organisation's address (HSDS's assurance: the HSDS API is
    public, so a member of staff's own address is not put there; the audit event names
    them), even when nothing else
    changed; `last_modified` moves so that partners reading HSDS see it. One audit event
    (alteration) names the fields that changed. `seen_updated_at` as for
    service_referrals_update: a change made meanwhile raises ConflictError, nothing saved.
    """
    service = _service_to_change(service_id, seen_updated_at, SERVICE_DETAILS_CHANGED)
    values = _detail_values(details)
    changed = [name for name, value in values.items() if getattr(service, name) != value]
    for name in changed:
        setattr(service, name, values[name])
    service.assured_date = timezone.localdate()
    service.assurer_email = service.organization.email
    service.last_modified = now_to_the_millisecond()
    _clean(service)
    service.save()
    changed += _set_children(service, needs, counties, languages, phones)
    audit.record(
        actor=actor,
        operation=Operation.ALTERATION,
        obj=service,
        detail={"fields": changed, "checked": True},
    )
    return service


@transaction.atomic
def service_add(
    *,
    actor: User,
    organization_id: uuid.UUID,
    details: Mapping[str, Any],
    needs: Iterable[str],
    counties: Iterable[str],
    languages: Iterable[str],
    phones: Iterable[PhoneEntry],
) -> Service:
    """A new service of a directory organisation, added by one of its provider managers (the
    caller has checked that they manage it): `details` and the rest as for
    service_details_update. Saving says the details were checked today. The service does
    not take referrals through Pont until its referral settings say so, and it is delivered
    nowhere until its places are given. One audit event (collection), its fields named."""
    organization = DirectoryOrganization.objects.filter(pk=organization_id).first()
    if organization is None:
        raise NotFoundError(str(ORGANIZATION_NOT_FOUND))
    service = Service(
        organization=organization,
        assured_date=timezone.localdate(),
        assurer_email=organization.email,
        **_detail_values(details),
    )
    _clean(service)
    service.save()
    fields = [name for name in DETAIL_FIELDS if getattr(service, name) not in ("", None)]
    fields += _set_children(service, needs, counties, languages, phones)
    audit.record(
        actor=actor,
        operation=Operation.COLLECTION,
        obj=service,
        detail={"fields": fields, "checked": True},
    )
    return service


@dataclass
class OpeningEntry:
    """One line of a service's opening times as its manager gives it: the days (MO..SU) and
    the times (closing at or before opening: past midnight), or only words."""

    days: list[str]
    opens_at: time | None = None
    closes_at: time | None = None
    description: str = ""
    description_cy: str = ""

    @property
    def byday(self) -> str:
        """The days as HSDS writes them, Monday first."""
        return ",".join(d for d in Schedule.Day.values if d in self.days)

    def key(self) -> tuple[str, time | None, time | None, str, str]:
        return (
            self.byday,
            self.opens_at,
            self.closes_at,
            self.description.strip(),
            self.description_cy.strip(),
        )


def schedule_editable(schedule: Schedule) -> bool:
    """Whether the opening times page can show this schedule as it is: weekly, without
    dates of its own, and its days plain day codes (or none: words only). Others (monthly,
    "the first Monday", from or until a date) came from an import and are kept as they are."""
    return (
        schedule.freq == "WEEKLY"
        and schedule.valid_from is None
        and schedule.valid_to is None
        and all(day in Schedule.Day.values for day in schedule.day_tokens)
    )


def opening_entry(schedule: Schedule) -> OpeningEntry:
    tokens = schedule.day_tokens
    return OpeningEntry(
        days=[d for d in Schedule.Day.values if d in tokens],
        opens_at=schedule.opens_at,
        closes_at=schedule.closes_at,
        description=schedule.description,
        description_cy=schedule.description_cy,
    )


@transaction.atomic
def service_opening_update(
    *,
    actor: User,
    service_id: uuid.UUID,
    entries: Iterable[OpeningEntry],
    seen_updated_at: datetime | None = None,
) -> Service:
    """Make a service's weekly opening times those its manager gives (`entries`, in order).
    Schedules the page cannot show (schedule_editable) are kept. If anything changed, the
    service's `last_modified` moves and one audit event (alteration) names the schedules;
    a change made meanwhile raises ConflictError, nothing saved."""
    service = _service_to_change(service_id, seen_updated_at, SERVICE_DETAILS_CHANGED)
    held = [s for s in service.schedules.all() if schedule_editable(s)]
    wanted = list(entries)
    if Counter(opening_entry(s).key() for s in held) == Counter(e.key() for e in wanted):
        return service  # the same times: nothing to change or record
    Schedule.objects.filter(pk__in=[s.pk for s in held]).delete()
    for entry in wanted:
        schedule = Schedule(
            service=service,
            byday=entry.byday,
            opens_at=entry.opens_at,
            closes_at=entry.closes_at,
            description=entry.description.strip(),
            description_cy=entry.description_cy.strip(),
        )
        _clean(schedule, exclude=["service"])
        schedule.save()
    service.last_modified = now_to_the_millisecond()
    service.save(update_fields=["last_modified", "updated_at"])
    audit.record(
        actor=actor, operation=Operation.ALTERATION, obj=service, detail={"fields": ["schedules"]}
    )
    return service


@dataclass
class PlaceEntry:
    """A place where a service is delivered, as its manager gives it (the postcode already
    checked): one of the places it is delivered at now (`location_id`), or a new one."""

    location_id: uuid.UUID | None
    name: str = ""
    name_cy: str = ""
    address_1: str = ""
    address_2: str = ""
    city: str = ""
    state_province: str = ""
    postal_code: str = ""
    # Its phone numbers, as they are to be (checked); None leaves them as they are.
    phones: tuple[PhoneEntry, ...] | None = None


# The fields of a place a provider manager keeps up to date (service_places_update).
PLACE_FIELDS = tuple(
    f.name for f in dataclasses.fields(PlaceEntry) if f.name not in ("location_id", "phones")
)
# A change to these moves the place: its map point, which Pont cannot work out again, is dropped.
PLACE_ADDRESS = ("address_1", "city", "postal_code")


def place_editable(location: Location) -> bool:
    """Whether the places page can show this place: a building with an address. Postal and
    virtual places came from an import and are kept as they are."""
    return location.location_type == Location.LocationType.PHYSICAL


def _place_changes(location: Location, entry: PlaceEntry) -> list[str]:
    """Set the place's fields to the entry's; name those that changed."""
    changed = []
    for name in PLACE_FIELDS:
        value = getattr(entry, name).strip()
        if getattr(location, name) != value:
            setattr(location, name, value)
            changed.append(name)
    if any(name in PLACE_ADDRESS for name in changed):
        location.latitude = location.longitude = None
    return changed


@transaction.atomic
def service_places_update(
    *,
    actor: User,
    service_id: uuid.UUID,
    places: Iterable[PlaceEntry],
    removed: Iterable[uuid.UUID] = (),
    seen_updated_at: datetime | None = None,
) -> Service:
    """Change the buildings a service is delivered at as its manager says: `places` are
    the ones it is delivered at, as they are now (an entry with a `location_id`) or new,
    each with its phone numbers (a number kept keeps its extension); `removed` the ones it
    no longer is. A place in neither is left as it is.

    A place is its organisation's (HSDS's location) and may be where other services of the
    organisation are delivered too: a change to it is a change for them, so their
    `last_modified` moves as well, and the organisation is locked first, so that managers
    changing places of two of its services take turns. A removed place is taken off the
    service, and deleted when no service is delivered there any more. Postal and virtual
    places are kept (place_editable). One audit event (alteration) on the service names the
    places added, changed and taken off, and the other services changed with them. A
    change made meanwhile, or a place that is not one of the service's, raises
    ConflictError, nothing saved.
    """
    organization_id = (
        Service.objects.filter(pk=service_id).values_list("organization_id", flat=True).first()
    )
    if organization_id is None:
        raise NotFoundError(str(SERVICE_NOT_FOUND))
    list(DirectoryOrganization.objects.select_for_update().filter(pk=organization_id))
    service = _service_to_change(service_id, seen_updated_at, SERVICE_DETAILS_CHANGED)
    held = {
        sal.location_id: sal.location
        for sal in service.service_at_locations.select_related("location")
        if place_editable(sal.location)
    }
    wanted = list(places)
    given = [entry.location_id for entry in wanted if entry.location_id is not None]
    removed = list(dict.fromkeys(removed))
    if not set(given) | set(removed) <= set(held) or len(set(given)) != len(given):
        raise ConflictError(str(SERVICE_DETAILS_CHANGED))  # not the places it was shown
    if set(given) & set(removed):
        raise ApplicationError(str(PLACE_BOTH))
    changed: dict[str, list[str]] = {}
    added = []
    for entry in wanted:
        location = (
            held[entry.location_id]
            if entry.location_id is not None
            else Location(organization=service.organization)
        )
        fields = _place_changes(location, entry)
        if fields or entry.location_id is None:
            _clean(location)
            location.save()
        if entry.phones is not None and _set_phones(
            location.phones, entry.phones, location=location
        ):
            fields.append("phones")
        if entry.location_id is not None and not fields:
            continue
        if entry.location_id is None:
            ServiceAtLocation.objects.create(service=service, location=location)
            added.append(str(location.pk))
        else:
            changed[str(location.pk)] = fields
    ServiceAtLocation.objects.filter(service=service, location_id__in=removed).delete()
    Location.objects.filter(pk__in=removed, service_at_locations__isnull=True).delete()
    if not (changed or added or removed):
        return service  # the same places: nothing to change or record
    moment = now_to_the_millisecond()
    service.last_modified = moment
    service.save(update_fields=["last_modified", "updated_at"])
    others = sorted(
        str(pk)
        for pk in Service.objects.filter(service_at_locations__location_id__in=list(changed))
        .exclude(pk=service.pk)
        .distinct()
        .values_list("pk", flat=True)
    )
    Service.objects.filter(pk__in=others).update(last_modified=moment, updated_at=timezone.now())
    audit.record(
        actor=actor,
        operation=Operation.ALTERATION,
        obj=service,
        detail={
            "fields": ["locations"],
            "locations": {
                "added": added,
                "changed": changed,
                "removed": [str(pk) for pk in removed],
            },
            "services_also_changed": others,
        },
    )
    return service


# ---------------------------------------------------------------- HSDS import


class HsdsImportError(ApplicationError):
    """The import was refused; `problems` say which file, where in it, and why."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(str(IMPORT_REFUSED), {"problems": [p.as_dict() for p in problems]})
        self.problems = problems


@dataclass
class ImportSummary:
    """What one import run did, counted per kind of record."""

    documents: int = 0
    counts: dict[str, dict[str, int]] = field(
        default_factory=lambda: {
            kind: {CREATED: 0, UPDATED: 0, UNCHANGED: 0}
            for kind in ("organizations", "locations", "services")
        }
    )

    def add(self, kind: str, outcome: str) -> None:
        self.counts[kind][outcome] += 1

    def as_detail(self) -> dict[str, Any]:
        return {"documents": self.documents, **self.counts}


def _upsert(record: Record, **links: Any) -> str:
    """Create the row, or update the fields that differ; say which happened."""
    model = record.model
    values = {**record.values, **links}
    instance = model._default_manager.filter(pk=record.pk).first()
    if instance is None:
        model._default_manager.create(pk=record.pk, **values)
        return CREATED
    changed = [name for name, value in values.items() if getattr(instance, name) != value]
    if not changed:
        return UNCHANGED
    for name in changed:
        setattr(instance, name, values[name])
    if any(f.name == "updated_at" for f in model._meta.get_fields()):
        changed.append("updated_at")
    instance.save(update_fields=changed)
    return UPDATED


def _replace_children(existing: QuerySet, records: list[Record], **links: Any) -> bool:
    """Make a service's (or place's) children exactly the records; say if anything changed."""
    deleted, _by_model = existing.exclude(pk__in=[r.pk for r in records]).delete()
    changed = deleted > 0
    for record in records:
        changed = _upsert(record, **links) != UNCHANGED or changed
    return changed


_LINKS: dict[type[Model], list[str]] = {
    DirectoryOrganization: ["pont_organisation"],
    Location: ["organization"],
    Service: ["organization", "needs"],
    Phone: ["service", "location", "organization"],
    Schedule: ["service"],
    ServiceArea: ["service"],
    ServiceLanguage: ["service"],
}


def _check_record(record: Record, problems: list[Problem]) -> None:
    """Add a problem for each value the model refuses (too long, not an email...)."""
    instance = record.model(pk=record.pk, **record.values)
    try:
        instance.full_clean(
            exclude=_LINKS.get(record.model, []), validate_unique=False, validate_constraints=False
        )
    except ValidationError as error:
        for name, messages in error.message_dict.items():
            path = record.path if name == NON_FIELD_ERRORS else record.path_of(name)
            problems.extend(Problem(record.source, path, str(m)) for m in messages)


def _check_batch(batch: hsds.Batch) -> list[Problem]:
    """Problems only the database can reveal: unknown references, values the models refuse."""
    problems: list[Problem] = []
    referenced = {s.organization_id for s in batch.services.values()} | {
        loc.owner_id for loc in batch.locations.values()
    }
    known_orgs = set(batch.organizations) | set(
        DirectoryOrganization.objects.filter(
            pk__in=[pk for pk in referenced if pk is not None]
        ).values_list("pk", flat=True)
    )
    wanted_places = {loc for s in batch.services.values() for _id, loc, _path in s.at_locations}
    known_places = set(batch.locations) | set(
        Location.objects.filter(pk__in=wanted_places).values_list("pk", flat=True)
    )
    for organization in batch.organizations.values():
        _check_record(organization, problems)
        for phone in organization.phones or []:
            _check_record(phone, problems)
    for location in batch.locations.values():
        if location.owner_id not in known_orgs:
            problems.append(
                Problem(
                    location.source,
                    location.path,
                    "the location's organization is neither in the files nor in the directory",
                )
            )
        _check_record(location, problems)
        for phone in location.phones or []:
            _check_record(phone, problems)
    for service in batch.services.values():
        if service.organization_id is not None and service.organization_id not in known_orgs:
            problems.append(
                Problem(
                    service.source,
                    f"{service.path}.organization_id",
                    f"organization {service.organization_id} is neither in the files "
                    "nor in the directory",
                )
            )
        for _id, place, path in service.at_locations:
            if place not in known_places:
                problems.append(
                    Problem(
                        service.source,
                        f"{path}.location_id",
                        f"location {place} is neither in the files nor in the directory",
                    )
                )
        _check_record(service, problems)
        for child in (*service.phones, *service.schedules, *service.areas, *service.languages):
            _check_record(child, problems)
    return problems


def _as_document(source: str, content: Any) -> tuple[Any, Problem | None]:
    if isinstance(content, bytes | str):
        return hsds.parse_json(source, content)
    return content, None


NEWER_IN_PONT = _(
    "Pont's copy of this service changed on %(held)s, after this document's last_modified "
    "(%(document)s): the file is older than what it would replace. Export the service from "
    "Pont and merge, or import with --replace-newer to overwrite it."
)


def _newer_in_pont(batch: hsds.Batch) -> list[Problem]:
    """The services of the batch that changed in Pont after their document says they did."""
    stamped = {pk: r for pk, r in batch.services.items() if r.last_modified is not None}
    held = Service.objects.filter(pk__in=list(stamped)).values_list("pk", "last_modified")
    problems = []
    for pk, last_modified in held:
        record = stamped[pk]
        if record.last_modified is not None and last_modified > record.last_modified:
            reason = str(NEWER_IN_PONT) % {
                "held": hsds.stamp(last_modified),
                "document": hsds.stamp(record.last_modified),
            }
            problems.append(Problem(record.source, record.path_of("last_modified"), reason))
    return problems


@transaction.atomic
def hsds_import(
    *,
    actor: Actor,
    documents: Iterable[tuple[str, Any]],
    progress: Progress | None = None,
    replace_newer: bool = False,
) -> ImportSummary:
    """Import HSDS 3.0 documents (services, organisations with services, list pages).

    Each item is (file name, content): the raw bytes of a JSON file, or JSON
    already parsed. All or nothing: any problem in any file refuses the whole
    run (HsdsImportError, naming each file, JSON path and reason) and nothing
    is written. Records are matched by their HSDS id, so importing the same
    files again changes nothing; a service's phones, times, areas, languages,
    needs and places become exactly those of the document. Nothing absent
    from the files is deleted, and Pont's own settings (the link to a Pont
    organisation, whether a service takes referrals) are never imported.

    A service whose document says when it last changed (`last_modified`), and whose copy
    in Pont changed later (its managers keep it up to date in Pont), is a problem: the
    file is older than what it would replace. `replace_newer` imports it all the same.
    """
    items = list(documents)
    parsed: list[tuple[str, Any]] = []
    problems: list[Problem] = []
    for index, (source, content) in enumerate(items, start=1):
        if progress:
            progress(index, len(items), source)
        document, problem = _as_document(source, content)
        if problem:
            problems.append(problem)
        else:
            parsed.append((source, document))
    needs = {n.code: n for n in NeedCategory.objects.current()}
    batch = hsds.read_documents(parsed, need_codes=set(needs))
    problems += batch.problems
    if not problems:
        problems = _check_batch(batch)
    if not problems and not replace_newer:
        problems = _newer_in_pont(batch)
    if problems:
        raise HsdsImportError(problems)

    summary = ImportSummary(documents=len(items))
    changed_orgs: set[uuid.UUID] = set()
    changed_places: set[uuid.UUID] = set()
    for organization in batch.organizations.values():
        outcome = _upsert(organization)
        if organization.phones is not None:
            phones = Phone.objects.filter(organization_id=organization.pk)
            links = {"organization_id": organization.pk, "service_id": None, "location_id": None}
            if _replace_children(phones, organization.phones, **links) and outcome == UNCHANGED:
                outcome = UPDATED
        summary.add("organizations", outcome)
        if outcome == UPDATED:
            changed_orgs.add(organization.pk)
    for location in batch.locations.values():
        outcome = _upsert(location, organization_id=location.owner_id)
        if location.phones is not None:
            phones = Phone.objects.filter(location_id=location.pk)
            links = {"location_id": location.pk, "service_id": None, "organization_id": None}
            if _replace_children(phones, location.phones, **links) and outcome == UNCHANGED:
                outcome = UPDATED
        summary.add("locations", outcome)
        if outcome == UPDATED:
            changed_places.add(location.pk)
    for record in batch.services.values():
        summary.add("services", _import_service(record, needs))
    # HSDS last_modified covers "any related information": a changed organisation or place
    # changes its services, unless the file itself says when they last changed.
    if changed_orgs or changed_places:
        stamped = [s.pk for s in batch.services.values() if s.last_modified is not None]
        Service.objects.filter(
            Q(organization_id__in=changed_orgs)
            | Q(service_at_locations__location_id__in=changed_places)
        ).exclude(pk__in=stamped).update(last_modified=now_to_the_millisecond())
    audit.record(
        actor=actor,
        operation=Operation.COLLECTION,
        object_type="directory.import",
        detail=summary.as_detail(),
    )
    return summary


def _import_service(record: hsds.ServiceRecord, needs: dict[str, NeedCategory]) -> str:
    links: dict[str, Any] = {"organization_id": record.organization_id}
    if record.last_modified is not None:
        links["last_modified"] = record.last_modified
    outcome = _upsert(record, **links)
    pk = record.pk
    on_service = {"service_id": pk}
    places = [
        Record(ServiceAtLocation, sal_id, {"location_id": place}, path)
        for sal_id, place, path in record.at_locations
    ]
    children: list[tuple[QuerySet, list[Record], dict[str, Any]]] = [
        (
            Phone.objects.filter(service_id=pk),
            record.phones,
            {"service_id": pk, "location_id": None, "organization_id": None},
        ),
        (Schedule.objects.filter(service_id=pk), record.schedules, on_service),
        (ServiceArea.objects.filter(service_id=pk), record.areas, on_service),
        (ServiceLanguage.objects.filter(service_id=pk), record.languages, on_service),
        (ServiceAtLocation.objects.filter(service_id=pk), places, on_service),
    ]
    changed = False
    for existing, records, child_links in children:
        changed = _replace_children(existing, records, **child_links) or changed
    service = Service.objects.get(pk=pk)
    wanted_needs = {needs[code].pk for code in record.need_codes}
    if set(service.needs.values_list("pk", flat=True)) != wanted_needs:
        service.needs.set(wanted_needs)
        changed = True
    if outcome == UNCHANGED and changed:
        outcome = UPDATED
    if outcome != UNCHANGED and record.last_modified is None:
        service.last_modified = now_to_the_millisecond()
        service.save(update_fields=["last_modified", "updated_at"])
    return outcome
