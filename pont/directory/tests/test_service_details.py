"""A provider manager keeps their own service's directory entry up to date: the form, what
it saves (and that saving says the details were checked), the refusals, and the audit."""

import threading
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from pont.audit.models import AuditEvent
from pont.directory import hsds, services
from pont.directory.models import DirectoryOrganization, NeedCategory, Phone, Service
from pont.testing.http import post_form
from pont.testing.personas import CUSTODY, PROV_A, PROV_A_MGR, PROV_B_MGR

SETTINGS = reverse("directory:settings")


def details_of(service) -> str:
    return reverse("directory:details_service", kwargs={"service_id": service.pk})


@pytest.fixture
def own_service(provider_a_directory):
    service = services.service_create(
        actor=None,
        organization=provider_a_directory,
        name="Provider A drug service",
        description="Support with drugs.",
        needs=["drugs"],
        counties=["powys"],
        languages=["en"],
    )
    Phone.objects.create(service=service, number="01597 123456", extension="12")
    return service


@pytest.fixture
def other_service(world):
    organization = DirectoryOrganization.objects.create(
        name="Provider B (directory)", pont_organisation=world.provider_b
    )
    return services.service_create(
        actor=None, organization=organization, name="Provider B alcohol service"
    )


def answer(service, **fields) -> dict[str, object]:
    """The form as a manager sends it: the service as it is, with `fields` changed."""
    form = {
        "seen": service.updated_at.isoformat(),
        "name": service.name,
        "name_cy": service.name_cy,
        "status": service.status,
        "description": service.description,
        "needs": list(service.needs.values_list("code", flat=True)),
        "counties": list(service.service_areas.values_list("county", flat=True)),
        "languages": list(service.languages.values_list("code", flat=True)),
    }
    for slot, phone in enumerate(service.phones.order_by("number"), start=1):
        form[f"phone_{slot}"] = phone.number
    form.update(fields)
    return form


def events_after(before: int) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(sequence__gt=before).order_by("sequence"))


# Who may see and change a service's details


def test_the_form_shows_the_service_as_it_is(own_service, as_persona):
    response = as_persona(PROV_A_MGR).get(details_of(own_service))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'value="Provider A drug service"' in html
    assert 'value="01597 123456"' in html
    assert 'name="phone_3"' in html  # the one held, and blank rows to add more
    assert 'value="drugs" checked' in html
    assert 'value="powys" checked' in html
    assert 'value="active" checked' in html


def test_another_providers_service_does_not_exist_for_a_manager(other_service, as_persona):
    client = as_persona(PROV_A_MGR)
    before = AuditEvent.objects.count()
    assert client.get(details_of(other_service)).status_code == 404
    refused = post_form(client, details_of(other_service), answer(other_service, name="Taken"))
    assert refused.status_code == 404
    other_service.refresh_from_db()
    assert other_service.name == "Provider B alcohol service"
    assert other_service.assured_date is None
    assert AuditEvent.objects.count() == before


def test_a_provider_worker_may_not_change_a_services_details(own_service, as_persona):
    client = as_persona(PROV_A)
    assert client.get(details_of(own_service)).status_code == 403
    refused = post_form(client, details_of(own_service), answer(own_service, name="Renamed"))
    assert refused.status_code == 403
    own_service.refresh_from_db()
    assert own_service.name == "Provider A drug service"


def test_only_the_services_own_manager_is_offered_the_change(own_service, as_persona):
    page = reverse("directory:service", kwargs={"service_id": own_service.pk})
    assert details_of(own_service) in as_persona(PROV_A_MGR).get(page).content.decode()
    assert details_of(own_service) not in as_persona(PROV_B_MGR).get(page).content.decode()
    assert details_of(own_service) not in as_persona(PROV_A).get(page).content.decode()
    assert details_of(own_service) in as_persona(PROV_A_MGR).get(SETTINGS).content.decode()


# Saving


def test_a_manager_changes_the_details_and_one_event_names_what_changed(
    own_service, world, as_persona
):
    DirectoryOrganization.objects.filter(pk=own_service.organization_id).update(
        email="team@a.example"
    )
    modified = own_service.last_modified
    before = AuditEvent.objects.count()
    response = post_form(
        as_persona(PROV_A_MGR),
        details_of(own_service),
        answer(
            own_service,
            name_cy=" Gwasanaeth cyffuriau A ",
            status="temporarily closed",
            description_cy="Cymorth gyda chyffuriau.",
            eligibility_description="Adults in Powys",
            minimum_age="18",
            maximum_age="",
            needs=["drugs", "alcohol"],
            counties=["powys", "ceredigion"],
            languages=["en", "cy"],
            email="help@a.example",
            url="a.example/help",
            phone_1="01597 123456",
            phone_1_description="Referrals",
            phone_2="+44 7812 345678",
            phone_2_description_cy="Ar ôl oriau",
        ),
    )
    assert response.status_code == 302
    assert response["Location"] == SETTINGS
    own_service.refresh_from_db()
    assert own_service.name_cy == "Gwasanaeth cyffuriau A"
    assert own_service.status == Service.Status.TEMPORARILY_CLOSED
    assert own_service.minimum_age == 18
    assert own_service.maximum_age is None
    assert own_service.url == "https://a.example/help"
    assert sorted(own_service.needs.values_list("code", flat=True)) == ["alcohol", "drugs"]
    assert sorted(own_service.service_areas.values_list("county", flat=True)) == [
        "ceredigion",
        "powys",
    ]
    assert sorted(own_service.languages.values_list("code", flat=True)) == ["cy", "en"]
    phones = {p.number: p for p in own_service.phones.all()}
    assert set(phones) == {"01597 123456", "07812 345678"}  # typed +44: kept as dialled here
    assert phones["01597 123456"].extension == "12"  # the same number keeps its row
    assert phones["01597 123456"].description == "Referrals"
    assert phones["07812 345678"].description_cy == "Ar ôl oriau"
    assert own_service.assured_date == timezone.localdate()
    # The organisation's address, not the manager's own: the HSDS API is public.
    assert own_service.assurer_email == "team@a.example"
    assert own_service.last_modified > modified
    (event,) = events_after(before)
    assert event.operation == AuditEvent.Operation.ALTERATION
    assert event.actor_id == world.users[PROV_A_MGR].pk
    assert event.object_id == str(own_service.pk)
    assert event.detail == {
        "fields": [
            "name_cy",
            "status",
            "description_cy",
            "eligibility_description",
            "minimum_age",
            "url",
            "email",
            "needs",
            "service_areas",
            "languages",
            "phones",
        ],
        "checked": True,
    }


def test_saving_with_nothing_changed_records_the_check(own_service, world, as_persona):
    Service.objects.filter(pk=own_service.pk).update(
        assured_date=timezone.localdate() - timedelta(days=400)
    )
    own_service.refresh_from_db()
    before = AuditEvent.objects.count()
    response = post_form(as_persona(PROV_A_MGR), details_of(own_service), answer(own_service))
    assert response.status_code == 302
    own_service.refresh_from_db()
    assert own_service.assured_date == timezone.localdate()
    assert own_service.phones.get().extension == "12"
    (event,) = events_after(before)
    assert event.detail == {"fields": [], "checked": True}


def test_a_number_emptied_is_taken_out(own_service, as_persona):
    response = post_form(
        as_persona(PROV_A_MGR), details_of(own_service), answer(own_service, phone_1="")
    )
    assert response.status_code == 302
    assert not own_service.phones.exists()


def test_the_hsds_export_carries_the_managers_account_and_is_valid(own_service, as_persona):
    post_form(
        as_persona(PROV_A_MGR),
        details_of(own_service),
        answer(own_service, description_cy="Cymorth.", phone_2="0300 123 4567"),
    )
    own_service.refresh_from_db()
    document = hsds.service_to_hsds(own_service)
    assert hsds.schema_problems(document, "service") == []
    assert document["assured_date"] == timezone.localdate().isoformat()
    assert {p["number"] for p in document["phones"]} == {"01597 123456", "0300 123 4567"}


# Refusals


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"name": "  "}, "name", "Enter the service&#x27;s name"),
        ({"status": "open"}, "status", "Select whether the service is open"),
        ({"status": ""}, "status", "Select whether the service is open"),
        ({"minimum_age": "ten"}, "minimum_age", "Enter the youngest age as a whole number"),
        ({"maximum_age": "121"}, "maximum_age", "Enter the oldest age as a whole number"),
        (
            {"minimum_age": "25", "maximum_age": "18"},
            "maximum_age",
            "The oldest age must be the same as the youngest or older",
        ),
        ({"phone_2": "12345"}, "phone_2", "Phone number 2: Enter a UK phone number"),
        ({"phone_2": "+33 1 42 68 53 00"}, "phone_2", "Numbers outside the UK cannot be used"),
        (
            {"phone_3_description": "Out of hours"},
            "phone_3",
            "Enter phone number 3, or take out what it is for",
        ),
        ({"email": "not an address"}, "email", "Enter the email address like help@example.org"),
        ({"url": "javascript:alert(1)"}, "url", "Enter the website&#x27;s address"),
        ({"needs": ["flying"]}, "needs", "Select what the service helps with from the list"),
        ({"counties": ["gwynedd"]}, "counties", "Select the counties from the list"),
        ({"languages": ["xx"]}, "languages", "Select the languages from the list"),
        ({"name_cy": "x" * 201}, "name_cy", "at most 200 characters"),
    ],
)
def test_bad_answers_are_refused_naming_the_field(own_service, as_persona, fields, field, message):
    before = AuditEvent.objects.count()
    response = post_form(
        as_persona(PROV_A_MGR), details_of(own_service), answer(own_service, **fields)
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert f'id="id_{field}-error"' in html
    assert message in html
    assert "govuk-error-summary" in html
    own_service.refresh_from_db()
    assert own_service.assured_date is None
    assert own_service.phones.count() == 1
    assert AuditEvent.objects.count() == before


def test_a_need_withdrawn_meanwhile_is_refused_at_the_field(own_service, as_persona, monkeypatch):
    """The form offered it; by the time it is saved it is no longer current reference data."""
    from pont.directory import forms as directory_forms

    offered = list(NeedCategory.objects.current())

    def offered_then_withdrawn():
        NeedCategory.objects.filter(code="alcohol").update(
            effective_to=timezone.localdate() - timedelta(days=1)
        )
        return offered

    monkeypatch.setattr(directory_forms.selectors, "need_choices", offered_then_withdrawn)
    form = answer(own_service, needs=["drugs", "alcohol"])
    response = post_form(as_persona(PROV_A_MGR), details_of(own_service), form)
    assert response.status_code == 400
    assert "Unknown need: alcohol" in response.content.decode()
    own_service.refresh_from_db()
    assert own_service.assured_date is None
    assert list(own_service.needs.values_list("code", flat=True)) == ["drugs"]


def test_a_change_made_meanwhile_is_not_overwritten_and_the_form_shows_it(own_service, as_persona):
    stale = answer(own_service, description="Mine")
    services.service_referrals_update(actor=None, service_id=own_service.pk, accepts_referrals=True)
    Service.objects.filter(pk=own_service.pk).update(description="Theirs")
    own_service.refresh_from_db()
    response = post_form(as_persona(PROV_A_MGR), details_of(own_service), stale)
    assert response.status_code == 409
    html = response.content.decode()
    assert "Someone else changed this service while you were editing it" in html
    assert "Theirs" in html
    own_service.refresh_from_db()
    assert own_service.description == "Theirs"
    assert own_service.assured_date is None
    again = post_form(
        as_persona(PROV_A_MGR), details_of(own_service), answer(own_service, description="Mine")
    )
    assert again.status_code == 302
    own_service.refresh_from_db()
    assert own_service.description == "Mine"


# Details checked long ago


def test_details_checked_over_a_year_ago_are_flagged_to_officers_and_managers(
    own_service, as_persona
):
    page = reverse("directory:service", kwargs={"service_id": own_service.pk})
    warning = "has not checked these details for over a year"
    Service.objects.filter(pk=own_service.pk).update(
        assured_date=timezone.localdate() - timedelta(days=365)
    )
    assert warning not in as_persona(CUSTODY).get(page).content.decode()
    assert "Over a year ago" not in as_persona(PROV_A_MGR).get(SETTINGS).content.decode()
    Service.objects.filter(pk=own_service.pk).update(
        assured_date=timezone.localdate() - timedelta(days=366)
    )
    assert warning in as_persona(CUSTODY).get(page).content.decode()
    assert "Over a year ago" in as_persona(PROV_A_MGR).get(SETTINGS).content.decode()
    # Checked again by saving: the flag goes.
    own_service.refresh_from_db()
    post_form(as_persona(PROV_A_MGR), details_of(own_service), answer(own_service))
    assert warning not in as_persona(CUSTODY).get(page).content.decode()


def test_managers_saving_the_same_form_at_once_make_one_change(audit_flushable):
    """Ten managers send the form as they all saw it (PostgreSQL: real concurrent
    transactions): one change is saved and recorded, the others are told of it (409's
    ConflictError), so no one's change silently undoes another's."""
    from pont.audit.models import AuditChainHead
    from pont.core.exceptions import ConflictError
    from pont.testing.concurrency import at_once, needs_postgresql
    from pont.testing.personas import build_world

    needs_postgresql()
    AuditChainHead.objects.get_or_create(pk=1)
    world = build_world()
    organization = DirectoryOrganization.objects.create(
        name="Provider A (directory)", pont_organisation=world.provider_a
    )
    service = services.service_create(actor=None, organization=organization, name="Before")
    seen = service.updated_at

    def save() -> str:
        name = f"Name {threading.get_ident()}"
        try:
            services.service_details_update(
                actor=world.users[PROV_A_MGR],
                service_id=service.pk,
                details={**{f: getattr(service, f) for f in services.DETAIL_FIELDS}, "name": name},
                needs=[],
                counties=[],
                languages=[],
                phones=[],
                seen_updated_at=seen,
            )
        except ConflictError:
            return "conflict"
        return name

    results = at_once(save, 10)
    saved = [r for r in results if r != "conflict"]
    assert len(saved) == 1
    assert results.count("conflict") == 9
    assert Service.objects.get(pk=service.pk).name == saved[0]
    assert AuditEvent.objects.filter(object_id=str(service.pk), operation="alteration").count() == 1
