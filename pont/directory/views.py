"""The services directory: the officers' search and service page, the public bilingual list,
and a provider manager's pages for their own services (adding one; its details, opening
times, places and referral settings).

Directory entries are not personal data, so any signed-in member of staff
may search (no capability), searches are GET requests that can be
bookmarked, and reading is not audited. Changing whether a service takes
referrals is (it decides where referrals go), and so is every change a provider manager
makes to their own services.
"""

import uuid
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from pont.accounts.http import AuthenticatedRequest
from pont.accounts.roles import MANAGE_SERVICE_REFERRALS
from pont.core.decorators import capability_required
from pont.core.exceptions import ApplicationError, ConflictError
from pont.core.forms import apply_application_error, form_status
from pont.core.refusals import not_found

from . import selectors, services
from .forms import (
    PublicServiceFilterForm,
    ServiceAddForm,
    ServiceDetailsForm,
    ServiceOpeningForm,
    ServicePlacesForm,
    ServiceReferralSettingsForm,
    ServiceSearchForm,
)
from .hsds import schedule_order
from .models import Location, Schedule, Service, ServiceAtLocation
from .opening import open_at

PAGE_SIZE = 20


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
        if data["open_now"]:  # worked out from the schedules already fetched with them
            services = [  # type: ignore[assignment]
                s
                for s in services
                if s.status == Service.Status.ACTIVE and open_at(s.schedules.all())
            ]
    elif form.is_bound:  # a filter that is not one of the choices: said so, nothing listed
        services = services.none()
    page = Paginator(services, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "directory/search.html",
        {
            "form": form,
            "page": page,
            "searched": form.is_bound,
        },
    )


@require_GET
def service_detail(request: AuthenticatedRequest, service_id: uuid.UUID) -> HttpResponse:
    service = selectors.service_get(service_id=service_id)
    if service is None:
        raise Http404
    # None without the capability (no query) or for another organisation's service.
    may_change = (
        selectors.service_get_for_manager(user=request.user, service_id=service.pk) is not None
    )
    return render(request, "directory/detail.html", {"service": service, "may_change": may_change})


@login_not_required
@require_GET
def public_service_list(request: HttpRequest) -> HttpResponse:
    """The public list of open services, in Welsh or English (the language switch)."""
    form = PublicServiceFilterForm(request.GET or None)
    need = county = ""
    if form.is_bound and form.is_valid():
        need, county = form.cleaned_data["need"], form.cleaned_data["county"]
    services = selectors.public_service_list(need=need, county=county)
    if form.is_bound and not form.is_valid():  # said so at the field; nothing listed
        services = services.none()
    page = Paginator(services, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "directory/public_list.html",
        {"form": form, "page": page},
    )


@capability_required(MANAGE_SERVICE_REFERRALS)
@require_GET
def referral_settings(request: AuthenticatedRequest) -> HttpResponse:
    """A provider manager's services, and whether each takes referrals through Pont."""
    managed = selectors.services_managed_by(user=request.user).order_by("name")
    return render(request, "directory/referral_settings.html", {"services": managed})


class _ManagerPage:
    """One of a provider manager's forms about their own service (referral settings,
    details, opening times): how it is answered, built and saved. The form posts back when
    the service last changed (`seen`), so a change made meanwhile is not overwritten."""

    template: str
    saved: Any  # the message once saved

    def answers(self, service: Service) -> dict[str, Any]:
        """The form's answers as the service holds them."""
        raise NotImplementedError

    def form(self, service: Service, data: Any, initial: dict[str, Any]) -> forms.Form:
        raise NotImplementedError

    def save(self, request: AuthenticatedRequest, service: Service, data: dict[str, Any]) -> None:
        raise NotImplementedError

    def context(self, service: Service) -> dict[str, Any]:
        return {}


def _manager_page(
    request: AuthenticatedRequest, service_id: uuid.UUID, page: _ManagerPage
) -> HttpResponse:
    service = selectors.service_get_for_manager(user=request.user, service_id=service_id)
    if service is None:
        raise not_found(request, Service, service_id)
    # Bound for any POST, even an empty one: it is answered with what is missing.
    initial = page.answers(service)
    form = page.form(service, request.POST if request.method == "POST" else None, initial)
    status = None  # the form's own (200, or 400 with errors) unless a conflict says 409
    if request.method == "POST" and form.is_valid():
        try:
            page.save(request, service, form.cleaned_data)
        except ConflictError as error:
            # Shown again as the service is now, to be checked and changed again.
            service.refresh_from_db()
            current = page.answers(service)
            form = page.form(service, current, current)
            form.is_valid()
            form.add_error(None, error.message)
            status = 409
        except ApplicationError as error:
            apply_application_error(form, error)
        else:
            messages.success(request, page.saved)
            return redirect("directory:settings")
    return render(
        request,
        page.template,
        {"form": form, "service": service, **page.context(service)},
        status=status or form_status(form),
    )


def _seen(service: Service) -> str:
    return service.updated_at.isoformat()


def _rows_in(answers: dict[str, Any], name: str) -> int:
    """How many numbered rows the answers hold (`name` of the first one's field, with {} for
    its number): the rows are numbered from 1 without a gap."""
    count = 0
    while name.format(count + 1) in answers:
        count += 1
    return count


class _ReferralSettings(_ManagerPage):
    template = "directory/service_referral_settings.html"
    saved = gettext_lazy("The referral settings have been saved.")

    def answers(self, service: Service) -> dict[str, Any]:
        return {
            "accepts_referrals": "yes" if service.accepts_referrals else "no",
            "referral_inbox_email": service.referral_inbox_email,
            "seen": _seen(service),
        }

    def form(self, service: Service, data: Any, initial: dict[str, Any]) -> forms.Form:
        return ServiceReferralSettingsForm(data, initial=initial)

    def save(self, request: AuthenticatedRequest, service: Service, data: dict[str, Any]) -> None:
        services.service_referrals_update(
            actor=request.user,
            service_id=service.pk,
            accepts_referrals=data["accepts_referrals"],
            referral_inbox_email=data["referral_inbox_email"],
            seen_updated_at=data["seen"],
        )


class _Details(_ManagerPage):
    """Saving says the details were checked today."""

    template = "directory/service_details.html"
    saved = gettext_lazy("The service's details have been saved.")

    def answers(self, service: Service) -> dict[str, Any]:
        answers: dict[str, Any] = {
            name: "" if getattr(service, name) is None else getattr(service, name)
            for name in services.DETAIL_FIELDS
        }
        answers["needs"] = list(service.needs.values_list("code", flat=True))
        answers["counties"] = list(service.service_areas.values_list("county", flat=True))
        answers["languages"] = list(service.languages.values_list("code", flat=True))
        for slot, phone in enumerate(service.phones.order_by("number"), start=1):
            answers[f"phone_{slot}"] = phone.number
            answers[f"phone_{slot}_description"] = phone.description
            answers[f"phone_{slot}_description_cy"] = phone.description_cy
        answers["seen"] = _seen(service)
        return answers

    def form(self, service: Service, data: Any, initial: dict[str, Any]) -> forms.Form:
        # A row for each number the answers hold, and one more to add a number.
        slots = _rows_in(initial, "phone_{}") + 1
        return ServiceDetailsForm(data, initial=initial, phone_slots=slots)

    def save(self, request: AuthenticatedRequest, service: Service, data: dict[str, Any]) -> None:
        services.service_details_update(
            actor=request.user,
            service_id=service.pk,
            details={name: data[name] for name in services.DETAIL_FIELDS},
            needs=data["needs"],
            counties=data["counties"],
            languages=data["languages"],
            phones=data["phones"],
            seen_updated_at=data["seen"],
        )

    def context(self, service: Service) -> dict[str, Any]:
        return {
            "opening_url": reverse("directory:opening_service", args=[service.pk]),
            "places_url": reverse("directory:places_service", args=[service.pk]),
        }


class _OpeningTimes(_ManagerPage):
    """A line for each set of days; schedules the page cannot show are listed and kept."""

    template = "directory/service_opening_times.html"
    saved = gettext_lazy("The service's opening times have been saved.")

    @staticmethod
    def _schedules(service: Service) -> list[Schedule]:
        return sorted(service.schedules.all(), key=schedule_order)

    def answers(self, service: Service) -> dict[str, Any]:
        shown = [s for s in self._schedules(service) if services.schedule_editable(s)]
        answers: dict[str, Any] = {"seen": _seen(service)}
        for row, schedule in enumerate(shown, start=1):
            entry = services.opening_entry(schedule)
            answers[f"row_{row}_days"] = entry.days
            answers[f"row_{row}_opens"] = f"{entry.opens_at:%H:%M}" if entry.opens_at else ""
            answers[f"row_{row}_closes"] = f"{entry.closes_at:%H:%M}" if entry.closes_at else ""
            answers[f"row_{row}_description"] = entry.description
            answers[f"row_{row}_description_cy"] = entry.description_cy
        return answers

    def form(self, service: Service, data: Any, initial: dict[str, Any]) -> forms.Form:
        # A line for each the answers hold, and one more to add a line.
        rows = _rows_in(initial, "row_{}_days") + 1
        return ServiceOpeningForm(data, initial=initial, rows=rows)

    def save(self, request: AuthenticatedRequest, service: Service, data: dict[str, Any]) -> None:
        services.service_opening_update(
            actor=request.user,
            service_id=service.pk,
            entries=data["entries"],
            seen_updated_at=data["seen"],
        )

    def context(self, service: Service) -> dict[str, Any]:
        kept = [s for s in self._schedules(service) if not services.schedule_editable(s)]
        return {"kept": kept}


class _Places(_ManagerPage):
    """A row for each building the service is delivered at, and one to add another; postal
    and virtual places are listed and kept."""

    template = "directory/service_places.html"
    saved = gettext_lazy("The places the service is delivered at have been saved.")

    @staticmethod
    def _places(service: Service) -> list[Location]:
        places = [sal.location for sal in service.service_at_locations.select_related("location")]
        return sorted(places, key=lambda p: (p.name, p.address_1, str(p.pk)))

    def answers(self, service: Service) -> dict[str, Any]:
        shown = [p for p in self._places(service) if services.place_editable(p)]
        answers: dict[str, Any] = {"seen": _seen(service)}
        for row, place in enumerate(shown, start=1):
            answers[f"place_{row}_id"] = str(place.pk)
            for name in services.PLACE_FIELDS:
                answers[f"place_{row}_{name}"] = getattr(place, name)
            for slot, phone in enumerate(place.phones.all(), start=1):
                answers[f"place_{row}_phone_{slot}"] = phone.number
                answers[f"place_{row}_phone_{slot}_description"] = phone.description
                answers[f"place_{row}_phone_{slot}_description_cy"] = phone.description_cy
        return answers

    def form(self, service: Service, data: Any, initial: dict[str, Any]) -> forms.Form:
        also: dict[str, list[str]] = {}  # the other services delivered at each place
        for other in (
            ServiceAtLocation.objects.filter(location__service_at_locations__service=service)
            .exclude(service=service)
            .select_related("service")
            .order_by("service__name")
        ):
            also.setdefault(str(other.location_id), []).append(other.service.display_name)
        # A row for each place the answers hold, and one more to add a place; for each, a
        # row for each of its phone numbers, and one more to add a number.
        rows = _rows_in(initial, "place_{}_id") + 1
        phones = {row: _rows_in(initial, f"place_{row}_phone_{{}}") + 1 for row in range(1, rows)}
        return ServicePlacesForm(data, initial=initial, rows=rows, also=also, phones=phones)

    def save(self, request: AuthenticatedRequest, service: Service, data: dict[str, Any]) -> None:
        services.service_places_update(
            actor=request.user,
            service_id=service.pk,
            places=data["places"],
            removed=data["removed"],
            seen_updated_at=data["seen"],
        )

    def context(self, service: Service) -> dict[str, Any]:
        return {"kept": [p for p in self._places(service) if not services.place_editable(p)]}


@capability_required(MANAGE_SERVICE_REFERRALS)
@require_http_methods(["GET", "POST"])
def service_referral_settings(request: AuthenticatedRequest, service_id: uuid.UUID) -> HttpResponse:
    """Whether the service takes referrals through Pont, and the inbox told of new ones."""
    return _manager_page(request, service_id, _ReferralSettings())


@capability_required(MANAGE_SERVICE_REFERRALS)
@require_http_methods(["GET", "POST"])
def service_details(request: AuthenticatedRequest, service_id: uuid.UUID) -> HttpResponse:
    """A provider manager keeps their own service's directory entry up to date."""
    return _manager_page(request, service_id, _Details())


@capability_required(MANAGE_SERVICE_REFERRALS)
@require_http_methods(["GET", "POST"])
def service_opening_times(request: AuthenticatedRequest, service_id: uuid.UUID) -> HttpResponse:
    """A provider manager's account of when their own service is open."""
    return _manager_page(request, service_id, _OpeningTimes())


@capability_required(MANAGE_SERVICE_REFERRALS)
@require_http_methods(["GET", "POST"])
def service_places(request: AuthenticatedRequest, service_id: uuid.UUID) -> HttpResponse:
    """A provider manager's account of where their own service is delivered."""
    return _manager_page(request, service_id, _Places())


@capability_required(MANAGE_SERVICE_REFERRALS)
@require_http_methods(["GET", "POST"])
def add_service(request: AuthenticatedRequest) -> HttpResponse:
    """A provider manager adds a new service of their organisation to the directory."""
    organizations = list(selectors.directory_organizations_managed_by(user=request.user))
    form = ServiceAddForm(
        request.POST if request.method == "POST" else None, organizations=organizations
    )
    if request.method == "POST" and organizations and form.is_valid():
        data = form.cleaned_data
        try:
            service = services.service_add(
                actor=request.user,
                organization_id=data["organization"],
                details={name: data[name] for name in services.DETAIL_FIELDS},
                needs=data["needs"],
                counties=data["counties"],
                languages=data["languages"],
                phones=data["phones"],
            )
        except ApplicationError as error:
            apply_application_error(form, error)
        else:
            messages.success(
                request,
                _(
                    "%(name)s has been added to the directory. Give the places it is delivered "
                    "at and its opening times, and say whether it takes referrals through Pont."
                )
                % {"name": service.display_name},
            )
            return redirect("directory:settings")
    return render(
        request,
        "directory/service_add.html",
        {"form": form, "organizations": organizations},
        # With no directory organisation to add to, the page says why; a POST is refused.
        status=form_status(form) if organizations else 400 if request.method == "POST" else 200,
    )
