"""Recording tests, imposing Required Assessments, attendance, breach, QA: through the services."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.utils import timezone
from django.utils.translation import override

from pont.accounts import services as accounts
from pont.accounts.roles import Role
from pont.audit.models import AuditEvent
from pont.core.exceptions import ApplicationError, ConflictError, NotFoundError
from pont.drug_testing import documents, selectors, services
from pont.drug_testing.models import (
    BreachCase,
    DrugTest,
    Notice,
    OfficerTask,
    QaReview,
    RequiredAssessment,
)
from pont.people.models import Person
from pont.referrals import services as referrals
from pont.referrals.models import Referral
from pont.testing.drug_testing import (
    drug_test_values,
    imposed_assessment,
    positive_test,
    suite_arranged,
)
from pont.testing.personas import CUSTODY, FRONTLINE, INSPECTOR, PANEL, PROV_A, PROV_B
from pont.testing.referrals import reachable_person, released_person


@pytest.fixture(autouse=True)
def fast_documents(monkeypatch):
    """Service tests check records, not layout: a small stand-in PDF per document.

    The documents themselves are tested in test_documents.py, and the whole journey
    in test_journey.py renders the real ones.
    """
    monkeypatch.setattr(
        documents, "notice_pdf", lambda data: f"%PDF-1.7 {data.kind} {data.place}".encode()
    )
    monkeypatch.setattr(
        documents, "breach_pack_pdf", lambda data: f"%PDF-1.7 pack {data.section}".encode()
    )


def events_since(sequence: int) -> list[tuple[str, str]]:
    return list(
        AuditEvent.objects.filter(sequence__gt=sequence)
        .order_by("sequence")
        .values_list("operation", "object_type")
    )


def last_sequence() -> int:
    return AuditEvent.objects.order_by("-sequence").values_list("sequence", flat=True).first() or 0


# Recording ---------------------------------------------------------------------


def test_a_lawful_positive_test_is_recorded_with_its_reasons_results_and_one_audit_event(world):
    suite_arranged(world)
    person = released_person(world)
    before = last_sequence()
    test = services.drug_test_record(**drug_test_values(world, person_id=person.pk))
    assert test.custody_suite == world.llanelli
    assert test.controller == world.force
    assert test.age_on_day == person.age_on(timezone.localdate())
    assert {r.substance.code: r.result for r in test.results.all()} == {
        "cocaine": "positive",
        "opiates": "negative",
    }
    assert [c["code"] for c in test.eligibility] == [
        "arrest_condition",
        "trigger_offence",
        "age",
        "notification",
        "warning",
    ]
    assert all(c["met"] and c["citation"] for c in test.eligibility)
    assert test.may_require_assessment
    assert events_since(before) == [("collection", "drug_testing.drugtest")]


def test_a_refusal_is_recorded_and_gives_the_officer_a_task(world):
    test = positive_test(world, outcome="refused", results=None, sample_taken_at=None)
    assert test.outcome == "refused"
    assert not test.results.exists()
    task = OfficerTask.objects.get(test=test)
    assert (task.kind, task.assigned_to) == ("refusal_offence", world.users[CUSTODY])
    assert not test.may_require_assessment


def test_a_test_the_law_does_not_allow_is_refused_naming_the_fields_and_nothing_is_written(
    world,
):
    suite_arranged(world)
    today = timezone.localdate()
    sixteen = today.replace(year=today.year - 16) - timedelta(days=30)
    with pytest.raises(ApplicationError) as refused:
        services.drug_test_record(
            **drug_test_values(
                world,
                trigger_offence="",
                warning_given=False,
                new_person={
                    "given_name": "Cai",
                    "family_name": "Rees",
                    "date_of_birth": sixteen,
                    "gender": "male",
                    "confirmed_new": True,
                },
            )
        )
    fields = refused.value.extra["fields"]
    assert set(fields) == {"condition", "trigger_offence", "warning_given", "appropriate_adult"}
    assert "PACE 1984 s.63B(3)" in fields["condition"][0]
    assert not DrugTest.objects.exists()
    assert not Person.objects.filter(given_name="Cai").exists()  # the new person went too


def test_bad_input_names_each_field(world):
    suite_arranged(world)
    person = released_person(world)
    future = timezone.now() + timedelta(hours=1)
    with pytest.raises(ApplicationError) as refused:
        services.drug_test_record(
            **drug_test_values(
                world,
                person_id=person.pk,
                custody_record_number=" ",
                arrested_at=future,
                offences="",
                results={"cocaine": "maybe"},
            )
        )
    assert set(refused.value.extra["fields"]) >= {
        "custody_record_number",
        "arrested_at",
        "offences",
        "result_cocaine",
        "result_opiates",
    }


def test_one_test_per_custody_record(world):
    first = positive_test(world)
    with pytest.raises(ApplicationError) as refused:
        positive_test(world, custody_record_number=first.custody_record_number.lower())
    assert "custody_record_number" in refused.value.extra["fields"]


@pytest.mark.parametrize("persona", [PROV_A, PANEL])
def test_only_custody_roles_record_tests(world, persona):
    suite_arranged(world)
    with pytest.raises(ApplicationError) as refused:
        services.drug_test_record(
            **drug_test_values(
                world, actor=world.users[persona], person_id=reachable_person(world).pk
            )
        )
    assert refused.value.status == 403


def test_another_forces_officer_cannot_see_or_act_on_a_test(world):
    test = positive_test(world)
    other_force = accounts.organisation_create(
        actor=None, name="Gwent Police", slug="gwent", kind="force"
    )
    officer, _ = accounts.user_create(
        actor=None,
        username="gwent-custody",
        given_name="Other",
        family_name="Officer",
        email="o@example.test",
        password="Correct-Horse-Battery-Staple-42",
    )
    accounts.membership_create(
        actor=None, user=officer, organisation=other_force, role=Role.CUSTODY_OFFICER
    )
    assert selectors.drug_test_get_for_user(user=officer, test_id=test.pk) is None
    with pytest.raises(NotFoundError):
        services.drug_test_dispute(
            actor=officer,
            test_id=test.pk,
            confirmatory_sent_at=timezone.now(),
            expected_version=test.version,
        )


# Required Assessment -------------------------------------------------------------


def test_imposing_a_required_assessment_sends_a_statutory_referral_with_its_appointment_and_ra1(
    world,
):
    test = positive_test(world)
    before = last_sequence()
    assessment = imposed_assessment(world, test=test)
    referral = assessment.referral
    assert (referral.status, referral.legal_basis, referral.source_kind) == (
        "requested",
        "statutory",
        "test_on_arrest",
    )
    assert referral.source_id == str(test.pk)
    assert referral.statutory_basis.startswith("Drugs Act 2005 s.9")
    operations = events_since(before)
    assert ("disclosure", "referrals.referral") in operations  # sent to the provider
    assert operations[-1] == ("collection", "drug_testing.requiredassessment")
    assert referral.appointments.get() == assessment.initial_appointment
    notice = Notice.objects.get(assessment=assessment)
    assert notice.kind == "RA1"
    assert notice.place.startswith("DDAS")
    assert bytes(notice.pdf).startswith(b"%PDF")
    assert len(notice.sha256) == 64
    # The provider sees it at once; the other provider does not.
    assert referrals.referral_accept(actor=world.users[PROV_A], referral_id=referral.pk)
    with pytest.raises(NotFoundError):
        services.follow_up_cease(actor=world.users[PROV_B], assessment_id=assessment.pk)
    test.refresh_from_db()
    assert test.ra_complete_at_first_attempt is True


def test_no_required_assessment_without_a_positive_undisputed_or_confirmed_result(world):
    negative = positive_test(world, results={"cocaine": "negative", "opiates": "negative"})
    with pytest.raises(ApplicationError) as refused:
        imposed_assessment(world, test=negative)
    assert refused.value.status == 409
    disputed = positive_test(world, disputed=True, confirmatory_sent_at=timezone.now())
    with pytest.raises(ApplicationError):
        imposed_assessment(world, test=disputed)
    assert not Referral.objects.exists()


def test_incomplete_contact_details_stop_the_referral_and_are_remembered_for_the_dashboard(world):
    test = positive_test(world, person=reachable_person(world))  # a phone, no release address
    with pytest.raises(referrals.ContactDetailsIncomplete) as refused:
        imposed_assessment(world, test=test)
    assert "released to" in " ".join(refused.value.extra["missing"])
    assert not RequiredAssessment.objects.exists()
    assert not Referral.objects.exists()
    test.refresh_from_db()
    assert test.ra_complete_at_first_attempt is False


def test_the_appointment_must_fall_in_the_window(world):
    test = positive_test(world)
    with pytest.raises(ApplicationError) as late:
        imposed_assessment(world, test=test, in_days=30)
    assert "appointment_at" in late.value.extra["fields"]
    with pytest.raises(ApplicationError) as past:
        imposed_assessment(world, test=test, in_days=-1)
    assert "appointment_at" in past.value.extra["fields"]
    with pytest.raises(ApplicationError) as nowhere:
        imposed_assessment(world, test=test, place=" ")
    assert "place" in nowhere.value.extra["fields"]


def test_after_a_disputed_test_the_appointment_waits_five_working_days_across_bank_holidays(db):
    # Sent on Thursday 24 December 2026: Christmas Day, and Boxing Day's substitute on Monday
    # 28 December, then New Year's Day, are not working days in Wales.
    test = DrugTest(
        sample_taken_at=datetime(2026, 12, 24, 9, 0, tzinfo=UTC),
        disputed_at=datetime(2026, 12, 24, 9, 5, tzinfo=UTC),
        confirmatory_sent_at=datetime(2026, 12, 24, 15, 0, tzinfo=UTC),
        confirmation="confirmed",
    )
    earliest, latest = services.appointment_window(test)
    # 29, 30, 31 December, 4 and 5 January: the fifth working day is Tuesday 5 January 2027.
    assert (earliest, latest) == (date(2027, 1, 5), None)
    undisputed = DrugTest(sample_taken_at=datetime(2026, 12, 24, 9, 0, tzinfo=UTC))
    assert services.appointment_window(undisputed) == (None, date(2026, 12, 31))


def test_a_confirmed_disputed_test_allows_an_assessment_only_after_the_working_day_gap(world):
    sent = timezone.now() - timedelta(minutes=30)
    test = positive_test(world, disputed=True, confirmatory_sent_at=sent)
    test = services.drug_test_confirmation_record(
        actor=world.users[CUSTODY],
        test_id=test.pk,
        confirmed=True,
        received_at=timezone.now(),
        expected_version=test.version,
    )
    test.refresh_from_db()
    earliest, _latest = services.appointment_window(test)
    too_soon = (earliest - timedelta(days=1)) - timezone.localdate()
    with pytest.raises(ApplicationError) as refused:
        imposed_assessment(world, test=test, in_days=too_soon.days)
    assert "working days" in refused.value.extra["fields"]["appointment_at"][0]
    ok_in = (earliest - timezone.localdate()).days
    assessment = imposed_assessment(world, test=test, in_days=ok_in)
    assert timezone.localdate(assessment.initial_appointment.starts_at) == earliest


def test_varying_the_appointment_gives_ra2_and_keeps_what_it_replaced(world):
    assessment = imposed_assessment(world)
    old = assessment.initial_appointment.starts_at
    new = old + timedelta(days=1)
    services.required_assessment_vary(
        actor=world.users[CUSTODY],
        assessment_id=assessment.pk,
        appointment_at=new,
        place="Hub, Carmarthen",
        expected_version=assessment.version,
    )
    assessment.refresh_from_db()
    assessment.initial_appointment.refresh_from_db()
    assert assessment.initial_appointment.starts_at == new
    assert list(assessment.notices.values_list("kind", flat=True)) == ["RA1", "RA2"]
    with pytest.raises(ConflictError):
        services.required_assessment_vary(
            actor=world.users[CUSTODY],
            assessment_id=assessment.pk,
            appointment_at=new,
            place="Elsewhere",
            expected_version=assessment.version - 1,
        )


# Attendance, follow-up and breach --------------------------------------------------


def _attend(world, assessment, attendance, appointment=None):
    worker = world.users[PROV_A]
    referral = Referral.objects.get(pk=assessment.referral_id)
    if referral.status == "requested":
        referrals.referral_accept(actor=worker, referral_id=referral.pk, already_known=False)
    appointment = appointment or assessment.initial_appointment
    appointment.__class__.objects.filter(pk=appointment.pk).update(
        starts_at=timezone.now() - timedelta(hours=1)
    )
    referrals.attendance_record(
        actor=worker, referral_id=referral.pk, appointment_id=appointment.pk, attendance=attendance
    )
    assessment.refresh_from_db()
    return assessment


def test_failing_to_attend_opens_a_breach_case_and_a_task_for_the_imposing_officer(
    world, django_capture_on_commit_callbacks
):
    assessment = imposed_assessment(world)
    with django_capture_on_commit_callbacks(execute=True):
        assessment = _attend(world, assessment, "did_not_attend")
    assert assessment.initial_attendance == "failed_to_attend"
    breach = BreachCase.objects.get(assessment=assessment)
    assert (breach.stage, breach.failure) == ("initial", "failed_to_attend")
    task = OfficerTask.objects.get(kind="breach_decision")
    assert task.assigned_to == world.users[CUSTODY]
    # The evidence pack was queued at commit (tasks run inline in tests) and is kept.
    breach.refresh_from_db()
    assert bytes(breach.evidence_pack) == b"%PDF-1.7 pack s.12"


def test_leaving_early_is_a_failure_to_remain(world):
    assessment = _attend(world, imposed_assessment(world), "left_early")
    assert assessment.initial_attendance == "failed_to_remain"
    assert BreachCase.objects.get().failure == "failed_to_remain"


def test_after_attending_the_assessor_requires_a_follow_up_and_missing_it_is_an_s14_breach(world):
    assessment = _attend(world, imposed_assessment(world), "attended")
    assert assessment.initial_attendance == "attended"
    assert not BreachCase.objects.exists()
    later = timezone.now() + timedelta(days=7)
    assessment = services.follow_up_require(
        actor=world.users[PROV_A], assessment_id=assessment.pk, appointment_at=later, place="Hub"
    )
    assert assessment.follow_up == "required"
    assert assessment.follow_up_appointment.kind == "follow_up"
    assert list(assessment.notices.values_list("kind", flat=True)) == ["RA1", "RA4"]
    with pytest.raises(ApplicationError):  # decided once
        services.follow_up_cease(actor=world.users[PROV_A], assessment_id=assessment.pk)
    assessment = _attend(world, assessment, "did_not_attend", assessment.follow_up_appointment)
    breach = BreachCase.objects.get(assessment=assessment)
    assert breach.stage == "follow_up"


def test_the_assessor_may_end_the_requirement_with_ra5(world):
    assessment = _attend(world, imposed_assessment(world), "attended")
    assessment = services.follow_up_cease(actor=world.users[PROV_A], assessment_id=assessment.pk)
    assert assessment.follow_up == "ceased"
    assert assessment.notices.last().kind == "RA5"


def test_no_follow_up_decision_before_attendance_or_by_the_police(world):
    assessment = imposed_assessment(world)
    referrals.referral_accept(actor=world.users[PROV_A], referral_id=assessment.referral_id)
    with pytest.raises(ApplicationError) as early:
        services.follow_up_cease(actor=world.users[PROV_A], assessment_id=assessment.pk)
    assert early.value.status == 409
    with pytest.raises(NotFoundError):  # the officer is not the assessor
        services.follow_up_cease(actor=world.users[CUSTODY], assessment_id=assessment.pk)


def test_a_referral_rejected_before_the_assessment_cancels_it_and_tells_the_imposing_officer(
    world,
):
    assessment = imposed_assessment(world)
    before = last_sequence()
    referrals.referral_reject(
        actor=world.users[PROV_A], referral_id=assessment.referral_id, reason="Not our area"
    )
    assessment.refresh_from_db()
    assessment.initial_appointment.refresh_from_db()
    assert assessment.initial_appointment.attendance == "cancelled"
    assert assessment.initial_attendance == "cancelled"
    assert assessment.follow_up_attendance == "pending"  # there is no follow-up
    task = OfficerTask.objects.get()
    assert (task.kind, task.assigned_to, task.test) == (
        "ra_cancelled",
        world.users[CUSTODY],
        assessment.test,
    )
    assert not BreachCase.objects.exists()  # nobody failed to attend
    # The referral's step and the assessment's change, in the same transaction.
    assert events_since(before) == [
        ("alteration", "referrals.referral"),
        ("alteration", "drug_testing.requiredassessment"),
    ]
    change = AuditEvent.objects.get(
        sequence__gt=before, object_type="drug_testing.requiredassessment"
    )
    assert change.detail == {"appointment_cancelled": ["initial"], "referral": "rejected"}
    # Its time and place can no longer be varied: a stale form says why.
    with pytest.raises(ApplicationError) as refused:
        services.required_assessment_vary(
            actor=world.users[CUSTODY],
            assessment_id=assessment.pk,
            appointment_at=timezone.now() + timedelta(days=3),
            place="Hub",
            expected_version=assessment.version,
        )
    assert refused.value.status == 409
    assert "cancelled when the referral ended" in refused.value.message


def test_closing_with_the_follow_up_still_to_come_cancels_it_and_tells_the_officer(world):
    assessment = _attend(world, imposed_assessment(world), "attended")
    assessment = services.follow_up_require(
        actor=world.users[PROV_A],
        assessment_id=assessment.pk,
        appointment_at=timezone.now() + timedelta(days=7),
        place="Hub",
    )
    referrals.referral_close(
        actor=world.users[PROV_A],
        referral_id=assessment.referral_id,
        closure_reason="planned_referred_on",
    )
    assessment.refresh_from_db()
    assert (assessment.initial_attendance, assessment.follow_up_attendance) == (
        "attended",  # an answer given is kept
        "cancelled",
    )
    assert OfficerTask.objects.get().kind == "ra_cancelled"
    assert not BreachCase.objects.exists()


def test_ending_a_referral_with_no_assessment_to_come_leaves_the_assessment_alone(world):
    assessment = _attend(world, imposed_assessment(world), "attended")
    services.follow_up_cease(actor=world.users[PROV_A], assessment_id=assessment.pk)
    version = RequiredAssessment.objects.get(pk=assessment.pk).version
    referrals.referral_close(
        actor=world.users[PROV_A],
        referral_id=assessment.referral_id,
        closure_reason="planned_referred_on",
    )
    assessment.refresh_from_db()
    assert (assessment.initial_attendance, assessment.follow_up_attendance) == (
        "attended",
        "pending",  # ceased (RA5): there is no follow-up appointment to cancel
    )
    assert assessment.version == version
    assert not OfficerTask.objects.exists()


def test_the_officer_who_imposed_it_cancelling_gets_no_task_a_colleague_cancelling_gives_one(
    world,
):
    own = imposed_assessment(world)
    referrals.referral_cancel(
        actor=world.users[CUSTODY], referral_id=own.referral_id, reason="Charged and remanded"
    )
    own.refresh_from_db()
    assert own.initial_attendance == "cancelled"
    assert not OfficerTask.objects.exists()  # they know: they did it

    colleagues = imposed_assessment(world, test=positive_test(world, custody_record_number="X/2"))
    referrals.referral_cancel(
        actor=world.users[FRONTLINE], referral_id=colleagues.referral_id, reason="Duplicate"
    )
    colleagues.refresh_from_db()
    assert colleagues.initial_attendance == "cancelled"
    task = OfficerTask.objects.get()
    assert (task.kind, task.assigned_to, task.test_id) == (
        "ra_cancelled",
        world.users[CUSTODY],
        colleagues.test_id,
    )


def _correct(world, assessment, attendance, appointment=None):
    referrals.attendance_correct(
        actor=world.users[PROV_A],
        referral_id=assessment.referral_id,
        appointment_id=(appointment or assessment.initial_appointment).pk,
        attendance=attendance,
        reason="Recorded on the wrong client",
    )
    assessment.refresh_from_db()
    return assessment


def test_a_missed_assessment_corrected_to_attended_keeps_the_breach_for_the_officer_to_review(
    world,
):
    assessment = _attend(world, imposed_assessment(world), "did_not_attend")
    breach = BreachCase.objects.get()
    before = last_sequence()
    assessment = _correct(world, assessment, "attended")
    assert assessment.initial_attendance == "attended"
    # Pont does not undo a breach case (its pack, perhaps its decision): the officer reviews it.
    assert BreachCase.objects.get() == breach
    assert sorted(OfficerTask.objects.values_list("kind", flat=True)) == [
        "breach_decision",
        "ra_corrected",
    ]
    assert OfficerTask.objects.get(kind="ra_corrected").assigned_to == world.users[CUSTODY]
    assert events_since(before) == [
        ("alteration", "referrals.appointment"),
        ("alteration", "drug_testing.requiredassessment"),
    ]
    # With the attendance now right, the assessor may decide the follow-up.
    assessment = services.follow_up_cease(actor=world.users[PROV_A], assessment_id=assessment.pk)
    assert assessment.follow_up == "ceased"


def test_an_attendance_corrected_to_missed_opens_the_breach_as_a_first_answer_would(world):
    assessment = _attend(world, imposed_assessment(world), "attended")
    assessment = _correct(world, assessment, "left_early")
    assert assessment.initial_attendance == "failed_to_remain"
    breach = BreachCase.objects.get()
    assert (breach.stage, breach.failure) == ("initial", "failed_to_remain")
    assert list(OfficerTask.objects.values_list("kind", flat=True)) == ["breach_decision"]
    # A second correction, on the breach now open, goes to the officer to review.
    assessment = _correct(world, assessment, "did_not_attend")
    assert assessment.initial_attendance == "failed_to_attend"
    assert BreachCase.objects.get().failure == "failed_to_remain"  # as opened; reviewed
    assert OfficerTask.objects.filter(kind="ra_corrected").count() == 1


def test_a_breach_is_decided_with_a_reason_and_then_gets_its_court_result(world):
    _attend(world, imposed_assessment(world), "did_not_attend")
    breach = BreachCase.objects.get()
    with pytest.raises(ApplicationError) as refused:
        services.breach_decide(
            actor=world.users[INSPECTOR],
            breach_id=breach.pk,
            decision="charge",
            reason=" ",
            expected_version=breach.version,
        )
    assert "reason" in refused.value.extra["fields"]
    with pytest.raises(ApplicationError):  # no court result before a decision to charge
        services.breach_court_result_record(
            actor=world.users[INSPECTOR],
            breach_id=breach.pk,
            result="convicted",
            on=timezone.localdate(),
            expected_version=breach.version,
        )
    breach = services.breach_decide(
        actor=world.users[INSPECTOR],
        breach_id=breach.pk,
        decision="charge",
        reason="No good cause given; second failure this year.",
        expected_version=breach.version,
    )
    task = OfficerTask.objects.get(kind="breach_decision")
    assert task.done_at is not None
    assert task.done_note == "charge"  # the code, so each reader sees it in their language
    with override("cy"):
        assert task.done_said == "Cyhuddo"
    assert task.done_said == "Charge"
    breach.refresh_from_db()
    breach = services.breach_court_result_record(
        actor=world.users[INSPECTOR],
        breach_id=breach.pk,
        result="convicted",
        on=timezone.localdate(),
        note="Fine, level 2",
        expected_version=breach.version,
    )
    breach.refresh_from_db()
    assert (breach.decision, breach.court_result) == ("charge", "convicted")
    with pytest.raises(ApplicationError) as refused:  # a provider has no say in a breach
        services.breach_decide(
            actor=world.users[PROV_A],
            breach_id=breach.pk,
            decision="nfa",
            reason="x",
            expected_version=breach.version,
        )
    assert refused.value.status == 403


def test_the_evidence_pack_is_a_consultation_when_an_officer_opens_it(world):
    _attend(world, imposed_assessment(world), "did_not_attend")
    breach = BreachCase.objects.get()
    before = last_sequence()
    opened = services.evidence_pack_for(actor=world.users[CUSTODY], breach_id=breach.pk)
    assert opened.evidence_pack_sha256
    assert events_since(before) == [("consultation", "drug_testing.breachcase")]


# Quality assurance and tasks ---------------------------------------------------------


def test_the_monthly_qa_sample_is_drawn_once_and_each_review_is_recorded(world):
    for _ in range(3):
        positive_test(world)
    inspector = world.users[INSPECTOR]
    sample = services.qa_sample_draw(actor=inspector, month=timezone.localdate())
    assert sample.reviews.count() == 3  # fewer tests than the sample size: all of them
    with pytest.raises(ApplicationError):
        services.qa_sample_draw(actor=inspector, month=timezone.localdate())
    review = sample.reviews.first()
    with pytest.raises(ApplicationError) as refused:
        services.qa_review_record(actor=inspector, review_id=review.pk, finding="minor", notes="")
    assert "notes" in refused.value.extra["fields"]
    services.qa_review_record(
        actor=inspector, review_id=review.pk, finding="minor", notes="Grounds not recorded"
    )
    assert QaReview.objects.get(pk=review.pk).reviewed_by == inspector
    with pytest.raises(ApplicationError) as not_allowed:
        services.qa_sample_draw(actor=world.users[CUSTODY], month=date(2026, 1, 1))
    assert not_allowed.value.status == 403


def test_an_officer_completes_their_own_task_only(world):
    test = positive_test(world, outcome="refused", results=None, sample_taken_at=None)
    task = OfficerTask.objects.get(test=test)
    with pytest.raises(NotFoundError):
        services.task_complete(actor=world.users[INSPECTOR], task_id=task.pk, note="done")
    done = services.task_complete(
        actor=world.users[CUSTODY], task_id=task.pk, note="Charged with s.63B(8) refusal"
    )
    assert done.done_at is not None


def test_the_arrest_condition_is_refused_once_the_person_has_been_charged(world):
    suite_arranged(world)
    charged = timezone.now() - timedelta(hours=2)
    with pytest.raises(ApplicationError) as refused:
        positive_test(world, charged_at=charged)
    assert "use the charge condition" in refused.value.extra["fields"]["condition"][0]
    test = positive_test(world, condition="charge", charged_at=charged)
    assert test.charged_at == charged


def test_the_required_assessments_referral_gives_its_reason_in_english_and_welsh(world):
    """Stored text that the provider's staff read in either language (as a disposal's)."""
    assessment = imposed_assessment(world)
    reason = assessment.referral.reason
    day = f"{timezone.localdate(assessment.test.sample_taken_at):%d/%m/%Y}"
    english, welsh = reason.split("\n")
    assert english.startswith("Required Assessment after a positive test (")
    assert english.endswith(f") on {day}.")
    assert welsh.startswith("Asesiad Gofynnol ar ôl prawf positif (")
    assert welsh.endswith(f") ar {day}.")
    # The officer's own words, when given, are kept as written.
    other = imposed_assessment(world, test=positive_test(world), reason="Asked for help")
    assert other.referral.reason == "Asked for help"


def test_why_the_law_allowed_it_is_kept_in_english_and_welsh_whatever_the_officers_language(
    world,
):
    with override("cy"):  # an officer who uses Pont in Welsh
        test = positive_test(world)
    kept = {c["code"]: c for c in test.eligibility}
    assert kept["arrest_condition"]["explanation"] == "Arrested for an offence and not yet charged."
    assert kept["arrest_condition"]["explanation_cy"] not in (
        "",
        kept["arrest_condition"]["explanation"],
    )
    # The case's own values are in both: the age on the day, the offence by its name in each.
    offence = test.trigger_offence
    assert kept["trigger_offence"]["explanation"].startswith(f"{offence.label_en} is")
    assert offence.label_cy in kept["trigger_offence"]["explanation_cy"]
    assert offence.label_en not in kept["trigger_offence"]["explanation_cy"]
    age = str(test.age_on_day)
    assert kept["age"]["explanation"].startswith(f"Aged {age}")
    assert age in kept["age"]["explanation_cy"]
    assert kept["age"]["explanation_cy"] != kept["age"]["explanation"]


def test_cocaine_has_its_welsh_name_in_the_reference_data(db):
    from pont.drug_testing.models import TestedSubstance

    assert set(
        TestedSubstance.objects.filter(code="cocaine").values_list("label_cy", flat=True)
    ) == {"Cocên"}
