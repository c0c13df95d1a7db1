"""Stop and search in the browser's shoes: the quick form, errors naming fields, the search
page with both outcomes and its history, the amendment, the referral, and who sees what."""

import pytest
from django.utils import timezone

from pont.audit.models import AuditEvent
from pont.referrals.models import Referral
from pont.stop_search import views
from pont.stop_search.models import OutcomeAmendment, Search
from pont.testing.http import post_form
from pont.testing.personas import (
    ANALYST,
    CUSTODY,
    FRONTLINE,
    INSPECTOR,
    OPSLEAD,
    PANEL,
    PROV_A,
)
from pont.testing.referrals import provider_service, reachable_person
from pont.testing.stop_search import (
    amended,
    officer,
    quick_form,
    recorded_search,
    stop_search_reference,
)

NEW = "/stop-search/new"


@pytest.fixture
def codes(db) -> dict[str, str]:
    return stop_search_reference()


def _page(search: Search, action: str = "") -> str:
    return f"/stop-search/{search.pk}{'/' + action if action else ''}"


# Recording ------------------------------------------------------------------------------


def test_an_officer_records_a_search_on_the_quick_form_with_the_person_found_by_name(
    world, codes, as_persona
):
    person = reachable_person(world)
    client = as_persona(FRONTLINE)
    page = client.get(NEW)
    assert page.status_code == 200
    html = page.content.decode()
    today = timezone.localdate()
    assert f'name="occurred_at_2" type="text" inputmode="numeric" value="{today.year}"' in html
    assert f'value="{world.carmarthenshire.pk}" selected' in html  # the officer's own area
    found = client.get(NEW, {"name": "parry"}).content.decode()
    assert f"{NEW}?person={person.pk}" in found
    chosen = client.get(NEW, {"person": person.pk}).content.decode()
    assert person.full_name in chosen
    response = post_form(
        client, f"{NEW}?person={person.pk}", quick_form(world, codes, person=person.pk)
    )
    assert response.status_code == 302
    search = Search.objects.get()
    assert response["Location"] == _page(search)
    assert (search.person, search.officer) == (person, world.users[FRONTLINE])
    assert (search.outcome_at_search, search.outcome) == (codes["cannabis_warning"],) * 2
    assert AuditEvent.objects.filter(
        operation="consultation",
        subject_person_id=person.pk,
        detail__shown_in="stop and search person",
    ).exists()


def test_a_search_is_recorded_with_nobody_named(world, codes, as_persona):
    response = post_form(as_persona(FRONTLINE), NEW, quick_form(world, codes))
    assert response.status_code == 302
    assert Search.objects.get().person is None


def test_a_person_the_officer_may_not_see_cannot_be_chosen(world, codes, as_persona):
    client = as_persona(FRONTLINE)
    assert client.get(NEW, {"person": 999_999}).status_code == 404
    response = post_form(client, f"{NEW}?person=999999", quick_form(world, codes))
    assert response.status_code == 404
    assert not Search.objects.exists()


def test_an_empty_form_names_every_missing_field_in_the_error_summary(world, codes, as_persona):
    response = post_form(as_persona(FRONTLINE), NEW, {})
    assert response.status_code == 400
    html = response.content.decode()
    assert "There is a problem" in html
    for anchor, message in (
        ("#id_search_type_0", "Select the type of search."),
        ("#id_occurred_at_0", "Enter the date and time of the search."),
        ("#id_area", "Select the area the search was in."),
        ("#id_place", "Enter where the search took place."),
        ("#id_legislation", "Select the power the search was made under."),
        ("#id_object_of_search", "Select what you were looking for."),
        ("#id_grounds", "Enter the grounds for the search."),
        ("#id_body_worn_video_0", "Say whether body-worn video was used."),
        ("#id_outcome_0", "Select the outcome."),
        ("#id_outcome_linked_0", "Say whether the outcome was linked to what you were looking"),
    ):
        assert f'<a href="{anchor}">{message}' in html, anchor
    # The summary follows the page: body-worn video is asked before the outcome.
    assert html.index('<a href="#id_body_worn_video_0">') < html.index('<a href="#id_outcome_0">')
    assert not Search.objects.exists()


def test_a_person_search_without_a_description_names_those_fields(world, codes, as_persona):
    data = quick_form(world, codes, gender="", age_range="", self_defined_ethnicity="")
    html = post_form(as_persona(FRONTLINE), NEW, data).content.decode()
    assert '<a href="#id_gender_0">' in html
    assert '<a href="#id_age_range_0">' in html
    assert '<a href="#id_self_defined_ethnicity">' in html
    assert '<a href="#id_officer_defined_ethnicity_0">' not in html


@pytest.mark.parametrize("persona", [CUSTODY, ANALYST, OPSLEAD, PROV_A, PANEL])
def test_roles_that_do_not_record_searches_get_403_on_the_form(world, codes, as_persona, persona):
    client = as_persona(persona)
    assert client.get(NEW).status_code == 403
    assert post_form(client, NEW, quick_form(world, codes)).status_code == 403
    assert not Search.objects.exists()


# The list ----------------------------------------------------------------------------------


def test_an_officer_lists_their_own_searches_and_an_inspector_the_forces_a_page_at_a_time(
    world, codes, as_persona, monkeypatch
):
    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    mine = [recorded_search(world, place=f"Mine {n}") for n in range(3)]
    recorded_search(world, actor=officer(world, "pc-jones"), place="Not mine")
    page = as_persona(FRONTLINE).get("/stop-search/").content.decode()
    assert "Your searches" in page
    assert "3 searches" in page
    assert page.index(_page(mine[2])) < page.index(_page(mine[1]))  # newest first
    assert "Not mine" not in page
    assert "?page=2" in page
    second = as_persona(FRONTLINE).get("/stop-search/?page=2").content.decode()
    assert _page(mine[0]) in second
    force = as_persona(ANALYST).get("/stop-search/").content.decode()
    assert "The force's searches" in force
    assert "4 searches" in force


def test_the_list_records_that_the_named_people_on_it_were_seen(world, codes, as_persona):
    person = reachable_person(world)
    recorded_search(world, person=person)
    recorded_search(world)
    before = AuditEvent.objects.count()
    page = as_persona(INSPECTOR).get("/stop-search/")
    assert person.full_name in page.content.decode()
    shown = AuditEvent.objects.filter(detail__shown_in="search list")
    assert AuditEvent.objects.count() == before + 1
    assert list(shown.values_list("subject_person_id", flat=True)) == [person.pk]


# The search page -----------------------------------------------------------------------------


def test_the_search_page_shows_both_outcomes_and_the_amendments_oldest_first(
    world, codes, as_persona
):
    search = recorded_search(world, person=reachable_person(world))
    amended(
        search,
        actor=world.users[FRONTLINE],
        outcome=codes["nfa"],
        outcome_linked=False,
        reason="Substance was not a controlled drug",
    )
    amended(
        search,
        actor=world.users[INSPECTOR],
        outcome=codes["community_resolution"],
        reason="Second test was positive",
    )
    before = AuditEvent.objects.count()
    response = as_persona(FRONTLINE).get(_page(search))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Outcome at the time of the search" in html
    assert "Current outcome" in html
    assert "Arrest" in html
    first, second = html.index("Substance was not a controlled drug"), html.index("Second test")
    assert first < second  # the newest last
    assert "Inspector Tester" in html  # who amended
    assert "Amend the outcome" in html
    assert "Refer to a service" in html  # drugs found (the current outcome is linked)
    assert AuditEvent.objects.count() == before + 1
    assert AuditEvent.objects.order_by("-sequence").first().operation == "consultation"


def test_a_front_line_officer_gets_404_for_someone_elses_search(world, codes, as_persona):
    search = recorded_search(world, person=reachable_person(world), actor_code=INSPECTOR)
    client = as_persona(FRONTLINE)
    for action in ("", "outcome", "referral"):
        assert client.get(_page(search, action)).status_code == 404
    assert post_form(client, _page(search, "outcome"), {"version": "1"}).status_code == 404
    assert as_persona(OPSLEAD).get(_page(search)).status_code == 200
    assert as_persona(CUSTODY).get(_page(search)).status_code == 403
    assert as_persona(FRONTLINE).get("/stop-search/not-a-uuid").status_code == 404


# Amending the outcome --------------------------------------------------------------------------


def test_the_amendment_form_saves_a_new_outcome_with_the_version_it_was_opened_with(
    world, codes, as_persona
):
    search = recorded_search(world)
    client = as_persona(FRONTLINE)
    page = client.get(_page(search, "outcome")).content.decode()
    assert 'name="version" value="1"' in page
    data = {
        "outcome": codes["community_resolution"],
        "outcome_linked": "yes",
        "reason": "Admitted possession; resolved in the community",
        "evidence": "CR/2026/88",
        "version": "1",
    }
    response = post_form(client, _page(search, "outcome"), data)
    assert response.status_code == 302
    assert response["Location"] == _page(search)
    search.refresh_from_db()
    assert search.outcome == codes["community_resolution"]
    assert search.outcome_at_search == codes["arrest"]
    # The same form again, with the version it read: someone else got there first.
    stale = post_form(client, _page(search, "outcome"), {**data, "outcome": codes["nfa"]})
    assert stale.status_code == 302
    assert "Someone else changed this record" in client.get(_page(search)).content.decode()
    assert OutcomeAmendment.objects.count() == 1


def test_the_amendment_form_names_its_missing_fields(world, codes, as_persona):
    search = recorded_search(world)
    response = post_form(
        as_persona(INSPECTOR), _page(search, "outcome"), {"outcome": "", "version": "1"}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert '<a href="#id_outcome_0">Select the outcome.' in html
    assert '<a href="#id_outcome_linked_0">' in html
    assert '<a href="#id_reason">Enter the reason for the change.' in html
    assert not OutcomeAmendment.objects.exists()


def test_those_who_only_oversee_searches_cannot_open_the_amendment(world, codes, as_persona):
    search = recorded_search(world)
    assert as_persona(ANALYST).get(_page(search)).status_code == 200
    assert as_persona(ANALYST).get(_page(search, "outcome")).status_code == 403
    assert "Amend the outcome" not in as_persona(ANALYST).get(_page(search)).content.decode()


# A referral from a drugs search -------------------------------------------------------------------


def test_a_referral_from_a_drugs_search_opens_the_draft_which_links_back(world, codes, as_persona):
    person = reachable_person(world)
    search = recorded_search(world, person=person, outcome=codes["cannabis_warning"])
    client = as_persona(FRONTLINE)
    detail = client.get(_page(search)).content.decode()
    assert "Refer to a service" in detail
    form = client.get(_page(search, "referral")).content.decode()
    assert "The person agreed to be referred" in form  # the suggested reason
    response = post_form(
        client,
        _page(search, "referral"),
        {
            "service": str(provider_service(world).pk),
            "reason": "Found with cannabis; asked for help",
            "consent_recorded": "on",
        },
    )
    assert response.status_code == 302
    referral = Referral.objects.get()
    assert response["Location"] == f"/referrals/{referral.pk}"
    assert (referral.source_kind, referral.status) == ("stop_search", "draft")
    referral_page = client.get(response["Location"]).content.decode()
    assert f'href="{_page(search)}"' in referral_page
    again = client.get(_page(search)).content.decode()
    assert f"/referrals/{referral.pk}" in again
    assert f'href="{_page(search, "referral")}"' not in again  # one open referral at a time


def test_a_referral_without_consent_names_the_field(world, codes, as_persona):
    search = recorded_search(world, person=reachable_person(world))
    response = post_form(
        as_persona(FRONTLINE),
        _page(search, "referral"),
        {"service": str(provider_service(world).pk), "reason": "Wants help"},
    )
    assert response.status_code == 400
    assert '<a href="#id_consent_recorded">Confirm that the person agreed' in (
        response.content.decode()
    )
    assert not Referral.objects.exists()


def test_a_search_with_nobody_named_offers_no_referral(world, codes, as_persona):
    search = recorded_search(world)
    client = as_persona(FRONTLINE)
    assert "Refer to a service" not in client.get(_page(search)).content.decode()
    response = client.get(_page(search, "referral"))
    assert response.status_code == 302
    assert "no person is linked to this search" in client.get(_page(search)).content.decode()


# Navigation ------------------------------------------------------------------------------------


def test_the_navigation_and_the_person_record_lead_to_stop_and_search(world, codes, as_persona):
    person = reachable_person(world)
    home = as_persona(FRONTLINE).get("/").content.decode()
    assert 'href="/stop-search/"' in home
    record = as_persona(FRONTLINE).get(f"/people/{person.pk}").content.decode()
    assert f"/stop-search/new?person={person.pk}" in record
    assert 'href="/stop-search/"' not in as_persona(CUSTODY).get("/").content.decode()
