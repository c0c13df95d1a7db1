"""How far two reviewers agree: percentage agreement and Cohen's kappa. Pure functions.

Cohen (1960), "A coefficient of agreement for nominal scales": kappa = (po - pe) / (1 - pe),
where po is the share of items both reviewers put in the same category and pe the
share they would agree on by chance, from each reviewer's own spread of answers:
pe = sum over categories of (share of reviewer A's answers in it) x (share of B's).
Kappa is 1 for full agreement, 0 for agreement no better than chance, negative for
worse. It is undefined when chance agreement is certain (pe = 1: both reviewers gave
one and the same answer every time), and then reported as None.
"""

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction
from typing import Any


@dataclass(frozen=True)
class Agreement:
    """Agreement between two reviewers over `n` items both answered."""

    n: int
    agreed: int
    observed: Fraction | None  # po: the share of items with the same answer
    expected: Fraction | None  # pe: the share that chance alone would give
    kappa: Fraction | None

    @property
    def percent(self) -> float | None:
        return None if self.observed is None else float(self.observed) * 100

    @property
    def kappa_value(self) -> float | None:
        return None if self.kappa is None else float(self.kappa)


def cohen_kappa(pairs: Iterable[tuple[Any, Any]]) -> Agreement:
    """Percentage agreement and Cohen's kappa of (first reviewer, second reviewer) answers.

    Exact arithmetic (fractions): the figures do not depend on rounding on the way.
    """
    items = list(pairs)
    n = len(items)
    if n == 0:
        return Agreement(n=0, agreed=0, observed=None, expected=None, kappa=None)
    agreed = sum(1 for first, second in items if first == second)
    observed = Fraction(agreed, n)
    first_counts = Counter(first for first, _second in items)
    second_counts = Counter(second for _first, second in items)
    expected = sum(
        (Fraction(first_counts[c], n) * Fraction(second_counts[c], n) for c in first_counts),
        Fraction(0),
    )
    kappa = None if expected == 1 else (observed - expected) / (1 - expected)
    return Agreement(n=n, agreed=agreed, observed=observed, expected=expected, kappa=kappa)


def cross_table(
    pairs: Iterable[tuple[Any, Any]], categories: list[Any]
) -> list[tuple[Any, list[int], int]]:
    """The pairs counted by first answer (rows) and second answer (columns), with row totals."""
    counts = Counter(pairs)
    return [
        (
            first,
            [counts[(first, second)] for second in categories],
            sum(counts[(first, second)] for second in categories),
        )
        for first in categories
    ]
