"""The referral engine: every allowed and forbidden transition, the completeness gate, the audit
events, the timeline, the outbox and the emails."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from pont.audit.models import AuditEvent
from pont.core.exceptions import ApplicationError, ConflictError, NotFoundError
from pont.people import services as people
from pont.referrals import services
from pont.referrals.models import (
    Appointment,
    OutboxMessage,
    Referral,
    ReferralEvent,
    WebhookEndpoint,
)
from pont.testing.personas import CUSTODY, FRONTLINE, PANEL, PROV_A, PROV_B
from pont.testing.referrals import (
    draft_referral,
    provider_service,
    reachable_person,
    referral_in,
    sent_earlier,
)
from pont.testing.stop_search import officer as officer_of
from pont.testing.stop_search import other_force

Status = Referral.Status
Operation = AuditEvent.Operation
# A statutory power an officer may choose for a referral made by hand (the conditional caution's).
HAND_POWER = services.POWERS_BY_HAND[0]

STATES = [
    "draft",
    "requested",
    "accepted",
    "in-progress",
    "rejected",
    "completed",
    "failed",
    "cancelled",
]

# What each action may start from (the engine's rule table, restated here so a change is noticed).
ALLOWED_FROM = {
    "accept": {"requested"},
    "change": {"draft"},
    "reject": {"requested"},
    "cancel": {"draft", "requested", "accepted", "in-progress"},
    "contact": {"accepted", "in-progress"},
    "appointment": {"accepted", "in-progress"},
    "treatment": {"in-progress"},
    "close": {"accepted", "in-progress"},
    "reason": {"requested", "accepted", "in-progress"},
}


def _do(world, action, referral):
    worker, officer = world.users[PROV_A], world.users[CUSTODY]
    now = timezone.now() - timedelta(minutes=1)
    if action == "accept":
        return services.referral_accept(actor=worker, referral_id=referral.pk)
    if action == "reject":
        return services.referral_reject(actor=worker, referral_id=referral.pk, reason="Full")
    if action == "cancel":
        return services.referral_cancel(actor=officer, referral_id=referral.pk, reason="Moved away")
    if action == "change":
        return services.referral_draft_change(
            actor=officer,
            referral_id=referral.pk,
            service_id=referral.service_id,
            reason="Also drinking heavily",
            urgency="urgent",
            legal_basis="consent",
            consent_confirmed=True,
        )
    if action == "contact":
        return services.contact_attempt_log(
            actor=worker,
            referral_id=referral.pk,
            method="phone",
            attempted_at=now,
            result="no_answer",
        )
    if action == "appointment":
        return services.appointment_book(
            actor=worker,
            referral_id=referral.pk,
            starts_at=now + timedelta(days=3),
            place="Llanelli hub",
        )
    if action == "treatment":
        return services.treatment_start(actor=worker, referral_id=referral.pk, started_at=now)
    if action == "reason":
        return services.referral_reason_change(
            actor=officer, referral_id=referral.pk, reason="Now due by 17/12/2026"
        )
    return services.referral_close(  # a planned closure that needs no treatment start
        actor=worker, referral_id=referral.pk, closure_reason="planned_referred_on"
    )


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("action", sorted(ALLOWED_FROM))
def test_each_action_is_allowed_only_from_the_right_states(world, action, state):
    referral = referral_in(world, state)
    if referral.requested_at is None and action not in ("cancel", "change", "reason"):
        # Providers never see a referral that was not sent (a draft, or a draft cancelled):
        # for them it does not exist.
        with pytest.raises(NotFoundError):
            _do(world, action, referral)
        return
    before = Referral.objects.get(pk=referral.pk)
    if state in ALLOWED_FROM[action]:
        _do(world, action, referral)
        assert Referral.objects.get(pk=referral.pk).version == before.version + 1
    else:
        with pytest.raises(ApplicationError) as refused:
            _do(world, action, referral)
        assert refused.value.status == 409
        assert refused.value.extra["status"] == state
        after = Referral.objects.get(pk=referral.pk)
        assert (after.status, after.version) == (before.status, before.version)


@pytest.mark.parametrize("action", sorted(set(ALLOWED_FROM) - {"cancel", "change", "reason"}))
def test_a_referral_cancelled_after_it_was_sent_refuses_every_provider_action(world, action):
    """Sent, then cancelled: the provider sees it, and is told it is cancelled (409)."""
    referral = referral_in(world, "requested")
    services.referral_cancel(
        actor=world.users[CUSTODY], referral_id=referral.pk, reason="Moved away"
    )
    with pytest.raises(ApplicationError) as refused:
        _do(world, action, referral)
    assert refused.value.status == 409
    assert refused.value.extra["status"] == "cancelled"


def test_a_referral_cannot_be_sent_without_a_contact_route(world):
    person = reachable_person(world, phone="")
    referral = draft_referral(world, person=person)
    with pytest.raises(services.ContactDetailsIncomplete) as refused:
        services.referral_send(actor=world.users[CUSTODY], referral_id=referral.pk)
    assert "Add a UK phone number or a postal address" in refused.value.extra["missing"][0]
    referral.refresh_from_db()
    assert referral.status == Status.DRAFT
    assert referral.complete_at_first_attempt is False
    # Add an address with a valid postcode, and it goes.
    people.contact_route_add(
        actor=world.users[CUSTODY],
        person_id=person.pk,
        kind="address",
        use="home",
        values={"address_line_1": "3 Market Street", "town": "Newtown", "postcode": "SY16 2PQ"},
    )
    services.referral_send(actor=world.users[CUSTODY], referral_id=referral.pk)
    referral.refresh_from_db()
    assert referral.status == Status.REQUESTED
    assert referral.complete_at_first_attempt is False  # the first attempt is what is counted
    assert referral.contact_snapshot[0]["postcode"] == "SY16 2PQ"


def test_an_email_address_alone_does_not_make_the_details_complete(world):
    person = reachable_person(world, phone="")
    people.contact_route_add(
        actor=world.users[CUSTODY],
        person_id=person.pk,
        kind="email",
        use="home",
        values={"email": "d@example.org"},
    )
    referral = draft_referral(world, person=person)
    with pytest.raises(services.ContactDetailsIncomplete):
        services.referral_send(actor=world.users[CUSTODY], referral_id=referral.pk)


def test_a_custody_referral_also_needs_the_release_address(world):
    person = reachable_person(world)
    referral = draft_referral(world, person=person, source_kind=Referral.Source.TEST_ON_ARREST)
    with pytest.raises(services.ContactDetailsIncomplete) as refused:
        services.referral_send(actor=world.users[CUSTODY], referral_id=referral.pk)
    assert refused.value.extra["missing"] == [
        "Add the address the person is being released to, as a postal address."
    ]
    people.contact_route_add(
        actor=world.users[CUSTODY],
        person_id=person.pk,
        kind="address",
        use="release",
        values={
            "address_line_1": "Flat 2, 10 Stepney Street",
            "town": "Llanelli",
            "postcode": "SA15 3TR",
        },
    )
    services.referral_send(actor=world.users[CUSTODY], referral_id=referral.pk)


def test_sending_records_the_snapshot_the_disclosure_and_the_outbox_event_and_emails_a_link(
    world, django_capture_on_commit_callbacks
):
    service = provider_service(world)
    WebhookEndpoint.objects.create(
        organisation=world.provider_a,
        url="http://127.0.0.1:9/pont",
        secret="s3cret",
        created_by=world.users[PROV_A],
    )
    referral = draft_referral(world)
    before = AuditEvent.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        services.referral_send(actor=world.users[CUSTODY], referral_id=referral.pk)
    referral.refresh_from_db()
    assert referral.status == Status.REQUESTED
    assert referral.requested_at
    assert referral.contact_snapshot[0]["phone"] == "+447812345678"
    events = list(AuditEvent.objects.filter(sequence__gt=before))
    assert [(e.operation, e.subject_person_id, e.recipient) for e in events] == [
        (Operation.DISCLOSURE, referral.person_id, "Provider A")
    ]
    message = OutboxMessage.objects.get()
    assert message.event_type == "referral.requested"
    assert message.payload["data"] == {
        "referral_id": str(referral.pk),
        "status": "requested",
        "version": referral.version,
        "url": f"/api/v1/referrals/{referral.pk}",
    }
    assert [m.to for m in mail.outbox] == [[service.referral_inbox_email]]
    body = mail.outbox[0].body
    assert referral.get_absolute_url() in body
    assert "Dylan" not in body
    assert "Parry" not in body


def test_rejection_and_non_attendance_email_the_referrer_a_link(
    world, django_capture_on_commit_callbacks
):
    world.users[CUSTODY].email = "officer@example.test"
    world.users[CUSTODY].save()
    referral = referral_in(world, "requested")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.referral_reject(actor=world.users[PROV_A], referral_id=referral.pk, reason="Full")
    assert mail.outbox[-1].to == ["officer@example.test"]
    other = referral_in(world, "in-progress", person=reachable_person(world, given_name="Amy"))
    appointment = services.appointment_book(
        actor=world.users[PROV_A], referral_id=other.pk, starts_at=timezone.now(), place="Hub"
    )
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.attendance_record(
            actor=world.users[PROV_A],
            referral_id=other.pk,
            appointment_id=appointment.pk,
            attendance=Appointment.Attendance.DID_NOT_ATTEND,
        )
    assert mail.outbox[-1].to == ["officer@example.test"]
    assert "Amy" not in mail.outbox[-1].body


def test_every_timestamp_of_the_journey_is_kept(world):
    referral = sent_earlier(referral_in(world, "accepted"))
    worker = world.users[PROV_A]
    earlier = timezone.now() - timedelta(hours=5)
    later = timezone.now() - timedelta(hours=1)
    services.contact_attempt_log(
        actor=worker,
        referral_id=referral.pk,
        method="phone",
        attempted_at=later,
        result="no_answer",
    )
    services.contact_attempt_log(
        actor=worker, referral_id=referral.pk, method="text", attempted_at=earlier, result="reached"
    )
    appointment = services.appointment_book(
        actor=worker, referral_id=referral.pk, starts_at=later, place="Hub"
    )
    services.attendance_record(
        actor=worker, referral_id=referral.pk, appointment_id=appointment.pk, attendance="attended"
    )
    services.treatment_start(actor=worker, referral_id=referral.pk, started_at=later)
    services.referral_close(
        actor=worker, referral_id=referral.pk, closure_reason="planned_substance_free"
    )
    referral.refresh_from_db()
    assert referral.status == Status.COMPLETED
    assert referral.first_contact_attempt_at == earlier  # the earliest, whatever the order entered
    assert referral.first_contacted_at == earlier
    assert referral.first_attended_at == later
    assert referral.treatment_started_at == later
    assert referral.closed_at
    assert referral.accepted_at
    assert referral.requested_at
    assert [e.kind for e in referral.events.all()] == [
        "created",
        "sent",
        "accepted",
        "contact_attempt_logged",
        "contact_attempt_logged",
        "appointment_booked",
        "attendance_recorded",
        "treatment_started",
        "closed",
    ]


def test_an_unplanned_closure_fails_the_referral(world):
    referral = referral_in(world, "failed")
    assert referral.status == Status.FAILED
    assert referral.closure_reason.code == "dna_before_assessment"


def test_a_stale_version_is_refused_and_nothing_changes(world):
    referral = referral_in(world, "requested")
    services.referral_accept(
        actor=world.users[PROV_A], referral_id=referral.pk, expected_version=referral.version
    )
    with pytest.raises(ConflictError):
        services.referral_reject(
            actor=world.users[PROV_A],
            referral_id=referral.pk,
            reason="late",
            expected_version=referral.version,
        )
    assert Referral.objects.get(pk=referral.pk).status == Status.ACCEPTED


def test_another_provider_cannot_act_on_the_referral_or_even_see_it(world):
    referral = referral_in(world, "requested")
    with pytest.raises(NotFoundError):
        services.referral_accept(actor=world.users[PROV_B], referral_id=referral.pk)
    assert Referral.objects.get(pk=referral.pk).status == Status.REQUESTED


@pytest.mark.parametrize("persona", [PROV_A, PANEL])
def test_only_officers_make_referrals(world, persona):
    with pytest.raises(ApplicationError) as refused:
        draft_referral(world, actor=world.users[persona])
    assert refused.value.status == 403


def test_referral_details_are_validated_naming_each_field(world):
    with pytest.raises(ApplicationError) as refused:
        draft_referral(world, reason="  ", consent_confirmed=False)
    assert set(refused.value.extra["fields"]) == {"reason", "consent_confirmed"}
    assert refused.value.extra["fields"]["consent_confirmed"] == [
        "Confirm that the person has agreed to be referred and to their details being shared."
    ]
    with pytest.raises(ApplicationError) as statutory:
        draft_referral(world, legal_basis="statutory", statutory_basis="")
    assert statutory.value.extra["fields"] == {
        "statutory_basis": ["Select the statutory power the referral is made under."]
    }
    with pytest.raises(ApplicationError) as neither:
        draft_referral(world, legal_basis="hunch")
    assert neither.value.extra["fields"] == {"legal_basis": ["Select consent or a statutory power"]}
    assert not Referral.objects.exists()


def test_a_service_outside_pont_cannot_receive_a_referral(world):
    service = provider_service(world)
    service.accepts_referrals = False
    service.save()
    with pytest.raises(ApplicationError) as refused:
        draft_referral(world)
    assert "service" in refused.value.extra["fields"]


def test_a_draft_is_not_sent_to_a_service_that_has_since_stopped_taking_referrals(world):
    """Checked again on sending: the directory may have changed since the draft was made (an
    HSDS import closing the service, its manager stopping referrals through Pont)."""
    referral = draft_referral(world)
    service = provider_service(world)
    officer = world.users[CUSTODY]
    for change in ({"status": "temporarily closed"}, {"accepts_referrals": False}):
        type(service).objects.filter(pk=service.pk).update(**change)
        with pytest.raises(ApplicationError) as refused:
            services.referral_send(actor=officer, referral_id=referral.pk)
        assert refused.value.status == 409
        assert "no longer takes referrals through Pont" in refused.value.message
        # Made by hand, so the officer can change its service (referral_draft_change).
        assert "Change the draft to another service, or cancel it." in refused.value.message
        after = Referral.objects.get(pk=referral.pk)
        assert (after.status, after.first_send_attempt_at) == ("draft", None)
        type(service).objects.filter(pk=service.pk).update(status="active", accepts_referrals=True)
    assert services.referral_send(actor=officer, referral_id=referral.pk).status == "requested"


def test_a_draft_made_by_its_source_is_cancelled_not_changed_when_its_service_stops(world):
    """A source's draft (here Test on Arrest's) holds the service its source chose and is not
    changed here (MADE_BY_ITS_SOURCE): the officer is told to cancel and refer elsewhere."""
    referral = draft_referral(world, source_kind=Referral.Source.TEST_ON_ARREST)
    service = provider_service(world)
    type(service).objects.filter(pk=service.pk).update(accepts_referrals=False)
    with pytest.raises(ApplicationError) as refused:
        services.referral_send(actor=world.users[CUSTODY], referral_id=referral.pk)
    assert refused.value.status == 409
    assert "Cancel it and refer them to another service." in refused.value.message
    assert "Change the draft" not in refused.value.message


def test_consent_is_recorded_with_who_and_when(world):
    referral = draft_referral(world)
    assert referral.legal_basis == "consent"
    assert referral.consent_recorded_by == world.users[CUSTODY]
    assert referral.consent_recorded_at is not None
    statutory = draft_referral(world, legal_basis="statutory", statutory_basis=HAND_POWER)
    assert statutory.consent_recorded_at is None
    assert statutory.statutory_basis == HAND_POWER


def test_the_provider_sees_the_referred_person_once_sent_but_not_a_draft(world):
    from pont.people.selectors import person_get_for_user

    referral = draft_referral(world)
    assert person_get_for_user(user=world.users[PROV_A], person_id=referral.person_id) is None
    services.referral_send(actor=world.users[CUSTODY], referral_id=referral.pk)
    assert person_get_for_user(user=world.users[PROV_A], person_id=referral.person_id) is not None
    assert person_get_for_user(user=world.users[PROV_B], person_id=referral.person_id) is None


def test_another_officer_of_the_same_force_can_follow_the_referral(world):
    referral = referral_in(world, "requested")
    services.referral_cancel(
        actor=world.users[FRONTLINE], referral_id=referral.pk, reason="Duplicate"
    )
    assert Referral.objects.get(pk=referral.pk).status == Status.CANCELLED


def test_each_action_writes_exactly_its_audit_event(world):
    referral = referral_in(world, "accepted")
    before = AuditEvent.objects.count()
    attempt = services.contact_attempt_log(
        actor=world.users[PROV_A],
        referral_id=referral.pk,
        method="phone",
        attempted_at=timezone.now() - timedelta(minutes=5),
        result="reached",
    )
    events = list(AuditEvent.objects.filter(sequence__gt=before))
    assert [
        (e.operation, e.object_type, e.object_id, e.subject_person_id, e.actor_label)
        for e in events
    ] == [
        (
            Operation.COLLECTION,
            "referrals.contactattempt",
            str(attempt.pk),
            referral.person_id,
            "prov-a",
        )
    ]


def test_times_in_the_future_are_refused(world):
    referral = referral_in(world, "accepted")
    with pytest.raises(ApplicationError) as refused:
        services.contact_attempt_log(
            actor=world.users[PROV_A],
            referral_id=referral.pk,
            method="phone",
            attempted_at=timezone.now() + timedelta(days=1),
            result="reached",
        )
    assert "attempted_at" in refused.value.extra["fields"]


def test_nothing_the_provider_records_can_come_before_the_referral_was_sent(world):
    """A contact attempt before the referral was sent, or a treatment start on a day before
    it, is refused at its field and changes nothing; a partner's clock a few minutes out is
    allowed for."""
    referral = referral_in(world, "in-progress")
    worker = world.users[PROV_A]
    sent = referral.requested_at
    before = Referral.objects.get(pk=referral.pk).version

    def attempt(at):
        return services.contact_attempt_log(
            actor=worker,
            referral_id=referral.pk,
            method="phone",
            attempted_at=at,
            result="no_answer",
        )

    with pytest.raises(ApplicationError) as refused:
        attempt(sent - timedelta(hours=1))
    assert list(refused.value.extra["fields"]) == ["attempted_at"]
    assert "before the referral was sent" in refused.value.message
    with pytest.raises(ApplicationError) as refused:
        services.treatment_start(
            actor=worker, referral_id=referral.pk, started_at=sent - timedelta(days=1)
        )
    assert list(refused.value.extra["fields"]) == ["started_at"]
    after = Referral.objects.get(pk=referral.pk)
    assert (after.version, after.treatment_started_at) == (before, None)
    assert referral.contact_attempts.count() == 1  # the one made with it

    attempt(sent - timedelta(minutes=2))
    # Treatment recorded for the day it was sent (the portal sends the day, at midnight).
    started = timezone.make_aware(
        timezone.datetime.combine(timezone.localdate(sent), timezone.datetime.min.time())
    )
    services.treatment_start(actor=worker, referral_id=referral.pk, started_at=started)
    assert Referral.objects.get(pk=referral.pk).treatment_started_at == started


def test_attendance_is_recorded_only_once_the_appointment_has_started(world):
    referral = referral_in(world, "accepted")
    worker = world.users[PROV_A]
    later = services.appointment_book(
        actor=worker,
        referral_id=referral.pk,
        starts_at=timezone.now() + timedelta(days=2),
        place="Llanelli hub",
    )
    version = Referral.objects.get(pk=referral.pk).version
    for attendance in ("attended", "did_not_attend"):
        with pytest.raises(ApplicationError) as refused:
            services.attendance_record(
                actor=worker,
                referral_id=referral.pk,
                appointment_id=later.pk,
                attendance=attendance,
            )
        assert list(refused.value.extra["fields"]) == ["attendance"]
    later.refresh_from_db()
    assert later.attendance == "pending"
    assert Referral.objects.get(pk=referral.pk).version == version
    # A partner's clock a few minutes ahead of Pont's is allowed for.
    soon = services.appointment_book(
        actor=worker,
        referral_id=referral.pk,
        starts_at=timezone.now() + timedelta(minutes=3),
        place="Llanelli hub",
    )
    services.attendance_record(
        actor=worker, referral_id=referral.pk, appointment_id=soon.pk, attendance="attended"
    )
    soon.refresh_from_db()
    assert soon.attendance == "attended"


def test_the_same_appointment_is_not_booked_twice(world):
    referral = referral_in(world, "accepted")
    at = (timezone.now() + timedelta(days=3)).replace(second=0, microsecond=0)
    first = _book(world, referral, at)
    with pytest.raises(ApplicationError) as refused:
        _book(world, referral, at)
    assert list(refused.value.extra["fields"]) == ["starts_at"]
    assert "already (Llanelli)" in refused.value.message
    assert referral.appointments.count() == 1
    # Once that one is cancelled, the time is free again; another time always is.
    services.appointment_cancel(
        actor=world.users[PROV_A], referral_id=referral.pk, appointment_id=first.pk
    )
    _book(world, referral, at)
    _book(world, referral, at + timedelta(minutes=30))
    assert referral.appointments.filter(attendance="pending").count() == 2


def test_an_appointment_is_answered_once_and_a_cancelled_one_not_at_all(world):
    """A second answer would leave the first one's milestone, email and (for a statutory
    referral) the source's reaction standing, so it is refused, as cancelling is."""
    referral = sent_earlier(referral_in(world, "accepted"))
    worker = world.users[PROV_A]
    met = _book(world, referral, timezone.now() - timedelta(hours=2))
    dropped = _book(world, referral, timezone.now() - timedelta(hours=1))
    services.attendance_record(
        actor=worker, referral_id=referral.pk, appointment_id=met.pk, attendance="attended"
    )
    services.appointment_cancel(actor=worker, referral_id=referral.pk, appointment_id=dropped.pk)
    before = Referral.objects.get(pk=referral.pk)
    events = ReferralEvent.objects.filter(referral=referral).count()
    mail.outbox.clear()
    for appointment, message in (
        (met, "has been recorded already"),
        (dropped, "was cancelled"),
    ):
        for attendance in ("did_not_attend", "attended", "left_early"):
            with pytest.raises(ApplicationError) as refused:
                services.attendance_record(
                    actor=worker,
                    referral_id=referral.pk,
                    appointment_id=appointment.pk,
                    attendance=attendance,
                )
            assert refused.value.status == 409
            assert message in refused.value.message
    met.refresh_from_db()
    dropped.refresh_from_db()
    assert (met.attendance, dropped.attendance) == ("attended", "cancelled")
    after = Referral.objects.get(pk=referral.pk)
    assert (after.version, after.first_attended_at) == (before.version, before.first_attended_at)
    assert ReferralEvent.objects.filter(referral=referral).count() == events
    assert mail.outbox == []


def test_a_closure_reason_that_says_treatment_happened_needs_a_treatment_start(world):
    """Treatment complete, GP-led prescribing, withdrawn by the provider, did not attend
    during treatment: reference data says these need a treatment start (the migration
    marks them; the system administrator can change it)."""
    from pont.referrals.models import ClosureReason

    marked = set(
        ClosureReason.objects.filter(needs_treatment_start=True).values_list("code", flat=True)
    )
    assert marked == {
        "planned_substance_free",
        "planned_complete",
        "planned_gp_prescribing",
        "withdrawn_by_provider",
        "dna_during_treatment",
    }
    referral = referral_in(world, "in-progress")
    worker = world.users[PROV_A]
    for code in sorted(marked):
        with pytest.raises(ApplicationError) as refused:
            services.referral_close(actor=worker, referral_id=referral.pk, closure_reason=code)
        assert list(refused.value.extra["fields"]) == ["closure_reason"]
        assert "record the start of treatment first" in refused.value.message
    assert Referral.objects.get(pk=referral.pk).status == Status.IN_PROGRESS
    services.treatment_start(actor=worker, referral_id=referral.pk, started_at=timezone.now())
    closed = services.referral_close(
        actor=worker, referral_id=referral.pk, closure_reason="planned_complete"
    )
    assert closed.status == Status.COMPLETED


def _book(world, referral, starts_at):
    return services.appointment_book(
        actor=world.users[PROV_A], referral_id=referral.pk, starts_at=starts_at, place="Llanelli"
    )


def test_closing_waits_for_the_attendance_of_started_appointments_and_cancels_those_to_come(
    world,
):
    referral = sent_earlier(referral_in(world, "in-progress"))
    worker = world.users[PROV_A]
    now = timezone.now()
    started = _book(world, referral, now - timedelta(minutes=30))
    to_come = _book(world, referral, now + timedelta(days=2))
    pending = services.pending_appointments(referral)
    assert (pending.started, pending.to_come) == ([started], [to_come])
    version = Referral.objects.get(pk=referral.pk).version
    with pytest.raises(ApplicationError) as refused:
        services.referral_close(
            actor=worker, referral_id=referral.pk, closure_reason="dna_before_assessment"
        )
    assert refused.value.status == 409
    assert refused.value.extra == {"appointments": [started.pk]}
    assert refused.value.message.startswith("Record whether they came to the appointment on")
    assert Referral.objects.get(pk=referral.pk).version == version
    to_come.refresh_from_db()
    assert to_come.attendance == "pending"
    # "Cancelled" is the referral's ending, never an answer a worker gives.
    with pytest.raises(ApplicationError) as not_an_answer:
        services.attendance_record(
            actor=worker, referral_id=referral.pk, appointment_id=started.pk, attendance="cancelled"
        )
    assert list(not_an_answer.value.extra["fields"]) == ["attendance"]

    services.attendance_record(
        actor=worker,
        referral_id=referral.pk,
        appointment_id=started.pk,
        attendance="did_not_attend",
    )
    closed = services.referral_close(
        actor=worker, referral_id=referral.pk, closure_reason="dna_before_assessment"
    )
    assert closed.status == Status.FAILED
    to_come.refresh_from_db()
    started.refresh_from_db()
    assert (started.attendance, to_come.attendance) == ("did_not_attend", "cancelled")
    assert to_come.attendance_recorded_at is not None
    assert closed.events.get(kind="closed").detail == {
        "closure_reason": "dna_before_assessment",
        "appointments_cancelled": [to_come.pk],
    }
    event = AuditEvent.objects.filter(detail__action="closed").get()
    assert event.detail["appointments_cancelled"] == [to_come.pk]


def test_a_stale_version_is_answered_before_the_appointments_waiting(world):
    referral = sent_earlier(referral_in(world, "in-progress"))
    _book(world, referral, timezone.now() - timedelta(minutes=30))
    with pytest.raises(ConflictError):
        services.referral_close(
            actor=world.users[PROV_A],
            referral_id=referral.pk,
            closure_reason="dna_before_assessment",
            expected_version=referral.version - 1,
        )


def test_rejecting_or_cancelling_a_referral_cancels_only_its_appointments_to_come(world):
    officer, worker = world.users[CUSTODY], world.users[PROV_A]
    statutory = draft_referral(world, legal_basis="statutory", statutory_basis=HAND_POWER)
    services.referral_send(actor=officer, referral_id=statutory.pk)
    set_by_officer = services.statutory_appointment_set(
        actor=officer,
        referral_id=statutory.pk,
        starts_at=timezone.now() + timedelta(days=3),
        place="Dyfed Drug and Alcohol Service, Carmarthen",
    )
    rejected = services.referral_reject(actor=worker, referral_id=statutory.pk, reason="Full")
    set_by_officer.refresh_from_db()
    assert set_by_officer.attendance == "cancelled"
    assert rejected.events.get(kind="rejected").detail == {
        "appointments_cancelled": [set_by_officer.pk]
    }

    referral = sent_earlier(referral_in(world, "in-progress"))
    past = _book(world, referral, timezone.now() - timedelta(hours=1))
    future = _book(world, referral, timezone.now() + timedelta(days=1))
    cancelled = services.referral_cancel(actor=officer, referral_id=referral.pk, reason="Moved")
    past.refresh_from_db()
    future.refresh_from_db()
    # The referrer cannot say whether they came to the one that has started: it stays unknown.
    assert (past.attendance, future.attendance) == ("pending", "cancelled")
    assert cancelled.events.get(kind="cancelled").detail == {"appointments_cancelled": [future.pk]}
    # An ending with nothing to cancel says nothing about appointments.
    plain = referral_in(world, "requested")
    services.referral_reject(actor=worker, referral_id=plain.pk, reason="Full")
    assert Referral.objects.get(pk=plain.pk).events.get(kind="rejected").detail == {}


def test_an_appointment_is_not_before_the_referral_was_sent_nor_over_a_year_ahead(world):
    referral = referral_in(world, "accepted")
    sent = Referral.objects.get(pk=referral.pk).requested_at
    now = timezone.now()
    a_year_on = now.replace(
        year=now.year + 1, day=28 if (now.month, now.day) == (2, 29) else now.day
    )
    for starts_at, says in (
        (sent - timedelta(days=1), "It cannot be before the referral was sent"),
        (now + timedelta(days=400), "more than a year ahead"),
        # A calendar year, not 366 days.
        (a_year_on + timedelta(hours=1), "more than a year ahead"),
    ):
        with pytest.raises(ApplicationError) as refused:
            _book(world, referral, starts_at)
        assert list(refused.value.extra["fields"]) == ["starts_at"]
        assert says in refused.value.message
    assert not Appointment.objects.filter(referral=referral).exists()
    # Recorded after it happened, or booked months ahead: both fine.
    _book(world, referral, timezone.now() - timedelta(minutes=1))
    _book(world, referral, timezone.now() + timedelta(days=300))
    _book(world, referral, a_year_on - timedelta(hours=1))
    assert Appointment.objects.filter(referral=referral).count() == 3


def test_a_treatment_start_in_the_future_is_refused_as_a_date(world):
    referral = referral_in(world, "in-progress")
    with pytest.raises(ApplicationError) as refused:
        services.treatment_start(
            actor=world.users[PROV_A],
            referral_id=referral.pk,
            started_at=timezone.now() + timedelta(days=1),
        )
    assert refused.value.extra["fields"] == {
        "started_at": ["The date treatment started cannot be in the future."]
    }
    assert Referral.objects.get(pk=referral.pk).treatment_started_at is None


def test_the_provider_cancels_an_appointment_it_booked_but_not_one_the_referrer_set(world):
    """To rearrange: cancel, then book. Before or after its time, while nothing is recorded;
    an appointment the officer set (a statutory requirement) is theirs to vary."""
    officer, worker = world.users[CUSTODY], world.users[PROV_A]
    referral = sent_earlier(referral_in(world, "in-progress"))
    past = _book(world, referral, timezone.now() - timedelta(hours=1))
    later = _book(world, referral, timezone.now() + timedelta(days=2))
    for appointment in (past, later):
        services.appointment_cancel(
            actor=worker, referral_id=referral.pk, appointment_id=appointment.pk
        )
        appointment.refresh_from_db()
        assert appointment.attendance == "cancelled"
    event = referral.events.filter(kind="appointment_cancelled").last()
    assert event.detail == {"appointment": later.pk}
    assert AuditEvent.objects.filter(detail__action="appointment_cancelled").count() == 2
    # Nothing waits now: the referral can be closed.
    services.referral_close(
        actor=worker, referral_id=referral.pk, closure_reason="dna_before_assessment"
    )
    with pytest.raises(ApplicationError) as closed:
        services.appointment_cancel(actor=worker, referral_id=referral.pk, appointment_id=past.pk)
    assert closed.value.status == 409

    statutory = draft_referral(world, legal_basis="statutory", statutory_basis=HAND_POWER)
    services.referral_send(actor=officer, referral_id=statutory.pk)
    services.referral_accept(actor=worker, referral_id=statutory.pk)
    theirs = services.statutory_appointment_set(
        actor=officer,
        referral_id=statutory.pk,
        starts_at=timezone.now() + timedelta(days=3),
        place="Carmarthen",
    )
    with pytest.raises(ApplicationError) as refused:
        services.appointment_cancel(
            actor=worker, referral_id=statutory.pk, appointment_id=theirs.pk
        )
    assert (refused.value.status, refused.value.message) == (
        409,
        "The referrer set this appointment: ask them to change it.",
    )
    theirs.refresh_from_db()
    assert theirs.attendance == "pending"
    # Another provider's worker: not found, as for any record they cannot see.
    with pytest.raises(NotFoundError):
        services.appointment_cancel(
            actor=world.users[PROV_B], referral_id=statutory.pk, appointment_id=theirs.pk
        )


def _change(world, draft, *, actor=CUSTODY, **values):
    """Change the draft through the engine, with a plain consent referral's answers."""
    answers = {
        "service_id": draft.service_id,
        "reason": "x",
        "urgency": "routine",
        "legal_basis": "consent",
        "consent_confirmed": True,
        **values,
    }
    return services.referral_draft_change(actor=world.users[actor], referral_id=draft.pk, **answers)


def test_a_draft_is_changed_before_sending_checked_as_when_made_and_audited(world):
    officer = world.users[CUSTODY]
    draft = draft_referral(world)
    other = provider_service(world, "b")
    before = AuditEvent.objects.count()
    changed = services.referral_draft_change(
        actor=world.users[FRONTLINE],  # a colleague of the same force, next shift
        referral_id=draft.pk,
        service_id=other.pk,
        reason="  Cocaine and alcohol  ",
        urgency="urgent",
        legal_basis="statutory",
        statutory_basis=HAND_POWER,
        expected_version=draft.version,
    )
    changed = Referral.objects.get(pk=draft.pk)
    assert (changed.service, changed.receiving_organisation) == (other, world.provider_b)
    assert (changed.reason, changed.urgency, changed.legal_basis) == (
        "Cocaine and alcohol",
        "urgent",
        "statutory",
    )
    assert changed.statutory_basis == HAND_POWER
    assert changed.consent_recorded_by is None
    assert changed.consent_recorded_at is None
    assert changed.status == "draft"
    assert changed.version == draft.version + 1
    event = changed.events.get(kind="draft_changed")
    assert event.detail == {
        "changed": ["legal_basis", "reason", "service", "statutory_basis", "urgency"]
    }
    audit_event = AuditEvent.objects.filter(sequence__gt=before).get()
    assert audit_event.operation == Operation.ALTERATION
    assert audit_event.subject_person_id == draft.person_id
    # Nothing reaches a provider: no webhook event for a draft.
    from pont.referrals.models import OutboxMessage

    assert not OutboxMessage.objects.exists()
    # Checked as when made: every field at once.
    with pytest.raises(ApplicationError) as refused:
        services.referral_draft_change(
            actor=officer,
            referral_id=draft.pk,
            service_id=other.pk,
            reason=" ",
            urgency="routine",
            legal_basis="consent",
        )
    assert set(refused.value.extra["fields"]) == {"reason", "consent_confirmed"}
    # A stale version: refused, nothing changed.
    with pytest.raises(ConflictError):
        _change(world, draft, expected_version=draft.version)
    assert Referral.objects.get(pk=draft.pk).version == changed.version
    # A provider, or another force's... the provider cannot see a draft at all.
    with pytest.raises(NotFoundError):
        _change(world, draft, actor=PROV_A)


def test_a_draft_made_by_its_source_is_not_changed_here(world):
    from pont.referrals.models import Referral as Model

    draft = draft_referral(world, source_kind=Model.Source.DISPOSAL)
    with pytest.raises(ApplicationError) as refused:
        _change(world, draft)
    assert refused.value.status == 409
    assert "change it there" in refused.value.message
    assert Referral.objects.get(pk=draft.pk).version == draft.version


def test_the_same_referral_form_sent_twice_makes_one_draft(world):
    person = reachable_person(world, given_name="Eirlys")
    first = draft_referral(world, person=person)
    before = AuditEvent.objects.count()
    again = draft_referral(world, person=person)  # the same officer, service and reason
    assert again.pk == first.pk
    assert AuditEvent.objects.count() == before  # nothing more recorded
    assert Referral.objects.filter(person=person).count() == 1
    # A different reason, or a colleague's, is a referral of its own.
    draft_referral(world, person=person, reason="Alcohol as well")
    draft_referral(world, person=person, actor=world.users[FRONTLINE])
    assert Referral.objects.filter(person=person).count() == 3
    # Once sent, the same form again starts a new draft (a new referral, later).
    services.referral_send(actor=world.users[CUSTODY], referral_id=first.pk)
    assert draft_referral(world, person=person).pk != first.pk


# Correcting a recorded attendance ------------------------------------------------------

OFFICER_EMAIL = "officer@example.test"


def _answered(world, attendance):
    """An accepted referral whose appointment two hours ago is answered `attendance`; the
    referring officer has an email address."""
    world.users[CUSTODY].email = OFFICER_EMAIL
    world.users[CUSTODY].save()
    referral = sent_earlier(referral_in(world, "accepted"))
    met = _book(world, referral, timezone.now() - timedelta(hours=2))
    services.attendance_record(
        actor=world.users[PROV_A],
        referral_id=referral.pk,
        appointment_id=met.pk,
        attendance=attendance,
    )
    return referral, met


def _correct(world, referral, appointment, attendance, reason="Wrong button", actor=None):
    return services.attendance_correct(
        actor=actor or world.users[PROV_A],
        referral_id=referral.pk,
        appointment_id=appointment.pk,
        attendance=attendance,
        reason=reason,
    )


def _to_the_referrer():
    """The one email sent to the referring officer."""
    [email] = [m for m in mail.outbox if m.to == [OFFICER_EMAIL]]
    return email


def test_a_wrong_answer_is_corrected_with_a_reason_and_the_timeline_keeps_both(
    world, django_capture_on_commit_callbacks
):
    WebhookEndpoint.objects.create(
        organisation=world.provider_a,
        url="http://127.0.0.1:9/pont",
        secret="s3cret",
        created_by=world.users[PROV_A],
    )
    with django_capture_on_commit_callbacks(execute=True):  # its email sent, not left queued
        referral, met = _answered(world, "did_not_attend")
    assert Referral.objects.get(pk=referral.pk).first_attended_at is None
    before = AuditEvent.objects.order_by("-sequence").first().sequence
    outbox = OutboxMessage.objects.count()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        _correct(world, referral, met, "attended", " Recorded against the wrong appointment ")
    met.refresh_from_db()
    assert met.attendance == "attended"
    after = Referral.objects.get(pk=referral.pk)
    assert after.first_attended_at == met.starts_at  # the milestone follows the correction
    assert after.status == Status.IN_PROGRESS
    assert list(
        ReferralEvent.objects.filter(referral=referral, kind__startswith="attendance")
        .order_by("at")
        .values_list("kind", "detail")
    ) == [
        ("attendance_recorded", {"appointment": met.pk, "attendance": "did_not_attend"}),
        (
            "attendance_corrected",
            {
                "appointment": met.pk,
                "attendance": "attended",
                "was": "did_not_attend",
                "reason": "Recorded against the wrong appointment",
            },
        ),
    ]
    # One audit event, on the appointment; the free-text reason stays out of the chain.
    event = AuditEvent.objects.get(sequence__gt=before)
    assert (event.operation, event.object_type, event.object_id) == (
        Operation.ALTERATION,
        "referrals.appointment",
        str(met.pk),
    )
    assert event.detail == {
        "referral": str(referral.pk),
        "action": "attendance_corrected",
        "appointment": met.pk,
        "attendance": "attended",
        "was": "did_not_attend",
    }
    # referral.updated, for the provider's webhooks
    assert OutboxMessage.objects.count() == outbox + 1
    assert OutboxMessage.objects.latest("pk").event_type == "referral.updated"
    # The referrer, told of the missed appointment, is told it was not missed: a link only.
    email = _to_the_referrer()
    assert "Attendance corrected" in email.subject
    assert f"/referrals/{referral.pk}" in email.body
    assert referral.person.given_name not in email.body


def test_a_correction_to_did_not_attend_clears_the_milestone_and_tells_the_referrer(
    world, django_capture_on_commit_callbacks
):
    referral, met = _answered(world, "attended")
    assert Referral.objects.get(pk=referral.pk).first_attended_at == met.starts_at
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        _correct(world, referral, met, "did_not_attend", "Another client of the same name came")
    assert Referral.objects.get(pk=referral.pk).first_attended_at is None
    assert "Missed appointment" in _to_the_referrer().subject
    # Left early still counts as having come: the milestone comes back, and no email.
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        _correct(world, referral, met, "left_early", "Came, left after ten minutes")
    assert Referral.objects.get(pk=referral.pk).first_attended_at == met.starts_at
    # No longer recorded as missed: the referrer is told so.
    assert "Attendance corrected" in _to_the_referrer().subject


def test_a_correction_is_refused_naming_the_field_or_the_reason_and_changes_nothing(world):
    referral = sent_earlier(referral_in(world, "accepted"))
    worker = world.users[PROV_A]
    met = _book(world, referral, timezone.now() - timedelta(hours=3))
    waiting = _book(world, referral, timezone.now() - timedelta(hours=2))
    dropped = _book(world, referral, timezone.now() - timedelta(hours=1))
    services.attendance_record(
        actor=worker, referral_id=referral.pk, appointment_id=met.pk, attendance="attended"
    )
    services.appointment_cancel(actor=worker, referral_id=referral.pk, appointment_id=dropped.pk)
    version = Referral.objects.get(pk=referral.pk).version
    events = ReferralEvent.objects.filter(referral=referral).count()
    with pytest.raises(ApplicationError) as same:
        _correct(world, referral, met, "attended", " ")
    assert set(same.value.extra["fields"]) == {"attendance", "reason"}
    assert "answer recorded already" in same.value.extra["fields"]["attendance"][0]
    with pytest.raises(ApplicationError) as not_an_answer:
        _correct(world, referral, met, "cancelled")
    assert list(not_an_answer.value.extra["fields"]) == ["attendance"]
    for appointment, message in (
        (waiting, "Nothing has been recorded"),
        (dropped, "was cancelled"),
    ):
        with pytest.raises(ApplicationError) as refused:
            _correct(world, referral, appointment, "did_not_attend")
        assert refused.value.status == 409
        assert message in refused.value.message
    # The other provider, and the police, cannot reach it: as if it did not exist.
    for outsider in (world.users[PROV_B], world.users[CUSTODY]):
        with pytest.raises(NotFoundError):
            _correct(world, referral, met, "did_not_attend", actor=outsider)
    met.refresh_from_db()
    assert met.attendance == "attended"
    assert Referral.objects.get(pk=referral.pk).version == version
    assert ReferralEvent.objects.filter(referral=referral).count() == events
    # Once the referral has ended, its answers are as they were closed on.
    services.appointment_cancel(actor=worker, referral_id=referral.pk, appointment_id=waiting.pk)
    services.referral_close(
        actor=worker, referral_id=referral.pk, closure_reason="planned_referred_on"
    )
    with pytest.raises(ApplicationError) as closed:
        _correct(world, referral, met, "did_not_attend")
    assert closed.value.status == 409
    assert closed.value.extra["status"] == "completed"


def test_the_referrer_changes_what_a_sent_referral_asks_and_the_timeline_keeps_what_it_said(
    world, django_capture_on_commit_callbacks
):
    """The reason the service reads is replaced; its partner systems are told; the reason
    before is on the timeline only (free text stays out of the audit chain); the same reason
    again changes nothing; bad input names the field; nobody else may do it."""
    WebhookEndpoint.objects.create(
        organisation=world.provider_a,
        url="http://127.0.0.1:9/pont",
        secret="s3cret",
        created_by=world.users[PROV_A],
    )
    referral = referral_in(world, "accepted")
    said = referral.reason
    officer = world.users[CUSTODY]
    before = AuditEvent.objects.order_by("-sequence").first().sequence
    outbox = OutboxMessage.objects.count()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):  # its email sent, not left queued
        services.referral_reason_change(
            actor=officer, referral_id=referral.pk, reason="  Now due by 17/12/2026.  "
        )
    # The worker it is assigned to (accepting assigned it) is told: a link, nothing else.
    [email] = [m for m in mail.outbox if "changed by the referrer" in m.subject]
    assert email.to == [referral.assigned_worker.email]
    assert f"/referrals/{referral.pk}" in email.body
    assert referral.person.given_name not in email.body
    assert "17/12/2026" not in email.body
    after = Referral.objects.get(pk=referral.pk)
    assert (after.reason, after.version, after.status) == (
        "Now due by 17/12/2026.",
        referral.version + 1,
        Status.ACCEPTED,
    )
    event = ReferralEvent.objects.filter(referral=referral).latest("at")
    assert (event.kind, event.detail) == ("reason_changed", {"before": said})
    audit = AuditEvent.objects.get(sequence__gt=before)
    assert (audit.operation, audit.object_id, audit.detail) == (
        Operation.ALTERATION,
        str(referral.pk),
        {"referral": str(referral.pk), "action": "reason_changed"},
    )
    assert OutboxMessage.objects.count() == outbox + 1
    assert OutboxMessage.objects.latest("pk").event_type == "referral.updated"
    services.referral_reason_change(
        actor=officer, referral_id=referral.pk, reason="Now due by 17/12/2026."
    )
    assert Referral.objects.get(pk=referral.pk).version == after.version
    for reason in ("   ", "x" * (services.REASON_MAX + 1)):
        with pytest.raises(ApplicationError) as refused:
            services.referral_reason_change(actor=officer, referral_id=referral.pk, reason=reason)
        assert list(refused.value.extra["fields"]) == ["reason"]
    with pytest.raises(ConflictError):
        services.referral_reason_change(
            actor=officer, referral_id=referral.pk, reason="Other", expected_version=1
        )
    # The provider does not change what it was asked; another force does not see it.
    for outsider in (world.users[PROV_A], world.users[PROV_B]):
        with pytest.raises(NotFoundError):
            services.referral_reason_change(actor=outsider, referral_id=referral.pk, reason="x")
    _force, area = other_force()
    stranger = officer_of(world, "gwent", organisation=area)
    with pytest.raises(NotFoundError):
        services.referral_reason_change(actor=stranger, referral_id=referral.pk, reason="x")
    assert Referral.objects.get(pk=referral.pk).version == after.version


def test_a_changed_reason_of_a_referral_nobody_has_yet_goes_to_the_services_inbox(
    world, django_capture_on_commit_callbacks
):
    referral = referral_in(world, "requested")
    assert referral.assigned_worker is None
    inbox = referral.service.referral_inbox_email or referral.service.organization.email
    assert inbox
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.referral_reason_change(
            actor=world.users[CUSTODY], referral_id=referral.pk, reason="Now due by 17/12/2026."
        )
    [email] = [m for m in mail.outbox if "changed by the referrer" in m.subject]
    assert email.to == [inbox]
    assert "Newidiodd yr atgyfeiriwr" in email.subject


def test_a_referral_made_from_another_record_is_changed_only_by_that_record(world):
    """A disposal's condition (or a Required Assessment) holds what its referral asks: an
    officer changing it by hand is refused, and nothing changes."""
    from pont.testing.disposals import condition_referral, issued_conditional_caution

    referral = condition_referral(issued_conditional_caution(world))
    with pytest.raises(ApplicationError) as refused:
        services.referral_reason_change(
            actor=world.users[CUSTODY], referral_id=referral.pk, reason="Something else"
        )
    assert refused.value.status == 409
    assert "change it there" in refused.value.message
    after = Referral.objects.get(pk=referral.pk)
    assert (after.reason, after.version) == (referral.reason, referral.version)
