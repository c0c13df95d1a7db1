"""A closure reason that the referral's own record contradicts is refused, at its field, saying
what the record shows: in the service, so the portal and the partner API refuse it alike."""

import json
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import formats, timezone

from pont.audit.models import AuditEvent
from pont.core.exceptions import ApplicationError
from pont.referrals import services
from pont.referrals.models import ClosureReason, Referral, ReferralEvent
from pont.testing.http import api_key_headers, post_form
from pont.testing.personas import CUSTODY, PROV_A, PROV_B
from pont.testing.referrals import referral_in, sent_earlier


def _appointment(world, referral, attendance):
    """An appointment an hour ago, answered as `attendance`."""
    worker = world.users[PROV_A]
    appointment = services.appointment_book(
        actor=worker,
        referral_id=referral.pk,
        starts_at=timezone.now() - timedelta(hours=1),
        place="Llanelli hub",
    )
    services.attendance_record(
        actor=worker, referral_id=referral.pk, appointment_id=appointment.pk, attendance=attendance
    )
    return appointment


def _contact(world, referral, result):
    services.contact_attempt_log(
        actor=world.users[PROV_A],
        referral_id=referral.pk,
        method="phone",
        attempted_at=timezone.now(),
        result=result,
    )


def _record(world, facts):
    """A referral accepted by provider A (sent two days ago) with what `facts` says recorded."""
    referral = sent_earlier(referral_in(world, "accepted"))
    if facts == "treatment_started":  # reached by phone, then treatment (no appointment)
        _contact(world, referral, "reached")
        services.treatment_start(
            actor=world.users[PROV_A], referral_id=referral.pk, started_at=timezone.now()
        )
    elif facts in ("no_answer", "reached", "declined"):
        _contact(world, referral, facts)
    elif facts in ("attended", "left_early", "did_not_attend"):
        _appointment(world, referral, facts)
    else:
        assert facts == "nothing", facts
    return Referral.objects.get(pk=referral.pk)


# (what is recorded, closure reason, the fact that contradicts it or None when it fits)
CASES = [
    # Did not attend before assessment: not once they attended, or treatment started.
    ("nothing", "dna_before_assessment", None),
    ("reached", "dna_before_assessment", None),
    ("did_not_attend", "dna_before_assessment", None),
    ("left_early", "dna_before_assessment", None),  # the assessment may not have been done
    ("attended", "dna_before_assessment", services.ATTENDED),
    ("treatment_started", "dna_before_assessment", services.TREATMENT_STARTED),
    # Did not attend before treatment: not once treatment started.
    ("attended", "dna_before_treatment", None),
    ("did_not_attend", "dna_before_treatment", None),
    ("treatment_started", "dna_before_treatment", services.TREATMENT_STARTED),
    # Unaware of the referral: not someone who came to one of its appointments.
    ("nothing", "client_unaware", None),
    ("reached", "client_unaware", None),  # told of it on the phone, perhaps for the first time
    ("did_not_attend", "client_unaware", None),
    ("left_early", "client_unaware", services.CAME),
    ("attended", "client_unaware", services.CAME),
    ("treatment_started", "client_unaware", services.TREATMENT_STARTED),
    # Declined treatment: said to someone, so not before anyone reached them.
    ("nothing", "client_declined", services.NEVER_REACHED),
    ("no_answer", "client_declined", services.NEVER_REACHED),
    ("did_not_attend", "client_declined", services.NEVER_REACHED),
    ("declined", "client_declined", None),
    ("reached", "client_declined", None),
    ("left_early", "client_declined", None),
    ("treatment_started", "client_declined", None),
    # Reasons whose meaning leaves room: nothing recorded contradicts them.
    ("nothing", "inappropriate_referral", None),
    ("treatment_started", "inappropriate_referral", None),
    ("nothing", "no_information", None),
    ("attended", "closed_at_centre", None),
    ("attended", "planned_referred_on", None),
]


@pytest.mark.parametrize(("facts", "code", "contradicted_by"), CASES)
def test_a_closure_reason_the_record_contradicts_is_refused_and_one_it_fits_closes(
    world, facts, code, contradicted_by
):
    referral = _record(world, facts)
    worker = world.users[PROV_A]
    if contradicted_by is None:
        closed = services.referral_close(actor=worker, referral_id=referral.pk, closure_reason=code)
        assert closed.status in (Referral.Status.COMPLETED, Referral.Status.FAILED)
        assert closed.closure_reason.code == code
        return
    audit_before = AuditEvent.objects.count()
    with pytest.raises(ApplicationError) as refused:
        services.referral_close(actor=worker, referral_id=referral.pk, closure_reason=code)
    assert refused.value.status == 400
    assert refused.value.extra == {
        "fields": {"closure_reason": [refused.value.message]},
        "contradicted_by": contradicted_by,
    }
    label = ClosureReason.objects.current().get(code=code).label
    assert refused.value.message.startswith(f"“{label}” does not fit this referral: ")
    after = Referral.objects.get(pk=referral.pk)
    assert (after.status, after.version, after.closure_reason) == (
        referral.status,
        referral.version,
        None,
    )
    assert not ReferralEvent.objects.filter(referral=referral, kind="closed").exists()
    assert AuditEvent.objects.count() == audit_before


def test_the_refusal_says_what_the_record_shows(world):
    worker = world.users[PROV_A]
    attended = _record(world, "attended")
    came_at = attended.appointments.get().starts_at
    with pytest.raises(ApplicationError) as refused:
        services.referral_close(
            actor=worker, referral_id=attended.pk, closure_reason="dna_before_assessment"
        )
    when = formats.date_format(timezone.localtime(came_at), "j F Y H:i")
    assert refused.value.message == (
        "“Did not attend before assessment” does not fit this referral: they attended the "
        f"appointment on {when}. Choose another closure reason."
    )
    started = _record(world, "treatment_started")
    with pytest.raises(ApplicationError) as refused:
        services.referral_close(
            actor=worker, referral_id=started.pk, closure_reason="dna_before_treatment"
        )
    day = formats.date_format(timezone.localtime(started.treatment_started_at), "j F Y")
    assert refused.value.message == (
        f"“Did not attend before treatment” does not fit this referral: treatment started on "
        f"{day}. Choose another closure reason."
    )
    never = _record(world, "no_answer")
    with pytest.raises(ApplicationError) as refused:
        services.referral_close(
            actor=worker, referral_id=never.pk, closure_reason="client_declined"
        )
    assert "no contact attempt has reached them" in refused.value.message
    assert "Record the contact in which they declined first" in refused.value.message


def test_every_reason_in_the_rule_table_is_a_closure_reason_in_the_reference_data(world):
    """A code renamed in the reference data would leave its rule checking nothing."""
    codes = set(ClosureReason.objects.current().values_list("code", flat=True))
    assert set(services.CLOSURE_CONTRADICTED_BY) <= codes
    facts = {fact for rule in services.CLOSURE_CONTRADICTED_BY.values() for fact in rule}
    assert facts <= set(services.CLOSURE_DOES_NOT_FIT)


def test_the_portal_refuses_a_contradictory_closure_at_its_field(world, as_persona):
    referral = _record(world, "attended")
    worker = as_persona(PROV_A)
    refused = post_form(
        worker,
        f"/referrals/{referral.pk}/close",
        {"closure_reason": "dna_before_assessment", "version": str(referral.version)},
    )
    assert refused.status_code == 400
    page = refused.content.decode()
    assert "does not fit this referral: they attended the appointment on" in page
    assert 'href="#close_closure_reason"' in page  # the error summary links to the field
    assert Referral.objects.get(pk=referral.pk).status == Referral.Status.IN_PROGRESS
    closed = post_form(
        worker,
        f"/referrals/{referral.pk}/close",
        {"closure_reason": "client_declined", "version": str(referral.version)},
    )
    assert closed.status_code == 302
    assert Referral.objects.get(pk=referral.pk).status == Referral.Status.FAILED


def test_closing_refuses_another_providers_worker_and_an_officer(world, as_persona):
    referral = _record(world, "attended")
    data = {"closure_reason": "client_declined", "version": str(referral.version)}
    assert post_form(as_persona(PROV_B), f"/referrals/{referral.pk}/close", data).status_code == 404
    assert (
        post_form(as_persona(CUSTODY), f"/referrals/{referral.pk}/close", data).status_code == 403
    )
    assert Referral.objects.get(pk=referral.pk).status == Referral.Status.IN_PROGRESS


@pytest.mark.parametrize("how", ["patch", "outcome"])
def test_the_partner_api_refuses_a_contradictory_closure_through_the_same_service(world, how):
    referral = _record(world, "attended")
    headers = api_key_headers(world, scopes=["referrals:read", "referrals:write"])
    url = f"/api/v1/referrals/{referral.pk}"
    if how == "patch":
        response = Client().patch(
            url,
            json.dumps({"status": "failed", "closure_reason": "dna_before_assessment"}),
            content_type="application/json",
            headers={**headers, "If-Match": f'"{referral.version}"'},
        )
    else:
        response = Client().post(
            f"{url}/outcomes",
            json.dumps({"type": "closed", "closure_reason": "dna_before_assessment"}),
            content_type="application/json",
            headers={**headers, "Idempotency-Key": "close-1"},
        )
    assert response.status_code == 422
    body = response.json()
    assert body["extra"]["contradicted_by"] == services.ATTENDED
    assert list(body["extra"]["fields"]) == ["closure_reason"]
    assert "they attended the appointment on" in body["message"]
    assert Referral.objects.get(pk=referral.pk).status == Referral.Status.IN_PROGRESS
