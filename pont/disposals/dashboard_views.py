"""The out-of-court disposals dashboard (figures only, no one named) and its CSV."""

from typing import Any

from django import forms
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from pont.accounts.http import AuthenticatedRequest
from pont.accounts.roles import VIEW_DISPOSAL_DASHBOARD
from pont.core.decorators import capability_required
from pont.core.exports import csv_attachment
from pont.core.figures import section_chart
from pont.core.forms import first_day_of, month_field, next_month
from pont.referrals.funnel import aggregate_only

from . import dashboard as dashboard_module


class DashboardFilterForm(forms.Form):
    """An area, and a period of whole months of issue (both ends included, either open)."""

    start = month_field(gettext_lazy("From (month)"))
    end = month_field(gettext_lazy("To (month)"))
    area = forms.ChoiceField(
        label=gettext_lazy("Area"),
        required=False,
        error_messages={"invalid_choice": gettext_lazy("Select an area from the list.")},
    )

    def __init__(self, *args: Any, areas: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["area"]
        assert isinstance(field, forms.ChoiceField)  # noqa: S101 - declared above
        field.choices = [("", gettext_lazy("All areas")), *areas]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and end < start:
            self.add_error(
                "end", _("The end of the period must be the same as or after its start.")
            )
        return cleaned

    def filters(self) -> dashboard_module.DashboardFilters:
        if not self.is_bound:
            return dashboard_module.DashboardFilters()
        data = self.cleaned_data
        return dashboard_module.DashboardFilters(
            area_id=int(data["area"]) if data.get("area") else None,
            start=first_day_of(data["start"]) if data.get("start") else None,
            end=next_month(first_day_of(data["end"])) if data.get("end") else None,
        )


def _dashboard(
    request: AuthenticatedRequest,
) -> tuple[DashboardFilterForm, dashboard_module.Dashboard | None]:
    """The filter form and, when it is valid, the figures it selects."""
    scope = dashboard_module.dashboard_scope(user=request.user)
    form = DashboardFilterForm(request.GET or None, areas=dashboard_module.area_choices(scope))
    if form.is_bound and not form.is_valid():
        return form, None
    result = dashboard_module.compute_dashboard(
        scope, filters=form.filters(), suppressed=aggregate_only(request.user)
    )
    return form, result


def _dashboard_page(
    request: AuthenticatedRequest,
    form: DashboardFilterForm,
    result: dashboard_module.Dashboard | None,
) -> HttpResponse:
    sections = [
        (section, section_chart(section) if section.chart and section.rows else "")
        for section in (result.sections if result else [])
    ]
    return render(
        request,
        "disposals/dashboard.html",
        {
            "form": form,
            "dashboard": result,
            "sections": sections,
            "query": request.GET.urlencode(),
        },
        status=200 if result is not None else 400,
    )


@capability_required(VIEW_DISPOSAL_DASHBOARD)
@require_GET
def dashboard(request: AuthenticatedRequest) -> HttpResponse:
    form, result = _dashboard(request)
    return _dashboard_page(request, form, result)


@capability_required(VIEW_DISPOSAL_DASHBOARD)
@require_GET
def dashboard_csv(request: AuthenticatedRequest) -> HttpResponse:
    """The same figures as the page, as (measure, value) rows. Like the custody dashboard's
    CSV it holds aggregates only (suppressed for the commissioner's office), so it is not an
    audited disclosure of anyone's personal data."""
    form, result = _dashboard(request)
    if result is None:
        return _dashboard_page(request, form, result)
    return csv_attachment(
        "pont-out-of-court-disposals.csv", ["measure", "value"], dashboard_module.csv_rows(result)
    )
