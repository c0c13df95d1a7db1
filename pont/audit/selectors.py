"""Reading the audit log: verification, and the data protection officer's search."""

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db.models import QuerySet, Value
from django.db.models.functions import Lower
from django.utils import timezone

from .chain import HASHED_FIELDS, Checkpoint, VerifyResult, verify_chain
from .models import AuditChainHead, AuditCheckpoint, AuditEvent

SEARCH_CAPABILITY = "audit.search_audit_log"
EXPORT_CAPABILITY = "audit.export_audit_log"


class CheckpointFileError(ValueError):
    """The checkpoint file exists but a line in it cannot be read."""


def checkpoints_from_file(path: Path) -> list[Checkpoint]:
    """Read the checkpoint file; a missing file has no checkpoints, a corrupt one is an error."""
    if not path.exists():
        return []
    checkpoints = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                data = json.loads(line)
                checkpoints.append(
                    Checkpoint(
                        sequence=int(data["sequence"]),
                        hash=str(data["hash"]),
                        created_at=str(data["created_at"]),
                        signature=str(data["signature"]),
                        source=str(path),
                    )
                )
            except (ValueError, KeyError, TypeError) as error:
                raise CheckpointFileError(f"{path}, line {number}: {error}") from None
    return checkpoints


def checkpoints_from_table() -> list[Checkpoint]:
    return [
        Checkpoint(
            sequence=row.sequence,
            hash=row.hash,
            created_at=row.created_at.isoformat(timespec="microseconds"),
            signature=row.signature,
            source="the checkpoint table",
        )
        for row in AuditCheckpoint.objects.order_by("sequence", "created_at")
    ]


def _events_in_order(head_holder: dict[str, tuple[int, str] | None]) -> Iterator[dict[str, Any]]:
    """Stream every event in order, catching up with events committed during the walk.

    The head row is read after the events; if it has moved past the last event
    seen (a live system kept writing), the new events are walked too, so a
    verify on a busy system does not report a false break. The head finally
    read is left in head_holder for the comparison.
    """
    fields = (*HASHED_FIELDS, "hash")
    last = 0
    while True:
        rows = AuditEvent.objects.filter(sequence__gt=last).order_by("sequence").values(*fields)
        moved = False
        for row in rows.iterator(chunk_size=2000):
            moved = True
            last = row["sequence"]
            yield row
        head = AuditChainHead.objects.filter(pk=1).values_list("sequence", "hash").first()
        if not moved or head is None or head[0] <= last:
            head_holder["head"] = head
            return


def audit_chain_verify(
    *, checkpoint_file: Path | None = None, external: bool = True
) -> VerifyResult:
    """Verify the whole chain against its head row and every checkpoint, in constant memory.

    `external=False` leaves out the checkpoint file (a restored backup is checked against the
    checkpoints it holds: the file, written since, is ahead of it by design)."""
    checkpoints = checkpoints_from_table()
    path = checkpoint_file
    if path is None and external and settings.PONT_AUDIT_CHECKPOINT_FILE:
        path = Path(settings.PONT_AUDIT_CHECKPOINT_FILE)
    if path is not None:
        checkpoints += checkpoints_from_file(path)
    holder: dict[str, tuple[int, str] | None] = {"head": None}
    return verify_chain(
        _events_in_order(holder),
        checkpoints=checkpoints,
        checkpoint_key=settings.PONT_AUDIT_CHECKPOINT_KEY,
        head=lambda: holder["head"],
    )


def chain_verified_in_restored_copy() -> tuple[bool, str]:
    """The restore drill's check: the chain of a restored backup, against its own checkpoints."""
    result = audit_chain_verify(external=False)
    return result.ok, result.describe()


@dataclass(frozen=True)
class AuditSearch:
    person_id: int | None = None
    actor: str = ""
    operation: str = ""
    date_from: date | None = None
    date_to: date | None = None

    def describe(self) -> dict[str, Any]:
        """The criteria, for the audit row that records this search."""
        return {
            key: (value.isoformat() if isinstance(value, date) else value)
            for key, value in self.__dict__.items()
            if value not in (None, "")
        }


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def audit_event_search(*, user: Any, criteria: AuditSearch) -> QuerySet[AuditEvent]:
    """Return the events matching the criteria; nothing unless the user may search the log."""
    if not user.has_perm(SEARCH_CAPABILITY):
        return AuditEvent.objects.none()
    events = AuditEvent.objects.select_related("organisation").order_by("-sequence")
    if criteria.person_id is not None:
        events = events.filter(subject_person_id=criteria.person_id)
    if criteria.actor:
        # Both sides lowered by the database, as the index audit_actor_sequence holds the label
        # (iexact is written as LIKE on SQLite and UPPER() on PostgreSQL: neither uses it).
        events = events.alias(actor_key=Lower("actor_label")).filter(
            actor_key=Lower(Value(criteria.actor))
        )
    if criteria.operation:
        events = events.filter(operation=criteria.operation)
    if criteria.date_from:
        events = events.filter(occurred_at__gte=_start_of(criteria.date_from))
    if criteria.date_to:
        events = events.filter(occurred_at__lt=_start_of(criteria.date_to + timedelta(days=1)))
    return events


def last_event_about(object_type: str, object_id: str, **detail: Any) -> AuditEvent | None:
    """The latest event about one record whose detail holds these values (a service that
    undoes its own change reads what the change replaced, as it recorded it)."""
    return (
        AuditEvent.objects.filter(
            object_type=object_type,
            object_id=object_id,
            **{f"detail__{name}": value for name, value in detail.items()},
        )
        .order_by("-sequence")
        .first()
    )
