"""API schemas for referrals: separate In and Out shapes (STYLE.md)."""

from datetime import date, datetime
from typing import Any, Literal

from ninja import Field, Schema
from pydantic import ConfigDict

from pont.core.api import UtcDateTime

DATE_TIME = (
    "ISO 8601 text with its offset from UTC, such as `2026-11-27T10:15:00Z` or "
    "`2026-11-27T10:15:00+00:00`; one without an offset is read as UK time. A number "
    "(Unix time) or a date alone is refused."
)


class PersonOut(Schema):
    """Only what the provider needs to reach and identify the person (data minimisation)."""

    reference: str = Field(examples=["P000123"])
    given_name: str
    family_name: str
    date_of_birth: date
    preferred_language: Literal["en", "cy"]


class ContactRouteOut(Schema):
    kind: Literal["phone", "email", "address"]
    use: str
    value: str = Field(description="The route as people read it, e.g. '01970 612345'.")
    phone: str = Field("", description="E.164, e.g. +441970612345")
    email: str = ""
    address_line_1: str = ""
    address_line_2: str = ""
    town: str = ""
    county: str = ""
    postcode: str = ""
    verified: bool
    preferred: bool


class ServiceOut(Schema):
    id: str
    name: str


class AppointmentOut(Schema):
    id: int
    kind: Literal["assessment", "follow_up", "treatment"]
    starts_at: datetime
    place: str
    attendance: Literal["pending", "attended", "did_not_attend", "left_early", "cancelled"] = Field(
        description="`cancelled`: cancelled by the provider (outcome `appointment_cancelled`), "
        "or by the referral ending (closed, rejected or cancelled) before the appointment."
    )


class ContactAttemptOut(Schema):
    id: int
    method: str
    attempted_at: datetime
    result: str
    note: str


class TimeLimitOut(Schema):
    milestone: Literal["accepted", "first_contact_attempt", "treatment_start"] = Field(
        description="What the limit waits for: accepting (or rejecting), the first contact "
        "attempt, the start of treatment."
    )
    due: date = Field(
        description="The last day allowed: working days from sending (Wales bank holidays), "
        "by the limits in force on the day it was sent."
    )
    met_on: date | None = Field(description="The day (UK) the milestone was reached, if it was.")
    overdue: bool = Field(
        description="Still open, the milestone not reached, and today is past `due`."
    )


class ReferralOut(Schema):
    id: str
    reference: str = Field(examples=["R-1A2B3C4D"])
    status: Literal[
        "requested", "accepted", "rejected", "in-progress", "completed", "failed", "cancelled"
    ]
    version: int = Field(description='Send it back as If-Match: "<version>" when you PATCH.')
    source_kind: str
    urgency: Literal["routine", "urgent"]
    reason: str = Field(
        description="What the referrer asks of the service. The referrer may change it after "
        "sending (a disposal's condition given more time: its new deadline); the change is "
        "sent as referral.updated, and the portal's timeline keeps what it said before."
    )
    legal_basis: Literal["statutory", "consent"]
    statutory_basis: str
    person: PersonOut
    contact_routes: list[ContactRouteOut]
    service: ServiceOut
    referring_organisation: str
    requested_at: datetime | None
    accepted_at: datetime | None
    rejected_at: datetime | None
    first_contact_attempt_at: datetime | None
    first_contacted_at: datetime | None
    first_attended_at: datetime | None
    treatment_started_at: datetime | None
    closed_at: datetime | None
    cancelled_at: datetime | None
    rejection_reason: str
    cancellation_reason: str
    closure_reason: str | None = Field(None, description="A WNDSM closure reason code.")
    already_known_to_provider: bool | None
    appointments: list[AppointmentOut]
    contact_attempts: list[ContactAttemptOut]
    time_limits: list[TimeLimitOut] = Field(
        description="The referral's time limits (reference data), each with its last day."
    )
    updated_at: datetime


class ReferralPageOut(Schema):
    items: list[ReferralOut]
    next_cursor: str | None = Field(
        None, description="Pass as ?cursor= to get the next page; null when there is no more."
    )


# The longest reason for rejecting and closure note, as the portal's forms allow (ReasonForm,
# CloseForm): the API takes no more than a person can type on the page. A closure reason is a
# reference data code (core.models: at most 64 characters).
REASON_MAX = 2000
NOTE_MAX = 2000
CODE_MAX = 64


class InSchema(Schema):
    """A request body: a field Pont does not know is refused (422, naming it), never ignored,
    so a misspelt field cannot lose its value."""

    model_config = ConfigDict(extra="forbid")


class ReferralPatchIn(InSchema):
    """A status change. Accept; reject with a reason; or close with a closure reason code."""

    status: Literal["accepted", "rejected", "completed", "failed"]
    reason: str = Field(
        "", max_length=REASON_MAX, description="Required when rejecting (at most 2,000 characters)."
    )
    closure_reason: str = Field(
        "",
        max_length=CODE_MAX,
        description="Required when closing (completed or failed): a WNDSM closure reason code.",
    )
    note: str = Field(
        "", max_length=NOTE_MAX, description="When closing: a note (at most 2,000 characters)."
    )
    already_known_to_provider: bool | None = Field(
        None, description="When accepting: was the person already known to your service?"
    )

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"status": "accepted", "already_known_to_provider": False},
                {"status": "rejected", "reason": "Outside our area"},
                {"status": "completed", "closure_reason": "planned_complete"},
            ]
        },
    )


class ContactAttemptIn(InSchema):
    method: Literal["phone", "text", "email", "letter", "visit", "in_person"]
    attempted_at: UtcDateTime = Field(description=DATE_TIME)
    result: Literal["reached", "no_answer", "message_left", "wrong_details", "declined"]
    note: str = Field("", max_length=NOTE_MAX)

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"method": "phone", "attempted_at": "2026-11-27T10:15:00Z", "result": "no_answer"}
            ]
        },
    )


class AppointmentIn(InSchema):
    kind: Literal["assessment", "follow_up", "treatment"] = "assessment"
    starts_at: UtcDateTime = Field(description=DATE_TIME)
    place: str = Field(min_length=1, max_length=300)

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "kind": "assessment",
                    "starts_at": "2026-12-01T14:00:00Z",
                    "place": "Llanelli hub, 2 Stepney Street",
                }
            ]
        },
    )


class OutcomeIn(InSchema):
    """An outcome: attendance at an appointment (or a correction of it), an appointment
    cancelled, treatment started, or closure."""

    type: Literal[
        "attendance", "attendance_corrected", "appointment_cancelled", "treatment_started", "closed"
    ]
    appointment_id: int | None = Field(
        None,
        description="For attendance, attendance_corrected and appointment_cancelled (to "
        "rearrange an appointment, cancel it and book the new time; one the referrer set is "
        "theirs to change: 409).",
    )
    attendance: Literal["attended", "did_not_attend", "left_early"] | None = Field(
        None,
        description="For attendance; for attendance_corrected, what really happened at an "
        "appointment whose answer was recorded wrongly (while the referral is in progress).",
    )
    reason: str = Field(
        "",
        max_length=NOTE_MAX,
        description="For attendance_corrected: why the answer is corrected (shown on the "
        "referral's timeline; at most 2,000 characters).",
    )
    started_at: UtcDateTime | None = Field(None, description=f"For treatment_started. {DATE_TIME}")
    closure_reason: str = Field(
        "", max_length=CODE_MAX, description="For closed: a WNDSM closure reason code."
    )
    note: str = Field(
        "", max_length=NOTE_MAX, description="For closed: a note (at most 2,000 characters)."
    )

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"type": "attendance", "appointment_id": 12, "attendance": "did_not_attend"},
                {
                    "type": "attendance_corrected",
                    "appointment_id": 12,
                    "attendance": "attended",
                    "reason": "Recorded against the wrong appointment",
                },
                {"type": "appointment_cancelled", "appointment_id": 13},
                {"type": "treatment_started", "started_at": "2026-12-01T14:30:00Z"},
                {"type": "closed", "closure_reason": "planned_complete", "note": "Finished"},
            ]
        },
    )


class ErrorOut(Schema):
    message: str
    extra: dict[str, Any]
