"""Test on Arrest and Required Assessment (PACE 1984 ss.63B-63C; Drugs Act 2005 Part 3).

A custody officer records a `DrugTest`: why the law allowed it (the trigger
offence or an inspector's authorisation, the condition, the person's age, the
suite's notified arrangements), the sample and a result per specified
substance, or a refusal. A positive result (undisputed, or confirmed by the
laboratory) lets the officer impose a `RequiredAssessment`: a statutory
referral to a treatment provider with an appointment, served on the person as
notice RA1 (varied by RA2). The provider records attendance (RA3) and whether
a follow-up is required (RA4) or the requirement ceases (RA5). Failing to
attend or to remain opens a `BreachCase` for the police, with its evidence pack.

The numbers and lists the law sets (ages, trigger offences, tested drugs,
windows in working days) are dated reference data, not code: they change.
"""

import hashlib
import uuid
from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from pont.core.models import (
    ReferenceData,
    TimeStampedModel,
    VersionedModel,
    reference_data_constraints,
)


class TriggerOffence(ReferenceData):
    """An offence in CJCSA 2000 Schedule 6: arrest for one allows a test without authorisation."""

    act = models.CharField(_("Act"), max_length=120)
    section = models.CharField(_("section"), max_length=40)
    # Misuse of Drugs Act offences trigger only "if committed in respect of a specified
    # Class A drug".
    class_a_only = models.BooleanField(
        _("only in respect of a specified Class A drug"), default=False
    )

    class Meta(ReferenceData.Meta):
        verbose_name = _("trigger offence")
        verbose_name_plural = _("trigger offences")
        constraints = reference_data_constraints("trigger_offence")


class TestedSubstance(ReferenceData):
    """A specified Class A drug the test looks for (cocaine; opiates, i.e. heroin)."""

    class Meta(ReferenceData.Meta):
        verbose_name = _("tested substance")
        verbose_name_plural = _("tested substances")
        constraints = reference_data_constraints("tested_substance")


class DrugTestingRule(ReferenceData):
    """A number the law or guidance sets, dated so that a change needs no new code.

    Codes: arrest_min_age, charge_min_age, appropriate_adult_under_age,
    initial_window_days (latest initial assessment after the test, calendar days),
    disputed_min_working_days (earliest appointment after a disputed sample is
    sent), confirmatory_result_working_days, qa_sample_size.
    """

    value = models.PositiveIntegerField(_("value"))

    class Meta(ReferenceData.Meta):
        verbose_name = _("drug testing rule")
        verbose_name_plural = _("drug testing rules")
        constraints = reference_data_constraints("drug_testing_rule")


class SuiteArrangementQuerySet(models.QuerySet["SuiteArrangement"]):
    def effective_on(self, day: date) -> "SuiteArrangementQuerySet":
        return self.filter(effective_from__lte=day).filter(
            Q(effective_to__isnull=True) | Q(effective_to__gte=day)
        )


class SuiteArrangement(TimeStampedModel):
    """The notification condition (PACE s.63B(4)): testing arrangements notified for a suite.

    Dated like reference data: a suite's arrangements start and may end, and a
    test records the arrangement it relied on.
    """

    suite = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("custody suite"),
        on_delete=models.PROTECT,
        related_name="drug_testing_arrangements",
    )
    arrest_condition = models.BooleanField(_("testing on arrest notified"), default=True)
    charge_condition = models.BooleanField(_("testing on charge notified"), default=True)
    # Drugs Act 2005 s.9(5)-(6): arrangements for initial assessments notified for the suite.
    required_assessment = models.BooleanField(_("Required Assessment notified"), default=True)
    effective_from = models.DateField(_("effective from"))
    effective_to = models.DateField(_("effective to"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=500)

    objects = SuiteArrangementQuerySet.as_manager()

    class Meta:
        verbose_name = _("suite testing arrangement")
        ordering = ["suite", "effective_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["suite", "effective_from"], name="suite_arrangement_unique"
            ),
            models.CheckConstraint(
                condition=Q(effective_to__isnull=True)
                | Q(effective_to__gte=models.F("effective_from")),
                name="suite_arrangement_period_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.suite} from {self.effective_from}"


class DrugTest(TimeStampedModel, VersionedModel):
    """One test (or refusal) in custody, with everything that made it lawful."""

    class Condition(models.TextChoices):
        ARREST = "arrest", _("Arrest condition (not yet charged)")
        CHARGE = "charge", _("Charge condition (charged)")

    class Outcome(models.TextChoices):
        TESTED = "tested", _("Sample taken")
        REFUSED = "refused", _("Refused to give a sample")

    class Confirmation(models.TextChoices):
        NOT_DISPUTED = "", _("Not disputed")
        PENDING = "pending", _("Sent for confirmation")
        CONFIRMED = "confirmed", _("Confirmed positive")
        NOT_CONFIRMED = "not_confirmed", _("Not confirmed")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    custody_record_number = models.CharField(_("custody record number"), max_length=30)
    custody_suite = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("custody suite"),
        on_delete=models.PROTECT,
        related_name="drug_tests",
    )
    # The force whose record this is: scopes who may see it.
    controller = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    person = models.ForeignKey(
        "people.Person",
        verbose_name=_("person"),
        on_delete=models.PROTECT,
        related_name="drug_tests",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="drug_tests_recorded"
    )
    arrested_at = models.DateTimeField(_("time of arrest"))
    offences = models.TextField(_("offences"))
    condition = models.CharField(_("condition"), max_length=8, choices=Condition.choices)
    charged_at = models.DateTimeField(_("time of charge"), null=True, blank=True)
    age_on_day = models.PositiveSmallIntegerField(_("age on the day"))
    appropriate_adult = models.CharField(_("appropriate adult"), max_length=200, blank=True)
    trigger_offence = models.ForeignKey(
        TriggerOffence,
        verbose_name=_("trigger offence"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    class_a_confirmed = models.BooleanField(
        _("the drugs offence concerns a specified Class A drug"), default=False
    )
    authorising_inspector = models.CharField(_("authorising inspector"), max_length=200, blank=True)
    authorising_rank = models.CharField(_("rank"), max_length=40, blank=True)
    authorisation_grounds = models.TextField(_("grounds for authorisation"), blank=True)
    authorised_at = models.DateTimeField(_("time of authorisation"), null=True, blank=True)
    arrangement = models.ForeignKey(
        SuiteArrangement,
        verbose_name=_("notified arrangement relied on"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    warning_given = models.BooleanField(_("warned that refusal is an offence"), default=False)
    outcome = models.CharField(_("outcome"), max_length=8, choices=Outcome.choices)
    sample_taken_at = models.DateTimeField(_("time of sample"), null=True, blank=True)
    # The eligibility engine's answer when the test was recorded: reasons with citations.
    eligibility = models.JSONField(_("why the test was allowed"), default=list)
    disputed_at = models.DateTimeField(_("result disputed at"), null=True, blank=True)
    confirmatory_sent_at = models.DateTimeField(
        _("confirmatory sample sent"), null=True, blank=True
    )
    confirmation = models.CharField(
        _("confirmatory analysis"),
        max_length=14,
        choices=Confirmation.choices,
        default=Confirmation.NOT_DISPUTED,
        blank=True,
    )
    confirmation_received_at = models.DateTimeField(
        _("confirmatory result received"), null=True, blank=True
    )
    # The first try at imposing a Required Assessment, and whether the person's contact
    # details were complete then (the quality measure the report asks for).
    ra_first_attempt_at = models.DateTimeField(null=True, blank=True)
    ra_complete_at_first_attempt = models.BooleanField(null=True, blank=True)

    class Meta:
        verbose_name = _("drug test")
        ordering = ["-sample_taken_at", "-created_at"]
        permissions = [
            ("record_drug_test", _("Record drug tests in custody and impose Required Assessments")),
            ("view_drug_testing_dashboard", _("See the custody drug testing dashboard")),
            ("review_drug_tests", _("Review sampled drug tests for quality assurance")),
            ("decide_breach", _("Decide and record the outcome of Required Assessment breaches")),
        ]
        default_permissions = ()
        constraints = [
            models.UniqueConstraint(
                fields=["custody_suite", "custody_record_number"],
                name="drug_test_custody_record_unique",
            ),
            models.CheckConstraint(
                condition=Q(outcome="refused") | Q(sample_taken_at__isnull=False),
                name="drug_test_sample_time_when_tested",
            ),
            models.CheckConstraint(
                condition=Q(trigger_offence__isnull=False) | ~Q(authorising_inspector=""),
                name="drug_test_trigger_or_authorised",
            ),
        ]
        indexes = [
            models.Index(fields=["controller", "sample_taken_at"], name="drug_test_controller_time")
        ]

    def __str__(self) -> str:
        return f"{self.custody_record_number} ({self.get_outcome_display()})"

    @property
    def reference(self) -> str:
        return f"DT-{str(self.pk)[:8].upper()}"

    @property
    def is_disputed(self) -> bool:
        return self.disputed_at is not None

    def positive_results(self) -> list["DrugTestResult"]:
        return [r for r in self.results.all() if r.result == DrugTestResult.Result.POSITIVE]

    @property
    def may_require_assessment(self) -> bool:
        """Positive and either undisputed or confirmed by the laboratory (Drugs Act 2005 s.9(1))."""
        if self.outcome != self.Outcome.TESTED or not self.positive_results():
            return False
        if not self.is_disputed:
            return True
        return self.confirmation == self.Confirmation.CONFIRMED


class DrugTestResult(models.Model):
    """The result for one specified substance."""

    class Result(models.TextChoices):
        POSITIVE = "positive", _("Positive")
        NEGATIVE = "negative", _("Negative")

    test = models.ForeignKey(DrugTest, on_delete=models.CASCADE, related_name="results")
    substance = models.ForeignKey(TestedSubstance, on_delete=models.PROTECT, related_name="+")
    result = models.CharField(_("result"), max_length=8, choices=Result.choices)

    class Meta:
        ordering = ["substance__sort_order"]
        constraints = [
            models.UniqueConstraint(fields=["test", "substance"], name="drug_test_result_unique")
        ]

    def __str__(self) -> str:
        return f"{self.substance.code}: {self.result}"


class OfficerTask(TimeStampedModel):
    """Something an officer must do next: e.g. consider the refusal offence (PACE s.63C)."""

    class Kind(models.TextChoices):
        REFUSAL_OFFENCE = "refusal_offence", _("Consider the offence of refusing a test")
        BREACH_DECISION = "breach_decision", _("Decide what to do about a breach")
        # The referral of a Required Assessment ended (closed, rejected or cancelled) with
        # its appointment still to come, so the appointment was cancelled with it.
        RA_APPOINTMENT_CANCELLED = (
            "ra_cancelled",
            _("Decide what follows a Required Assessment whose appointment was cancelled"),
        )
        # The provider corrected the answer to "did they come?" after a breach case was opened
        # on the first answer.
        RA_ATTENDANCE_CORRECTED = (
            "ra_corrected",
            _("Review a Required Assessment whose attendance the provider corrected"),
        )

    kind = models.CharField(_("task"), max_length=20, choices=Kind.choices)
    test = models.ForeignKey(DrugTest, on_delete=models.CASCADE, related_name="tasks")
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="drug_testing_tasks"
    )
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    done_note = models.TextField(_("what was done"), blank=True)

    class Meta:
        ordering = ["done_at", "-created_at"]

    def __str__(self) -> str:
        return self.get_kind_display()

    @property
    def done_said(self) -> str:
        """What was done, in the reader's language: a breach decision is kept as its code
        (tasks done before were kept as the label in the decider's language, shown as kept)."""
        if self.kind == self.Kind.BREACH_DECISION:
            labels = dict(BreachCase.Decision.choices)
            if self.done_note and self.done_note in labels:
                return str(labels[self.done_note])
        return self.done_note


class RequiredAssessment(TimeStampedModel, VersionedModel):
    """A Required Assessment imposed after a positive test (Drugs Act 2005 ss.9-10)."""

    class Attendance(models.TextChoices):
        PENDING = "pending", _("Not yet known")
        ATTENDED = "attended", _("Attended and remained")
        FAILED_TO_ATTEND = "failed_to_attend", _("Failed to attend")
        FAILED_TO_REMAIN = "failed_to_remain", _("Attended but did not remain")
        # Not an answer to "did they come?": the referral ended before the appointment.
        CANCELLED = "cancelled", _("Appointment cancelled when the referral ended")

    class FollowUp(models.TextChoices):
        UNDECIDED = "", _("Not yet decided")
        REQUIRED = "required", _("Follow-up assessment required (RA4)")
        CEASED = "ceased", _("Requirement ceases (RA5)")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    test = models.OneToOneField(DrugTest, on_delete=models.PROTECT, related_name="assessment")
    referral = models.OneToOneField(
        "referrals.Referral", on_delete=models.PROTECT, related_name="required_assessment"
    )
    imposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    imposed_at = models.DateTimeField(_("imposed at"))
    initial_appointment = models.ForeignKey(
        "referrals.Appointment", on_delete=models.PROTECT, related_name="+"
    )
    initial_attendance = models.CharField(
        _("initial assessment"),
        max_length=16,
        choices=Attendance.choices,
        default=Attendance.PENDING,
    )
    follow_up = models.CharField(
        _("follow-up"), max_length=8, choices=FollowUp.choices, default="", blank=True
    )
    follow_up_appointment = models.ForeignKey(
        "referrals.Appointment", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    follow_up_attendance = models.CharField(
        _("follow-up assessment"),
        max_length=16,
        choices=Attendance.choices,
        default=Attendance.PENDING,
    )

    class Meta:
        ordering = ["-imposed_at"]

    def __str__(self) -> str:
        return f"Required Assessment {self.reference}"

    @property
    def reference(self) -> str:
        return f"RA-{str(self.pk)[:8].upper()}"


class Notice(models.Model):
    """A written notice served or given, kept exactly as it was produced (a PDF and its hash).

    RA1 (initial assessment: time and place), RA2 (the appointment varied),
    RA4 (follow-up required), RA5 (the requirement ceases). Append-only.
    """

    class Kind(models.TextChoices):
        RA1 = "RA1", _("RA1: notice of the initial assessment")
        RA2 = "RA2", _("RA2: variation of the appointment")
        RA4 = "RA4", _("RA4: follow-up assessment required")
        RA5 = "RA5", _("RA5: requirement ceases")

    assessment = models.ForeignKey(
        RequiredAssessment, on_delete=models.PROTECT, related_name="notices"
    )
    kind = models.CharField(_("notice"), max_length=3, choices=Kind.choices)
    issued_at = models.DateTimeField(_("issued at"))
    issued_by_label = models.CharField(_("issued by"), max_length=200)
    appointment_at = models.DateTimeField(_("appointment"), null=True, blank=True)
    place = models.CharField(_("place"), max_length=300, blank=True)
    pdf = models.BinaryField(_("the notice as produced"))
    sha256 = models.CharField(max_length=64)

    class Meta:
        ordering = ["issued_at", "pk"]

    def __str__(self) -> str:
        return f"{self.kind} {self.issued_at:%Y-%m-%d %H:%M}"

    def save(self, *args: object, **kwargs: object) -> None:
        if not self._state.adding:
            raise ValueError("A notice is kept as served: it is never changed.")
        self.sha256 = hashlib.sha256(bytes(self.pdf)).hexdigest()
        super().save(*args, **kwargs)  # type: ignore[arg-type]


class BreachCase(TimeStampedModel, VersionedModel):
    """A failure to attend or remain (Drugs Act 2005 s.12 initial, s.14 follow-up)."""

    class Stage(models.TextChoices):
        INITIAL = "initial", _("Initial assessment (s.12)")
        FOLLOW_UP = "follow_up", _("Follow-up assessment (s.14)")

    class Failure(models.TextChoices):
        FAILED_TO_ATTEND = "failed_to_attend", _("Failed to attend")
        FAILED_TO_REMAIN = "failed_to_remain", _("Failed to remain for its duration")

    class Decision(models.TextChoices):
        PENDING = "", _("Not yet decided")
        CHARGE = "charge", _("Charge")
        NO_FURTHER_ACTION = "nfa", _("No further action")
        OTHER = "other", _("Other")

    class CourtResult(models.TextChoices):
        NONE = "", _("Not yet known")
        CONVICTED = "convicted", _("Convicted")
        ACQUITTED = "acquitted", _("Acquitted")
        WITHDRAWN = "withdrawn", _("Withdrawn or discontinued")
        OTHER = "other", _("Other")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    assessment = models.ForeignKey(
        RequiredAssessment, on_delete=models.PROTECT, related_name="breaches"
    )
    stage = models.CharField(_("assessment"), max_length=10, choices=Stage.choices)
    failure = models.CharField(_("failure"), max_length=16, choices=Failure.choices)
    opened_at = models.DateTimeField(_("opened at"))
    evidence_pack = models.BinaryField(_("evidence pack"), blank=True, default=b"")
    evidence_pack_sha256 = models.CharField(max_length=64, blank=True)
    evidence_pack_made_at = models.DateTimeField(null=True, blank=True)
    decision = models.CharField(
        _("decision"), max_length=6, choices=Decision.choices, default="", blank=True
    )
    decision_reason = models.TextField(_("reason for the decision"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    court_result = models.CharField(
        _("court result"), max_length=10, choices=CourtResult.choices, default="", blank=True
    )
    court_result_on = models.DateField(_("date of the court result"), null=True, blank=True)
    court_result_note = models.TextField(_("court result details"), blank=True)

    class Meta:
        ordering = ["-opened_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "stage"], name="breach_one_per_assessment_stage"
            )
        ]

    def __str__(self) -> str:
        return f"Breach {self.reference}"

    @property
    def reference(self) -> str:
        return f"BR-{str(self.pk)[:8].upper()}"


class QaSample(TimeStampedModel):
    """A month's random sample of test records for a custody inspector to review."""

    controller = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    month = models.DateField(_("month"))  # the first day of the month sampled
    drawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    seed = models.CharField(max_length=64)  # so the draw can be repeated and checked
    tests = models.ManyToManyField(DrugTest, through="QaReview", related_name="qa_samples")

    class Meta:
        ordering = ["-month"]
        constraints = [
            models.UniqueConstraint(fields=["controller", "month"], name="qa_sample_one_per_month")
        ]

    def __str__(self) -> str:
        return f"QA sample {self.month:%Y-%m}"


class QaReview(models.Model):
    """One sampled test and the inspector's finding on it."""

    class Finding(models.TextChoices):
        NOT_REVIEWED = "", _("Not yet reviewed")
        COMPLIANT = "compliant", _("Compliant")
        MINOR = "minor", _("Minor issue")
        SERIOUS = "serious", _("Serious issue")

    sample = models.ForeignKey(QaSample, on_delete=models.CASCADE, related_name="reviews")
    test = models.ForeignKey(DrugTest, on_delete=models.PROTECT, related_name="qa_reviews")
    finding = models.CharField(
        _("finding"), max_length=10, choices=Finding.choices, default="", blank=True
    )
    notes = models.TextField(_("notes"), blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)

    class Meta:
        ordering = ["sample", "pk"]
        constraints = [models.UniqueConstraint(fields=["sample", "test"], name="qa_review_unique")]

    def __str__(self) -> str:
        return f"QA review of {self.test_id}: {self.finding or 'not reviewed'}"
