"""Oversight of Test on Arrest: the custody dashboard (figures only, no one named) and the
custody inspector's monthly quality-assurance sample of test records."""

import random
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, DateField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import TruncMonth
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from pont.accounts.http import AuthenticatedRequest
from pont.accounts.roles import REVIEW_DRUG_TESTS, VIEW_DRUG_TESTING_DASHBOARD
from pont.core.decorators import capability_required
from pont.core.exceptions import ApplicationError, NotFoundError
from pont.core.exports import csv_attachment
from pont.core.figures import section_chart
from pont.core.forms import (
    apply_application_error,
    first_day_of,
    month_field,
    month_shown,
    next_month,
)
from pont.core.refusals import not_found
from pont.people.services import people_shown
from pont.referrals.funnel import aggregate_only

from . import dashboard as dashboard_module
from . import selectors, services
from .forms import QaDrawForm, QaReviewForm
from .models import DrugTest, QaReview, QaSample


class DashboardFilterForm(forms.Form):
    """A suite, and a month or a period of whole months (both ends included)."""

    suite = forms.ChoiceField(
        label=gettext_lazy("Custody suite"),
        required=False,
        error_messages={"invalid_choice": gettext_lazy("Select a custody suite from the list.")},
    )
    month = month_field(gettext_lazy("Month"))
    start = month_field(gettext_lazy("Or from (month)"))
    end = month_field(gettext_lazy("To (month)"))

    def __init__(self, *args: Any, suites: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["suite"]
        assert isinstance(field, forms.ChoiceField)  # noqa: S101 - declared above
        field.choices = [("", gettext_lazy("All custody suites")), *suites]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        month, start, end = (cleaned.get(name) for name in ("month", "start", "end"))
        if month and (start or end):
            self.add_error("month", _("Enter a month or a period, not both."))
        elif start and end and end < start:
            self.add_error(
                "end", _("The end of the period must be the same as or after its start.")
            )
        return cleaned

    def filters(self) -> dashboard_module.DashboardFilters:
        if not self.is_bound:
            return dashboard_module.DashboardFilters()
        data = self.cleaned_data
        suite_id = int(data["suite"]) if data.get("suite") else None
        if data.get("month"):
            first = first_day_of(data["month"])
            return dashboard_module.DashboardFilters(
                suite_id=suite_id, start=first, end=next_month(first)
            )
        return dashboard_module.DashboardFilters(
            suite_id=suite_id,
            start=first_day_of(data["start"]) if data.get("start") else None,
            end=next_month(first_day_of(data["end"])) if data.get("end") else None,
        )


# The dashboard --------------------------------------------------------------------


def _dashboard(
    request: AuthenticatedRequest,
) -> tuple[DashboardFilterForm, dashboard_module.Dashboard | None]:
    """The filter form and, when it is valid, the figures it selects."""
    scope = dashboard_module.dashboard_scope(user=request.user)
    form = DashboardFilterForm(request.GET or None, suites=dashboard_module.suite_choices(scope))
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
        (section, section_chart(section) if section.chart else "")
        for section in (result.sections if result else [])
    ]
    return render(
        request,
        "drug_testing/dashboard.html",
        {
            "form": form,
            "dashboard": result,
            "sections": sections,
            "query": request.GET.urlencode(),
        },
        status=200 if result is not None else 400,
    )


@capability_required(VIEW_DRUG_TESTING_DASHBOARD)
@require_GET
def dashboard(request: AuthenticatedRequest) -> HttpResponse:
    form, result = _dashboard(request)
    return _dashboard_page(request, form, result)


@capability_required(VIEW_DRUG_TESTING_DASHBOARD)
@require_GET
def dashboard_csv(request: AuthenticatedRequest) -> HttpResponse:
    form, result = _dashboard(request)
    if result is None:
        return _dashboard_page(request, form, result)
    return csv_attachment(
        "pont-custody-drug-testing.csv", ["measure", "value"], dashboard_module.csv_rows(result)
    )


# Quality assurance -------------------------------------------------------------------


def _samples(request: AuthenticatedRequest) -> QuerySet[QaSample]:
    """The force's samples, with how many tests were drawn from how many, and reviewed.

    The population is what `services.qa_sample_draw` drew from: the force's tests
    recorded in the month before the draw, so later records do not change it.
    """
    population = (
        DrugTest.objects.filter(
            controller_id=OuterRef("controller_id"), created_at__lt=OuterRef("created_at")
        )
        .annotate(recorded_in=TruncMonth("created_at", output_field=DateField()))
        .filter(recorded_in=OuterRef("month"))
        .order_by()
        .values("controller_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        selectors.qa_samples_visible_to(user=request.user)
        .select_related("drawn_by")
        .annotate(
            drawn=Count("reviews", distinct=True),
            reviewed=Count("reviews", filter=~Q(reviews__finding=""), distinct=True),
            population=Subquery(population),
        )
    )


def _sample_or_404(request: AuthenticatedRequest, sample_id: int) -> QaSample:
    sample = _samples(request).filter(pk=sample_id).first()
    if sample is None:
        raise not_found(request, QaSample, sample_id)
    return sample


def _draw_repeats(sample: QaSample, chosen: set[Any]) -> bool:
    """Whether drawing again with the kept seed picks the same tests (anyone may check)."""
    month_end = next_month(sample.month)
    candidates = sorted(
        DrugTest.objects.filter(
            controller_id=sample.controller_id,
            created_at__date__gte=sample.month,
            created_at__date__lt=month_end,
            created_at__lt=sample.created_at,
        ).values_list("pk", flat=True),
        key=str,
    )
    if len(chosen) > len(candidates):
        return False
    again = random.Random(sample.seed).sample(candidates, len(chosen))  # noqa: S311 - a check
    return set(again) == chosen


def _qa_list_page(
    request: AuthenticatedRequest, form: QaDrawForm, status: int = 200
) -> HttpResponse:
    return render(
        request,
        "drug_testing/qa_list.html",
        {"form": form, "samples": _samples(request)},
        status=status,
    )


@capability_required(REVIEW_DRUG_TESTS)
@require_http_methods(["GET", "POST"])
def qa_list(request: AuthenticatedRequest) -> HttpResponse:
    """The monthly samples, and the form to draw a month's sample."""
    if request.method != "POST":
        return _qa_list_page(request, QaDrawForm())
    form = QaDrawForm(request.POST)
    if form.is_valid():
        try:
            sample = services.qa_sample_draw(actor=request.user, month=form.cleaned_data["month"])
        except ApplicationError as error:
            if error.status == 403:
                raise PermissionDenied from None
            if error.status == 409:  # already drawn: the month field says so
                form.add_error("month", error.message)
                return _qa_list_page(request, form, status=409)
            apply_application_error(form, error)
        else:
            messages.success(
                request,
                _("The sample for %(month)s has been drawn.")
                % {"month": month_shown(sample.month)},
            )
            return redirect("drug_testing:qa_detail", sample_id=sample.pk)
    return _qa_list_page(request, form, status=400)


def _review_auto_id(review_id: int) -> str:
    """Element ids unique to one review's form: the page holds one form per sampled test."""
    return f"review-{review_id}-%s"


def _review_form(review: QaReview) -> QaReviewForm:
    return QaReviewForm(
        auto_id=_review_auto_id(review.pk),
        initial={"finding": review.finding, "notes": review.notes},
    )


def _qa_detail_page(
    request: AuthenticatedRequest,
    sample: QaSample,
    failed: tuple[int, QaReviewForm] | None = None,
) -> HttpResponse:
    reviews = list(
        sample.reviews.select_related("test__custody_suite", "test__person", "reviewed_by")
    )
    with transaction.atomic():
        people_shown(
            actor=request.user,
            people=[review.test.person for review in reviews],
            context="drug test quality assurance sample",
        )
    items = [
        (review, failed[1] if failed and failed[0] == review.pk else _review_form(review))
        for review in reviews
    ]
    return render(
        request,
        "drug_testing/qa_detail.html",
        {
            "sample": sample,
            "items": items,
            "failed_form": failed[1] if failed else None,
            "repeatable": _draw_repeats(sample, {review.test_id for review in reviews}),
        },
        status=400 if failed else 200,
    )


@capability_required(REVIEW_DRUG_TESTS)
@require_GET
def qa_detail(request: AuthenticatedRequest, sample_id: int) -> HttpResponse:
    """The sampled tests (people are named: each showing is recorded), each with its review."""
    return _qa_detail_page(request, _sample_or_404(request, sample_id))


@capability_required(REVIEW_DRUG_TESTS)
@require_POST
def qa_review(request: AuthenticatedRequest, review_id: int) -> HttpResponse:
    review = (
        QaReview.objects.filter(
            pk=review_id, sample__in=selectors.qa_samples_visible_to(user=request.user)
        )
        .only("pk", "sample_id")
        .first()
    )
    if review is None:
        raise Http404
    form = QaReviewForm(request.POST, auto_id=_review_auto_id(review.pk))
    if form.is_valid():
        try:
            services.qa_review_record(
                actor=request.user,
                review_id=review.pk,
                finding=form.cleaned_data["finding"],
                notes=form.cleaned_data["notes"],
            )
        except NotFoundError:
            raise Http404 from None
        except ApplicationError as error:
            if error.status == 403:
                raise PermissionDenied from None
            apply_application_error(form, error)
        else:
            messages.success(request, _("The review is recorded."))
            url = reverse("drug_testing:qa_detail", kwargs={"sample_id": review.sample_id})
            return redirect(f"{url}#review-{review.pk}")
    return _qa_detail_page(
        request, _sample_or_404(request, review.sample_id), failed=(review.pk, form)
    )
