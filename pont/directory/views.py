"""The services directory: the officers' search and service page, the public bilingual list,
and a provider manager's referral settings for their own services.

Directory entries are not personal data, so any signed-in member of staff
may search (no capability), searches are GET requests that can be
bookmarked, and reading is not audited. Changing whether a service takes
referrals is (it decides where referrals go), and so is a provider manager's change to
their own service's details.
"""

import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
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
    ServiceDetailsForm,
    ServiceOpeningForm,
    ServiceReferralSettingsForm,
    ServiceSearchForm,
)
from .hsds import schedule_order
from .models import Service
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
    may_change = (
        request.user.has_perm(MANAGE_SERVICE_REFERRALS)
        and selectors.service_get_for_manager(user=request.user, service_id=service.pk) is not None
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


@capability_required(MANAGE_SERVICE_REFERRALS)
@require_http_methods(["GET", "POST"])
def service_referral_settings(request: AuthenticatedRequest, service_id: uuid.UUID) -> HttpResponse:
    service = selectors.service_get_for_manager(user=request.user, service_id=service_id)
    if service is None:
        raise not_found(request, Service, service_id)
    # Bound for any POST, even an empty one: it is answered with what is missing.
    form = ServiceReferralSettingsForm(
        request.POST if request.method == "POST" else None, initial=_settings_of(service)
    )
    status = None  # the form's own (200, or 400 with errors) unless a conflict says 409
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.service_referrals_update(
                actor=request.user,
                service_id=service.pk,
                accepts_referrals=data["accepts_referrals"],
                referral_inbox_email=data["referral_inbox_email"],
                seen_updated_at=data["seen"],
            )
        except ConflictError as error:
            # Shown again as they are now, to be checked and changed again.
            service.refresh_from_db()
            form = ServiceReferralSettingsForm(_settings_of(service))
            form.is_valid()
            form.add_error(None, error.message)
            status = 409
        except ApplicationError as error:
            apply_application_error(form, error)
        else:
            messages.success(request, _("The referral settings have been saved."))
            return redirect("directory:settings")
    return render(
        request,
        "directory/service_referral_settings.html",
        {"form": form, "service": service},
        status=status or form_status(form),
    )


def _settings_of(service: Service) -> dict[str, Any]:
    return {
        "accepts_referrals": "yes" if service.accepts_referrals else "no",
        "referral_inbox_email": service.referral_inbox_email,
        "seen": service.updated_at.isoformat(),
    }


@capability_required(MANAGE_SERVICE_REFERRALS)
@require_http_methods(["GET", "POST"])
def service_details(request: AuthenticatedRequest, service_id: uuid.UUID) -> HttpResponse:
    """A provider manager keeps their own service's directory entry up to date; saving says
    the details were checked today."""
    service = selectors.service_get_for_manager(user=request.user, service_id=service_id)
    if service is None:
        raise not_found(request, Service, service_id)
    slots = service.phones.count() + 1
    form = ServiceDetailsForm(
        request.POST if request.method == "POST" else None,
        initial=_details_of(service),
        phone_slots=slots,
    )
    status = None  # the form's own (200, or 400 with errors) unless a conflict says 409
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
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
        except ConflictError as error:
            service = selectors.service_get_for_manager(user=request.user, service_id=service_id)
            if service is None:
                raise not_found(request, Service, service_id) from None
            form = ServiceDetailsForm(_details_of(service), phone_slots=service.phones.count() + 1)
            form.is_valid()
            form.add_error(None, error.message)
            status = 409
        except ApplicationError as error:
            apply_application_error(form, error)
        else:
            messages.success(request, _("The service's details have been saved."))
            return redirect("directory:settings")
    return render(
        request,
        "directory/service_details.html",
        {
            "form": form,
            "service": service,
            "opening_url": reverse("directory:opening_service", args=[service.pk]),
        },
        status=status or form_status(form),
    )


def _details_of(service: Service) -> dict[str, Any]:
    """The details form's answers as the service holds them (initial, or bound again)."""
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
    answers["seen"] = service.updated_at.isoformat()
    return answers


@capability_required(MANAGE_SERVICE_REFERRALS)
@require_http_methods(["GET", "POST"])
def service_opening_times(request: AuthenticatedRequest, service_id: uuid.UUID) -> HttpResponse:
    """A provider manager's account of when their own service is open, a line each."""
    service = selectors.service_get_for_manager(user=request.user, service_id=service_id)
    if service is None:
        raise not_found(request, Service, service_id)
    answers, kept = _opening_of(service)
    form = ServiceOpeningForm(
        request.POST if request.method == "POST" else None,
        initial=answers,
        rows=answers["rows"] + 1,
    )
    status = None
    if request.method == "POST" and form.is_valid():
        try:
            services.service_opening_update(
                actor=request.user,
                service_id=service.pk,
                entries=form.cleaned_data["entries"],
                seen_updated_at=form.cleaned_data["seen"],
            )
        except ConflictError as error:
            service.refresh_from_db()
            answers, kept = _opening_of(service)
            form = ServiceOpeningForm(answers, rows=answers["rows"] + 1)
            form.is_valid()
            form.add_error(None, error.message)
            status = 409
        except ApplicationError as error:
            apply_application_error(form, error)
        else:
            messages.success(request, _("The service's opening times have been saved."))
            return redirect("directory:settings")
    return render(
        request,
        "directory/service_opening_times.html",
        {"form": form, "service": service, "kept": kept},
        status=status or form_status(form),
    )


def _opening_of(service: Service) -> tuple[dict[str, Any], list[Any]]:
    """The opening times form's answers as the service holds them, with the number of lines
    held ("rows"); and the schedules the page cannot show, which are kept."""
    schedules = sorted(service.schedules.all(), key=schedule_order)
    shown = [s for s in schedules if services.schedule_editable(s)]
    answers: dict[str, Any] = {"seen": service.updated_at.isoformat(), "rows": len(shown)}
    for row, schedule in enumerate(shown, start=1):
        entry = services.opening_entry(schedule)
        answers[f"row_{row}_days"] = entry.days
        answers[f"row_{row}_opens"] = f"{entry.opens_at:%H:%M}" if entry.opens_at else ""
        answers[f"row_{row}_closes"] = f"{entry.closes_at:%H:%M}" if entry.closes_at else ""
        answers[f"row_{row}_description"] = entry.description
        answers[f"row_{row}_description_cy"] = entry.description_cy
    return answers, [s for s in schedules if not services.schedule_editable(s)]
