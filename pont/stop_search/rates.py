"""Disproportionality and the outcome test, as pure arithmetic.

Given counts of searches by broad ethnic group and the Census 2021 population
of each group (TS021, usual residents), this module computes:

- the **search rate** per 1,000 people of each group;
- the **rate ratio** of each group's rate to the White rate, with a 95%
  confidence interval by the usual log method (Katz et al. 1978): for a group
  with `a` searches among `n1` people and the White group with `b` among `n2`,
  RR = (a/n1) / (b/n2), SE(ln RR) = sqrt(1/a - 1/n1 + 1/b - 1/n2), and the
  interval is exp(ln RR +/- 1.96 SE). With no searches in either group the
  ratio is undefined and is reported as such, never as 0 or infinity;
- the **outcome test**: the share of each group's searches whose outcome was
  linked to the object of search, with a 95% Wilson score interval (a share
  near 0 or 1 with few searches still gets an interval inside [0, 1]).

Searches whose self-defined ethnicity is not stated, or not recorded, have no
population to compare with: they are counted, and left out of the rates.
Nothing here reads the database or rounds for display; suppression of small
numbers for public views is the caller's job (`disclosed`), and so is passing
the counts as shown (`shown_count`): a public page works these out from the
rounded counts, never the exact ones, which a rate and a published population
would give back.
"""

import math
from collections.abc import Mapping
from dataclasses import dataclass

Z_95 = 1.959963984540054  # the 97.5th percentile of the standard normal distribution
PER = 1000

# The Census 2021 broad groups that have a population, in the order pages show them.
GROUPS = ("white", "mixed", "asian", "black", "other")
REFERENCE_GROUP = "white"


@dataclass(frozen=True)
class Interval:
    low: float
    high: float


@dataclass(frozen=True)
class GroupRate:
    group: str
    searches: int
    population: int
    rate: float | None  # searches per 1,000 people
    ratio: float | None  # to the White rate
    ratio_interval: Interval | None
    linked: int  # searches whose outcome was linked to the object of search
    linked_share: float | None
    linked_interval: Interval | None


@dataclass(frozen=True)
class Disproportionality:
    groups: list[GroupRate]
    not_stated: int  # searches with no self-defined ethnicity to compare


def rate_per_thousand(searches: int, population: int) -> float | None:
    """Searches per 1,000 people; None when there is no population to divide by."""
    if population <= 0:
        return None
    return searches * PER / population


def rate_ratio(a: int, n1: int, b: int, n2: int) -> tuple[float, Interval] | None:
    """The ratio of a/n1 to b/n2 with its 95% interval (log method), or None if undefined."""
    if min(a, b) <= 0 or min(n1, n2) <= 0 or a > n1 or b > n2:
        return None
    ratio = (a / n1) / (b / n2)
    se = math.sqrt(1 / a - 1 / n1 + 1 / b - 1 / n2)
    log_ratio = math.log(ratio)
    return ratio, Interval(math.exp(log_ratio - Z_95 * se), math.exp(log_ratio + Z_95 * se))


def wilson_interval(successes: int, trials: int) -> Interval | None:
    """The 95% Wilson score interval for a share, or None with no trials."""
    if trials <= 0:
        return None
    share = successes / trials
    z2 = Z_95 * Z_95
    centre = (share + z2 / (2 * trials)) / (1 + z2 / trials)
    half = (Z_95 / (1 + z2 / trials)) * math.sqrt(
        share * (1 - share) / trials + z2 / (4 * trials * trials)
    )
    return Interval(max(0.0, centre - half), min(1.0, centre + half))


def disproportionality(
    searches: Mapping[str, int],
    linked: Mapping[str, int],
    population: Mapping[str, int],
) -> Disproportionality:
    """Rates, ratios to the White rate and the outcome test for each broad group.

    `searches` and `linked` are keyed by broad group (any key outside GROUPS,
    such as "not_stated" or "", counts as not stated); `population` by group.
    """
    white_searches = searches.get(REFERENCE_GROUP, 0)
    white_population = population.get(REFERENCE_GROUP, 0)
    rows = []
    for group in GROUPS:
        count = searches.get(group, 0)
        people = population.get(group, 0)
        found = linked.get(group, 0)
        if group == REFERENCE_GROUP:
            compared: tuple[float, Interval] | None = (
                (1.0, Interval(1.0, 1.0)) if count > 0 and people > 0 else None
            )
        else:
            compared = rate_ratio(count, people, white_searches, white_population)
        rows.append(
            GroupRate(
                group=group,
                searches=count,
                population=people,
                rate=rate_per_thousand(count, people),
                ratio=compared[0] if compared else None,
                ratio_interval=compared[1] if compared else None,
                linked=found,
                linked_share=found / count if count else None,
                linked_interval=wilson_interval(found, count),
            )
        )
    not_stated = sum(n for key, n in searches.items() if key not in GROUPS)
    return Disproportionality(groups=rows, not_stated=not_stated)
