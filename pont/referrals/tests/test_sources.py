"""Statutory appointments set by the referrer, and the hooks that tell a source module."""

from datetime import timedelta

import pytest
from django.utils import timezone

from pont.core.exceptions import ApplicationError, NotFoundError
from pont.referrals import services, sources
from pont.referrals.models import Appointment, Referral, ReferralEvent
from pont.testing.personas import CUSTODY, PROV_A, PROV_B
from pont.testing.referrals import draft_referral, released_person


@pytest.fixture
def statutory(world):
    referral = draft_referral(
        world,
        person=released_person(world),
        source_kind=Referral.Source.TEST_ON_ARREST,
        legal_basis=Referral.LegalBasis.STATUTORY,
        statutory_basis="Drugs Act 2005 s.9 (Required Assessment)",
        consent_confirmed=False,
    )
    return services.referral_send(actor=world.users[CUSTODY], referral_id=referral.pk)


def test_the_referrer_sets_and_varies_a_statutory_appointment_and_the_timeline_keeps_both(
    world, statutory
):
    when = timezone.now() + timedelta(days=3)
    appointment = services.statutory_appointment_set(
        actor=world.users[CUSTODY], referral_id=statutory.pk, starts_at=when, place="Hub, Llanelli"
    )
    later = when + timedelta(days=1)
    services.statutory_appointment_set(
        actor=world.users[CUSTODY],
        referral_id=statutory.pk,
        starts_at=later,
        place="Hub, Carmarthen",
        appointment_id=appointment.pk,
    )
    appointment.refresh_from_db()
    assert (appointment.starts_at, appointment.place) == (later, "Hub, Carmarthen")
    varied = ReferralEvent.objects.get(referral=statutory, kind="appointment_varied")
    assert varied.detail["was"]["place"] == "Hub, Llanelli"
    assert Referral.objects.get(pk=statutory.pk).status == "requested"


def test_a_consent_referral_or_a_provider_or_another_provider_cannot_set_the_appointment(
    world, statutory
):
    when = timezone.now() + timedelta(days=3)
    consent = services.referral_send(
        actor=world.users[CUSTODY], referral_id=draft_referral(world).pk
    )
    with pytest.raises(ApplicationError) as refused:
        services.statutory_appointment_set(
            actor=world.users[CUSTODY], referral_id=consent.pk, starts_at=when, place="Hub"
        )
    assert refused.value.status == 409
    for persona in (PROV_A, PROV_B):  # the provider works it but does not fix it; B cannot see it
        with pytest.raises(NotFoundError):
            services.statutory_appointment_set(
                actor=world.users[persona], referral_id=statutory.pk, starts_at=when, place="Hub"
            )
    assert not Appointment.objects.filter(referral=statutory).exists()


def test_the_appointment_cannot_change_once_attendance_is_recorded(world, statutory):
    appointment = services.statutory_appointment_set(
        actor=world.users[CUSTODY],
        referral_id=statutory.pk,
        starts_at=timezone.now() - timedelta(hours=2),
        place="Hub",
    )
    services.referral_accept(actor=world.users[PROV_A], referral_id=statutory.pk)
    # Attending moves an accepted referral on, without a contact attempt first.
    services.attendance_record(
        actor=world.users[PROV_A],
        referral_id=statutory.pk,
        appointment_id=appointment.pk,
        attendance="attended",
    )
    assert Referral.objects.get(pk=statutory.pk).status == "in-progress"
    with pytest.raises(ApplicationError) as refused:
        services.statutory_appointment_set(
            actor=world.users[CUSTODY],
            referral_id=statutory.pk,
            starts_at=timezone.now(),
            place="Elsewhere",
            appointment_id=appointment.pk,
        )
    assert refused.value.status == 409


def test_a_source_hears_each_step_inside_its_transaction(world, statutory, monkeypatch):
    heard = []

    def on_event(referral, action, actor, detail):
        heard.append((action, detail.get("attendance")))
        if action == "rejected":
            raise ApplicationError("the source refuses")

    monkeypatch.setitem(
        sources._HOOKS, Referral.Source.TEST_ON_ARREST, sources.SourceHooks(on_event=on_event)
    )
    services.referral_accept(actor=world.users[PROV_A], referral_id=statutory.pk)
    assert heard == [("accepted", None)]
    other = draft_referral(
        world,
        person=released_person(world, given_name="Owain"),
        source_kind=Referral.Source.TEST_ON_ARREST,
        legal_basis=Referral.LegalBasis.STATUTORY,
        statutory_basis="Drugs Act 2005 s.9",
    )
    services.referral_send(actor=world.users[CUSTODY], referral_id=other.pk)
    with pytest.raises(ApplicationError):
        services.referral_reject(actor=world.users[PROV_A], referral_id=other.pk, reason="No")
    # The hook's refusal undid the step: still requested, no rejected event.
    assert Referral.objects.get(pk=other.pk).status == "requested"
    assert not ReferralEvent.objects.filter(referral=other, kind="rejected").exists()


def test_a_source_registers_once():
    hooks = sources.SourceHooks()
    sources.register_source("test-kind", hooks)
    sources.register_source("test-kind", hooks)  # the same hooks again: harmless
    with pytest.raises(RuntimeError):
        sources.register_source("test-kind", sources.SourceHooks(links=lambda r, u: []))
    del sources._HOOKS["test-kind"]
