"""The roll-up of searches that the figures are counted from (`SearchTally`).

Every change to what a search counts as goes through here, in the transaction
of the change: `add` when a search is recorded, `move` when its outcome is
amended, `add_counts` for the published searches a police.uk import deletes
and writes (counted as they are written). Both kinds of search count: `Search`
(recorded in Pont) and `PublishedSearch` (imported), the latter in its import's
force-month, with no area and its one outcome both at the time and now.
`check` says whether the tallies of a force-month equal the searches
themselves, and `rebuild` recounts everything (after a restore, or when
`check` disagrees).
"""

from collections.abc import Mapping
from datetime import date
from typing import Any

from django.db.models import Count, F, Sum
from django.db.models.functions import TruncMonth

from pont.core.forms import next_month

from .models import PoliceUkImport, Search, SearchTally

KEY = (
    "area_id",
    "self_defined_ethnicity",
    "outcome",
    "outcome_linked",
    "outcome_at_search",
    "linked_at_search",
)

# What a published search is counted by: the rest of KEY follows (no area; police.uk's
# one outcome is both the outcome at the time of the search and the current one).
PUBLISHED_KEY = ("self_defined_ethnicity", "outcome", "outcome_linked")


def published_key(counts: Mapping[tuple[Any, ...], int]) -> dict[tuple[Any, ...], int]:
    """Counts by PUBLISHED_KEY's values, as counts by KEY's (what `add_counts` takes)."""
    return {
        (None, ethnicity, outcome, linked, outcome, linked): count
        for (ethnicity, outcome, linked), count in counts.items()
    }


def published_counts(record: PoliceUkImport, *, sign: int = 1) -> dict[tuple[Any, ...], int]:
    """How many of an import's published searches count in each key (times `sign`)."""
    rows = record.published_searches().values(*PUBLISHED_KEY).annotate(n=Count("pk")).order_by()
    return published_key(
        {tuple(row[name] for name in PUBLISHED_KEY): sign * row["n"] for row in rows}
    )


def key_of(search: Search, **changed: Any) -> dict[str, Any]:
    """The tally a search counts in: its force, month and the key fields (some changed)."""
    values = {name: getattr(search, name) for name in KEY}
    values.update(changed)
    return {
        "controller_id": search.controller_id,
        "month": search.local_date.replace(day=1),
        **values,
    }


def _add(key: dict[str, Any], count: int) -> None:
    row = SearchTally.objects.filter(**key).order_by("pk").first()
    if row is not None:
        SearchTally.objects.filter(pk=row.pk).update(searches=F("searches") + count)
    else:
        SearchTally.objects.create(searches=count, **key)


def add_counts(controller_id: int, month: date, counts: Mapping[tuple[Any, ...], int]) -> None:
    """Searches of a force-month were written (or deleted: negative counts) in bulk.

    `counts` maps the values of KEY, in its order, to how many searches have
    them. One read of the month's tallies, then one UPDATE per key already
    counted and one INSERT for the new keys: a police.uk month of 80,000 rows
    has a few hundred keys, where recounting it meant reading every search.
    Rows are summed when read, so one of two twin rows may go below zero
    while their sum stays right; rows left at exactly zero are removed.
    """
    first = month.replace(day=1)
    existing: dict[tuple[Any, ...], int] = {}
    for row in (
        SearchTally.objects.filter(controller_id=controller_id, month=first)
        .order_by("-pk")
        .values("pk", *KEY)
    ):
        existing[tuple(row[name] for name in KEY)] = row["pk"]  # the first of any twins wins
    new = []
    for values, count in counts.items():
        if not count:
            continue
        pk = existing.get(values)
        if pk is not None:
            SearchTally.objects.filter(pk=pk).update(searches=F("searches") + count)
        else:
            key = dict(zip(KEY, values, strict=True))
            new.append(SearchTally(controller_id=controller_id, month=first, searches=count, **key))
    SearchTally.objects.bulk_create(new, batch_size=500)
    SearchTally.objects.filter(controller_id=controller_id, month=first, searches=0).delete()


def add(search: Search) -> None:
    """A search has been recorded: count it."""
    _add(key_of(search), 1)


def move(search: Search, *, before: dict[str, Any]) -> None:
    """A search's key fields changed (an amendment): uncount it as it was, count it as it is."""
    old, new = key_of(search, **before), key_of(search)
    if old != new:
        _add(old, -1)
        _add(new, 1)


def _counted(controller_id: int, first: date, after: date) -> list[dict[str, Any]]:
    """The force's searches of the months, both kinds, counted by month and KEY."""
    recorded = (
        Search.objects.filter(
            controller_id=controller_id, local_date__gte=first, local_date__lt=after
        )
        .annotate(tally_month=TruncMonth("local_date"))
        .values("tally_month", *KEY)
        .annotate(n=Count("pk"))
        .order_by()
    )
    counted = list(recorded)
    imports = PoliceUkImport.objects.filter(
        controller_id=controller_id, month__gte=first, month__lt=after
    )
    for record in imports:  # each by its range of keys (the table has no other index)
        for key, count in published_counts(record).items():
            counted.append(
                {"tally_month": record.month, **dict(zip(KEY, key, strict=True)), "n": count}
            )
    return counted


def recount(controller_id: int, first: date, after: date) -> int:
    """Count again the force's months from `first` up to `after`; returns the rows written."""
    SearchTally.objects.filter(
        controller_id=controller_id, month__gte=first, month__lt=after
    ).delete()
    rows = [
        SearchTally(
            controller_id=controller_id,
            month=row["tally_month"],
            searches=row["n"],
            **{name: row[name] for name in KEY},
        )
        for row in _counted(controller_id, first, after)
    ]
    SearchTally.objects.bulk_create(rows, batch_size=500)
    return len(rows)


def rebuild() -> int:
    """Count every force's searches again from nothing; returns the rows written."""
    SearchTally.objects.all().delete()
    written = 0
    forces = set(Search.objects.order_by().values_list("controller_id", flat=True).distinct())
    forces.update(PoliceUkImport.objects.order_by().values_list("controller_id", flat=True))
    for controller_id in sorted(forces):
        written += recount(controller_id, date(1, 1, 1), date(9999, 12, 1))
    return written


def check(controller_id: int, month: date) -> bool:
    """Whether the force-month's tallies equal its searches, key by key."""
    first = month.replace(day=1)
    after = next_month(first)

    def normal(rows: Any, count: str) -> dict[tuple[Any, ...], int]:
        totals: dict[tuple[Any, ...], int] = {}
        for row in rows:
            key = tuple(row[name] for name in KEY)
            totals[key] = totals.get(key, 0) + row[count]
        return {key: n for key, n in totals.items() if n}

    tallied = (
        SearchTally.objects.filter(controller_id=controller_id, month=first)
        .values(*KEY)
        .annotate(total=Sum("searches"))
        .order_by()
    )
    return normal(tallied, "total") == normal(_counted(controller_id, first, after), "n")
