"""Writing the audit log: `record()` is the only way a row gets in."""

import json
import logging
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Model, QuerySet
from django.utils import timezone

from pont.core.request_context import get_request_id

from .chain import checkpoint_signature, event_hash
from .models import AuditChainHead, AuditCheckpoint, AuditEvent

logger = logging.getLogger("pont.audit")

Operation = AuditEvent.Operation
_UNSET = object()


class AuditOutsideTransactionError(RuntimeError):
    """record() was called outside the transaction of the operation it logs."""


def _actor_fields(actor: Any) -> dict[str, Any]:
    """Return actor, label and organisation for a user, an API client or the system."""
    if actor is None:
        return {"actor": None, "actor_label": "system", "organisation_id": None}
    if hasattr(actor, "key_prefix"):  # an accounts.ApiClient, named without importing it
        return {
            "actor": None,
            "actor_label": f"api-client:{actor.pk}:{actor.name}"[:200],
            "organisation_id": actor.organisation_id,
        }
    # Looked up once per user object (one per request), not once per event.
    organisation_id = getattr(actor, "_pont_cache_audit_organisation_id", _UNSET)
    if organisation_id is _UNSET:
        membership = actor.active_memberships().order_by("created_at", "pk").first()
        organisation_id = membership.organisation_id if membership else None
        actor._pont_cache_audit_organisation_id = organisation_id
    return {"actor": actor, "actor_label": actor.get_username(), "organisation_id": organisation_id}


def _subject_id(subject: Any) -> int | None:
    if subject is None:
        return None
    if isinstance(subject, int):
        return subject
    return int(subject.pk)


def _locked_head() -> AuditChainHead:
    """Return the chain head, locked for this transaction.

    The migration creates it; it is re-created only on an emptied database
    (a test flush). On a populated chain a re-created head would restart at
    index 1 and fail the unique index, so nothing can fork the chain.
    """
    head = AuditChainHead.objects.select_for_update().filter(pk=1).first()
    if head is None:
        head, _created = AuditChainHead.objects.get_or_create(pk=1)
    return head


def record(
    *,
    actor: Any,
    operation: str,
    subject: Any = None,
    obj: Model | None = None,
    object_type: str = "",
    object_id: str = "",
    reason: str = "",
    recipient: str = "",
    organisation_id: int | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event to the chain, inside the caller's transaction.

    `actor` is a user, an API client, or None for the system; `subject` the
    person whose data was processed (instance or id); `obj` the record
    touched. `detail` carries metadata only (which fields changed, how many
    rows), never the personal data itself.

    It refuses to run outside a transaction: an operation and its audit row
    commit together or not at all.
    """
    return record_many(
        [
            {
                "actor": actor,
                "operation": operation,
                "subject": subject,
                "obj": obj,
                "object_type": object_type,
                "object_id": object_id,
                "reason": reason,
                "recipient": recipient,
                "organisation_id": organisation_id,
                "detail": detail,
            }
        ]
    )[0]


def record_many(entries: list[dict[str, Any]]) -> list[AuditEvent]:
    """Append several events at once (a page of search results, an API list), in order.

    Each entry takes record()'s arguments. The chain head is locked once and
    the rows are inserted together, so listing fifty people costs a few
    statements, not a few hundred; the chain is exactly as if record() had
    been called for each.
    """
    if not connection.in_atomic_block:
        raise AuditOutsideTransactionError(
            "audit.record() must be called inside the transaction of the operation it logs."
        )
    if not entries:
        return []
    head = _locked_head()
    sequence, previous = head.sequence, head.hash
    now = timezone.now()
    request_id = get_request_id()
    events = []
    for entry in entries:
        operation = entry["operation"]
        if operation not in Operation.values:
            raise ValueError(f"Unknown audit operation {operation!r}.")
        fields = _actor_fields(entry.get("actor"))
        if entry.get("organisation_id") is not None:
            fields["organisation_id"] = entry["organisation_id"]
        obj = entry.get("obj")
        object_type, object_id = entry.get("object_type", ""), entry.get("object_id", "")
        if obj is not None:
            object_type, object_id = obj._meta.label_lower, str(obj.pk)
        sequence += 1
        event = AuditEvent(
            sequence=sequence,
            occurred_at=now,
            operation=operation,
            subject_person_id=_subject_id(entry.get("subject")),
            object_type=object_type,
            object_id=object_id,
            reason=entry.get("reason", ""),
            recipient=entry.get("recipient", ""),
            request_id=request_id,
            detail=entry.get("detail") or {},
            prev_hash=previous,
            **fields,
        )
        event.hash = event_hash(event)
        previous = event.hash
        events.append(event)
    # The append-only manager refuses bulk_create to everyone else; this is the one writer.
    writer: QuerySet[AuditEvent] = QuerySet(model=AuditEvent)
    writer.bulk_create(events)
    AuditChainHead.objects.filter(pk=1).update(sequence=sequence, hash=previous)
    return events


def checkpoint_write() -> AuditCheckpoint | None:
    """Record the chain head outside the event table; return None if it has not moved."""
    with transaction.atomic():
        head = _locked_head()
        last = AuditCheckpoint.objects.order_by("-sequence", "-created_at").first()
        if head.sequence == 0 or (last is not None and last.sequence == head.sequence):
            return None
        created_at = timezone.now()
        stamp = created_at.isoformat(timespec="microseconds")
        signature = checkpoint_signature(
            settings.PONT_AUDIT_CHECKPOINT_KEY, head.sequence, head.hash, stamp
        )
        checkpoint = AuditCheckpoint(
            sequence=head.sequence, hash=head.hash, created_at=created_at, signature=signature
        )
        checkpoint.save(force_insert=True)
        path = settings.PONT_AUDIT_CHECKPOINT_FILE
        line = json.dumps(
            {
                "sequence": head.sequence,
                "hash": head.hash,
                "created_at": stamp,
                "signature": signature,
            }
        )
        if path:
            transaction.on_commit(lambda: _append_line(Path(path), line))
    logger.info("audit checkpoint written at index %s", checkpoint.sequence)
    return checkpoint


def _append_line(path: Path, line: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as handle:
        handle.write(line + "\n")
        handle.flush()
