"""Referral test data, made through the services, in any state of the lifecycle."""

from datetime import date, timedelta
from typing import Any

from django.utils import timezone

from pont.directory.models import DirectoryOrganization, Service
from pont.people import services as people
from pont.people.models import Person
from pont.referrals import services
from pont.referrals.models import Referral, WebhookEndpoint

from .personas import CUSTODY, PROV_A, PROV_A_MGR, PROV_B, World


def provider_directory(world: World, which: str = "a") -> DirectoryOrganization:
    """Provider A's (or B's) entry in the services directory, linked to it in Pont."""
    organisation = world.provider_a if which == "a" else world.provider_b
    directory, _created = DirectoryOrganization.objects.get_or_create(
        pont_organisation=organisation, defaults={"name": organisation.name}
    )
    return directory


def provider_service(world: World, which: str = "a") -> Service:
    """A service of provider A (or B) in the directory that takes referrals through Pont."""
    service, _created = Service.objects.get_or_create(
        organization=provider_directory(world, which),
        name=f"Drug and alcohol service {which.upper()}",
        defaults={
            "accepts_referrals": True,
            "referral_inbox_email": f"referrals-{which}@example.test",
        },
    )
    return service


def reachable_person(
    world: World, *, given_name: str = "Dylan", phone: str = "07812 345678"
) -> Person:
    """A person recorded by the force with a valid phone number (complete for referral)."""
    person = people.person_create(
        actor=world.users[CUSTODY],
        given_name=given_name,
        family_name="Parry",
        date_of_birth=date(1995, 7, 30),
        gender="male",
        confirmed_new=True,
    )
    if phone:
        people.contact_route_add(
            actor=world.users[CUSTODY],
            person_id=person.pk,
            kind="phone",
            use="mobile",
            values={"phone": phone},
        )
    return person


def released_person(world: World, *, given_name: str = "Rhys") -> Person:
    """A person leaving custody: a valid phone and the address they are released to."""
    person = reachable_person(world, given_name=given_name)
    people.contact_route_add(
        actor=world.users[CUSTODY],
        person_id=person.pk,
        kind="address",
        use="release",
        values={"address_line_1": "12 Heol y Bont", "town": "Llanelli", "postcode": "SA15 1AB"},
    )
    return person


def draft_referral(
    world: World, *, person: Person | None = None, which: str = "a", **overrides: Any
) -> Referral:
    values: dict[str, Any] = {
        "actor": world.users[CUSTODY],
        "person_id": (person or reachable_person(world)).pk,
        "service_id": provider_service(world, which).pk,
        "reason": "Cocaine use; wants help",
        "source_kind": Referral.Source.VOLUNTARY,
        "consent_confirmed": True,
    }
    values.update(overrides)
    return services.referral_create(**values)


def referral_in(
    world: World, state: str, *, which: str = "a", person: Person | None = None
) -> Referral:
    """A referral to provider A (or B) taken through the services to the given state."""
    referral = draft_referral(world, person=person, which=which)
    if state == "draft":
        return referral
    officer = world.users[CUSTODY]
    worker = world.users[PROV_A if which == "a" else PROV_B]
    if state == "cancelled":
        return services.referral_cancel(
            actor=officer, referral_id=referral.pk, reason="Entered in error"
        )
    services.referral_send(actor=officer, referral_id=referral.pk)
    if state == "requested":
        return Referral.objects.get(pk=referral.pk)
    if state == "rejected":
        return services.referral_reject(
            actor=worker, referral_id=referral.pk, reason="Outside our area"
        )
    services.referral_accept(actor=worker, referral_id=referral.pk)
    if state == "accepted":
        return Referral.objects.get(pk=referral.pk)
    services.contact_attempt_log(
        actor=worker,
        referral_id=referral.pk,
        method="phone",
        attempted_at=timezone.now(),  # not before it was sent, a moment ago
        result="reached",
    )
    if state == "in-progress":
        return Referral.objects.get(pk=referral.pk)
    if state == "completed":  # treatment complete: it had started
        services.treatment_start(actor=worker, referral_id=referral.pk, started_at=timezone.now())
    code = {"completed": "planned_complete", "failed": "dna_before_assessment"}[state]
    return services.referral_close(actor=worker, referral_id=referral.pk, closure_reason=code)


def sent_earlier(referral: Referral, *, days: int = 2) -> Referral:
    """Move the time the referral was sent back by `days`, for a test that records what the
    provider did before today (nothing can be recorded before the referral was sent)."""
    from django.db.models import F

    Referral.objects.filter(pk=referral.pk).update(
        requested_at=F("requested_at") - timedelta(days=days)
    )
    referral.refresh_from_db()
    return referral


TEST_WEBHOOK_SECRET = "whsec_test_secret"  # noqa: S105 - a test endpoint's, never a real one


def webhook_endpoint(
    world: World, url: str, *, secret: str = TEST_WEBHOOK_SECRET
) -> WebhookEndpoint:
    """Provider A's webhook endpoint at `url`, registered by its manager."""
    return WebhookEndpoint.objects.create(
        organisation=world.provider_a, url=url, secret=secret, created_by=world.users[PROV_A_MGR]
    )
