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
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext_lazy as _
from ninja import Query, Router

from pont.accounts.models import ApiClient
from pont.audit import services as audit
from pont.core.api import in_utc
from pont.core.exceptions import ApplicationError, ConflictError, NotFoundError
from pont.people.models import Person

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
from .selectors import referral_list_visible_to, referral_scope

router = Router(tags=["referrals"])

MAX_PAGE = 100
# The status change's operation id, named here for the link to it below.
UPDATE_OPERATION = "pont_referrals_api_update_referral"
# The headers the write operations need, in the schema (so partner systems and Schemathesis
# see them), and the link from a referral's ETag to the change that needs it as If-Match.
IDEMPOTENCY_KEY: dict[str, Any] = {
    "parameters": [
        {
            "name": "Idempotency-Key",
            "in": "header",
            "required": True,
            "description": (
                "A unique value for this operation (a UUID, say). A retry with the same key "
                "and body returns the first response and creates nothing new; the same key "
                "with a different body gets 422. Keys are kept for 24 hours."
            ),
            "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[!-~]+$"},
            "example": "5b0c1f3e-8f7d-4c1a-9d2e-2f6f4c8a7b10",
        }
    ]
}
IF_MATCH: dict[str, Any] = {
    "parameters": [
        {
            "name": "If-Match",
            "in": "header",
            "required": True,
            "description": (
                "The ETag of the referral as you read it. A stale one gets 412 (with the "
                "current ETag) and changes nothing; none gets 428."
            ),
            "schema": {"type": "string", "pattern": '^(W/)?"[0-9]+"$'},
            "example": '"3"',
        }
    ]
}
WITH_ETAG: dict[str, Any] = {
    "responses": {
        "200": {
            "headers": {
                "ETag": {
                    "description": "The referral's version: send it as If-Match to change it.",
                    "schema": {"type": "string"},
                }
            },
            "links": {
                "ChangeItsStatus": {
                    "operationId": UPDATE_OPERATION,
                    "parameters": {
                        "referral_id": "$request.path.referral_id",
                        "header.If-Match": "$response.header.ETag",
                    },
                    "description": "Change the status of the referral just read.",
                }
            },
        }
    }
}

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


# The referral's own fields, copied as they are into the response.
_PLAIN_FIELDS = (
    "status",
    "version",
    "source_kind",
    "urgency",
    "reason",
    "legal_basis",
    "statutory_basis",
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
_PERSON_FIELDS = ("given_name", "family_name", "date_of_birth", "preferred_language")
_APPOINTMENT_FIELDS = ("id", "kind", "starts_at", "place", "attendance")
_ATTEMPT_FIELDS = ("id", "method", "attempted_at", "result", "note")
_ROW_FIELDS = (
    "pk",
    "person_id",
    "service_id",
    "contact_snapshot",
    *_PLAIN_FIELDS,
    *(f"person__{name}" for name in _PERSON_FIELDS),
    "service__name",
    "referring_organisation__name",
    "closure_reason__code",
)


def referral_rows(referrals: QuerySet[Referral]) -> list[dict[str, Any]]:
    """The API's representation of each referral, in the queryset's order.

    Read as plain rows (three queries for any number of referrals), not model
    instances: a list of twenty built six model objects per referral before.
    Each row keeps the person's id under `_person_id`, for the disclosure record.
    """
    rows = list(referrals.values(*_ROW_FIELDS))
    ids = [row["pk"] for row in rows]
    appointments: dict[Any, list[dict[str, Any]]] = {pk: [] for pk in ids}
    attempts: dict[Any, list[dict[str, Any]]] = {pk: [] for pk in ids}
    if ids:
        for referral_id, *values in Appointment.objects.filter(referral_id__in=ids).values_list(
            "referral_id", *_APPOINTMENT_FIELDS
        ):
            appointments[referral_id].append(dict(zip(_APPOINTMENT_FIELDS, values, strict=True)))
        for referral_id, *values in ContactAttempt.objects.filter(referral_id__in=ids).values_list(
            "referral_id", *_ATTEMPT_FIELDS
        ):
            attempts[referral_id].append(dict(zip(_ATTEMPT_FIELDS, values, strict=True)))
    return [
        {
            "id": str(row["pk"]),
            "reference": Referral.reference_for(row["pk"]),
            **{name: row[name] for name in _PLAIN_FIELDS},
            "person": {
                "reference": Person.reference_for(row["person_id"]),
                **{name: row[f"person__{name}"] for name in _PERSON_FIELDS},
            },
            "contact_routes": row["contact_snapshot"],
            "service": {"id": str(row["service_id"]), "name": row["service__name"]},
            "referring_organisation": row["referring_organisation__name"],
            "closure_reason": row["closure_reason__code"],
            "appointments": appointments[row["pk"]],
            "contact_attempts": attempts[row["pk"]],
            "_person_id": row["person_id"],
        }
        for row in rows
    ]


def _disclosed(client: ApiClient, rows: list[dict[str, Any]]) -> None:
    """Record each referral returned as disclosed to the client (and drop the private keys)."""
    object_type = Referral._meta.label_lower
    with transaction.atomic():
        audit.record_many(
            [
                {
                    "actor": client,
                    "operation": audit.Operation.DISCLOSURE,
                    "subject": row.pop("_person_id"),
                    "object_type": object_type,
                    "object_id": row["id"],
                    "recipient": actor_label(client),
                    "detail": {"via": "api"},
                }
                for row in rows
            ]
        )


def _encode_cursor(row: dict[str, Any]) -> str:
    raw = json.dumps([row["updated_at"].isoformat(), row["id"]]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        when, pk = json.loads(raw)
        return in_utc(datetime.fromisoformat(when)), str(UUID(pk))
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
    referrals = referral_list_visible_to(actor=client)
    if status:
        if status not in Referral.Status.values:
            raise ApplicationError(str(_("Unknown status.")), {"fields": {"status": [status]}})
        referrals = referrals.filter(status=status)
    if updated_since is not None:
        referrals = referrals.filter(updated_at__gte=in_utc(updated_since))
    if cursor:
        after_time, after_id = _decode_cursor(cursor)
        referrals = referrals.filter(
            Q(updated_at__gt=after_time) | Q(updated_at=after_time, pk__gt=after_id)
        )
    page = referral_rows(referrals.order_by("updated_at", "pk")[: limit + 1])
    more = len(page) > limit
    page = page[:limit]
    _disclosed(client, page)
    # Built from the same dicts the schema describes; answered directly, without a second
    # validation pass over every item (the schema tests check the shape).
    body = {
        "items": page,
        "next_cursor": _encode_cursor(page[-1]) if more and page else None,
    }
    return JsonResponse(body, encoder=DjangoJSONEncoder)


def _shown(client: ApiClient, referral_id: Any, *, disclose: bool = True) -> dict[str, Any]:
    """One referral as the API shows it; 404 if the client may not see it.

    A read records the disclosure. The answer to a write does not: the write's
    own audit event already names the client, the referral and the request.
    """
    rows = referral_rows(referral_scope(actor=client).filter(pk=referral_id))
    if not rows:
        raise NotFoundError(str(_("Referral not found.")))
    if disclose:
        _disclosed(client, rows)
    else:
        del rows[0]["_person_id"]
    return rows[0]


def _referral_response(client: ApiClient, referral_id: Any, *, disclose: bool) -> JsonResponse:
    row = _shown(client, referral_id, disclose=disclose)
    response = JsonResponse(row, encoder=DjangoJSONEncoder)
    response["ETag"] = etag(row["version"])
    return response


@router.get(
    "/{uuid:referral_id}",
    response={200: ReferralOut, **ERRORS},
    url_name="get_referral",
    summary="Get one referral (with its ETag)",
    openapi_extra=WITH_ETAG,
)
def get_referral(request: HttpRequest, referral_id: UUID) -> HttpResponse:
    client = _client(request, READ_SCOPE)
    return _referral_response(client, referral_id, disclose=True)


@router.patch(
    "/{uuid:referral_id}",
    response={200: ReferralOut, 412: ErrorOut, 428: ErrorOut, **ERRORS},
    summary="Change a referral's status (needs If-Match)",
    operation_id=UPDATE_OPERATION,
    openapi_extra={**IF_MATCH, **WITH_ETAG},
)
def update_referral(
    request: HttpRequest, referral_id: UUID, payload: ReferralPatchIn
) -> HttpResponse:
    """Accept, reject (with `reason`), or close (`completed`/`failed` with `closure_reason`).

    Send the ETag you read as `If-Match`: a stale one gets 412 and changes nothing; none gets 428.
    """
    client = _client(request, WRITE_SCOPE)
    version = expected_version(request)
    try:
        # One transaction: a closure whose reason gives another status is undone, not kept.
        with transaction.atomic():
            if payload.status == "accepted":
                referral = services.referral_accept(
                    actor=client,
                    referral_id=referral_id,
                    expected_version=version,
                    already_known=payload.already_known_to_provider,
                )
            elif payload.status == "rejected":
                referral = services.referral_reject(
                    actor=client,
                    referral_id=referral_id,
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
                    referral_id=referral_id,
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
        current = _shown(client, referral_id, disclose=False)
        raise ApplicationError(
            str(IF_MATCH_STALE), {"current_etag": etag(current["version"])}, status=412
        ) from None
    return _referral_response(client, referral_id, disclose=False)


@router.post(
    "/{uuid:referral_id}/contact-attempts",
    response={201: ContactAttemptOut, **ERRORS},
    summary="Record an attempt to contact the person (needs Idempotency-Key)",
    openapi_extra=IDEMPOTENCY_KEY,
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
    openapi_extra=IDEMPOTENCY_KEY,
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
    openapi_extra=IDEMPOTENCY_KEY,
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
        return 201, ReferralOut(**_shown(client, referral_id, disclose=False)).model_dump(
            mode="json"
        )

    return idempotent(request, client, run)
