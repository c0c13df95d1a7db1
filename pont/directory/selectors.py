"""Reads of the services directory.

The directory is public information (no personal data), so these take no
user: what an officer, a partner system and a member of the public may see
differs only in which statuses are shown. The one exception is who may change
whether a service takes referrals: a provider's manager, for their own
organisation's services (`services_managed_by`).
"""

import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db.models import Prefetch, Q, QuerySet

from pont.accounts.models import User
from pont.accounts.roles import MANAGE_SERVICE_REFERRALS
from pont.accounts.selectors import memberships_of

from . import hsds
from .models import (
    DirectoryOrganization,
    NeedCategory,
    Service,
    ServiceAtLocation,
    ServiceLanguage,
)

# Officers see what they could refer to now or soon; the public sees what is open.
OFFICER_STATUSES = (Service.Status.ACTIVE, Service.Status.TEMPORARILY_CLOSED)
PUBLIC_STATUSES = (Service.Status.ACTIVE,)

_TEXT_FIELDS = (
    "name",
    "name_cy",
    "description",
    "description_cy",
    "eligibility_description",
    "eligibility_description_cy",
    "organization__name",
    "organization__name_cy",
    # Where it is: a place's name, its town, its postcode ("Llanelli", "SA15").
    "service_at_locations__location__name",
    "service_at_locations__location__name_cy",
    "service_at_locations__location__city",
    "service_at_locations__location__postal_code",
)


def _with_details(services: QuerySet[Service]) -> QuerySet[Service]:
    """Fetch what a page or an HSDS document shows about each service, in a fixed few queries."""
    return services.select_related("organization").prefetch_related(
        "needs",
        "service_areas",
        "languages",
        "phones",
        "schedules",
        "organization__phones",
        Prefetch(
            "service_at_locations",
            queryset=ServiceAtLocation.objects.select_related("location").prefetch_related(
                "location__phones"
            ),
        ),
    )


def _matching(
    services: QuerySet[Service],
    *,
    text: str = "",
    needs: Iterable[str] = (),
    county: str = "",
    language: str = "",
) -> QuerySet[Service]:
    """Narrow to services matching every word of text, every need, the county and the language."""
    for word in text.split():
        condition = Q()
        for name in _TEXT_FIELDS:
            condition |= Q(**{f"{name}__icontains": word})
        services = services.filter(condition)
    # A service must help with every need asked for, not just one of them: one join each.
    for code in sorted(set(needs)):
        services = services.filter(needs__code=code)
    if county:
        services = services.filter(service_areas__county=county)
    if language:
        services = services.filter(languages__code=language)
    return services.distinct()


def service_search(
    *, text: str = "", needs: Iterable[str] = (), county: str = "", language: str = ""
) -> QuerySet[Service]:
    """The services an officer may refer to (open or temporarily closed) that match the search."""
    services = Service.objects.filter(status__in=OFFICER_STATUSES)
    services = _matching(services, text=text, needs=needs, county=county, language=language)
    return _with_details(services.order_by("name", "pk"))


def public_service_list(*, need: str = "", county: str = "") -> QuerySet[Service]:
    """The active services, for the public list."""
    services = Service.objects.filter(status__in=PUBLIC_STATUSES)
    services = _matching(services, needs=[need] if need else [], county=county)
    return _with_details(services.order_by("name", "pk"))


def service_get(*, service_id: uuid.UUID | str) -> Service | None:
    """Return the service (whatever its status) with its details, or None."""
    try:
        pk = uuid.UUID(str(service_id))
    except ValueError:
        return None
    return _with_details(Service.objects.filter(pk=pk)).first()


def need_choices() -> QuerySet[NeedCategory]:
    """The needs officers may search by today."""
    return NeedCategory.objects.current()


def hsds_services(
    *,
    search: str = "",
    organization_id: uuid.UUID | None = None,
    modified_after: datetime | None = None,
    taxonomy_term_id: str = "",
    need: str = "",
    county: str = "",
    language: str = "",
) -> QuerySet[Service]:
    """Every service (any status) for HSDS export and the HSDS API, with the API's filters."""
    services = Service.objects.all()
    if organization_id is not None:
        services = services.filter(organization_id=organization_id)
    if modified_after is not None:
        services = services.filter(last_modified__gte=modified_after)
    needs = [need] if need else []
    if taxonomy_term_id:
        by_term = {hsds.need_term_id(code): code for code in _need_codes()}
        # An unknown term matches nothing, as a filter on a missing value should.
        needs.append(by_term.get(taxonomy_term_id, "-"))
    services = _matching(services, text=search, needs=needs, county=county, language=language)
    return _with_details(services.order_by("name", "pk"))


def _need_codes() -> set[str]:
    return set(NeedCategory.objects.values_list("code", flat=True))


def hsds_page(services: QuerySet[Service], *, page: int, per_page: int) -> dict[str, Any]:
    """Return one page of services as the HSDS API's paginated list."""
    total = services.count()
    start = (page - 1) * per_page
    # A page past the end is empty, and asks the database nothing more (no huge OFFSET).
    return hsds.page_to_hsds(
        list(services[start : start + per_page]) if start < total else [],
        total_items=total,
        page_number=page,
        per_page=per_page,
    )


def hsds_export() -> dict[str, Any]:
    """Every service in the directory as one HSDS list page."""
    services = hsds_services()
    contents = list(services)
    return hsds.page_to_hsds(
        contents, total_items=len(contents), page_number=1, per_page=max(1, len(contents))
    )


def languages_offered() -> set[str]:
    """The codes of the languages any service is offered in (Welsh always among them)."""
    return {"cy", *ServiceLanguage.objects.values_list("code", flat=True).distinct()}


def _organisations_managed(user: User) -> list[int]:
    """The Pont organisations whose directory entries this user keeps: those they are a
    member of, if they hold the capability; none without it."""
    if not user.has_perm(MANAGE_SERVICE_REFERRALS):
        return []
    return list(memberships_of(user=user).values_list("organisation_id", flat=True))


def directory_organizations_managed_by(*, user: User) -> QuerySet[DirectoryOrganization]:
    """The directory organisations whose services this user keeps: those linked to the Pont
    organisations they manage."""
    return DirectoryOrganization.objects.filter(
        pont_organisation_id__in=_organisations_managed(user)
    ).order_by("name")


def services_managed_by(*, user: User) -> QuerySet[Service]:
    """The services whose referral settings this user may change: those of the directory
    organisations linked to the Pont organisations they manage."""
    return Service.objects.select_related("organization").filter(
        organization__pont_organisation_id__in=_organisations_managed(user)
    )


def service_get_for_manager(*, user: User, service_id: uuid.UUID) -> Service | None:
    """The service, if this user may change its referral settings; else None (shown as 404)."""
    return services_managed_by(user=user).filter(pk=service_id).first()
