"""Stop and search in figures: by month and county, outcomes, the linked-outcome rate and
disproportionality against the Census 2021 population.

Every figure comes from a few grouped counts (`values().annotate(Count)`), so
the database does the counting; nothing here names a person or a place finer
than a county. Figures use either the outcome at the time of the search or the
current one (after amendments): the caller says which.

Public views disclose counts through `referrals.funnel.suppress` (1 to 7 shown
as *, the rest rounded to 5), and show a rate, a share or a ratio only when
none of the counts it is made from would be suppressed.

Searches imported from police.uk for Dyfed-Powys carry no location, so they
count for the force but for no county; counties are those of searches recorded
in Pont (the officer names the area).
"""

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncMonth
from django.utils import formats
from django_stubs_ext import StrOrPromise

from pont.referrals.funnel import SUPPRESSED, suppress

from . import rates
from .models import CensusPopulation, Search, SearchOutcome, SelfDefinedEthnicity

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


def compute(searches: QuerySet[Search], *, basis: str = CURRENT) -> Figures:
    """Every figure for these searches, on the chosen outcome basis."""
    outcome, linked_field = _outcome_fields(basis)
    found_codes = _found_codes()
    rows = searches.order_by()

    months = (
        rows.annotate(month=TruncMonth("local_date"))
        .values("month")
        .annotate(
            searches=Count("pk"),
            found=Count("pk", filter=Q(**{f"{outcome}__in": found_codes})),
            linked=Count("pk", filter=Q(**{linked_field: True})),
        )
        .order_by("month")
    )
    by_month = [
        MonthRow(
            month=row["month"],
            label=formats.date_format(row["month"], "YEAR_MONTH_FORMAT"),
            searches=row["searches"],
            found=row["found"],
            linked=row["linked"],
        )
        for row in months
    ]

    # Counties by name, then the searches with no county (the same order on every database).
    by_county = sorted(
        (
            (row["area__name"] or "", row["n"])
            for row in rows.values("area__name").annotate(n=Count("pk"))
        ),
        key=lambda county: (county[0] == "", county[0]),
    )

    labels = {o.code: o.label for o in SearchOutcome.objects.order_by("code", "effective_from")}
    outcome_counts = rows.values(outcome).annotate(n=Count("pk")).order_by("-n", outcome)
    outcomes = [
        (row[outcome], labels.get(row[outcome], row[outcome]), row["n"]) for row in outcome_counts
    ]

    groups = _ethnic_groups()
    searched: dict[str, Counter[str]] = defaultdict(Counter)
    linked_by: dict[str, Counter[str]] = defaultdict(Counter)
    for row in rows.values("area__name", "self_defined_ethnicity").annotate(
        n=Count("pk"), linked=Count("pk", filter=Q(**{linked_field: True}))
    ):
        group = groups.get(row["self_defined_ethnicity"], "not_stated")
        for area in (FORCE, row["area__name"]):
            if area:
                searched[area][group] += row["n"]
                linked_by[area][group] += row["linked"]
    population = populations()
    disproportionality = {
        area: rates.disproportionality(searched[area], linked_by[area], population[area])
        for area in population
        if area in searched
    }
    total = sum(row.searches for row in by_month)
    return Figures(
        total=total,
        by_month=by_month,
        by_county=by_county,
        outcomes=outcomes,
        linked=sum(row.linked for row in by_month),
        disproportionality=disproportionality,
        basis=basis,
    )


def disclosed(count: int, *, public: bool) -> str:
    """A count as a page shows it: suppressed in public views."""
    return suppress(count) if public else str(count)


def showable(*counts: int, public: bool) -> bool:
    """Whether a rate made from these counts may be shown: never one giving a small count away."""
    return not public or all(suppress(count) != SUPPRESSED for count in counts)
