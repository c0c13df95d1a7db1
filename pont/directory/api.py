"""The HSDS 3.0 read API: GET /api/v1/hsds/, /hsds/services and /hsds/services/{id}.

These endpoints need no key (auth=None): the directory is public information,
the same as the public list of services, and other directories (Open Referral
UK, DEWIS) should be able to read it as they read any HSDS feed. They return
only directory data; nothing personal is reachable from them.
"""

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Query, Router

from pont.core.api import in_utc
from pont.core.exceptions import ApplicationError, NotFoundError

from . import hsds, selectors
from .schemas import ErrorOut, HsdsRootOut, HsdsServiceOut, HsdsServicePageOut, HsdsServiceQueryIn
from .services import SERVICE_NOT_FOUND

router = Router(tags=["directory (HSDS 3.0)"])


@router.get(
    "/",
    auth=None,
    response=HsdsRootOut,
    url_name="get_hsds_root",
    summary="Which HSDS version this API follows",
)
def get_hsds_root(request: HttpRequest) -> dict[str, str]:
    """Information about this API and its relationship with HSDS (no key needed)."""
    return {
        "version": hsds.HSDS_VERSION,
        "openapi_url": request.build_absolute_uri(reverse("api:openapi-json")),
    }


@router.get(
    "/services",
    auth=None,
    response={200: HsdsServicePageOut, 422: ErrorOut},
    exclude_none=True,
    url_name="list_hsds_services",
    summary="List services (paginated, fully nested)",
)
def list_hsds_services(request: HttpRequest, filters: Query[HsdsServiceQueryIn]) -> dict[str, Any]:
    """Every service in the directory, whatever its status, as fully nested HSDS 3.0 services.

    No key needed. Filters combine: a service must match all of them.
    """
    if filters.need and filters.need not in {n.code for n in selectors.need_choices()}:
        message = _("Unknown need.")
        raise ApplicationError(message, {"fields": {"need": [message]}}, status=422)
    modified_after = filters.modified_after
    if modified_after is not None:
        modified_after = in_utc(modified_after, naive_is_utc=True)
    services = selectors.hsds_services(
        search=filters.search,
        organization_id=filters.organization_id,
        modified_after=modified_after,
        taxonomy_term_id=filters.taxonomy_term_id,
        need=filters.need,
        county=filters.county.value if filters.county else "",
        language=filters.language.lower(),
    )
    return selectors.hsds_page(services, page=filters.page, per_page=filters.per_page)


@router.get(
    "/services/{id}",
    auth=None,
    response={200: HsdsServiceOut, 404: ErrorOut},
    exclude_none=True,
    url_name="get_hsds_service",
    summary="One service, fully nested",
)
def get_hsds_service(request: HttpRequest, id: str) -> dict[str, Any]:  # HSDS names it "id"
    """One service with everything about it (no key needed); 404 if there is no such service."""
    service = selectors.service_get(service_id=id)
    if service is None:
        raise NotFoundError(str(SERVICE_NOT_FOUND))
    return hsds.service_to_hsds(service)
