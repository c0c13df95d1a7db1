"""The monthly audit of searches: the samples and the draw, a sample's searches with both
reviews, an inspector's review of one search, the officer's own feedback, and the dashboard.

The review pages never name the person searched: a reviewer judges the grounds
and the conduct, not who was searched. The force's inspector can open the search
record itself (where the person is named, and that is recorded); the independent
inspector, outside the force, sees neither the person nor the officer.
"""

from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from pont.accounts.http import AuthenticatedRequest
from pont.accounts.models import Organisation
from pont.accounts.roles import RECORD_SEARCH, REVIEW_SEARCHES, VIEW_SEARCH_AUDIT
from pont.accounts.selectors import primary_controller_for
from pont.audit import services as audit
from pont.core.charts import Bar, horizontal_bar_chart
from pont.core.decorators import capability_required
from pont.core.exceptions import ApplicationError, NotFoundError
from pont.core.exports import csv_attachment, spreadsheet_text
from pont.core.forms import apply_application_error, first_day_of, month_shown
from pont.core.refusals import not_found

from . import audit_dashboard, selectors, services
from .forms import AuditDashboardFilterForm, SampleDrawForm, SearchReviewForm
from .models import AuditSample, ObjectOfSearch, SampledSearch, SearchOutcome, SearchReview

Kind = SearchReview.Kind


def _force_to_draw(request: AuthenticatedRequest) -> Organisation | None:
    """The force whose samples the user draws: the local inspector's own; else none."""
    if selectors.review_kind_for(user=request.user) != Kind.LOCAL:
        return None
    force = primary_controller_for(user=request.user)
    return force if force is not None and force.kind == Organisation.Kind.FORCE else None


def _previous_month() -> str:
    first = timezone.localdate().replace(day=1)
    return f"{(first - timedelta(days=1)):%Y-%m}"


# The samples ----------------------------------------------------------------------------


def _samples(request: AuthenticatedRequest) -> QuerySet[AuditSample]:
    """The samples the user reviews, with how many searches were drawn and reviewed."""
    recorded = Q(sampled__reviews__reviewed_at__isnull=False)
    return (
        selectors.audit_samples_visible_to(user=request.user)
        .annotate(
            drawn=Count("sampled", distinct=True),
            always=Count(
                "sampled",
                filter=Q(sampled__reason=SampledSearch.Reason.STRIP_SEARCH),
                distinct=True,
            ),
            local_done=Count(
                "sampled__reviews",
                filter=recorded & Q(sampled__reviews__kind=Kind.LOCAL),
                distinct=True,
            ),
            independent_done=Count(
                "sampled__reviews",
                filter=recorded & Q(sampled__reviews__kind=Kind.INDEPENDENT),
                distinct=True,
            ),
        )
        .order_by("-month", "controller__name")
    )


def _sample_list_page(
    request: AuthenticatedRequest, form: SampleDrawForm | None, status: int = 200
) -> HttpResponse:
    return render(
        request,
        "stop_search/audit_list.html",
        {
            "form": form,
            "samples": _samples(request),
            "kind": selectors.review_kind_for(user=request.user),
        },
        status=status,
    )


@capability_required(REVIEW_SEARCHES)
@require_http_methods(["GET", "POST"])
def sample_list(request: AuthenticatedRequest) -> HttpResponse:
    """The monthly samples; the force's inspector may draw a month's sample here too."""
    force = _force_to_draw(request)
    if request.method != "POST":
        form = SampleDrawForm(initial={"month": _previous_month()}) if force else None
        return _sample_list_page(request, form)
    if force is None:
        raise PermissionDenied  # the independent inspector reviews; the force draws
    form = SampleDrawForm(request.POST)
    if form.is_valid():
        try:
            sample = services.search_sample_draw(
                actor=request.user, controller=force, month=first_day_of(form.cleaned_data["month"])
            )
        except ApplicationError as error:
            if error.status == 403:
                raise PermissionDenied from None
            if error.status == 409:  # already drawn: the month field says so
                form.add_error("month", error.message)
                return _sample_list_page(request, form, status=409)
            apply_application_error(form, error)
        else:
            messages.success(
                request,
                _("The sample for %(month)s has been drawn.")
                % {"month": month_shown(sample.month)},
            )
            return redirect("stop_search:audit_sample", sample_id=sample.pk)
    return _sample_list_page(request, form, status=400)


def _status(review: SearchReview | None) -> dict[str, Any]:
    return {"review": review, "recorded": review is not None and review.is_recorded}


@capability_required(REVIEW_SEARCHES)
@require_GET
def sample_detail(request: AuthenticatedRequest, sample_id: int) -> HttpResponse:
    """The sample's searches (nobody named), with where each of the two reviews stands."""
    sample = _samples(request).filter(pk=sample_id).first()
    if sample is None:
        raise not_found(request, AuditSample, sample_id)
    objects = selectors.code_labels(ObjectOfSearch)
    outcomes = selectors.code_labels(SearchOutcome)
    rows = []
    for sampled in selectors.sampled_searches_of(sample=sample):
        reviews = {review.kind: review for review in sampled.reviews.all()}
        search = sampled.search
        rows.append(
            {
                "sampled": sampled,
                "search": search,
                "object": objects.get(search.object_of_search, search.object_of_search),
                "outcome": outcomes.get(search.outcome, search.outcome),
                "local": _status(reviews.get(Kind.LOCAL)),
                "independent": _status(reviews.get(Kind.INDEPENDENT)),
            }
        )
    return render(
        request,
        "stop_search/audit_sample.html",
        {
            "sample": sample,
            "rows": rows,
            "officers_named": selectors.sees_officer_names(user=request.user),
            "check": selectors.search_sample_redraw_check(sample=sample),
        },
    )


# One search's review ----------------------------------------------------------------------


def _theme_choices() -> list[tuple[str, str]]:
    return [(theme.code, theme.label) for theme in selectors.review_themes_on()]


def _review_page(
    request: AuthenticatedRequest,
    sampled: SampledSearch,
    form: SearchReviewForm | None = None,
    status: int = 200,
) -> HttpResponse:
    user = request.user
    kind = selectors.review_kind_for(user=user)
    reviews = selectors.reviews_of(sampled=sampled)
    mine = reviews.get(kind) if kind else None
    other = reviews.get(Kind.INDEPENDENT if kind == Kind.LOCAL else Kind.LOCAL)
    search = sampled.search
    own_search = search.officer_id == user.pk
    may_record = mine is not None and not mine.is_recorded and not own_search
    if may_record and form is None:
        assert mine is not None  # noqa: S101 - may_record says so
        form = SearchReviewForm(initial={"version": mine.version}, themes=_theme_choices())
    with transaction.atomic():
        # The grounds and the place are about a person, even unnamed: the showing is recorded.
        audit.record(
            actor=user,
            operation=audit.Operation.CONSULTATION,
            subject=search.person_id,
            obj=search,
            detail={"shown_in": "search audit review", "sample": sampled.sample_id},
        )
    return render(
        request,
        "stop_search/audit_review.html",
        {
            "sampled": sampled,
            "sample": sampled.sample,
            "search": search,
            "labels": selectors.search_labels(search),
            "kind": kind,
            "mine": mine,
            "other": other,
            # The reviews are independent judgements: the other one is shown once yours is in.
            "show_other": mine is not None and mine.is_recorded,
            "own_search": own_search,
            "form": form if may_record else None,
            "officers_named": selectors.sees_officer_names(user=user),
            "may_open_search": selectors.search_get_for_user(user=user, search_id=search.pk)
            is not None,
        },
        status=status,
    )


@capability_required(REVIEW_SEARCHES)
@require_http_methods(["GET", "POST"])
def sampled_review(request: AuthenticatedRequest, sampled_id: int) -> HttpResponse:
    """A sampled search (nobody named) and the reviewer's own review of it."""
    sampled = selectors.sampled_search_get_for_user(user=request.user, sampled_id=sampled_id)
    if sampled is None:
        raise not_found(request, SampledSearch, sampled_id)
    if request.method != "POST":
        return _review_page(request, sampled)
    form = SearchReviewForm(request.POST, themes=_theme_choices())
    if form.is_valid():
        try:
            services.search_review_record(
                actor=request.user,
                sampled_id=sampled.pk,
                kind=selectors.review_kind_for(user=request.user) or "",
                **form.service_arguments(),
            )
        except NotFoundError:
            raise Http404 from None
        except ApplicationError as error:
            if error.status == 403:
                raise PermissionDenied from None
            if error.status == 409:  # recorded already, by someone else or a moment ago
                messages.error(request, error.message)
                return redirect("stop_search:audit_review", sampled_id=sampled.pk)
            apply_application_error(form, error)
        else:
            messages.success(request, _("Your review has been recorded."))
            url = reverse("stop_search:audit_sample", kwargs={"sample_id": sampled.sample_id})
            return redirect(f"{url}#sampled-{sampled.pk}")
    return _review_page(request, sampled, form, status=400)


# The officer's own feedback ------------------------------------------------------------------


@capability_required(RECORD_SEARCH)
@require_GET
def officer_feedback(request: AuthenticatedRequest) -> HttpResponse:
    """What the inspectors said about the user's own searches, newest first."""
    objects = selectors.code_labels(ObjectOfSearch)
    reviews = [
        (review, objects.get(review.sampled.search.object_of_search, ""))
        for review in selectors.feedback_for_officer(user=request.user)
    ]
    return render(request, "stop_search/audit_feedback.html", {"reviews": reviews})


# The dashboard -----------------------------------------------------------------------------


def _chart(code: str, title: str, description: str, bars: list[Bar]) -> str:
    if not bars:
        return ""
    return horizontal_bar_chart(
        bars, title=title, description=description, chart_id=f"chart-{code}"
    )


def _share_bar(label: Any, part: int, whole: int) -> Bar:
    return Bar(
        label=str(label),
        value=part * 100 / whole if whole else 0.0,
        shown=audit_dashboard.percent(part, whole),
    )


def _red_or_amber(rows: list[audit_dashboard.RatingRow]) -> list[Bar]:
    return [
        Bar(
            label=str(row.label),
            value=(row.red_or_amber_share or 0.0) * 100,
            shown=row.red_or_amber_shown,
        )
        for row in rows
    ]


def _charts(result: audit_dashboard.AuditDashboard) -> dict[str, str]:
    total = result.total
    return {
        "coverage": _chart(
            "coverage",
            _("Searches sampled and sampled searches reviewed"),
            _(
                "The share of the months' searches that were sampled, and the share of the "
                "sampled searches each inspector has reviewed."
            ),
            [
                _share_bar(_("Searches sampled"), total.sampled, total.searches)
                if total.searches
                else Bar(label=_("Searches sampled"), value=0.0, shown="–"),
                _share_bar(_("Reviewed by the local inspector"), total.local, total.sampled),
                _share_bar(
                    _("Reviewed by the independent inspector"), total.independent, total.sampled
                ),
            ],
        ),
        "agreement": _chart(
            "agreement",
            _("Agreement between the two inspectors"),
            _("The share of searches reviewed by both inspectors on which they gave one answer."),
            [
                Bar(
                    label=str(row.label),
                    value=row.agreement.percent or 0.0,
                    shown=row.percent_shown,
                )
                for row in result.agreements
            ],
        ),
        "by_area": _chart(
            "by-area",
            _("Reviews rated red or amber, by area"),
            _("The share of each area's reviews that were rated red or amber."),
            _red_or_amber(result.by_area),
        ),
        "by_officer": _chart(
            "by-officer",
            _("Reviews rated red or amber, by officer"),
            _("The share of each officer's reviews that were rated red or amber."),
            _red_or_amber(result.by_officer),
        ),
        "themes": _chart(
            "themes",
            _("Learning themes"),
            _("How many reviews named each learning theme in the period."),
            [
                Bar(label=str(row.label), value=float(row.total), shown=str(row.total))
                for row in result.themes
            ],
        ),
    }


def _dashboard(
    request: AuthenticatedRequest,
) -> tuple[AuditDashboardFilterForm, audit_dashboard.AuditDashboard | None]:
    """The period's form and, when it is valid, the figures it selects."""
    form = AuditDashboardFilterForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        return form, None
    data = form.cleaned_data if form.is_bound else {}
    filters = audit_dashboard.Filters(
        start=first_day_of(data["start"]) if data.get("start") else None,
        end=first_day_of(data["end"]) if data.get("end") else None,
    )
    result = audit_dashboard.compute(
        selectors.audit_dashboard_scope(user=request.user),
        filters=filters,
        officers_named=selectors.sees_officer_names(user=request.user),
    )
    return form, result


def _dashboard_page(
    request: AuthenticatedRequest,
    form: AuditDashboardFilterForm,
    result: audit_dashboard.AuditDashboard | None,
) -> HttpResponse:
    return render(
        request,
        "stop_search/audit_dashboard.html",
        {
            "form": form,
            "dashboard": result,
            "charts": _charts(result) if result else {},
            "query": request.GET.urlencode(),
        },
        status=200 if result is not None else 400,
    )


@capability_required(VIEW_SEARCH_AUDIT)
@require_GET
def dashboard(request: AuthenticatedRequest) -> HttpResponse:
    """Coverage, agreement between the inspectors, ratings by area and officer, and themes."""
    form, result = _dashboard(request)
    return _dashboard_page(request, form, result)


@capability_required(VIEW_SEARCH_AUDIT)
@require_GET
def dashboard_csv(request: AuthenticatedRequest) -> HttpResponse:
    """The page's figures as (measure, value, label) rows, after rows saying when they were
    produced, for which months and whether officers are named. The file leaves Pont, with
    officers' ratings in it (by name, for the force's own staff), so its export is recorded.
    With a period that is not valid, the page itself (400), its errors named."""
    form, result = _dashboard(request)
    if result is None:
        return _dashboard_page(request, form, result)
    data = form.cleaned_data if form.is_bound else {}
    start, end = data.get("start") or "", data.get("end") or ""
    with transaction.atomic():
        audit.record(
            actor=request.user,
            operation=audit.Operation.CONSULTATION,
            object_type="stop_search.audit_dashboard",
            detail={
                "export": "csv",
                "start": start,
                "end": end,
                "officers_named": result.officers_named,
            },
        )
    produced = timezone.now()
    context = [
        ("produced_at", timezone.localtime(produced).isoformat(timespec="seconds"), ""),
        ("filter:start", start, month_shown(first_day_of(start)) if start else ""),
        ("filter:end", end, month_shown(first_day_of(end)) if end else ""),
        (
            "officers_named",
            "yes" if result.officers_named else "no",
            ""
            if result.officers_named
            else _(
                "Officers are not named: they are numbered by how many of their searches "
                "were reviewed, most first."
            ),
        ),
    ]
    # Labels name areas, officers and themes: none is run as a spreadsheet formula. Values
    # are figures (a kappa may be negative) and are written as they are.
    return csv_attachment(
        f"pont-search-audit-{timezone.localdate(produced):%Y%m%d}.csv",
        ["measure", "value", "label"],
        (
            [measure, value, spreadsheet_text(label)]
            for measure, value, label in [*context, *audit_dashboard.csv_rows(result)]
        ),
    )
