"""Pathfinder: two-tier out-of-court disposals for adults, with automated referrals.

An officer records a `Disposal`: the offences, the admission, the evidential
test, the victim's views, the person's age and the gravity (the adult matrix,
1-4, one step up or down for recorded aggravating or mitigating factors). From
those Pont recommends a tier with its reasons (`recommendation.py`); the
officer decides (a different scheme needs a reason) and adds conditions from
the catalogue, each with a deadline. A supervisor authorises. When the officer
issues the disposal, every condition that a treatment or partner service
delivers becomes a referral through the referral engine in the same
transaction, and the notice (Welsh and English) is kept as produced.

The provider's outcomes complete or fail those conditions (the engine's source
hook); overdue and failed conditions raise a task for the officer in charge;
a failure leads to a breach decision with the scheme's consequence.

Schemes, offences and their gravity, aggravating and mitigating factors,
condition types and crime outcome codes are dated reference data, so the 2017
non-statutory framework and the statutory one (PCSC Act 2022 Part 6) each apply
from their effective dates.
"""

import hashlib
import uuid
from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import formats
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from pont.core.models import (
    ReferenceData,
    TimeStampedModel,
    VersionedModel,
    reference_data_constraints,
)


class ConditionCategory(models.TextChoices):
    REHABILITATIVE = "rehabilitative", _("Rehabilitative")
    REPARATIVE = "reparative", _("Reparative")
    PUNITIVE = "punitive", _("Punitive (financial)")
    RESTRICTIVE = "restrictive", _("Restrictive")
    UNPAID_WORK = "unpaid_work", _("Unpaid work")
    ATTENDANCE = "attendance", _("Attendance")


class DisposalScheme(ReferenceData):
    """A disposal a scheme offers (Community Resolution, Conditional Caution, ...), dated."""

    class Framework(models.TextChoices):
        NPCC_2017 = "npcc_2017", _("Two-tier framework (NPCC, non-statutory)")
        PCSC_2022 = "pcsc_2022", _("Statutory two-tier framework (PCSC Act 2022)")

    class Tier(models.TextChoices):
        LOWER = "lower", _("Lower tier")
        UPPER = "upper", _("Upper tier")
        DIVERSION = "diversion", _("Diversion (Outcome 22)")

    class Consequence(models.TextChoices):
        NONE = "none", _("No sanction")
        PROSECUTION = "prosecution", _("Prosecution for the original offence")
        FINANCIAL_PENALTY = "financial_penalty", _("A financial penalty, then a fine at court")

    framework = models.CharField(_("framework"), max_length=12, choices=Framework.choices)
    tier = models.CharField(_("tier"), max_length=10, choices=Tier.choices)
    breach_consequence = models.CharField(
        _("on breach"), max_length=20, choices=Consequence.choices
    )
    min_age = models.PositiveSmallIntegerField(_("minimum age"), default=18)
    needs_admission = models.BooleanField(_("needs an admission"), default=True)
    min_conditions = models.PositiveSmallIntegerField(_("fewest conditions"), default=0)
    # Comma-separated ConditionCategory values this disposal may carry.
    condition_categories = models.CharField(_("condition categories allowed"), max_length=200)
    outcome_code = models.CharField(_("crime outcome"), max_length=4)
    # Where the conditions' referrals rest in law; empty: the person's consent.
    statutory_basis = models.CharField(_("statutory basis"), max_length=200, blank=True)

    class Meta(ReferenceData.Meta):
        verbose_name = _("disposal scheme")
        verbose_name_plural = _("disposal schemes")
        constraints = reference_data_constraints("disposal_scheme")

    @property
    def categories(self) -> frozenset[str]:
        return frozenset(c for c in self.condition_categories.split(",") if c)

    def shown_condition_categories(self) -> str:
        """The categories by their labels, for the reference data pages."""
        labels = dict(ConditionCategory.choices)
        return ", ".join(str(labels.get(c, c)) for c in self.condition_categories.split(",") if c)


class Offence(ReferenceData):
    """An offence an out-of-court disposal may be considered for, with its adult gravity score."""

    class Group(models.TextChoices):
        DRUGS = "drugs", _("Drugs")
        THEFT = "theft", _("Theft and handling")
        CRIMINAL_DAMAGE = "criminal_damage", _("Criminal damage")
        PUBLIC_ORDER = "public_order", _("Public order")
        VIOLENCE = "violence", _("Violence against the person")
        OTHER = "other", _("Other")

    offence_group = models.CharField(_("offence group"), max_length=20, choices=Group.choices)
    gravity = models.PositiveSmallIntegerField(_("gravity score"))
    # Excluded from out-of-court disposal (e.g. indictable only: the prosecutor's consent).
    exclusion = models.CharField(_("excluded because"), max_length=300, blank=True)

    class Meta(ReferenceData.Meta):
        verbose_name = _("offence")
        verbose_name_plural = _("offences")
        constraints = [
            *reference_data_constraints("disposal_offence"),
            models.CheckConstraint(
                condition=Q(gravity__gte=1, gravity__lte=4), name="disposal_offence_gravity_1_4"
            ),
        ]


class GravityFactor(ReferenceData):
    """An aggravating (+1) or mitigating (-1) factor of the adult gravity matrix."""

    class Direction(models.IntegerChoices):
        AGGRAVATING = 1, _("Aggravating")
        MITIGATING = -1, _("Mitigating")

    direction = models.SmallIntegerField(_("direction"), choices=Direction.choices)

    class Meta(ReferenceData.Meta):
        verbose_name = _("gravity factor")
        verbose_name_plural = _("gravity factors")
        constraints = reference_data_constraints("gravity_factor")


class ConditionType(ReferenceData):
    """A condition in the catalogue: its category, who delivers it, its cap and usual deadline."""

    class CompletesOn(models.TextChoices):
        OFFICER = "officer", _("The officer records it")
        ATTENDED = "attended", _("The person attends the service's appointment")
        COMPLETED = "completed", _("The service completes the referral")

    category = models.CharField(_("category"), max_length=20, choices=ConditionCategory.choices)
    completes_on = models.CharField(_("complete when"), max_length=10, choices=CompletesOn.choices)
    # The directory need a service must meet to deliver it (drugs, alcohol...); empty: none.
    need = models.CharField(_("service need"), max_length=64, blank=True)
    max_hours = models.PositiveSmallIntegerField(_("most hours"), null=True, blank=True)
    takes_amount = models.BooleanField(_("has an amount of money"), default=False)
    default_working_days = models.PositiveSmallIntegerField(_("usual deadline (working days)"))

    class Meta(ReferenceData.Meta):
        verbose_name = _("condition type")
        verbose_name_plural = _("condition types")
        constraints = reference_data_constraints("disposal_condition_type")

    @property
    def delivered_by_service(self) -> bool:
        return self.completes_on != self.CompletesOn.OFFICER


class CrimeOutcome(ReferenceData):
    """A Home Office crime outcome type (8 community resolution, 3 caution, 22 diversion...)."""

    class Meta(ReferenceData.Meta):
        verbose_name = _("crime outcome")
        verbose_name_plural = _("crime outcomes")
        constraints = reference_data_constraints("crime_outcome")


class Disposal(TimeStampedModel, VersionedModel):
    """One out-of-court disposal: the decision, its authorisation, its conditions' progress."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        AWAITING_AUTHORISATION = "awaiting", _("Awaiting authorisation")
        AUTHORISED = "authorised", _("Authorised, not yet issued")
        ISSUED = "issued", _("Issued: conditions running")
        COMPLETED = "completed", _("Completed")
        BREACHED = "breached", _("Breached: decision needed")
        CLOSED = "closed", _("Closed after breach")

    class VictimViews(models.TextChoices):
        NO_VICTIM = "no_victim", _("No identifiable victim")
        SUPPORTS = "supports", _("The victim supports an out-of-court disposal")
        OPPOSES = "opposes", _("The victim opposes an out-of-court disposal")
        NOT_OBTAINED = "not_obtained", _("The victim's views could not be obtained")

    class BreachDecision(models.TextChoices):
        PROSECUTE = "prosecute", _("Prosecute for the original offence")
        FINANCIAL_PENALTY = "financial_penalty", _("Give the financial penalty")
        NO_FURTHER_ACTION = "no_further_action", _("No further action")
        EXTEND = "extend", _("Give more time")

    OPEN_STATUSES = (Status.ISSUED, Status.BREACHED)

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    controller = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    area = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("area"),
        on_delete=models.PROTECT,
        related_name="disposals",
    )
    person = models.ForeignKey(
        "people.Person", verbose_name=_("person"), on_delete=models.PROTECT, related_name="+"
    )
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("officer in charge"),
        on_delete=models.PROTECT,
        related_name="disposals",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    offence_date = models.DateField(_("date of the offence"))
    decided_on = models.DateField(_("date of the decision"))
    age = models.PositiveSmallIntegerField(_("age on the day of the decision"))
    admission = models.BooleanField(_("the person admitted the offence"))
    evidential_test_met = models.BooleanField(_("the evidential test is met"))
    victim_views = models.CharField(_("victim's views"), max_length=12, choices=VictimViews.choices)
    victim_views_note = models.TextField(_("what the victim said"), blank=True)
    aggravating = models.JSONField(_("aggravating factors"), default=list, blank=True)
    mitigating = models.JSONField(_("mitigating factors"), default=list, blank=True)
    base_gravity = models.PositiveSmallIntegerField(_("offence gravity"))
    gravity = models.PositiveSmallIntegerField(_("gravity after factors"))
    # What Pont recommended and why, as computed when the decision was recorded.
    recommended = models.CharField(_("recommended"), max_length=64)
    recommendation_reasons = models.JSONField(_("reasons"), default=list)
    scheme = models.ForeignKey(
        DisposalScheme,
        verbose_name=_("disposal"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decision_reason = models.TextField(_("reason for the decision"), blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    authorised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("authorised by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    authorised_at = models.DateTimeField(_("authorised at"), null=True, blank=True)
    authorisation_note = models.TextField(_("supervisor's note"), blank=True)
    agreement_recorded_at = models.DateTimeField(
        _("the person's agreement recorded at"), null=True, blank=True
    )
    issued_at = models.DateTimeField(_("issued at"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    breached_at = models.DateTimeField(_("breached at"), null=True, blank=True)
    breach_decision = models.CharField(
        _("breach decision"), max_length=20, choices=BreachDecision.choices, blank=True
    )
    breach_reason = models.TextField(_("reason for the breach decision"), blank=True)
    breach_decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    breach_decided_at = models.DateTimeField(null=True, blank=True)
    outcome_code = models.CharField(_("crime outcome"), max_length=4, blank=True)

    class Meta:
        verbose_name = _("out-of-court disposal")
        ordering = ["-decided_on", "-created_at"]
        permissions = [
            ("decide_disposal", _("Decide and issue out-of-court disposals")),
            ("authorise_disposal", _("Authorise out-of-court disposals")),
            ("view_disposal_dashboard", _("See the out-of-court disposals dashboard")),
            ("scrutinise_disposals", _("Review the disposals sampled for the scrutiny panel")),
            ("arrange_scrutiny", _("Arrange the scrutiny panel's samples and reports")),
        ]
        default_permissions = ()
        indexes = [
            models.Index(fields=["controller", "decided_on"], name="disposal_controller_day"),
            models.Index(fields=["person", "issued_at"], name="disposal_person_issued"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(gravity__gte=1, gravity__lte=4), name="disposal_gravity_1_4"
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["issued", "completed", "breached", "closed"])
                | (Q(issued_at__isnull=False) & Q(authorised_by__isnull=False)),
                name="disposal_issued_only_when_authorised",
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def reference(self) -> str:
        return f"OOCD-{str(self.pk)[:8].upper()}"


class DisposalOffence(models.Model):
    disposal = models.ForeignKey(Disposal, on_delete=models.CASCADE, related_name="offences")
    offence = models.ForeignKey(
        Offence, verbose_name=_("offence"), on_delete=models.PROTECT, related_name="+"
    )
    details = models.TextField(_("what happened"), blank=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["disposal", "offence"], name="disposal_offence_once")
        ]

    def __str__(self) -> str:
        return str(self.offence)


class DisposalCondition(TimeStampedModel, VersionedModel):
    """One condition of a disposal, with its deadline and, when a service delivers it, its
    referral (made when the disposal is issued, never twice)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        COMPLETE = "complete", _("Complete")
        FAILED = "failed", _("Failed")

    disposal = models.ForeignKey(Disposal, on_delete=models.CASCADE, related_name="conditions")
    condition_type = models.ForeignKey(
        ConditionType, verbose_name=_("condition"), on_delete=models.PROTECT, related_name="+"
    )
    details = models.TextField(_("details"), blank=True)
    deadline = models.DateField(_("deadline"))
    hours = models.PositiveSmallIntegerField(_("hours"), null=True, blank=True)
    amount_pence = models.PositiveIntegerField(_("amount"), null=True, blank=True)
    service = models.ForeignKey(
        "directory.Service",
        verbose_name=_("service"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    referral = models.OneToOneField(
        "referrals.Referral",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="disposal_condition",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    overdue_at = models.DateTimeField(_("found overdue at"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    failed_at = models.DateTimeField(_("failed at"), null=True, blank=True)
    outcome_note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["deadline", "pk"]
        indexes = [models.Index(fields=["status", "deadline"], name="disposal_condition_due")]

    def __str__(self) -> str:
        return f"{self.condition_type.label} by {self.deadline:%d/%m/%Y}"

    @property
    def amount_shown(self) -> str:
        return f"£{self.amount_pence / 100:,.2f}" if self.amount_pence else ""


class DisposalTask(TimeStampedModel):
    """Something the officer in charge must do next about a disposal."""

    class Kind(models.TextChoices):
        CONDITION_OVERDUE = "overdue", _("A condition is overdue")
        CONDITION_FAILED = "failed", _("A condition has failed: decide on the breach")
        DID_NOT_ATTEND = "dna", _("The person did not attend the service's appointment")
        REFERRAL_REJECTED = "rejected", _("The service rejected the referral")
        ATTENDANCE_CORRECTED = (
            "corrected",
            _("The service corrected the attendance a condition's outcome rested on"),
        )

    kind = models.CharField(_("task"), max_length=10, choices=Kind.choices)
    disposal = models.ForeignKey(Disposal, on_delete=models.CASCADE, related_name="tasks")
    condition = models.ForeignKey(
        DisposalCondition, on_delete=models.CASCADE, null=True, blank=True, related_name="tasks"
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="disposal_tasks"
    )
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    done_note = models.TextField(_("what was done"), blank=True)

    class Meta:
        ordering = ["done_at", "-created_at"]
        constraints = [
            # One open task of a kind per condition: a retried job raises it once.
            models.UniqueConstraint(
                fields=["condition", "kind"],
                condition=Q(done_at__isnull=True),
                name="disposal_task_open_once",
            )
        ]

    def __str__(self) -> str:
        return self.get_kind_display()


EVENT_LABELS = {
    "recorded": _("Decision recorded"),
    "condition_added": _("Condition added"),
    "condition_removed": _("Condition removed"),
    "submitted": _("Sent for authorisation"),
    "authorised": _("Authorised"),
    "returned": _("Returned to the officer"),
    "issued": _("Issued; referrals sent"),
    "condition_complete": _("Condition done"),
    "condition_failed": _("Condition not done"),
    "condition_overdue": _("Condition overdue"),
    "condition_referred_again": _("Condition sent to another service"),
    "breached": _("Breached"),
    "breach_decided": _("Breach decided"),
    "completed": _("Completed"),
    "task_done": _("Task done"),
}


class DisposalEvent(models.Model):
    """The disposal's timeline, one row per step (who, when, what)."""

    disposal = models.ForeignKey(Disposal, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=40)
    at = models.DateTimeField()
    actor_label = models.CharField(max_length=200)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.kind} at {self.at:%Y-%m-%d %H:%M}"

    @property
    def label(self) -> str:
        """What happened, for the disposal's history; a breach decision says which."""
        label = str(EVENT_LABELS.get(self.kind, self.kind))
        decision = self.detail.get("decision") if self.kind == "breach_decided" else None
        if decision not in Disposal.BreachDecision.values:
            return label
        if decision == Disposal.BreachDecision.EXTEND and self.detail.get("new_deadline"):
            deadline = date.fromisoformat(self.detail["new_deadline"])
            shown = formats.date_format(deadline, "j M Y")
            sent = len(self.detail.get("sent_to") or {})
            if sent:
                return ngettext(
                    "Breach decided: more time, to %(deadline)s; %(count)d condition sent "
                    "to a service again",
                    "Breach decided: more time, to %(deadline)s; %(count)d conditions sent "
                    "to a service again",
                    sent,
                ) % {"deadline": shown, "count": sent}
            return str(_("Breach decided: more time, to %(deadline)s") % {"deadline": shown})
        return f"{label}: {Disposal.BreachDecision(decision).label}"


class DisposalNotice(models.Model):
    """The notice given to the person, kept exactly as produced (a PDF and its hash)."""

    class Occasion(models.TextChoices):
        """Why the person was given it: a later notice replaces the one before."""

        ISSUE = "issue", _("At issue")
        MORE_TIME = "more_time", _("With more time")
        NEW_SERVICE = "new_service", _("A condition sent to another service")

    disposal = models.ForeignKey(Disposal, on_delete=models.PROTECT, related_name="notices")
    occasion = models.CharField(
        _("occasion"), max_length=12, choices=Occasion.choices, default=Occasion.ISSUE
    )
    issued_at = models.DateTimeField(_("issued at"))
    pdf = models.BinaryField(_("the notice as produced"))
    sha256 = models.CharField(max_length=64)

    class Meta:
        ordering = ["issued_at", "pk"]

    def __str__(self) -> str:
        return f"Notice {self.issued_at:%Y-%m-%d %H:%M}"

    def save(self, *args: object, **kwargs: object) -> None:
        if not self._state.adding:
            raise ValueError("A notice is kept as given: it is never changed.")
        self.sha256 = hashlib.sha256(bytes(self.pdf)).hexdigest()
        super().save(*args, **kwargs)  # type: ignore[arg-type]


class ScrutinySample(TimeStampedModel):
    """A month's sample of finished disposals for the commissioner's scrutiny panel.

    Drawn once per force and month (see `scrutiny_services`); open to the panel's
    reviews until the commissioner's officer closes it, which makes its report.
    """

    controller = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    month = models.DateField(_("month"))  # the first day of the month sampled
    seed = models.BigIntegerField(_("random seed"))
    size = models.PositiveSmallIntegerField(_("sample size"))
    # How many finished disposals the sample was drawn from (the draw can be repeated).
    population = models.PositiveIntegerField(_("finished disposals that month"), default=0)
    drawn_at = models.DateTimeField(_("drawn at"))
    # None: the monthly job drew it.
    drawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-month"]
        constraints = [
            models.UniqueConstraint(
                fields=["controller", "month"], name="scrutiny_sample_month_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.month:%B %Y}"

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None


class ScrutinyCase(models.Model):
    sample = models.ForeignKey(ScrutinySample, on_delete=models.CASCADE, related_name="cases")
    disposal = models.ForeignKey(Disposal, on_delete=models.PROTECT, related_name="+")
    position = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["sample", "position"]
        constraints = [
            models.UniqueConstraint(fields=["sample", "disposal"], name="scrutiny_case_once")
        ]

    def __str__(self) -> str:
        return f"Case {self.position}"

    @property
    def pseudonym(self) -> str:
        return f"Case {self.position}"


class ScrutinyReview(models.Model):
    """A panel member's view of one sampled disposal."""

    class Answer(models.TextChoices):
        YES = "yes", _("Yes")
        NO = "no", _("No")

    case = models.ForeignKey(ScrutinyCase, on_delete=models.CASCADE, related_name="reviews")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    appropriate = models.CharField(
        _("Was the disposal appropriate?"), max_length=3, choices=Answer.choices
    )
    consistent = models.CharField(
        _("Was it consistent with policy and similar cases?"), max_length=3, choices=Answer.choices
    )
    comments = models.TextField(_("comments"), blank=True)
    reviewed_at = models.DateTimeField()

    class Meta:
        ordering = ["case", "reviewed_at"]
        constraints = [
            models.UniqueConstraint(fields=["case", "reviewer"], name="scrutiny_review_once")
        ]

    def __str__(self) -> str:
        return f"{self.case}: {self.appropriate}/{self.consistent}"
