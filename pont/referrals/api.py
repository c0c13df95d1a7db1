"""The partner API for referrals: a provider's system reads its referrals and writes back outcomes.

Every call is made by an API client of the receiving organisation, with the
scopes `referrals:read` (list, get) and `referrals:write` (patch, post).
Another organisation's referral answers 404, exactly like one that does not
exist. Every referral returned is recorded as a disclosure to the client.
"""

import base64
import binascii
import json
from datetime import datetime
from typing import Any
from uuid import UUID

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext_lazy as _
from ninja import Query, Router

from pont.accounts.models import ApiClient
from pont.audit import services as audit
from pont.core.exceptions import ApplicationError, ConflictError, NotFoundError

from . import services
from .actors import READ_SCOPE, WRITE_SCOPE, actor_label
from .http_semantics import IF_MATCH_STALE, etag, expected_version, idempotent
from .models import Appointment, ContactAttempt, Referral
from .schemas import (
    AppointmentIn,
    AppointmentOut,
    ContactAttemptIn,
    ContactAttemptOut,
    ErrorOut,
    OutcomeIn,
    ReferralOut,
    ReferralPageOut,
    ReferralPatchIn,
)
from .selectors import referral_get_for_actor, referral_list_visible_to

router = Router(tags=["referrals"])

MAX_PAGE = 100
ERRORS: dict[int, Any] = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
    422: ErrorOut,
}


def _client(request: HttpRequest, scope: str) -> ApiClient:
    client = request.auth  # type: ignore[attr-defined]
    if not isinstance(client, ApiClient) or not client.has_scope(scope):
        raise ApplicationError(
            f"This API key does not have the {scope} scope.", {"scope": scope}, status=403
        )
    return client


def referral_out(referral: Referral) -> dict[str, Any]:
    person = referral.person
    return {
        "id": str(referral.pk),
        "reference": referral.reference,
        "status": referral.status,
        "version": referral.version,
        "source_kind": referral.source_kind,
        "urgency": referral.urgency,
        "reason": referral.reason,
        "legal_basis": referral.legal_basis,
        "statutory_basis": referral.statutory_basis,
        "person": {
            "reference": person.reference,
            "given_name": person.given_name,
            "family_name": person.family_name,
            "date_of_birth": person.date_of_birth,
            "preferred_language": person.preferred_language,
        },
        "contact_routes": referral.contact_snapshot,
        "service": {"id": str(referral.service_id), "name": referral.service.name},
        "referring_organisation": referral.referring_organisation.name,
        **{
            name: getattr(referral, name)
            for name in (
                "requested_at",
                "accepted_at",
                "rejected_at",
                "first_contact_attempt_at",
                "first_contacted_at",
                "first_attended_at",
                "treatment_started_at",
                "closed_at",
                "cancelled_at",
                "rejection_reason",
                "cancellation_reason",
                "already_known_to_provider",
                "updated_at",
            )
        },
        "closure_reason": referral.closure_reason.code if referral.closure_reason else None,
        "appointments": [
            {
                "id": a.pk,
                "kind": a.kind,
                "starts_at": a.starts_at,
                "place": a.place,
                "attendance": a.attendance,
            }
            for a in referral.appointments.all()
        ],
        "contact_attempts": [
            {
                "id": c.pk,
                "method": c.method,
                "attempted_at": c.attempted_at,
                "result": c.result,
                "note": c.note,
            }
            for c in referral.contact_attempts.all()
        ],
    }


def _disclosed(client: ApiClient, referrals: list[Referral]) -> None:
    with transaction.atomic():
        audit.record_many(
            [
                {
                    "actor": client,
                    "operation": audit.Operation.DISCLOSURE,
                    "subject": referral.person_id,
                    "obj": referral,
                    "recipient": actor_label(client),
                    "detail": {"via": "api"},
                }
                for referral in referrals
            ]
        )


def _encode_cursor(referral: Referral) -> str:
    raw = json.dumps([referral.updated_at.isoformat(), str(referral.pk)]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        when, pk = json.loads(raw)
        return datetime.fromisoformat(when), str(UUID(pk))
    except (ValueError, TypeError, binascii.Error, json.JSONDecodeError):
        raise ApplicationError(
            str(_("The cursor is not valid.")), {"fields": {"cursor": ["invalid"]}}
        ) from None


@router.get(
    "/",
    response={200: ReferralPageOut, **ERRORS},
    summary="List referrals sent to your organisation",
)
def list_referrals(
    request: HttpRequest,
    cursor: str = "",
    updated_since: datetime | None = None,
    status: str = "",
    limit: int = Query(50, ge=1, le=MAX_PAGE),
) -> JsonResponse:
    """Referrals in the order they last changed, oldest first: poll with `updated_since`, page with
    `cursor`. Drafts are never shown."""
    client = _client(request, READ_SCOPE)
    referrals = referral_list_visible_to(actor=client).prefetch_related(
        "appointments", "contact_attempts"
    )
    if status:
        if status not in Referral.Status.values:
            raise ApplicationError(str(_("Unknown status.")), {"fields": {"status": [status]}})
        referrals = referrals.filter(status=status)
    if updated_since is not None:
        referrals = referrals.filter(updated_at__gte=updated_since)
    if cursor:
        after_time, after_id = _decode_cursor(cursor)
        referrals = referrals.filter(
            Q(updated_at__gt=after_time) | Q(updated_at=after_time, pk__gt=after_id)
        )
    page = list(referrals.order_by("updated_at", "pk")[: limit + 1])
    more = len(page) > limit
    page = page[:limit]
    _disclosed(client, page)
    # Built from the same dicts the schema describes; answered directly, without a second
    # validation pass over every item (the schema tests check the shape).
    body = {
        "items": [referral_out(r) for r in page],
        "next_cursor": _encode_cursor(page[-1]) if more and page else None,
    }
    return JsonResponse(body, encoder=DjangoJSONEncoder)


def _one(client: ApiClient, referral_id: UUID, *, write: bool = False) -> Referral:
    referral = referral_get_for_actor(
        actor=client, referral_id=referral_id, side="provider" if write else ""
    )
    if referral is None:
        raise NotFoundError(str(_("Referral not found.")))
    return referral


def _referral_response(referral: Referral, status: int = 200) -> JsonResponse:
    response = JsonResponse(referral_out(referral), status=status, encoder=DjangoJSONEncoder)
    response["ETag"] = etag(referral.version)
    return response


@router.get(
    "/{uuid:referral_id}",
    response={200: ReferralOut, **ERRORS},
    url_name="get_referral",
    summary="Get one referral (with its ETag)",
)
def get_referral(request: HttpRequest, referral_id: UUID) -> HttpResponse:
    client = _client(request, READ_SCOPE)
    referral = _one(client, referral_id)
    _disclosed(client, [referral])
    return _referral_response(referral)


@router.patch(
    "/{uuid:referral_id}",
    response={200: ReferralOut, 412: ErrorOut, 428: ErrorOut, **ERRORS},
    summary="Change a referral's status (needs If-Match)",
)
def update_referral(
    request: HttpRequest, referral_id: UUID, payload: ReferralPatchIn
) -> HttpResponse:
    """Accept, reject (with `reason`), or close (`completed`/`failed` with `closure_reason`).

    Send the ETag you read as `If-Match`: a stale one gets 412 and changes nothing; none gets 428.
    """
    client = _client(request, WRITE_SCOPE)
    referral = _one(client, referral_id, write=True)
    version = expected_version(request)
    if version != referral.version:
        raise ApplicationError(
            str(IF_MATCH_STALE), {"current_etag": etag(referral.version)}, status=412
        )
    try:
        if payload.status == "accepted":
            referral = services.referral_accept(
                actor=client,
                referral_id=referral.pk,
                expected_version=version,
                already_known=payload.already_known_to_provider,
            )
        elif payload.status == "rejected":
            referral = services.referral_reject(
                actor=client,
                referral_id=referral.pk,
                reason=payload.reason,
                expected_version=version,
            )
        else:
            if not payload.closure_reason:
                raise ApplicationError(
                    str(_("Give a closure_reason to close the referral.")),
                    {"fields": {"closure_reason": ["required"]}},
                )
            referral = services.referral_close(
                actor=client,
                referral_id=referral.pk,
                closure_reason=payload.closure_reason,
                note=payload.note,
                expected_version=version,
            )
            if referral.status != payload.status:
                raise ApplicationError(
                    str(_("That closure reason gives a different status.")),
                    {
                        "fields": {
                            "status": [payload.status],
                            "closure_reason": [payload.closure_reason],
                        }
                    },
                )
    except ConflictError:
        current = _one(client, referral_id)
        raise ApplicationError(
            str(IF_MATCH_STALE), {"current_etag": etag(current.version)}, status=412
        ) from None
    referral = _one(client, referral_id)
    return _referral_response(referral)


@router.post(
    "/{uuid:referral_id}/contact-attempts",
    response={201: ContactAttemptOut, **ERRORS},
    summary="Record an attempt to contact the person (needs Idempotency-Key)",
)
def record_contact_attempt(
    request: HttpRequest, referral_id: UUID, payload: ContactAttemptIn
) -> HttpResponse:
    client = _client(request, WRITE_SCOPE)

    def run() -> tuple[int, dict[str, Any]]:
        attempt: ContactAttempt = services.contact_attempt_log(
            actor=client,
            referral_id=referral_id,
            method=payload.method,
            attempted_at=payload.attempted_at,
            result=payload.result,
            note=payload.note,
        )
        body = ContactAttemptOut(
            id=attempt.pk,
            method=attempt.method,
            attempted_at=attempt.attempted_at,
            result=attempt.result,
            note=attempt.note,
        ).model_dump(mode="json")
        return 201, body

    return idempotent(request, client, run)


@router.post(
    "/{uuid:referral_id}/appointments",
    response={201: AppointmentOut, **ERRORS},
    summary="Book an appointment (needs Idempotency-Key)",
)
def book_appointment(
    request: HttpRequest, referral_id: UUID, payload: AppointmentIn
) -> HttpResponse:
    client = _client(request, WRITE_SCOPE)

    def run() -> tuple[int, dict[str, Any]]:
        appointment: Appointment = services.appointment_book(
            actor=client,
            referral_id=referral_id,
            starts_at=payload.starts_at,
            place=payload.place,
            kind=payload.kind,
        )
        body = AppointmentOut.model_validate(
            {
                "id": appointment.pk,
                "kind": appointment.kind,
                "starts_at": appointment.starts_at,
                "place": appointment.place,
                "attendance": appointment.attendance,
            }
        ).model_dump(mode="json")
        return 201, body

    return idempotent(request, client, run)


@router.post(
    "/{uuid:referral_id}/outcomes",
    response={201: ReferralOut, **ERRORS},
    summary="Record an outcome: attendance, treatment started, or closure (needs Idempotency-Key)",
)
def record_outcome(request: HttpRequest, referral_id: UUID, payload: OutcomeIn) -> HttpResponse:
    client = _client(request, WRITE_SCOPE)

    def run() -> tuple[int, dict[str, Any]]:
        if payload.type == "attendance":
            if payload.appointment_id is None or payload.attendance is None:
                raise ApplicationError(
                    str(_("Give appointment_id and attendance.")),
                    {"fields": {"appointment_id": ["required"], "attendance": ["required"]}},
                )
            services.attendance_record(
                actor=client,
                referral_id=referral_id,
                appointment_id=payload.appointment_id,
                attendance=payload.attendance,
            )
        elif payload.type == "treatment_started":
            if payload.started_at is None:
                raise ApplicationError(
                    str(_("Give started_at.")), {"fields": {"started_at": ["required"]}}
                )
            services.treatment_start(
                actor=client, referral_id=referral_id, started_at=payload.started_at
            )
        else:
            services.referral_close(
                actor=client,
                referral_id=referral_id,
                closure_reason=payload.closure_reason,
                note=payload.note,
            )
        referral = _one(client, referral_id)
        return 201, ReferralOut(**referral_out(referral)).model_dump(mode="json")

    return idempotent(request, client, run)
