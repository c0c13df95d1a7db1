"""A provider manager adds a new service of their organisation to the directory: the form,
what it saves (and that adding says the details were checked), the refusals, and the
audit."""

import pytest
from django.urls import reverse
from django.utils import timezone

from pont.accounts import services as accounts
from pont.accounts.models import Organisation, Role
from pont.audit.models import AuditEvent
from pont.directory import hsds, services
from pont.directory.models import DirectoryOrganization, Service
from pont.testing.http import post_form
from pont.testing.personas import PROV_A, PROV_A_MGR, PROV_B_MGR

ADD = reverse("directory:add_service")
SETTINGS = reverse("directory:settings")
NEW = {"name": "Young people's drug service", "status": Service.Status.ACTIVE}


@pytest.fixture
def own_organization(world):
    return services.directory_organization_create(
        actor=None,
        name="Provider A (directory)",
        pont_organisation=world.provider_a,
        email="info@provider-a.example",
    )


@pytest.fixture
def their_organization(world):
    return DirectoryOrganization.objects.create(
        name="Provider B (directory)", pont_organisation=world.provider_b
    )


def events_after(before: int) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(sequence__gt=before).order_by("sequence"))


def test_the_page_asks_for_the_details_and_not_which_organisation(own_organization, as_persona):
    response = as_persona(PROV_A_MGR).get(ADD)
    assert response.status_code == 200
    html = response.content.decode()
    assert '<h1 class="govuk-heading-l">Add a service</h1>' in html
    assert 'name="name"' in html
    assert 'name="phone_1"' in html
    assert 'name="organization"' not in html  # the manager's one organisation
    listing = as_persona(PROV_A_MGR).get(SETTINGS).content.decode()
    assert f'href="{ADD}"' in listing


def test_a_manager_adds_a_service_and_one_event_records_it(own_organization, world, as_persona):
    before = AuditEvent.objects.count()
    client = as_persona(PROV_A_MGR)
    response = post_form(
        client,
        ADD,
        {
            **NEW,
            "name_cy": "Gwasanaeth cyffuriau pobl ifanc",
            "description": " Support for under-18s. ",
            "needs": ["drugs", "young_people"],
            "maximum_age": "17",
            "counties": ["powys"],
            "languages": ["cy", "en"],
            "phone_1": "01597 123456",
            "phone_1_description": "Referrals",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == SETTINGS
    service = Service.objects.get(name=NEW["name"])
    assert service.organization == own_organization
    assert service.description == "Support for under-18s."
    assert service.maximum_age == 17
    assert set(service.needs.values_list("code", flat=True)) == {"drugs", "young_people"}
    assert list(service.service_areas.values_list("county", flat=True)) == ["powys"]
    assert set(service.languages.values_list("code", flat=True)) == {"cy", "en"}
    assert list(service.phones.values_list("number", "description")) == [
        ("01597 123456", "Referrals")
    ]
    assert service.assured_date == timezone.localdate()
    assert service.assurer_email == "info@provider-a.example"
    assert service.accepts_referrals is False  # until its referral settings say so
    assert service.service_at_locations.count() == 0
    (event,) = events_after(before)
    assert event.operation == AuditEvent.Operation.COLLECTION
    assert event.actor_id == world.users[PROV_A_MGR].pk
    assert event.object_id == str(service.pk)
    assert event.detail == {
        "fields": ["name", "name_cy", "status", "description", "maximum_age"]
        + ["needs", "service_areas", "languages", "phones"],
        "checked": True,
    }
    assert hsds.schema_problems(hsds.service_to_hsds(service), "service") == []
    listing = client.get(SETTINGS).content.decode()
    assert "Young people&#x27;s drug service has been added to the directory" in listing
    assert reverse("directory:places_service", args=[service.pk]) in listing


def test_a_worker_may_not_add_a_service(own_organization, as_persona):
    worker = as_persona(PROV_A)
    assert worker.get(ADD).status_code == 403
    assert post_form(worker, ADD, NEW).status_code == 403
    assert not Service.objects.exists()


def test_another_providers_organisation_cannot_be_named(
    own_organization, their_organization, as_persona
):
    """A manager of one organisation is not asked which; one that sends another's id (a
    page altered by hand) still adds to their own."""
    response = post_form(
        as_persona(PROV_A_MGR), ADD, {**NEW, "organization": str(their_organization.pk)}
    )
    assert response.status_code == 302
    assert Service.objects.get().organization == own_organization
    assert not their_organization.services.exists()


def test_a_manager_of_two_organisations_says_which_runs_it(
    own_organization, their_organization, world, as_persona
):
    third = Organisation.objects.create(
        name="Provider C", slug="provider-c", kind=Organisation.Kind.TREATMENT_PROVIDER
    )
    accounts.membership_create(
        actor=None, user=world.users[PROV_A_MGR], organisation=third, role=Role.PROVIDER_MANAGER
    )
    third_entry = DirectoryOrganization.objects.create(
        name="Provider C (directory)", pont_organisation=third
    )
    client = as_persona(PROV_A_MGR)
    html = client.get(ADD).content.decode()
    assert "Which organisation runs it?" in html
    assert f'value="{third_entry.pk}"' in html
    assert f'value="{their_organization.pk}"' not in html
    unanswered = post_form(client, ADD, NEW)
    assert unanswered.status_code == 400
    assert "Select the organisation that runs the service" in unanswered.content.decode()
    theirs = post_form(client, ADD, {**NEW, "organization": str(their_organization.pk)})
    assert theirs.status_code == 400
    assert 'id="id_organization-error"' in theirs.content.decode()
    assert not Service.objects.exists()
    chosen = post_form(client, ADD, {**NEW, "organization": str(third_entry.pk)})
    assert chosen.status_code == 302
    assert Service.objects.get().organization == third_entry


def test_a_manager_whose_organisation_is_not_in_the_directory_is_told_why(
    own_organization, as_persona
):
    client = as_persona(PROV_B_MGR)
    response = client.get(ADD)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Your organisation has no entry in the services directory yet" in html
    assert 'name="name"' not in html
    before = AuditEvent.objects.count()
    assert post_form(client, ADD, NEW).status_code == 400
    assert not Service.objects.exists()
    assert AuditEvent.objects.count() == before


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"name": ""}, "name", "Enter the service&#x27;s name"),
        ({"status": "open"}, "status", "Select whether the service is open"),
        ({"phone_1": "12345"}, "phone_1", "Phone number 1: Enter a UK phone number"),
        ({"minimum_age": "18", "maximum_age": "17"}, "maximum_age", "The oldest age must be"),
    ],
)
def test_bad_answers_are_refused_naming_the_field(
    own_organization, as_persona, fields, field, message
):
    before = AuditEvent.objects.count()
    response = post_form(as_persona(PROV_A_MGR), ADD, {**NEW, **fields})
    assert response.status_code == 400
    html = response.content.decode()
    assert f'id="id_{field}-error"' in html
    assert message in html
    assert "govuk-error-summary" in html
    assert not Service.objects.exists()
    assert AuditEvent.objects.count() == before
