"""API schemas for the HSDS 3.0 read endpoints: the query it accepts, the documents it returns.

The Out schemas mirror the parts of the official HSDS 3.0 schemas that Pont
fills (see hsds.py); every optional field is left out of a response rather
than sent as null, because HSDS types have no null.
"""

import uuid
from typing import Annotated, Any

from django.utils.translation import gettext_lazy as _
from ninja import Field, Schema

from pont.core.api import IsoDateTime, refused_in_words

from .models import County


class ErrorOut(Schema):
    message: str
    extra: dict[str, Any]


class HsdsRootOut(Schema):
    version: str = Field(description="The HSDS version of this API.")
    openapi_url: str = Field(description="URL of the OpenAPI document that defines this API.")


# A raw + in a query string is a space once decoded (...T10:00:00+01:00 arrives as
# ...T10:00:00 01:00): said with its cure, as the referral API's updated_since says it.
MODIFIED_AFTER_NOT_A_DATE_TIME = _(
    "modified_after must be an ISO 8601 date and time, such as 2026-11-27T10:00:00Z; without "
    "an offset it is read as UTC. In the query string send the + of an offset as %2B "
    "(2026-11-27T10:00:00%2B01:00): a + on its own is read as a space."
)


class HsdsServiceQueryIn(Schema):
    """Filters of GET /hsds/services: the HSDS API's own, then Pont's."""

    page: int = Field(
        1, ge=1, le=1_000_000, description="Page number of the paginated result (1 to 1,000,000)."
    )
    per_page: int = Field(50, ge=1, le=200, description="Services per page (at most 200).")
    search: str = Field(
        "", max_length=200, description="Words that must all appear in the name or description."
    )
    organization_id: uuid.UUID | None = Field(
        None, description="Only the services of this organization."
    )
    modified_after: (
        Annotated[IsoDateTime, refused_in_words(MODIFIED_AFTER_NOT_A_DATE_TIME)] | None
    ) = Field(
        None,
        description="Only services changed on or after this date and time: ISO 8601 text "
        "(a number, Unix time, is refused); without an offset, UTC.",
    )
    taxonomy_term_id: str = Field(
        "", max_length=36, description="Only services with this taxonomy term (a pont-needs term)."
    )
    need: str = Field(
        "", max_length=64, description="Pont: only services that help with this need (its code)."
    )
    county: County | None = Field(None, description="Pont: only services covering this county.")
    language: str = Field(
        "", max_length=3, description="Pont: only services offered in this language (ISO 639-1)."
    )


class HsdsTaxonomyTermOut(Schema):
    id: str
    code: str | None = None
    name: str
    description: str
    taxonomy: str | None = None


class HsdsAttributeOut(Schema):
    id: str
    link_id: str | None = None
    link_type: str | None = None
    link_entity: str | None = None
    taxonomy_term_id: str | None = None
    taxonomy_term: HsdsTaxonomyTermOut | None = None
    value: str | None = None


class HsdsPhoneOut(Schema):
    id: str
    service_id: str | None = None
    location_id: str | None = None
    organization_id: str | None = None
    number: str
    extension: int | None = None
    description: str | None = None
    attributes: list[HsdsAttributeOut] | None = Field(
        None, description="Pont: its description in Welsh, as a pont-welsh attribute."
    )


class HsdsScheduleOut(Schema):
    id: str
    service_id: str | None = None
    valid_from: str | None = None
    valid_to: str | None = None
    freq: str | None = Field(None, description="WEEKLY or MONTHLY (RFC 5545).")
    byday: str | None = Field(None, description="Days, comma-separated: MO,TU,WE (RFC 5545).")
    opens_at: str | None = None
    closes_at: str | None = None
    description: str | None = None
    attributes: list[HsdsAttributeOut] | None = Field(
        None, description="Pont: its description in Welsh, as a pont-welsh attribute."
    )


class HsdsServiceAreaOut(Schema):
    id: str
    service_id: str | None = None
    name: str | None = Field(None, description="A county of Dyfed-Powys.")


class HsdsLanguageOut(Schema):
    id: str
    service_id: str | None = None
    name: str | None = None
    code: str | None = Field(None, description="ISO 639-1 code, for example cy for Welsh.")


class HsdsAddressOut(Schema):
    id: str
    location_id: str | None = None
    address_1: str
    address_2: str | None = None
    city: str
    state_province: str
    postal_code: str
    country: str
    address_type: str


class HsdsLocationOut(Schema):
    id: str
    location_type: str
    organization_id: str | None = None
    name: str | None = None
    alternate_name: str | None = Field(None, description="Pont: the Welsh name.")
    latitude: float | None = None
    longitude: float | None = None
    addresses: list[HsdsAddressOut] | None = None
    phones: list[HsdsPhoneOut] | None = None


class HsdsServiceAtLocationOut(Schema):
    id: str
    service_id: str | None = None
    location_id: str | None = None
    location: HsdsLocationOut | None = None


class HsdsOrganizationOut(Schema):
    id: str
    name: str
    alternate_name: str | None = Field(None, description="Pont: the Welsh name.")
    description: str
    email: str | None = None
    website: str | None = None
    phones: list[HsdsPhoneOut] | None = None


class HsdsServiceOut(Schema):
    """A fully nested HSDS 3.0 service (valid against the official service.json)."""

    id: str
    organization_id: str | None = None
    name: str
    alternate_name: str | None = Field(None, description="Pont: the Welsh name.")
    description: str | None = None
    url: str | None = None
    email: str | None = None
    status: str = Field(description="active, inactive, defunct or temporarily closed.")
    application_process: str | None = Field(None, description="How to refer.")
    eligibility_description: str | None = None
    minimum_age: int | None = None
    maximum_age: int | None = None
    assured_date: str | None = None
    assurer_email: str | None = None
    last_modified: str | None = None
    phones: list[HsdsPhoneOut] | None = None
    schedules: list[HsdsScheduleOut] | None = None
    service_areas: list[HsdsServiceAreaOut] | None = None
    service_at_locations: list[HsdsServiceAtLocationOut] | None = None
    languages: list[HsdsLanguageOut] | None = None
    organization: HsdsOrganizationOut | None = None
    attributes: list[HsdsAttributeOut] | None = Field(
        None,
        description=(
            "Pont: needs (taxonomy pont-needs) and the Welsh description, eligibility and "
            "application process (taxonomy pont-welsh, text in value)."
        ),
    )


class HsdsServicePageOut(Schema):
    """The HSDS API's paginated list (openapi.json, components.schemas.Page)."""

    total_items: int
    total_pages: int
    page_number: int
    size: int
    first_page: bool
    last_page: bool
    empty: bool
    contents: list[HsdsServiceOut]
