"""Who may change what on a person's record.

The identity (name, date of birth, gender, PNC ID) is the force's record: officers change it,
providers never do (403 for someone referred to them, 404 for anyone else). How to reach the
person (contact routes, preferred language) officers and the providers the person was referred
to both keep current. The audit events are the same whoever makes the change.
"""

import pytest
from django.urls import reverse

from pont.accounts.roles import CHANGE_CONTACT_ROUTES, CHANGE_PERSON, VIEW_PERSON
from pont.audit.models import AuditEvent
from pont.core.exceptions import NotFoundError
from pont.people import selectors, services
from pont.people.models import ContactRoute, Person
from pont.testing.http import post_form
from pont.testing.personas import ANALYST, CUSTODY, FRONTLINE, PROV_A, PROV_A_MGR, PROV_B
from pont.testing.referrals import reachable_person, referral_in

Operation = AuditEvent.Operation


@pytest.fixture
def referred(world) -> Person:
    """A person recorded by the force, with a phone number, referred to provider A."""
    person = reachable_person(world, given_name="Ceri")
    referral_in(world, "requested", person=person)
    person.refresh_from_db()
    return person


def _identity_form(person: Person, **changes: str) -> dict[str, str]:
    born = person.date_of_birth
    return {
        "given_name": person.given_name,
        "family_name": person.family_name,
        "date_of_birth_0": str(born.day),
        "date_of_birth_1": str(born.month),
        "date_of_birth_2": str(born.year),
        "gender": person.gender,
        "pnc_id": "2009/0123456C",
        "preferred_language": person.preferred_language,
        "version": str(person.version),
        **changes,
    }


def _events_after(sequence: int) -> list[tuple[str, str, dict]]:
    return [
        (event.operation, event.object_type, event.detail)
        for event in AuditEvent.objects.filter(sequence__gt=sequence).order_by("sequence")
    ]


def _last_sequence() -> int:
    return AuditEvent.objects.order_by("-sequence").values_list("sequence", flat=True).first() or 0


@pytest.mark.parametrize("persona", [PROV_A, PROV_A_MGR])
def test_a_provider_may_not_change_the_identity_of_someone_referred_to_them(
    world, as_persona, referred, persona
):
    client = as_persona(persona)
    url = reverse("people:edit", args=[referred.pk])
    assert client.get(referred.get_absolute_url()).status_code == 200  # they can see them
    before = _last_sequence()
    assert client.get(url).status_code == 403
    refused = post_form(client, url, _identity_form(referred, family_name="Changed"))
    assert refused.status_code == 403
    referred.refresh_from_db()
    assert (referred.family_name, referred.pnc_id) == ("Parry", "")
    assert _events_after(before) == []


def test_a_provider_asking_to_change_someone_they_cannot_see_is_told_they_do_not_exist(
    world, as_persona, referred
):
    # Provider B: the person was referred to provider A, not to them.
    client = as_persona(PROV_B)
    edit = reverse("people:edit", args=[referred.pk])
    missing = reverse("people:edit", args=[referred.pk + 1000])
    assert client.get(edit).status_code == client.get(missing).status_code == 404
    assert post_form(client, edit, _identity_form(referred)).status_code == 404
    assert client.get(reverse("people:contact_route_add", args=[referred.pk])).status_code == 404
    assert client.get(reverse("people:language", args=[referred.pk])).status_code == 404
    route = referred.contact_routes.get()
    ended = post_form(client, reverse("people:contact_route_end", args=[referred.pk, route.pk]))
    assert ended.status_code == 404
    route.refresh_from_db()
    assert route.ended_at is None


def test_an_officer_still_changes_the_identity_with_the_same_audit_event(
    world, as_persona, referred
):
    before = _last_sequence()
    response = post_form(
        as_persona(FRONTLINE),
        reverse("people:edit", args=[referred.pk]),
        _identity_form(referred, family_name="Parri"),
    )
    assert response.status_code == 302
    referred.refresh_from_db()
    assert (referred.family_name, referred.pnc_id) == ("Parri", "2009/0123456C")
    assert _events_after(before) == [
        (Operation.ALTERATION, "people.person", {"fields": ["family_name", "pnc_id"]})
    ]


def test_a_read_only_police_role_is_refused_the_identity_and_the_contact_details(
    world, as_persona, referred
):
    client = as_persona(ANALYST)
    assert client.get(reverse("people:edit", args=[referred.pk])).status_code == 403
    assert client.get(reverse("people:contact_route_add", args=[referred.pk])).status_code == 403
    assert client.get(reverse("people:language", args=[referred.pk])).status_code == 403


def test_a_provider_keeps_the_contact_details_current_with_the_officers_audit_events(
    world, as_persona, referred
):
    client = as_persona(PROV_A)
    old = referred.contact_routes.get()
    before = _last_sequence()
    added = post_form(
        client,
        reverse("people:contact_route_add", args=[referred.pk]),
        {"kind": "phone", "use": "mobile", "phone": "07812 654321", "is_preferred": "on"},
    )
    assert added.status_code == 302
    ended = post_form(client, reverse("people:contact_route_end", args=[referred.pk, old.pk]))
    assert ended.status_code == 302
    old.refresh_from_db()
    assert old.ended_at is not None
    new = referred.contact_routes.get(ended_at__isnull=True)
    assert (new.phone, new.is_preferred) == ("+447812654321", True)
    assert _events_after(before) == [
        (Operation.COLLECTION, "people.contactroute", {"kind": "phone", "use": "mobile"}),
        (Operation.ALTERATION, "people.contactroute", {"ended": True}),
    ]


def test_a_provider_sets_the_preferred_language_with_the_same_audit_event_as_an_edit(
    world, as_persona, referred
):
    before = _last_sequence()
    response = post_form(
        as_persona(PROV_A),
        reverse("people:language", args=[referred.pk]),
        {"preferred_language": "cy", "version": str(referred.version)},
    )
    assert response.status_code == 302
    referred.refresh_from_db()
    assert referred.preferred_language == "cy"
    assert _events_after(before) == [
        (Operation.ALTERATION, "people.person", {"fields": ["preferred_language"]})
    ]


def test_the_preferred_language_page_names_the_field_and_refuses_a_stale_version(
    world, as_persona, referred
):
    client = as_persona(PROV_A)
    url = reverse("people:language", args=[referred.pk])
    unchosen = post_form(client, url, {"version": str(referred.version)})
    assert unchosen.status_code == 400
    assert "Select the person&#x27;s preferred language" in unchosen.content.decode()
    services.person_language_set(
        actor=world.users[CUSTODY],
        person_id=referred.pk,
        expected_version=referred.version,
        preferred_language="cy",
    )
    stale = post_form(client, url, {"preferred_language": "en", "version": str(referred.version)})
    assert stale.status_code == 409
    assert "Someone else changed this record" in stale.content.decode()
    referred.refresh_from_db()
    assert referred.preferred_language == "cy"


def test_the_record_page_offers_each_change_only_to_those_who_may_make_it(
    world, as_persona, referred
):
    edit = reverse("people:edit", args=[referred.pk])
    add = reverse("people:contact_route_add", args=[referred.pk])
    language = reverse("people:language", args=[referred.pk])
    route = referred.contact_routes.get()
    end = reverse("people:contact_route_end", args=[referred.pk, route.pk])

    def links(persona: str) -> dict[str, bool]:
        page = as_persona(persona).get(referred.get_absolute_url())
        assert page.status_code == 200
        html = page.content.decode()
        return {
            name: f'"{url}"' in html
            for name, url in [("edit", edit), ("add", add), ("language", language), ("end", end)]
        }

    everything = {"edit": True, "add": True, "language": True, "end": True}
    assert links(CUSTODY) == everything
    assert links(PROV_A) == {**everything, "edit": False}
    assert links(ANALYST) == dict.fromkeys(everything, False)


def test_the_services_refuse_a_provider_the_identity_as_if_the_person_were_missing(world, referred):
    with pytest.raises(NotFoundError):
        services.person_update(
            actor=world.users[PROV_A],
            person_id=referred.pk,
            expected_version=referred.version,
            pnc_id="2009/0123456C",
        )
    route = services.contact_route_add(
        actor=world.users[PROV_A],
        person_id=referred.pk,
        kind="email",
        use="home",
        values={"email": "ceri@example.test"},
    )
    assert route.person_id == referred.pk
    with pytest.raises(NotFoundError):
        services.contact_route_add(
            actor=world.users[PROV_B],
            person_id=referred.pk,
            kind="email",
            use="home",
            values={"email": "other@example.test"},
        )
    referred.refresh_from_db()
    assert referred.pnc_id == ""
    assert ContactRoute.objects.filter(person=referred, ended_at__isnull=True).count() == 2


def test_the_write_selector_checks_the_capability_it_is_given(world, referred):
    provider, officer = world.users[PROV_A], world.users[CUSTODY]

    def found(user, write):
        return selectors.person_get_for_user(user=user, person_id=referred.pk, write=write)

    assert found(provider, None) == referred
    assert found(provider, CHANGE_CONTACT_ROUTES) == referred
    assert found(provider, CHANGE_PERSON) is None
    assert found(officer, CHANGE_PERSON) == referred
    assert found(world.users[PROV_B], CHANGE_CONTACT_ROUTES) is None


@pytest.mark.parametrize("wrong", [VIEW_PERSON, "True"])
def test_the_write_selector_refuses_anything_but_a_change_capability(world, referred, wrong):
    with pytest.raises(ValueError, match="change capability"):
        selectors.person_get_for_user(user=world.users[CUSTODY], person_id=referred.pk, write=wrong)
