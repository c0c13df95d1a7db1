"""Directory writes: validated, audited, and never letting a non-Pont service take referrals."""

import pytest

from pont.audit.models import AuditEvent
from pont.core.exceptions import ApplicationError, ConflictError, NotFoundError
from pont.directory import services
from pont.directory.models import DirectoryOrganization, Service

Operation = AuditEvent.Operation


def _events(before):
    return list(
        AuditEvent.objects.filter(sequence__gt=before)
        .order_by("sequence")
        .values_list("operation", "object_type")
    )


def test_a_service_is_created_with_its_details_and_one_audit_event(provider_a_directory):
    before = AuditEvent.objects.count()
    service = services.service_create(
        actor=None,
        organization=provider_a_directory,
        name=" Drug service ",
        name_cy="Gwasanaeth cyffuriau",
        minimum_age=18,
        needs=["drugs", "alcohol"],
        counties=["powys", "powys", "ceredigion"],
        languages=["cy", "en"],
        phones=["029 2018 0700"],
        schedules=[{"byday": "MO,WE", "opens_at": "09:00", "closes_at": "12:00"}],
        locations=[{"name": "Base", "address_1": "1 High Street", "city": "Newtown"}],
        accepts_referrals=True,
    )
    service.refresh_from_db()
    assert service.name == "Drug service"
    assert sorted(service.service_areas.values_list("county", flat=True)) == [
        "ceredigion",
        "powys",
    ]
    assert sorted(service.languages.values_list("code", "name")) == [
        ("cy", "Welsh"),
        ("en", "English"),
    ]
    assert service.schedules.get().opens_at.hour == 9
    assert service.service_at_locations.get().location.city == "Newtown"
    assert service.can_receive_referrals
    assert _events(before) == [(Operation.COLLECTION, "directory.service")]


def test_only_a_service_of_a_pont_organisation_can_take_referrals(db):
    outsider = services.directory_organization_create(actor=None, name="Not in Pont")
    with pytest.raises(ApplicationError) as refused:
        services.service_create(actor=None, organization=outsider, name="X", accepts_referrals=True)
    assert "accepts_referrals" in refused.value.extra["fields"]
    service = services.service_create(actor=None, organization=outsider, name="X")
    with pytest.raises(ApplicationError):
        services.service_referrals_update(actor=None, service_id=service.pk, accepts_referrals=True)
    service.refresh_from_db()
    assert not service.accepts_referrals


def test_unlinking_an_organisation_from_pont_stops_its_services_taking_referrals(
    provider_a_directory,
):
    service = services.service_create(
        actor=None, organization=provider_a_directory, name="S", accepts_referrals=True
    )
    before = AuditEvent.objects.count()
    services.directory_organization_link(
        actor=None, organization_id=provider_a_directory.pk, pont_organisation=None
    )
    service.refresh_from_db()
    assert not service.accepts_referrals
    assert not service.can_receive_referrals
    event = AuditEvent.objects.get(sequence=before + 1)
    assert event.detail == {"pont_organisation": [provider_a_directory.pont_organisation_id, None]}


def test_linking_again_to_the_same_organisation_changes_and_audits_nothing(
    world, provider_a_directory
):
    before = AuditEvent.objects.count()
    services.directory_organization_link(
        actor=None, organization_id=provider_a_directory.pk, pont_organisation=world.provider_a
    )
    assert AuditEvent.objects.count() == before


def test_changing_referral_settings_is_audited_with_the_fields_changed(provider_a_directory):
    service = services.service_create(actor=None, organization=provider_a_directory, name="S")
    before = AuditEvent.objects.count()
    services.service_referrals_update(
        actor=None,
        service_id=service.pk,
        accepts_referrals=True,
        referral_inbox_email="referrals@example.org",
    )
    event = AuditEvent.objects.get(sequence=before + 1)
    assert (event.operation, event.detail) == (
        Operation.ALTERATION,
        {"fields": ["accepts_referrals", "referral_inbox_email"]},
    )


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"minimum_age": 30, "maximum_age": 20}, "__all__"),
        ({"email": "not-an-email"}, "email"),
        ({"needs": ["knitting"]}, "needs"),
        ({"status": "open"}, "status"),
    ],
)
def test_a_service_with_bad_details_is_refused_naming_the_field(db, values, field):
    organization = services.directory_organization_create(actor=None, name="O")
    with pytest.raises(ApplicationError) as refused:
        services.service_create(actor=None, organization=organization, name="S", **values)
    assert field in refused.value.extra["fields"]
    assert not Service.objects.exists()


def test_an_unknown_service_or_organisation_is_not_found(db):
    missing = "5e7a1c00-0000-4000-8000-0000000000ff"
    with pytest.raises(NotFoundError):
        services.service_referrals_update(actor=None, service_id=missing, accepts_referrals=False)
    with pytest.raises(NotFoundError):
        services.directory_organization_link(
            actor=None, organization_id=missing, pont_organisation=None
        )
    assert not DirectoryOrganization.objects.exists()


def test_only_a_treatment_provider_can_be_linked_naming_the_field(world):
    organization = services.directory_organization_create(actor=None, name="O")
    before = AuditEvent.objects.count()
    with pytest.raises(ApplicationError) as refused:
        services.directory_organization_link(
            actor=None, organization_id=organization.pk, pont_organisation=world.force
        )
    assert "pont_organisation" in refused.value.extra["fields"]
    organization.refresh_from_db()
    assert organization.pont_organisation_id is None
    assert AuditEvent.objects.count() == before


def test_referral_settings_changed_since_they_were_seen_are_not_overwritten(
    provider_a_directory,
):
    service = services.service_create(actor=None, organization=provider_a_directory, name="S")
    seen = service.updated_at
    services.service_referrals_update(
        actor=None, service_id=service.pk, accepts_referrals=True, seen_updated_at=seen
    )
    before = AuditEvent.objects.count()
    with pytest.raises(ConflictError):
        services.service_referrals_update(
            actor=None,
            service_id=service.pk,
            accepts_referrals=False,
            referral_inbox_email="late@example.org",
            seen_updated_at=seen,
        )
    service.refresh_from_db()
    assert (service.accepts_referrals, service.referral_inbox_email) == (True, "")
    assert AuditEvent.objects.count() == before


def test_a_provider_already_in_the_directory_cannot_be_linked_twice(world, provider_a_directory):
    second = services.directory_organization_create(actor=None, name="Second entry")
    with pytest.raises(ApplicationError) as refused:
        services.directory_organization_link(
            actor=None, organization_id=second.pk, pont_organisation=world.provider_a
        )
    assert (
        "already linked to Provider A (directory)"
        in refused.value.extra["fields"]["pont_organisation"][0]
    )
    with pytest.raises(ApplicationError) as refused_at_creation:
        services.directory_organization_create(
            actor=None, name="Third", pont_organisation=world.provider_a
        )
    assert "pont_organisation" in refused_at_creation.value.extra["fields"]
    second.refresh_from_db()
    assert second.pont_organisation_id is None
    assert not DirectoryOrganization.objects.filter(name="Third").exists()
