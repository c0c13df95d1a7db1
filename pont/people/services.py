"""Every change to a person record, each with its audit event in the same transaction."""

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pont.accounts.models import User
from pont.accounts.roles import ADD_PERSON, CHANGE_CONTACT_ROUTES, CHANGE_PERSON
from pont.accounts.selectors import primary_controller_for
from pont.audit import services as audit
from pont.core.concurrency import update_if_version
from pont.core.exceptions import ApplicationError, NotFoundError, require_capability
from pont.core.validators import normalise_postcode, normalise_uk_phone

from .matching import Match, name_key
from .models import ContactRoute, Person
from .selectors import person_duplicates_for, person_get_for_user
from .validators import normalise_pnc_id

Operation = audit.Operation

NO_ORGANISATION = _("Your account is not a member of any organisation, so it cannot record people.")
DUPLICATE_SUSPECTED = _(
    "This may be someone Pont already holds. "
    "Check the possible matches before creating a new record."
)
PNC_ALREADY_HELD = _("A person with this PNC ID is already recorded. Open their record instead.")
DOB_IN_FUTURE = _("Date of birth must be in the past.")
DOB_TOO_EARLY = _("Date of birth must be after 1 January 1900.")
PERSON_NOT_FOUND = _("Person not found.")
ROUTE_ALREADY_ENDED = _("This contact route has already been removed.")


class DuplicateSuspected(ApplicationError):
    """Creating the person was refused because similar records exist; the caller decides."""

    def __init__(self, matches: list[Match]) -> None:
        super().__init__(
            str(DUPLICATE_SUSPECTED), {"matches": [m.person.pk for m in matches]}, status=409
        )
        self.matches = matches


def _clean_identity(
    *, given_name: str, family_name: str, date_of_birth: date, pnc_id: str
) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    given_name, family_name = given_name.strip(), family_name.strip()
    if not given_name:
        errors["given_name"] = [str(_("Enter a first name."))]
    if not family_name:
        errors["family_name"] = [str(_("Enter a last name."))]
    if date_of_birth >= timezone.localdate():
        errors["date_of_birth"] = [str(DOB_IN_FUTURE)]
    elif date_of_birth < date(1900, 1, 1):
        errors["date_of_birth"] = [str(DOB_TOO_EARLY)]
    normalised_pnc = ""
    if pnc_id:
        try:
            normalised_pnc = normalise_pnc_id(pnc_id)
        except ValidationError as error:
            errors["pnc_id"] = [str(m) for m in error.messages]
    if errors:
        raise ApplicationError(str(_("Check the details you entered.")), {"fields": errors})
    return {
        "given_name": given_name,
        "family_name": family_name,
        "date_of_birth": date_of_birth,
        "pnc_id": normalised_pnc,
    }


def _person_to_change(actor: User, person_id: int, *, capability: str) -> Person:
    """Return the person if the actor may make this change; NotFoundError otherwise."""
    person = person_get_for_user(user=actor, person_id=person_id, write=capability)
    if person is None:
        raise NotFoundError(str(PERSON_NOT_FOUND))
    return person


@transaction.atomic
def person_create(
    *,
    actor: User,
    given_name: str,
    family_name: str,
    date_of_birth: date,
    gender: str,
    preferred_language: str = Person.Language.ENGLISH,
    pnc_id: str = "",
    confirmed_new: bool = False,
) -> Person:
    """Record a new person for the actor's organisation.

    Refuses (DuplicateSuspected) when visible records look like the same
    person, unless the actor has looked at them and confirmed this is
    someone new; refuses outright when the PNC ID is already held.
    """
    require_capability(actor, ADD_PERSON)
    controller = primary_controller_for(user=actor)
    if controller is None:
        raise ApplicationError(str(NO_ORGANISATION), status=403)
    identity = _clean_identity(
        given_name=given_name, family_name=family_name, date_of_birth=date_of_birth, pnc_id=pnc_id
    )
    if (
        identity["pnc_id"]
        and Person.objects.filter(organisation=controller, pnc_id=identity["pnc_id"]).exists()
    ):
        raise ApplicationError(
            str(PNC_ALREADY_HELD), {"fields": {"pnc_id": [str(PNC_ALREADY_HELD)]}}
        )
    matches = person_duplicates_for(user=actor, **identity)
    if matches and not confirmed_new:
        raise DuplicateSuspected(matches)
    person = Person(
        organisation=controller,
        gender=gender,
        preferred_language=preferred_language,
        name_key=name_key(identity["given_name"], identity["family_name"]),
        created_by=actor,
        **identity,
    )
    person.full_clean()
    person.save()
    audit.record(
        actor=actor,
        operation=Operation.COLLECTION,
        subject=person,
        obj=person,
        detail={"possible_duplicates_reviewed": [m.person.pk for m in matches]},
    )
    return person


_EDITABLE = ("given_name", "family_name", "date_of_birth", "gender", "pnc_id", "preferred_language")


@transaction.atomic
def person_update(*, actor: User, person_id: int, expected_version: int, **changes: Any) -> Person:
    """Change a person's details if nobody else has changed them since expected_version."""
    person = _person_to_change(actor, person_id, capability=CHANGE_PERSON)
    unknown = set(changes) - set(_EDITABLE)
    if unknown:
        raise ApplicationError(
            str(_("These details cannot be changed here.")), {"fields": sorted(unknown)}
        )
    merged = {field: changes.get(field, getattr(person, field)) for field in _EDITABLE}
    identity = _clean_identity(
        given_name=merged["given_name"],
        family_name=merged["family_name"],
        date_of_birth=merged["date_of_birth"],
        pnc_id=merged["pnc_id"],
    )
    merged.update(identity)
    if (
        merged["pnc_id"]
        and merged["pnc_id"] != person.pnc_id
        and Person.objects.filter(organisation=person.organisation, pnc_id=merged["pnc_id"])
        .exclude(pk=person.pk)
        .exists()
    ):
        raise ApplicationError(
            str(PNC_ALREADY_HELD), {"fields": {"pnc_id": [str(PNC_ALREADY_HELD)]}}
        )
    changed = {field: value for field, value in merged.items() if getattr(person, field) != value}
    if not changed:
        return person
    if {"given_name", "family_name"} & set(changed):
        changed["name_key"] = name_key(merged["given_name"], merged["family_name"])
    update_if_version(person, expected_version=expected_version, fields=changed)
    audit.record(
        actor=actor,
        operation=Operation.ALTERATION,
        subject=person,
        obj=person,
        detail={"fields": sorted(k for k in changed if k != "name_key")},
    )
    return person


LANGUAGE_NOT_KNOWN = _("Select English or Welsh as the person's preferred language.")


@transaction.atomic
def person_language_set(
    *, actor: User, person_id: int, expected_version: int, preferred_language: str
) -> Person:
    """Set the language the person would like to be written to in (part of how to reach them,
    so providers may set it too), if nobody has changed the record since expected_version."""
    person = _person_to_change(actor, person_id, capability=CHANGE_CONTACT_ROUTES)
    if preferred_language not in Person.Language.values:
        raise ApplicationError(
            str(LANGUAGE_NOT_KNOWN), {"fields": {"preferred_language": [str(LANGUAGE_NOT_KNOWN)]}}
        )
    if person.preferred_language == preferred_language:
        return person
    update_if_version(
        person,
        expected_version=expected_version,
        fields={"preferred_language": preferred_language},
    )
    # The same event person_update writes when only the language changes.
    audit.record(
        actor=actor,
        operation=Operation.ALTERATION,
        subject=person,
        obj=person,
        detail={"fields": ["preferred_language"]},
    )
    return person


@transaction.atomic
def person_consult(*, actor: User, person_id: int, reason: str = "") -> Person | None:
    """Return the person for viewing and record the consultation; None if not visible."""
    person = person_get_for_user(user=actor, person_id=person_id)
    if person is None:
        return None
    audit.record(
        actor=actor, operation=Operation.CONSULTATION, subject=person, obj=person, reason=reason
    )
    return person


@transaction.atomic
def people_shown(*, actor: User, people: list[Person], context: str) -> None:
    """Record that a list of people was shown to the actor (search results, possible matches)."""
    audit.record_many(
        [
            {
                "actor": actor,
                "operation": Operation.CONSULTATION,
                "subject": person,
                "obj": person,
                "detail": {"shown_in": context},
            }
            for person in people
        ]
    )


def route_values(kind: str, values: dict[str, str]) -> dict[str, str]:
    """Validate and normalise one kind of route's fields; raise ApplicationError naming them.
    The contact details form runs it too, so that one submit shows every error in these words."""
    errors: dict[str, list[str]] = {}
    cleaned = {key: (values.get(key) or "").strip() for key in ContactRoute.VALUE_FIELDS}
    result: dict[str, str] = {}
    if kind == ContactRoute.Kind.PHONE:
        try:
            result["phone"] = normalise_uk_phone(cleaned["phone"])
        except ValidationError as error:
            errors["phone"] = list(error.messages)
    elif kind == ContactRoute.Kind.EMAIL:
        from django.core.validators import validate_email

        try:
            validate_email(cleaned["email"])
            result["email"] = cleaned["email"].lower()
        except ValidationError:
            errors["email"] = [
                str(_("Enter an email address in the correct format, like name@example.com."))
            ]
    elif kind == ContactRoute.Kind.ADDRESS:
        if not cleaned["address_line_1"]:
            errors["address_line_1"] = [
                str(_("Enter address line 1, typically the building and street."))
            ]
        if not cleaned["town"]:
            errors["town"] = [str(_("Enter the town or city."))]
        try:
            result["postcode"] = normalise_postcode(cleaned["postcode"])
        except ValidationError as error:
            errors["postcode"] = list(error.messages)
        for key in ("address_line_1", "address_line_2", "town", "county"):
            result[key] = cleaned[key]
    else:
        errors["kind"] = [str(_("Select the type of contact route."))]
    if errors:
        raise ApplicationError(str(_("Check the contact details you entered.")), {"fields": errors})
    return result


@transaction.atomic
def contact_route_add(
    *,
    actor: User,
    person_id: int,
    kind: str,
    use: str,
    values: dict[str, str],
    is_preferred: bool = False,
    is_verified: bool = False,
) -> ContactRoute:
    """Add a validated contact route to a person; a new preferred route replaces the old one."""
    person = _person_to_change(actor, person_id, capability=CHANGE_CONTACT_ROUTES)
    cleaned = route_values(kind, values)
    _not_recorded_already(person, kind, cleaned)
    if is_preferred:
        person.contact_routes.filter(is_preferred=True, ended_at__isnull=True).update(
            is_preferred=False, updated_at=timezone.now()
        )
    route = ContactRoute(
        person=person,
        kind=kind,
        use=use,
        is_preferred=is_preferred,
        is_verified=is_verified,
        created_by=actor,
        **cleaned,
    )
    route.full_clean()
    route.save()
    audit.record(
        actor=actor,
        operation=Operation.COLLECTION,
        subject=person,
        obj=route,
        detail={"kind": kind, "use": use},
    )
    return route


def _not_recorded_already(person: Person, kind: str, cleaned: dict[str, str]) -> None:
    """Refuse a route the person has already (in use): the same number, email address, or
    first line and postcode. A second copy would only lengthen the list a worker rings down."""
    current = person.contact_routes.filter(kind=kind, ended_at__isnull=True)
    if kind == ContactRoute.Kind.PHONE:
        field, same = "phone", current.filter(phone=cleaned["phone"])
    elif kind == ContactRoute.Kind.EMAIL:
        field, same = "email", current.filter(email=cleaned["email"])
    else:
        field = "address_line_1"
        same = current.filter(
            postcode=cleaned["postcode"], address_line_1__iexact=cleaned["address_line_1"]
        )
    if same.exists():
        message = str(_("They have this one already: it is on their record."))
        raise ApplicationError(message, {"fields": {field: [message]}})


@transaction.atomic
def contact_route_end(*, actor: User, person_id: int, route_id: int) -> ContactRoute:
    """Mark a contact route as no longer in use (kept for history)."""
    person = _person_to_change(actor, person_id, capability=CHANGE_CONTACT_ROUTES)
    route = person.contact_routes.select_for_update().filter(pk=route_id).first()
    if route is None:
        raise NotFoundError(str(_("Contact route not found.")))
    if route.ended_at is not None:
        raise ApplicationError(str(ROUTE_ALREADY_ENDED), status=409)
    route.ended_at = timezone.now()
    route.is_preferred = False
    route.save(update_fields=["ended_at", "is_preferred", "updated_at"])
    audit.record(
        actor=actor,
        operation=Operation.ALTERATION,
        subject=person,
        obj=route,
        detail={"ended": True},
    )
    return route
