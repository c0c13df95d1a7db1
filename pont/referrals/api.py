"""The partner API for referrals: a provider's system reads its referrals and writes back outcomes.

Every call is made by an API client of the receiving organisation, with the
scopes `referrals:read` (list, get) and `referrals:write` (patch, post).
Another organisation's referral answers 404, exactly like one that does not
exist. Every referral returned is recorded as a disclosure to the client. A HEAD
(answered as the GET, without its body: pont.core.api.PontApi) records none: it
sends nothing of the referral, only that the key may read it and its version
(docs/provider-guide.md, "Read referrals").
"""

import base64
import binascii
import json
from datetime import datetime
from typing import Annotated, Any, NoReturn
from uuid import UUID

from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from ninja import Query, Router

from pont.accounts.models import ApiClient
from pont.audit import services as audit
from pont.core.api import IsoDateTime, body_sent, in_utc, refused_in_words
from pont.core.api_json import json_response
from pont.core.exceptions import ApplicationError, ConflictError, NotFoundError
from pont.core.refusals import lacking, note_not_found

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
from .selectors import referral_api_rows

router = Router(tags=["referrals"])

# A `+` in a query string is a space once decoded, so `...T10:00:00+00:00` sent as typed
# arrives as `...T10:00:00 00:00`; pydantic's words for it speak of a date, which this
# parameter refuses. Said here in Pont's words, naming the parameter and the cure.
UPDATED_SINCE_NOT_A_DATE_TIME = _(
    "updated_since must be an ISO 8601 date and time with its offset from UTC, such as "
    "2026-11-27T10:00:00Z. In the query string send the + of an offset as %2B "
    "(2026-11-27T10:00:00%2B00:00): a + on its own is read as a space. Or give the time in "
    "UTC, ending in Z."
)

UpdatedSince = Annotated[IsoDateTime, refused_in_words(UPDATED_SINCE_NOT_A_DATE_TIME)]

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
# The status code is the int that ninja keys its own responses by: merged into the 200 it
# describes, not beside it (a "200" string made the document name the code twice).
WITH_ETAG: dict[str, Any] = {
    "responses": {
        200: {
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
# A write's body over the size Pont accepts (DATA_UPLOAD_MAX_MEMORY_SIZE, 2.5 MB).
WRITE_ERRORS: dict[int, Any] = {**ERRORS, 413: ErrorOut}


def _client(request: HttpRequest, scope: str) -> ApiClient:
    client = request.auth  # type: ignore[attr-defined]
    if not isinstance(client, ApiClient) or not client.has_scope(scope):
        lacking(request, f"the {scope} scope")
        raise ApplicationError(
            str(_("This API key does not have the %(scope)s scope.") % {"scope": scope}),
            {"scope": scope},
            status=403,
        )
    return client


def _disclosed(client: ApiClient, rows: list[dict[str, Any]], *, record: bool = True) -> None:
    """Record each referral returned as disclosed to the client, unless told not to (a HEAD
    sends none of it; a write's own event names what its answer shows), and drop the
    private keys.

    The events are prepared before the transaction, so that the writers' lock is held only
    to chain and insert them."""
    if not record:
        for row in rows:
            del row["_person_id"]
        return
    if not rows:
        return
    object_type = Referral._meta.label_lower
    recipient = actor_label(client)
    detail = {"via": "api"}  # one object: prepared once for the page
    events = audit.prepare(
        [
            {
                "actor": client,
                "operation": audit.Operation.DISCLOSURE,
                "subject": row.pop("_person_id"),
                "object_type": object_type,
                "object_id": row["id"],
                "recipient": recipient,
                "detail": detail,
            }
            for row in rows
        ]
    )
    audit.record_read(events)


def _encode_cursor(row: dict[str, Any]) -> str:
    raw = json.dumps([row["updated_at"].isoformat(), row["id"]]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


# The fields each status (PATCH) and each outcome type uses besides itself.
PATCH_FIELDS: dict[str, set[str]] = {
    "accepted": {"already_known_to_provider"},
    "rejected": {"reason"},
    "completed": {"closure_reason", "note"},
    "failed": {"closure_reason", "note"},
}
OUTCOME_FIELDS: dict[str, set[str]] = {
    "attendance": {"appointment_id", "attendance"},
    "attendance_corrected": {"appointment_id", "attendance", "reason"},
    "appointment_cancelled": {"appointment_id"},
    "treatment_started": {"started_at"},
    "closed": {"closure_reason", "note"},
}


def _only_what_applies(payload: Any, chosen: str, applies: dict[str, set[str]]) -> None:
    """Refuse a field given a value that the chosen status or type does not use (a `reason`
    when accepting, an `appointment_id` with a treatment start): 422 naming it, never dropped
    without a word, as a field Pont does not know is not."""
    value = getattr(payload, chosen)
    unused = sorted(
        name
        for name in payload.model_fields_set
        if name != chosen
        and name not in applies[value]
        and getattr(payload, name) not in ("", None)
    )
    if unused:
        message = _("Not used when %(field)s is %(value)s: leave it out.") % {
            "field": chosen,
            "value": value,
        }
        raise ApplicationError(
            str(_("The request is not valid.")), {"fields": {name: [message] for name in unused}}
        )


def _required(*names: str) -> NoReturn:
    """Refuse a request missing a field its status or type needs, naming each."""
    message = str(_("Required here."))
    raise ApplicationError(
        str(_("Give %(fields)s.") % {"fields": ", ".join(names)}),
        {"fields": {name: [message] for name in names}},
    )


def _decode_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        when, pk = json.loads(raw)
        if not isinstance(pk, str):  # UUID() fails on a number or a list with AttributeError
            raise TypeError(pk)
        return in_utc(datetime.fromisoformat(when)), str(UUID(pk))
    except (ValueError, TypeError, binascii.Error, json.JSONDecodeError):
        message = str(_("The cursor is not valid: use the next_cursor of the page before."))
        raise ApplicationError(message, {"fields": {"cursor": [message]}}) from None


# /api/v1/referrals answers as /api/v1/referrals/ does, rather than Django's redirect to the
# address with the slash (a 301 with no body, which a client may follow as a GET or not at
# all). The schema lists only the address with the slash.
@router.get(
    "",
    response={200: ReferralPageOut, **ERRORS},
    summary="List referrals sent to your organisation",
    include_in_schema=False,
    url_name="list_referrals_without_slash",
)
@router.get(
    "/",
    response={200: ReferralPageOut, **ERRORS},
    summary="List referrals sent to your organisation",
)
def list_referrals(
    request: HttpRequest,
    cursor: str = Query(
        "",
        description="The `next_cursor` of the page before, to get the next page. Send the same "
        "`updated_since`, `status` and `limit` with it: the cursor holds only the position.",
    ),
    updated_since: Annotated[
        UpdatedSince | None,
        Query(
            description="Only referrals changed at or after this moment: ISO 8601 with its "
            "offset from UTC, such as `2026-11-01T00:00:00Z` (URL-encode a `+` as `%2B`); one "
            "without an offset is read as UK time. Poll with the latest `updated_at` you have "
            "seen.",
            examples=["2026-11-01T00:00:00Z"],
        ),
    ] = None,
    status: str = Query(
        "",
        description="Only referrals in this status: `requested`, `accepted`, `rejected`, "
        "`in-progress`, `completed`, `failed` or `cancelled`. Empty: every status.",
        examples=["requested"],
    ),
    limit: int = Query(
        50, ge=1, le=MAX_PAGE, description="How many referrals a page holds: 1 to 100."
    ),
) -> HttpResponse:
    """Referrals in the order they last changed, oldest first: poll with `updated_since`, page with
    `cursor`. A referral never sent (a draft, or a draft cancelled) is never shown."""
    client = _client(request, READ_SCOPE)
    if status and status not in Referral.Status.values:
        message = str(
            _("Unknown status: use one of %(statuses)s.")
            % {"statuses": ", ".join(s for s in Referral.Status.values if s != "draft")}
        )
        raise ApplicationError(message, {"fields": {"status": [message]}})
    page = referral_api_rows(
        client=client,
        status=status,
        updated_since=None if updated_since is None else in_utc(updated_since),
        after=_decode_cursor(cursor) if cursor else None,
        limit=limit + 1,
    )
    more = len(page) > limit
    page = page[:limit]
    _disclosed(client, page, record=body_sent(request))
    # Built from the same dicts the schema describes; answered directly, without a second
    # validation pass over every item (the schema tests check the shape).
    body = {
        "items": page,
        "next_cursor": _encode_cursor(page[-1]) if more and page else None,
    }
    return json_response(body)


def _shown(
    request: HttpRequest, client: ApiClient, referral_id: Any, *, disclose: bool = True
) -> dict[str, Any]:
    """One referral as the API shows it; 404 if the client may not see it.

    A read records the disclosure. The answer to a write does not: the write's
    own audit event already names the client, the referral and the request.
    """
    rows = referral_api_rows(client=client, referral_id=referral_id)
    if not rows:
        note_not_found(request, Referral, referral_id)
        raise NotFoundError(str(_("Referral not found.")))
    _disclosed(client, rows, record=disclose)
    return rows[0]


def _referral_response(
    request: HttpRequest, client: ApiClient, referral_id: Any, *, disclose: bool
) -> HttpResponse:
    row = _shown(request, client, referral_id, disclose=disclose)
    response = json_response(row)
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
    return _referral_response(request, client, referral_id, disclose=body_sent(request))


@router.patch(
    "/{uuid:referral_id}",
    response={200: ReferralOut, 412: ErrorOut, 428: ErrorOut, **WRITE_ERRORS},
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
    _only_what_applies(payload, "status", PATCH_FIELDS)
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
                    _required("closure_reason")
                referral = services.referral_close(
                    actor=client,
                    referral_id=referral_id,
                    closure_reason=payload.closure_reason,
                    note=payload.note,
                    expected_version=version,
                )
                if referral.status != payload.status:
                    message = str(
                        _("That closure reason makes the referral %(status)s, not %(asked)s.")
                        % {"status": referral.status, "asked": payload.status}
                    )
                    raise ApplicationError(
                        str(_("That closure reason gives a different status.")),
                        {"fields": {"status": [message], "closure_reason": [message]}},
                    )
    except ConflictError:
        current = _shown(request, client, referral_id, disclose=False)
        raise ApplicationError(
            str(IF_MATCH_STALE), {"current_etag": etag(current["version"])}, status=412
        ) from None
    return _referral_response(request, client, referral_id, disclose=False)


@router.post(
    "/{uuid:referral_id}/contact-attempts",
    response={201: ContactAttemptOut, **WRITE_ERRORS},
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
    response={201: AppointmentOut, **WRITE_ERRORS},
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
    response={201: ReferralOut, **WRITE_ERRORS},
    summary="Record an outcome: attendance (or its correction), an appointment cancelled, "
    "treatment started, or closure (needs Idempotency-Key)",
    openapi_extra=IDEMPOTENCY_KEY,
)
def record_outcome(request: HttpRequest, referral_id: UUID, payload: OutcomeIn) -> HttpResponse:
    client = _client(request, WRITE_SCOPE)
    _only_what_applies(payload, "type", OUTCOME_FIELDS)

    def run() -> tuple[int, dict[str, Any]]:
        if payload.type in ("attendance", "attendance_corrected"):
            if payload.appointment_id is None or payload.attendance is None:
                _required(
                    *(n for n in ("appointment_id", "attendance") if getattr(payload, n) is None)
                )
            if payload.type == "attendance":
                services.attendance_record(
                    actor=client,
                    referral_id=referral_id,
                    appointment_id=payload.appointment_id,
                    attendance=payload.attendance,
                )
            else:
                services.attendance_correct(
                    actor=client,
                    referral_id=referral_id,
                    appointment_id=payload.appointment_id,
                    attendance=payload.attendance,
                    reason=payload.reason,
                )
        elif payload.type == "appointment_cancelled":
            if payload.appointment_id is None:
                _required("appointment_id")
            services.appointment_cancel(
                actor=client, referral_id=referral_id, appointment_id=payload.appointment_id
            )
        elif payload.type == "treatment_started":
            if payload.started_at is None:
                _required("started_at")
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
        return 201, ReferralOut(**_shown(request, client, referral_id, disclose=False)).model_dump(
            mode="json"
        )

    return idempotent(request, client, run)
