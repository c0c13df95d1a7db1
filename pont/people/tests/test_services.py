"""Person records: every write validated, scoped, versioned and audited in its own transaction."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from pont.audit.models import AuditEvent
from pont.core.exceptions import ApplicationError, ConflictError, NotFoundError
from pont.people import services
from pont.people.models import ContactRoute, Person
from pont.testing.personas import CUSTODY, FRONTLINE, PANEL, PROV_A

Operation = AuditEvent.Operation


def _create(world, actor=CUSTODY, **overrides):
    values = {
        "given_name": "Rhys",
        "family_name": "Owen",
        "date_of_birth": date(1991, 4, 3),
        "gender": Person.Gender.MALE,
        "confirmed_new": True,
    }
    values.update(overrides)
    return services.person_create(actor=world.users[actor], **values)


def _events():
    return list(
        AuditEvent.objects.order_by("sequence").values_list(
            "operation", "subject_person_id", "object_type"
        )
    )


def test_creating_a_person_records_them_for_the_force_with_one_collection_event(world):
    before = AuditEvent.objects.count()
    person = _create(world, pnc_id="09/123456C")
    assert person.organisation == world.force  # a custody suite records for its force
    assert person.pnc_id == "2009/0123456C"
    assert person.created_by == world.users[CUSTODY]
    new = list(
        AuditEvent.objects.filter(sequence__gt=before).values_list(
            "operation", "subject_person_id", "object_type", "object_id", "actor_label"
        )
    )
    assert new == [(Operation.COLLECTION, person.pk, "people.person", str(person.pk), "custody")]


def test_a_person_who_may_already_be_held_is_not_created_until_confirmed(world):
    original = _create(world)
    with pytest.raises(services.DuplicateSuspected) as suspected:
        _create(world, given_name="Rhŷs", confirmed_new=False)
    assert [m.person for m in suspected.value.matches] == [original]
    assert Person.objects.count() == 1
    confirmed = _create(world, given_name="Rhŷs", confirmed_new=True)
    collection = AuditEvent.objects.get(
        operation=Operation.COLLECTION, subject_person_id=confirmed.pk
    )
    assert collection.detail == {"possible_duplicates_reviewed": [original.pk]}


def test_a_pnc_id_already_held_is_refused_even_when_confirmed(world):
    _create(world, pnc_id="2009/0123456C")
    with pytest.raises(ApplicationError) as refused:
        _create(
            world,
            given_name="Someone",
            family_name="Else",
            date_of_birth=date(1970, 1, 1),
            pnc_id="2009/0123456C",
        )
    assert "pnc_id" in refused.value.extra["fields"]
    assert Person.objects.count() == 1


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"given_name": "  "}, "given_name"),
        ({"family_name": ""}, "family_name"),
        ({"date_of_birth": timezone.localdate() + timedelta(days=1)}, "date_of_birth"),
        ({"date_of_birth": date(1899, 12, 31)}, "date_of_birth"),
        ({"pnc_id": "2009/0123456X"}, "pnc_id"),
        ({"pnc_id": "not a pnc"}, "pnc_id"),
    ],
)
def test_bad_details_are_refused_naming_the_field_and_nothing_is_written(world, overrides, field):
    before = AuditEvent.objects.count()
    with pytest.raises(ApplicationError) as refused:
        _create(world, **overrides)
    assert field in refused.value.extra["fields"]
    assert Person.objects.count() == 0
    assert AuditEvent.objects.count() == before


@pytest.mark.parametrize("persona", [PROV_A, PANEL])
def test_roles_without_the_capability_cannot_record_people(world, persona):
    with pytest.raises(ApplicationError) as refused:
        _create(world, actor=persona)
    assert refused.value.status == 403
    assert Person.objects.count() == 0


def test_an_update_with_the_current_version_saves_and_logs_the_changed_fields_only(world):
    person = _create(world)
    before = AuditEvent.objects.count()
    services.person_update(
        actor=world.users[FRONTLINE],
        person_id=person.pk,
        expected_version=1,
        family_name="Owens",
        preferred_language="cy",
    )
    person.refresh_from_db()
    assert (person.family_name, person.preferred_language, person.version) == ("Owens", "cy", 2)
    assert "owens" in person.name_key
    event = AuditEvent.objects.get(sequence=before + 1)
    assert event.operation == Operation.ALTERATION
    assert event.detail == {"fields": ["family_name", "preferred_language"]}
    assert "Owens" not in str(event.detail)  # the log says what changed, not the values


def test_an_update_from_a_stale_version_is_refused_and_changes_nothing(world):
    person = _create(world)
    services.person_update(
        actor=world.users[CUSTODY], person_id=person.pk, expected_version=1, family_name="Owens"
    )
    before = AuditEvent.objects.count()
    with pytest.raises(ConflictError):
        services.person_update(
            actor=world.users[FRONTLINE],
            person_id=person.pk,
            expected_version=1,
            family_name="Bowen",
        )
    person.refresh_from_db()
    assert (person.family_name, person.version) == ("Owens", 2)
    assert AuditEvent.objects.count() == before


def test_an_update_that_changes_nothing_writes_nothing(world):
    person = _create(world)
    before = AuditEvent.objects.count()
    services.person_update(
        actor=world.users[CUSTODY], person_id=person.pk, expected_version=1, family_name="Owen"
    )
    person.refresh_from_db()
    assert person.version == 1
    assert AuditEvent.objects.count() == before


def test_a_provider_cannot_change_a_person_it_has_no_relationship_with(world):
    person = _create(world)
    with pytest.raises(NotFoundError):
        services.person_update(
            actor=world.users[PROV_A], person_id=person.pk, expected_version=1, family_name="X"
        )


def test_fields_outside_the_editable_set_are_refused(world):
    person = _create(world)
    with pytest.raises(ApplicationError) as refused:
        services.person_update(
            actor=world.users[CUSTODY],
            person_id=person.pk,
            expected_version=1,
            organisation_id=world.provider_a.pk,
        )
    assert refused.value.extra == {"fields": ["organisation_id"]}
    person.refresh_from_db()
    assert person.organisation == world.force


def test_a_phone_route_is_stored_in_e164_and_audited_as_collection(world):
    person = _create(world)
    route = services.contact_route_add(
        actor=world.users[CUSTODY],
        person_id=person.pk,
        kind="phone",
        use="mobile",
        values={"phone": "07812 345678"},
        is_preferred=True,
    )
    assert route.phone == "+447812345678"
    assert route.display_value == "07812 345678"
    event = AuditEvent.objects.order_by("sequence").last()
    assert (event.operation, event.subject_person_id, event.object_type) == (
        Operation.COLLECTION,
        person.pk,
        "people.contactroute",
    )


@pytest.mark.parametrize(
    ("kind", "values", "fields"),
    [
        ("phone", {"phone": "12345"}, {"phone"}),
        ("phone", {"phone": "+33 1 23 45 67 89"}, {"phone"}),
        ("email", {"email": "not-an-email"}, {"email"}),
        (
            "address",
            {"address_line_1": "1 High Street", "town": "Brecon", "postcode": "LD3"},
            {"postcode"},
        ),
        ("address", {"postcode": "LD3 7AA"}, {"address_line_1", "town"}),
        ("carrier-pigeon", {}, {"kind"}),
    ],
)
def test_incomplete_or_invalid_routes_are_refused_naming_each_field(world, kind, values, fields):
    person = _create(world)
    with pytest.raises(ApplicationError) as refused:
        services.contact_route_add(
            actor=world.users[CUSTODY], person_id=person.pk, kind=kind, use="home", values=values
        )
    assert set(refused.value.extra["fields"]) == fields
    assert not ContactRoute.objects.exists()


def test_a_route_the_person_has_already_is_refused_once_ended_it_may_come_back(world):
    person = _create(world)
    officer = world.users[CUSTODY]
    address = {"address_line_1": "1 Stryd Fawr", "town": "Aberystwyth", "postcode": "SY23 1AB"}
    firsts = [
        services.contact_route_add(
            actor=officer, person_id=person.pk, kind=kind, use=use, values=values
        )
        for kind, use, values in (
            ("phone", "mobile", {"phone": "07812 345678"}),
            ("email", "home", {"email": "gwen@example.org"}),
            ("address", "home", address),
        )
    ]
    for kind, values, field in (
        ("phone", {"phone": "+44 7812 345678"}, "phone"),  # the same number, written otherwise
        ("email", {"email": "Gwen@Example.org"}, "email"),
        ("address", {**address, "address_line_1": "1 STRYD FAWR", "postcode": "sy231ab"}, None),
    ):
        with pytest.raises(ApplicationError) as refused:
            services.contact_route_add(
                actor=officer, person_id=person.pk, kind=kind, use="work", values=values
            )
        assert list(refused.value.extra["fields"]) == [field or "address_line_1"]
    assert person.contact_routes.count() == 3
    # Ended, a number is no longer "on their record": it may be added again.
    services.contact_route_end(actor=officer, person_id=person.pk, route_id=firsts[0].pk)
    again = services.contact_route_add(
        actor=officer,
        person_id=person.pk,
        kind="phone",
        use="mobile",
        values={"phone": "07812345678"},
    )
    assert again.phone == "+447812345678"


def test_a_new_preferred_route_replaces_the_old_preferred_one(world):
    person = _create(world)
    first = services.contact_route_add(
        actor=world.users[CUSTODY],
        person_id=person.pk,
        kind="phone",
        use="mobile",
        values={"phone": "07812 345678"},
        is_preferred=True,
    )
    second = services.contact_route_add(
        actor=world.users[CUSTODY],
        person_id=person.pk,
        kind="address",
        use="release",
        values={"address_line_1": "2 Quay Street", "town": "Haverfordwest", "postcode": "sa611bg"},
        is_preferred=True,
    )
    first.refresh_from_db()
    assert not first.is_preferred
    assert second.is_preferred
    assert second.postcode == "SA61 1BG"


def test_ending_a_route_keeps_it_for_history_and_cannot_be_done_twice(world):
    person = _create(world)
    route = services.contact_route_add(
        actor=world.users[CUSTODY],
        person_id=person.pk,
        kind="email",
        use="home",
        values={"email": "Rhys@Example.org"},
    )
    assert route.email == "rhys@example.org"
    services.contact_route_end(actor=world.users[CUSTODY], person_id=person.pk, route_id=route.pk)
    route.refresh_from_db()
    assert route.ended_at is not None
    assert route.ended_at <= timezone.now()
    with pytest.raises(ApplicationError) as again:
        services.contact_route_end(
            actor=world.users[CUSTODY], person_id=person.pk, route_id=route.pk
        )
    assert again.value.status == 409


def test_a_route_of_another_person_cannot_be_ended_through_this_one(world):
    one = _create(world)
    other = _create(
        world, given_name="Kelly", family_name="Matthews", date_of_birth=date(1987, 11, 21)
    )
    route = services.contact_route_add(
        actor=world.users[CUSTODY],
        person_id=other.pk,
        kind="phone",
        use="home",
        values={"phone": "01970 612345"},
    )
    with pytest.raises(NotFoundError):
        services.contact_route_end(actor=world.users[CUSTODY], person_id=one.pk, route_id=route.pk)
    route.refresh_from_db()
    assert route.ended_at is None


def test_consulting_a_record_is_audited_and_an_invisible_one_is_not_found(world):
    person = _create(world)
    before = AuditEvent.objects.count()
    assert services.person_consult(actor=world.users[FRONTLINE], person_id=person.pk) == person
    event = AuditEvent.objects.get(sequence=before + 1)
    assert (event.operation, event.subject_person_id, event.actor_label) == (
        Operation.CONSULTATION,
        person.pk,
        "frontline",
    )
    assert services.person_consult(actor=world.users[PROV_A], person_id=person.pk) is None
    assert services.person_consult(actor=world.users[FRONTLINE], person_id=person.pk + 999) is None
    assert AuditEvent.objects.count() == before + 1
