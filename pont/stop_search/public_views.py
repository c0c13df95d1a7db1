"""The public page of stop and search figures: no sign-in, Welsh and English, small numbers
suppressed. Shows the searches of the force (Dyfed-Powys) recorded in Pont and imported
from police.uk."""

from dataclasses import dataclass

from django import forms
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from pont.core.charts import Bar, horizontal_bar_chart

from . import figures
from .models import Search, SelfDefinedEthnicity

PUBLIC = True


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


def _group_lines(result: figures.rates.Disproportionality) -> list[GroupLine]:
    names = dict(SelfDefinedEthnicity.Group.choices)
    lines = []
    white = next(row for row in result.groups if row.group == figures.rates.REFERENCE_GROUP)
    for row in result.groups:
        rate = ratio = linked = "–"
        if row.rate is not None and figures.showable(row.searches, public=PUBLIC):
            rate = _number(row.rate, 2)
        if (
            row.ratio is not None
            and row.ratio_interval is not None
            and figures.showable(row.searches, white.searches, public=PUBLIC)
        ):
            ratio = _("%(ratio)s (%(low)s to %(high)s)") % {
                "ratio": _number(row.ratio, 1),
                "low": _number(row.ratio_interval.low, 1),
                "high": _number(row.ratio_interval.high, 1),
            }
        if (
            row.linked_share is not None
            and row.linked_interval is not None
            and figures.showable(row.searches, row.linked, row.searches - row.linked, public=PUBLIC)
        ):
            linked = _("%(share)s%% (%(low)s%% to %(high)s%%)") % {
                "share": round(row.linked_share * 100),
                "low": round(row.linked_interval.low * 100),
                "high": round(row.linked_interval.high * 100),
            }
        lines.append(
            GroupLine(
                label=str(names.get(row.group, row.group)),
                searches=figures.disclosed(row.searches, public=PUBLIC),
                population=f"{row.population:,}",
                rate=rate,
                ratio=ratio,
                linked=linked,
            )
        )
    return lines


def _chart(title: str, description: str, chart_id: str, items: list[tuple[str, int]]) -> str:
    bars = []
    for label, count in items:
        shown = figures.disclosed(count, public=PUBLIC)
        value = 0.0 if shown == figures.SUPPRESSED else float(shown)
        bars.append(Bar(label=label, value=value, shown=shown))
    return horizontal_bar_chart(bars, title=title, description=description, chart_id=chart_id)


@login_not_required
@require_GET
def public_figures(request: HttpRequest) -> HttpResponse:
    """Searches by month and county, outcomes, the linked-outcome rate and disproportionality."""
    form = BasisForm(request.GET or None, initial={"basis": figures.CURRENT})
    if form.is_bound and not form.is_valid():
        return render(request, "stop_search/public.html", {"form": form}, status=400)
    basis = (form.cleaned_data.get("basis") if form.is_bound else "") or figures.CURRENT
    result = figures.compute(Search.objects.all(), basis=basis)
    months = [
        (
            row.label,
            figures.disclosed(row.searches, public=PUBLIC),
            figures.disclosed(row.found, public=PUBLIC),
            figures.disclosed(row.linked, public=PUBLIC),
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
            _group_lines(result.disproportionality[key]),
            figures.disclosed(result.disproportionality[key].not_stated, public=PUBLIC),
        )
        for label, key in areas
        if key in result.disproportionality
    ]
    linked_share = (
        f"{round(result.linked * 100 / result.total)}%"
        if result.total and figures.showable(result.linked, result.total, public=PUBLIC)
        else "–"
    )
    return render(
        request,
        "stop_search/public.html",
        {
            "form": form,
            "result": result,
            "total": figures.disclosed(result.total, public=PUBLIC),
            "linked_share": linked_share,
            "months": months,
            "month_chart": _chart(
                _("Searches by month"),
                _("How many searches were made in each month."),
                "chart-months",
                [(row.label, row.searches) for row in result.by_month],
            ),
            "counties": [(name, figures.disclosed(n, public=PUBLIC)) for name, n in counties],
            "outcomes": [
                (label, figures.disclosed(n, public=PUBLIC)) for _code, label, n in result.outcomes
            ],
            "outcome_chart": _chart(
                _("Outcomes of searches"),
                _("What happened after each search."),
                "chart-outcomes",
                [(str(label), n) for _code, label, n in result.outcomes],
            ),
            "disproportionality": disproportionality,
        },
    )
