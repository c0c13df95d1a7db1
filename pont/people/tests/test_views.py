"""Person pages: search by POST, duplicate check, the audited record page, versioned edits.

The search's POST/redirect/GET, its kept terms and its purposes: test_search.py."""

import re
from datetime import date
from html import unescape

import pytest
from django.urls import reverse

from pont.audit.models import AuditEvent
from pont.people import services
from pont.people.models import Person
from pont.testing.http import post_form
from pont.testing.personas import CUSTODY, FRONTLINE, PANEL, PROV_A

Operation = AuditEvent.Operation


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


def _dob(day: int, month: int, year: int, name: str = "date_of_birth") -> dict[str, str]:
    return {f"{name}_0": str(day), f"{name}_1": str(month), f"{name}_2": str(year)}


def test_search_finds_a_person_by_name_and_audits_each_person_shown(world, as_persona, rhys):
    client = as_persona(FRONTLINE)
    before = AuditEvent.objects.count()
    response = post_form(client, reverse("people:search"), {"name": "owen"}, follow=True)
    assert response.redirect_chain[0][1] == 302
    assert response.status_code == 200
    assert "Rhys Owen" in response.content.decode()
    shown = AuditEvent.objects.filter(sequence__gt=before).get()
    assert (shown.operation, shown.subject_person_id, shown.detail) == (
        Operation.CONSULTATION,
        rhys.pk,
        {"shown_in": "search"},
    )


def test_search_by_pnc_id_accepts_the_short_form(world, as_persona, rhys):
    response = post_form(
        as_persona(CUSTODY), reverse("people:search"), {"pnc_id": "09/123456C"}, follow=True
    )
    assert "Rhys Owen" in response.content.decode()


def test_search_by_get_never_runs_a_search(world, as_persona, rhys):
    response = as_persona(CUSTODY).get(reverse("people:search"), {"name": "owen"})
    assert response.status_code == 200
    assert "Rhys Owen" not in response.content.decode()


def test_an_empty_search_says_what_to_enter(world, as_persona):
    response = post_form(as_persona(CUSTODY), reverse("people:search"), {})
    assert response.status_code == 400
    assert "Enter a name, a date of birth or a PNC ID" in response.content.decode()


def test_a_provider_search_does_not_find_people_it_has_no_relationship_with(
    world, as_persona, rhys
):
    response = post_form(
        as_persona(PROV_A), reverse("people:search"), {"name": "owen"}, follow=True
    )
    assert response.status_code == 200
    assert "Rhys Owen" not in response.content.decode()
    assert "0 people found" in response.content.decode()


def test_the_record_page_shows_the_person_and_audits_the_view(world, as_persona, rhys):
    before = AuditEvent.objects.count()
    response = as_persona(FRONTLINE).get(rhys.get_absolute_url())
    assert response.status_code == 200
    html = response.content.decode()
    assert "Rhys Owen" in html
    assert "2009/0123456C" in html
    assert rhys.reference in html
    assert "There is no way to contact this person" in html
    event = AuditEvent.objects.get(sequence=before + 1)
    assert (event.operation, event.subject_person_id, event.actor_label) == (
        Operation.CONSULTATION,
        rhys.pk,
        "frontline",
    )


def test_another_organisations_record_looks_exactly_like_a_missing_one(world, as_persona, rhys):
    client = as_persona(PROV_A)
    hidden_url, missing_url = (
        rhys.get_absolute_url(),
        reverse("people:detail", args=[rhys.pk + 1000]),
    )
    hidden, missing = client.get(hidden_url), client.get(missing_url)
    assert hidden.status_code == missing.status_code == 404

    # The same page, once the requested address (echoed in the language switch) and the
    # per-response CSRF masks are taken out.
    def normalised(response, url):
        return re.sub(
            r'name="csrfmiddlewaretoken" value="\w+"',
            "",
            response.content.decode().replace(url, ""),
        )

    assert normalised(hidden, hidden_url) == normalised(missing, missing_url)
    assert not AuditEvent.objects.filter(
        operation=Operation.CONSULTATION, actor_label="prov-a"
    ).exists()


def test_a_role_without_the_capability_gets_403(world, as_persona, rhys):
    assert as_persona(PANEL).get(rhys.get_absolute_url()).status_code == 403


def test_creating_a_look_alike_shows_possible_matches_before_saving(world, as_persona, rhys):
    client = as_persona(CUSTODY)
    form = {
        "given_name": "Rhŷs",
        "family_name": "Owen",
        **_dob(3, 4, 1991),
        "gender": "male",
        "preferred_language": "cy",
    }
    before = AuditEvent.objects.count()
    first = post_form(client, reverse("people:create"), form)
    assert first.status_code == 400
    html = first.content.decode()
    assert "Possible matches" in html
    assert rhys.get_absolute_url() in html
    assert "Same date of birth and a similar name" in html
    assert Person.objects.count() == 1
    shown = AuditEvent.objects.filter(sequence__gt=before).get()
    assert shown.detail == {"shown_in": "possible duplicates"}

    confirmed = post_form(client, reverse("people:create"), {**form, "confirmed_new": "on"})
    assert confirmed.status_code == 302
    assert Person.objects.count() == 2
    # With no purpose to go on to, to the new record.
    assert confirmed["Location"] == Person.objects.latest("pk").get_absolute_url()


def test_creating_with_errors_shows_the_error_summary_naming_each_field(world, as_persona):
    response = post_form(
        as_persona(CUSTODY),
        reverse("people:create"),
        {"date_of_birth_0": "31", "date_of_birth_1": "2", "date_of_birth_2": "1990"},
    )
    assert response.status_code == 400
    html = unescape(response.content.decode())
    assert "There is a problem" in html
    for message in (
        "Enter a first name",
        "Enter a last name",
        "The date must be a real date",
        "Select the person's gender",
    ):
        assert message in html
    assert 'href="#id_date_of_birth_0"' in html
    assert html.count("<title>Error:") == 1


def test_editing_with_a_stale_version_is_refused_with_a_clear_message(world, as_persona, rhys):
    url = reverse("people:edit", args=[rhys.pk])
    form = {
        "given_name": "Rhys",
        "family_name": "Owens",
        **_dob(3, 4, 1991),
        "gender": "male",
        "pnc_id": "2009/0123456C",
        "preferred_language": "en",
        "version": "1",
    }
    assert post_form(as_persona(CUSTODY), url, form).status_code == 302
    stale = post_form(as_persona(FRONTLINE), url, {**form, "family_name": "Bowen"})
    assert stale.status_code == 409
    assert "Someone else changed this record" in stale.content.decode()
    rhys.refresh_from_db()
    assert rhys.family_name == "Owens"


def test_adding_a_phone_number_from_the_page(world, as_persona, rhys):
    url = reverse("people:contact_route_add", args=[rhys.pk])
    client = as_persona(CUSTODY)
    bad = post_form(client, url, {"kind": "phone", "use": "mobile", "phone": "123"})
    assert bad.status_code == 400
    assert "Enter a UK phone number" in bad.content.decode()
    good = post_form(
        client,
        url,
        {"kind": "phone", "use": "mobile", "phone": "07812 345678", "is_preferred": "on"},
    )
    assert good.status_code == 302
    page = client.get(rhys.get_absolute_url()).content.decode()
    assert '<a class="govuk-link" href="tel:+447812345678">07812 345678</a>' in page
    assert "Preferred" in page


def test_the_contact_route_pages_guess_nothing_and_say_what_is_missing(world, as_persona, rhys):
    url = reverse("people:contact_route_add", args=[rhys.pk])
    client = as_persona(CUSTODY)
    # Continue with no kind chosen: said, not silently asked again.
    nothing = client.get(url, {"asked": "1"})
    assert nothing.status_code == 400
    assert 'class="govuk-error-summary"' in nothing.content.decode()
    # What the route is: radios for what fits its kind, none chosen.
    for kind, fits, does_not in (
        ("address", "release", "mobile"),
        ("phone", "mobile", "release"),
        ("email", "work", "mobile"),
    ):
        page = client.get(url, {"kind": kind}).content.decode()
        uses = re.findall(r'<input[^>]*name="use"[^>]*>', page)
        assert uses
        assert all('type="radio"' in u and "checked" not in u for u in uses)
        assert any(f'value="{fits}"' in u for u in uses)
        assert not any(f'value="{does_not}"' in u for u in uses)
    unchosen = post_form(client, f"{url}?kind=phone", {"kind": "phone", "phone": "07812 345678"})
    assert unchosen.status_code == 400
    assert "Select what the contact route is" in unchosen.content.decode()
    wrong = post_form(
        client,
        f"{url}?kind=address",
        {
            "kind": "address",
            "use": "mobile",
            "address_line_1": "1 Stryd Fawr",
            "town": "Aberystwyth",
            "postcode": "SY23 1AB",
        },
    )
    assert wrong.status_code == 400
    assert not rhys.contact_routes.exists()
    assert as_persona(PANEL).get(url, {"asked": "1"}).status_code == 403


@pytest.mark.parametrize(
    ("next_url", "back_to"),
    [
        ("/custody/drug-tests/123#impose", "/custody/drug-tests/123#impose"),
        ("https://evil.example/phish", None),  # never somewhere else
        ("//evil.example/phish", None),
    ],
)
def test_adding_details_goes_back_to_the_page_that_asked_for_them_on_this_site_only(
    world, as_persona, rhys, next_url, back_to
):
    url = reverse("people:contact_route_add", args=[rhys.pk])
    client = as_persona(CUSTODY)
    choice = client.get(url, {"next": next_url}).content.decode()
    assert (f'name="next" value="{next_url}"' in choice) == bool(back_to)
    response = post_form(
        client,
        f"{url}?kind=phone&next={next_url.replace('#', '%23')}",
        {"kind": "phone", "use": "mobile", "phone": "07812 345678"},
    )
    assert response.status_code == 302
    assert response["Location"] == (back_to or rhys.get_absolute_url())
    # Without the capability, the page is refused whatever comes back.
    assert as_persona(PANEL).get(url, {"next": next_url}).status_code == 403


def test_removing_a_route_from_the_page(world, as_persona, rhys):
    route = services.contact_route_add(
        actor=world.users[CUSTODY],
        person_id=rhys.pk,
        kind="phone",
        use="home",
        values={"phone": "01970 612345"},
    )
    client = as_persona(CUSTODY)
    response = post_form(client, reverse("people:contact_route_end", args=[rhys.pk, route.pk]))
    assert response.status_code == 302
    route.refresh_from_db()
    assert route.ended_at is not None
    assert "01970 612345" not in client.get(rhys.get_absolute_url()).content.decode()


def test_a_record_with_only_an_email_warns_that_a_referral_cannot_be_sent(world, as_persona, rhys):
    warning = "A service could not reach this person with these details alone."
    services.contact_route_add(
        actor=world.users[CUSTODY],
        person_id=rhys.pk,
        kind="email",
        use="home",
        values={"email": "rhys@example.test"},
    )
    officer = as_persona(CUSTODY)
    assert warning in officer.get(rhys.get_absolute_url()).content.decode()
    services.contact_route_add(
        actor=world.users[CUSTODY],
        person_id=rhys.pk,
        kind="phone",
        use="mobile",
        values={"phone": "07812 345678"},
    )
    assert warning not in officer.get(rhys.get_absolute_url()).content.decode()
    # Another organisation's worker, with no relationship to him: as if there were no record.
    assert as_persona(PROV_A).get(rhys.get_absolute_url()).status_code == 404
    assert as_persona(PANEL).get(rhys.get_absolute_url()).status_code == 403


def _summary_links(html: str) -> dict[str, str]:
    """The error summary's messages, each with the field it links to."""
    summary = html.split('class="govuk-error-summary"', 1)[1].split("</ul>", 1)[0]
    return {
        unescape(text).strip(): href
        for href, text in re.findall(r'<a href="#([\w-]+)"[^>]*>(.*?)</a>', summary, re.S)
    }


@pytest.mark.parametrize(
    ("kind", "data", "expected"),
    [
        (
            "address",
            {},
            {
                "Select what the contact route is": "id_use_0",
                "Enter address line 1, typically the building and street.": "id_address_line_1",
                "Enter the town or city.": "id_town",
                "Enter a real postcode": "id_postcode",
            },
        ),
        (
            "phone",
            {"phone": "123"},
            {"Select what the contact route is": "id_use_0", "Enter a UK phone number": "id_phone"},
        ),
        (
            "email",
            {"email": "not an address"},
            {
                "Select what the contact route is": "id_use_0",
                "Enter an email address in the correct format, like name@example.com.": "id_email",
            },
        ),
    ],
)
def test_one_submit_of_the_contact_details_shows_every_error_at_once(
    world, as_persona, rhys, kind, data, expected
):
    url = reverse("people:contact_route_add", args=[rhys.pk])
    response = post_form(as_persona(CUSTODY), f"{url}?kind={kind}", {"kind": kind, **data})
    assert response.status_code == 400
    links = _summary_links(response.content.decode())
    for message, anchor in expected.items():
        found = [href for text, href in links.items() if text.startswith(message)]
        assert found == [anchor], (message, links)
    assert len(links) == len(expected)
    assert not rhys.contact_routes.exists()


def test_a_route_they_have_already_is_said_after_the_rest_is_right(world, as_persona, rhys):
    services.contact_route_add(
        actor=world.users[CUSTODY],
        person_id=rhys.pk,
        kind="phone",
        use="home",
        values={"phone": "01970 612345"},
    )
    url = reverse("people:contact_route_add", args=[rhys.pk])
    again = post_form(
        as_persona(CUSTODY),
        f"{url}?kind=phone",
        {"kind": "phone", "use": "home", "phone": "01970 612345"},
    )
    assert again.status_code == 400
    assert _summary_links(again.content.decode()) == {
        "They have this one already: it is on their record.": "id_phone"
    }
    assert rhys.contact_routes.count() == 1


_PERSON = {
    "given_name": "Nia",
    "family_name": "Prys",
    "date_of_birth_0": "1",
    "date_of_birth_1": "2",
    "date_of_birth_2": "1990",
    "gender": "female",
    "preferred_language": "en",
}


@pytest.mark.parametrize(
    ("page", "changed", "message", "anchor"),
    [
        ("create", {"gender": "zz"}, "Select the person's gender", "id_gender_0"),
        (
            "create",
            {"preferred_language": "xx"},
            "Select the person's preferred language",
            "id_preferred_language_0",
        ),
        ("edit", {"gender": "zz"}, "Select the person's gender", "id_gender_0"),
        (
            "edit",
            {"preferred_language": "xx"},
            "Select the person's preferred language",
            "id_preferred_language_0",
        ),
        ("route", {"kind": "phone", "use": "zz"}, "Select what the contact route is", "id_use_0"),
        (
            "route",
            {"kind": "phone", "use": "release"},
            "Select what the contact route is",
            "id_use_0",
        ),
        ("route", {"kind": "zz"}, "Select phone, email or address", "id_kind_0"),
        ("kind", {"kind": "zz"}, "Select phone, email or address", "id_kind_0"),
    ],
)
def test_a_changed_choice_is_refused_in_words_naming_the_field(
    world, as_persona, rhys, page, changed, message, anchor
):
    officer = as_persona(CUSTODY)
    if page == "kind":
        response = officer.get(reverse("people:contact_route_add", args=[rhys.pk]), changed)
    else:
        url, data = {
            "create": (reverse("people:create"), _PERSON),
            "edit": (reverse("people:edit", args=[rhys.pk]), {**_PERSON, "version": "1"}),
            "route": (
                reverse("people:contact_route_add", args=[rhys.pk]),
                {"phone": "07812 345678"},
            ),
        }[page]
        response = post_form(officer, url, {**data, **changed})
    assert response.status_code == 400
    html = response.content.decode()
    assert "not one of the available choices" not in html
    assert "Select a valid choice" not in html
    assert _summary_links(html) == {message: anchor}
    rhys.refresh_from_db()
    assert (rhys.given_name, rhys.version) == ("Rhys", 1)
    assert Person.objects.count() == 1
    assert not rhys.contact_routes.exists()
