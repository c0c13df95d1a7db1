"""The figures of the monthly audit of searches: coverage, agreement, ratings and themes.

Read once per table from the samples in the user's scope, then counted in
Python. Coverage is of the month's searches at the draw (the sample's
`population`), and of the sampled searches reviewed by each kind of reviewer.
Agreement is over the sampled searches that both reviewers have reviewed
(`agreement.cohen_kappa`). Ratings count each recorded review, so a search
reviewed by both inspectors counts twice. Officers are named only to the force's
own staff; the commissioner's office sees them as "Officer 1", "Officer 2"...
numbered by how many reviews they have (most first), never by name.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from pont.accounts.models import Organisation, User
from pont.core.forms import month_shown

from .agreement import Agreement, cohen_kappa, cross_table
from .models import AuditSample, SampledSearch, SearchReview, SearchReviewTheme

NOT_AVAILABLE = "–"
Kind = SearchReview.Kind
Rating = SearchReview.Rating
Grounds = SearchReview.GroundsReasonable


@dataclass(frozen=True)
class Filters:
    start: date | None = None  # the first month counted
    end: date | None = None  # the last month counted (its first day)


@dataclass(frozen=True)
class CoverageRow:
    code: str
    label: StrOrPromise
    searches: int
    sampled: int
    always: int
    local: int
    independent: int

    @property
    def sampled_share(self) -> str:
        return percent(self.sampled, self.searches)

    @property
    def local_share(self) -> str:
        return percent(self.local, self.sampled)

    @property
    def independent_share(self) -> str:
        return percent(self.independent, self.sampled)


@dataclass(frozen=True)
class AgreementRow:
    code: str
    label: StrOrPromise
    agreement: Agreement
    categories: list[tuple[str, StrOrPromise]]
    # local answer -> counts by independent answer, and the row total
    table: list[tuple[StrOrPromise, list[int], int]]

    @property
    def percent_shown(self) -> str:
        agreement = self.agreement
        return percent(agreement.agreed, agreement.n)

    @property
    def kappa_shown(self) -> str:
        value = self.agreement.kappa_value
        return NOT_AVAILABLE if value is None else f"{value:.2f}"


@dataclass(frozen=True)
class RatingRow:
    code: str
    label: StrOrPromise
    red: int
    amber: int
    green: int

    @property
    def total(self) -> int:
        return self.red + self.amber + self.green

    @property
    def red_or_amber_share(self) -> float | None:
        return (self.red + self.amber) / self.total if self.total else None

    @property
    def red_or_amber_shown(self) -> str:
        return percent(self.red + self.amber, self.total)


@dataclass(frozen=True)
class ThemeRow:
    code: str
    label: StrOrPromise
    by_month: list[int]
    total: int


@dataclass
class AuditDashboard:
    months: list[tuple[str, StrOrPromise]]
    coverage: list[CoverageRow]
    total: CoverageRow
    agreements: list[AgreementRow]
    by_area: list[RatingRow]
    by_officer: list[RatingRow]
    themes: list[ThemeRow]
    officers_named: bool
    by_code: dict[str, AgreementRow] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.by_code = {row.code: row for row in self.agreements}


def _whole_percent(part: int, whole: int) -> int:
    """The share as a whole percentage, halves rounded up (5 of 8 is 63), `whole` not 0."""
    return (part * 200 + whole) // (2 * whole)


def percent(part: int, whole: int) -> str:
    """The share as a whole percentage, halves rounded up (5 of 8 is 63%)."""
    return NOT_AVAILABLE if whole == 0 else f"{_whole_percent(part, whole)}%"


def filtered(samples: QuerySet[AuditSample], filters: Filters) -> QuerySet[AuditSample]:
    if filters.start is not None:
        samples = samples.filter(month__gte=filters.start)
    if filters.end is not None:
        samples = samples.filter(month__lte=filters.end)
    return samples


def _ratings(keys: dict[int, Any], reviews: list[dict[str, Any]]) -> dict[Any, Counter[str]]:
    """Each key's count of ratings (the key of a review's sampled search: area or officer)."""
    counts: dict[Any, Counter[str]] = defaultdict(Counter)
    for review in reviews:
        counts[keys[review["sampled_id"]]][review["rating"]] += 1
    return counts


def _rating_row(code: str, label: StrOrPromise, counts: Counter[str]) -> RatingRow:
    return RatingRow(
        code=code,
        label=label,
        red=counts[Rating.RED],
        amber=counts[Rating.AMBER],
        green=counts[Rating.GREEN],
    )


def compute(
    samples: QuerySet[AuditSample], *, filters: Filters, officers_named: bool
) -> AuditDashboard:
    """Every figure of the audit dashboard for the samples in scope and the months chosen."""
    chosen = filtered(samples, filters)
    sample_rows = list(chosen.order_by().values("pk", "month", "population"))
    sampled_rows = list(
        SampledSearch.objects.filter(sample__in=chosen.values("pk"))
        .order_by()
        .values("pk", "sample__month", "reason", "search__area_id", "search__officer_id")
    )
    reviews: list[dict[str, Any]] = [
        dict(row)
        for row in SearchReview.objects.filter(
            sampled__sample__in=chosen.values("pk"), reviewed_at__isnull=False
        )
        .order_by()
        .values("pk", "sampled_id", "kind", "grounds_reasonable", "rating")
    ]
    review_ids = [review["pk"] for review in reviews]
    through = SearchReview.themes.through
    cited = list(
        through.objects.filter(searchreview_id__in=review_ids).values_list(
            "searchreview_id", "searchreviewtheme__code"
        )
    )

    # Coverage, month by month ------------------------------------------------------------
    month_of_sampled = {row["pk"]: row["sample__month"] for row in sampled_rows}
    searches: Counter[date] = Counter()
    for row in sample_rows:
        searches[row["month"]] += row["population"]
    sampled: Counter[date] = Counter(row["sample__month"] for row in sampled_rows)
    always: Counter[date] = Counter(
        row["sample__month"]
        for row in sampled_rows
        if row["reason"] == SampledSearch.Reason.STRIP_SEARCH
    )
    reviewed: dict[str, Counter[date]] = {kind: Counter() for kind in Kind.values}
    for review in reviews:
        reviewed[review["kind"]][month_of_sampled[review["sampled_id"]]] += 1
    months = sorted(searches)
    coverage = [
        CoverageRow(
            code=f"{month:%Y-%m}",
            label=month_shown(month),
            searches=searches[month],
            sampled=sampled[month],
            always=always[month],
            local=reviewed[Kind.LOCAL][month],
            independent=reviewed[Kind.INDEPENDENT][month],
        )
        for month in months
    ]
    total = CoverageRow(
        code="all",
        label=_("All months"),
        searches=sum(searches.values()),
        sampled=sum(sampled.values()),
        always=sum(always.values()),
        local=sum(reviewed[Kind.LOCAL].values()),
        independent=sum(reviewed[Kind.INDEPENDENT].values()),
    )

    # Agreement between the two inspectors ----------------------------------------------------
    by_sampled: dict[int, dict[str, dict[str, Any]]] = defaultdict(dict)
    for review in reviews:
        by_sampled[review["sampled_id"]][review["kind"]] = review
    both = [
        (pair[Kind.LOCAL], pair[Kind.INDEPENDENT])
        for _pk, pair in sorted(by_sampled.items())
        if len(pair) == 2
    ]
    agreements = []
    for code, label, answer, choices in (
        ("grounds", _("Grounds reasonable"), "grounds_reasonable", Grounds.choices),
        ("rating", _("Rating (red, amber, green)"), "rating", Rating.choices),
    ):
        pairs = [(local[answer], independent[answer]) for local, independent in both]
        values = [value for value, _label in choices]
        labels = dict(choices)
        agreements.append(
            AgreementRow(
                code=code,
                label=label,
                agreement=cohen_kappa(pairs),
                categories=list(choices),
                table=[
                    (labels[first], counts, row_total)
                    for first, counts, row_total in cross_table(pairs, values)
                ],
            )
        )

    # Ratings by area and by officer ------------------------------------------------------------
    area_of = {row["pk"]: row["search__area_id"] for row in sampled_rows}
    officer_of = {row["pk"]: row["search__officer_id"] for row in sampled_rows}
    area_counts = _ratings(area_of, reviews)
    areas = {
        o.pk: o.display_name
        for o in Organisation.objects.filter(pk__in=[k for k in area_counts if k is not None])
    }
    by_area = sorted(
        (
            _rating_row(
                str(pk or "none"),
                areas.get(pk, NOT_AVAILABLE) if pk else _("Area not recorded (police.uk)"),
                counts,
            )
            for pk, counts in area_counts.items()
        ),
        key=lambda row: (row.code == "none", str(row.label)),
    )
    officer_counts = _ratings(officer_of, reviews)
    by_officer: list[RatingRow] = []
    unknown = officer_counts.pop(None, None)
    if officers_named:
        names = {
            user.pk: user.get_full_name() or user.username
            for user in User.objects.filter(pk__in=list(officer_counts))
        }
        by_officer = sorted(
            (_rating_row(str(pk), names[pk], counts) for pk, counts in officer_counts.items()),
            key=lambda row: str(row.label),
        )
    else:
        ranked = sorted(officer_counts.items(), key=lambda item: (-item[1].total(), item[0]))
        by_officer = [
            _rating_row(f"officer-{n}", _("Officer %(n)s") % {"n": n}, counts)
            for n, (_pk, counts) in enumerate(ranked, start=1)
        ]
    if unknown is not None:
        by_officer.append(_rating_row("none", _("Officer not recorded (police.uk)"), unknown))

    # Themes over time --------------------------------------------------------------------
    month_of_review = {review["pk"]: month_of_sampled[review["sampled_id"]] for review in reviews}
    theme_months: dict[str, Counter[date]] = defaultdict(Counter)
    for review_id, code in cited:
        theme_months[code][month_of_review[review_id]] += 1
    theme_labels: dict[str, StrOrPromise] = {
        row.code: row.label for row in SearchReviewTheme.objects.order_by("code", "effective_from")
    }
    themes = sorted(
        (
            ThemeRow(
                code=code,
                label=theme_labels.get(code, code),
                by_month=[counts[month] for month in months],
                total=sum(counts.values()),
            )
            for code, counts in theme_months.items()
        ),
        key=lambda row: (-row.total, str(row.label)),
    )
    return AuditDashboard(
        months=[(f"{month:%Y-%m}", month_shown(month)) for month in months],
        coverage=coverage,
        total=total,
        agreements=agreements,
        by_area=by_area,
        by_officer=by_officer,
        themes=themes,
        officers_named=officers_named,
    )


def _share(part: int, whole: int) -> str:
    """A share in the CSV: the page's percentage (`percent`) from 0 to 1 (5 of 8 is 0.63, as
    the page's 63%), empty when there is nothing to share."""
    return "" if whole == 0 else f"{_whole_percent(part, whole) / 100:.2f}"


def csv_rows(dashboard: AuditDashboard) -> list[tuple[str, str, str]]:
    """The dashboard as (measure, value, label) rows: exactly the figures the page shows, the
    measure in codes (the same in every language), the label in the reader's language.
    Shares are 0 to 1; a kappa may be negative; a value with nothing to show is empty."""
    rows: list[tuple[str, str, str]] = []
    for row in [*dashboard.coverage, dashboard.total]:
        measure, label = f"coverage:{row.code}", str(row.label)
        rows += [
            (f"{measure}:searches", str(row.searches), label),
            (f"{measure}:sampled", str(row.sampled), label),
            (f"{measure}:sampled:share", _share(row.sampled, row.searches), label),
            (f"{measure}:always_included", str(row.always), label),
            (f"{measure}:reviewed_local", str(row.local), label),
            (f"{measure}:reviewed_local:share", _share(row.local, row.sampled), label),
            (f"{measure}:reviewed_independent", str(row.independent), label),
            (f"{measure}:reviewed_independent:share", _share(row.independent, row.sampled), label),
        ]
    for agreement in dashboard.agreements:
        measure, label = f"agreement:{agreement.code}", str(agreement.label)
        kappa = agreement.agreement.kappa_value
        rows += [
            (f"{measure}:reviewed_by_both", str(agreement.agreement.n), label),
            (f"{measure}:same_answer", str(agreement.agreement.agreed), label),
            (
                f"{measure}:share",
                _share(agreement.agreement.agreed, agreement.agreement.n),
                label,
            ),
            (f"{measure}:kappa", "" if kappa is None else f"{kappa:.2f}", label),
        ]
        # The cross table's rows are the categories in their order (agreement.cross_table).
        for (local, local_label), (_row_label, counts, _total) in zip(
            agreement.categories, agreement.table, strict=True
        ):
            for (independent, independent_label), count in zip(
                agreement.categories, counts, strict=True
            ):
                rows.append(
                    (
                        f"{measure}:local:{local}:independent:{independent}",
                        str(count),
                        f"{label}: {local_label} / {independent_label}",
                    )
                )
    for section, ratings in (("area", dashboard.by_area), ("officer", dashboard.by_officer)):
        for rating in ratings:
            measure, label = f"ratings_by_{section}:{rating.code}", str(rating.label)
            red_or_amber = _share(rating.red + rating.amber, rating.total)
            rows += [
                (f"{measure}:red", str(rating.red), label),
                (f"{measure}:amber", str(rating.amber), label),
                (f"{measure}:green", str(rating.green), label),
                (f"{measure}:red_or_amber:share", red_or_amber, label),
            ]
    for theme in dashboard.themes:
        measure, label = f"theme:{theme.code}", str(theme.label)
        for (month, _month_label), count in zip(dashboard.months, theme.by_month, strict=True):
            rows.append((f"{measure}:{month}", str(count), label))
        rows.append((f"{measure}:all", str(theme.total), label))
    return rows
