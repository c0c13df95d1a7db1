"""A provider manager keeps the places their own service is delivered at: the form, what it
saves (a place shared with another service changes for both), what is kept from an import,
the refusals, and the audit."""

import threading
from decimal import Decimal

import pytest
from django.urls import reverse

from pont.audit.models import AuditEvent
from pont.directory import hsds, services
from pont.directory.models import (
    DirectoryOrganization,
    Location,
    Phone,
    Service,
    ServiceAtLocation,
)
from pont.testing.http import post_form
from pont.testing.personas import CUSTODY, PROV_A, PROV_A_MGR

LLANELLI = {
    "name": "Llanelli hub",
    "address_1": "1 Stepney Street",
    "city": "Llanelli",
    "state_province": "Carmarthenshire",
    "postal_code": "SA15 3TR",
    "latitude": Decimal("51.680000"),
    "longitude": Decimal("-4.160000"),
}
NEWTOWN = {
    "name": "Newtown",
    "address_1": "2 Broad Street",
    "city": "Newtown",
    "postal_code": "SY16 2LU",
}


def places_of(service) -> str:
    return reverse("directory:places_service", kwargs={"service_id": service.pk})


@pytest.fixture
def own_service(provider_a_directory):
    return services.service_create(
        actor=None,
        organization=provider_a_directory,
        name="Provider A drug service",
        locations=[LLANELLI, NEWTOWN],
    )


def place(service, name: str) -> Location:
    return service.service_at_locations.get(location__name=name).location


@pytest.fixture
def sharing_service(own_service, provider_a_directory):
    """Another service of Provider A, delivered at the Llanelli hub too."""
    other = services.service_create(
        actor=None, organization=provider_a_directory, name="Provider A alcohol service"
    )
    ServiceAtLocation.objects.create(service=other, location=place(own_service, "Llanelli hub"))
    return other


@pytest.fixture
def other_service(world):
    organization = DirectoryOrganization.objects.create(
        name="Provider B (directory)", pont_organisation=world.provider_b
    )
    return services.service_create(
        actor=None,
        organization=organization,
        name="Provider B alcohol service",
        locations=[
            {"name": "Aberystwyth", "address_1": "3 Pier Street", "postal_code": "SY23 2LN"}
        ],
    )


def form_for(service, *rows: dict) -> dict:
    """The form as the manager sends it: the places as the page shows them (by name), each
    row with `rows`' changes, then any new rows."""
    form: dict = {"seen": service.updated_at.isoformat()}
    held = sorted(
        (
            sal.location
            for sal in service.service_at_locations.all()
            if services.place_editable(sal.location)
        ),
        key=lambda p: (p.name, p.address_1, str(p.pk)),
    )
    changes = list(rows)
    for number, location in enumerate(held, start=1):
        form[f"place_{number}_id"] = str(location.pk)
        for name in services.PLACE_FIELDS:
            form[f"place_{number}_{name}"] = getattr(location, name)
        for slot, phone in enumerate(location.phones.all(), start=1):
            form[f"place_{number}_phone_{slot}"] = phone.number
            form[f"place_{number}_phone_{slot}_description"] = phone.description
            form[f"place_{number}_phone_{slot}_description_cy"] = phone.description_cy
        if changes:
            form.update({f"place_{number}_{k}": v for k, v in changes.pop(0).items()})
    for number, row in enumerate(changes, start=len(held) + 1):
        form.update({f"place_{number}_{k}": v for k, v in row.items()})
    return form


def events_after(before: int) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(sequence__gt=before).order_by("sequence"))


def test_the_page_shows_each_place_and_who_shares_it(own_service, sharing_service, as_persona):
    response = as_persona(PROV_A_MGR).get(places_of(own_service))
    assert response.status_code == 200
    html = response.content.decode()
    hub = place(own_service, "Llanelli hub")
    assert f'name="place_1_id" value="{hub.pk}"' in html
    assert 'name="place_1_address_1" type="text" value="1 Stepney Street"' in html
    assert 'name="place_2_postal_code" type="text" value="SY16 2LU"' in html
    assert "Place 1: Llanelli hub" in html
    assert "Also where these services are delivered: Provider A alcohol service." in html
    assert html.count("Also where these services are delivered") == 1  # Newtown is its own
    assert "Add a place (optional)" in html
    assert 'name="place_3_address_1"' in html
    assert 'name="place_3_remove"' not in html  # a new place has nothing to take off


def test_another_providers_service_does_not_exist_and_a_worker_may_not(
    own_service, other_service, as_persona
):
    before = AuditEvent.objects.count()
    manager = as_persona(PROV_A_MGR)
    assert manager.get(places_of(other_service)).status_code == 404
    answer = form_for(other_service, {"address_1": "Moved"})
    assert post_form(manager, places_of(other_service), answer).status_code == 404
    worker = as_persona(PROV_A)
    assert worker.get(places_of(own_service)).status_code == 403
    answer = form_for(own_service, {"address_1": "Moved"})
    assert post_form(worker, places_of(own_service), answer).status_code == 403
    assert not Location.objects.filter(address_1="Moved").exists()
    assert AuditEvent.objects.count() == before


def test_a_manager_moves_adds_and_takes_off_places_and_one_event_records_it(
    own_service, sharing_service, world, as_persona
):
    hub, newtown = place(own_service, "Llanelli hub"), place(own_service, "Newtown")
    modified = own_service.last_modified
    others_modified = sharing_service.last_modified
    before = AuditEvent.objects.count()
    response = post_form(
        as_persona(PROV_A_MGR),
        places_of(own_service),
        form_for(
            own_service,
            {"address_1": "9 Murray Street", "postal_code": "sa15 1al", "name_cy": "Hwb Llanelli"},
            {"remove": "on", "address_1": ""},  # taken off: its emptied address is not read
            {"address_1": "Ty Coch", "city": "Welshpool", "postal_code": "SY21 7DL"},
        ),
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("directory:settings")
    hub.refresh_from_db()
    assert (hub.address_1, hub.postal_code, hub.name_cy) == (
        "9 Murray Street",
        "SA15 1AL",
        "Hwb Llanelli",
    )
    assert hub.latitude is None  # the old map point was dropped
    assert hub.longitude is None
    assert not Location.objects.filter(pk=newtown.pk).exists()  # no service is delivered there
    new = own_service.service_at_locations.exclude(location=hub).get().location
    assert (new.address_1, new.city, new.postal_code, new.organization_id) == (
        "Ty Coch",
        "Welshpool",
        "SY21 7DL",
        own_service.organization_id,
    )
    own_service.refresh_from_db()
    sharing_service.refresh_from_db()
    assert own_service.last_modified > modified
    assert sharing_service.last_modified > others_modified  # its address changed too
    (event,) = events_after(before)
    assert event.operation == AuditEvent.Operation.ALTERATION
    assert event.actor_id == world.users[PROV_A_MGR].pk
    assert event.object_id == str(own_service.pk)
    assert event.detail == {
        "fields": ["locations"],
        "locations": {
            "added": [str(new.pk)],
            "changed": {str(hub.pk): ["name_cy", "address_1", "postal_code"]},
            "removed": [str(newtown.pk)],
        },
        "services_also_changed": [str(sharing_service.pk)],
    }
    for service in (own_service, sharing_service):
        assert hsds.schema_problems(hsds.service_to_hsds(service), "service") == []
    exported = hsds.service_to_hsds(own_service)["service_at_locations"]
    addresses = {sal["location"]["addresses"][0]["postal_code"] for sal in exported}
    assert addresses == {"SA15 1AL", "SY21 7DL"}


def test_a_shared_place_taken_off_one_service_stays_for_the_other(
    own_service, sharing_service, as_persona
):
    hub = place(own_service, "Llanelli hub")
    response = post_form(
        as_persona(PROV_A_MGR), places_of(own_service), form_for(own_service, {"remove": "on"})
    )
    assert response.status_code == 302
    assert not own_service.service_at_locations.filter(location=hub).exists()
    assert sharing_service.service_at_locations.get().location == hub


def test_the_same_places_sent_back_change_nothing_and_record_nothing(own_service, as_persona):
    before = AuditEvent.objects.count()
    modified = own_service.last_modified
    # The postcode typed otherwise is the same postcode.
    answer = form_for(own_service, {"postal_code": " sa153tr "})
    response = post_form(as_persona(PROV_A_MGR), places_of(own_service), answer)
    assert response.status_code == 302
    own_service.refresh_from_db()
    assert own_service.last_modified == modified
    assert place(own_service, "Llanelli hub").latitude == LLANELLI["latitude"]
    assert AuditEvent.objects.count() == before


def test_postal_and_virtual_places_are_listed_and_kept(own_service, as_persona):
    online = Location.objects.create(
        organization=own_service.organization, name="Online", location_type="virtual"
    )
    ServiceAtLocation.objects.create(service=own_service, location=online)
    client = as_persona(PROV_A_MGR)
    html = client.get(places_of(own_service)).content.decode()
    assert "cannot be changed here" in html
    assert "Online (Virtual)" in html
    assert f'value="{online.pk}"' not in html
    own_service.refresh_from_db()
    answer = form_for(own_service, {}, {"remove": "on"})  # Newtown taken off; Online kept
    assert str(online.pk) not in answer.values()
    response = post_form(client, places_of(own_service), answer)
    assert response.status_code == 302
    names = set(own_service.service_at_locations.values_list("location__name", flat=True))
    assert names == {"Llanelli hub", "Online"}


@pytest.mark.parametrize(
    ("row", "field", "message"),
    [
        ({"address_1": ""}, "place_1_address_1", "Place 1: enter the first line of the address"),
        ({"city": ""}, "place_1_city", "Place 1: enter the town or city"),
        ({"postal_code": ""}, "place_1_postal_code", "Place 1: enter the postcode"),
        (
            {"postal_code": "XX99 9XX"},
            "place_1_postal_code",
            "Place 1: Enter a real postcode, like SA31 2PF.",
        ),
        ({"name": "x" * 201}, "place_1_name", "at most 200 characters"),
    ],
)
def test_bad_places_are_refused_naming_the_field(own_service, as_persona, row, field, message):
    before = AuditEvent.objects.count()
    response = post_form(as_persona(PROV_A_MGR), places_of(own_service), form_for(own_service, row))
    assert response.status_code == 400
    html = response.content.decode()
    assert f'id="id_{field}-error"' in html
    assert message in html
    assert "govuk-error-summary" in html
    assert place(own_service, "Llanelli hub").address_1 == "1 Stepney Street"
    assert AuditEvent.objects.count() == before


def test_a_new_place_needs_its_address_too(own_service, as_persona):
    answer = form_for(own_service, {}, {}, {"name": "Carmarthen"})
    response = post_form(as_persona(PROV_A_MGR), places_of(own_service), answer)
    assert response.status_code == 400
    html = response.content.decode()
    assert "Place 3: enter the first line of the address" in html
    assert "Place 3: enter the postcode" in html
    assert own_service.service_at_locations.count() == 2


def test_another_organisations_place_cannot_be_changed_through_ones_own(
    own_service, other_service, as_persona
):
    """A place id sent back that is not one of the service's (a page altered by hand) is a
    conflict, and nothing is saved, here or there."""
    theirs = other_service.service_at_locations.get().location
    answer = form_for(own_service, {"address_1": "Moved"})
    answer["place_2_id"] = str(theirs.pk)
    answer["place_2_address_1"] = "Taken"
    response = post_form(as_persona(PROV_A_MGR), places_of(own_service), answer)
    assert response.status_code == 409
    theirs.refresh_from_db()
    assert theirs.address_1 == "3 Pier Street"
    assert not Location.objects.filter(address_1__in=["Moved", "Taken"]).exists()


def test_a_change_to_a_shared_place_meanwhile_is_not_overwritten(
    own_service, sharing_service, as_persona
):
    """The alcohol service's manager saw the hub's address before it was changed through the
    drug service: their form is stale, and they are shown the address as it is now."""
    stale = form_for(sharing_service, {"address_1": "Old idea"})
    services.service_places_update(
        actor=None,
        service_id=own_service.pk,
        places=[
            services.PlaceEntry(
                place(own_service, "Llanelli hub").pk,
                **{**{k: LLANELLI.get(k, "") for k in services.PLACE_FIELDS}, "address_1": "New"},
            )
        ],
    )
    response = post_form(as_persona(PROV_A_MGR), places_of(sharing_service), stale)
    assert response.status_code == 409
    html = response.content.decode()
    assert "Someone else changed this service while you were editing it" in html
    assert 'name="place_1_address_1" type="text" value="New"' in html
    assert place(own_service, "Llanelli hub").address_1 == "New"


def test_managers_changing_a_shared_place_at_once_make_one_change(audit_flushable):
    """Ten saves through each of two services delivered at the same place, all as the
    managers saw them (PostgreSQL: real concurrent transactions): the organisation's lock
    makes them take turns, so one change is saved and recorded and the others are told of
    it, with no deadlock between the two services' rows."""
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
    first = services.service_create(
        actor=None, organization=organization, name="First", locations=[NEWTOWN]
    )
    hub = first.service_at_locations.get().location
    second = services.service_create(actor=None, organization=organization, name="Second")
    ServiceAtLocation.objects.create(service=second, location=hub)
    seen = {s.pk: Service.objects.get(pk=s.pk).updated_at for s in (first, second)}
    turn = iter(range(20))
    lock = threading.Lock()

    def save() -> str:
        with lock:
            through = (first, second)[next(turn) % 2]
        line = f"{threading.get_ident()} Broad Street"
        try:
            services.service_places_update(
                actor=world.users[PROV_A_MGR],
                service_id=through.pk,
                places=[
                    services.PlaceEntry(
                        hub.pk,
                        name="Newtown",
                        address_1=line,
                        city="Newtown",
                        postal_code="SY16 2LU",
                    )
                ],
                seen_updated_at=seen[through.pk],
            )
        except ConflictError:
            return "conflict"
        return line

    results = at_once(save, 10)
    saved = [r for r in results if r != "conflict"]
    assert len(saved) == 1
    assert results.count("conflict") == 9
    assert Location.objects.get(pk=hub.pk).address_1 == saved[0]
    changes = AuditEvent.objects.filter(
        object_id__in=[str(first.pk), str(second.pk)], operation="alteration"
    )
    assert changes.count() == 1


def test_the_page_is_in_welsh_with_the_places_welsh_name(own_service, as_persona, settings):
    hub = place(own_service, "Llanelli hub")
    hub.name_cy = "Hwb Llanelli"
    hub.save()
    client = as_persona(PROV_A_MGR)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "cy"
    html = client.get(places_of(own_service)).content.decode()
    assert '<h1 class="govuk-heading-l">Ble mae\'r gwasanaeth yn cael ei ddarparu</h1>' in html
    assert "Lle 1: Hwb Llanelli" in html
    assert "Lle 2: Newtown" in html  # no Welsh name: the English one


def test_officers_find_the_service_by_its_new_address(own_service, as_persona):
    answer = form_for(own_service, {"postal_code": "SA15 1AL", "city": "Llanelli Town"})
    assert post_form(as_persona(PROV_A_MGR), places_of(own_service), answer).status_code == 302
    officer = as_persona(CUSTODY)
    found = officer.get(reverse("directory:search"), {"q": "Llanelli Town"}).content.decode()
    assert "Provider A drug service" in found
    old = officer.get(reverse("directory:search"), {"q": "SA15 3TR"}).content.decode()
    assert "Provider A drug service" not in old


def test_a_manager_gives_a_place_its_phone_numbers_and_the_directory_shows_them(
    own_service, sharing_service, as_persona
):
    """The hub's reception and its out-of-hours line, typed on the places page: kept on the
    place (the other service delivered there changes too), recorded, shown to officers and
    the public under the place, and exported in HSDS as the location's phones."""
    hub = place(own_service, "Llanelli hub")
    others_modified = sharing_service.last_modified
    before = AuditEvent.objects.count()
    html = as_persona(PROV_A_MGR).get(places_of(own_service)).content.decode()
    assert "Phone numbers at this place" in html
    assert 'name="place_1_phone_1"' in html
    assert 'name="place_1_phone_2"' not in html  # one blank line for a place with none
    answer = form_for(
        own_service,
        {
            "phone_1": "01554 123456",
            "phone_1_description": "Reception",
            "phone_1_description_cy": "Derbynfa",
        },
    )
    response = post_form(as_persona(PROV_A_MGR), places_of(own_service), answer)
    assert response.status_code == 302
    (phone,) = hub.phones.all()
    assert (phone.number, phone.description, phone.description_cy) == (
        "01554 123456",
        "Reception",
        "Derbynfa",
    )
    (event,) = events_after(before)
    assert event.detail["locations"]["changed"] == {str(hub.pk): ["phones"]}
    assert event.detail["services_also_changed"] == [str(sharing_service.pk)]
    sharing_service.refresh_from_db()
    assert sharing_service.last_modified > others_modified
    # A second line appears for another number.
    html = as_persona(PROV_A_MGR).get(places_of(own_service)).content.decode()
    assert 'name="place_1_phone_1" type="tel"' in html
    assert 'value="01554 123456"' in html
    assert 'name="place_1_phone_2"' in html
    # Officers and the public see it under the place, to ring from the page.
    detail = reverse("directory:service", kwargs={"service_id": own_service.pk})
    shown = as_persona(CUSTODY).get(detail).content.decode()
    ring = '<a class="govuk-link" href="tel:01554123456">01554 123456</a> (Reception)'
    assert ring in shown
    from django.test import Client

    assert ring in Client().get(reverse("directory:public_list")).content.decode()
    exported = hsds.service_to_hsds(own_service)
    assert hsds.schema_problems(exported, "service") == []
    phones = [
        p["number"]
        for sal in exported["service_at_locations"]
        for p in sal["location"].get("phones", [])
    ]
    assert phones == ["01554 123456"]


def test_a_place_phone_kept_on_the_same_line_keeps_its_extension(own_service, as_persona):
    """An import wrote the number its own way, with an extension the page does not show: a
    new description keeps the row and the extension; a number cleared is taken off."""
    hub = place(own_service, "Llanelli hub")
    kept = Phone.objects.create(location=hub, number="01554123456", extension="21")
    gone = Phone.objects.create(location=hub, number="01554 654321", description="Old line")
    answer = form_for(
        own_service,
        {
            "phone_1": "01554123456",
            "phone_1_description": "Reception",
            "phone_2": "",
            "phone_2_description": "",
        },
    )
    response = post_form(as_persona(PROV_A_MGR), places_of(own_service), answer)
    assert response.status_code == 302
    (phone,) = hub.phones.all()
    assert phone.pk == kept.pk
    assert (phone.number, phone.extension, phone.description) == ("01554 123456", "21", "Reception")
    assert not Phone.objects.filter(pk=gone.pk).exists()
    # Sent back as shown, in the import's own writing: nothing changes, nothing is recorded.
    Phone.objects.filter(pk=kept.pk).update(number="01554123456")
    own_service.refresh_from_db()
    before = AuditEvent.objects.count()
    answer = form_for(own_service)
    assert answer["place_1_phone_1"] == "01554123456"
    assert post_form(as_persona(PROV_A_MGR), places_of(own_service), answer).status_code == 302
    assert AuditEvent.objects.count() == before
    assert Phone.objects.get(pk=kept.pk).number == "01554123456"


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ({"phone_1": "12345"}, "Place 1: Phone number 1: "),
        ({"phone_1_description": "Reception"}, "Place 1: Enter phone number 1, or take out"),
    ],
)
def test_a_wrong_phone_number_of_a_place_is_refused_naming_it(
    own_service, as_persona, row, message
):
    before = AuditEvent.objects.count()
    response = post_form(as_persona(PROV_A_MGR), places_of(own_service), form_for(own_service, row))
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_place_1_phone_1-error"' in html
    assert 'href="#id_place_1_phone_1"' in html  # the error summary links to it
    assert message in html
    assert not Phone.objects.filter(
        location__in=own_service.service_at_locations.values("location")
    ).exists()
    assert AuditEvent.objects.count() == before


def test_a_new_place_with_only_a_phone_number_needs_its_address(own_service, as_persona):
    answer = form_for(own_service, {}, {}, {"phone_1": "01554 123456"})
    response = post_form(as_persona(PROV_A_MGR), places_of(own_service), answer)
    assert response.status_code == 400
    assert "Place 3: enter the first line of the address" in response.content.decode()
    assert not Phone.objects.exists()
