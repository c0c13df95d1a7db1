"""Stop and search pages: the quick record on a phone, the list, the search with both
outcomes and the amendment history, the amendment, and a referral from a drugs search."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from pont.accounts.http import AuthenticatedRequest
from pont.accounts.roles import (
    AMEND_SEARCH_OUTCOME,
    MAKE_REFERRAL,
    RECORD_SEARCH,
    VIEW_PERSON,
    VIEW_SEARCHES,
)
from pont.accounts.selectors import areas_for
from pont.audit import services as audit
from pont.core.decorators import capability_required
from pont.core.exceptions import ApplicationError, NotFoundError
from pont.core.forms import apply_application_error
from pont.core.numbers import whole_number
from pont.core.refusals import not_found
from pont.people.models import Person
from pont.people.selectors import person_get_for_user, person_search
from pont.people.services import people_shown
from pont.referrals.models import Referral

from . import record_copy, selectors, services
from .forms import (
    OutcomeAmendForm,
    PersonFindForm,
    SearchForm,
    SearchReferralForm,
    initial_outcome,
)
from .models import ObjectOfSearch, Search, SearchOutcome

PAGE_SIZE = 25


def _search_or_404(request: AuthenticatedRequest, search_id: Any, write: bool = False) -> Search:
    search = selectors.search_get_for_user(user=request.user, search_id=search_id, write=write)
    if search is None:
        raise not_found(request, Search, search_id)
    return search


def _back(search_id: Any) -> HttpResponse:
    return redirect("stop_search:detail", search_id=search_id)


# The list -----------------------------------------------------------------------------


@capability_required(RECORD_SEARCH, VIEW_SEARCHES)
@require_GET
def search_list(request: AuthenticatedRequest) -> HttpResponse:
    """The force's searches for those who oversee them; an officer's own, newest first."""
    searches = selectors.searches_visible_to(user=request.user).order_by(
        "-occurred_at", "-created_at"
    )
    page = Paginator(searches, PAGE_SIZE).get_page(request.GET.get("page"))
    # The list shows names: each person on the page has been consulted.
    audit.record_read(
        [
            {
                "actor": request.user,
                "operation": audit.Operation.CONSULTATION,
                "subject": search.person_id,
                "obj": search,
                "detail": {"shown_in": "search list"},
            }
            for search in page.object_list
            if search.person_id is not None
        ]
    )
    outcomes = selectors.code_labels(SearchOutcome)
    objects = selectors.code_labels(ObjectOfSearch)
    rows = [
        (
            search,
            objects.get(search.object_of_search, search.object_of_search),
            outcomes.get(search.outcome, search.outcome),
        )
        for search in page.object_list
    ]
    return render(
        request,
        "stop_search/list.html",
        {
            "page": page,
            "rows": rows,
            "force_wide": request.user.has_perm(VIEW_SEARCHES),
            "may_record": request.user.has_perm(RECORD_SEARCH),
        },
    )


# Recording ----------------------------------------------------------------------------


def _search_form(request: AuthenticatedRequest, data: Any = None) -> SearchForm:
    today = timezone.localdate()
    now = timezone.localtime()
    areas = [(a.pk, a.display_name) for a in areas_for(user=request.user)]
    home = selectors.home_area_for(user=request.user)
    initial: dict[str, Any] = {"occurred_at": today, "occurred_at_time": f"{now:%H:%M}"}
    if home is not None and any(pk == home.pk for pk, _name in areas):
        initial["area"] = home.pk
    elif len(areas) == 1:
        initial["area"] = areas[0][0]
    return SearchForm(
        data,
        initial=initial,
        areas=areas,
        ethnicities=[(r.code, r.label) for r in selectors.ethnicities_on(today)],
        powers=[(r.code, r.label) for r in selectors.legislation_on(today)],
        objects=[(r.code, r.label) for r in selectors.objects_on(today)],
        outcomes=[(r.code, r.label) for r in selectors.outcomes_on(today)],
    )


def _chosen_person(request: AuthenticatedRequest) -> Any:
    """The person named in ?person= (or the form), 404 if given but not one the user may see."""
    raw = request.GET.get("person") or request.POST.get("person") or ""
    if not raw:
        return None
    number = whole_number(raw)
    person = None if number is None else person_get_for_user(user=request.user, person_id=number)
    if person is None:
        raise not_found(request, Person, raw)
    return person


@capability_required(RECORD_SEARCH)
@require_http_methods(["GET", "POST"])
def search_create(request: AuthenticatedRequest) -> HttpResponse:
    """One column, for a phone: who (optional), when and where, why, and what came of it."""
    person = _chosen_person(request)
    find_form = PersonFindForm(request.GET if "name" in request.GET else None)
    found = None
    if person is None and find_form.is_bound and find_form.is_valid():
        name = find_form.cleaned_data["name"].strip()
        if name and request.user.has_perm(VIEW_PERSON):
            found = person_search(user=request.user, name=name)
            people_shown(actor=request.user, people=found, context="stop and search person")
    form = _search_form(request, request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                search = services.search_record(
                    actor=request.user,
                    person_id=person.pk if person else None,
                    **form.service_arguments(),
                )
            except ApplicationError as error:
                if error.status == 403:
                    raise PermissionDenied from None
                apply_application_error(form, error)
            else:
                messages.success(request, _("The search has been recorded."))
                return _back(search.pk)
    return render(
        request,
        "stop_search/create.html",
        {"form": form, "person": person, "find_form": find_form, "found": found},
        status=status,
    )


# The search ---------------------------------------------------------------------------


def _may_refer(request: AuthenticatedRequest, search: Search) -> bool:
    user = request.user
    return (
        user.has_perm(RECORD_SEARCH)
        and user.has_perm(MAKE_REFERRAL)
        and selectors.may_refer_from(search)
        and not selectors.referrals_from(search=search, user=user)
        .filter(status__in=[Referral.Status.DRAFT, *Referral.OPEN_STATUSES])
        .exists()
    )


def _search_context(request: AuthenticatedRequest, search: Search) -> dict[str, Any]:
    amendments = list(selectors.amendments_of(search=search))
    codes = {a.outcome for a in amendments} | {a.previous_outcome for a in amendments}
    outcome_labels = selectors.outcome_labels(codes, search.local_date)
    return {
        "search": search,
        "labels": selectors.search_labels(search),
        "amendments": [
            (
                a,
                outcome_labels.get(a.previous_outcome, a.previous_outcome),
                outcome_labels.get(a.outcome, a.outcome),
            )
            for a in amendments
        ],
        "referrals": selectors.referrals_from(search=search, user=request.user),
        "may_amend": selectors.search_get_for_user(
            user=request.user, search_id=search.pk, write=True
        )
        is not None,
        "may_refer": _may_refer(request, search),
    }


@capability_required(RECORD_SEARCH, VIEW_SEARCHES)
@require_GET
def search_detail(request: AuthenticatedRequest, search_id: Any) -> HttpResponse:
    with transaction.atomic():
        search = _search_or_404(request, search_id)
        audit.record(
            actor=request.user,
            operation=audit.Operation.CONSULTATION,
            subject=search.person_id,
            obj=search,
        )
    return render(request, "stop_search/detail.html", _search_context(request, search))


@capability_required(RECORD_SEARCH, VIEW_SEARCHES)
@require_POST
def search_copy(request: AuthenticatedRequest, search_id: Any) -> HttpResponse:
    """The person's copy of the record (PACE Code A 4.10), in Welsh and English, to print or
    send: what was recorded at the time. Handing it over is a disclosure to the person, so
    it is asked for with a button (a POST), and recorded once for each time it is asked."""
    with transaction.atomic():
        search = _search_or_404(request, search_id)
        data = record_copy.copy_data(search)
        audit.record(
            actor=request.user,
            operation=audit.Operation.DISCLOSURE,
            subject=search.person_id,
            obj=search,
            recipient="the person searched",
            detail={"document": "copy of the search record"},
        )
    response = HttpResponse(record_copy.copy_pdf(data), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{data.reference}.pdf"'
    return response


# Amending the outcome -----------------------------------------------------------------


@capability_required(AMEND_SEARCH_OUTCOME)
@require_http_methods(["GET", "POST"])
def search_amend(request: AuthenticatedRequest, search_id: Any) -> HttpResponse:
    """A new current outcome; the outcome at the time of the search stays as it was."""
    search = _search_or_404(request, search_id, write=True)
    outcomes = [(r.code, r.label) for r in selectors.outcomes_on(timezone.localdate())]
    form = OutcomeAmendForm(
        request.POST if request.method == "POST" else None,
        initial=initial_outcome(search),
        outcomes=outcomes,
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.search_outcome_amend(
                    actor=request.user,
                    search_id=search.pk,
                    outcome=data["outcome"],
                    outcome_linked=data["outcome_linked"],
                    reason=data["reason"],
                    evidence=data["evidence"],
                    expected_version=data["version"],
                )
            except NotFoundError:
                raise Http404 from None
            except ApplicationError as error:
                if error.status == 409:  # someone changed it first, or it cannot be amended
                    messages.error(request, error.message)
                    return _back(search.pk)
                apply_application_error(form, error)
            else:
                messages.success(request, _("The outcome has been amended."))
                return _back(search.pk)
    context = _search_context(request, search)
    context["form"] = form
    return render(request, "stop_search/amend.html", context, status=status)


# A referral from a drugs search ---------------------------------------------------------


def _services() -> list[tuple[Any, str]]:
    from pont.directory.models import Service

    return [
        (s.pk, f"{s.display_name} ({s.organization.display_name})")
        for s in Service.objects.select_related("organization").order_by("name")
        if s.can_receive_referrals
    ]


def _suggested_reason(search: Search) -> str:
    labels = selectors.search_labels(search)
    return _(
        "Stopped and searched on %(day)s (%(power)s): %(object)s found. The outcome was: "
        "%(outcome)s. The person agreed to be referred for help with their drug use."
    ) % {
        "day": search.local_date.strftime("%d/%m/%Y"),
        "power": labels["legislation"],
        "object": labels["object_of_search"].lower(),
        "outcome": labels["outcome"],
    }


@capability_required(RECORD_SEARCH)
@require_http_methods(["GET", "POST"])
def search_refer(request: AuthenticatedRequest, search_id: Any) -> HttpResponse:
    """Start a voluntary referral from the search; it is completed and sent on its own page."""
    search = _search_or_404(request, search_id)
    if search.person_id is None:
        messages.error(request, str(services.NO_PERSON))
        return _back(search.pk)
    if not selectors.may_refer_from(search):
        messages.error(request, str(services.NOT_A_DRUGS_FIND))
        return _back(search.pk)
    form = SearchReferralForm(
        request.POST if request.method == "POST" else None,
        initial={"reason": _suggested_reason(search)},
        services=_services(),
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                referral = services.search_referral_start(
                    actor=request.user,
                    search_id=search.pk,
                    service_id=data["service"] or None,
                    consent_recorded=data["consent_recorded"],
                    reason=data["reason"],
                )
            except NotFoundError:
                raise Http404 from None
            except ApplicationError as error:
                if error.status == 403:
                    raise PermissionDenied from None
                if error.status == 409:
                    messages.error(request, error.message)
                    return _back(search.pk)
                apply_application_error(form, error)
            else:
                messages.success(
                    request,
                    _(
                        "The referral has been saved as a draft. Check the person's contact "
                        "details, then send it."
                    ),
                )
                return redirect(referral)
    # The form shows the person: a consultation, as the search's page is.
    audit.record_shown_in(
        actor=request.user, subject=search.person_id, obj=search, shown_in="referral form"
    )
    return render(
        request,
        "stop_search/refer.html",
        {"form": form, "search": search, "labels": selectors.search_labels(search)},
        status=status,
    )
