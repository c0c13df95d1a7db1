"""The life of a disposal through its services: decision, conditions, authorisation, issue
with automatic referrals, compliance from the provider's outcomes, overdue tasks, breach."""

from datetime import timedelta

import pytest
from django.utils import timezone

from pont.audit.models import AuditEvent
from pont.core.exceptions import ApplicationError, ConflictError, NotFoundError
from pont.core.working_days import add_working_days
from pont.disposals import documents, services
from pont.disposals.models import Disposal, DisposalCondition, DisposalNotice, DisposalTask
from pont.referrals import services as referrals
from pont.referrals.models import Referral
from pont.testing.disposals import (
    add_condition,
    attended,
    authorised,
    breach_decided,
    condition_referral,
    conditional_caution,
    decision_values,
    drug_service,
    failed_condition,
    issued,
    issued_conditional_caution,
    recorded_disposal,
)
from pont.testing.personas import CUSTODY, FRONTLINE, INSPECTOR, PROV_A
from pont.testing.referrals import reachable_person

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_notice(monkeypatch):
    """Service tests check records, not layout (the notice is tested in test_documents.py)."""
    monkeypatch.setattr(documents, "notice_pdf", lambda data: f"%PDF-1.7 {data.reference}".encode())


def last_sequence() -> int:
    return AuditEvent.objects.order_by("-sequence").values_list("sequence", flat=True).first() or 0


def events_since(sequence: int) -> list[tuple[str, str]]:
    return list(
        AuditEvent.objects.filter(sequence__gt=sequence)
        .order_by("sequence")
        .values_list("operation", "object_type")
    )


def test_record_keeps_recommendation_and_audits_collection(world):
    person = reachable_person(world)
    before = last_sequence()
    disposal = recorded_disposal(world, person_id=person.pk)
    assert disposal.status == Disposal.Status.DRAFT
    assert disposal.recommended == "community_resolution"
    assert disposal.base_gravity == 2
    assert disposal.gravity == 2
    assert disposal.recommendation_reasons[0].startswith("A gravity of 1 or 2")
    assert events_since(before) == [("collection", "disposals.disposal")]


def test_a_decision_other_than_the_recommendation_needs_a_reason(world):
    with pytest.raises(ApplicationError) as refused:
        recorded_disposal(world, scheme_code="conditional_caution")
    assert "decision_reason" in refused.value.extra["fields"]
    disposal = recorded_disposal(
        world, scheme_code="conditional_caution", decision_reason="Repeat possession"
    )
    assert disposal.scheme.code == "conditional_caution"
    assert disposal.recommended == "community_resolution"


def test_bad_input_names_every_field_and_writes_nothing(world):
    before = Disposal.objects.count()
    with pytest.raises(ApplicationError) as refused:
        recorded_disposal(
            world,
            area_id=world.llanelli.pk,  # a custody suite, not an area
            offences=[("no_such_offence", "")],
            offence_date=timezone.localdate() + timedelta(days=1),
            victim_views="maybe",
            aggravating=["minor_role"],  # mitigating, not aggravating
            scheme_code="caution_from_1990",
        )
    assert set(refused.value.extra["fields"]) == {
        "area",
        "offences",
        "offence_date",
        "victim_views",
        "aggravating",
        "scheme",
    }
    assert Disposal.objects.count() == before


def test_no_disposal_without_the_evidential_test_or_an_admission_the_scheme_needs(world):
    with pytest.raises(ApplicationError) as refused:
        recorded_disposal(world, evidential_test_met=False, decision_reason="x")
    assert "evidential_test_met" in refused.value.extra["fields"]
    with pytest.raises(ApplicationError) as refused:
        recorded_disposal(world, admission=False, decision_reason="x")
    assert "scheme" in refused.value.extra["fields"]
    # Outcome 22 needs no admission; it is what Pont recommends then.
    disposal = recorded_disposal(world, admission=False, scheme_code="outcome_22")
    assert disposal.recommended == "outcome_22"


def test_refusals_403_and_404(world):
    with pytest.raises(ApplicationError) as refused:
        services.disposal_record(**decision_values(world, actor=world.users[PROV_A]))
    assert refused.value.status == 403
    disposal = recorded_disposal(world)
    with pytest.raises(NotFoundError):
        services.condition_add(
            actor=world.users[PROV_A],
            disposal_id=disposal.pk,
            condition_type_code="apology",
            expected_version=disposal.version,
        )


def test_conditions_must_fit_the_scheme_caps_and_services(world):
    disposal = recorded_disposal(world)  # community resolution: rehabilitative, reparative
    with pytest.raises(ApplicationError) as refused:
        add_condition(world, disposal, "financial_penalty", amount_pence=5000)
    assert "condition_type" in refused.value.extra["fields"]
    with pytest.raises(ApplicationError) as refused:
        add_condition(world, disposal, "drug_assessment")  # no service named
    assert "service" in refused.value.extra["fields"]
    with pytest.raises(ApplicationError) as refused:
        add_condition(world, disposal, "apology", deadline=timezone.localdate())
    assert "deadline" in refused.value.extra["fields"]
    condition = add_condition(world, disposal, "apology")
    assert condition.deadline == add_working_days(timezone.localdate(), 10)


def test_unpaid_work_is_capped_at_its_hours(world):
    disposal = recorded_disposal(
        world, scheme_code="conditional_caution", decision_reason="Damage to a bus shelter"
    )
    disposal.scheme.condition_categories += ",unpaid_work"
    disposal.scheme.save()
    with pytest.raises(ApplicationError) as refused:
        add_condition(world, disposal, "unpaid_work", hours=21)
    assert "hours" in refused.value.extra["fields"]
    assert add_condition(world, disposal, "unpaid_work", hours=20).hours == 20


def test_a_supervisor_authorises_but_not_their_own(world):
    disposal = conditional_caution(world)
    disposal.refresh_from_db()
    services.disposal_submit(
        actor=world.users[FRONTLINE], disposal_id=disposal.pk, expected_version=disposal.version
    )
    disposal.refresh_from_db()
    with pytest.raises(ApplicationError) as refused:
        services.disposal_authorise(
            actor=world.users[FRONTLINE],
            disposal_id=disposal.pk,
            approve=True,
            expected_version=disposal.version,
        )
    assert refused.value.status == 403
    with pytest.raises(ApplicationError) as refused:
        services.disposal_authorise(
            actor=world.users[INSPECTOR],
            disposal_id=disposal.pk,
            approve=False,
            expected_version=disposal.version,
        )
    assert "note" in refused.value.extra["fields"]
    services.disposal_authorise(
        actor=world.users[INSPECTOR],
        disposal_id=disposal.pk,
        approve=False,
        note="Add the victim's views",
        expected_version=disposal.version,
    )
    disposal.refresh_from_db()
    assert disposal.status == Disposal.Status.DRAFT
    assert disposal.authorisation_note == "Add the victim's views"
    authorised(world, disposal)
    disposal.refresh_from_db()
    assert disposal.status == Disposal.Status.AUTHORISED
    assert disposal.authorised_by == world.users[INSPECTOR]


def test_a_conditional_caution_needs_a_condition(world):
    disposal = recorded_disposal(
        world, scheme_code="conditional_caution", decision_reason="Second offence this year"
    )
    with pytest.raises(ApplicationError, match="at least 1 condition"):
        services.disposal_submit(
            actor=world.users[FRONTLINE], disposal_id=disposal.pk, expected_version=disposal.version
        )


def test_issue_makes_one_referral_per_deliverable_condition_and_none_for_the_others(world):
    disposal = conditional_caution(world)
    add_condition(world, disposal, "alcohol_assessment", service_id=drug_service(world, "b").pk)
    add_condition(world, disposal, "apology", details="To the doorman")
    before = last_sequence()
    issued(world, disposal)
    disposal.refresh_from_db()
    assert disposal.status == Disposal.Status.ISSUED
    assert disposal.outcome_code == "3"
    made = Referral.objects.filter(source_kind=Referral.Source.DISPOSAL, source_id=str(disposal.pk))
    assert made.count() == 2
    assert set(made.values_list("status", flat=True)) == {Referral.Status.REQUESTED}
    assert {r.receiving_organisation for r in made} == {world.provider_a, world.provider_b}
    apology = disposal.conditions.get(condition_type__code="apology")
    assert apology.referral is None
    # The provider is told the condition and its deadline, not the offence.
    for referral in made:
        assert "Punched" not in referral.reason
        assert disposal.reference in referral.reason
        # Written in both languages: the provider's staff read it in either.
        english, welsh = referral.reason.splitlines()[:2]
        assert english.startswith(f"Condition of a Conditional Caution ({disposal.reference}): ")
        assert welsh.startswith(f"Amod Rhybudd Amodol ({disposal.reference}): ")
        assert referral.legal_basis == Referral.LegalBasis.STATUTORY
    assert DisposalNotice.objects.filter(disposal=disposal).count() == 1
    operations = events_since(before)
    assert operations.count(("collection", "referrals.referral")) == 2
    assert operations.count(("disclosure", "referrals.referral")) == 2
    assert operations[-1] == ("alteration", "disposals.disposal")


def test_issue_retried_creates_nothing_new(world):
    disposal = conditional_caution(world)
    authorised(world, disposal)
    disposal.refresh_from_db()
    version = disposal.version
    services.disposal_issue(
        actor=world.users[FRONTLINE],
        disposal_id=disposal.pk,
        agreement_confirmed=True,
        expected_version=version,
    )
    with pytest.raises(ApplicationError) as refused:
        services.disposal_issue(
            actor=world.users[FRONTLINE],
            disposal_id=disposal.pk,
            agreement_confirmed=True,
            expected_version=version,
        )
    assert refused.value.status == 409
    assert Referral.objects.filter(source_id=str(disposal.pk)).count() == 1
    assert DisposalNotice.objects.filter(disposal=disposal).count() == 1


def test_issue_refused_whole_when_the_person_cannot_be_reached(world):
    unreachable = reachable_person(world, given_name="Heledd", phone="")
    disposal = conditional_caution(world, person=unreachable)
    disposal.refresh_from_db()
    with pytest.raises(referrals.ContactDetailsIncomplete):
        services.disposal_submit(
            actor=world.users[FRONTLINE], disposal_id=disposal.pk, expected_version=disposal.version
        )
    assert Referral.objects.filter(source_id=str(disposal.pk)).count() == 0


def test_issue_needs_the_persons_agreement_and_the_current_version(world):
    disposal = conditional_caution(world)
    authorised(world, disposal)
    disposal.refresh_from_db()
    with pytest.raises(ApplicationError) as refused:
        services.disposal_issue(
            actor=world.users[FRONTLINE],
            disposal_id=disposal.pk,
            agreement_confirmed=False,
            expected_version=disposal.version,
        )
    assert "agreement_confirmed" in refused.value.extra["fields"]
    with pytest.raises(ConflictError):
        services.disposal_issue(
            actor=world.users[FRONTLINE],
            disposal_id=disposal.pk,
            agreement_confirmed=True,
            expected_version=disposal.version - 1,
        )
    assert Referral.objects.filter(source_id=str(disposal.pk)).count() == 0


def test_community_resolution_without_conditions_completes_at_issue(world):
    disposal = recorded_disposal(world)
    issued(world, disposal)
    disposal.refresh_from_db()
    assert disposal.status == Disposal.Status.COMPLETED
    assert disposal.outcome_code == "8"


def test_attending_the_assessment_completes_the_condition_and_the_disposal(world):
    disposal = issued_conditional_caution(world)
    attended(world, disposal)
    disposal.refresh_from_db()
    condition = disposal.conditions.get()
    assert condition.status == DisposalCondition.Status.COMPLETE
    assert disposal.status == Disposal.Status.COMPLETED
    assert disposal.completed_at is not None


def test_not_attending_raises_a_task_and_does_not_fail_the_condition(world):
    disposal = issued_conditional_caution(world)
    attended(world, disposal, attendance="did_not_attend")
    disposal.refresh_from_db()
    assert disposal.conditions.get().status == DisposalCondition.Status.PENDING
    task = DisposalTask.objects.get(disposal=disposal)
    assert task.kind == DisposalTask.Kind.DID_NOT_ATTEND
    assert task.assigned_to == world.users[FRONTLINE]


def _correct(world, disposal, attendance):
    referral = condition_referral(disposal)
    appointment = referral.appointments.get()
    referrals.attendance_correct(
        actor=world.users[PROV_A],
        referral_id=referral.pk,
        appointment_id=appointment.pk,
        attendance=attendance,
        reason="Recorded on the wrong client",
    )
    disposal.refresh_from_db()


def test_a_missed_appointment_corrected_to_attended_completes_the_condition(world):
    disposal = issued_conditional_caution(world)
    attended(world, disposal, attendance="did_not_attend")
    _correct(world, disposal, "attended")
    assert disposal.conditions.get().status == DisposalCondition.Status.COMPLETE
    assert disposal.status == Disposal.Status.COMPLETED
    # The task the first answer raised stays for the officer to close.
    assert list(DisposalTask.objects.values_list("kind", flat=True)) == ["dna"]


def test_an_attendance_corrected_after_it_completed_the_disposal_goes_to_the_officer(world):
    disposal = issued_conditional_caution(world)
    attended(world, disposal)
    disposal.refresh_from_db()
    assert disposal.status == Disposal.Status.COMPLETED
    _correct(world, disposal, "did_not_attend")
    # Pont does not reopen a completed disposal: the officer in charge reviews it.
    assert disposal.status == Disposal.Status.COMPLETED
    assert disposal.conditions.get().status == DisposalCondition.Status.COMPLETE
    task = DisposalTask.objects.get(disposal=disposal)
    assert (task.kind, task.assigned_to) == ("corrected", world.users[FRONTLINE])


def test_a_failed_referral_breaches_and_the_scheme_decides_the_consequence(world):
    disposal = issued_conditional_caution(world)
    referral = condition_referral(disposal)
    worker = world.users[PROV_A]
    referrals.referral_accept(actor=worker, referral_id=referral.pk)
    referrals.referral_close(
        actor=worker, referral_id=referral.pk, closure_reason="dna_before_assessment"
    )
    disposal.refresh_from_db()
    assert disposal.status == Disposal.Status.BREACHED
    assert disposal.conditions.get().status == DisposalCondition.Status.FAILED
    assert DisposalTask.objects.filter(
        disposal=disposal, kind=DisposalTask.Kind.CONDITION_FAILED, done_at=None
    ).exists()
    choices = {value for value, _label in services.breach_decisions_for(disposal)}
    assert choices == {"prosecute", "no_further_action", "extend"}
    with pytest.raises(ApplicationError) as refused:
        services.breach_decide(
            actor=world.users[FRONTLINE],
            disposal_id=disposal.pk,
            decision="extend",
            reason="One more chance",
            new_deadline=timezone.localdate() + timedelta(days=14),
            expected_version=disposal.version,
        )
    # The service closed its referral: more time needs a service to send the condition to.
    assert list(refused.value.extra["fields"]) == [f"service_{disposal.conditions.get().pk}"]
    services.breach_decide(
        actor=world.users[FRONTLINE],
        disposal_id=disposal.pk,
        decision="prosecute",
        reason="No reason given for missing the assessment",
        expected_version=disposal.version,
    )
    disposal.refresh_from_db()
    assert disposal.status == Disposal.Status.CLOSED
    assert disposal.outcome_code == "1"
    assert not DisposalTask.objects.filter(disposal=disposal, done_at=None).exists()


def test_community_resolution_breach_has_no_sanction_to_choose(world):
    disposal = recorded_disposal(world)
    condition = add_condition(world, disposal, "apology")
    issued(world, disposal)
    services.condition_record(
        actor=world.users[FRONTLINE],
        condition_id=condition.pk,
        outcome="failed",
        note="Refused to apologise",
        expected_version=condition.version,
    )
    disposal.refresh_from_db()
    assert {v for v, _l in services.breach_decisions_for(disposal)} == {
        "no_further_action",
        "extend",
    }
    services.breach_decide(
        actor=world.users[FRONTLINE],
        disposal_id=disposal.pk,
        decision="extend",
        reason="Was in hospital",
        new_deadline=timezone.localdate() + timedelta(days=7),
        expected_version=disposal.version,
    )
    disposal.refresh_from_db()
    condition.refresh_from_db()
    assert disposal.status == Disposal.Status.ISSUED
    assert condition.status == DisposalCondition.Status.PENDING
    assert condition.deadline == timezone.localdate() + timedelta(days=7)


def test_the_officer_cannot_complete_a_services_condition(world):
    disposal = issued_conditional_caution(world)
    condition = disposal.conditions.get()
    with pytest.raises(ApplicationError) as refused:
        services.condition_record(
            actor=world.users[FRONTLINE],
            condition_id=condition.pk,
            outcome="complete",
            note="He told me he went",
            expected_version=condition.version,
        )
    assert "outcome" in refused.value.extra["fields"]


def test_overdue_conditions_raise_one_task_each_however_often_the_job_runs(world):
    disposal = issued_conditional_caution(world)
    condition = disposal.conditions.get()
    after_deadline = condition.deadline + timedelta(days=1)
    assert services.overdue_conditions_flag(today=condition.deadline) == 0
    assert services.overdue_conditions_flag(today=after_deadline) == 1
    assert services.overdue_conditions_flag(today=after_deadline) == 0
    tasks = DisposalTask.objects.filter(disposal=disposal, kind=DisposalTask.Kind.CONDITION_OVERDUE)
    assert tasks.count() == 1
    assert tasks.get().assigned_to == world.users[FRONTLINE]


def test_the_compliance_clock_skips_wales_bank_holidays(world, monkeypatch):
    from datetime import date

    # Thursday 24 December 2026: ten working days on skip Christmas, Boxing Day (Monday 28th
    # in lieu) and New Year's Day.
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: date(2026, 12, 24))
    disposal = recorded_disposal(world, offence_date=date(2026, 12, 20))
    condition = add_condition(world, disposal, "apology")
    assert condition.deadline == date(2027, 1, 12)


def test_other_force_officers_and_providers_see_nothing(world):
    disposal = issued_conditional_caution(world)
    from pont.disposals import selectors

    assert (
        selectors.disposal_get_for_user(user=world.users[PROV_A], disposal_id=disposal.pk) is None
    )
    assert selectors.disposal_get_for_user(user=world.users[CUSTODY], disposal_id=disposal.pk)
    with pytest.raises(ApplicationError) as refused:
        services.breach_decide(
            actor=world.users[CUSTODY],
            disposal_id=disposal.pk,
            decision="prosecute",
            reason="x",
            expected_version=disposal.version,
        )
    assert refused.value.status == 403  # not the officer in charge


def test_a_rejected_referral_raises_a_task_and_goes_to_another_service(world):
    from pont.testing.disposals import reject_condition_referral

    disposal = issued_conditional_caution(world)
    first = reject_condition_referral(world, disposal)
    task = DisposalTask.objects.get(disposal=disposal)
    assert task.kind == DisposalTask.Kind.REFERRAL_REJECTED
    condition = disposal.conditions.get()
    with pytest.raises(ApplicationError) as refused:
        services.condition_refer_again(
            actor=world.users[FRONTLINE],
            condition_id=condition.pk,
            service_id=None,
            expected_version=condition.version,
        )
    assert "service" in refused.value.extra["fields"]
    services.condition_refer_again(
        actor=world.users[FRONTLINE],
        condition_id=condition.pk,
        service_id=drug_service(world, "b").pk,
        expected_version=condition.version,
    )
    condition.refresh_from_db()
    assert condition.referral_id != first.pk
    assert condition.referral.status == Referral.Status.REQUESTED
    assert condition.referral.receiving_organisation == world.provider_b
    task.refresh_from_db()
    assert task.done_at is not None


def test_an_open_referral_moves_to_another_service_with_the_officers_reason(world, monkeypatch):
    """The person has moved: the referral the service accepted is cancelled with the
    officer's reason (which it reads), the condition goes to the other service, and the
    person gets a new notice naming it; without a reason nothing is written."""
    made = capture_notices(monkeypatch)
    disposal = issued_conditional_caution(world)
    first = condition_referral(disposal)
    referrals.referral_accept(actor=world.users[PROV_A], referral_id=first.pk)
    condition = disposal.conditions.get()
    other = drug_service(world, "b")
    before = last_sequence()
    with pytest.raises(ApplicationError) as refused:
        services.condition_refer_again(
            actor=world.users[FRONTLINE],
            condition_id=condition.pk,
            service_id=other.pk,
            expected_version=condition.version,
        )
    assert list(refused.value.extra["fields"]) == ["reason"]
    assert events_since(before) == []
    assert Referral.objects.get(pk=first.pk).status == Referral.Status.ACCEPTED
    services.condition_refer_again(
        actor=world.users[FRONTLINE],
        condition_id=condition.pk,
        service_id=other.pk,
        expected_version=condition.version,
        reason="Has moved to Newtown",
    )
    cancelled = Referral.objects.get(pk=first.pk)
    assert (cancelled.status, cancelled.cancellation_reason) == (
        Referral.Status.CANCELLED,
        "Has moved to Newtown",
    )
    condition.refresh_from_db()
    assert condition.referral.receiving_organisation == world.provider_b
    assert condition.referral.status == Referral.Status.REQUESTED
    assert made[-1].occasion == "new_service"
    assert made[-1].conditions[0].service == other.name
    # A condition done is not sent anywhere.
    DisposalCondition.objects.filter(pk=condition.pk).update(status="complete")
    condition.refresh_from_db()
    with pytest.raises(ApplicationError) as refused:
        services.condition_refer_again(
            actor=world.users[FRONTLINE],
            condition_id=condition.pk,
            service_id=drug_service(world).pk,
            expected_version=condition.version,
            reason="Changed my mind",
        )
    assert refused.value.status == 409


def test_a_community_caution_breach_takes_the_financial_penalty_route(world):
    from pont.disposals.frameworks import statutory_framework_commence
    from pont.testing.personas import SYSADMIN

    statutory_framework_commence(actor=world.users[SYSADMIN], effective_from=timezone.localdate())
    disposal = recorded_disposal(world, scheme_code="community_caution")
    condition = add_condition(world, disposal, "compensation", amount_pence=7500)
    issued(world, disposal)
    services.condition_record(
        actor=world.users[FRONTLINE],
        condition_id=condition.pk,
        outcome="failed",
        note="Not paid by the deadline",
        expected_version=condition.version,
    )
    disposal.refresh_from_db()
    assert {v for v, _l in services.breach_decisions_for(disposal)} == {
        "financial_penalty",
        "no_further_action",
        "extend",
    }
    with pytest.raises(ApplicationError) as refused:
        services.breach_decide(
            actor=world.users[FRONTLINE],
            disposal_id=disposal.pk,
            decision="prosecute",  # not this scheme's consequence
            reason="x",
            expected_version=disposal.version,
        )
    assert "decision" in refused.value.extra["fields"]
    services.breach_decide(
        actor=world.users[FRONTLINE],
        disposal_id=disposal.pk,
        decision="financial_penalty",
        reason="Compensation unpaid without explanation",
        expected_version=disposal.version,
    )
    disposal.refresh_from_db()
    assert disposal.status == Disposal.Status.CLOSED
    assert disposal.breach_decision == "financial_penalty"
    assert disposal.outcome_code == "3"  # the caution stands; the penalty follows it


def test_each_step_writes_its_audit_event(world):
    disposal = recorded_disposal(world)
    steps = []
    before = last_sequence()
    condition = add_condition(world, disposal, "apology")
    steps.append(events_since(before))
    before = last_sequence()
    authorised(world, disposal)  # submit, then authorise
    steps.append(events_since(before))
    before = last_sequence()
    issued_disposal = services.disposal_issue(
        actor=world.users[FRONTLINE],
        disposal_id=disposal.pk,
        agreement_confirmed=True,
        expected_version=Disposal.objects.get(pk=disposal.pk).version,
    )
    steps.append(events_since(before))
    before = last_sequence()
    services.condition_record(
        actor=world.users[FRONTLINE],
        condition_id=condition.pk,
        outcome="complete",
        note="Letter of apology seen",
        expected_version=DisposalCondition.objects.get(pk=condition.pk).version,
    )
    steps.append(events_since(before))
    assert steps == [
        [("alteration", "disposals.disposal")],
        [("alteration", "disposals.disposal"), ("alteration", "disposals.disposal")],
        [("alteration", "disposals.disposal")],  # no service condition: no referral
        [("alteration", "disposals.disposalcondition")],
    ]
    issued_disposal.refresh_from_db()
    assert issued_disposal.status == Disposal.Status.COMPLETED


def test_more_time_gives_the_person_a_new_notice_that_replaces_theirs(world, monkeypatch):
    """The failed condition's new deadline, the pending one's own, the one done left out; the
    notice kept beside the first, which is not changed."""
    made: list[documents.NoticeData] = []

    def keep(data: documents.NoticeData) -> bytes:
        made.append(data)
        return f"%PDF-1.7 notice {len(made)}".encode()

    monkeypatch.setattr(documents, "notice_pdf", keep)
    disposal = recorded_disposal(world)
    apology = add_condition(world, disposal, "apology")
    repair = add_condition(world, disposal, "repair")
    compensation = add_condition(world, disposal, "compensation", amount_pence=2000)
    issued(world, disposal)
    first = DisposalNotice.objects.get(disposal=disposal)
    officer = world.users[FRONTLINE]
    services.condition_record(
        actor=officer,
        condition_id=compensation.pk,
        outcome="complete",
        note="Paid",
        expected_version=compensation.version,
    )
    disposal = failed_condition(world, disposal, "apology")
    new_deadline = timezone.localdate() + timedelta(days=10)
    before = last_sequence()
    services.breach_decide(
        actor=officer,
        disposal_id=disposal.pk,
        decision="extend",
        reason="Was in hospital",
        new_deadline=new_deadline,
        expected_version=disposal.version,
    )
    notices = list(DisposalNotice.objects.filter(disposal=disposal).order_by("issued_at", "pk"))
    assert [n.pk for n in notices[:1]] == [first.pk]
    assert bytes(notices[0].pdf) == b"%PDF-1.7 notice 1"
    assert bytes(notices[1].pdf) == b"%PDF-1.7 notice 2"
    revised = made[1]
    assert revised.replaces == first.issued_at
    assert revised.issued_at == notices[1].issued_at
    repair.refresh_from_db()
    assert [(c.what.en, c.deadline) for c in revised.conditions] == [
        (apology.condition_type.label_en, new_deadline),
        (repair.condition_type.label_en, repair.deadline),
    ]
    assert repair.deadline != new_deadline
    assert events_since(before) == [("alteration", "disposals.disposal")]
    decided = AuditEvent.objects.filter(sequence__gt=before).get()
    assert decided.detail["new_deadline"] == new_deadline.isoformat()
    # The notice that counts now is the new one.
    assert services.notice_get(actor=officer, disposal_id=disposal.pk).pk == notices[1].pk
    assert (
        services.notice_get(actor=officer, disposal_id=disposal.pk, notice_id=first.pk).pk
        == first.pk
    )


def test_more_time_is_refused_when_the_disposal_changes_while_its_notice_is_made(
    world, monkeypatch
):
    """The notice is made outside the decision's transaction: a condition changed meanwhile
    (here its version moved) makes the decision stale, and nothing is written."""
    from django.db.models import F

    disposal = recorded_disposal(world)
    apology = add_condition(world, disposal, "apology")
    repair = add_condition(world, disposal, "repair")
    issued(world, disposal)
    disposal = failed_condition(world, disposal, "apology")
    real = documents.notice_pdf

    def changed_meanwhile(data: documents.NoticeData) -> bytes:
        DisposalCondition.objects.filter(pk=repair.pk).update(version=F("version") + 1)
        return real(data)

    monkeypatch.setattr(documents, "notice_pdf", changed_meanwhile)
    before = last_sequence()
    with pytest.raises(ConflictError):
        services.breach_decide(
            actor=world.users[FRONTLINE],
            disposal_id=disposal.pk,
            decision="extend",
            reason="Was in hospital",
            new_deadline=timezone.localdate() + timedelta(days=10),
            expected_version=disposal.version,
        )
    assert DisposalNotice.objects.filter(disposal=disposal).count() == 1
    disposal.refresh_from_db()
    apology.refresh_from_db()
    assert disposal.status == Disposal.Status.BREACHED
    assert apology.status == DisposalCondition.Status.FAILED
    assert events_since(before) == []


def test_no_new_notice_for_a_decision_that_ends_the_disposal_or_is_refused(world, monkeypatch):
    made: list[documents.NoticeData] = []
    monkeypatch.setattr(documents, "notice_pdf", lambda data: made.append(data) or b"%PDF-1.7")
    disposal = recorded_disposal(world)
    add_condition(world, disposal, "apology")
    issued(world, disposal)
    disposal = failed_condition(world, disposal, "apology")
    assert len(made) == 1
    for deadline in (None, timezone.localdate()):
        with pytest.raises(ApplicationError) as refused:
            services.breach_decide(
                actor=world.users[FRONTLINE],
                disposal_id=disposal.pk,
                decision="extend",
                reason="Was in hospital",
                new_deadline=deadline,
                expected_version=disposal.version,
            )
        assert "new_deadline" in refused.value.extra["fields"]
    breach_decided(world, disposal, "no_further_action")
    assert len(made) == 1
    assert DisposalNotice.objects.filter(disposal=disposal).count() == 1


def test_more_time_tells_the_service_delivering_the_condition_its_new_deadline(world):
    disposal = issued_conditional_caution(world)
    referral = condition_referral(disposal)
    referrals.referral_accept(actor=world.users[PROV_A], referral_id=referral.pk)
    first = Referral.objects.get(pk=referral.pk).reason
    disposal = failed_condition(world, disposal, "drug_assessment")
    new_deadline = timezone.localdate() + timedelta(days=21)
    services.breach_decide(
        actor=world.users[INSPECTOR],  # a supervisor may decide for the officer in charge
        disposal_id=disposal.pk,
        decision="extend",
        reason="Missed it through illness; agreed a new date",
        new_deadline=new_deadline,
        expected_version=disposal.version,
    )
    after = Referral.objects.get(pk=referral.pk)
    assert f"by {new_deadline:%d/%m/%Y}." in after.reason
    assert f"erbyn {new_deadline:%d/%m/%Y}." in after.reason
    assert after.reason != first
    assert after.status == Referral.Status.ACCEPTED
    changed = after.events.get(kind="reason_changed")
    assert changed.detail == {"before": first}
    assert changed.actor_label == world.users[INSPECTOR].username


def capture_notices(monkeypatch) -> list[documents.NoticeData]:
    made: list[documents.NoticeData] = []

    def keep(data: documents.NoticeData) -> bytes:
        made.append(data)
        return f"%PDF-1.7 notice {len(made)}".encode()

    monkeypatch.setattr(documents, "notice_pdf", keep)
    return made


def test_more_time_sends_a_condition_whose_referral_was_closed_to_the_service_chosen(
    world, monkeypatch
):
    """The service closed its referral (the person missed the assessment): with more time
    the officer sends the condition again, here to the same service, as a new referral with
    the new deadline, and the new notice names it."""
    made = capture_notices(monkeypatch)
    disposal = issued_conditional_caution(world)
    first = condition_referral(disposal)
    worker = world.users[PROV_A]
    referrals.referral_accept(actor=worker, referral_id=first.pk)
    referrals.referral_close(
        actor=worker, referral_id=first.pk, closure_reason="dna_before_assessment"
    )
    disposal.refresh_from_db()
    condition = disposal.conditions.get()
    service = drug_service(world)
    new_deadline = timezone.localdate() + timedelta(days=14)
    before = last_sequence()
    services.breach_decide(
        actor=world.users[FRONTLINE],
        disposal_id=disposal.pk,
        decision="extend",
        reason="Was in hospital on the day",
        new_deadline=new_deadline,
        send_to={condition.pk: str(service.pk)},
        expected_version=disposal.version,
    )
    condition.refresh_from_db()
    assert condition.status == DisposalCondition.Status.PENDING
    assert condition.deadline == new_deadline
    again = condition.referral
    assert again.pk != first.pk
    assert again.status == Referral.Status.REQUESTED
    assert again.service_id == service.pk
    assert f"by {new_deadline:%d/%m/%Y}." in again.reason
    assert Referral.objects.get(pk=first.pk).status == Referral.Status.FAILED  # kept as it was
    notice = made[-1]
    assert notice.occasion == "more_time"
    assert [(c.deadline, c.service) for c in notice.conditions] == [(new_deadline, service.name)]
    kept = DisposalNotice.objects.filter(disposal=disposal).order_by("issued_at", "pk")
    assert [n.occasion for n in kept] == ["issue", "more_time"]
    decided = AuditEvent.objects.get(
        sequence__gt=before, operation="alteration", object_type="disposals.disposal"
    )
    assert decided.detail["sent_to"] == {str(condition.pk): str(service.pk)}
    # The engine's own events for the new referral: created and sent to the provider.
    assert ("disclosure", "referrals.referral") in events_since(before)
    disposal.refresh_from_db()
    assert disposal.status == Disposal.Status.ISSUED


def test_more_time_after_a_rejection_sends_the_condition_to_another_service(world, monkeypatch):
    from pont.testing.disposals import reject_condition_referral

    made = capture_notices(monkeypatch)
    disposal = issued_conditional_caution(world)
    rejected = reject_condition_referral(world, disposal)
    condition = disposal.conditions.get()
    services.condition_record(
        actor=world.users[FRONTLINE],
        condition_id=condition.pk,
        outcome="failed",
        note="No service took it on by the deadline",
        expected_version=condition.version,
    )
    disposal.refresh_from_db()
    assert disposal.status == Disposal.Status.BREACHED
    assert services.conditions_to_send_again(disposal) == [condition]
    other = drug_service(world, "b")
    services.breach_decide(
        actor=world.users[FRONTLINE],
        disposal_id=disposal.pk,
        decision="extend",
        reason="The first service could not take it",
        new_deadline=timezone.localdate() + timedelta(days=20),
        send_to={condition.pk: str(other.pk)},
        expected_version=disposal.version,
    )
    condition.refresh_from_db()
    assert condition.service_id == other.pk
    assert condition.referral_id != rejected.pk
    assert condition.referral.receiving_organisation == world.provider_b
    assert made[-1].conditions[0].service == other.name
    # The officer's task about the rejection is done: the condition is with a service again.
    assert not DisposalTask.objects.filter(disposal=disposal, done_at=None).exists()


def test_more_time_refuses_a_service_that_does_not_deliver_the_condition(world, monkeypatch):
    """Nothing is written: the field names the condition's service choice."""
    made = capture_notices(monkeypatch)
    disposal = issued_conditional_caution(world)
    referral = condition_referral(disposal)
    referrals.referral_reject(actor=world.users[PROV_A], referral_id=referral.pk, reason="Full")
    condition = disposal.conditions.get()
    disposal = failed_condition(world, disposal, "drug_assessment")
    from pont.testing.referrals import provider_service

    not_drugs = provider_service(world, "b")
    not_drugs.needs.clear()
    field = f"service_{condition.pk}"
    before = last_sequence()
    for send_to in ({}, {condition.pk: "not an id"}, {condition.pk: str(not_drugs.pk)}):
        with pytest.raises(ApplicationError) as refused:
            services.breach_decide(
                actor=world.users[FRONTLINE],
                disposal_id=disposal.pk,
                decision="extend",
                reason="One more chance",
                new_deadline=timezone.localdate() + timedelta(days=14),
                send_to=send_to,
                expected_version=disposal.version,
            )
        assert list(refused.value.extra["fields"]) == [field], send_to
    assert events_since(before) == []
    assert DisposalNotice.objects.filter(disposal=disposal).count() == 1
    condition.refresh_from_db()
    assert (condition.status, condition.referral_id) == ("failed", referral.pk)
    assert len(made) == 1 + 3  # the notices made for the refused decisions were not kept


def test_a_condition_sent_to_another_service_gives_the_person_a_new_notice(world, monkeypatch):
    from pont.testing.disposals import reject_condition_referral

    made = capture_notices(monkeypatch)
    disposal = recorded_disposal(
        world,
        scheme_code="conditional_caution",
        offences=[("actual_bodily_harm", "Punched a man")],
        victim_views=Disposal.VictimViews.SUPPORTS,
    )
    add_condition(world, disposal, "drug_assessment", service_id=drug_service(world).pk)
    apology = add_condition(world, disposal, "apology")
    issued(world, disposal)
    reject_condition_referral(world, disposal)
    condition = disposal.conditions.get(condition_type__code="drug_assessment")
    other = drug_service(world, "b")
    services.condition_refer_again(
        actor=world.users[FRONTLINE],
        condition_id=condition.pk,
        service_id=other.pk,
        expected_version=condition.version,
    )
    kept = list(DisposalNotice.objects.filter(disposal=disposal).order_by("issued_at", "pk"))
    assert [n.occasion for n in kept] == ["issue", "new_service"]
    notice = made[-1]
    assert (notice.occasion, notice.replaces) == ("new_service", kept[0].issued_at)
    assert [(c.what.en, c.service, c.deadline) for c in notice.conditions] == [
        (condition.condition_type.label_en, other.name, condition.deadline),
        (apology.condition_type.label_en, "", apology.deadline),
    ]
    assert services.notice_get(actor=world.users[FRONTLINE], disposal_id=disposal.pk).pk == (
        kept[1].pk
    )


def test_sending_to_another_service_is_refused_when_the_disposal_changes_meanwhile(
    world, monkeypatch
):
    from django.db.models import F

    from pont.testing.disposals import reject_condition_referral

    disposal = issued_conditional_caution(world)
    first = reject_condition_referral(world, disposal)
    condition = disposal.conditions.get()

    def changed_meanwhile(data: documents.NoticeData) -> bytes:
        Disposal.objects.filter(pk=disposal.pk).update(version=F("version") + 1)
        return b"%PDF-1.7"

    monkeypatch.setattr(documents, "notice_pdf", changed_meanwhile)
    before = last_sequence()
    with pytest.raises(ConflictError):
        services.condition_refer_again(
            actor=world.users[FRONTLINE],
            condition_id=condition.pk,
            service_id=drug_service(world, "b").pk,
            expected_version=condition.version,
        )
    assert events_since(before) == []
    condition.refresh_from_db()
    assert condition.referral_id == first.pk
    assert DisposalNotice.objects.filter(disposal=disposal).count() == 1


def test_more_time_sends_again_only_a_condition_whose_referral_is_closed(world, monkeypatch):
    """A service named for a condition whose referral is still open changes nothing: the
    notice and the referral keep its service, which reads the new deadline."""
    made = capture_notices(monkeypatch)
    disposal = issued_conditional_caution(world)
    referral = condition_referral(disposal)
    referrals.referral_accept(actor=world.users[PROV_A], referral_id=referral.pk)
    disposal = failed_condition(world, disposal, "drug_assessment")
    condition = disposal.conditions.get()
    services.breach_decide(
        actor=world.users[FRONTLINE],
        disposal_id=disposal.pk,
        decision="extend",
        reason="Missed it through illness",
        new_deadline=timezone.localdate() + timedelta(days=14),
        send_to={condition.pk: str(drug_service(world, "b").pk)},
        expected_version=disposal.version,
    )
    condition.refresh_from_db()
    assert (condition.referral_id, condition.service_id) == (referral.pk, referral.service_id)
    assert made[-1].conditions[0].service == drug_service(world).name


def test_more_time_is_refused_when_a_referral_closes_while_its_notice_is_made(world, monkeypatch):
    """The notice was made with the referral open (its service kept); the service closed it
    meanwhile, so the decision would need a service the notice does not name: stale."""
    disposal = issued_conditional_caution(world)
    referral = condition_referral(disposal)
    referrals.referral_accept(actor=world.users[PROV_A], referral_id=referral.pk)
    disposal = failed_condition(world, disposal, "drug_assessment")
    condition = disposal.conditions.get()

    def closed_meanwhile(data: documents.NoticeData) -> bytes:
        Referral.objects.filter(pk=referral.pk).update(status=Referral.Status.FAILED)
        return b"%PDF-1.7"

    monkeypatch.setattr(documents, "notice_pdf", closed_meanwhile)
    before = last_sequence()
    with pytest.raises(ConflictError):
        services.breach_decide(
            actor=world.users[FRONTLINE],
            disposal_id=disposal.pk,
            decision="extend",
            reason="Missed it through illness",
            new_deadline=timezone.localdate() + timedelta(days=14),
            send_to={condition.pk: str(drug_service(world, "b").pk)},
            expected_version=disposal.version,
        )
    assert events_since(before) == []
    condition.refresh_from_db()
    assert (condition.status, condition.referral_id) == ("failed", referral.pk)
