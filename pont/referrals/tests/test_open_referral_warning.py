"""A draft's page warns the officer that the person already has an open referral to the same
service (so the provider is not sent the same person twice), without refusing to send it."""

import pytest

from pont.accounts import services as accounts
from pont.accounts.models import Organisation
from pont.referrals.models import Referral
from pont.testing.http import post_form
from pont.testing.personas import CUSTODY, PROV_A
from pont.testing.referrals import draft_referral, reachable_person, referral_in

WARNING_ID = 'id="open-referral-to-same-service"'


def _draft_page(as_persona, draft: Referral) -> str:
    response = as_persona(CUSTODY).get(f"/referrals/{draft.pk}")
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize("state", ["requested", "accepted", "in-progress"])
def test_a_draft_names_the_open_referral_to_the_same_service(world, as_persona, state):
    person = reachable_person(world)
    earlier = referral_in(world, state, person=person)
    draft = draft_referral(world, person=person)
    page = _draft_page(as_persona, draft)
    assert WARNING_ID in page
    assert "Dylan already has an open referral to Drug and alcohol service A" in page
    assert f'href="/referrals/{earlier.pk}"' in page
    assert earlier.reference in page
    assert str(earlier.get_status_display()) in page
    assert "If it is a new episode, you can still send it." in page
    assert 'href="#cancel-referral"' in page
    assert 'id="cancel-referral"' in page


def test_the_warning_does_not_stop_the_draft_being_sent(world, as_persona):
    person = reachable_person(world)
    referral_in(world, "requested", person=person)
    draft = draft_referral(world, person=person)
    sent = post_form(as_persona(CUSTODY), f"/referrals/{draft.pk}/send", {"version": draft.version})
    assert sent.status_code == 302
    draft.refresh_from_db()
    assert draft.status == Referral.Status.REQUESTED


@pytest.mark.parametrize("state", ["completed", "rejected", "cancelled", "failed", "draft"])
def test_no_warning_for_a_referral_that_is_not_open(world, as_persona, state):
    person = reachable_person(world)
    referral_in(world, state, person=person)
    draft = draft_referral(world, person=person)
    assert WARNING_ID not in _draft_page(as_persona, draft)


def test_no_warning_for_an_open_referral_to_another_service(world, as_persona):
    person = reachable_person(world)
    referral_in(world, "accepted", person=person, which="b")
    draft = draft_referral(world, person=person)
    assert WARNING_ID not in _draft_page(as_persona, draft)


def test_no_warning_for_another_persons_open_referral(world, as_persona):
    referral_in(world, "accepted", person=reachable_person(world, given_name="Owain"))
    draft = draft_referral(world, person=reachable_person(world))
    assert WARNING_ID not in _draft_page(as_persona, draft)


def test_no_warning_for_an_open_referral_the_officer_may_not_see(world, as_persona):
    person = reachable_person(world)
    earlier = referral_in(world, "accepted", person=person)
    draft = draft_referral(world, person=person)
    assert WARNING_ID in _draft_page(as_persona, draft)  # seen while it is the force's own
    other_force = accounts.organisation_create(
        actor=None, name="Gwent Police", slug="gwent", kind=Organisation.Kind.FORCE
    )
    # Made by another force (no service moves a referral between forces): out of this
    # officer's sight, so neither named nor linked.
    Referral.objects.filter(pk=earlier.pk).update(referring_controller=other_force)
    page = _draft_page(as_persona, draft)
    assert WARNING_ID not in page
    assert earlier.reference not in page


def test_the_provider_is_not_shown_the_warning(world, as_persona):
    person = reachable_person(world)
    referral_in(world, "accepted", person=person)
    later = referral_in(world, "requested", person=person)
    page = as_persona(PROV_A).get(f"/referrals/{later.pk}").content.decode()
    assert WARNING_ID not in page
