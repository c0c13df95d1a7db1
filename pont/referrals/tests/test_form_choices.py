"""The statutory power of a referral made by hand is a choice of the known powers, and every
choice on the referral forms answers a value it does not offer (a page altered, or one out of
date) in words that name the field, never Django's "Select a valid choice"."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from pont.core.exceptions import ApplicationError
from pont.referrals import services
from pont.referrals.models import REQUIRED_ASSESSMENT_POWER, STATUTORY_POWERS, Referral
from pont.testing.http import post_form
from pont.testing.personas import CUSTODY, PROV_A, PROV_B
from pont.testing.referrals import (
    draft_referral,
    provider_service,
    reachable_person,
    referral_in,
    released_person,
    sent_earlier,
)

POWER = services.POWERS_BY_HAND[0]
TYPED = "Misuse of Drugs Act 1971 s.23"


def _referral_form(world, **changes):
    data = {
        "service": str(provider_service(world).pk),
        "reason": "Wants help with cocaine",
        "urgency": "routine",
        "legal_basis": "consent",
        "consent_confirmed": "on",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def _statutory_options(html):
    select = html.split('name="statutory_basis"')[1].split("</select>")[0]
    return re.findall(r'<option value="([^"]*)"([^>]*)>', select)


# Powers ------------------------------------------------------------------------------------


def test_the_powers_offered_by_hand_are_the_known_ones_but_the_required_assessment():
    assert REQUIRED_ASSESSMENT_POWER not in services.POWERS_BY_HAND
    assert set(services.POWERS_BY_HAND) == set(STATUTORY_POWERS) - {REQUIRED_ASSESSMENT_POWER}
    assert services.POWERS_BY_HAND  # a statutory referral by hand can still be made


def test_an_officer_chooses_the_statutory_power_from_the_list(world, as_persona):
    person = reachable_person(world)
    officer = as_persona(CUSTODY)
    url = f"/referrals/new?person={person.pk}"
    html = officer.get(url).content.decode()
    options = _statutory_options(html)
    assert [value for value, _attrs in options] == ["", *services.POWERS_BY_HAND]
    assert not any(value == REQUIRED_ASSESSMENT_POWER for value, _attrs in options)
    made = post_form(
        officer,
        url,
        _referral_form(
            world, legal_basis="statutory", consent_confirmed=None, statutory_basis=POWER
        ),
    )
    assert made.status_code == 302
    referral = Referral.objects.get()
    assert (referral.legal_basis, referral.statutory_basis) == ("statutory", POWER)
    assert referral.consent_recorded_at is None


def test_a_statutory_referral_with_no_power_chosen_is_refused_at_the_power(world, as_persona):
    person = reachable_person(world)
    refused = post_form(
        as_persona(CUSTODY),
        f"/referrals/new?person={person.pk}",
        _referral_form(world, legal_basis="statutory", consent_confirmed=None, statutory_basis=""),
    )
    assert refused.status_code == 400
    html = refused.content.decode()
    assert 'href="#id_statutory_basis"' in html
    # Once in the error summary, once at the field.
    assert html.count(str(services.POWER_NEEDED)) == 2
    assert not Referral.objects.exists()


@pytest.mark.parametrize("posted", [TYPED, REQUIRED_ASSESSMENT_POWER])
def test_a_power_not_listed_is_refused_in_words_once(world, as_persona, posted):
    """A typed power, or the Required Assessment's (made only in custody, by Test on arrest)."""
    person = reachable_person(world)
    refused = post_form(
        as_persona(CUSTODY),
        f"/referrals/new?person={person.pk}",
        _referral_form(
            world, legal_basis="statutory", consent_confirmed=None, statutory_basis=posted
        ),
    )
    assert refused.status_code == 400
    html = refused.content.decode()
    assert html.count(str(services.POWER_NOT_LISTED)) == 2
    assert str(services.POWER_NEEDED) not in html  # not also "select one"
    assert "Select a valid choice" not in html
    assert not Referral.objects.exists()


def test_the_service_refuses_a_power_not_listed_for_a_referral_made_by_hand(world):
    for typed, message in (
        (TYPED, services.POWER_NOT_LISTED),
        (REQUIRED_ASSESSMENT_POWER, services.REQUIRED_ASSESSMENT_BY_HAND),
    ):
        with pytest.raises(ApplicationError) as refused:
            draft_referral(world, legal_basis="statutory", statutory_basis=typed)
        assert refused.value.extra["fields"] == {"statutory_basis": [str(message)]}
    assert not Referral.objects.exists()
    # A source gives its own power (Test on arrest, the Required Assessment's).
    made = draft_referral(
        world,
        person=released_person(world),
        source_kind=Referral.Source.TEST_ON_ARREST,
        legal_basis="statutory",
        statutory_basis=REQUIRED_ASSESSMENT_POWER,
    )
    assert made.statutory_basis == REQUIRED_ASSESSMENT_POWER


def test_a_draft_with_a_typed_power_still_shows_it_and_is_changed_to_a_listed_one(
    world, as_persona
):
    draft = draft_referral(world, legal_basis="statutory", statutory_basis=POWER)
    # Made before the power was a choice: typed.
    Referral.objects.filter(pk=draft.pk).update(statutory_basis=TYPED)
    officer = as_persona(CUSTODY)
    assert TYPED in officer.get(draft.get_absolute_url()).content.decode()
    change = f"/referrals/{draft.pk}/change"
    html = officer.get(change).content.decode()
    assert f"The draft says “{TYPED}”, which is not one of the powers listed." in html
    assert not any("selected" in attrs for _value, attrs in _statutory_options(html))
    answers = {
        **_referral_form(world, legal_basis="statutory", consent_confirmed=None),
        "version": str(draft.version),
    }
    kept = post_form(officer, change, {**answers, "statutory_basis": TYPED})
    assert kept.status_code == 400
    assert str(services.POWER_NOT_LISTED) in kept.content.decode()
    assert Referral.objects.get(pk=draft.pk).statutory_basis == TYPED
    with pytest.raises(ApplicationError) as refused:  # the service says the same
        services.referral_draft_change(
            actor=world.users[CUSTODY],
            referral_id=draft.pk,
            service_id=draft.service_id,
            reason=draft.reason,
            urgency=draft.urgency,
            legal_basis="statutory",
            statutory_basis=TYPED,
        )
    assert list(refused.value.extra["fields"]) == ["statutory_basis"]
    chosen = post_form(officer, change, {**answers, "statutory_basis": POWER})
    assert chosen.status_code == 302
    assert Referral.objects.get(pk=draft.pk).statutory_basis == POWER


def test_the_referral_form_refuses_a_provider_and_a_person_not_found(world, as_persona):
    person = reachable_person(world)
    url = f"/referrals/new?person={person.pk}"
    data = _referral_form(world, legal_basis="statutory", consent_confirmed=None)
    data["statutory_basis"] = POWER
    provider = as_persona(PROV_A)
    assert provider.get(url).status_code == 403
    assert post_form(provider, url, data).status_code == 403
    officer = as_persona(CUSTODY)
    assert officer.get(f"/referrals/new?person={person.pk + 1000}").status_code == 404
    assert post_form(officer, f"/referrals/new?person={person.pk + 1000}", data).status_code == 404
    assert not Referral.objects.exists()


# A value not among a field's choices ------------------------------------------------------

STOCK = ("Select a valid choice", "is not one of the available choices")


@pytest.mark.parametrize(
    ("field", "value", "message", "anchor"),
    [
        ("urgency", "soon", "Select how urgent the referral is", "id_urgency_0"),
        ("legal_basis", "hunch", "Select consent or a statutory power", "id_legal_basis_0"),
        (
            "service",
            "00000000-0000-4000-8000-000000000000",  # no service's id
            "Choose the service to refer to from the list",
            "id_service",
        ),
        ("service", "not-an-id", "Choose the service to refer to from the list", "id_service"),
        ("statutory_basis", TYPED, str(services.POWER_NOT_LISTED), "id_statutory_basis"),
    ],
)
def test_the_referral_form_names_the_field_of_a_value_it_does_not_offer(
    world, as_persona, field, value, message, anchor
):
    person = reachable_person(world)
    refused = post_form(
        as_persona(CUSTODY),
        f"/referrals/new?person={person.pk}",
        _referral_form(world, **{field: value}),
    )
    assert refused.status_code == 400
    html = refused.content.decode()
    assert message in html
    assert f'href="#{anchor}"' in html  # the error summary leads to the field
    for stock in STOCK:
        assert stock not in html
    assert not Referral.objects.exists()


def _started_appointment(world, referral):
    return services.appointment_book(
        actor=world.users[PROV_A],
        referral_id=referral.pk,
        starts_at=timezone.now() - timedelta(hours=1),
        place="Llanelli hub",
    )


# (referral's state, the action's path, what is posted, the message, the field's id)
PROVIDER_CASES = [
    (
        "requested",
        "accept",
        {"already_known": "maybe"},
        "Select whether the person is already known to your service",
        "accept_already_known_0",
    ),
    (
        "accepted",
        "contact-attempts",
        {"method": "pigeon", "result": "no_answer"},
        "Select how you tried to contact them",
        "contact_method_0",
    ),
    (
        "accepted",
        "contact-attempts",
        {"method": "phone", "result": "vanished"},
        "Select what happened",
        "contact_result_0",
    ),
    (
        "accepted",
        "appointments",
        {"kind": "party", "at": "10:00", "place": "Hub"},
        "Select the kind of appointment",
        "appointment_kind",
    ),
    (
        "accepted",
        "attendance",
        {"attendance": "maybe"},
        "Select whether they came",
        None,  # the attendance form's ids are its appointment's
    ),
    (
        "accepted",
        "attendance",
        {"attendance": "attended", "appointment": "abc"},
        "Record attendance from the form under the appointment",
        None,
    ),
    (
        "accepted",
        "close",
        {"closure_reason": "nonsense"},
        "Select a closure reason from the list",
        "close_closure_reason",
    ),
]


@pytest.mark.parametrize(("state", "action", "data", "message", "anchor"), PROVIDER_CASES)
def test_each_provider_form_names_the_field_of_a_value_it_does_not_offer(
    world, as_persona, state, action, data, message, anchor
):
    referral = sent_earlier(referral_in(world, state))
    posted = dict(data)
    if action == "attendance":
        posted.setdefault("appointment", str(_started_appointment(world, referral).pk))
    if action == "appointments":
        day = timezone.localdate() + timedelta(days=2)
        posted.update(day_0=str(day.day), day_1=str(day.month), day_2=str(day.year))
    if action == "contact-attempts":
        day = timezone.localdate()
        posted.update(day_0=str(day.day), day_1=str(day.month), day_2=str(day.year))
    before = Referral.objects.get(pk=referral.pk)
    posted["version"] = str(before.version)
    refused = post_form(as_persona(PROV_A), f"/referrals/{referral.pk}/{action}", posted)
    assert refused.status_code == 400
    html = refused.content.decode()
    assert message in html
    if anchor:
        assert f'href="#{anchor}"' in html
    for stock in STOCK:
        assert stock not in html
    after = Referral.objects.get(pk=referral.pk)
    assert (after.status, after.version) == (before.status, before.version)


def test_a_provider_form_is_refused_to_another_provider_and_to_an_officer(world, as_persona):
    referral = referral_in(world, "accepted")
    data = {"method": "phone", "result": "no_answer", "version": str(referral.version)}
    url = f"/referrals/{referral.pk}/contact-attempts"
    assert post_form(as_persona(PROV_B), url, data).status_code == 404
    assert post_form(as_persona(CUSTODY), url, data).status_code == 403
    assert not Referral.objects.get(pk=referral.pk).contact_attempts.exists()
