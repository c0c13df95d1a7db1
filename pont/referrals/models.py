"""One referral engine for every source: a person referred to a service, and what happened next.

Statuses follow the FHIR Task codes that the SDOH closed-loop referral
guide uses. Every step keeps its own timestamp, so the funnel and the SLA
clocks come straight from the data.
"""

import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from pont.core.models import (
    ReferenceData,
    TimeStampedModel,
    VersionedModel,
    reference_data_constraints,
)


class ClosureReason(ReferenceData):
    """Why a referral's episode closed: the Welsh national data set's case closure reasons.

    `planned` separates the planned closures (treatment complete...) from the
    rest; a planned closure completes the referral, any other fails it.
    """

    planned = models.BooleanField(_("planned closure"), default=False)
    # "Treatment complete", "moved to GP-led prescribing", "did not attend during treatment"...
    needs_treatment_start = models.BooleanField(
        _("only once treatment has started"),
        default=False,
        help_text=_("A referral can close with this reason only once treatment has started."),
    )

    class Meta(ReferenceData.Meta):
        verbose_name = _("closure reason")
        verbose_name_plural = _("closure reasons")
        constraints = reference_data_constraints("closure_reason")


class ReferralSla(ReferenceData):
    """A working-day clock on a referral: e.g. accepted within 1 working day.

    `code` names the milestone (accepted, first_contact_attempt, treatment_start);
    the clock starts when the referral is requested.
    """

    working_days = models.PositiveSmallIntegerField(_("working days"))

    class Meta(ReferenceData.Meta):
        verbose_name = _("referral time limit")
        verbose_name_plural = _("referral time limits")
        constraints = reference_data_constraints("referral_sla")


# The statutory powers Pont's own sources write into referrals, marked for the translation
# catalogue (a power an officer types is shown as typed): Test on Arrest's Required Assessment,
# and the conditions of a conditional caution (the disposals reference data).
REQUIRED_ASSESSMENT_POWER = gettext_noop("Drugs Act 2005 s.9 (Required Assessment)")
STATUTORY_POWERS = (
    REQUIRED_ASSESSMENT_POWER,
    gettext_noop(
        "Criminal Justice Act 2003 ss.22-23 (conditions of a conditional caution, agreed by "
        "the person)"
    ),
)


class Referral(TimeStampedModel, VersionedModel):
    """A person referred by an officer (or a partner) to a service in the directory."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        REQUESTED = "requested", _("Requested")
        ACCEPTED = "accepted", _("Accepted")
        REJECTED = "rejected", _("Rejected")
        IN_PROGRESS = "in-progress", _("In progress")
        COMPLETED = "completed", _("Completed")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")

    class Source(models.TextChoices):
        TEST_ON_ARREST = "test_on_arrest", _("Test on arrest")
        DISPOSAL = "disposal", _("Out-of-court disposal")
        STOP_SEARCH = "stop_search", _("Stop and search")
        OPERATION = "operation", _("Disruption operation")
        VOLUNTARY = "voluntary", _("Voluntary")

    class Urgency(models.TextChoices):
        ROUTINE = "routine", _("Routine")
        URGENT = "urgent", _("Urgent")

    class LegalBasis(models.TextChoices):
        STATUTORY = "statutory", _("Statutory")
        CONSENT = "consent", _("Consent")

    OPEN_STATUSES = (Status.REQUESTED, Status.ACCEPTED, Status.IN_PROGRESS)
    CLOSED_STATUSES = (Status.REJECTED, Status.COMPLETED, Status.FAILED, Status.CANCELLED)

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    person = models.ForeignKey(
        "people.Person",
        verbose_name=_("person"),
        on_delete=models.PROTECT,
        related_name="referrals",
    )
    source_kind = models.CharField(_("source"), max_length=20, choices=Source.choices)
    source_id = models.CharField(_("source record"), max_length=64, blank=True)
    referring_organisation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("referred by organisation"),
        on_delete=models.PROTECT,
        related_name="referrals_made",
    )
    # The controller on the referring side (the force for a custody suite): scopes who sees it.
    referring_controller = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    referred_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("referred by"),
        on_delete=models.PROTECT,
        related_name="referrals_made",
    )
    service = models.ForeignKey(
        "directory.Service",
        verbose_name=_("service"),
        on_delete=models.PROTECT,
        related_name="referrals",
    )
    receiving_organisation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("receiving organisation"),
        on_delete=models.PROTECT,
        related_name="referrals_received",
    )
    reason = models.TextField(_("reason for referral"))
    urgency = models.CharField(
        _("urgency"), max_length=10, choices=Urgency.choices, default=Urgency.ROUTINE
    )
    legal_basis = models.CharField(_("legal basis"), max_length=10, choices=LegalBasis.choices)
    # As written by the referrer or by the source that made the referral; a page shows it
    # through the translation catalogue, so that the powers in STATUTORY_POWERS read in Welsh.
    statutory_basis = models.CharField(_("statutory power"), max_length=200, blank=True)
    consent_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    consent_recorded_at = models.DateTimeField(_("consent recorded at"), null=True, blank=True)
    contact_snapshot = models.JSONField(_("contact details sent"), default=list, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.DRAFT
    )
    assigned_worker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned worker"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="referrals_assigned",
    )
    # Whether the contact details were complete the first time someone tried to send it.
    first_send_attempt_at = models.DateTimeField(null=True, blank=True)
    complete_at_first_attempt = models.BooleanField(null=True, blank=True)
    requested_at = models.DateTimeField(_("sent"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    rejected_at = models.DateTimeField(_("rejected"), null=True, blank=True)
    first_contact_attempt_at = models.DateTimeField(
        _("first contact attempt"), null=True, blank=True
    )
    first_contacted_at = models.DateTimeField(_("first reached"), null=True, blank=True)
    first_appointment_booked_at = models.DateTimeField(
        _("first appointment booked"), null=True, blank=True
    )
    first_attended_at = models.DateTimeField(_("first attended"), null=True, blank=True)
    treatment_started_at = models.DateTimeField(_("treatment started"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    rejection_reason = models.TextField(_("reason for rejecting"), blank=True)
    cancellation_reason = models.TextField(_("reason for cancelling"), blank=True)
    closure_reason = models.ForeignKey(
        ClosureReason,
        verbose_name=_("closure reason"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    closure_note = models.TextField(_("closure note"), blank=True)
    already_known_to_provider = models.BooleanField(
        _("already known to the service"), null=True, blank=True
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        permissions = [
            ("make_referral", _("Make and send referrals")),
            ("work_referral", _("Work referrals to one's own service")),
            ("view_referral_funnel", _("See the referral funnel and time limits")),
            ("manage_webhooks", _("Manage webhook endpoints of one's own organisation")),
            ("export_caseload", _("Export one's own organisation's caseload")),
            ("view_email_log", _("See the emails Pont sent one's own organisation")),
            ("view_all_email_log", _("See every email Pont sent")),
        ]
        default_permissions = ()
        indexes = [
            models.Index(
                fields=["receiving_organisation", "status"], name="referral_receiver_status"
            ),
            models.Index(
                fields=["referring_controller", "status"], name="referral_referrer_status"
            ),
            models.Index(fields=["updated_at"], name="referral_updated"),
            # A provider's API list: its referrals in the order they changed, read a page at a time.
            models.Index(
                fields=["receiving_organisation", "updated_at", "id"],
                name="referral_receiver_updated",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(legal_basis="consent") | Q(consent_recorded_at__isnull=False),
                name="referral_consent_recorded",
            ),
            # Only a draft (or a draft cancelled before sending) has no time sent.
            models.CheckConstraint(
                condition=Q(status__in=["draft", "cancelled"]) | Q(requested_at__isnull=False),
                name="referral_sent_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.get_status_display()}"

    def get_absolute_url(self) -> str:
        return reverse("referrals:detail", kwargs={"referral_id": self.pk})

    @property
    def reference(self) -> str:
        return self.reference_for(self.pk)

    @staticmethod
    def reference_for(pk: Any) -> str:
        """The short reference staff quote on the phone, from the referral's id."""
        return f"R-{str(pk)[:8].upper()}"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES


class ContactAttempt(TimeStampedModel):
    """One attempt by the provider to reach the person (the report: "exhaustive" time spent)."""

    class Method(models.TextChoices):
        PHONE = "phone", _("Phone call")
        TEXT = "text", _("Text message")
        EMAIL = "email", _("Email")
        LETTER = "letter", _("Letter")
        VISIT = "visit", _("Home visit")
        IN_PERSON = "in_person", _("In person")

    class Result(models.TextChoices):
        REACHED = "reached", _("Reached the person")
        NO_ANSWER = "no_answer", _("No answer")
        MESSAGE_LEFT = "message_left", _("Left a message")
        WRONG_DETAILS = "wrong_details", _("Wrong or out-of-date details")
        DECLINED = "declined", _("Reached, but declined")

    referral = models.ForeignKey(
        Referral, on_delete=models.CASCADE, related_name="contact_attempts"
    )
    method = models.CharField(_("method"), max_length=10, choices=Method.choices)
    attempted_at = models.DateTimeField(_("when"))
    result = models.CharField(_("result"), max_length=15, choices=Result.choices)
    note = models.TextField(_("note"), blank=True)
    recorded_by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recorded_by_client = models.ForeignKey(
        "accounts.ApiClient", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["attempted_at", "created_at"]

    def __str__(self) -> str:
        when = f"{self.attempted_at:%Y-%m-%d %H:%M}"
        return f"{self.get_method_display()} {when}: {self.get_result_display()}"


class Appointment(TimeStampedModel, VersionedModel):
    """An appointment booked by the provider, and whether the person came."""

    class Kind(models.TextChoices):
        ASSESSMENT = "assessment", _("Assessment")
        FOLLOW_UP = "follow_up", _("Follow-up assessment")
        TREATMENT = "treatment", _("Treatment")

    class Attendance(models.TextChoices):
        PENDING = "pending", _("Not yet recorded")
        ATTENDED = "attended", _("Attended")
        DID_NOT_ATTEND = "did_not_attend", _("Did not attend")
        LEFT_EARLY = "left_early", _("Attended but left")
        # By the provider (appointment_cancel), or by the referral ending (closed, rejected,
        # cancelled) before the appointment came; never an answer to "did they come?".
        CANCELLED = "cancelled", _("Cancelled")

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="appointments")
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.ASSESSMENT)
    starts_at = models.DateTimeField(_("date and time"))
    place = models.CharField(_("place"), max_length=300)
    attendance = models.CharField(
        _("attendance"), max_length=15, choices=Attendance.choices, default=Attendance.PENDING
    )
    attendance_recorded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["starts_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.starts_at:%Y-%m-%d %H:%M}"

    @property
    def described(self) -> str:
        """When (UK local time), what and where, as the referral page lists it."""
        when = formats.date_format(timezone.localtime(self.starts_at), "j M Y H:i")
        return f"{when}, {self.get_kind_display()}, {self.place}"


class ReferralEvent(models.Model):
    """The timeline of a referral: every step, who took it and when."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=40)
    at = models.DateTimeField()
    actor_label = models.CharField(max_length=200)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.kind} at {self.at:%Y-%m-%d %H:%M}"


class WebhookEndpoint(TimeStampedModel):
    """Where a provider wants referral events pushed, signed with its secret."""

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="webhook_endpoints"
    )
    url = models.URLField(_("address (HTTPS)"), max_length=500)
    # Kept so Pont can sign each delivery (HMAC needs the secret itself); shown once.
    secret = models.CharField(max_length=100, editable=False)
    is_active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    disabled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["organisation__name", "url"]

    def __str__(self) -> str:
        return self.url


class LeasedMessage(models.Model):
    """What the webhook outbox and the email queue share: a message written in the
    transaction that caused it, tried by a worker holding a lease on it, again after each
    failure (`outbox.claim`, `outbox.due`, `outbox.after_failure`). Its `status` is "pending"
    while it waits (each kind names its other states)."""

    PENDING = "pending"

    created_at = models.DateTimeField()
    status = models.CharField(max_length=10, default=PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    leased_until = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)

    class Meta:
        abstract = True
        ordering = ["created_at", "pk"]


class OutboxMessage(LeasedMessage):
    """An event to deliver to a webhook endpoint, written in the transaction that caused it.

    The deliverer claims due messages with a lease; if a worker dies mid-delivery the
    lease runs out and another worker delivers it again (at least once). Receivers
    de-duplicate by the event id.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        DELIVERED = "delivered", _("Delivered")
        GAVE_UP = "gave_up", _("Given up")

    event_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.PROTECT, related_name="messages")
    event_type = models.CharField(max_length=40)
    payload = models.JSONField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta(LeasedMessage.Meta):
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="outbox_due")]

    def __str__(self) -> str:
        return f"{self.event_type} to {self.endpoint} ({self.status})"


class QueuedEmail(LeasedMessage):
    """An email about a referral (a link, never personal data), written in the transaction
    that caused it and sent by the worker (`mail_outbox`).

    A mail server that does not take it is tried again with growing waits for a day, so
    that a provider's inbox hears of a new referral after an outage instead of never. Sent
    at least once: a worker that dies between the server taking it and the row saying so
    leaves it to be sent again when its lease runs out.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        SENT = "sent", _("Sent")
        GAVE_UP = "gave_up", _("Given up")

    class Kind(models.TextChoices):
        ARRIVED = "arrived", _("New referral, to the service's inbox")
        REJECTED = "rejected", _("Referral not accepted, to the referrer")
        DID_NOT_ATTEND = "did_not_attend", _("Missed appointment, to the referrer")
        ATTENDANCE_CORRECTED = (
            "attendance_corrected",
            _("A missed appointment corrected, to the referrer"),
        )
        ASSIGNED = "assigned", _("Referral assigned, to the worker")
        REASON_CHANGED = "reason_changed", _("What a referral asks changed, to the service")

    kind = models.CharField(max_length=20, choices=Kind.choices, blank=True)
    # Whose inbox or member of staff it goes to (the provider, or the referring organisation):
    # the email log shows an organisation's managers the emails sent to it. Empty on the emails
    # queued before the log was built.
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recipient = models.EmailField()
    subject = models.CharField(max_length=300)
    body = models.TextField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta(LeasedMessage.Meta):
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="email_due")]

    def __str__(self) -> str:
        return f"{self.subject} to {self.recipient} ({self.status})"


class DeliveryAttempt(models.Model):
    """One HTTP attempt to deliver an outbox message: the delivery log providers can read."""

    message = models.ForeignKey(
        OutboxMessage, on_delete=models.CASCADE, related_name="delivery_attempts"
    )
    attempted_at = models.DateTimeField()
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-attempted_at"]

    def __str__(self) -> str:
        return f"{self.status_code or self.error} at {self.attempted_at:%Y-%m-%d %H:%M}"


class IdempotencyRecord(models.Model):
    """The first response to an API POST with an Idempotency-Key, replayed on retries."""

    client = models.ForeignKey("accounts.ApiClient", on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    request_fingerprint = models.CharField(max_length=64)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    # The first answer's body exactly as it was sent (JSON text), so that a retry gets the
    # same bytes: PostgreSQL's jsonb would keep the same object with its keys reordered.
    # Empty until the first request has its answer (the claim is written before it runs).
    response_body = models.TextField(null=True, blank=True)  # noqa: DJ001 - none yet: not ""
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["client", "key"], name="idempotency_key_unique")
        ]

    def __str__(self) -> str:
        return f"{self.client_id}:{self.key}"
