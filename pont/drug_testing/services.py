"""Writes for Test on Arrest and Required Assessment. Each is audited in its own transaction.

Police side: record a test (or a refusal), dispute and confirmation, impose a
Required Assessment (a statutory referral through the referral engine, with
notice RA1), vary it (RA2), decide a breach and record the court result, draw
and review the monthly quality-assurance sample, complete a task.
Provider side: the follow-up decision (RA4 or RA5). Attendance is recorded in
the referral engine; `on_referral_event` hears it and opens a breach case when
the person failed to attend or to remain.
"""

import hashlib
import random
import secrets
import uuid
from datetime import date, datetime, time, timedelta
from typing import Any, NoReturn

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import override

from pont.accounts.models import Organisation, User
from pont.accounts.reference_services import EARLIEST_DAY, START_TOO_EARLY, day_shown
from pont.accounts.roles import (
    DECIDE_BREACH,
    MANAGE_REFERENCE_DATA,
    RECORD_DRUG_TEST,
    REVIEW_DRUG_TESTS,
)
from pont.accounts.selectors import controller_ids_for, primary_controller_for
from pont.audit import services as audit
from pont.core.concurrency import update_if_version
from pont.core.exceptions import (
    NOT_ALLOWED,
    ApplicationError,
    ConflictError,
    NotFoundError,
    refuse_fields,
    require_capability,
)
from pont.core.working_days import add_working_days
from pont.directory.models import Service
from pont.people import services as people
from pont.people.models import Person
from pont.people.selectors import person_get_for_user
from pont.referrals import services as referrals
from pont.referrals.actors import Actor, actor_label
from pont.referrals.completeness import check_completeness
from pont.referrals.models import REQUIRED_ASSESSMENT_POWER, Appointment, Referral

from . import documents, selectors
from .eligibility import ARREST, CHARGE, Eligibility, Facts, assess
from .models import (
    BreachCase,
    DrugTest,
    DrugTestResult,
    Notice,
    OfficerTask,
    QaReview,
    QaSample,
    RequiredAssessment,
    SuiteArrangement,
)

Operation = audit.Operation
STATUTORY_BASIS = REQUIRED_ASSESSMENT_POWER

TEST_NOT_FOUND = _("Test record not found.")
CHECK_THE_TEST = _("Check the test details.")
TEST_NOT_ALLOWED = _("The law does not allow a test in this case:")
NOT_POSITIVE = _(
    "A Required Assessment needs a positive result that is undisputed, or confirmed by the "
    "laboratory."
)
ALREADY_IMPOSED = _("A Required Assessment has already been imposed for this test.")
IN_THE_PAST = _("The appointment must be in the future.")
ENTER_PLACE = _("Enter where the assessment will take place.")

# Which form field each condition of the eligibility engine is about.
CONDITION_FIELDS = {
    "arrest_condition": "condition",
    "charge_condition": "condition",
    "condition": "condition",
    "trigger_offence": "trigger_offence",
    "offence_basis": "trigger_offence",
    "inspector_authorisation": "authorising_inspector",
    "age": "condition",
    "notification": "custody_suite",
    "warning": "warning_given",
    "appropriate_adult": "appropriate_adult",
}
ATTENDANCE_OUTCOMES = {
    Appointment.Attendance.ATTENDED: RequiredAssessment.Attendance.ATTENDED,
    Appointment.Attendance.DID_NOT_ATTEND: RequiredAssessment.Attendance.FAILED_TO_ATTEND,
    Appointment.Attendance.LEFT_EARLY: RequiredAssessment.Attendance.FAILED_TO_REMAIN,
}


def _test_for_police(actor: User, test_id: Any, *, lock: bool = False) -> DrugTest:
    test = selectors.drug_test_get_for_user(user=actor, test_id=test_id)
    if test is None:
        raise NotFoundError(str(TEST_NOT_FOUND))
    if lock:
        test = DrugTest.objects.select_for_update().get(pk=test.pk)
    return test


# Recording a test ------------------------------------------------------------


def _assessment_reason(test: DrugTest, now: Any) -> str:
    """The referral's reason when the officer gives none: stored text the provider's staff
    read in either language, so written in both (as a disposal's condition is)."""
    positive = list(test.positive_results())
    day = f"{_local_day(test.sample_taken_at or now):%d/%m/%Y}"
    english = ", ".join(r.substance.label_en for r in positive)
    welsh = ", ".join(r.substance.label_cy or r.substance.label_en for r in positive)
    return (
        f"Required Assessment after a positive test ({english}) on {day}.\n"
        f"Asesiad Gofynnol ar ôl prawf positif ({welsh}) ar {day}."
    )


def _local_day(moment: datetime) -> date:
    return timezone.localdate(moment)


def check_eligibility(
    *,
    person: Person,
    suite: Organisation,
    on: date,
    condition: str,
    charged: bool,
    trigger_code: str = "",
    class_a_confirmed: bool = False,
    authorising_inspector: str = "",
    authorising_rank: str = "",
    authorisation_grounds: str = "",
    warning_given: bool = False,
    told_of_authorisation: bool = False,
    appropriate_adult: str = "",
) -> Eligibility:
    """The eligibility engine's answer for these facts, with the rules and lists of the day."""
    offence = selectors.trigger_offences_on(on).filter(code=trigger_code).first()
    arrangement = selectors.arrangement_for(suite=suite, day=on)
    facts = Facts(
        condition=condition,
        charged=charged,
        age=person.age_on(on),
        trigger=selectors.trigger_for(offence),
        class_a_confirmed=class_a_confirmed,
        authorising_inspector=authorising_inspector,
        authorising_rank=authorising_rank,
        authorisation_grounds=authorisation_grounds,
        notified=selectors.notified_for(arrangement, condition),
        warning_given=warning_given,
        told_of_authorisation=told_of_authorisation,
        appropriate_adult=appropriate_adult,
    )
    return assess(facts, selectors.rules_on(on))


@transaction.atomic
def drug_test_record(
    *,
    actor: User,
    custody_suite_id: int,
    custody_record_number: str,
    arrested_at: datetime,
    offences: str,
    condition: str,
    outcome: str,
    person_id: int | None = None,
    new_person: dict[str, Any] | None = None,
    charged_at: datetime | None = None,
    trigger_offence: str = "",
    class_a_confirmed: bool = False,
    authorising_inspector: str = "",
    authorising_rank: str = "",
    authorisation_grounds: str = "",
    authorised_at: datetime | None = None,
    told_of_authorisation: bool = False,
    warning_given: bool = False,
    appropriate_adult: str = "",
    sample_taken_at: datetime | None = None,
    results: dict[str, str] | None = None,
    disputed: bool = False,
    confirmatory_sent_at: datetime | None = None,
) -> DrugTest:
    """Record a test, or a refusal, that the law allows; refuse one it does not.

    The person is an existing record (`person_id`) or a new one (`new_person`:
    person_create's arguments, duplicate check included), made in the same
    transaction so a refused test leaves no half-made person behind. A refusal
    creates a task for the officer: refusing without good cause is an offence.
    """
    require_capability(actor, RECORD_DRUG_TEST)
    controller = primary_controller_for(user=actor)
    if controller is None:
        raise ApplicationError(str(NOT_ALLOWED), status=403)
    errors: dict[str, list[str]] = {}
    suite = selectors.custody_suites_for(user=actor).filter(pk=custody_suite_id).first()
    if suite is None:
        errors["custody_suite"] = [str(_("Select the custody suite."))]
    number = custody_record_number.strip().upper()
    if not number:
        errors["custody_record_number"] = [str(_("Enter the custody record number."))]
    elif (
        suite is not None
        and DrugTest.objects.filter(custody_suite=suite, custody_record_number=number).exists()
    ):
        errors["custody_record_number"] = [
            str(_("A test is already recorded for this custody record."))
        ]
    now = timezone.now()
    if arrested_at > now:
        errors["arrested_at"] = [str(_("The time of arrest cannot be in the future."))]
    if not offences.strip():
        errors["offences"] = [str(_("Enter the offences the person was arrested or charged for."))]
    if condition not in (ARREST, CHARGE):
        errors["condition"] = [str(_("Select the arrest or the charge condition."))]
    if condition == CHARGE:
        if charged_at is None:
            errors["charged_at"] = [str(_("Enter the time of charge."))]
        elif charged_at < arrested_at or charged_at > now:
            errors["charged_at"] = [
                str(_("The time of charge must be after the arrest and not in the future."))
            ]
    if outcome not in DrugTest.Outcome.values:
        errors["outcome"] = [str(_("Say whether a sample was taken or refused."))]
    if outcome == DrugTest.Outcome.TESTED:
        if sample_taken_at is None:
            errors["sample_taken_at"] = [str(_("Enter the time the sample was taken."))]
        elif sample_taken_at < arrested_at or sample_taken_at > now:
            errors["sample_taken_at"] = [
                str(_("The sample time must be after the arrest and not in the future."))
            ]
    if authorising_inspector.strip() and authorised_at is None:
        errors["authorised_at"] = [str(_("Enter when the inspector authorised the test."))]
    if authorised_at is not None and (authorised_at < arrested_at or authorised_at > now):
        errors["authorised_at"] = [
            str(_("The authorisation must be after the arrest and not in the future."))
        ]
    day = _local_day(sample_taken_at or now)
    substances = list(selectors.substances_on(day))
    clean_results: dict[str, str] = {}
    if outcome == DrugTest.Outcome.TESTED:
        for substance in substances:
            value = (results or {}).get(substance.code, "")
            if value not in DrugTestResult.Result.values:
                errors[f"result_{substance.code}"] = [
                    str(_("Enter the result for %(substance)s.") % {"substance": substance.label})
                ]
            clean_results[substance.code] = value
        if disputed and not any(
            v == DrugTestResult.Result.POSITIVE for v in clean_results.values()
        ):
            errors["disputed"] = [str(_("Only a positive result can be disputed."))]
        if confirmatory_sent_at is not None and (
            sample_taken_at is not None and confirmatory_sent_at < sample_taken_at
        ):
            errors["confirmatory_sent_at"] = [
                str(_("The confirmatory sample is sent after the sample is taken."))
            ]
    if (
        trigger_offence
        and not selectors.trigger_offences_on(day).filter(code=trigger_offence).exists()
    ):
        errors["trigger_offence"] = [str(_("Select a trigger offence from the list."))]
    if errors:
        refuse_fields(errors, CHECK_THE_TEST)
    if new_person is not None:
        person = people.person_create(actor=actor, **new_person)
    else:
        found = person_get_for_user(user=actor, person_id=person_id or 0)
        if found is None:
            raise ApplicationError(
                str(CHECK_THE_TEST), {"fields": {"person": [str(_("Select the person."))]}}
            )
        person = found
    assert suite is not None  # noqa: S101 - checked above
    eligibility = check_eligibility(
        person=person,
        suite=suite,
        on=day,
        condition=condition,
        charged=charged_at is not None,
        trigger_code=trigger_offence,
        class_a_confirmed=class_a_confirmed,
        authorising_inspector=authorising_inspector,
        authorising_rank=authorising_rank,
        authorisation_grounds=authorisation_grounds,
        warning_given=warning_given,
        told_of_authorisation=told_of_authorisation,
        appropriate_adult=appropriate_adult,
    )
    if not eligibility.allowed:
        refused: dict[str, list[str]] = {}
        for unmet in eligibility.unmet:
            field = CONDITION_FIELDS.get(unmet.code, "condition")
            refused.setdefault(field, []).append(f"{unmet.explanation} ({unmet.citation})")
        raise ApplicationError(
            str(TEST_NOT_ALLOWED), {"fields": refused, "conditions": eligibility.as_record()}
        )
    offence = selectors.trigger_offences_on(day).filter(code=trigger_offence).first()
    arrangement = selectors.arrangement_for(suite=suite, day=day)
    assert arrangement is not None  # noqa: S101 - the notification condition needs one
    test = DrugTest(
        custody_record_number=number,
        custody_suite=suite,
        controller=controller,
        person=person,
        recorded_by=actor,
        arrested_at=arrested_at,
        offences=offences.strip(),
        condition=condition,
        charged_at=charged_at if condition == CHARGE else None,
        age_on_day=person.age_on(day),
        appropriate_adult=appropriate_adult.strip(),
        trigger_offence=offence,
        class_a_confirmed=class_a_confirmed,
        authorising_inspector=authorising_inspector.strip(),
        authorising_rank=authorising_rank if authorising_inspector.strip() else "",
        authorisation_grounds=authorisation_grounds.strip(),
        authorised_at=authorised_at if authorising_inspector.strip() else None,
        arrangement=arrangement,
        warning_given=warning_given,
        outcome=outcome,
        sample_taken_at=sample_taken_at if outcome == DrugTest.Outcome.TESTED else None,
        eligibility=eligibility.as_record(),
    )
    if disputed and outcome == DrugTest.Outcome.TESTED:
        test.disputed_at = sample_taken_at
        test.confirmatory_sent_at = confirmatory_sent_at
        test.confirmation = DrugTest.Confirmation.PENDING
    test.full_clean()
    test.save()
    if outcome == DrugTest.Outcome.TESTED:
        DrugTestResult.objects.bulk_create(
            DrugTestResult(test=test, substance=s, result=clean_results[s.code]) for s in substances
        )
    else:
        OfficerTask.objects.create(
            kind=OfficerTask.Kind.REFUSAL_OFFENCE, test=test, assigned_to=actor
        )
    audit.record(
        actor=actor,
        operation=Operation.COLLECTION,
        subject=person,
        obj=test,
        detail={"outcome": outcome, "condition": condition, "disputed": test.is_disputed},
    )
    return test


@transaction.atomic
def drug_test_dispute(
    *, actor: User, test_id: Any, confirmatory_sent_at: datetime, expected_version: int
) -> DrugTest:
    """The person disputes a positive result: the sample goes for confirmatory analysis."""
    require_capability(actor, RECORD_DRUG_TEST)
    test = _test_for_police(actor, test_id, lock=True)
    if test.outcome != DrugTest.Outcome.TESTED or not test.positive_results():
        raise ApplicationError(str(_("Only a positive result can be disputed.")), status=409)
    if test.is_disputed:
        raise ApplicationError(str(_("The result is already disputed.")), status=409)
    if hasattr(test, "assessment"):
        raise ApplicationError(
            str(_("A Required Assessment has been imposed: vary or record it instead.")),
            status=409,
        )
    if test.sample_taken_at and confirmatory_sent_at < test.sample_taken_at:
        refuse_fields(
            {
                "confirmatory_sent_at": [
                    str(_("The confirmatory sample is sent after the sample is taken."))
                ]
            },
            CHECK_THE_TEST,
        )
    update_if_version(
        test,
        expected_version=expected_version,
        fields={
            "disputed_at": timezone.now(),
            "confirmatory_sent_at": confirmatory_sent_at,
            "confirmation": DrugTest.Confirmation.PENDING,
        },
    )
    audit.record(
        actor=actor,
        operation=Operation.ALTERATION,
        subject=test.person_id,
        obj=test,
        detail={"disputed": True},
    )
    return test


@transaction.atomic
def drug_test_confirmation_record(
    *, actor: User, test_id: Any, confirmed: bool, received_at: datetime, expected_version: int
) -> DrugTest:
    """The laboratory's confirmatory result for a disputed test."""
    require_capability(actor, RECORD_DRUG_TEST)
    test = _test_for_police(actor, test_id, lock=True)
    if test.confirmation != DrugTest.Confirmation.PENDING:
        raise ApplicationError(
            str(_("This test is not waiting for a confirmatory result.")), status=409
        )
    if received_at > timezone.now() or (
        test.confirmatory_sent_at and received_at < test.confirmatory_sent_at
    ):
        refuse_fields(
            {
                "received_at": [
                    str(_("The result is received after the sample is sent, not in the future."))
                ]
            },
            CHECK_THE_TEST,
        )
    update_if_version(
        test,
        expected_version=expected_version,
        fields={
            "confirmation": DrugTest.Confirmation.CONFIRMED
            if confirmed
            else DrugTest.Confirmation.NOT_CONFIRMED,
            "confirmation_received_at": received_at,
        },
    )
    audit.record(
        actor=actor,
        operation=Operation.ALTERATION,
        subject=test.person_id,
        obj=test,
        detail={"confirmed": confirmed},
    )
    return test


# Required Assessment -----------------------------------------------------------


def appointment_window(test: DrugTest) -> tuple[date | None, date | None]:
    """The earliest and latest day the initial assessment may be set for (None: no bound).

    Undisputed: no later than `initial_window_days` after the sample (guidance,
    reference data). Disputed and confirmed: no earlier than
    `disputed_min_working_days` working days after the sample was sent
    (Drugs Act 2005 s.16; Wales bank holidays count as non-working days).
    """
    sample_day = _local_day(test.sample_taken_at or timezone.now())
    if test.is_disputed and test.confirmatory_sent_at is not None:
        sent = _local_day(test.confirmatory_sent_at)
        gap = selectors.rule_value("disputed_min_working_days", sent)
        return add_working_days(sent, gap), None
    window = selectors.rule_value("initial_window_days", sample_day)
    return None, sample_day + timedelta(days=window)


def _check_appointment(test: DrugTest, appointment_at: datetime, place: str) -> None:
    errors: dict[str, list[str]] = {}
    if appointment_at <= timezone.now():
        errors["appointment_at"] = [str(IN_THE_PAST)]
    else:
        earliest, latest = appointment_window(test)
        day = _local_day(appointment_at)
        if earliest is not None and day < earliest:
            errors["appointment_at"] = [
                str(
                    _(
                        "After a disputed test the assessment must be on or after %(day)s: at "
                        "least %(n)s working days after the sample was sent."
                    )
                    % {
                        "day": earliest.strftime("%d/%m/%Y"),
                        "n": selectors.rule_value("disputed_min_working_days", earliest),
                    }
                )
            ]
        if latest is not None and day > latest:
            errors["appointment_at"] = [
                str(
                    _("The initial assessment must be on or before %(day)s.")
                    % {"day": latest.strftime("%d/%m/%Y")}
                )
            ]
    if not place.strip():
        errors["place"] = [str(ENTER_PLACE)]
    refuse_fields(errors, _("Check the appointment."))


def _phone_of(service: Service) -> str:
    phone = service.phones.first() or service.organization.phones.first()
    return phone.number if phone is not None else ""


def _bilingual(organisation: Organisation) -> documents.Bilingual:
    return documents.Bilingual(en=organisation.name, cy=organisation.name_cy or organisation.name)


def _service_names(service: Service) -> documents.Bilingual:
    return documents.Bilingual(en=service.name, cy=service.name_cy or service.name)


def _substances(test: DrugTest) -> tuple[documents.Bilingual, ...]:
    return tuple(
        documents.Bilingual(en=r.substance.label_en, cy=r.substance.label_cy)
        for r in test.positive_results()
    )


def _issuer(actor: Actor) -> str:
    if isinstance(actor, User):
        organisation = primary_controller_for(user=actor)
        name = actor.get_full_name() or actor.get_username()
        return f"{name}, {organisation.name}" if organisation else name
    return actor_label(actor)


def _notice_data(
    kind: str,
    *,
    assessment_reference: str,
    test: DrugTest,
    service: Service,
    issued_by: str,
    issued_at: datetime,
    appointment_at: datetime | None,
    place: str,
    previous: Appointment | None = None,
) -> documents.NoticeData:
    day = _local_day(issued_at)
    return documents.NoticeData(
        kind=kind,
        assessment_reference=assessment_reference,
        issued_at=issued_at,
        issued_by=issued_by,
        person_name=test.person.full_name,
        person_date_of_birth=test.person.date_of_birth,
        person_reference=test.person.reference,
        custody_record_number=test.custody_record_number,
        custody_suite=_bilingual(test.custody_suite),
        sample_taken_at=test.sample_taken_at,
        positive_substances=_substances(test),
        service_name=_service_names(service),
        service_phone=_phone_of(service),
        appointment_at=appointment_at,
        place=place,
        previous_appointment_at=previous.starts_at if previous else None,
        previous_place=previous.place if previous else "",
        confirmatory_sent_at=test.confirmatory_sent_at if test.is_disputed else None,
        penalty_months=selectors.rule_value("breach_max_imprisonment_months", day),
        penalty_fine_level=selectors.rule_value("breach_max_fine_level", day),
        disputed_min_working_days=selectors.rule_value("disputed_min_working_days", day),
    )


def _keep_notice(assessment: RequiredAssessment, data: documents.NoticeData, pdf: bytes) -> Notice:
    notice = Notice(
        assessment=assessment,
        kind=data.kind,
        issued_at=data.issued_at,
        issued_by_label=data.issued_by[:200],
        appointment_at=data.appointment_at,
        place=data.place,
        pdf=pdf,
    )
    notice.save()
    return notice


def _remember_first_attempt(test: DrugTest, complete: bool) -> None:
    """Keep, once, whether the contact details were complete at the first try (in its own
    transaction: a refused first try still counts for the quality measure)."""
    with transaction.atomic():
        DrugTest.objects.filter(pk=test.pk, ra_first_attempt_at__isnull=True).update(
            ra_first_attempt_at=timezone.now(), ra_complete_at_first_attempt=complete
        )


def required_assessment_impose(
    *,
    actor: User,
    test_id: Any,
    service_id: Any,
    appointment_at: datetime,
    place: str,
    reason: str = "",
) -> RequiredAssessment:
    """Impose a Required Assessment: a statutory referral that reaches the provider at once,
    its appointment, and notice RA1 to print and hand over in custody."""
    require_capability(actor, RECORD_DRUG_TEST)
    test = _test_for_police(actor, test_id)
    if not test.may_require_assessment:
        raise ApplicationError(str(NOT_POSITIVE), status=409)
    if RequiredAssessment.objects.filter(test=test).exists():
        raise ApplicationError(str(ALREADY_IMPOSED), status=409)
    day = timezone.localdate()
    errors: dict[str, list[str]] = {}
    if test.age_on_day < selectors.rule_value("ra_min_age", day):
        raise ApplicationError(
            str(
                _("A Required Assessment may be imposed only on someone aged %(age)s or over.")
                % {"age": selectors.rule_value("ra_min_age", day)}
            ),
            status=409,
        )
    arrangement = selectors.arrangement_for(suite=test.custody_suite, day=day)
    if arrangement is None or not arrangement.required_assessment:
        raise ApplicationError(
            str(_("No Required Assessment arrangements are notified for this suite (s.9(5)).")),
            status=409,
        )
    service = Service.objects.filter(pk=service_id).first()
    if service is None or not service.can_receive_referrals:
        errors["service"] = [str(_("Select a service that takes referrals through Pont."))]
    refuse_fields(errors, _("Check the appointment."))
    assert service is not None  # noqa: S101 - checked above
    _check_appointment(test, appointment_at, place)
    completeness = check_completeness(test.person, source_kind=Referral.Source.TEST_ON_ARREST)
    _remember_first_attempt(test, completeness.complete)
    if not completeness.complete:
        raise referrals.ContactDetailsIncomplete(
            str(_("The person's contact details must be complete before the referral is sent.")),
            {"missing": completeness.missing, "warnings": completeness.warnings},
        )
    # The notice is made before the transaction, so no lock is held while it renders.
    assessment_id = uuid.uuid4()
    now = timezone.now()
    data = _notice_data(
        Notice.Kind.RA1,
        assessment_reference=f"RA-{str(assessment_id)[:8].upper()}",
        test=test,
        service=service,
        issued_by=_issuer(actor),
        issued_at=now,
        appointment_at=appointment_at,
        place=place.strip(),
    )
    pdf = documents.notice_pdf(data)
    with transaction.atomic():
        test = _test_for_police(actor, test.pk, lock=True)
        if RequiredAssessment.objects.filter(test=test).exists():
            raise ApplicationError(str(ALREADY_IMPOSED), status=409)
        referral = referrals.referral_create(
            actor=actor,
            person_id=test.person_id,
            service_id=service.pk,
            reason=reason.strip() or _assessment_reason(test, now),
            source_kind=Referral.Source.TEST_ON_ARREST,
            source_id=str(test.pk),
            urgency=Referral.Urgency.URGENT,
            legal_basis=Referral.LegalBasis.STATUTORY,
            statutory_basis=STATUTORY_BASIS,
        )
        referrals.referral_send(actor=actor, referral_id=referral.pk)
        appointment = referrals.statutory_appointment_set(
            actor=actor, referral_id=referral.pk, starts_at=appointment_at, place=place
        )
        assessment = RequiredAssessment.objects.create(
            id=assessment_id,
            test=test,
            referral_id=referral.pk,
            imposed_by=actor,
            imposed_at=now,
            initial_appointment=appointment,
        )
        notice = _keep_notice(assessment, data, pdf)
        audit.record(
            actor=actor,
            operation=Operation.COLLECTION,
            subject=test.person_id,
            obj=assessment,
            detail={"notice": notice.kind, "referral": str(referral.pk)},
        )
    return assessment


def _assessment_for_police(actor: User, assessment_id: Any) -> RequiredAssessment:
    assessment = selectors.assessment_for_police(user=actor, assessment_id=assessment_id)
    if assessment is None:
        raise NotFoundError(str(_("Required Assessment not found.")))
    return assessment


def required_assessment_vary(
    *,
    actor: User,
    assessment_id: Any,
    appointment_at: datetime,
    place: str,
    expected_version: int,
) -> RequiredAssessment:
    """Change the time or place of the initial assessment, with notice RA2."""
    require_capability(actor, RECORD_DRUG_TEST)
    assessment = _assessment_for_police(actor, assessment_id)
    if assessment.initial_attendance == RequiredAssessment.Attendance.CANCELLED:
        raise ApplicationError(
            str(_("The appointment was cancelled when the referral ended.")), status=409
        )
    if assessment.initial_attendance != RequiredAssessment.Attendance.PENDING:
        raise ApplicationError(
            str(_("Attendance has been recorded; the appointment can no longer change.")),
            status=409,
        )
    if assessment.version != expected_version:
        raise ConflictError(str(_("Someone else changed this record. Check it and try again.")))
    test = assessment.test
    _check_appointment(test, appointment_at, place)
    previous = assessment.initial_appointment
    data = _notice_data(
        Notice.Kind.RA2,
        assessment_reference=assessment.reference,
        test=test,
        service=assessment.referral.service,
        issued_by=_issuer(actor),
        issued_at=timezone.now(),
        appointment_at=appointment_at,
        place=place.strip(),
        previous=previous,
    )
    pdf = documents.notice_pdf(data)
    with transaction.atomic():
        referrals.statutory_appointment_set(
            actor=actor,
            referral_id=assessment.referral_id,
            starts_at=appointment_at,
            place=place,
            appointment_id=previous.pk,
        )
        update_if_version(assessment, expected_version=expected_version, fields={})
        notice = _keep_notice(assessment, data, pdf)
        audit.record(
            actor=actor,
            operation=Operation.ALTERATION,
            subject=test.person_id,
            obj=assessment,
            detail={"notice": notice.kind},
        )
    return assessment


def _assessment_for_provider(actor: Actor, assessment_id: Any) -> RequiredAssessment:
    assessment = selectors.assessment_for_provider(user=actor, assessment_id=assessment_id)
    if assessment is None:
        raise NotFoundError(str(_("Required Assessment not found.")))
    return assessment


def _check_follow_up_open(assessment: RequiredAssessment) -> None:
    if assessment.initial_attendance != RequiredAssessment.Attendance.ATTENDED:
        raise ApplicationError(
            str(_("Record that the person attended the initial assessment first.")), status=409
        )
    if assessment.follow_up:
        raise ApplicationError(str(_("The follow-up has already been decided.")), status=409)


def follow_up_require(
    *, actor: Actor, assessment_id: Any, appointment_at: datetime, place: str
) -> RequiredAssessment:
    """The initial assessor requires a follow-up assessment (s.13), with notice RA4."""
    assessment = _assessment_for_provider(actor, assessment_id)
    _check_follow_up_open(assessment)
    errors: dict[str, list[str]] = {}
    if appointment_at <= timezone.now():
        errors["appointment_at"] = [str(IN_THE_PAST)]
    if not place.strip():
        errors["place"] = [str(ENTER_PLACE)]
    refuse_fields(errors, _("Check the appointment."))
    data = _notice_data(
        Notice.Kind.RA4,
        assessment_reference=assessment.reference,
        test=assessment.test,
        service=assessment.referral.service,
        issued_by=_issuer(actor),
        issued_at=timezone.now(),
        appointment_at=appointment_at,
        place=place.strip(),
    )
    pdf = documents.notice_pdf(data)
    with transaction.atomic():
        locked = RequiredAssessment.objects.select_for_update().get(pk=assessment.pk)
        _check_follow_up_open(locked)
        appointment = referrals.appointment_book(
            actor=actor,
            referral_id=assessment.referral_id,
            starts_at=appointment_at,
            place=place,
            kind=Appointment.Kind.FOLLOW_UP,
        )
        update_if_version(
            locked,
            expected_version=locked.version,
            fields={
                "follow_up": RequiredAssessment.FollowUp.REQUIRED,
                "follow_up_appointment": appointment,
            },
        )
        notice = _keep_notice(locked, data, pdf)
        audit.record(
            actor=actor,
            operation=Operation.COLLECTION,
            subject=assessment.test.person_id,
            obj=locked,
            detail={"notice": notice.kind},
        )
    return locked


def follow_up_cease(*, actor: Actor, assessment_id: Any) -> RequiredAssessment:
    """The initial assessor says no follow-up is needed: the requirement ceases (RA5)."""
    assessment = _assessment_for_provider(actor, assessment_id)
    _check_follow_up_open(assessment)
    data = _notice_data(
        Notice.Kind.RA5,
        assessment_reference=assessment.reference,
        test=assessment.test,
        service=assessment.referral.service,
        issued_by=_issuer(actor),
        issued_at=timezone.now(),
        appointment_at=None,
        place="",
    )
    pdf = documents.notice_pdf(data)
    with transaction.atomic():
        locked = RequiredAssessment.objects.select_for_update().get(pk=assessment.pk)
        _check_follow_up_open(locked)
        update_if_version(
            locked,
            expected_version=locked.version,
            fields={"follow_up": RequiredAssessment.FollowUp.CEASED},
        )
        notice = _keep_notice(locked, data, pdf)
        audit.record(
            actor=actor,
            operation=Operation.COLLECTION,
            subject=assessment.test.person_id,
            obj=locked,
            detail={"notice": notice.kind},
        )
    return locked


def notice_for(*, actor: Actor, notice_id: int) -> Notice:
    """A notice's PDF, for the force's officers or the assessment's provider; a consultation."""
    notice = Notice.objects.select_related("assessment__test").filter(pk=notice_id).first()
    if notice is None:
        raise NotFoundError(str(_("Notice not found.")))
    police = isinstance(actor, User) and selectors.assessment_for_police(
        user=actor, assessment_id=notice.assessment_id
    )
    provider = selectors.assessment_for_provider(user=actor, assessment_id=notice.assessment_id)
    if not police and provider is None:
        raise NotFoundError(str(_("Notice not found.")))
    with transaction.atomic():
        audit.record(
            actor=actor,
            operation=Operation.CONSULTATION,
            subject=notice.assessment.test.person_id,
            obj=notice,
            detail={"notice": notice.kind},
        )
    return notice


# Attendance and breach ---------------------------------------------------------


def on_referral_event(
    referral: Referral, action: str, actor: Actor, detail: dict[str, Any]
) -> None:
    """The referral engine's hook: attendance at a Required Assessment appointment (RA3).

    Runs inside the engine's transaction. A failure to attend or to remain opens
    a breach case for the police, with a task for the officer who imposed it. A
    referral that ends with the assessment's appointment still to come cancels it
    (the engine's `appointments_cancelled`): the assessment says so, and the officer
    who imposed it gets a task, since nobody can now attend or fail to.
    """
    if action in _ENDINGS:
        _appointment_cancelled(referral, action, actor, detail)
        return
    if action not in ("attendance_recorded", "attendance_corrected"):
        return
    assessment = _assessment_locked(referral)
    if assessment is None:
        return
    outcome = ATTENDANCE_OUTCOMES.get(detail.get("attendance", ""))
    if outcome is None:
        return
    found = [
        (field, stage)
        for field, appointment_id, stage in _stages(assessment)
        if appointment_id == detail.get("appointment")
    ]
    if not found:  # an appointment the provider booked, not the assessment's
        return
    [(field, stage)] = found
    update_if_version(assessment, expected_version=assessment.version, fields={field: outcome})
    opened = BreachCase.objects.filter(assessment=assessment, stage=stage).exists()
    if action == "attendance_corrected" and opened:
        # A breach opened on the first answer (every failure opens one): the officer reviews
        # it with the correction; Pont neither closes a breach nor undoes a decision, and the
        # breach case and its evidence pack stay as they were made.
        _attendance_corrected(assessment, stage, actor, detail)
        return
    if outcome == RequiredAssessment.Attendance.ATTENDED or opened:
        return
    _breach_open(assessment, stage, outcome, actor)  # a first failure, or one corrected to


def _assessment_locked(referral: Referral) -> RequiredAssessment | None:
    """The Required Assessment the referral delivers, locked, or None (any other referral)."""
    return (
        RequiredAssessment.objects.select_for_update()
        .select_related("test")
        .filter(referral=referral)
        .first()
    )


def _stages(assessment: RequiredAssessment) -> list[tuple[str, int | None, str]]:
    """Each stage's attendance field, appointment and breach stage (s.12 initial, s.14
    follow-up)."""
    return [
        ("initial_attendance", assessment.initial_appointment_id, BreachCase.Stage.INITIAL),
        ("follow_up_attendance", assessment.follow_up_appointment_id, BreachCase.Stage.FOLLOW_UP),
    ]


def _task_for_imposer(assessment: RequiredAssessment, kind: str) -> None:
    """A task for the officer who imposed the assessment."""
    OfficerTask.objects.create(kind=kind, test=assessment.test, assigned_to=assessment.imposed_by)


def _attendance_corrected(
    assessment: RequiredAssessment, stage: str, actor: Actor, detail: dict[str, Any]
) -> None:
    _task_for_imposer(assessment, OfficerTask.Kind.RA_ATTENDANCE_CORRECTED)
    audit.record(
        actor=actor,
        operation=Operation.ALTERATION,
        subject=assessment.test.person_id,
        obj=assessment,
        detail={
            "attendance_corrected": stage,
            "attendance": detail.get("attendance"),
            "was": detail.get("was"),
        },
    )


def _breach_open(assessment: RequiredAssessment, stage: str, outcome: str, actor: Actor) -> None:
    """Open the breach case of a failure to attend or remain, with the officer's task."""
    breach = BreachCase.objects.create(
        assessment=assessment,
        stage=stage,
        failure=BreachCase.Failure.FAILED_TO_ATTEND
        if outcome == RequiredAssessment.Attendance.FAILED_TO_ATTEND
        else BreachCase.Failure.FAILED_TO_REMAIN,
        opened_at=timezone.now(),
    )
    _task_for_imposer(assessment, OfficerTask.Kind.BREACH_DECISION)
    audit.record(
        actor=actor,
        operation=Operation.COLLECTION,
        subject=assessment.test.person_id,
        obj=breach,
        detail={"stage": stage, "failure": breach.failure},
    )
    transaction.on_commit(lambda: _queue_pack(breach.pk))


# The referral's steps that end it; each lists in `appointments_cancelled` the appointments
# still to come that ending it cancelled (referrals.services._appointments_cancelled).
_ENDINGS = frozenset({"closed", "rejected", "cancelled"})


def _appointment_cancelled(
    referral: Referral, action: str, actor: Actor, detail: dict[str, Any]
) -> None:
    cancelled = set(detail.get("appointments_cancelled", ()))
    if not cancelled:
        return
    assessment = _assessment_locked(referral)
    if assessment is None:
        return
    pending = RequiredAssessment.Attendance.PENDING
    stages = [
        (field, stage)
        for field, appointment_id, stage in _stages(assessment)
        if appointment_id in cancelled and getattr(assessment, field) == pending
    ]
    if not stages:
        return
    update_if_version(
        assessment,
        expected_version=assessment.version,
        fields={field: RequiredAssessment.Attendance.CANCELLED for field, _stage in stages},
    )
    if actor != assessment.imposed_by:  # the officer who ended it knows already
        _task_for_imposer(assessment, OfficerTask.Kind.RA_APPOINTMENT_CANCELLED)
    audit.record(
        actor=actor,
        operation=Operation.ALTERATION,
        subject=assessment.test.person_id,
        obj=assessment,
        detail={"appointment_cancelled": [stage for _field, stage in stages], "referral": action},
    )


def _queue_pack(breach_id: Any) -> None:
    from .tasks import build_evidence_pack

    build_evidence_pack.enqueue(str(breach_id))


def _timeline(assessment: RequiredAssessment) -> tuple[documents.TimelineEntry, ...]:
    from pont.referrals.models import ReferralEvent

    with override("en"):
        found = ", ".join(
            f"{r.substance.label_en} {r.result}" for r in assessment.test.results.all()
        )
        entries = [
            documents.TimelineEntry(
                at=assessment.test.sample_taken_at or assessment.test.created_at,
                what=f"Sample taken: {found}",
                who=assessment.test.recorded_by.get_full_name(),
            )
        ]
        entries += [
            documents.TimelineEntry(at=e.at, what=e.kind.replace("_", " "), who=e.actor_label)
            for e in ReferralEvent.objects.filter(referral_id=assessment.referral_id)
        ]
        entries += [
            documents.TimelineEntry(
                at=n.issued_at, what=f"Notice {n.kind} issued", who=n.issued_by_label
            )
            for n in assessment.notices.all()
        ]
    return tuple(sorted(entries, key=lambda e: e.at))


def evidence_pack_build(breach_id: Any) -> BreachCase:
    """Assemble the breach evidence pack and keep it with the case (system task, idempotent)."""
    breach = (
        BreachCase.objects.select_related(
            "assessment__test__person",
            "assessment__test__custody_suite",
            "assessment__referral__service",
            "assessment__initial_appointment",
            "assessment__follow_up_appointment",
            "assessment__imposed_by",
        )
        .filter(pk=breach_id)
        .first()
    )
    if breach is None:
        raise NotFoundError(str(_("Breach case not found.")))
    if breach.evidence_pack_sha256:
        return breach
    assessment = breach.assessment
    test = assessment.test
    appointment = (
        assessment.initial_appointment
        if breach.stage == BreachCase.Stage.INITIAL
        else assessment.follow_up_appointment
    )
    assert appointment is not None  # noqa: S101 - a follow-up breach has its appointment
    from pont.referrals.models import ReferralEvent

    recorded = (
        ReferralEvent.objects.filter(
            referral_id=assessment.referral_id,
            kind="attendance_recorded",
            detail__appointment=appointment.pk,
        )
        .order_by("-at")
        .first()
    )
    with override("en"):
        data = documents.BreachPackData(
            breach_reference=breach.reference,
            section="s.12" if breach.stage == BreachCase.Stage.INITIAL else "s.14",
            failure=breach.failure,
            opened_at=breach.opened_at,
            assessment_reference=assessment.reference,
            person_name=test.person.full_name,
            person_date_of_birth=test.person.date_of_birth,
            person_reference=test.person.reference,
            custody_record_number=test.custody_record_number,
            custody_suite=test.custody_suite.name,
            sample_taken_at=test.sample_taken_at,
            positive_substances=tuple(r.substance.label_en for r in test.positive_results()),
            imposed_by=_issuer(assessment.imposed_by),
            imposed_at=assessment.imposed_at,
            service_name=assessment.referral.service.name,
            appointment_at=appointment.starts_at,
            place=appointment.place,
            attendance=str(appointment.get_attendance_display()),
            attendance_recorded_at=appointment.attendance_recorded_at,
            attendance_recorded_by=recorded.actor_label if recorded else "",
            notices=tuple(
                documents.ServedNotice(
                    kind=n.kind,
                    issued_at=n.issued_at,
                    issued_by=n.issued_by_label,
                    sha256=n.sha256,
                    pdf=bytes(n.pdf),
                )
                for n in assessment.notices.all()
            ),
            timeline=_timeline(assessment),
            made_at=timezone.now(),
        )
    pdf = documents.breach_pack_pdf(data)
    with transaction.atomic():
        BreachCase.objects.filter(pk=breach.pk, evidence_pack_sha256="").update(
            evidence_pack=pdf,
            evidence_pack_sha256=hashlib.sha256(pdf).hexdigest(),
            evidence_pack_made_at=data.made_at,
        )
    breach.refresh_from_db()
    return breach


def evidence_pack_for(*, actor: User, breach_id: Any) -> BreachCase:
    """The pack for an officer (built now if the task has not run yet); a consultation."""
    breach = selectors.breach_get_for_user(user=actor, breach_id=breach_id)
    if breach is None:
        raise NotFoundError(str(_("Breach case not found.")))
    breach = evidence_pack_build(breach.pk)
    with transaction.atomic():
        audit.record(
            actor=actor,
            operation=Operation.CONSULTATION,
            subject=breach.assessment.test.person_id,
            obj=breach,
            detail={"evidence_pack": breach.evidence_pack_sha256},
        )
    return breach


@transaction.atomic
def breach_decide(
    *, actor: User, breach_id: Any, decision: str, reason: str, expected_version: int
) -> BreachCase:
    """Charge, no further action, or other: with the reason, and the task done."""
    require_capability(actor, DECIDE_BREACH)
    breach = selectors.breach_get_for_user(user=actor, breach_id=breach_id)
    if breach is None:
        raise NotFoundError(str(_("Breach case not found.")))
    errors: dict[str, list[str]] = {}
    if decision not in (c for c in BreachCase.Decision.values if c):
        errors["decision"] = [str(_("Select a decision."))]
    if not reason.strip():
        errors["reason"] = [str(_("Give the reason for the decision."))]
    refuse_fields(errors, _("Check the decision."))
    if breach.decision:
        raise ApplicationError(str(_("A decision has already been recorded.")), status=409)
    now = timezone.now()
    update_if_version(
        breach,
        expected_version=expected_version,
        fields={
            "decision": decision,
            "decision_reason": reason.strip(),
            "decided_by": actor,
            "decided_at": now,
        },
    )
    OfficerTask.objects.filter(
        test=breach.assessment.test, kind=OfficerTask.Kind.BREACH_DECISION, done_at__isnull=True
    ).update(done_at=now, done_note=decision)  # the code: shown in the reader's language
    audit.record(
        actor=actor,
        operation=Operation.ALTERATION,
        subject=breach.assessment.test.person_id,
        obj=breach,
        detail={"decision": decision},
    )
    return breach


@transaction.atomic
def breach_court_result_record(
    *,
    actor: User,
    breach_id: Any,
    result: str,
    on: date,
    note: str = "",
    expected_version: int,
) -> BreachCase:
    require_capability(actor, DECIDE_BREACH)
    breach = selectors.breach_get_for_user(user=actor, breach_id=breach_id)
    if breach is None:
        raise NotFoundError(str(_("Breach case not found.")))
    if breach.decision != BreachCase.Decision.CHARGE:
        raise ApplicationError(str(_("A court result follows a decision to charge.")), status=409)
    errors: dict[str, list[str]] = {}
    if result not in (c for c in BreachCase.CourtResult.values if c):
        errors["result"] = [str(_("Select the court result."))]
    if on > timezone.localdate() or (breach.decided_at and on < _local_day(breach.decided_at)):
        errors["on"] = [str(_("The date must be after the decision and not in the future."))]
    refuse_fields(errors, _("Check the court result."))
    update_if_version(
        breach,
        expected_version=expected_version,
        fields={"court_result": result, "court_result_on": on, "court_result_note": note.strip()},
    )
    audit.record(
        actor=actor,
        operation=Operation.ALTERATION,
        subject=breach.assessment.test.person_id,
        obj=breach,
        detail={"court_result": result},
    )
    return breach


@transaction.atomic
def task_complete(*, actor: User, task_id: int, note: str) -> OfficerTask:
    task = selectors.tasks_for(user=actor).filter(pk=task_id).first()
    if task is None:
        raise NotFoundError(str(_("Task not found.")))
    if task.done_at is not None:
        raise ApplicationError(str(_("This task is already done.")), status=409)
    if not note.strip():
        refuse_fields({"note": [str(_("Say what was done."))]}, _("Check the task."))
    OfficerTask.objects.filter(pk=task.pk).update(done_at=timezone.now(), done_note=note.strip())
    task.refresh_from_db()
    audit.record(
        actor=actor,
        operation=Operation.ALTERATION,
        subject=task.test.person_id,
        obj=task,
        detail={"task": task.kind},
    )
    return task


# Quality assurance ---------------------------------------------------------------


def _month_start(day: date) -> date:
    return day.replace(day=1)


@transaction.atomic
def qa_sample_draw(*, actor: User, month: date) -> QaSample:
    """Draw the month's random sample of the force's test records (once per month).

    The seed is kept so that anyone can repeat the draw and check it.
    """
    require_capability(actor, REVIEW_DRUG_TESTS)
    controller = primary_controller_for(user=actor)
    if controller is None or controller.pk not in controller_ids_for(user=actor):
        raise ApplicationError(str(NOT_ALLOWED), status=403)
    start = _month_start(month)
    if start > _month_start(timezone.localdate()):
        refuse_fields(
            {"month": [str(_("Choose this month or an earlier one."))]}, _("Check the month.")
        )
    if QaSample.objects.filter(controller=controller, month=start).exists():
        raise ApplicationError(str(_("This month has already been sampled.")), status=409)
    end = (start + timedelta(days=32)).replace(day=1)
    candidates = sorted(
        DrugTest.objects.filter(
            controller=controller, created_at__date__gte=start, created_at__date__lt=end
        ).values_list("pk", flat=True),
        key=str,
    )
    seed = secrets.token_hex(16)
    size = selectors.rule_value("qa_sample_size", start)
    chosen = random.Random(seed).sample(candidates, min(size, len(candidates)))  # noqa: S311
    sample = QaSample.objects.create(controller=controller, month=start, drawn_by=actor, seed=seed)
    QaReview.objects.bulk_create(QaReview(sample=sample, test_id=pk) for pk in chosen)
    audit.record(
        actor=actor,
        operation=Operation.CONSULTATION,
        obj=sample,
        detail={"month": start.isoformat(), "sampled": len(chosen), "of": len(candidates)},
    )
    return sample


@transaction.atomic
def qa_review_record(*, actor: User, review_id: int, finding: str, notes: str) -> QaReview:
    require_capability(actor, REVIEW_DRUG_TESTS)
    review = (
        QaReview.objects.select_for_update()
        .filter(pk=review_id, sample__in=selectors.qa_samples_visible_to(user=actor))
        .select_related("test")
        .first()
    )
    if review is None:
        raise NotFoundError(str(_("Review not found.")))
    errors: dict[str, list[str]] = {}
    if finding not in (c for c in QaReview.Finding.values if c):
        errors["finding"] = [str(_("Select a finding."))]
    if finding in (QaReview.Finding.MINOR, QaReview.Finding.SERIOUS) and not notes.strip():
        errors["notes"] = [str(_("Describe the issue found."))]
    refuse_fields(errors, _("Check the review."))
    QaReview.objects.filter(pk=review.pk).update(
        finding=finding, notes=notes.strip(), reviewed_by=actor, reviewed_at=timezone.now()
    )
    review.refresh_from_db()
    audit.record(
        actor=actor,
        operation=Operation.CONSULTATION,
        subject=review.test.person_id,
        obj=review.test,
        detail={"qa_finding": finding},
    )
    return review


# Suites' notified testing arrangements (reference data per suite and date) -----------
#
# PACE s.63B(4) and Drugs Act 2005 s.9(5)-(6): a test, and a Required Assessment,
# are lawful at a suite only while the Secretary of State has notified the force
# that arrangements are available there. The notifications change, so they are
# dated rows that the system administrator keeps, not code.

SUITE_NOT_FOUND = _("Custody suite not found.")
CHECK_THE_ARRANGEMENT = _("Check the arrangement.")
ARRANGEMENT_START_REQUIRED = _("Enter the date the arrangement starts")
ARRANGEMENT_SOURCE_REQUIRED = _(
    "Enter the source: the notification to the force, with its date or reference"
)
ARRANGEMENT_NOT_AFTER_LATEST = _(
    "An arrangement for %(suite)s already starts on %(date)s: the new arrangement must "
    "start after that day"
)
ARRANGEMENT_TESTS_RELIED = _(
    "A test at %(suite)s on %(date)s relied on the arrangement in force that day: the new "
    "arrangement must start after that day"
)
ARRANGEMENT_CHANGED = _(
    "Someone else changed this suite's arrangements at the same time: check them and try again"
)


@transaction.atomic
def suite_arrangement_add(
    *,
    actor: User,
    suite_id: int,
    effective_from: date | None,
    arrest_condition: bool,
    charge_condition: bool,
    required_assessment: bool,
    source: str,
) -> SuiteArrangement:
    """Start a suite's new notified arrangement; the one in force then ends the day before.

    The new arrangement starts after every earlier one of the suite (history is
    not rewritten) and after the last test recorded at the suite, which relied
    on the arrangement of its day. No condition notified is allowed: it records
    that the arrangements were withdrawn.
    """
    require_capability(actor, MANAGE_REFERENCE_DATA)
    found = selectors.arrangement_suite_get_for_user(user=actor, suite_id=suite_id)
    if found is None:
        raise NotFoundError(str(SUITE_NOT_FOUND))
    # Lock the suite: two administrators adding to the same suite queue up (PostgreSQL;
    # SQLite's IMMEDIATE transactions serialise writers anyway).
    suite = Organisation.objects.select_for_update().get(pk=found.pk)
    source = source.strip()
    errors: dict[str, list[str]] = {}
    if effective_from is None:
        errors["effective_from"] = [str(ARRANGEMENT_START_REQUIRED)]
    elif effective_from < EARLIEST_DAY:
        errors["effective_from"] = [str(START_TOO_EARLY)]
    if not source:
        errors["source"] = [str(ARRANGEMENT_SOURCE_REQUIRED)]
    refuse_fields(errors, CHECK_THE_ARRANGEMENT)
    assert effective_from is not None  # noqa: S101 - narrowed by the refusal above

    def refuse(message: str) -> NoReturn:
        raise ApplicationError(message, {"fields": {"effective_from": [message]}})

    arrangements = list(
        SuiteArrangement.objects.select_for_update().filter(suite=suite).order_by("effective_from")
    )
    latest = arrangements[-1] if arrangements else None
    if latest is not None and effective_from <= latest.effective_from:
        refuse(
            str(ARRANGEMENT_NOT_AFTER_LATEST)
            % {"suite": suite.display_name, "date": day_shown(latest.effective_from)}
        )
    # A recorded test names the arrangement of its day: a start on or before it would
    # leave the test relying on an arrangement that, on the record, had already ended.
    last_test = (
        DrugTest.objects.filter(custody_suite=suite)
        .annotate(moment=Coalesce("sample_taken_at", "created_at"))
        .filter(moment__gte=timezone.make_aware(datetime.combine(effective_from, time.min)))
        .aggregate(last=Max("moment"))["last"]
    )
    if last_test is not None:
        refuse(
            str(ARRANGEMENT_TESTS_RELIED)
            % {"suite": suite.display_name, "date": day_shown(timezone.localdate(last_test))}
        )

    arrangement = SuiteArrangement(
        suite=suite,
        effective_from=effective_from,
        arrest_condition=arrest_condition,
        charge_condition=charge_condition,
        required_assessment=required_assessment,
        source=source,
    )
    try:
        arrangement.full_clean()
    except ValidationError as error:
        raise ApplicationError(str(CHECK_THE_ARRANGEMENT), {"fields": error.message_dict}) from None

    day_before = effective_from - timedelta(days=1)
    for earlier in arrangements:
        if earlier.effective_to is not None and earlier.effective_to < effective_from:
            continue
        previous_end = earlier.effective_to
        earlier.effective_to = day_before
        earlier.save(update_fields=["effective_to", "updated_at"])
        audit.record(
            actor=actor,
            operation=Operation.ALTERATION,
            obj=earlier,
            detail={
                "suite": suite.pk,
                "effective_to": day_before.isoformat(),
                "previous_effective_to": previous_end.isoformat() if previous_end else None,
                "superseded": True,
            },
        )
    try:
        with transaction.atomic():
            arrangement.save()
    except IntegrityError:
        refuse(str(ARRANGEMENT_CHANGED))
    audit.record(
        actor=actor,
        operation=Operation.COLLECTION,
        obj=arrangement,
        detail={
            "suite": suite.pk,
            "effective_from": effective_from.isoformat(),
            "arrest_condition": arrest_condition,
            "charge_condition": charge_condition,
            "required_assessment": required_assessment,
        },
    )
    return arrangement
