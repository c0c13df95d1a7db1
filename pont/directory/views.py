"""The services directory: the officers' search and service page, and the public bilingual list.

Directory entries are not personal data, so any signed-in member of staff
may search (no capability), searches are GET requests that can be
bookmarked, and nothing here is audited.
"""

import uuid

from django.contrib.auth.decorators import login_not_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from pont.accounts.http import AuthenticatedRequest

from . import selectors
from .forms import PublicServiceFilterForm, ServiceSearchForm

PAGE_SIZE = 20


def _query_without_page(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


@require_GET
def service_search(request: AuthenticatedRequest) -> HttpResponse:
    """Find services by need, county, language and words; with no search, list them all."""
    form = ServiceSearchForm(request.GET or None)
    services = selectors.service_search()
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        services = selectors.service_search(
            text=data["q"], needs=data["need"], county=data["county"], language=data["language"]
        )
    page = Paginator(services, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "directory/search.html",
        {
            "form": form,
            "page": page,
            "searched": form.is_bound,
            "query": _query_without_page(request),
        },
    )


@require_GET
def service_detail(request: AuthenticatedRequest, service_id: uuid.UUID) -> HttpResponse:
    service = selectors.service_get(service_id=service_id)
    if service is None:
        raise Http404
    return render(request, "directory/detail.html", {"service": service})


@login_not_required
@require_GET
def public_service_list(request: HttpRequest) -> HttpResponse:
    """The public list of open services, in Welsh or English (the language switch)."""
    form = PublicServiceFilterForm(request.GET or None)
    need = county = ""
    if form.is_bound and form.is_valid():
        need, county = form.cleaned_data["need"], form.cleaned_data["county"]
    services = selectors.public_service_list(need=need, county=county)
    page = Paginator(services, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "directory/public_list.html",
        {"form": form, "page": page, "query": _query_without_page(request)},
    )
