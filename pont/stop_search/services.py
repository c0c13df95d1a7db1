"""Writes for stop and search. Each is audited in its own transaction.

Recording a search (PACE Code A 4.3 content and every police.uk column),
amending its outcome later without ever overwriting the outcome recorded at
the time (BUSSS: the wider range of outcomes and whether the outcome was
linked to the object of search), and starting a voluntary referral, with the
person's consent, from a drugs search that found what it looked for.
Importing police.uk's monthly files (a whole force-month or nothing) and
exporting a month in police.uk's format, with the outcomes as amended.
"""

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import IO, Any, NoReturn

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pont.accounts.models import Organisation, User
from pont.accounts.roles import (
    AMEND_SEARCH_OUTCOME,
    IMPORT_POLICEUK,
    MAKE_REFERRAL,
    RECORD_SEARCH,
)
from pont.accounts.selectors import controller_ids_for, primary_controller_for
from pont.audit import services as audit
from pont.core.concurrency import STALE_VERSION, update_if_version
from pont.core.exceptions import ApplicationError, ConflictError, NotFoundError
from pont.core.models import ReferenceData
from pont.directory.models import Service
from pont.people.selectors import person_get_for_user
from pont.referrals import services as referrals
from pont.referrals.models import Referral

from . import policeuk, selectors
from .models import (
    Legislation,
    ObjectOfSearch,
    OutcomeAmendment,
    PoliceUkAlias,
    PoliceUkImport,
    Search,
    SearchOutcome,
    SelfDefinedEthnicity,
)

Operation = audit.Operation

NOT_ALLOWED = _("You do not have permission to do that.")
NO_FORCE = _("Your account is not a member of a police force, so it cannot record searches.")
SEARCH_NOT_FOUND = _("Search not found.")
CHECK_THE_SEARCH = _("Check the search details.")
CHECK_THE_AMENDMENT = _("Check the new outcome.")
CHECK_THE_REFERRAL = _("Check the referral details.")

SELECT_TYPE = _("Select the type of search.")
ENTER_WHEN = _("Enter the date and time of the search.")
NOT_IN_FUTURE = _("The time of the search cannot be in the future.")
SELECT_AREA = _("Select the area the search was in.")
ENTER_PLACE = _("Enter where the search took place.")
BOTH_COORDINATES = _("Enter both the latitude and the longitude, or neither.")
LATITUDE_RANGE = _("The latitude must be a number between 49.8 and 60.9 (in the United Kingdom).")
LONGITUDE_RANGE = _("The longitude must be a number between -8.7 and 1.8 (in the United Kingdom).")
SELECT_GENDER = _("Select the person's gender.")
SELECT_AGE_RANGE = _("Select the person's age range.")
SELECT_SELF_DEFINED = _("Select the ethnicity the person gave, or 'Not stated'.")
SELECT_OFFICER_DEFINED = _("Select the ethnicity you would describe the person as.")
SELECT_LEGISLATION = _("Select the power the search was made under.")
SELECT_OBJECT = _("Select what you were looking for.")
ENTER_GROUNDS = _("Enter the grounds for the search.")
SELECT_OUTCOME = _("Select the outcome.")
SAY_LINKED = _("Say whether the outcome was linked to what you were looking for.")
SAY_BODY_WORN_VIDEO = _("Say whether body-worn video was used.")
ENTER_BODY_WORN_VIDEO_REFERENCE = _("Enter the body-worn video reference.")
ENTER_REGISTRATION = _("Enter the registration of the vehicle searched.")
REGISTRATION_FORMAT = _("Enter the registration in letters and numbers only, like CY21 ABC.")
ENTER_OPERATION = _("Enter the name of the policing operation.")
SELECT_PERSON_AGAIN = _("The person was not found: search for them again, or leave it blank.")

IMPORTED_NOT_AMENDED = _(
    "This search was imported from police.uk: its outcome is amended in the force's own system."
)
ENTER_REASON = _("Enter the reason for the change.")
SAME_OUTCOME = _(
    "This is already the outcome. Select a different outcome, or change whether it was linked."
)

NO_PERSON = _("A referral needs the person's name: no person is linked to this search.")
NOT_A_DRUGS_FIND = _(
    "A referral can start only from a drugs search whose outcome was linked to the drugs found."
)
ALREADY_REFERRED = _("A referral from this search is already open: continue that one.")
CONSENT_NEEDED = _(
    "Confirm that the person agreed to be referred and to their details being shared."
)

# DVLA marks are up to 7 characters; foreign and diplomatic plates are up to 8.
REGISTRATION = re.compile(r"[A-Z0-9]{2,8}")
# A search recorded by a UK force took place in the United Kingdom; a reversed pair is caught.
LATITUDE_BOUNDS = (Decimal("49.8"), Decimal("60.9"))
LONGITUDE_BOUNDS = (Decimal("-8.7"), Decimal("1.8"))
MICRO_DEGREE = Decimal("0.000001")
PERSON_TYPES = frozenset({Search.Type.PERSON, Search.Type.PERSON_AND_VEHICLE})
VEHICLE_TYPES = frozenset({Search.Type.VEHICLE, Search.Type.PERSON_AND_VEHICLE})


def _require(user: User, capability: str) -> None:
    if not user.has_perm(capability):
        raise ApplicationError(str(NOT_ALLOWED), status=403)


def _fail(errors: dict[str, list[str]], message: Any = CHECK_THE_SEARCH) -> None:
    if errors:
        raise ApplicationError(str(message), {"fields": errors})


def _refuse(error: ValidationError, message: Any) -> NoReturn:
    """A model check the service did not foresee, reported by field like the others."""
    raise ApplicationError(
        str(message), {"fields": {k: [str(m) for m in v] for k, v in error.message_dict.items()}}
    ) from error


def _in_force(model: type[ReferenceData], code: str, *days: date) -> bool:
    return bool(code) and any(
        model.objects.effective_on(day).filter(code=code).exists() for day in days
    )


def _coordinate(value: Any, bounds: tuple[Decimal, Decimal]) -> Decimal | None:
    """The coordinate to a micro-degree (about 10 cm), or None if it is not in bounds."""
    try:
        number = Decimal(str(value)).quantize(MICRO_DEGREE)
    except (InvalidOperation, ValueError):
        return None
    low, high = bounds
    return number if low <= number <= high else None


def _registration(value: str) -> str:
    return " ".join(value.upper().split())


# Recording a search -----------------------------------------------------------------


@transaction.atomic
def search_record(
    *,
    actor: User,
    search_type: str,
    occurred_at: datetime | None,
    area_id: Any,
    place: str,
    legislation: str,
    object_of_search: str,
    grounds: str,
    outcome: str,
    outcome_linked: bool | None,
    body_worn_video: bool | None,
    body_worn_video_reference: str = "",
    vehicle_registration: str = "",
    latitude: Any = None,
    longitude: Any = None,
    person_id: int | None = None,
    gender: str = "",
    age_range: str = "",
    self_defined_ethnicity: str = "",
    officer_defined_ethnicity: str = "",
    removal_more_than_outer_clothing: bool = False,
    part_of_operation: bool = False,
    operation_name: str = "",
) -> Search:
    """Record a search as the officer who made it, for their force; refuse an incomplete one.

    Every refused field is named in `extra["fields"]`, all at once. The codes
    (power, object, self-defined ethnicity, outcome) must be reference rows in
    force on the day of the search. The person is linked only when they gave
    their name: an existing record the officer may see, or nobody.
    """
    _require(actor, RECORD_SEARCH)
    controller = primary_controller_for(user=actor)
    if controller is None or controller.kind != Organisation.Kind.FORCE:
        raise ApplicationError(str(NO_FORCE), status=403)
    # Checked in the order the form asks, so the error summary follows the page.
    errors: dict[str, list[str]] = {}

    def wrong(field: str, message: Any) -> None:
        errors.setdefault(field, []).append(str(message))

    if search_type not in Search.Type.values:
        wrong("search_type", SELECT_TYPE)
    now = timezone.now()
    if occurred_at is None:
        wrong("occurred_at", ENTER_WHEN)
    elif occurred_at > now:
        wrong("occurred_at", NOT_IN_FUTURE)
    day = timezone.localdate(occurred_at) if occurred_at is not None else timezone.localdate()
    area = selectors.areas_for(user=actor).filter(pk=area_id).first() if area_id else None
    if area is None:
        wrong("area", SELECT_AREA)
    # PACE Code A 4.3(4): the place.
    if not place.strip():
        wrong("place", ENTER_PLACE)
    lat = lon = None
    if (latitude in (None, "")) != (longitude in (None, "")):
        wrong("latitude" if latitude in (None, "") else "longitude", BOTH_COORDINATES)
    elif latitude not in (None, ""):
        lat = _coordinate(latitude, LATITUDE_BOUNDS)
        lon = _coordinate(longitude, LONGITUDE_BOUNDS)
        if lat is None:
            wrong("latitude", LATITUDE_RANGE)
        if lon is None:
            wrong("longitude", LONGITUDE_RANGE)
    # PACE Code A 4.3(3): the registration of a vehicle searched.
    registration = _registration(vehicle_registration)
    if search_type in VEHICLE_TYPES and not registration:
        wrong("vehicle_registration", ENTER_REGISTRATION)
    elif registration and not REGISTRATION.fullmatch(registration.replace(" ", "")):
        wrong("vehicle_registration", REGISTRATION_FORMAT)
    if part_of_operation and not operation_name.strip():
        wrong("operation_name", ENTER_OPERATION)
    # Who was searched: required when a person was, optional for a vehicle alone.
    person_searched = search_type in PERSON_TYPES

    def choice(field: str, value: str, values: list[str], message: Any) -> None:
        if value not in values or (person_searched and not value):
            wrong(field, message)

    choice("gender", gender, Search.Gender.values, SELECT_GENDER)
    choice("age_range", age_range, Search.AgeRange.values, SELECT_AGE_RANGE)
    # PACE Code A 4.3(2): the ethnicity the person gives ("Not stated" if they decline).
    if (self_defined_ethnicity or person_searched) and not _in_force(
        SelfDefinedEthnicity, self_defined_ethnicity, day
    ):
        wrong("self_defined_ethnicity", SELECT_SELF_DEFINED)
    choice(
        "officer_defined_ethnicity",
        officer_defined_ethnicity,
        Search.OfficerDefinedEthnicity.values,
        SELECT_OFFICER_DEFINED,
    )
    if not _in_force(Legislation, legislation, day):
        wrong("legislation", SELECT_LEGISLATION)
    # PACE Code A 4.3(6) and (7): the object of the search and the grounds.
    if not _in_force(ObjectOfSearch, object_of_search, day):
        wrong("object_of_search", SELECT_OBJECT)
    if not grounds.strip():
        wrong("grounds", ENTER_GROUNDS)
    if body_worn_video is None:
        wrong("body_worn_video", SAY_BODY_WORN_VIDEO)
    elif body_worn_video and not body_worn_video_reference.strip():
        wrong("body_worn_video_reference", ENTER_BODY_WORN_VIDEO_REFERENCE)
    if not _in_force(SearchOutcome, outcome, day):
        wrong("outcome", SELECT_OUTCOME)
    # BUSSS: whether the outcome was linked to the object of the search.
    if outcome_linked is None:
        wrong("outcome_linked", SAY_LINKED)
    person = None
    if person_id:
        person = person_get_for_user(user=actor, person_id=person_id)
        if person is None:
            wrong("person", SELECT_PERSON_AGAIN)
    _fail(errors)
    assert occurred_at is not None  # noqa: S101 - checked above
    search = Search(
        controller=controller,
        area=area,
        source=Search.Source.RECORDED,
        search_type=search_type,
        occurred_at=occurred_at,
        local_date=day,
        part_of_operation=part_of_operation,
        operation_name=operation_name.strip() if part_of_operation else "",
        place=place.strip(),
        latitude=lat,
        longitude=lon,
        gender=gender,
        age_range=age_range,
        self_defined_ethnicity=self_defined_ethnicity,
        officer_defined_ethnicity=officer_defined_ethnicity,
        legislation=legislation,
        object_of_search=object_of_search,
        grounds=grounds.strip(),
        removal_more_than_outer_clothing=removal_more_than_outer_clothing,
        body_worn_video=body_worn_video,
        body_worn_video_reference=body_worn_video_reference.strip() if body_worn_video else "",
        vehicle_registration=registration,
        officer=actor,
        person=person,
        outcome_at_search=outcome,
        linked_at_search=outcome_linked,
        outcome=outcome,
        outcome_linked=outcome_linked,
    )
    try:
        search.full_clean()
    except ValidationError as error:
        _refuse(error, CHECK_THE_SEARCH)
    search.save()
    audit.record(
        actor=actor,
        operation=Operation.COLLECTION,
        subject=person,
        obj=search,
        detail={
            "search_type": search_type,
            "outcome": outcome,
            "person_linked": person is not None,
        },
    )
    return search


# Amending the outcome -----------------------------------------------------------------


@transaction.atomic
def search_outcome_amend(
    *,
    actor: User,
    search_id: Any,
    outcome: str,
    outcome_linked: bool | None,
    reason: str,
    evidence: str = "",
    expected_version: int,
) -> OutcomeAmendment:
    """Change the current outcome, keeping the one recorded at the time and every change.

    A front-line officer amends their own searches; an inspector any of the
    force's. The outcome at the time of the search is never touched; each
    change is an `OutcomeAmendment` with the values it replaced, its reason
    and its evidence. A stale `expected_version` is refused (ConflictError).
    """
    _require(actor, AMEND_SEARCH_OUTCOME)
    found = selectors.search_get_for_user(user=actor, search_id=search_id, write=True)
    if found is None:
        raise NotFoundError(str(SEARCH_NOT_FOUND))
    search = Search.objects.select_for_update().get(pk=found.pk)
    if search.source != Search.Source.RECORDED:
        raise ApplicationError(str(IMPORTED_NOT_AMENDED), status=409)
    if search.version != expected_version:
        # Answered before the fields: what the user amended is no longer what is there.
        raise ConflictError(str(STALE_VERSION), {"expected_version": expected_version})
    errors: dict[str, list[str]] = {}
    # The vocabulary of the search's day, or of today's if it has changed since.
    if not _in_force(SearchOutcome, outcome, search.local_date, timezone.localdate()):
        errors["outcome"] = [str(SELECT_OUTCOME)]
    if outcome_linked is None:
        errors["outcome_linked"] = [str(SAY_LINKED)]
    if not reason.strip():
        errors["reason"] = [str(ENTER_REASON)]
    if not errors and outcome == search.outcome and outcome_linked == search.outcome_linked:
        errors["outcome"] = [str(SAME_OUTCOME)]
    _fail(errors, CHECK_THE_AMENDMENT)
    previous_outcome, previous_linked = search.outcome, search.outcome_linked
    update_if_version(
        search,
        expected_version=expected_version,
        fields={"outcome": outcome, "outcome_linked": outcome_linked},
    )
    amendment = OutcomeAmendment.objects.create(
        search=search,
        outcome=outcome,
        outcome_linked=outcome_linked,
        previous_outcome=previous_outcome,
        previous_linked=previous_linked,
        reason=reason.strip(),
        evidence=evidence.strip(),
        amended_by=actor,
        amended_at=timezone.now(),
    )
    audit.record(
        actor=actor,
        operation=Operation.ALTERATION,
        subject=search.person_id,
        obj=search,
        detail={"fields": ["outcome", "outcome_linked"], "amendment": amendment.pk},
    )
    return amendment


# A voluntary referral from a drugs search ------------------------------------------------


@transaction.atomic
def search_referral_start(
    *, actor: User, search_id: Any, service_id: Any, consent_recorded: bool, reason: str
) -> Referral:
    """Start a referral, with the person's consent, from a drugs search that found drugs.

    The referral is a draft of source "stop_search" and legal basis consent;
    the officer completes and sends it on the referral's page, where the
    completeness gate applies as for any referral.
    """
    _require(actor, RECORD_SEARCH)
    _require(actor, MAKE_REFERRAL)
    search = selectors.search_get_for_user(user=actor, search_id=search_id)
    if search is None:
        raise NotFoundError(str(SEARCH_NOT_FOUND))
    if search.person_id is None:
        raise ApplicationError(str(NO_PERSON), status=409)
    if not selectors.may_refer_from(search):
        raise ApplicationError(str(NOT_A_DRUGS_FIND), status=409)
    if (
        selectors.referrals_from(search=search, user=actor)
        .filter(status__in=[Referral.Status.DRAFT, *Referral.OPEN_STATUSES])
        .exists()
    ):
        raise ApplicationError(str(ALREADY_REFERRED), status=409)
    errors: dict[str, list[str]] = {}
    service = Service.objects.filter(pk=service_id).first() if service_id else None
    if service is None or not service.can_receive_referrals:
        errors["service"] = [str(referrals.SERVICE_CANNOT_RECEIVE)]
    if not reason.strip():
        errors["reason"] = [str(referrals.REASON_NEEDED)]
    if not consent_recorded:
        errors["consent_recorded"] = [str(CONSENT_NEEDED)]
    _fail(errors, CHECK_THE_REFERRAL)
    return referrals.referral_create(
        actor=actor,
        person_id=search.person_id,
        service_id=service_id,
        reason=reason,
        source_kind=Referral.Source.STOP_SEARCH,
        source_id=str(search.pk),
        legal_basis=Referral.LegalBasis.CONSENT,
        consent_confirmed=True,
    )


# police.uk import and export ---------------------------------------------------------------
# A police.uk force id ("dyfed-powys") names the force's Organisation through
# POLICEUK_FORCES (police.uk id -> Organisation.slug, where they differ), which the
# setting of the same name extends or overrides; otherwise the slug is the id itself.
# Only an Organisation of kind "force" matches.

POLICEUK_FORCES: dict[str, str] = {"dyfed-powys": "dyfed-powys-police"}
POLICEUK_BATCH = 500  # searches written per INSERT
POLICEUK_PROGRESS_EVERY = 100  # rows between progress reports

IMPORT_REFUSED = _("Nothing was imported from %(file)s: %(count)s problem(s).")
UNKNOWN_FORCE = _("No police force in Pont has the police.uk id “%(force)s”.")
NOT_YOUR_FORCE = _("You can import and export only the searches of your own force.")
NAME_THE_FORCE = _(
    "Say which force the file is from: its name does not follow police.uk's pattern "
    "(YYYY-MM-force-stop-and-search.csv)."
)
FORCE_MISMATCH = _("The file name says the force is “%(named)s”, not “%(given)s”.")
AMENDED_SEARCHES = _(
    "%(count)s search(es) of %(force)s %(month)s have outcome amendments recorded in Pont: "
    "importing the month again would lose them."
)
SEARCHES_IN_USE = _(
    "Searches of %(force)s %(month)s are used by other records in Pont: the month cannot be "
    "replaced."
)
IMPORT_BUSY = _("%(force)s %(month)s is being imported by someone else: try again shortly.")

# Each is a ReferenceData table with a policeuk_label (typed Any: ReferenceData has none).
_POLICEUK_VOCABULARY_TABLES: dict[str, Any] = {
    PoliceUkAlias.Column.OUTCOME: SearchOutcome,
    PoliceUkAlias.Column.SELF_DEFINED_ETHNICITY: SelfDefinedEthnicity,
    PoliceUkAlias.Column.LEGISLATION: Legislation,
    PoliceUkAlias.Column.OBJECT_OF_SEARCH: ObjectOfSearch,
}


class PoliceUkImportError(ApplicationError):
    """The file was refused and nothing written; `errors` say which row, column and why."""

    def __init__(self, file_name: str, errors: list[policeuk.RowError]) -> None:
        super().__init__(
            str(IMPORT_REFUSED) % {"file": file_name, "count": len(errors)},
            {"file_name": file_name, "errors": [error.as_dict() for error in errors]},
        )
        self.errors = errors


@dataclass(frozen=True)
class PoliceUkImportResult:
    """What an import did: the force-month's record, the rows written and the rows replaced."""

    policeuk_import: PoliceUkImport
    rows: int
    replaced: int


def _policeuk_refuse(file_name: str, message: Any) -> NoReturn:
    raise PoliceUkImportError(file_name, [policeuk.RowError(None, "", str(message))])


def _policeuk_force(force: str) -> Organisation:
    """Return the force Organisation that a police.uk force id names."""
    slugs = {**POLICEUK_FORCES, **getattr(settings, "POLICEUK_FORCES", {})}
    organisation = Organisation.objects.filter(
        kind=Organisation.Kind.FORCE, slug=slugs.get(force, force)
    ).first()
    if organisation is None:
        raise NotFoundError(str(UNKNOWN_FORCE) % {"force": force})
    return organisation


def _policeuk_check_access(actor: User | None, organisation: Organisation) -> None:
    """An analyst of the force may; None is the system (a command run on the server)."""
    if actor is None:
        return
    _require(actor, IMPORT_POLICEUK)
    if organisation.pk not in controller_ids_for(user=actor):
        raise ApplicationError(str(NOT_YOUR_FORCE), status=403)


def _policeuk_vocabulary() -> policeuk.Vocabulary:
    """Every police.uk label Pont knows, current, past and older aliases, with its code."""
    labels: list[tuple[str, str, str]] = list(
        PoliceUkAlias.objects.values_list("column", "label", "code")
    )
    for column, model in _POLICEUK_VOCABULARY_TABLES.items():
        rows = model.objects.order_by("effective_from").values_list("policeuk_label", "code")
        labels += [(column, label, code) for label, code in rows]
    return policeuk.Vocabulary.from_labels(labels)


def _policeuk_current_labels() -> dict[str, dict[str, str]]:
    """Each code's police.uk label: the version in force today, else the latest."""
    today = timezone.localdate()
    columns = {column: name for name, column in policeuk.VOCABULARY_COLUMNS.items()}
    labels: dict[str, dict[str, str]] = {}
    for column, model in _POLICEUK_VOCABULARY_TABLES.items():
        chosen: dict[str, Any] = {}
        for row in model.objects.order_by("effective_from"):
            kept = chosen.get(row.code)
            if kept is None or not kept.is_effective_on(today) or row.is_effective_on(today):
                chosen[row.code] = row
        labels[columns[column]] = {code: row.policeuk_label for code, row in chosen.items()}
    return labels


def _policeuk_month_open(
    *, force: str, month: date, actor: User | None, file_name: str
) -> tuple[PoliceUkImport, int]:
    """Lock the force-month's import record (made if new) and delete its searches."""
    record = PoliceUkImport.objects.select_for_update().filter(force=force, month=month).first()
    names = {"force": force, "month": policeuk.month_label(month)}
    if record is None:
        try:
            with transaction.atomic():
                record = PoliceUkImport.objects.create(
                    force=force,
                    month=month,
                    file_name=file_name[:255],
                    sha256="",
                    rows=0,
                    imported_at=timezone.now(),
                    imported_by=actor,
                )
        except IntegrityError:
            raise ConflictError(str(IMPORT_BUSY) % names) from None
        return record, 0
    searches = Search.objects.filter(policeuk_import=record)
    amended = searches.filter(amendments__isnull=False).distinct().count()
    if amended:
        raise ApplicationError(str(AMENDED_SEARCHES) % {**names, "count": amended}, status=409)
    replaced = 0
    while chunk := list(searches.values_list("pk", flat=True)[:POLICEUK_BATCH]):
        # In chunks: deleting a large month at once would load every search into memory.
        try:
            Search.objects.filter(pk__in=chunk).delete()
        except ProtectedError:
            raise ApplicationError(str(SEARCHES_IN_USE) % names, status=409) from None
        replaced += len(chunk)
    return record, replaced


def _search_from_policeuk(
    row: policeuk.PoliceUkRow, *, controller: Organisation, record: PoliceUkImport
) -> Search:
    return Search(
        controller=controller,
        source=Search.Source.POLICEUK,
        policeuk_import=record,
        row_number=row.row,
        search_type=row.search_type,
        occurred_at=row.occurred_at,
        day_only=row.day_only,
        local_date=row.local_date,
        part_of_operation=row.part_of_operation,
        operation_name=row.operation_name,
        latitude=row.latitude,
        longitude=row.longitude,
        gender=row.gender,
        age_range=row.age_range,
        self_defined_ethnicity=row.self_defined_ethnicity,
        officer_defined_ethnicity=row.officer_defined_ethnicity,
        legislation=row.legislation,
        object_of_search=row.object_of_search,
        removal_more_than_outer_clothing=row.removal_more_than_outer_clothing,
        # police.uk publishes one outcome: it is both the one at the time and the current one.
        outcome_at_search=row.outcome,
        linked_at_search=row.outcome_linked,
        outcome=row.outcome,
        outcome_linked=row.outcome_linked,
    )


@transaction.atomic
def policeuk_import(
    *,
    actor: User | None,
    force: str | None = None,
    file_name: str,
    stream: IO[bytes],
    on_progress: Callable[[int, int], None] | None = None,
) -> PoliceUkImportResult:
    """Import one police.uk stop-and-search file: the whole force-month, or nothing.

    The force is the police.uk id in the file name (``2019-09-dyfed-powys-
    stop-and-search.csv``) or `force`; the month is that of the searches in UK
    time, which must match the name's. The file is read once, in constant
    memory, and written in batches as it is read; any problem rolls everything
    back and raises PoliceUkImportError listing every row, column and reason.
    An earlier import of the same force-month is replaced (police.uk re-issues
    months as outcomes change), so importing a file again adds nothing; it is
    refused if any of its searches has an outcome amended in Pont. Identical
    rows are separate searches and all kept. `on_progress(rows, bytes_read)`
    is called as the file is read. One audit event (collection) records it.
    """
    named, name_error = policeuk.parse_file_name(file_name)
    if name_error is not None:
        raise PoliceUkImportError(file_name, [name_error])
    if force and named.force and force != named.force:
        _policeuk_refuse(file_name, str(FORCE_MISMATCH) % {"named": named.force, "given": force})
    force_id = force or named.force
    if not force_id:
        _policeuk_refuse(file_name, NAME_THE_FORCE)
    controller = _policeuk_force(force_id)
    _policeuk_check_access(actor, controller)

    reader = policeuk.PoliceUkReader(stream, vocabulary=_policeuk_vocabulary(), month=named.month)
    record: PoliceUkImport | None = None
    replaced = written = reported = 0
    batch: list[policeuk.PoliceUkRow] = []

    def write() -> None:
        nonlocal record, replaced, written
        if record is None:
            assert reader.month is not None  # noqa: S101  # set by the first row read
            record, replaced = _policeuk_month_open(
                force=force_id, month=reader.month, actor=actor, file_name=file_name
            )
        Search.objects.bulk_create(
            [_search_from_policeuk(row, controller=controller, record=record) for row in batch]
        )
        written += len(batch)
        batch.clear()

    for row in reader:
        if on_progress and reader.rows - reported >= POLICEUK_PROGRESS_EVERY:
            reported = reader.rows
            on_progress(reader.rows, reader.bytes_read)
        if reader.errors:
            continue  # read on to find every problem; the file will be refused
        batch.append(row)
        if len(batch) >= POLICEUK_BATCH:
            write()
    if reader.errors:
        raise PoliceUkImportError(file_name, reader.errors)
    write()
    # Rows were written (a file without any is refused), so both are set.
    assert record is not None  # noqa: S101
    assert reader.month is not None  # noqa: S101
    record.file_name = file_name[:255]
    record.sha256 = reader.sha256
    record.rows = written
    record.imported_at = timezone.now()
    record.imported_by = actor
    record.save(update_fields=["file_name", "sha256", "rows", "imported_at", "imported_by"])
    if on_progress:
        on_progress(reader.rows, reader.bytes_read)
    audit.record(
        actor=actor,
        operation=Operation.COLLECTION,
        obj=record,
        detail={
            "source": "police.uk",
            "force": force_id,
            "month": policeuk.month_label(reader.month),
            "file_name": file_name[:255],
            "sha256": reader.sha256,
            "rows": written,
            "replaced": replaced,
        },
    )
    return PoliceUkImportResult(policeuk_import=record, rows=written, replaced=replaced)


def _policeuk_row(search: Search) -> policeuk.PoliceUkRow:
    """The search as police.uk publishes it, with its current outcome (after amendments)."""
    return policeuk.PoliceUkRow(
        row=search.row_number or 0,
        search_type=search.search_type,
        occurred_at=search.occurred_at,
        local_date=search.local_date,
        day_only=search.day_only,
        part_of_operation=search.part_of_operation,
        operation_name=search.operation_name,
        latitude=search.latitude,
        longitude=search.longitude,
        gender=search.gender,
        age_range=search.age_range,
        self_defined_ethnicity=search.self_defined_ethnicity,
        officer_defined_ethnicity=search.officer_defined_ethnicity,
        legislation=search.legislation,
        object_of_search=search.object_of_search,
        outcome=search.outcome,
        outcome_linked=search.outcome_linked,
        removal_more_than_outer_clothing=search.removal_more_than_outer_clothing,
    )


def policeuk_export(*, actor: User | None, force: str, month: date) -> Iterator[str]:
    """Return the force's searches of a month (UK time) as a police.uk file, line by line.

    Every search of the force counts, recorded in Pont or imported, in date
    order; each with its current outcome (after any amendment) and today's
    police.uk labels. The export is audited (disclosure) when it is asked for.
    Coordinates are written as stored: police.uk publishes snapped "on or
    near" points, which Pont does not make.
    """
    controller = _policeuk_force(force)
    _policeuk_check_access(actor, controller)
    first = month.replace(day=1)
    after = (first + timedelta(days=32)).replace(day=1)
    searches = Search.objects.filter(
        controller=controller, local_date__gte=first, local_date__lt=after
    ).order_by("occurred_at", "row_number", "created_at", "pk")
    with transaction.atomic():
        audit.record(
            actor=actor,
            operation=Operation.DISCLOSURE,
            object_type="stop_search.policeuk_export",
            object_id=f"{force} {policeuk.month_label(first)}",
            recipient="data.police.uk",
            detail={
                "force": force,
                "month": policeuk.month_label(first),
                "rows": searches.count(),
            },
        )
    labels = _policeuk_current_labels()
    return policeuk.write_rows(
        (_policeuk_row(search) for search in searches.iterator(chunk_size=1000)), labels
    )
