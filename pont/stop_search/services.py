"""Writes for stop and search. Each is audited in its own transaction.

Recording a search (PACE Code A 4.3 content and every police.uk column),
amending its outcome later without ever overwriting the outcome recorded at
the time (BUSSS: the wider range of outcomes and whether the outcome was
linked to the object of search), and starting a voluntary referral, with the
person's consent, from a drugs search that found what it looked for.
Importing police.uk's monthly files (a whole force-month or nothing) and
exporting a month in police.uk's format, with the outcomes as amended. The
monthly audit: drawing a month's sample of searches (once, reproducibly from
its seed) and recording the local and the independent inspector's reviews.
"""

import gc
import heapq
import re
import secrets
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from functools import partial
from itertools import chain
from operator import attrgetter, itemgetter
from typing import IO, Any, NoReturn

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connections, router, transaction
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from pont.accounts.models import Organisation, User
from pont.accounts.roles import (
    AMEND_SEARCH_OUTCOME,
    IMPORT_POLICEUK,
    MAKE_REFERRAL,
    RECORD_SEARCH,
    REVIEW_SEARCHES,
)
from pont.accounts.selectors import areas_for, controller_ids_for, primary_controller_for
from pont.audit import services as audit
from pont.core.concurrency import STALE_VERSION, update_if_version
from pont.core.exceptions import (
    ApplicationError,
    ConflictError,
    NotFoundError,
    refuse_fields,
    require_capability,
)
from pont.core.forms import month_shown
from pont.core.models import ReferenceData
from pont.core.rows import column_name
from pont.directory.models import Service
from pont.people.selectors import person_get_for_user
from pont.referrals import services as referrals
from pont.referrals.models import Referral

from . import policeuk, reading, sampling, selectors, tallies
from .models import (
    AuditSample,
    Legislation,
    ObjectOfSearch,
    OutcomeAmendment,
    PoliceUkAlias,
    PoliceUkImport,
    PublishedSearch,
    SampledSearch,
    Search,
    SearchOutcome,
    SearchReview,
    SelfDefinedEthnicity,
)

Operation = audit.Operation

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
ENTER_DESCRIPTION = _(
    "Describe the person searched: they gave no name, so the record needs a description."
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
    # A NaN is no place, and comparing one raises: refused like a place out of bounds.
    return number if number.is_finite() and low <= number <= high else None


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
    person_description: str = "",
    detained_place: str = "",
    injury_or_damage: str = "",
) -> Search:
    """Record a search as the officer who made it, for their force; refuse an incomplete one.

    Every refused field is named in `extra["fields"]`, all at once. The codes
    (power, object, self-defined ethnicity, outcome) must be reference rows in
    force on the day of the search. The person is linked only when they gave
    their name: an existing record the officer may see, or nobody.
    """
    require_capability(actor, RECORD_SEARCH)
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
    area = areas_for(user=actor).filter(pk=area_id).first() if area_id else None
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
    # PACE Code A 4.3(1): the person's name, or a description when they do not give it.
    elif person_searched and not person_description.strip():
        wrong("person_description", ENTER_DESCRIPTION)
    refuse_fields(errors, CHECK_THE_SEARCH)
    assert occurred_at is not None  # noqa: S101 - checked above
    search = Search(
        controller=controller,
        area=area,
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
        person_description=person_description.strip(),
        detained_place=detained_place.strip(),
        injury_or_damage=injury_or_damage.strip(),
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
    tallies.add(search)
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
    require_capability(actor, AMEND_SEARCH_OUTCOME)
    found = selectors.search_get_for_user(user=actor, search_id=search_id, write=True)
    if found is None:
        raise NotFoundError(str(SEARCH_NOT_FOUND))
    search = Search.objects.select_for_update().get(pk=found.pk)
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
    refuse_fields(errors, CHECK_THE_AMENDMENT)
    previous_outcome, previous_linked = search.outcome, search.outcome_linked
    update_if_version(
        search,
        expected_version=expected_version,
        fields={"outcome": outcome, "outcome_linked": outcome_linked},
    )
    tallies.move(search, before={"outcome": previous_outcome, "outcome_linked": previous_linked})
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
    require_capability(actor, RECORD_SEARCH)
    require_capability(actor, MAKE_REFERRAL)
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
    refuse_fields(errors, CHECK_THE_REFERRAL)
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
POLICEUK_WRITE_BATCH = 5000  # searches written per executemany or COPY
POLICEUK_PROGRESS_EVERY = 100  # rows between progress reports

IMPORT_REFUSED = _("Nothing was imported from %(file)s: %(count)s problem(s).")
UNKNOWN_FORCE = _("No police force in Pont has the police.uk id “%(force)s”.")
NOT_YOUR_FORCE = _("You can import and export only the searches of your own force.")
NAME_THE_FORCE = _(
    "Say which force the file is from: its name does not follow police.uk's pattern "
    "(YYYY-MM-force-stop-and-search.csv)."
)
FORCE_MISMATCH = _("The file name says the force is “%(named)s”, not “%(given)s”.")
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
    require_capability(actor, IMPORT_POLICEUK)
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
    *, controller: Organisation, force: str, month: date, actor: User | None, file_name: str
) -> tuple[PoliceUkImport, int]:
    """Lock the force-month's import record (made if new) and delete its searches."""
    record = PoliceUkImport.objects.select_for_update().filter(force=force, month=month).first()
    names = {"force": force, "month": policeuk.month_label(month)}
    if record is None:
        try:
            with transaction.atomic():
                record = PoliceUkImport.objects.create(
                    force=force,
                    controller=controller,
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
    # Uncounted before they go. Published searches are never amended, sampled or put before
    # a panel (nothing points at them), so the month is replaced whole, by one DELETE.
    tallies.add_counts(record.controller_id, month, tallies.published_counts(record, sign=-1))
    if record.first_search_id is None:
        return record, 0
    connection = connections[router.db_for_write(PublishedSearch)]
    quote = connection.ops.quote_name
    table = quote(PublishedSearch._meta.db_table)
    column = quote(column_name(PublishedSearch._meta.get_field("policeuk_import")))
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {table} WHERE id BETWEEN %s AND %s AND {column} = %s",  # noqa: S608
            [record.first_search_id, record.last_search_id, record.pk],
        )
        replaced = cursor.rowcount
    return record, replaced


class _Remembered(dict[Any, Any]):
    """Values and what `make` makes of each, made when first asked for and kept for the
    first VALUES_REMEMBERED distinct values (a police.uk month repeats a few hundred per
    column); `known` are given beforehand."""

    def __init__(self, make: Callable[[Any], Any], known: dict[Any, Any] | None = None) -> None:
        super().__init__(known or {})
        self._make = make

    def __missing__(self, value: Any) -> Any:
        made = self._make(value)
        if len(self) < VALUES_REMEMBERED:
            self[value] = made
        return made


VALUES_REMEMBERED = 10_000  # distinct values remembered per column


def _copy_field_text(value: Any) -> str:
    """A value in PostgreSQL's COPY text format: NULL is \\N, True/False t/f, and
    backslash, tab and line ends escaped."""
    if value is None:
        return "\\N"
    if value is True or value is False:
        return "t" if value else "f"
    text = str(value)
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        text = (
            text.replace("\\", "\\\\")
            .replace("\t", "\\t")
            .replace("\n", "\\n")
            .replace("\r", "\\r")
        )
    return text


class _PublishedSearchWriter:
    """Write an import's searches into `PublishedSearch`, as they are read.

    On SQLite `executemany` of an INSERT of ROWS_A_STATEMENT rows (the rest of
    a batch one by one); on PostgreSQL one COPY for the whole import, left open
    from the first batch to `close` (the server stores each batch while the
    next is read; executemany would be a round trip a row). Each row's values
    are its PoliceUkRow fields in the table's column order: on SQLite a tuple
    made in one pass, the date and the two coordinates converted by their field
    once per distinct value, the flags as integers, the import's id written
    into the statement; on PostgreSQL a COPY line of
    per-column look-ups, the import's id added by the join that ends it. What
    each search counts as in the roll-up is counted here too. `close` returns
    the first and last keys written (kept on the import: its searches are
    found by them). Used as a context manager, so that an error aborts an open
    COPY; nothing else may use the connection between the first write and
    `close`.
    """

    # PublishedSearch field, in the order of the columns written (PoliceUkRow has them all).
    FIELDS = (
        "search_type",
        "occurred_at",
        "part_of_operation",
        "operation_name",
        "latitude",
        "longitude",
        "gender",
        "age_range",
        "self_defined_ethnicity",
        "officer_defined_ethnicity",
        "legislation",
        "object_of_search",
        "outcome",
        "outcome_linked",
        "removal_more_than_outer_clothing",
    )
    # The SQLite rows are made by position (values): the row number, then FIELDS.
    assert policeuk.PoliceUkRow._fields == ("row", *FIELDS)  # noqa: S101
    # SQLite: rows written by one INSERT (60 x 15 values: under the 999 variables of old
    # SQLite builds); fewer statements to step through than one a row.
    ROWS_A_STATEMENT = 60
    # SQLite stores a boolean as the integer; given as one, sqlite3 does not look for an
    # adapter for bool each time (a tenth of the INSERTs' time, measured).
    SQLITE_FLAG = {True: 1, False: 0, None: None}

    def __init__(self, *, record: PoliceUkImport) -> None:
        meta = PublishedSearch._meta
        self._connection = connections[router.db_for_write(PublishedSearch)]
        self._postgresql = self._connection.vendor == "postgresql"
        fields = policeuk.PoliceUkRow._fields
        self._pick = itemgetter(*(fields.index(name) for name in self.FIELDS))
        by_name = {field.name: field for field in meta.concrete_fields}
        # On SQLite the date and the two coordinates are converted by their field (values).
        self._when, self._latitude, self._longitude = (
            _Remembered(
                partial(by_name[name].get_db_prep_save, connection=self._connection),
                {None: None},
            )
            for name in ("occurred_at", "latitude", "longitude")
        )
        quote = self._connection.ops.quote_name
        columns = ", ".join(quote(column_name(by_name[name])) for name in self.FIELDS)
        import_column = quote(column_name(by_name["policeuk_import"]))
        self._table = meta.db_table
        table = quote(self._table)
        self._record_id = int(record.pk)
        row = "({}, {})".format(", ".join(["%s"] * len(self.FIELDS)), self._record_id)
        # Names from _meta and the import's id, an integer: one row, or ROWS_A_STATEMENT.
        insert = f"INSERT INTO {table} ({columns}, {import_column}) VALUES "  # noqa: S608
        self._sql = insert + row
        self._sql_rows = insert + ", ".join([row] * self.ROWS_A_STATEMENT)
        # The import's id last: each line's end is added by the join that ends it (_copy_text).
        self._copy_sql = f"COPY {table} ({columns}, {import_column}) FROM STDIN"
        self._line_end = f"\t{self._record_id}\n"
        self._texts = [_Remembered(_copy_field_text) for _name in self.FIELDS]
        self._max_key_sql = f"SELECT max(id) FROM {table}"  # noqa: S608
        self._open = ExitStack()
        self._copy: Any = None
        self._first: int | None = None
        # tallies.KEY, in its order: no area, police.uk's one outcome at the time and now.
        self.counts: Counter[tuple[Any, ...]] = Counter()
        self._counted_as = itemgetter(*(fields.index(name) for name in tallies.PUBLISHED_KEY))

    def __enter__(self) -> "_PublishedSearchWriter":
        return self

    def __exit__(self, *exc: Any) -> None:
        self._open.__exit__(*exc)

    def write(self, rows: list[tuple[Any, ...]]) -> None:
        self.send(self.values(rows))

    def values(self, rows: list[tuple[Any, ...]]) -> Any:
        """The rows (PoliceUkRows, or the same values as plain tuples) as the statement
        takes them (and each row counted): a list of tuples of values for executemany, or
        on PostgreSQL the text of their COPY lines."""
        self.counts.update(map(self._counted_as, rows))
        if self._postgresql:
            return self._copy_text(list(map(self._pick, rows)))
        # One tuple a row, straight from the PoliceUkRow (its values are FIELDS, in order,
        # after the row number), the three converted values and the three flags looked up.
        when, latitude, longitude = self._when, self._latitude, self._longitude
        flag = self.SQLITE_FLAG
        return [
            (
                row[1],
                when[row[2]],
                flag[row[3]],
                row[4],
                latitude[row[5]],
                longitude[row[6]],
                *row[7:14],
                flag[row[14]],
                flag[row[15]],
            )
            for row in rows
        ]

    def _copy_text(self, values: list[tuple[Any, ...]]) -> str:
        """COPY's text format for the rows: each value as its column's text, by look-up (a
        month of rows repeats a few hundred values per column), tab-separated, and the
        import's id and the line end added by the join."""
        if not values:
            return ""
        look_up = dict.__getitem__
        texts = self._texts
        lines = ["\t".join(map(look_up, texts, row)) for row in values]
        end = self._line_end
        return end.join(lines) + end

    def _key(self, sql: str, params: list[Any]) -> int:
        with self._connection.cursor() as cursor:
            cursor.execute(sql, params)
            return int(cursor.fetchone()[0] or 0)

    def _last_key(self) -> int:
        """The last key given: by this session on PostgreSQL, in the table on SQLite."""
        if self._postgresql:
            return self._key("SELECT currval(pg_get_serial_sequence(%s, 'id'))", [self._table])
        return self._key(self._max_key_sql, [])

    def send(self, values: Any) -> None:
        """Write the rows' values: one executemany, or into the COPY on PostgreSQL."""
        if self._first is None:
            if self._postgresql:
                sql = "SELECT nextval(pg_get_serial_sequence(%s, 'id'))"
                self._first = self._key(sql, [self._table]) + 1
                cursor = self._open.enter_context(self._connection.cursor())
                self._open.enter_context(self._connection.wrap_database_errors)
                self._copy = self._open.enter_context(cursor.copy(self._copy_sql))
            else:
                # SQLite gives each row max(rowid) + 1, and this transaction is the writer.
                self._first = self._last_key() + 1
        if self._copy is not None:
            self._copy.write(values)
            return
        # ROWS_A_STATEMENT rows an INSERT, their values one after the other; the rest one by one.
        size = self.ROWS_A_STATEMENT * len(self.FIELDS)
        whole = len(values) - len(values) % self.ROWS_A_STATEMENT
        flat = list(chain.from_iterable(values[:whole]))
        with self._connection.cursor() as cursor:
            if flat:
                cursor.executemany(
                    self._sql_rows, [flat[i : i + size] for i in range(0, len(flat), size)]
                )
            if whole < len(values):
                cursor.executemany(self._sql, values[whole:])

    def close(self) -> tuple[int, int]:
        """Finish writing (the COPY ends); return the first and the last key written."""
        self._open.close()
        self._copy = None
        if self._first is None:
            raise ValueError("nothing was written")
        return self._first, self._last_key()


IMPORT_CACHE_KIB = 64 * 1024  # SQLite's page cache while an import writes (default: 2 MiB)


@contextmanager
def _import_page_cache() -> Iterator[None]:
    """On SQLite, a larger page cache for this connection while an import writes.

    An import writes a whole month in one transaction; with SQLite's default
    2 MiB cache the pages it has changed are spilled to the file and read back
    before the commit (a million searches went in 15% faster with 64 MiB, when
    they were written into `Search` and its indexes). Restored after, so the
    server's other connections keep the default.
    """
    connection = connections[router.db_for_write(PublishedSearch)]
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        before = int(cursor.fetchone()[0])
        cursor.execute(f"PRAGMA cache_size = {-IMPORT_CACHE_KIB}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {before}")


@contextmanager
def _no_cyclic_gc() -> Iterator[None]:
    """Python's cyclic garbage collector off while an import reads and writes.

    An import makes two tuples a row and keeps a batch of thousands alive, so
    the collector ran again and again over them, finding nothing (the rows hold
    no reference cycles): a fifth of an import's time. Reference counting still
    frees every row; the collector is on again when the import ends, however
    it ends (it is process-wide: other threads' cycles wait until then).
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


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
    memory, and written in batches as it is read (on SQLite a large file is read
    in a child process meanwhile: reading.py); any problem rolls everything
    back and raises PoliceUkImportError listing every row, column and reason.
    The searches are `PublishedSearch` rows (ADR 0005). An earlier import of the
    same force-month is replaced whole (police.uk re-issues months as outcomes
    change), so importing a file again adds nothing; searches recorded in Pont
    are another table and untouched. Identical rows are separate searches and
    all kept. `on_progress(rows, bytes_read)` is called as the file is read;
    it must not use the database (on PostgreSQL the rows stream through an open
    COPY until the end). One audit event (collection) records it.
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
    writer: _PublishedSearchWriter | None = None
    replaced = written = reported = 0
    batch: list[tuple[Any, ...]] = []  # PoliceUkRows, or their plain tuples from a child
    open_writer = ExitStack()  # aborts the writer's COPY if anything goes wrong
    # A large file is read in a child process while this one writes (reading.py).
    vendor = connections[router.db_for_write(PublishedSearch)].vendor
    read_rows = reading.rows_read(
        reader, step=POLICEUK_PROGRESS_EVERY, in_child=reading.read_in_child(stream, vendor)
    )

    def write() -> None:
        nonlocal record, replaced, written, writer
        if record is None:
            assert state.month is not None  # noqa: S101  # set by the first row read
            record, replaced = _policeuk_month_open(
                controller=controller,
                force=force_id,
                month=state.month,
                actor=actor,
                file_name=file_name,
            )
        if writer is None:
            writer = open_writer.enter_context(_PublishedSearchWriter(record=record))
        writer.write(batch)
        written += len(batch)
        batch.clear()

    with _import_page_cache(), _no_cyclic_gc(), open_writer, read_rows as (steps, state):
        # The rows a step at a time; once a problem is found nothing more is written (the
        # file will be refused), and the reading goes on to find every problem.
        for step in steps:
            batch.extend(step)
            if on_progress and state.rows - reported >= POLICEUK_PROGRESS_EVERY:
                reported = state.rows
                on_progress(state.rows, state.bytes_read)
            if state.errors:
                batch.clear()  # found by the reading here: nothing more is written
            elif len(batch) >= POLICEUK_WRITE_BATCH:
                write()
        if state.errors:
            raise PoliceUkImportError(file_name, state.errors)
        write()
        # Rows were written (a file without any is refused), so all three are set.
        assert record is not None  # noqa: S101
        assert writer is not None  # noqa: S101
        assert state.month is not None  # noqa: S101
        record.first_search_id, record.last_search_id = writer.close()
        record.controller = controller
        record.file_name = file_name[:255]
        record.sha256 = state.sha256
        record.rows = written
        record.imported_at = timezone.now()
        record.imported_by = actor
        record.save(
            update_fields=[
                "controller",
                "first_search_id",
                "last_search_id",
                "file_name",
                "sha256",
                "rows",
                "imported_at",
                "imported_by",
            ]
        )
        # The searches replaced were uncounted as they went; count those written.
        tallies.add_counts(controller.pk, state.month, tallies.published_key(writer.counts))
    if on_progress:
        on_progress(state.rows, state.bytes_read)
    audit.record(
        actor=actor,
        operation=Operation.COLLECTION,
        obj=record,
        detail={
            "source": "police.uk",
            "force": force_id,
            "month": policeuk.month_label(state.month),
            "file_name": file_name[:255],
            "sha256": state.sha256,
            "rows": written,
            "replaced": replaced,
        },
    )
    return PoliceUkImportResult(policeuk_import=record, rows=written, replaced=replaced)


def _policeuk_row(search: Search | PublishedSearch) -> policeuk.PoliceUkRow:
    """The search as police.uk publishes it, with its current outcome (after amendments)."""
    return policeuk.PoliceUkRow(
        row=0,
        search_type=search.search_type,
        occurred_at=search.occurred_at,
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

    Every search of the force counts, recorded in Pont or published (imported),
    in date order (published first among searches at the same moment, in their
    file's order); each with its current outcome (after any amendment) and
    today's police.uk labels. The export is audited (disclosure) when it is
    asked for. Coordinates are written as stored: police.uk publishes snapped
    "on or near" points, which Pont does not make.
    """
    controller = _policeuk_force(force)
    _policeuk_check_access(actor, controller)
    first = month.replace(day=1)
    after = (first + timedelta(days=32)).replace(day=1)
    recorded = Search.objects.filter(
        controller=controller, local_date__gte=first, local_date__lt=after
    ).order_by("occurred_at", "created_at", "pk")
    record = PoliceUkImport.objects.filter(controller=controller, month=first).first()
    published = (
        record.published_searches() if record else PublishedSearch.objects.none()
    ).order_by("occurred_at", "pk")
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
                "rows": recorded.count() + published.count(),
            },
        )
    labels = _policeuk_current_labels()
    searches: Iterator[Search | PublishedSearch] = heapq.merge(
        published.iterator(chunk_size=2000),
        recorded.iterator(chunk_size=1000),
        key=attrgetter("occurred_at"),
    )
    return policeuk.write_rows(map(_policeuk_row, searches), labels)


# The monthly audit sample -----------------------------------------------------------------
# The force's Ethical Use of Police Powers Group: a local inspector and an independent
# inspector review up to a quarter of the month's searches; findings go back to each
# officer and, as themes, to the group (report to the Police and Crime Panel, 2019).

SAMPLE_PERCENT = "sample_percent"  # the SearchAuditRule with the share sampled

CHECK_THE_MONTH = _("Check the month to sample.")
ENTER_MONTH = _("Enter the month to sample.")
MONTH_NOT_ENDED = _("Choose a month that has ended: %(month)s has not.")
NO_SEARCHES_IN_MONTH = _(
    "Pont has no searches of %(force)s in %(month)s, so there is nothing to sample."
)
ALREADY_DRAWN = _("The sample for %(month)s has already been drawn, on %(day)s.")
NOT_A_FORCE = _("A sample is drawn of a police force's searches.")
NOT_YOUR_FORCE_SAMPLE = _("You can draw samples only of your own force's searches.")

SAMPLED_NOT_FOUND = _("Sampled search not found.")
CHECK_THE_REVIEW = _("Check the review.")
REVIEW_AS = _("You record the %(kind)s's review, not this one.")
OWN_SEARCH = _("You made this search, so another inspector must review it.")
ALREADY_REVIEWED = _("The %(kind)s's review of this search was recorded on %(day)s.")
SAY_GROUNDS_REASONABLE = _("Say whether the grounds for the search were reasonable.")
SAY_GROUNDS_RECORDED = _("Say whether the grounds were recorded in enough detail.")
SAY_BODY_WORN_VIDEO_REVIEWED = _(
    "Say whether you reviewed the body-worn video, or that none is available."
)
ENTER_CONDUCT = _("Enter what you found about the officer's conduct and fairness.")
SELECT_RATING = _("Select a rating: red, amber or green.")
NOT_GREEN_WITHOUT_GROUNDS = _(
    "A search without reasonable grounds cannot be rated green: select amber or red."
)
ENTER_FEEDBACK = _(
    "Enter the feedback to the officer: a red or amber rating says what to do differently."
)
SELECT_THEMES_AGAIN = _("Select the learning themes from the list.")


def _already_drawn(sample: AuditSample | None, first: date) -> ApplicationError:
    drawn_on = timezone.localdate(sample.drawn_at) if sample else timezone.localdate()
    return ConflictError(
        str(ALREADY_DRAWN)
        % {"month": month_shown(first), "day": formats.date_format(drawn_on, "DATE_FORMAT")},
        {"month": first.isoformat()},
    )


@transaction.atomic
def search_sample_draw(*, actor: User | None, controller: Organisation, month: date) -> AuditSample:
    """Draw a month's audit sample of the force's searches, once (a second draw: 409).

    The searches are those of the month by their local day, as they are in Pont
    now; the share is the `sample_percent` rule in force today. Stratified by
    officer and area, with every search with removal of more than outer clothing
    (see `sampling`). The seed, the share and a fingerprint of the searches are
    kept so that the draw can be repeated and checked. Each sampled search gets
    its two reviews, not yet recorded: the local and the independent inspector's.
    `actor` None is the periodic job; a person must be an inspector of the force.
    """
    if actor is not None:
        require_capability(actor, REVIEW_SEARCHES)
        if controller.pk not in selectors.force_ids_for(user=actor):
            raise ApplicationError(str(NOT_YOUR_FORCE_SAMPLE), status=403)
    if controller.kind != Organisation.Kind.FORCE:
        raise ApplicationError(str(NOT_A_FORCE))
    first, after = selectors.month_bounds(month)
    names = {"month": month_shown(first), "force": controller.display_name}
    if after > timezone.localdate():
        refuse_fields({"month": [str(MONTH_NOT_ENDED % names)]}, CHECK_THE_MONTH)
    existing = AuditSample.objects.filter(controller=controller, month=first).first()
    if existing is not None:
        raise _already_drawn(existing, first)
    drawn_at = timezone.now()
    units = selectors.sample_units(controller_id=controller.pk, month=first, until=drawn_at)
    if not units:
        refuse_fields({"month": [str(NO_SEARCHES_IN_MONTH % names)]}, CHECK_THE_MONTH)
    percent = selectors.audit_rule_value(SAMPLE_PERCENT, timezone.localdate())
    seed = secrets.token_hex(16)
    drawn = sampling.draw(units, percent=percent, seed=seed)
    try:
        with transaction.atomic():
            sample = AuditSample.objects.create(
                controller=controller,
                month=first,
                share_percent=percent,
                seed=seed,
                population=len(units),
                population_sha256=sampling.fingerprint(units),
                strata=drawn.strata,
                drawn_at=drawn_at,
                drawn_by=actor,
            )
    except IntegrityError:
        raise _already_drawn(None, first) from None  # drawn by someone else a moment ago
    SampledSearch.objects.bulk_create(
        [
            SampledSearch(sample=sample, search_id=pk, reason=SampledSearch.Reason.STRIP_SEARCH)
            for pk in sorted(drawn.mandatory)
        ]
        + [
            SampledSearch(sample=sample, search_id=pk, reason=SampledSearch.Reason.RANDOM)
            for pk in sorted(drawn.random)
        ]
    )
    SearchReview.objects.bulk_create(
        SearchReview(sampled_id=pk, kind=kind)
        for pk in sample.sampled.values_list("pk", flat=True)
        for kind in SearchReview.Kind.values
    )
    audit.record(
        actor=actor,
        operation=Operation.CONSULTATION,
        obj=sample,
        detail={
            "month": first.isoformat(),
            "force": controller.slug,
            "share_percent": percent,
            "searches": len(units),
            "sampled": len(drawn.chosen),
            "always_included": len(drawn.mandatory),
            "strata": drawn.strata,
        },
    )
    return sample


def search_samples_draw_due(*, today: date | None = None) -> list[AuditSample]:
    """Draw last month's sample of every force that has none yet (the periodic job).

    Run as often as you like: a force-month already drawn, or with no searches in
    Pont (police.uk publishes months later), is left alone, so a run on the 1st
    draws the month and later runs do nothing; a missed 1st is caught up at the
    next run. Each force is drawn in its own transaction.
    """
    day = today or timezone.localdate()
    month = (day.replace(day=1) - timedelta(days=1)).replace(day=1)
    drawn: list[AuditSample] = []
    forces = Organisation.objects.filter(kind=Organisation.Kind.FORCE, is_active=True)
    for force in forces.order_by("pk"):
        if AuditSample.objects.filter(controller=force, month=month).exists():
            continue
        _, after = selectors.month_bounds(month)
        if not Search.objects.filter(
            controller=force, local_date__gte=month, local_date__lt=after
        ).exists():
            continue
        try:
            drawn.append(search_sample_draw(actor=None, controller=force, month=month))
        except ConflictError:
            continue  # an inspector drew it at the same moment
    return drawn


@transaction.atomic
def search_review_record(
    *,
    actor: User,
    sampled_id: Any,
    kind: str,
    grounds_reasonable: str,
    grounds_recorded_sufficiently: bool | None,
    body_worn_video: str,
    conduct: str,
    rating: str,
    feedback: str,
    themes: list[str],
    expected_version: int,
) -> SearchReview:
    """Record the local or the independent inspector's review of a sampled search, once.

    Each inspector records only their own kind of review (the force's inspector
    the local one, the commissioner's independent inspector the other), never
    of a search they made themselves. Every missing answer is named at once; a
    red or amber rating needs feedback to the officer, and a search whose grounds
    were not reasonable cannot be green. Recorded by a conditional update on the
    review's version, so that two reviewers of one kind cannot both record it.
    """
    require_capability(actor, REVIEW_SEARCHES)
    sampled = selectors.sampled_search_get_for_user(user=actor, sampled_id=sampled_id)
    if sampled is None:
        raise NotFoundError(str(SAMPLED_NOT_FOUND))
    own_kind = selectors.review_kind_for(user=actor)
    if kind != own_kind:
        label = SearchReview.Kind(own_kind).label if own_kind else ""
        raise ApplicationError(str(REVIEW_AS % {"kind": str(label).lower()}), status=403)
    search = sampled.search
    if search.officer_id == actor.pk:
        raise ApplicationError(str(OWN_SEARCH), status=403)
    review = SearchReview.objects.filter(sampled=sampled, kind=kind).first()
    if review is None:
        raise NotFoundError(str(SAMPLED_NOT_FOUND))
    if review.reviewed_at is not None:
        raise ApplicationError(
            str(ALREADY_REVIEWED)
            % {
                "kind": str(review.get_kind_display()).lower(),
                "day": formats.date_format(timezone.localdate(review.reviewed_at), "DATE_FORMAT"),
            },
            status=409,
        )
    if review.version != expected_version:
        # Answered before the fields: what the reviewer saw is no longer what is there.
        raise ConflictError(str(STALE_VERSION), {"expected_version": expected_version})
    errors: dict[str, list[str]] = {}
    if grounds_reasonable not in SearchReview.GroundsReasonable.values:
        errors["grounds_reasonable"] = [str(SAY_GROUNDS_REASONABLE)]
    if grounds_recorded_sufficiently is None:
        errors["grounds_recorded_sufficiently"] = [str(SAY_GROUNDS_RECORDED)]
    if body_worn_video not in SearchReview.BodyWornVideo.values:
        errors["body_worn_video"] = [str(SAY_BODY_WORN_VIDEO_REVIEWED)]
    if not conduct.strip():
        errors["conduct"] = [str(ENTER_CONDUCT)]
    if rating not in SearchReview.Rating.values:
        errors["rating"] = [str(SELECT_RATING)]
    elif (
        rating == SearchReview.Rating.GREEN
        and grounds_reasonable == SearchReview.GroundsReasonable.NO
    ):
        errors["rating"] = [str(NOT_GREEN_WITHOUT_GROUNDS)]
    elif rating != SearchReview.Rating.GREEN and not feedback.strip():
        errors["feedback"] = [str(ENTER_FEEDBACK)]
    chosen = list(selectors.review_themes_on(timezone.localdate()).filter(code__in=themes))
    if len({theme.code for theme in chosen}) != len(set(themes)):
        errors["themes"] = [str(SELECT_THEMES_AGAIN)]
    refuse_fields(errors, CHECK_THE_REVIEW)
    update_if_version(
        review,
        expected_version=expected_version,
        fields={
            "reviewer": actor,
            "grounds_reasonable": grounds_reasonable,
            "grounds_recorded_sufficiently": grounds_recorded_sufficiently,
            "body_worn_video": body_worn_video,
            "conduct": conduct.strip(),
            "rating": rating,
            "feedback": feedback.strip(),
            "reviewed_at": timezone.now(),
        },
    )
    review.themes.set(chosen)
    audit.record(
        actor=actor,
        operation=Operation.COLLECTION,
        subject=search.person_id,
        obj=review,
        detail={
            "search": str(search.pk),
            "sample": sampled.sample_id,
            "kind": kind,
            "rating": rating,
        },
    )
    return review
