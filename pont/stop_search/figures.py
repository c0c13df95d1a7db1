"""Stop and search in figures: by month and county, outcomes, the linked-outcome rate and
disproportionality against the Census 2021 population.

Every figure comes from the roll-up `SearchTally` (a few rows per force-month,
kept by `tallies` as searches are recorded, amended and imported), so a page
reads hundreds of rows, not a million searches; nothing here names a person or
a place finer than a county. Figures use either the outcome at the time of the search or the
current one (after amendments): the caller says which.

Public views disclose counts through `core.figures.suppress` (1 to 7 shown
as *, the rest rounded to 5). A rate, a ratio or a share they show is worked out
from the counts as shown (`shown_count`: rounded, never the exact ones), and is
itself shown as * when a count it is made from is suppressed: a rate per 1,000
people to two places of an exact count, against a published Census population,
gives the exact count back (9 searches among 1,286 people is 7.00, and 7.00 x
1.286 is 9.00, behind a count shown as 10), and a share or a ratio of exact
counts narrows it down in the same way.

Searches imported from police.uk for Dyfed-Powys carry no location, so they
count for the force but for no county; counties are those of searches recorded
in Pont (the officer names the area).
"""

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Sum
from django_stubs_ext import StrOrPromise

from pont.core.figures import SUPPRESSED, suppress
from pont.core.forms import month_shown

from . import rates
from .models import CensusPopulation, SearchOutcome, SearchTally, SelfDefinedEthnicity

CENSUS_DAY = date(2021, 3, 21)
CURRENT, AT_SEARCH = "current", "at_search"
FORCE = "force"


@dataclass(frozen=True)
class MonthRow:
    month: date
    label: str
    searches: int
    found: int
    linked: int


@dataclass(frozen=True)
class Figures:
    total: int
    by_month: list[MonthRow]
    by_county: list[tuple[str, int]]  # county name, searches ("" = no county recorded)
    by_county_month: list[tuple[date, str, dict[str, int]]]  # month, its label, county -> n
    outcomes: list[tuple[str, StrOrPromise, int]]  # code, label, searches
    linked: int
    disproportionality: dict[str, rates.Disproportionality]  # FORCE or a county name
    basis: str


def _outcome_fields(basis: str) -> tuple[str, str]:
    return (
        ("outcome", "outcome_linked")
        if basis == CURRENT
        else (
            "outcome_at_search",
            "linked_at_search",
        )
    )


def _ethnic_groups() -> dict[str, str]:
    """Each self-defined ethnicity code's broad group (any version: codes keep their group)."""
    return dict(SelfDefinedEthnicity.objects.values_list("code", "group"))


def _found_codes() -> set[str]:
    return set(SearchOutcome.objects.filter(found=True).values_list("code", flat=True))


def populations() -> dict[str, dict[str, int]]:
    """Usual residents by broad group for each county, and for the force (their sum)."""
    by_area: dict[str, dict[str, int]] = defaultdict(dict)
    force: Counter[str] = Counter()
    for name, group, count in CensusPopulation.objects.filter(census_day=CENSUS_DAY).values_list(
        "area_name", "group", "usual_residents"
    ):
        if name == "Wales":
            continue
        by_area[name][group] = count
        force[group] += count
    by_area[FORCE] = dict(force)
    return dict(by_area)


def _tallies(
    controller_ids: Iterable[int] | None, first: date | None, after: date | None, basis: str
) -> list[dict[str, Any]]:
    """The roll-up's rows summed by month, county, self-defined ethnicity and the outcome."""
    outcome, linked_field = _outcome_fields(basis)
    rows = SearchTally.objects.all()
    if controller_ids is not None:
        rows = rows.filter(controller_id__in=list(controller_ids))
    if first is not None:
        rows = rows.filter(month__gte=first)
    if after is not None:
        rows = rows.filter(month__lt=after)
    return list(
        rows.values("month", "area__name", "self_defined_ethnicity", outcome, linked_field)
        .annotate(n=Sum("searches"))
        .order_by()
    )


def compute(
    *,
    basis: str = CURRENT,
    controller_ids: Iterable[int] | None = None,
    first: date | None = None,
    after: date | None = None,
) -> Figures:
    """Every figure for the forces' searches (all forces: None) in the months from `first` up
    to `after`, on the chosen outcome basis, counted from the roll-up (`tallies`)."""
    outcome, linked_field = _outcome_fields(basis)
    found_codes = _found_codes()
    groups = _ethnic_groups()
    months: dict[date, list[int]] = defaultdict(lambda: [0, 0, 0])
    counties: Counter[str] = Counter()
    by_county_month: dict[date, Counter[str]] = defaultdict(Counter)
    outcome_counts: Counter[str] = Counter()
    searched: dict[str, Counter[str]] = defaultdict(Counter)
    linked_by: dict[str, Counter[str]] = defaultdict(Counter)
    for row in _tallies(controller_ids, first, after, basis):
        n = row["n"]
        if not n:
            continue
        linked = n if row[linked_field] else 0
        month = months[row["month"]]
        month[0] += n
        month[1] += n if row[outcome] in found_codes else 0
        month[2] += linked
        county = row["area__name"] or ""
        counties[county] += n
        by_county_month[row["month"]][county] += n
        outcome_counts[row[outcome]] += n
        group = groups.get(row["self_defined_ethnicity"], "not_stated")
        for area in (FORCE, county):
            if area:
                searched[area][group] += n
                linked_by[area][group] += linked
    by_month = [
        MonthRow(
            month=month,
            label=month_shown(month),
            searches=values[0],
            found=values[1],
            linked=values[2],
        )
        for month, values in sorted(months.items())
    ]
    # Counties by name, then the searches with no county (the same order on every database).
    by_county = sorted(counties.items(), key=lambda county: (county[0] == "", county[0]))
    labels = {o.code: o.label for o in SearchOutcome.objects.order_by("code", "effective_from")}
    outcomes: list[tuple[str, StrOrPromise, int]] = [
        (code, labels.get(code, code), n)
        for code, n in sorted(outcome_counts.items(), key=lambda item: (-item[1], item[0]))
    ]
    population = populations()
    disproportionality = {
        area: rates.disproportionality(searched[area], linked_by[area], population[area])
        for area in population
        if area in searched
    }
    return Figures(
        total=sum(row.searches for row in by_month),
        by_month=by_month,
        by_county=by_county,
        by_county_month=[
            (row.month, row.label, dict(by_county_month[row.month])) for row in by_month
        ],
        outcomes=outcomes,
        linked=sum(row.linked for row in by_month),
        disproportionality=disproportionality,
        basis=basis,
    )


def disclosed(count: int, *, public: bool) -> str:
    """A count as a page shows it: suppressed in public views."""
    return suppress(count) if public else str(count)


def shown_count(count: int, *, public: bool) -> int | None:
    """The count a page shows, as the number its rates are worked out from: exact for those who
    see exact figures; in public views rounded to 5, or None when it is suppressed."""
    if not public:
        return count
    shown = suppress(count)
    return None if shown == SUPPRESSED else int(shown)
