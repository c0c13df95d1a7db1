"""The people search: POST, then redirect to its results (POST/redirect/GET), its kept terms,
and the purposes that other modules give it (refer someone to a service)."""

import uuid
from datetime import date
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest

from pont.audit.models import AuditEvent
from pont.people import services
from pont.people.kept_searches import KEPT_AT_MOST, KEPT_FOR_SECONDS, SESSION_KEY
from pont.people.models import Person
from pont.testing.http import post_form
from pont.testing.personas import ANALYST, CUSTODY, FRONTLINE, PANEL
from pont.testing.referrals import provider_service

Operation = AuditEvent.Operation
SEARCH = "/people/"
EXPIRED = "Those search results are no longer kept. Search again."
NOT_FOUND = (
    "The service you chose to refer to could not be found. Find the person, "
    "then choose the service on the referral form."
)


@pytest.fixture
def rhys(world):
    return services.person_create(
        actor=world.users[CUSTODY],
        given_name="Rhys",
        family_name="Owen",
        date_of_birth=date(1991, 4, 3),
        gender="male",
        pnc_id="2009/0123456C",
        confirmed_new=True,
    )


def _search(client, data, path=SEARCH):
    """POST a search; return the address it redirects to."""
    response = post_form(client, path, data)
    assert response.status_code == 302
    return response["Location"]


def _shown(since):
    return list(
        AuditEvent.objects.filter(sequence__gt=since, operation=Operation.CONSULTATION).values_list(
            "actor_label", "subject_person_id", "detail"
        )
    )


def test_a_search_redirects_to_its_results_with_only_a_token_in_the_address(
    world, as_persona, rhys
):
    officer = as_persona(FRONTLINE)
    before = AuditEvent.objects.latest("sequence").sequence
    results = _search(
        officer,
        {"name": "Owen", "date_of_birth_0": "3", "date_of_birth_1": "4", "date_of_birth_2": "1991"},
    )
    address = urlsplit(results)
    assert address.path == SEARCH
    query = parse_qs(address.query)
    assert list(query) == ["results"]
    assert "Owen" not in results
    assert "1991" not in results
    assert _shown(before) == []  # the POST shows nobody
    page = officer.get(results)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Rhys Owen" in html
    assert 'value="Owen"' in html  # the terms stay in the form, to change them
    assert _shown(before) == [("frontline", rhys.pk, {"shown_in": "search"})]
    # Back from the record: the same page, shown (and recorded) again, no form sent again.
    again = officer.get(results)
    assert "Rhys Owen" in again.content.decode()
    assert len(_shown(before)) == 2


def test_an_unknown_token_shows_the_empty_search_with_a_message(world, as_persona, rhys):
    officer = as_persona(FRONTLINE)
    before = AuditEvent.objects.latest("sequence").sequence
    for token in ("nope", "x" * 500, "%00"):
        page = officer.get(SEARCH, {"results": token})
        assert page.status_code == 200
        html = page.content.decode()
        assert EXPIRED in html
        assert "Rhys Owen" not in html
        assert "people found" not in html
        assert "person found" not in html
    assert _shown(before) == []
    # No token, no message.
    assert EXPIRED not in officer.get(SEARCH).content.decode()


def test_a_search_older_than_it_is_kept_for_is_gone(world, as_persona, rhys):
    officer = as_persona(FRONTLINE)
    results = _search(officer, {"name": "Owen"})
    token = parse_qs(urlsplit(results).query)["results"][0]
    session = officer.session
    session[SESSION_KEY][token]["at"] -= KEPT_FOR_SECONDS - 60
    session.save()
    assert "Rhys Owen" in officer.get(results).content.decode()  # not quite yet
    session = officer.session
    session[SESSION_KEY][token]["at"] -= 61
    session.save()
    page = officer.get(results).content.decode()
    assert EXPIRED in page
    assert "Rhys Owen" not in page
    assert token not in officer.session[SESSION_KEY]  # and no longer held


def test_only_the_newest_searches_are_kept(world, as_persona, rhys):
    officer = as_persona(FRONTLINE)
    addresses = [_search(officer, {"name": "Owen"}) for _ in range(KEPT_AT_MOST + 1)]
    assert len(officer.session[SESSION_KEY]) == KEPT_AT_MOST
    assert EXPIRED in officer.get(addresses[0]).content.decode()
    for address in addresses[1:]:
        assert "Rhys Owen" in officer.get(address).content.decode()


def test_a_token_made_by_one_user_shows_nothing_to_another(world, as_persona, rhys):
    officer, colleague = as_persona(FRONTLINE), as_persona(CUSTODY)
    results = _search(officer, {"name": "Owen"})
    token = parse_qs(urlsplit(results).query)["results"][0]
    before = AuditEvent.objects.latest("sequence").sequence
    # The address alone, in another user's browser.
    page = colleague.get(results).content.decode()
    assert EXPIRED in page
    assert "Rhys Owen" not in page
    assert 'value="Owen"' not in page
    # Even the kept search itself, in the other user's session: it is bound to its maker.
    session = colleague.session
    session[SESSION_KEY] = {token: officer.session[SESSION_KEY][token]}
    session.save()
    page = colleague.get(results).content.decode()
    assert EXPIRED in page
    assert "Rhys Owen" not in page
    assert 'value="Owen"' not in page
    assert _shown(before) == []
    # Its maker still has it.
    assert "Rhys Owen" in officer.get(results).content.decode()


def test_a_user_without_the_capability_to_view_people_gets_403(world, as_persona, rhys):
    officer, panel = as_persona(FRONTLINE), as_persona(PANEL)
    results = _search(officer, {"name": "Owen"})
    assert panel.get(SEARCH).status_code == 403
    assert post_form(panel, SEARCH, {"name": "Owen"}).status_code == 403
    assert panel.get(results).status_code == 403
    assert SESSION_KEY not in panel.session


def test_an_invalid_search_is_answered_on_the_page_not_redirected(world, as_persona):
    response = post_form(as_persona(FRONTLINE), SEARCH, {"date_of_birth_0": "31"})
    assert response.status_code == 400
    assert "The date must include a day, a month and a year" in response.content.decode()


def test_the_search_purpose_survives_the_redirect(world, as_persona, rhys):
    service = provider_service(world)
    officer = as_persona(FRONTLINE)
    start = f"{SEARCH}?refer_to={service.pk}"
    first = officer.get(start).content.decode()
    assert f"Referring to {service.display_name}" in first
    assert f'action="{SEARCH}?refer_to={service.pk}"' in first
    results = _search(officer, {"name": "Owen"}, path=start)
    assert list(parse_qs(urlsplit(results).query)) == ["results"]  # the token only
    page = officer.get(results).content.decode()
    assert f"Referring to {service.display_name}" in page
    assert f"/referrals/new?person={rhys.pk}&amp;service={service.pk}" in page
    # Searching again, and recording a new person, keep the purpose too.
    assert f'action="{SEARCH}?refer_to={service.pk}"' in page
    assert f'href="/people/new?refer_to={service.pk}"' in page
    # A plain search has none of it.
    plain = officer.get(_search(officer, {"name": "Owen"})).content.decode()
    assert "Referring to" not in plain
    assert "/referrals/new" not in plain
    assert 'href="/people/new"' in plain


@pytest.mark.parametrize(
    "value",
    ["not-a-number", "42", "unknown", "closed", "open-for-a-reader", "long"],
)
def test_a_purpose_that_cannot_be_found_is_said_and_reveals_nothing(world, as_persona, rhys, value):
    service = provider_service(world)
    persona = FRONTLINE
    if value == "unknown":
        value = str(uuid.uuid4())
    elif value == "closed":
        closed = provider_service(world, "b")
        closed.accepts_referrals = False
        closed.save()
        value = str(closed.pk)
    elif value == "open-for-a-reader":  # a service that takes referrals, for one who may not
        persona, value = ANALYST, str(service.pk)
    elif value == "long":
        value = str(service.pk) + "0" * 200
    reader = as_persona(persona)
    response = reader.get(SEARCH, {"refer_to": value})
    assert response.status_code == 200
    html = unescape(response.content.decode())
    assert NOT_FOUND in html
    assert "Referring to" not in html
    assert "Drug and alcohol service" not in html
    # The search goes on as a plain one.
    assert f'action="{SEARCH}"' in html
    page = unescape(reader.get(_search(reader, {"name": "Owen"})).content.decode())
    assert "Rhys Owen" in page
    assert "/referrals/new" not in page


def test_recording_a_new_person_from_a_search_with_a_purpose_goes_on_to_it(world, as_persona, rhys):
    service = provider_service(world)
    officer = as_persona(CUSTODY)
    create = f"/people/new?refer_to={service.pk}"
    assert f"Referring to {service.display_name}" in officer.get(create).content.decode()
    form = {
        "given_name": "Rhŷs",
        "family_name": "Owen",
        "date_of_birth_0": "3",
        "date_of_birth_1": "4",
        "date_of_birth_2": "1991",
        "gender": "male",
        "preferred_language": "cy",
    }
    # A possible duplicate: the match can be referred at once too.
    matches = post_form(officer, create, form)
    assert matches.status_code == 400
    assert f"/referrals/new?person={rhys.pk}&amp;service={service.pk}" in (matches.content.decode())
    created = post_form(officer, create, {**form, "confirmed_new": "on"})
    assert created.status_code == 302
    person = Person.objects.get(given_name="Rhŷs")
    assert created["Location"] == f"/referrals/new?person={person.pk}&service={service.pk}"
    assert officer.get(created["Location"]).status_code == 200


def test_recording_a_new_person_with_a_purpose_that_cannot_be_found_says_so(world, as_persona):
    officer = as_persona(CUSTODY)
    create = "/people/new?refer_to=not-a-service"
    assert NOT_FOUND in unescape(officer.get(create).content.decode())
    created = post_form(
        officer,
        create,
        {
            "given_name": "Nia",
            "family_name": "Prys",
            "date_of_birth_0": "1",
            "date_of_birth_1": "2",
            "date_of_birth_2": "1990",
            "gender": "female",
            "preferred_language": "en",
        },
    )
    assert created.status_code == 302
    assert created["Location"] == Person.objects.get(given_name="Nia").get_absolute_url()
    # Without the capability to add people, no page at all.
    assert as_persona(ANALYST).get(create).status_code == 403
