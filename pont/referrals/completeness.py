"""The completeness gate: a referral cannot leave draft until the person can be reached.

The report behind Pont: providers spent "exhaustive amounts of time attempting
to contact service users due to missing details on arrest referral forms".
So a referral is sent only with a UK phone number that parses or a postal
address with a valid postcode, and, for someone leaving custody, the address
they are released to. The gate names exactly what is missing.
"""

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from pont.core.validators import normalise_postcode
from pont.people.models import ContactRoute, Person

NEED_A_ROUTE = _("Add a UK phone number or a postal address with a valid postcode for this person.")
NEED_RELEASE_ADDRESS = _("Add the address the person is being released to, as a postal address.")
PHONE_DOES_NOT_PARSE = _(
    "The phone number %(number)s is not a valid UK number: correct or remove it."
)
POSTCODE_INVALID = _("The postcode %(postcode)s is not valid: correct or remove the address.")

# Sources whose person is leaving custody, so the release address is needed.
CUSTODY_SOURCES = frozenset({"test_on_arrest"})


@dataclass
class Completeness:
    """`missing`: what stops the referral being sent; `warnings`: routes that cannot be used."""

    complete: bool
    missing: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    usable_routes: list[ContactRoute] = field(default_factory=list)


def _usable(route: ContactRoute) -> tuple[bool, str | None]:
    """Whether a route can be used to reach the person (`reaches_the_person`), and why not."""
    if route.reaches_the_person:
        return True, None
    if route.kind == ContactRoute.Kind.PHONE:
        return False, str(PHONE_DOES_NOT_PARSE % {"number": route.phone})
    if route.kind == ContactRoute.Kind.ADDRESS:
        try:
            normalise_postcode(route.postcode)
        except ValidationError:
            return False, str(POSTCODE_INVALID % {"postcode": route.postcode})
    return False, None  # an address without its first line; email alone is not enough


def check_completeness(person: Person, *, source_kind: str) -> Completeness:
    """Return whether the person's current contact routes let a provider reach them."""
    usable: list[ContactRoute] = []
    warnings: list[str] = []
    for route in person.contact_routes.filter(ended_at__isnull=True):
        ok, problem = _usable(route)
        if ok or route.kind == ContactRoute.Kind.EMAIL:
            usable.append(route)
        if problem:
            warnings.append(problem)
    missing: list[str] = []
    if not any(r.kind in (ContactRoute.Kind.PHONE, ContactRoute.Kind.ADDRESS) for r in usable):
        missing.append(str(NEED_A_ROUTE))
    if source_kind in CUSTODY_SOURCES and not any(
        r.kind == ContactRoute.Kind.ADDRESS and r.use == ContactRoute.Use.RELEASE for r in usable
    ):
        missing.append(str(NEED_RELEASE_ADDRESS))
    return Completeness(
        complete=not missing, missing=missing, warnings=warnings, usable_routes=usable
    )


def snapshot(routes: list[ContactRoute]) -> list[dict[str, object]]:
    """The contact routes as sent, kept on the referral even if the person's record changes."""
    return [
        {
            "kind": route.kind,
            "use": route.use,
            "value": route.display_value,
            "phone": route.phone,
            "email": route.email,
            "address_line_1": route.address_line_1,
            "address_line_2": route.address_line_2,
            "town": route.town,
            "county": route.county,
            "postcode": route.postcode,
            "verified": route.is_verified,
            "preferred": route.is_preferred,
        }
        for route in routes
    ]
