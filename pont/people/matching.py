"""Finding records that may be the same person, before a new one is created.

Custody and street encounters are hurried; the same person arrives as
"Rhys Owen", "Rhŷs Owen" and "Owen Rhys", with day and month of birth
swapped. A duplicate record splits a person's history and hides that a
provider already knows them (the report says many referred are already
clients). Matching is therefore generous, and a person decides.
"""

import unicodedata
from dataclasses import dataclass, field
from datetime import date
from difflib import SequenceMatcher

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from .models import Person

REASON_SAME_PNC = _("Same PNC ID")
REASON_SAME_DOB = _("Same date of birth and a similar name")
REASON_SWAPPED_DOB = _("Similar name, with the day and month of birth the other way round")

SIMILARITY_THRESHOLD = 0.8


def fold(text: str) -> str:
    """Lower-case, strip accents (ŵ -> w), keep letters and single spaces."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    letters = [c for c in decomposed if not unicodedata.combining(c)]
    cleaned = "".join(c if c.isalpha() else " " for c in "".join(letters).lower())
    return " ".join(cleaned.split())


def name_key(given_name: str, family_name: str) -> str:
    return f"{fold(family_name)}|{fold(given_name)}"


def names_similar(given_a: str, family_a: str, given_b: str, family_b: str) -> bool:
    """Return whether two names are close enough to show as a possible match."""
    ga, fa, gb, fb = fold(given_a), fold(family_a), fold(given_b), fold(family_b)
    if not (fa and fb):
        return False
    if SequenceMatcher(None, f"{ga} {fa}", f"{gb} {fb}").ratio() >= SIMILARITY_THRESHOLD:
        return True
    if SequenceMatcher(None, f"{ga} {fa}", f"{fb} {gb}").ratio() >= SIMILARITY_THRESHOLD:
        return True  # first and last names the other way round
    same_family = SequenceMatcher(None, fa, fb).ratio() >= SIMILARITY_THRESHOLD
    first_a, first_b = ga.split(" ")[0] if ga else "", gb.split(" ")[0] if gb else ""
    return same_family and bool(first_a) and bool(first_b) and first_a[0] == first_b[0]


def _swapped(day: date) -> date | None:
    if day.day > 12 or day.day == day.month:
        return None
    try:
        return day.replace(month=day.day, day=day.month)
    except ValueError:
        return None


@dataclass
class Match:
    person: Person
    reasons: list[str] = field(default_factory=list)


def likely_duplicates(
    candidates: QuerySet[Person],
    *,
    given_name: str,
    family_name: str,
    date_of_birth: date,
    pnc_id: str = "",
    limit: int = 10,
) -> list[Match]:
    """Return people in `candidates` who may be the person described, best first."""
    dates = [date_of_birth]
    swapped = _swapped(date_of_birth)
    if swapped:
        dates.append(swapped)
    condition = Q(date_of_birth__in=dates)
    if pnc_id:
        condition |= Q(pnc_id=pnc_id)
    matches: list[Match] = []
    for person in candidates.filter(condition).order_by("pk")[:200]:
        reasons = []
        if pnc_id and person.pnc_id == pnc_id:
            reasons.append(str(REASON_SAME_PNC))
        if names_similar(given_name, family_name, person.given_name, person.family_name):
            if person.date_of_birth == date_of_birth:
                reasons.append(str(REASON_SAME_DOB))
            elif swapped and person.date_of_birth == swapped:
                reasons.append(str(REASON_SWAPPED_DOB))
        if reasons:
            matches.append(Match(person=person, reasons=reasons))
    matches.sort(key=lambda m: (str(REASON_SAME_PNC) not in m.reasons, len(m.reasons) * -1))
    return matches[:limit]
