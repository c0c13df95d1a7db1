"""Stop and search figures: the public page (no sign-in, Welsh and English, small numbers
suppressed) and the staff page (the same figures for chosen months, with the trend by month
and county; suppressed too for the commissioner's office, which sees aggregates only).
Both show the searches of the force (Dyfed-Powys) recorded in Pont and imported from
police.uk, counted from the roll-up (`figures`, `tallies`).
"""

from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_not_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from pont.accounts.http import AuthenticatedRequest
from pont.accounts.roles import VIEW_SEARCH_AUDIT, VIEW_SEARCHES
from pont.accounts.selectors import overseen_force_ids_for
from pont.audit import services as audit
from pont.core.charts import Bar, horizontal_bar_chart
from pont.core.decorators import capability_required
from pont.core.forms import first_day_of, month_field, next_month
from pont.referrals.funnel import aggregate_only

from . import figures, selectors
from .models import SelfDefinedEthnicity


class BasisForm(forms.Form):
    basis = forms.ChoiceField(
        label=gettext_lazy("Which outcome to count"),
        choices=[
            (figures.CURRENT, gettext_lazy("The outcome now, including later changes")),
            (figures.AT_SEARCH, gettext_lazy("The outcome recorded at the time of the search")),
        ],
        required=False,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": gettext_lazy("Select which outcome to count")},
    )


@dataclass(frozen=True)
class GroupLine:
    label: str
    searches: str
    population: str
    rate: str
    ratio: str
    linked: str


def _number(value: float, places: int) -> str:
    return f"{value:.{places}f}"


def _group_lines(result: figures.rates.Disproportionality, public: bool) -> list[GroupLine]:
    names = dict(SelfDefinedEthnicity.Group.choices)
    lines = []
    white = next(row for row in result.groups if row.group == figures.rates.REFERENCE_GROUP)
    for row in result.groups:
        rate = ratio = linked = "–"
        if row.rate is not None and figures.showable(row.searches, public=public):
            rate = _number(row.rate, 2)
        if (
            row.ratio is not None
            and row.ratio_interval is not None
            and figures.showable(row.searches, white.searches, public=public)
        ):
            ratio = _("%(ratio)s (%(low)s to %(high)s)") % {
                "ratio": _number(row.ratio, 1),
                "low": _number(row.ratio_interval.low, 1),
                "high": _number(row.ratio_interval.high, 1),
            }
        if (
            row.linked_share is not None
            and row.linked_interval is not None
            and figures.showable(row.searches, row.linked, row.searches - row.linked, public=public)
        ):
            linked = _("%(share)s%% (%(low)s%% to %(high)s%%)") % {
                "share": round(row.linked_share * 100),
                "low": round(row.linked_interval.low * 100),
                "high": round(row.linked_interval.high * 100),
            }
        lines.append(
            GroupLine(
                label=str(names.get(row.group, row.group)),
                searches=figures.disclosed(row.searches, public=public),
                population=f"{row.population:,}",
                rate=rate,
                ratio=ratio,
                linked=linked,
            )
        )
    return lines


def _chart(
    title: str, description: str, chart_id: str, items: list[tuple[str, int]], public: bool
) -> str:
    bars = []
    for label, count in items:
        shown = figures.disclosed(count, public=public)
        value = 0.0 if shown == figures.SUPPRESSED else float(shown)
        bars.append(Bar(label=label, value=value, shown=shown))
    return horizontal_bar_chart(bars, title=title, description=description, chart_id=chart_id)


def figures_context(result: figures.Figures, *, public: bool) -> dict[str, Any]:
    """What the figures pages show of the figures: counts disclosed (suppressed if public),
    rates only where the counts they come from are shown, and charts with their tables."""
    months = [
        (
            row.label,
            figures.disclosed(row.searches, public=public),
            figures.disclosed(row.found, public=public),
            figures.disclosed(row.linked, public=public),
        )
        for row in result.by_month
    ]
    counties = [
        (name or _("No county recorded (police.uk data)"), count)
        for name, count in result.by_county
    ]
    areas = [(_("Dyfed-Powys (the four counties)"), figures.FORCE)] + [
        (name, name) for name, _count in result.by_county if name
    ]
    disproportionality = [
        (
            label,
            _group_lines(result.disproportionality[key], public),
            figures.disclosed(result.disproportionality[key].not_stated, public=public),
        )
        for label, key in areas
        if key in result.disproportionality
    ]
    linked_share = (
        f"{round(result.linked * 100 / result.total)}%"
        if result.total and figures.showable(result.linked, result.total, public=public)
        else "–"
    )
    county_names = [name for name, _count in result.by_county]
    trend = [
        (label, [figures.disclosed(counts.get(name, 0), public=public) for name in county_names])
        for _month, label, counts in result.by_county_month
    ]
    return {
        "result": result,
        "trend_counties": [name for name, _count in counties],
        "trend": trend,
        "total": figures.disclosed(result.total, public=public),
        "linked_share": linked_share,
        "months": months,
        "month_chart": _chart(
            _("Searches by month"),
            _("How many searches were made in each month."),
            "chart-months",
            [(row.label, row.searches) for row in result.by_month],
            public,
        ),
        "counties": [(name, figures.disclosed(n, public=public)) for name, n in counties],
        "outcomes": [
            (label, figures.disclosed(n, public=public)) for _code, label, n in result.outcomes
        ],
        "outcome_chart": _chart(
            _("Outcomes of searches"),
            _("What happened after each search."),
            "chart-outcomes",
            [(str(label), n) for _code, label, n in result.outcomes],
            public,
        ),
        "disproportionality": disproportionality,
    }


@login_not_required
@require_GET
def public_figures(request: HttpRequest) -> HttpResponse:
    """Searches by month and county, outcomes, the linked-outcome rate and disproportionality."""
    form = BasisForm(request.GET or None, initial={"basis": figures.CURRENT})
    if form.is_bound and not form.is_valid():
        return render(request, "stop_search/public.html", {"form": form}, status=400)
    basis = (form.cleaned_data.get("basis") if form.is_bound else "") or figures.CURRENT
    result = figures.compute(basis=basis)
    return render(
        request,
        "stop_search/public.html",
        {"form": form, **figures_context(result, public=True)},
    )


class StaffFiguresForm(BasisForm):
    since = month_field(gettext_lazy("From (month)"))
    until = month_field(gettext_lazy("To (month)"))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        if since and until and first_day_of(until) < first_day_of(since):
            self.add_error("until", gettext_lazy("The last month must not be before the first."))
        return data


@capability_required(VIEW_SEARCHES, VIEW_SEARCH_AUDIT)
@require_GET
def staff_figures(request: AuthenticatedRequest) -> HttpResponse:
    """The figures for chosen months, with the trend by month and county: the force's own
    searches for its staff; those of the forces it oversees, small numbers suppressed, for the
    commissioner's office (which sees aggregates only)."""
    form = StaffFiguresForm(request.GET or None, initial={"basis": figures.CURRENT})
    if form.is_bound and not form.is_valid():
        return render(request, "stop_search/figures.html", {"form": form}, status=400)
    data = form.cleaned_data if form.is_bound else {}
    own = selectors.force_ids_for(user=request.user)
    public = aggregate_only(request.user) or not own
    result = figures.compute(
        basis=data.get("basis") or figures.CURRENT,
        controller_ids=own or overseen_force_ids_for(user=request.user),
        first=first_day_of(data["since"]) if data.get("since") else None,
        after=next_month(first_day_of(data["until"])) if data.get("until") else None,
    )
    with transaction.atomic():
        audit.record(
            actor=request.user,
            operation=audit.Operation.CONSULTATION,
            object_type="stop_search.figures",
            detail={"searches": result.total, "suppressed": public},
        )
    return render(
        request,
        "stop_search/figures.html",
        {"form": form, "suppressed": public, **figures_context(result, public=public)},
    )
