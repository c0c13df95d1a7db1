"""A provider manager's "Your services": which services take referrals, and the notice inbox;
and `pont directory-link`, which links a directory organisation to a Pont organisation."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from pont.audit.models import AuditEvent
from pont.directory import services
from pont.directory.models import DirectoryOrganization
from pont.testing.http import post_form
from pont.testing.personas import PROV_A, PROV_A_MGR, PROV_B_MGR

SETTINGS = reverse("directory:settings")


def settings_of(service) -> str:
    return reverse("directory:settings_service", kwargs={"service_id": service.pk})


@pytest.fixture
def own_service(provider_a_directory):
    return services.service_create(
        actor=None, organization=provider_a_directory, name="Provider A drug service"
    )


@pytest.fixture
def other_service(world):
    organization = services.directory_organization_create(
        actor=None, name="Provider B (directory)", pont_organisation=world.provider_b
    )
    return services.service_create(
        actor=None, organization=organization, name="Provider B alcohol service"
    )


def answer(service, **fields) -> dict[str, str]:
    return {"seen": service.updated_at.isoformat(), **fields}


# Who may see and change what


def test_a_manager_sees_their_own_services_only(own_service, other_service, as_persona):
    response = as_persona(PROV_A_MGR).get(SETTINGS)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Provider A drug service" in html
    assert "Provider B alcohol service" not in html
    assert settings_of(own_service) in html


def test_another_providers_service_does_not_exist_for_a_manager(other_service, as_persona):
    client = as_persona(PROV_A_MGR)
    assert client.get(settings_of(other_service)).status_code == 404
    refused = post_form(
        client, settings_of(other_service), answer(other_service, accepts_referrals="yes")
    )
    assert refused.status_code == 404
    other_service.refresh_from_db()
    assert not other_service.accepts_referrals


def test_a_provider_worker_may_not_change_referral_settings(own_service, as_persona):
    client = as_persona(PROV_A)
    assert client.get(SETTINGS).status_code == 403
    assert client.get(settings_of(own_service)).status_code == 403
    refused = post_form(
        client, settings_of(own_service), answer(own_service, accepts_referrals="yes")
    )
    assert refused.status_code == 403
    own_service.refresh_from_db()
    assert not own_service.accepts_referrals


def test_the_navigation_offers_the_page_to_managers_only(own_service, as_persona):
    assert SETTINGS in as_persona(PROV_A_MGR).get(reverse("core:home")).content.decode()
    assert SETTINGS not in as_persona(PROV_A).get(reverse("core:home")).content.decode()


def test_a_manager_whose_organisation_has_no_directory_entry_is_told_who_links_it(
    own_service, as_persona
):
    html = as_persona(PROV_B_MGR).get(SETTINGS).content.decode()
    assert "Provider A drug service" not in html
    assert "system administrator to link" in html


# Changing the settings


def test_a_manager_turns_referrals_on_with_an_inbox_and_it_is_audited(
    own_service, world, as_persona
):
    before = AuditEvent.objects.count()
    response = post_form(
        as_persona(PROV_A_MGR),
        settings_of(own_service),
        answer(own_service, accepts_referrals="yes", referral_inbox_email=" referrals@a.example "),
    )
    assert response.status_code == 302
    assert response["Location"] == SETTINGS
    own_service.refresh_from_db()
    assert own_service.accepts_referrals
    assert own_service.referral_inbox_email == "referrals@a.example"
    assert own_service.can_receive_referrals
    (event,) = AuditEvent.objects.filter(sequence__gt=before)
    assert event.operation == AuditEvent.Operation.ALTERATION
    assert event.actor_id == world.users[PROV_A_MGR].pk
    assert event.object_id == str(own_service.pk)
    assert event.detail == {"fields": ["accepts_referrals", "referral_inbox_email"]}


def test_the_form_shows_the_current_settings(own_service, as_persona):
    services.service_referrals_update(
        actor=None,
        service_id=own_service.pk,
        accepts_referrals=True,
        referral_inbox_email="x@a.example",
    )
    html = as_persona(PROV_A_MGR).get(settings_of(own_service)).content.decode()
    assert 'value="x@a.example"' in html
    assert 'value="yes" checked' in html


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({}, "accepts_referrals", "Select yes if this service takes referrals through Pont"),
        (
            {"accepts_referrals": "yes", "referral_inbox_email": "not an address"},
            "referral_inbox_email",
            "Enter an email address like referrals@example.org",
        ),
        ({"accepts_referrals": "maybe"}, "accepts_referrals", "Select a valid choice"),
    ],
)
def test_bad_answers_are_refused_naming_the_field(own_service, as_persona, fields, field, message):
    before = AuditEvent.objects.count()
    response = post_form(
        as_persona(PROV_A_MGR), settings_of(own_service), answer(own_service, **fields)
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert f'id="id_{field}-error"' in html
    assert message in html
    assert "govuk-error-summary" in html
    own_service.refresh_from_db()
    assert not own_service.accepts_referrals
    assert AuditEvent.objects.count() == before


def test_a_change_made_meanwhile_is_not_overwritten_and_the_form_shows_it(own_service, as_persona):
    stale = answer(own_service, accepts_referrals="no", referral_inbox_email="")
    services.service_referrals_update(
        actor=None,
        service_id=own_service.pk,
        accepts_referrals=True,
        referral_inbox_email="new@a.example",
    )
    response = post_form(as_persona(PROV_A_MGR), settings_of(own_service), stale)
    assert response.status_code == 409
    html = response.content.decode()
    assert "Someone else changed this service" in html
    assert 'value="new@a.example"' in html  # shown as it is now
    own_service.refresh_from_db()
    assert own_service.accepts_referrals
    # Sent again from the form as shown, the change is made.
    again = post_form(
        as_persona(PROV_A_MGR),
        settings_of(own_service),
        answer(own_service, accepts_referrals="no"),
    )
    assert again.status_code == 302
    own_service.refresh_from_db()
    assert not own_service.accepts_referrals


def test_a_service_that_is_not_open_is_flagged(provider_a_directory, as_persona):
    closed = services.service_create(
        actor=None, organization=provider_a_directory, name="Closed one", status="inactive"
    )
    html = as_persona(PROV_A_MGR).get(settings_of(closed)).content.decode()
    assert "officers cannot refer to it until it is open again" in html


# pont directory-link


def run(*args: str) -> str:
    out = StringIO()
    call_command("directory-link", *args, stdout=out)
    return out.getvalue()


def test_the_command_links_and_unlinks_a_directory_organisation(world):
    organization = services.directory_organization_create(actor=None, name="Dyfed service")
    listed = run("--list")
    assert f"{organization.pk}  Dyfed service  ->  -" in listed
    assert "Dyfed service is linked to Provider A" in run(
        str(organization.pk), "--organisation", "provider-a"
    )
    organization.refresh_from_db()
    assert organization.pont_organisation_id == world.provider_a.pk
    assert "->  provider-a" in run("--list")
    assert "is not linked" in run(str(organization.pk), "--none")
    organization.refresh_from_db()
    assert organization.pont_organisation_id is None


@pytest.mark.parametrize(
    ("args", "names"),
    [
        (["not-a-uuid", "--organisation", "provider-a"], "directory_organisation"),
        (["5e7a1c00-0000-4000-8000-0000000000ff", "--none"], "directory_organisation"),
        (["{org}", "--organisation", "no-such-slug"], "--organisation"),
        (["{org}", "--organisation", "dpp"], "--organisation"),  # a force, not a provider
        (["{org}", "--organisation", "provider-b"], "--organisation: Provider B is already"),
        (["{org}"], "--organisation"),
        ([], "directory organisation's id"),
    ],
)
def test_the_command_refuses_bad_input_naming_it(world, args, names):
    services.directory_organization_create(
        actor=None, name="B's entry", pont_organisation=world.provider_b
    )
    organization = services.directory_organization_create(actor=None, name="O")
    with pytest.raises(CommandError, match=names):
        run(*(arg.replace("{org}", str(organization.pk)) for arg in args))
    organization.refresh_from_db()
    assert organization.pont_organisation_id is None
    assert DirectoryOrganization.objects.count() == 2
