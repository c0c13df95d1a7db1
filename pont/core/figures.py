"""Counted figures for dashboards, disclosure-controlled for those who see aggregates only.

The commissioner's office and its panels see counts through `suppress` (0 stays
0, 1 to 7 become *, others round to 5), shares only when neither part is
suppressed, and medians only of 8 or more values. A share they see is worked out
from the rounded counts they see, never the exact ones: a percentage of exact
counts would let a reader recover them (27 of 63 is the only pair shown as "65"
and "25" that makes 43%), and with them, by subtraction, a suppressed cell. Each
dashboard builds its tables (`Section`s of `Figure`s) through one `Counting`,
suppressed or not.
"""

import statistics
from dataclasses import dataclass

from django_stubs_ext import StrOrPromise

from .charts import Bar, horizontal_bar_chart

SUPPRESSED = "*"
# Below this many, a median is not shown to those who see aggregates only.
MEDIAN_MINIMUM = 8
NOT_AVAILABLE = "–"


def suppress(count: int) -> str:
    """The disclosure-controlled count: 0 stays 0, 1 to 7 become *, others round to 5."""
    if count == 0:
        return "0"
    if count <= 7:
        return SUPPRESSED
    return str(5 * round(count / 5))


@dataclass(frozen=True)
class Figure:
    """One line of a table: a count, and (when it has one) the count it is a share of."""

    code: str
    label: StrOrPromise
    count: int
    shown: str
    base: int | None = None
    base_shown: str = ""
    share: float | None = None
    share_shown: str = ""


@dataclass(frozen=True)
class Section:
    """A table of figures; `chart` says what its chart draws ("count", "share" or none)."""

    code: str
    title: StrOrPromise
    description: StrOrPromise
    item_header: StrOrPromise
    count_header: StrOrPromise
    rows: list[Figure]
    base_header: StrOrPromise = ""
    chart: str = ""

    @property
    def has_shares(self) -> bool:
        return any(row.base is not None for row in self.rows)


@dataclass(frozen=True)
class Median:
    n: int
    shown: str
    median: float | None


class Counting:
    """Turns counts into figures, suppressed or not."""

    def __init__(self, suppressed: bool) -> None:
        self.suppressed = suppressed

    def shown(self, count: int) -> str:
        return suppress(count) if self.suppressed else str(count)

    def share(self, part: int, whole: int) -> tuple[float | None, str]:
        if whole == 0:
            return None, NOT_AVAILABLE
        if self.suppressed and SUPPRESSED in (
            suppress(part),
            suppress(whole),
            suppress(whole - part),
        ):
            return None, SUPPRESSED
        if self.suppressed:
            part, whole = int(suppress(part)), int(suppress(whole))
        share = part / whole
        return share, f"{round(share * 100)}%"

    def average(self, total: int, n: int) -> tuple[float | None, str]:
        """An average per person (e.g. contact attempts) to one place. For those who see
        aggregates only, like a median only of 8 or more people, and (like a share) of the
        rounded total and number they would see, never the exact ones."""
        if n == 0:
            return None, NOT_AVAILABLE
        if self.suppressed:
            if n < MEDIAN_MINIMUM or SUPPRESSED in (suppress(total), suppress(n)):
                return None, SUPPRESSED
            total, n = int(suppress(total)), int(suppress(n))
        average = total / n
        return average, f"{average:.1f}"

    def figure(self, code: str, label: StrOrPromise, count: int, base: int | None = None) -> Figure:
        if base is None:
            return Figure(code=code, label=label, count=count, shown=self.shown(count))
        share, share_shown = self.share(count, base)
        return Figure(
            code=code,
            label=label,
            count=count,
            shown=self.shown(count),
            base=base,
            base_shown=self.shown(base),
            share=share,
            share_shown=share_shown,
        )

    def median(self, values: list[int]) -> Median:
        enough = len(values) >= (MEDIAN_MINIMUM if self.suppressed else 1)
        return Median(
            n=len(values),
            shown=self.shown(len(values)),
            median=statistics.median(values) if values and enough else None,
        )


def section_chart(section: Section) -> str:
    """The section's bar chart (SVG): counts, or shares in per cent; a suppressed bar is 0."""
    bars = []
    for row in section.rows:
        if section.chart == "share":
            value = (row.share or 0.0) * 100
            shown = row.share_shown
        else:
            value = 0.0 if row.shown == SUPPRESSED else float(row.shown)
            shown = row.shown
        bars.append(Bar(label=str(row.label), value=value, shown=shown))
    return horizontal_bar_chart(
        bars,
        title=str(section.title),
        description=str(section.description),
        chart_id=f"chart-{section.code}",
    )
