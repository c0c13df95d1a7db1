"""The monthly audit sample of searches, drawn from a seed: pure functions, no database.

The sample is a share of the month's searches (rounded up, so a month with any
search has one reviewed), stratified by officer and area: each stratum (one
officer in one area; searches with no officer or no area, such as police.uk
imports, form strata of their own) gets its proportional part of the sample,
and at least one search where the sample is big enough for that. Searches with
removal of more than outer clothing are always in the sample and count towards
their stratum's part; if there are more of them than the share, the sample is
all of them and nothing else.

Everything random comes from one `random.Random(seed)`, consumed in an order
fixed by the searches' ids, so the same seed and the same searches always give
the same sample: anyone can check a draw by repeating it.
"""

import hashlib
import heapq
import random
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

Stratum = tuple[str, str]  # (officer, area): "" where the search has none


@dataclass(frozen=True)
class Unit:
    """One search of the month, as the draw sees it."""

    id: str
    officer: str
    area: str
    mandatory: bool  # more than outer clothing removed: always in the sample

    @property
    def stratum(self) -> Stratum:
        return (self.officer, self.area)


@dataclass(frozen=True)
class Draw:
    """What a draw picked: the ids of the searches always included, and of those drawn."""

    mandatory: frozenset[str]
    random: frozenset[str]
    strata: int

    @property
    def chosen(self) -> frozenset[str]:
        return self.mandatory | self.random


def sample_size(population: int, percent: int) -> int:
    """The share of the population, rounded up (integers only: no floating point)."""
    return -(-population * percent // 100)


def fingerprint(units: Iterable[Unit]) -> str:
    """A SHA-256 of the searches drawn from and what the draw used of them."""
    digest = hashlib.sha256()
    for unit in sorted(units, key=lambda u: u.id):
        digest.update(f"{unit.id}|{unit.officer}|{unit.area}|{int(unit.mandatory)}\n".encode())
    return digest.hexdigest()


def allocate(
    sizes: dict[Stratum, int],
    floors: dict[Stratum, int],
    total: int,
    order: Sequence[Stratum],
) -> dict[Stratum, int]:
    """How many searches each stratum gives to a sample of `total`.

    Each stratum starts from its floor (the searches it must give). While the
    sample is short: first every stratum with none yet gets one, largest strata
    first (where there are not enough for all); then one at a time to the stratum
    furthest below its proportional part total * size / population. `order`
    breaks ties (the draw passes the strata in a seeded random order).
    """
    population = sum(sizes.values())
    given = {stratum: min(floors.get(stratum, 0), size) for stratum, size in sizes.items()}
    budget = total - sum(given.values())
    rank = {stratum: index for index, stratum in enumerate(order)}
    empty = sorted(
        (s for s in sizes if given[s] == 0 and sizes[s] > 0), key=lambda s: (-sizes[s], rank[s])
    )
    for stratum in empty[: max(budget, 0)]:
        given[stratum] = 1
        budget -= 1
    # Furthest below its part first: the part is total * size / population; both sides
    # are multiplied by the population so that the comparison stays in integers.
    heap = [
        (-(total * sizes[s] - given[s] * population), rank[s], s)
        for s in sizes
        if given[s] < sizes[s]
    ]
    heapq.heapify(heap)
    while budget > 0 and heap:
        _deficit, position, stratum = heapq.heappop(heap)
        given[stratum] += 1
        budget -= 1
        if given[stratum] < sizes[stratum]:
            deficit = total * sizes[stratum] - given[stratum] * population
            heapq.heappush(heap, (-deficit, position, stratum))
    return given


def draw(units: Iterable[Unit], *, percent: int, seed: str) -> Draw:
    """Draw the sample of `percent` of the units from the seed (see the module's docstring)."""
    ordered = sorted(units, key=lambda u: u.id)
    rng = random.Random(seed)  # noqa: S311 - a reproducible sample, not a secret
    by_stratum: dict[Stratum, list[Unit]] = defaultdict(list)
    for unit in ordered:
        by_stratum[unit.stratum].append(unit)
    strata = sorted(by_stratum)
    order = list(strata)
    rng.shuffle(order)
    mandatory = frozenset(unit.id for unit in ordered if unit.mandatory)
    total = max(sample_size(len(ordered), percent), len(mandatory))
    sizes = {s: len(by_stratum[s]) for s in strata}
    floors = {s: sum(1 for unit in by_stratum[s] if unit.mandatory) for s in strata}
    allocation = allocate(sizes, floors, total, order)
    chosen: set[str] = set()
    for stratum in strata:
        optional = [unit.id for unit in by_stratum[stratum] if not unit.mandatory]
        wanted = allocation[stratum] - floors[stratum]
        if wanted > 0:
            chosen.update(rng.sample(optional, wanted))
    return Draw(mandatory=mandatory, random=frozenset(chosen), strata=len(strata))
