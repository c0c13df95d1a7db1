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
from pont.accounts.models import Organisation
from pont.accounts.roles import VIEW_SEARCH_AUDIT, VIEW_SEARCHES
from pont.accounts.selectors import overseen_force_ids_for
from pont.audit import services as audit
from pont.core.charts import Bar, horizontal_bar_chart
from pont.core.decorators import capability_required
from pont.core.figures import NOT_AVAILABLE, SUPPRESSED, Counting
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
    """Each group's line: its rate, its ratio to the White rate and the outcome test worked out
    again from the counts as the page shows them (rounded in public views, never the exact
    ones, which a rate and the published population would give back), and * where a count
    they come from is suppressed."""
    rates = figures.rates
    names = dict(SelfDefinedEthnicity.Group.choices)

    def shown(count: int) -> int | None:
        return figures.shown_count(count, public=public)

    # A suppressed count counts as 0 here; whatever is made from it is shown as * below.
    on_shown = {
        row.group: row
        for row in rates.disproportionality(
            {row.group: shown(row.searches) or 0 for row in result.groups},
            {row.group: shown(row.linked) or 0 for row in result.groups},
            {row.group: row.population for row in result.groups},
        ).groups
    }
    white = next(row for row in result.groups if row.group == rates.REFERENCE_GROUP)
    lines = []
    for row in result.groups:
        worked = on_shown[row.group]
        searches_hidden = shown(row.searches) is None
        rate = ratio = linked = NOT_AVAILABLE
        if searches_hidden:
            rate = SUPPRESSED
        elif worked.rate is not None:
            rate = _number(worked.rate, 2)
        if searches_hidden or shown(white.searches) is None:
            ratio = SUPPRESSED
        elif worked.ratio is not None and worked.ratio_interval is not None:
            ratio = _("%(ratio)s (%(low)s to %(high)s)") % {
                "ratio": _number(worked.ratio, 1),
                "low": _number(worked.ratio_interval.low, 1),
                "high": _number(worked.ratio_interval.high, 1),
            }
        # Those linked, and those not: a share of 100% less a suppressed few gives them away.
        if None in (shown(row.searches), shown(row.linked), shown(row.searches - row.linked)):
            linked = SUPPRESSED
        elif worked.linked_share is not None and worked.linked_interval is not None:
            linked = _("%(share)s%% (%(low)s%% to %(high)s%%)") % {
                "share": round(worked.linked_share * 100),
                "low": round(worked.linked_interval.low * 100),
                "high": round(worked.linked_interval.high * 100),
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
        value = 0.0 if shown == SUPPRESSED else float(shown)
        bars.append(Bar(label=label, value=value, shown=shown))
    # At its own size (text 16px), in a region that scrolls sideways on a narrow screen.
    return horizontal_bar_chart(
        bars, title=title, description=description, chart_id=chart_id, scale_to_fit=False
    )


def figures_context(result: figures.Figures, *, public: bool) -> dict[str, Any]:
    """What the figures pages show of the figures: counts disclosed (suppressed if public),
    rates, ratios and shares worked out from the counts as shown (* where one is suppressed),
    and charts with their tables."""
    months = [
        (
            row.label,
            figures.disclosed(row.searches, public=public),
            figures.disclosed(row.found, public=public),
            figures.disclosed(row.linked, public=public),
        )
        for row in result.by_month
    ]
    # Counties by their names in the page's language ("Sir Gaerfyrddin" on a Welsh page).
    shown_names = {
        area.name: area.display_name
        for area in Organisation.objects.filter(
            kind=Organisation.Kind.AREA, name__in=[name for name, _n in result.by_county if name]
        )
    }
    counties = [
        (shown_names.get(name, name) or _("No county recorded (police.uk data)"), count)
        for name, count in result.by_county
    ]
    areas = [(_("Dyfed-Powys (the four counties)"), figures.FORCE)] + [
        (shown_names.get(name, name), name) for name, _count in result.by_county if name
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
    # Of the rounded counts shown in public views, never the exact ones (`core.figures`).
    _share, linked_share = Counting(suppressed=public).share(result.linked, result.total)
    county_names = [name for name, _count in result.by_county]
    trend = [
        (label, [figures.disclosed(counts.get(name, 0), public=public) for name in county_names])
        for _month, label, counts in result.by_county_month
    ]
    # Outcomes, largest first by what the page shows: suppressed ones by name, so that their
    # order says nothing of their sizes; one with no outcome recorded named as such.
    outcomes = sorted(
        (
            (label or _("Not recorded"), n, figures.disclosed(n, public=public))
            for _code, label, n in result.outcomes
        ),
        key=lambda row: (-int(row[2]) if row[2].isdigit() else 0, str(row[0])),
    )
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
        "outcomes": [(label, shown) for label, _n, shown in outcomes],
        "outcome_chart": _chart(
            _("Outcomes of searches"),
            _("What happened after each search."),
            "chart-outcomes",
            [(str(label), n) for label, n, _shown in outcomes],
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
