"""The hash chain: how an event's hash is computed, and how the chain is verified.

These functions work on plain mappings as well as model instances, so the
tamper tests can edit, delete, reorder and truncate a copy of the chain and
show that each change is caught at the right index.
"""

import hashlib
import hmac
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from .models import GENESIS_HASH

# The fields that an event's hash covers, in a fixed order. Adding a field
# to AuditEvent means adding it here in a new chain version, never silently.
HASHED_FIELDS = (
    "sequence",
    "occurred_at",
    "operation",
    "actor_id",
    "actor_label",
    "organisation_id",
    "subject_person_id",
    "object_type",
    "object_id",
    "reason",
    "recipient",
    "request_id",
    "detail",
    "prev_hash",
)


def _value(event: Any, field: str) -> Any:
    if isinstance(event, Mapping):
        return event.get(field)
    return getattr(event, field)


def _canonical(value: Any) -> Any:
    if isinstance(value, datetime):
        # Hashed in UTC with microseconds, as both databases store it.
        aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
        return aware.astimezone(UTC).isoformat(timespec="microseconds")
    return value


def event_hash(event: Any) -> str:
    """Return the SHA-256 hex digest of the event's hashed fields and its predecessor's hash."""
    payload = {field: _canonical(_value(event, field)) for field in HASHED_FIELDS}
    encoded = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(encoded.encode("utf-8")).hexdigest()


# The hash, made in two steps: all but the three fields set when the event joins the chain
# (encoded before the chain head is locked), then those three and the digest (under the
# lock). Equal, byte for byte, to event_hash's encoding: keys sorted, values encoded alike.
_HASH_ORDER = tuple(sorted(HASHED_FIELDS))
CHAINED_FIELDS = ("sequence", "occurred_at", "prev_hash")
_encode_text = json.encoder.encode_basestring  # what json.dumps uses with ensure_ascii=False


def _encoded(value: Any) -> str:
    """A value as `event_hash`'s json.dumps encodes it, without building an encoder for the
    common kinds (text, whole numbers, None): an audited request encodes dozens of them."""
    if value is None:
        return "null"
    if isinstance(value, str):
        return _encode_text(value)
    if type(value) is int:
        return int.__repr__(value)
    if isinstance(value, datetime):
        return _encode_text(_canonical(value))
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _plan() -> tuple[tuple[tuple[tuple[str, str], ...], str], ...]:
    """For each of hash_parts' four texts: its fields with the text before each value
    (`{"actor_id":`, `,"actor_label":` ...), then the key of the chained field it ends at."""
    plan: list[tuple[tuple[tuple[str, str], ...], str]] = []
    fields: list[tuple[str, str]] = []
    for index, field in enumerate(_HASH_ORDER):
        key = ("{" if index == 0 else ",") + f'"{field}":'
        if field in CHAINED_FIELDS:
            plan.append((tuple(fields), key))
            fields = []
        else:
            fields.append((key, field))
    plan.append((tuple(fields), "}"))
    return tuple(plan)


_PLAN = _plan()


def hash_parts(event: Any, encoded: Callable[[Any], str] = _encoded) -> tuple[str, ...]:
    """The event's hashed fields encoded as `event_hash` encodes them, but for the three
    (`CHAINED_FIELDS`) set only when it is appended: the text before, between and after
    them, ready for `chained_hash` to join with their values. `encoded` may remember the
    values a batch of events repeats (`services.prepare`)."""
    get = event.get if isinstance(event, dict) else (lambda field: _value(event, field))
    return tuple(
        "".join([key + encoded(get(field)) for key, field in fields]) + closing
        for fields, closing in _PLAN
    )


def hash_parts_many(events: Iterable[Any]) -> list[tuple[str, ...]]:
    """`hash_parts` of each event, encoding a detail the events share (the same object) once:
    a page of twenty disclosures names the same detail twenty times."""
    # Each detail is kept with its text, so that no other object can take its id meanwhile.
    details: dict[int, tuple[Any, str]] = {}

    def encoded(value: Any) -> str:
        if type(value) is not dict:
            return _encoded(value)
        known = details.get(id(value))
        if known is None:
            known = details[id(value)] = (value, _encoded(value))
        return known[1]

    return [hash_parts(event, encoded) for event in events]


def _link(parts: tuple[str, ...], when: str, sequence: int, prev_hash: str) -> str:
    # The chained fields in the sorted order of the keys: occurred_at, prev_hash, sequence.
    return hashlib.sha256(
        (
            parts[0]
            + when
            + parts[1]
            + _encode_text(prev_hash)
            + parts[2]
            + int.__repr__(sequence)
            + parts[3]
        ).encode("utf-8")
    ).hexdigest()


def chained_hash(
    parts: tuple[str, ...], *, sequence: int, occurred_at: datetime, prev_hash: str
) -> str:
    """`event_hash` of the event whose `hash_parts` these are, once chained."""
    return _link(parts, _encoded(occurred_at), sequence, prev_hash)


def chained_hashes(
    many: list[tuple[str, ...]], *, after: int, occurred_at: datetime, prev_hash: str
) -> list[str]:
    """The hashes of events appended in a row at one time, the first after index `after`
    whose hash is `prev_hash`: each `chained_hash`, with the time encoded once."""
    when = _encoded(occurred_at)
    hashes = []
    for sequence, parts in enumerate(many, start=after + 1):
        prev_hash = _link(parts, when, sequence, prev_hash)
        hashes.append(prev_hash)
    return hashes


def checkpoint_signature(key: str, sequence: int, chain_hash: str, created_at: str) -> str:
    """Return the HMAC-SHA256 that binds a checkpoint to its index, hash and time."""
    message = f"{sequence}:{chain_hash}:{created_at}".encode()
    return hmac.new(key.encode(), message, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Checkpoint:
    sequence: int
    hash: str
    created_at: str
    signature: str
    source: str  # "table" or the file's path


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    broken_index: int | None = None
    reason: str = ""

    def describe(self) -> str:
        if self.ok:
            return f"OK: {self.checked} events, chain intact."
        return f"BROKEN at index {self.broken_index}: {self.reason}"


def verify_chain(
    events: Iterable[Any],
    *,
    checkpoints: Iterable[Checkpoint] = (),
    checkpoint_key: str | None = None,
    head: tuple[int, str] | Callable[[], tuple[int, str] | None] | None = None,
) -> VerifyResult:
    """Walk events in order and return the first broken link, if any.

    Index n (1-based) is broken if the event there is missing or out of
    order, does not name its predecessor's hash, or does not hash to its
    stored value. After the walk, every checkpoint must be reached and must
    match, and the chain head row must agree with the last event: a tail
    cut from the table fails here, at the first missing index. `head` may be
    a function, called after the walk.
    """
    expected_sequence = 1
    previous_hash = GENESIS_HASH
    hashes_at_checkpoints: dict[int, str] = {}
    wanted = {}
    checkpoint_list = list(checkpoints)
    for checkpoint in checkpoint_list:
        if checkpoint_key is not None:
            good = checkpoint_signature(
                checkpoint_key, checkpoint.sequence, checkpoint.hash, checkpoint.created_at
            )
            if not hmac.compare_digest(good, checkpoint.signature):
                return VerifyResult(
                    False,
                    0,
                    checkpoint.sequence,
                    f"the checkpoint at index {checkpoint.sequence} in {checkpoint.source} "
                    "has an invalid signature",
                )
        wanted[checkpoint.sequence] = checkpoint

    checked = 0
    for event in events:
        sequence = _value(event, "sequence")
        if sequence != expected_sequence:
            return VerifyResult(
                False,
                checked,
                expected_sequence,
                f"expected index {expected_sequence} but found {sequence} "
                "(an event is missing or out of order)",
            )
        if _value(event, "prev_hash") != previous_hash:
            return VerifyResult(
                False, checked, sequence, "the event does not link to the hash of its predecessor"
            )
        stored = _value(event, "hash")
        if event_hash(event) != stored:
            return VerifyResult(
                False, checked, sequence, "the event's contents do not match its hash"
            )
        if sequence in wanted:
            hashes_at_checkpoints[sequence] = stored
        previous_hash = stored
        expected_sequence += 1
        checked += 1

    last = expected_sequence - 1
    for sequence, checkpoint in sorted(wanted.items()):
        if sequence > last:
            return VerifyResult(
                False,
                checked,
                last + 1,
                f"the chain ends at index {last} but a checkpoint in {checkpoint.source} "
                f"records index {sequence} (the tail has been removed)",
            )
        if hashes_at_checkpoints.get(sequence) != checkpoint.hash:
            return VerifyResult(
                False,
                checked,
                sequence,
                f"the event does not match the checkpoint in {checkpoint.source}",
            )
    if callable(head):
        # Read after the walk, so that events committed meanwhile were walked too.
        head = head()
    if head is not None:
        head_sequence, head_hash = head
        if head_sequence > last:
            return VerifyResult(
                False,
                checked,
                last + 1,
                f"the chain ends at index {last} but its head records index {head_sequence} "
                "(the tail has been removed)",
            )
        if head_sequence != last or (last and head_hash != previous_hash):
            return VerifyResult(
                False, checked, head_sequence or 1, "the chain head does not match the last event"
            )
    return VerifyResult(True, checked)
