"""Reads of person records. Every function here returns only what the user may see."""

from datetime import date

from django.db.models import Q, QuerySet

from pont.accounts.models import User
from pont.accounts.roles import CHANGE_CONTACT_ROUTES, CHANGE_PERSON, VIEW_PERSON
from pont.accounts.selectors import controller_ids_for

from .access import relationship_conditions
from .matching import Match, fold, likely_duplicates
from .models import ContactRoute, Person

SEARCH_LIMIT = 25


def person_list_visible_to(*, user: User) -> QuerySet[Person]:
    """Return the people whose records the user may see."""
    if not user.is_authenticated or not user.has_perm(VIEW_PERSON):
        return Person.objects.none()
    condition = Q(organisation_id__in=controller_ids_for(user=user))
    for extra in relationship_conditions(user):
        condition |= extra
    return Person.objects.filter(condition).distinct()


# What a write may need: the identity of the record, or the ways to reach the person.
WRITE_CAPABILITIES = frozenset({CHANGE_PERSON, CHANGE_CONTACT_ROUTES})


def person_get_for_user(*, user: User, person_id: int, write: str | None = None) -> Person | None:
    """Return the person if the user may see (and, with write, make that change to) the record.

    `write` names the capability the change needs: CHANGE_PERSON for the identity (name, date
    of birth, gender, PNC ID), CHANGE_CONTACT_ROUTES for contact routes and preferred language.
    A record the user may not see is reported exactly like one that does not exist (None), so
    an outsider learns nothing from the answer.
    """
    if write is not None:
        if write not in WRITE_CAPABILITIES:
            raise ValueError(f"write must name a change capability, not {write!r}")
        if not user.has_perm(write):
            return None
    return person_list_visible_to(user=user).filter(pk=person_id).first()


def person_search(
    *, user: User, name: str = "", date_of_birth: date | None = None, pnc_id: str = ""
) -> list[Person]:
    """Return up to SEARCH_LIMIT visible people matching every criterion given (none: nobody)."""
    if not (name or date_of_birth or pnc_id):
        return []
    people = person_list_visible_to(user=user)
    if pnc_id:
        people = people.filter(pnc_id=pnc_id)
    if date_of_birth:
        people = people.filter(date_of_birth=date_of_birth)
    for word in fold(name).split():
        people = people.filter(name_key__contains=word)
    return list(people.order_by("family_name", "given_name", "pk")[:SEARCH_LIMIT])


def person_duplicates_for(
    *, user: User, given_name: str, family_name: str, date_of_birth: date, pnc_id: str = ""
) -> list[Match]:
    """Return visible people who may be the person about to be created."""
    return likely_duplicates(
        person_list_visible_to(user=user),
        given_name=given_name,
        family_name=family_name,
        date_of_birth=date_of_birth,
        pnc_id=pnc_id,
    )


def contact_routes_of(*, person: Person, include_ended: bool = False) -> QuerySet[ContactRoute]:
    routes = person.contact_routes.all()
    return routes if include_ended else routes.filter(ended_at__isnull=True)


def contact_route_get_for_user(*, user: User, person: Person, route_id: int) -> ContactRoute | None:
    """Return a route of a person the caller has already been allowed to change."""
    return person.contact_routes.filter(pk=route_id).first()
