"""Writing the audit log: `record()` is the only way a row gets in."""

import json
import logging
import threading
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import OperationalError, connection, transaction
from django.db.models import Model
from django.utils import timezone

from pont.core.request_context import get_request_id

from .chain import HASHED_FIELDS, chained_hashes, checkpoint_signature, hash_parts_many
from .models import AuditChainHead, AuditCheckpoint, AuditEvent

logger = logging.getLogger("pont.audit")

Operation = AuditEvent.Operation
_OPERATIONS = frozenset(Operation.values)
_UNSET = object()


class AuditOutsideTransactionError(RuntimeError):
    """record() was called outside the transaction of the operation it logs."""


class ReadNotRecordedError(OperationalError):
    """The transaction that carried this read's events with others' failed: nothing was
    recorded, so nothing may be shown. An OperationalError, so the caller answers 503."""


def _actor_fields(actor: Any) -> dict[str, Any]:
    """Return actor, label and organisation for a user, an API client or the system."""
    if actor is None:
        return {"actor_id": None, "actor_label": "system", "organisation_id": None}
    if hasattr(actor, "key_prefix"):  # an accounts.ApiClient, named without importing it
        return {
            "actor_id": None,
            "actor_label": f"api-client:{actor.pk}:{actor.name}"[:200],
            "organisation_id": actor.organisation_id,
        }
    # Looked up once per user object (one per request), not once per event.
    organisation_id = getattr(actor, "_pont_cache_audit_organisation_id", _UNSET)
    if organisation_id is _UNSET:
        membership = actor.active_memberships().order_by("created_at", "pk").first()
        organisation_id = membership.organisation_id if membership else None
        actor._pont_cache_audit_organisation_id = organisation_id
    return {
        "actor_id": actor.pk,
        "actor_label": actor.get_username(),
        "organisation_id": organisation_id,
    }


def _subject_id(subject: Any) -> int | None:
    if subject is None:
        return None
    if isinstance(subject, int):
        return subject
    return int(subject.pk)


def _locked_head() -> tuple[int, str]:
    """Return the chain head's (index, hash), locked for this transaction.

    The migration creates the row; it is re-created only on an emptied database
    (a test flush). On a populated chain a re-created head would restart at
    index 1 and fail the unique index, so nothing can fork the chain.
    Plain SQL: this runs in every audited request, and the ORM's query
    compilation cost more than the statement itself.
    """
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT sequence, hash FROM {_HEAD_TABLE} WHERE id = 1{lock}")  # noqa: S608
        row = cursor.fetchone()
    if row is None:
        head, _created = AuditChainHead.objects.get_or_create(pk=1)
        return head.sequence, head.hash
    return int(row[0]), str(row[1])


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
    (row,) = record_many(
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
    )
    event = AuditEvent(**row)
    event._state.adding = False
    return event


def record_shown_in(*, actor: Any, subject: Any, obj: Model, shown_in: str) -> None:
    """Record that a page other than the record's own shows it (a form about it, or its page
    shown again with a form's errors): a consultation like the page's, committed before it
    is shown, `shown_in` saying where."""
    with transaction.atomic():
        record(
            actor=actor,
            operation=Operation.CONSULTATION,
            subject=subject,
            obj=obj,
            detail={"shown_in": shown_in},
        )


class PreparedEvents:
    """Events made ready to append (`prepare`) before their transaction: everything but the
    index, the time and the link to the chain, which only the locked chain head can give.
    Appended once, by `record_many`."""

    def __init__(self, rows: list[dict[str, Any]]) -> None:
        self.rows = rows
        self.used = False

    def spend(self) -> None:
        """Mark them appended; refuse if they were already (they must enter the chain once)."""
        if self.used:
            raise ValueError("These prepared events have been recorded already.")
        self.used = True


def prepare(entries: list[dict[str, Any]]) -> PreparedEvents:
    """Check and encode events (each entry takes record()'s arguments) ahead of the
    transaction that will append them with `record_many`.

    Every audited request appends under one lock (the chain head, and on SQLite the one
    writer): what is done here, before it, is time no other writer waits for. A read
    that discloses a page of referrals prepares its twenty events first.
    """
    request_id = get_request_id()
    rows = []
    detail_field = AuditEvent._meta.get_field("detail")
    # A detail the events share is prepared once (kept with it, so its id stays its own).
    details: dict[int, tuple[Any, Any]] = {}
    for entry in entries:
        operation = entry["operation"]
        if operation not in _OPERATIONS:
            raise ValueError(f"Unknown audit operation {operation!r}.")
        actor = _actor_fields(entry.get("actor"))
        if entry.get("organisation_id") is not None:
            actor["organisation_id"] = entry["organisation_id"]
        obj = entry.get("obj")
        object_type, object_id = entry.get("object_type", ""), entry.get("object_id", "")
        if obj is not None:
            object_type, object_id = obj._meta.label_lower, str(obj.pk)
        detail = entry.get("detail") or {}
        if id(detail) not in details:
            details[id(detail)] = (detail, detail_field.get_db_prep_save(detail, connection))
        rows.append(
            {
                "operation": operation,
                **actor,
                "subject_person_id": _subject_id(entry.get("subject")),
                "object_type": object_type,
                "object_id": object_id,
                "reason": entry.get("reason", ""),
                "recipient": entry.get("recipient", ""),
                "request_id": request_id,
                "detail": detail,
                "_detail": details[id(detail)][1],
            }
        )
    for row, parts in zip(rows, hash_parts_many(rows), strict=True):
        row["_parts"] = parts
    return PreparedEvents(rows)


def _in_operation_transaction() -> bool:
    """Whether a transaction other than a test case's own is open on the connection.

    A test case (django.test.TestCase, pytest-django's `db`) runs each test inside
    transactions of its own, which would satisfy a bare `in_atomic_block` and hide a
    service that forgot its `transaction.atomic` until it ran for real (a webhook endpoint
    saved, then a 500 with no audit event). Django marks those blocks `_from_testcase`;
    outside the tests no block carries the mark, so this is `in_atomic_block`.
    """
    return any(not getattr(block, "_from_testcase", False) for block in connection.atomic_blocks)


def record_many(entries: list[dict[str, Any]] | PreparedEvents) -> list[dict[str, Any]]:
    """Append several events at once (a page of search results, an API list), in order.

    Each entry takes record()'s arguments; or give them `prepare`d beforehand. The
    chain head is locked once and the rows are inserted together, so listing fifty
    people costs a few statements, not a few hundred; the chain is exactly as if
    record() had been called for each. Returns the rows written, as column -> value.
    """
    if not _in_operation_transaction():
        raise AuditOutsideTransactionError(
            "audit.record() must be called inside the transaction of the operation it logs."
        )
    if not isinstance(entries, PreparedEvents):
        entries = prepare(entries)
    entries.spend()
    if not entries.rows:
        return []
    return _append(entries.rows, _locked_head())


def _append(rows: list[dict[str, Any]], head: tuple[int, str]) -> list[dict[str, Any]]:
    """Chain the prepared rows after `head` (the locked chain head) and insert them."""
    sequence, previous = head
    now = timezone.now()
    hashes = chained_hashes(
        [row["_parts"] for row in rows], after=sequence, occurred_at=now, prev_hash=previous
    )
    for row, digest in zip(rows, hashes, strict=True):
        sequence += 1
        row["sequence"], row["occurred_at"], row["prev_hash"] = sequence, now, previous
        row["hash"] = previous = digest
    _insert(rows, head=(sequence, previous))
    for row in rows:
        del row["_parts"], row["_detail"]
    return rows


def record_read(entries: list[dict[str, Any]] | PreparedEvents) -> None:
    """Record what a read is about to show (consultations, disclosures), before it is shown.

    Inside a transaction the events join it, as with `record_many`. Outside one they are
    committed before this returns, in a transaction shared with the reads of this
    process's other threads that are waiting to record at the same moment (a group
    commit): each read still shows nothing until its events are in the chain, and if the
    shared transaction fails, every read in it raises (ReadNotRecordedError, or the
    error itself for the thread that ran it) and none is shown. The chain is as if each
    read had committed alone, in the order they were appended. Sharing matters because
    every transaction that extends the chain queues for its head (on SQLite, for the
    one writer): reads arriving together queue once.
    """
    if not isinstance(entries, PreparedEvents):
        entries = prepare(entries)
    if _in_operation_transaction():
        record_many(entries)
    elif entries.rows:
        _READS.record(entries)
    else:
        entries.spend()


class _Waiting:
    """One read's events, waiting in the group commit, and what became of them."""

    def __init__(self, events: PreparedEvents) -> None:
        self.events = events
        self.woken = threading.Event()  # set to lead, or when the events are written or failed
        self.lead = False
        self.done = False
        self.error: BaseException | None = None


class _GroupCommit:
    """The reads of one process, committed together when they arrive together.

    The first read to arrive leads: it opens a transaction on its own connection and waits
    for the chain head's lock; once it holds it, `write` takes every read waiting then (its
    own included, and those that arrived while it waited for the lock) and appends their
    rows; the leader wakes them and hands the lead to the first read that arrived after the
    take. One transaction is written at a time per process; reads that arrive during it
    wait for the next, which takes them all.
    """

    def __init__(self, write: Callable[[Callable[[], list[dict[str, Any]]]], None]) -> None:
        self._write = write
        self._mutex = threading.Lock()
        self._waiting: list[_Waiting] = []
        self._leading = False

    def waiting(self) -> int:
        """How many reads are queued for the next transaction (for tests)."""
        with self._mutex:
            return len(self._waiting)

    def record(self, events: PreparedEvents) -> None:
        events.spend()
        mine = _Waiting(events)
        with self._mutex:
            self._waiting.append(mine)
            if not self._leading:
                self._leading = mine.lead = True
        if not mine.lead:
            mine.woken.wait()
        if not mine.done:  # woken to lead
            self._lead()
        if mine.error is not None:
            if mine.lead:
                raise mine.error
            raise ReadNotRecordedError(
                "The audit events of this read were not written."
            ) from mine.error

    def _lead(self) -> None:
        batch: list[_Waiting] = []
        taken = False

        def take() -> list[dict[str, Any]]:
            nonlocal taken
            if taken:
                raise RuntimeError("A group commit's reads are taken once.")
            taken = True
            with self._mutex:
                batch.extend(self._waiting)
                self._waiting = []
            return [row for each in batch for row in each.events.rows]

        error: BaseException | None = None
        try:
            self._write(take)
            if not taken:
                raise RuntimeError("The group commit's writer took no reads.")
        except BaseException as exc:  # noqa: BLE001 - handed to every read in the batch
            error = exc
        finally:
            if not taken:
                take()  # the transaction failed before it took them: they fail with it
            for each in batch:
                each.error, each.done = error, True
                each.woken.set()
            with self._mutex:
                if self._waiting:
                    self._waiting[0].lead = True
                    self._waiting[0].woken.set()
                else:
                    self._leading = False


def _write_reads(take: Callable[[], list[dict[str, Any]]]) -> None:
    """Open the transaction, wait for the chain head's lock (on SQLite the writers' lock is
    taken at BEGIN), then take the reads waiting and append their events."""
    with transaction.atomic():
        head = _locked_head()
        rows = take()
        if rows:
            _append(rows, head)


_READS = _GroupCommit(_write_reads)


# The append-only manager refuses writes to everyone else; this module is the one writer.
# Its statements are written out: they run in every audited request.
_HEAD_TABLE = AuditChainHead._meta.db_table
_INSERTED = (*HASHED_FIELDS, "hash")  # every hashed column, then the hash
_OCCURRED_AT, _DETAIL = _INSERTED.index("occurred_at"), _INSERTED.index("detail")
_ROWS_PER_STATEMENT = 500  # 15 parameters a row: well under SQLite's 32,766


_OCCURRED_AT_FIELD = AuditEvent._meta.get_field("occurred_at")


@cache
def _insert_statements(vendor: str) -> tuple[str, str, str]:
    """The INSERT's text up to its rows, one row's placeholders, and the head's UPDATE: made
    once for each database vendor (the names are quoted as it quotes them)."""
    quote = connection.ops.quote_name
    columns = ", ".join(quote(name) for name in _INSERTED)
    insert_into = f"INSERT INTO {quote(AuditEvent._meta.db_table)} ({columns}) VALUES "  # noqa: S608
    row_marks = "(" + ", ".join(["%s"] * len(_INSERTED)) + ")"
    head_update = f"UPDATE {quote(_HEAD_TABLE)} SET sequence = %s, hash = %s WHERE id = 1"  # noqa: S608
    return insert_into, row_marks, head_update


def _insert(rows: list[dict[str, Any]], *, head: tuple[int, str]) -> None:
    """Insert the rows with one multi-row INSERT per 500, set each row's "id", and move the
    chain head to `head` (the last row's sequence and hash).

    The time is prepared for the database by its field once (every row of a call
    shares it), the detail was when the events were prepared; the rest are plain values.
    RETURNING (PostgreSQL; SQLite 3.35 and later) gives each row its primary key. On
    PostgreSQL the head is moved by the last INSERT itself (an UPDATE in its WITH clause:
    one round trip to the server fewer in every audited transaction); SQLite, which runs
    in the process and allows no UPDATE in a WITH clause, runs the UPDATE after it.
    """
    insert_into, row_marks, head_update = _insert_statements(connection.vendor)
    head_in_insert = connection.vendor == "postgresql"
    occurred_at = _OCCURRED_AT_FIELD.get_db_prep_save(rows[0]["occurred_at"], connection)
    with connection.cursor() as cursor:
        for start in range(0, len(rows), _ROWS_PER_STATEMENT):
            chunk = rows[start : start + _ROWS_PER_STATEMENT]
            params: list[Any] = []
            for row in chunk:
                values = [row[name] for name in _INSERTED]
                values[_OCCURRED_AT], values[_DETAIL] = occurred_at, row["_detail"]
                params += values
            insert = f"{insert_into}{', '.join([row_marks] * len(chunk))} RETURNING id, sequence"
            if head_in_insert and start + _ROWS_PER_STATEMENT >= len(rows):
                insert, params = f"WITH head AS ({head_update}) {insert}", [*head, *params]
            cursor.execute(insert, params)
            by_sequence = {int(sequence): pk for pk, sequence in cursor.fetchall()}
            for row in chunk:
                row["id"] = by_sequence[row["sequence"]]
        if not head_in_insert:
            cursor.execute(head_update, list(head))


def checkpoint_write() -> AuditCheckpoint | None:
    """Record the chain head outside the event table; return None if it has not moved."""
    with transaction.atomic():
        head_sequence, head_hash = _locked_head()
        last = AuditCheckpoint.objects.order_by("-sequence", "-created_at").first()
        if head_sequence == 0 or (last is not None and last.sequence == head_sequence):
            return None
        created_at = timezone.now()
        stamp = created_at.isoformat(timespec="microseconds")
        signature = checkpoint_signature(
            settings.PONT_AUDIT_CHECKPOINT_KEY, head_sequence, head_hash, stamp
        )
        checkpoint = AuditCheckpoint(
            sequence=head_sequence, hash=head_hash, created_at=created_at, signature=signature
        )
        checkpoint.save(force_insert=True)
        path = settings.PONT_AUDIT_CHECKPOINT_FILE
        line = json.dumps(
            {
                "sequence": head_sequence,
                "hash": head_hash,
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
