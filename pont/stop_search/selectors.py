"""Reads for stop and search. Every function returns only what the user may see.

Searches belong to the force (the controller). Those who oversee them
(inspectors, analysts, operations leads: VIEW_SEARCHES) see the force's;
a front-line officer, who only records (RECORD_SEARCH), sees their own.
Nobody else sees any. Amending follows the same scope, for those who may
amend: a front-line officer their own searches, an inspector the force's.
"""

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet

from pont.accounts.models import Organisation, User
from pont.accounts.roles import AMEND_SEARCH_OUTCOME, RECORD_SEARCH, VIEW_SEARCHES
from pont.accounts.selectors import controller_ids_for
from pont.core.models import ReferenceData
from pont.referrals.models import Referral
from pont.referrals.selectors import referral_list_visible_to

from .models import (
    Legislation,
    ObjectOfSearch,
    OutcomeAmendment,
    Search,
    SearchOutcome,
    SelfDefinedEthnicity,
)

# What makes a search a drugs search, named by police.uk's own labels (the published
# vocabulary), so that it holds whatever codes the reference rows are given.
DRUGS_OBJECT_LABELS = frozenset({"Controlled drugs", "Psychoactive substances"})
DRUGS_POWER_LABELS = frozenset(
    {
        "Misuse of Drugs Act 1971 (section 23)",
        "Psychoactive Substances Act 2016 (s36(2))",
        "Psychoactive Substances Act 2016 (s37(2))",
        # As the vocabulary lists it, both powers in one label.
        "Psychoactive Substances Act 2016 (s36(2)) and (s37(2))",
    }
)


def searches_visible_to(*, user: User) -> QuerySet[Search]:
    """The force's searches for those who oversee them; a front-line officer's own; else none."""
    if not user.is_authenticated:
        return Search.objects.none()
    searches = Search.objects.filter(controller_id__in=controller_ids_for(user=user))
    if user.has_perm(VIEW_SEARCHES):
        pass
    elif user.has_perm(RECORD_SEARCH):
        searches = searches.filter(officer=user)
    else:
        return Search.objects.none()
    return searches.select_related("person", "officer", "area")


def search_get_for_user(*, user: User, search_id: Any, write: bool = False) -> Search | None:
    """The search if the user may see it (with write: amend its outcome), else None (404).

    A search the user may not see is answered exactly like one that does not exist.
    """
    if write and not user.has_perm(AMEND_SEARCH_OUTCOME):
        return None
    try:
        return searches_visible_to(user=user).filter(pk=search_id).first()
    except (ValueError, ValidationError):  # not a UUID: exactly like a missing search
        return None


def amendments_of(*, search: Search) -> QuerySet[OutcomeAmendment]:
    """The search's outcome amendments, oldest first (the newest last)."""
    return search.amendments.select_related("amended_by").order_by("amended_at", "pk")


def referrals_from(*, search: Search, user: User) -> QuerySet[Referral]:
    """The referrals started from this search that the user may see."""
    return referral_list_visible_to(actor=user).filter(
        source_kind=Referral.Source.STOP_SEARCH, source_id=str(search.pk)
    )


def areas_for(*, user: User) -> QuerySet[Organisation]:
    """The policing areas of the user's force(s), for the area of a search."""
    forces = controller_ids_for(user=user)
    areas = [
        o.pk
        for o in Organisation.objects.filter(kind=Organisation.Kind.AREA, is_active=True)
        if o.root().pk in forces
    ]
    return Organisation.objects.filter(pk__in=areas).order_by("name")


def home_area_for(*, user: User) -> Organisation | None:
    """The area the user works in (their first membership of an area), if any."""
    membership = (
        user.active_memberships()
        .filter(organisation__kind=Organisation.Kind.AREA)
        .select_related("organisation")
        .order_by("created_at", "pk")
        .first()
    )
    return membership.organisation if membership else None


# Reference data ------------------------------------------------------------------


def outcomes_on(day: date | None = None) -> QuerySet[SearchOutcome]:
    return SearchOutcome.objects.effective_on(day)


def legislation_on(day: date | None = None) -> QuerySet[Legislation]:
    return Legislation.objects.effective_on(day)


def objects_on(day: date | None = None) -> QuerySet[ObjectOfSearch]:
    return ObjectOfSearch.objects.effective_on(day)


def ethnicities_on(day: date | None = None) -> QuerySet[SelfDefinedEthnicity]:
    return SelfDefinedEthnicity.objects.effective_on(day)


def _row(model: type[ReferenceData], code: str, day: date) -> Any:
    if not code:
        return None
    return model.objects.effective_on(day).filter(code=code).first()


def label_of(model: type[ReferenceData], code: str, day: date) -> str:
    """The label of a code as it was on the day (the code itself if no row says)."""
    row = _row(model, code, day)
    return row.label if row is not None else code


def search_labels(search: Search) -> dict[str, str]:
    """The labels of the search's coded values, in the words of its own day."""
    day = search.local_date
    return {
        "legislation": label_of(Legislation, search.legislation, day),
        "object_of_search": label_of(ObjectOfSearch, search.object_of_search, day),
        "self_defined_ethnicity": label_of(
            SelfDefinedEthnicity, search.self_defined_ethnicity, day
        ),
        "outcome_at_search": label_of(SearchOutcome, search.outcome_at_search, day),
        "outcome": label_of(SearchOutcome, search.outcome, day),
    }


def outcome_labels(codes: set[str], day: date) -> dict[str, str]:
    """Labels of several outcome codes (for an amendment history), as on the day."""
    rows = outcomes_on(day).filter(code__in=codes)
    found = {row.code: row.label for row in rows}
    return {code: found.get(code, code) for code in codes}


def code_labels(model: type[ReferenceData]) -> dict[str, str]:
    """Every code of a table with its latest label, for lists of many searches."""
    return {row.code: row.label for row in model.objects.order_by("code", "effective_from")}


def is_drugs_search(search: Search) -> bool:
    """Whether the search was for drugs: its object, or the power it was made under."""
    day = search.local_date
    condition = Q(code=search.object_of_search, policeuk_label__in=DRUGS_OBJECT_LABELS)
    if ObjectOfSearch.objects.effective_on(day).filter(condition).exists():
        return True
    return (
        Legislation.objects.effective_on(day)
        .filter(code=search.legislation, policeuk_label__in=DRUGS_POWER_LABELS)
        .exists()
    )


def may_refer_from(search: Search) -> bool:
    """A drugs search that found what it looked for, with the person named: a referral may start.

    "Found possession" is the current outcome linked to the object of search
    (BUSSS: the outcome is linked to what the officer was looking for).
    """
    return (
        search.source == Search.Source.RECORDED
        and search.person_id is not None
        and search.outcome_linked is True
        and is_drugs_search(search)
    )
