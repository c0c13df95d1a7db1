"""Tamper tests on copies of the chain (reliability plan T18c).

Every test builds its own chain as plain dicts (or copies real rows with
`.values()`), changes it the way an attacker with write access to the table
could, and checks that `verify_chain` names the first index that no longer
holds. Nothing here touches the audit table itself.
"""

import copy
import hashlib
import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction

from pont.audit import services
from pont.audit.chain import (
    HASHED_FIELDS,
    Checkpoint,
    chained_hash,
    chained_hashes,
    checkpoint_signature,
    event_hash,
    hash_parts,
    hash_parts_many,
    verify_chain,
)
from pont.audit.models import GENESIS_HASH, AuditEvent

KEY = "chain-test-key"
LENGTH = 10
START = datetime(2026, 3, 27, 9, 30, 0, 123456, tzinfo=UTC)
POSITIONS = [1, 2, 5, LENGTH - 1, LENGTH]


def build_chain(length: int = LENGTH) -> list[dict]:
    """Return a valid chain of `length` events as dicts, linked from the genesis hash."""
    events = []
    previous = GENESIS_HASH
    for sequence in range(1, length + 1):
        event = {
            "sequence": sequence,
            "occurred_at": START + timedelta(minutes=sequence),
            "operation": AuditEvent.Operation.CONSULTATION.value,
            "actor_id": 7,
            "actor_label": "custody",
            "organisation_id": 3,
            "subject_person_id": 100 + sequence,
            "object_type": "people.person",
            "object_id": str(100 + sequence),
            "reason": f"reason {sequence}",
            "recipient": "",
            "request_id": f"{sequence:032x}",
            "detail": {"fields": ["given_name"], "rows": sequence},
            "prev_hash": previous,
        }
        event["hash"] = event_hash(event)
        previous = event["hash"]
        events.append(event)
    return events


def rehash_from(events: list[dict], index: int) -> None:
    """Recompute hashes and links from 1-based `index` to the end, as a forger would."""
    previous = events[index - 2]["hash"] if index > 1 else GENESIS_HASH
    for event in events[index - 1 :]:
        event["prev_hash"] = previous
        event["hash"] = event_hash(event)
        previous = event["hash"]


def signed(sequence: int, chain_hash: str, *, key: str = KEY, source: str = "test") -> Checkpoint:
    created_at = "2026-03-27T10:00:00.000000+00:00"
    return Checkpoint(
        sequence=sequence,
        hash=chain_hash,
        created_at=created_at,
        signature=checkpoint_signature(key, sequence, chain_hash, created_at),
        source=source,
    )


def head_of(events: list[dict]) -> tuple[int, str]:
    return events[-1]["sequence"], events[-1]["hash"]


# The intact chain


def test_an_intact_chain_verifies_with_every_event_counted():
    events = build_chain()

    result = verify_chain(events)

    assert result.ok
    assert result.checked == LENGTH
    assert result.broken_index is None
    assert result.describe() == f"OK: {LENGTH} events, chain intact."


def test_an_intact_chain_verifies_against_its_head_and_signed_checkpoints():
    events = build_chain()
    checkpoints = [signed(3, events[2]["hash"]), signed(LENGTH, events[-1]["hash"])]

    result = verify_chain(events, checkpoints=checkpoints, checkpoint_key=KEY, head=head_of(events))

    assert result.ok
    assert result.checked == LENGTH


def test_an_empty_chain_verifies_against_a_genesis_head():
    assert verify_chain([], head=(0, GENESIS_HASH)).ok


def test_the_first_event_must_link_to_the_genesis_hash():
    events = build_chain()
    assert events[0]["prev_hash"] == GENESIS_HASH
    events[0]["prev_hash"] = "f" * 64
    events[0]["hash"] = event_hash(events[0])
    rehash_from(events, 2)

    result = verify_chain(events)

    assert not result.ok
    assert result.broken_index == 1


def test_a_hash_is_the_sha256_of_the_sorted_canonical_json_of_the_hashed_fields():
    event = build_chain(1)[0]
    payload = {field: event[field] for field in HASHED_FIELDS}
    payload["occurred_at"] = "2026-03-27T09:31:00.123456+00:00"
    expected = hashlib.sha256(
        json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    ).hexdigest()

    assert event_hash(event) == expected


@pytest.mark.parametrize("field", HASHED_FIELDS)
def test_changing_any_hashed_field_changes_the_hash(field):
    event = build_chain(1)[0]
    original = event_hash(event)
    changed = dict(event)
    value = changed[field]
    if isinstance(value, datetime):
        changed[field] = value + timedelta(microseconds=1)
    elif isinstance(value, int):
        changed[field] = value + 1
    elif isinstance(value, dict):
        changed[field] = {**value, "rows": -1}
    else:
        changed[field] = value + "x"

    assert event_hash(changed) != original


def test_the_hash_does_not_depend_on_the_time_zone_the_time_is_read_in():
    event = build_chain(1)[0]
    in_london_summer = dict(
        event, occurred_at=event["occurred_at"].astimezone(ZoneInfo("Europe/London"))
    )
    in_new_york = dict(
        event, occurred_at=event["occurred_at"].astimezone(ZoneInfo("America/New_York"))
    )

    assert event_hash(in_london_summer) == event_hash(event) == event_hash(in_new_york)


def test_the_hash_does_not_depend_on_the_order_of_keys_in_detail():
    event = build_chain(1)[0]
    reordered = dict(event, detail=dict(reversed(list(event["detail"].items()))))

    assert list(reordered["detail"]) != list(event["detail"])
    assert event_hash(reordered) == event_hash(event)


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"actor_id": None, "organisation_id": None, "subject_person_id": None},
        {"reason": "Cais gan y Comisiynydd: “dyfynodau”, ŵ ŷ, émoji 🚓", "recipient": 'a"b\\c'},
        {"detail": {"z": [1, {"b": 2, "a": None}], "a": "ñ", "m": True, "n": 1.5}},
        {"occurred_at": START.astimezone(ZoneInfo("Europe/London")), "sequence": 10**12},
        # A raw NUL and control characters in text: escaped, never taken for a gap.
        {"reason": "a\x00b\x01\n\t", "object_id": "\x00", "detail": {"\x00": "\x00"}},
        # An operation given as its choice (a str subclass), a boolean and a float in detail.
        {"operation": AuditEvent.Operation.DISCLOSURE, "detail": {"ok": False, "f": 1e-7}},
    ],
)
def test_the_hash_made_in_two_steps_equals_the_hash_made_at_once(changes):
    """The writer encodes an event before it locks the chain head and finishes the hash
    under the lock (`hash_parts`, `chained_hash`): byte for byte `event_hash`'s encoding."""
    event = dict(build_chain(1)[0], **changes)
    parts = hash_parts(event)
    assert len(parts) == 4  # the text around the index, the time and the link (the lock's)
    assert chained_hash(
        parts,
        sequence=event["sequence"],
        occurred_at=event["occurred_at"],
        prev_hash=event["prev_hash"],
    ) == event_hash(event)


def test_events_appended_together_hash_as_the_chain_made_one_at_a_time():
    """`record_many` encodes a batch's shared detail once and its time once
    (`hash_parts_many`, `chained_hashes`): the chain is event_hash's, link for link."""
    shared = {"via": "api"}
    # Three share one detail object, one has an equal copy, two their own.
    details = [shared, shared, shared, {"via": "api"}, {"n": 1}, {"n": 2}]
    events = []
    previous = GENESIS_HASH
    for sequence, detail in enumerate(details, start=41):
        event = dict(
            build_chain(1)[0],
            sequence=sequence,
            occurred_at=START,
            subject_person_id=sequence,
            detail=detail,
            prev_hash=previous,
        )
        event["hash"] = previous = event_hash(event)
        events.append(event)

    many = hash_parts_many(events)
    assert many == [hash_parts(event) for event in events]
    assert chained_hashes(many, after=40, occurred_at=START, prev_hash=GENESIS_HASH) == [
        event["hash"] for event in events
    ]
    # A model instance is encoded as its mapping is.
    instance = AuditEvent(**{field: events[0][field] for field in HASHED_FIELDS})
    assert hash_parts(instance) == many[0]


def test_details_made_one_event_at_a_time_are_each_encoded_as_their_own():
    """A detail dropped after its event is encoded cannot lend its id, and so its text, to
    a later event's detail (CPython gives a new object the memory of a freed one)."""
    base = build_chain(1)[0]
    seen: set[int] = set()
    reused = []

    def one_at_a_time():
        for n in range(200):
            detail = {"n": n}
            reused.append(id(detail) in seen)
            seen.add(id(detail))
            yield dict(base, detail=detail)
            del detail

    for _event in one_at_a_time():  # dropped at once: a later detail takes an earlier's id
        pass
    assert any(reused)
    many = hash_parts_many(one_at_a_time())
    assert many == [hash_parts(dict(base, detail={"n": n})) for n in range(200)]


# Editing an event


def _edit(event: dict, field: str) -> None:
    if field == "occurred_at":
        event[field] = event[field] - timedelta(seconds=1)
    elif field == "detail":
        event[field] = {**event[field], "rows": 999}
    elif field in ("subject_person_id", "actor_id", "organisation_id"):
        event[field] = 424242
    elif field == "operation":
        event[field] = AuditEvent.Operation.ERASURE.value
    else:
        event[field] = "tampered " + str(event[field])


EDITED_FIELDS = [
    "reason",
    "actor_label",
    "actor_id",
    "organisation_id",
    "occurred_at",
    "detail",
    "operation",
    "subject_person_id",
    "recipient",
    "object_id",
    "request_id",
]


@pytest.mark.parametrize("field", EDITED_FIELDS)
@pytest.mark.parametrize("position", POSITIONS)
def test_editing_a_field_of_an_event_breaks_the_chain_at_that_event(field, position):
    events = copy.deepcopy(build_chain())
    _edit(events[position - 1], field)

    result = verify_chain(events)

    assert not result.ok
    assert result.broken_index == position
    assert result.checked == position - 1
    assert "do not match its hash" in result.reason
    assert result.describe().startswith(f"BROKEN at index {position}: ")


@pytest.mark.parametrize("position", POSITIONS)
def test_editing_the_stored_hash_of_an_event_breaks_the_chain_at_that_event(position):
    events = build_chain()
    events[position - 1]["hash"] = "0123" * 16

    result = verify_chain(events)

    assert not result.ok
    assert result.broken_index == position


@pytest.mark.parametrize("position", POSITIONS)
def test_editing_the_link_to_the_predecessor_breaks_the_chain_at_that_event(position):
    events = build_chain()
    events[position - 1]["prev_hash"] = "e" * 64

    result = verify_chain(events)

    assert not result.ok
    assert result.broken_index == position
    assert "does not link" in result.reason


@pytest.mark.parametrize("position", [p for p in POSITIONS if p < LENGTH])
def test_an_edit_with_its_own_hash_recomputed_breaks_the_chain_at_the_next_event(position):
    events = build_chain()
    events[position - 1]["reason"] = "nothing to see here"
    events[position - 1]["hash"] = event_hash(events[position - 1])

    result = verify_chain(events)

    assert not result.ok
    assert result.broken_index == position + 1
    assert "does not link" in result.reason


def test_an_edit_of_the_last_event_with_its_hash_recomputed_is_caught_only_by_the_head():
    events = build_chain()
    original_head = head_of(events)
    events[-1]["reason"] = "nothing to see here"
    events[-1]["hash"] = event_hash(events[-1])

    # Honest limit: the chain alone cannot tell a rehashed last event from the real one.
    assert verify_chain(events).ok
    result = verify_chain(events, head=original_head)
    assert not result.ok
    assert result.broken_index == LENGTH
    assert "head does not match" in result.reason


@pytest.mark.parametrize("position", [1, 3, 6])
def test_an_edit_with_the_whole_rest_of_the_chain_rehashed_is_caught_by_a_later_checkpoint(
    position,
):
    events = build_chain()
    original_head = head_of(events)
    checkpoint = signed(8, events[7]["hash"])
    events[position - 1]["actor_label"] = "someone-else"
    rehash_from(events, position)

    # Honest limit: a forger who rewrites everything after the edit leaves a chain
    # that is consistent with itself; only something kept outside it can tell.
    assert verify_chain(events).ok
    by_checkpoint = verify_chain(events, checkpoints=[checkpoint], checkpoint_key=KEY)
    assert not by_checkpoint.ok
    assert by_checkpoint.broken_index == 8
    assert "does not match the checkpoint" in by_checkpoint.reason
    by_head = verify_chain(events, head=original_head)
    assert not by_head.ok
    assert by_head.broken_index == LENGTH


# Deleting, reordering and inserting


@pytest.mark.parametrize("position", [p for p in POSITIONS if p < LENGTH])
def test_deleting_an_event_breaks_the_chain_at_its_index(position):
    events = build_chain()
    del events[position - 1]

    result = verify_chain(events)

    assert not result.ok
    assert result.broken_index == position
    assert f"expected index {position} but found {position + 1}" in result.reason


@pytest.mark.parametrize("position", [p for p in POSITIONS if p < LENGTH])
def test_deleting_an_event_and_renumbering_the_rest_breaks_the_chain_at_its_index(position):
    events = build_chain()
    del events[position - 1]
    for event in events[position - 1 :]:
        event["sequence"] -= 1

    result = verify_chain(events)

    assert not result.ok
    assert result.broken_index == position
    assert "does not link" in result.reason


@pytest.mark.parametrize(("first", "second"), [(1, 2), (2, 7), (4, 5), (9, 10), (1, 10)])
def test_swapping_two_events_breaks_the_chain_at_the_earlier_one(first, second):
    events = build_chain()
    events[first - 1], events[second - 1] = events[second - 1], events[first - 1]

    result = verify_chain(events)

    assert not result.ok
    assert result.broken_index == first
    assert f"expected index {first} but found {second}" in result.reason


@pytest.mark.parametrize(("first", "second"), [(1, 2), (2, 7), (9, 10)])
def test_swapping_two_events_and_their_index_numbers_breaks_the_chain_at_the_earlier_one(
    first, second
):
    events = build_chain()
    events[first - 1], events[second - 1] = events[second - 1], events[first - 1]
    events[first - 1]["sequence"], events[second - 1]["sequence"] = first, second

    result = verify_chain(events)

    assert not result.ok
    assert result.broken_index == first


def _forged(sequence: int, prev_hash: str) -> dict:
    forged = dict(build_chain(1)[0])
    forged.update(
        sequence=sequence,
        prev_hash=prev_hash,
        reason="forged",
        actor_label="dpo",
        detail={"forged": True},
    )
    forged["hash"] = event_hash(forged)
    return forged


@pytest.mark.parametrize("position", [1, 2, 5, LENGTH])
def test_inserting_a_forged_event_with_a_recomputed_hash_breaks_the_chain_at_the_next_link(
    position,
):
    events = build_chain()
    previous = events[position - 2]["hash"] if position > 1 else GENESIS_HASH
    events.insert(position - 1, _forged(position, previous))

    result = verify_chain(events)

    # The forged event itself passes; the original event after it is out of place.
    assert not result.ok
    assert result.broken_index == position + 1
    assert result.checked == position


@pytest.mark.parametrize("position", [1, 2, 5, LENGTH])
def test_inserting_a_forged_event_and_renumbering_the_rest_breaks_the_chain_at_the_next_link(
    position,
):
    events = build_chain()
    previous = events[position - 2]["hash"] if position > 1 else GENESIS_HASH
    for event in events[position - 1 :]:
        event["sequence"] += 1
    events.insert(position - 1, _forged(position, previous))

    result = verify_chain(events)

    assert not result.ok
    assert result.broken_index == position + 1
    assert "does not link" in result.reason


@pytest.mark.parametrize("position", [1, 2, 5, LENGTH])
def test_inserting_a_forged_event_with_a_wrong_link_breaks_the_chain_at_its_own_index(position):
    events = build_chain()
    events.insert(position - 1, _forged(position, "b" * 64))

    result = verify_chain(events)

    assert not result.ok
    assert result.broken_index == position
    assert "does not link" in result.reason


def test_appending_a_forged_event_after_the_head_is_caught_by_the_head():
    events = build_chain()
    original_head = head_of(events)
    events.append(_forged(LENGTH + 1, events[-1]["hash"]))

    assert verify_chain(events).ok  # the chain alone accepts a well-formed extension
    result = verify_chain(events, head=original_head)
    assert not result.ok
    assert "head does not match" in result.reason


# Truncating the tail


@pytest.mark.parametrize("removed", [1, 3, LENGTH - 1])
def test_a_truncated_tail_cannot_be_seen_without_a_checkpoint_or_head(removed):
    events = build_chain()[: LENGTH - removed]

    result = verify_chain(events)

    # Honest limit: a shorter chain is a valid chain; this is why checkpoints exist.
    assert result.ok
    assert result.checked == LENGTH - removed


@pytest.mark.parametrize("removed", [1, 3, LENGTH - 1, LENGTH])
def test_a_truncated_tail_is_caught_at_the_first_missing_index_by_a_signed_checkpoint(removed):
    full = build_chain()
    checkpoint = signed(LENGTH, full[-1]["hash"], source="the checkpoint file")
    events = full[: LENGTH - removed]
    last = LENGTH - removed

    result = verify_chain(events, checkpoints=[checkpoint], checkpoint_key=KEY)

    assert not result.ok
    assert result.broken_index == last + 1
    assert result.checked == last
    assert "the checkpoint file" in result.reason
    assert "tail has been removed" in result.reason


@pytest.mark.parametrize("removed", [1, 3, LENGTH - 1, LENGTH])
def test_a_truncated_tail_is_caught_at_the_first_missing_index_by_the_head(removed):
    full = build_chain()
    events = full[: LENGTH - removed]

    result = verify_chain(events, head=head_of(full))

    assert not result.ok
    assert result.broken_index == LENGTH - removed + 1
    assert "tail has been removed" in result.reason


def test_a_truncated_tail_with_a_rewound_head_is_still_caught_by_an_older_checkpoint():
    full = build_chain()
    checkpoint = signed(8, full[7]["hash"])
    events = full[:6]

    result = verify_chain(
        events, checkpoints=[checkpoint], checkpoint_key=KEY, head=head_of(events)
    )

    assert not result.ok
    assert result.broken_index == 7


def test_a_head_that_disagrees_with_the_last_hash_breaks_the_chain():
    events = build_chain()

    result = verify_chain(events, head=(LENGTH, "c" * 64))

    assert not result.ok
    assert result.broken_index == LENGTH
    assert "head does not match" in result.reason


# Checkpoints that are themselves wrong


@pytest.mark.parametrize("position", [1, 4, LENGTH])
def test_a_signed_checkpoint_whose_hash_does_not_match_the_event_breaks_at_its_index(position):
    events = build_chain()
    checkpoint = signed(position, "d" * 64)

    result = verify_chain(events, checkpoints=[checkpoint], checkpoint_key=KEY)

    assert not result.ok
    assert result.broken_index == position
    assert "does not match the checkpoint in test" in result.reason


@pytest.mark.parametrize("position", [1, 4, LENGTH])
def test_a_checkpoint_signed_with_the_wrong_key_is_refused_before_the_walk(position):
    events = build_chain()
    forged = signed(position, events[position - 1]["hash"], key="an attacker's guess")

    result = verify_chain(events, checkpoints=[forged], checkpoint_key=KEY)

    assert not result.ok
    assert result.broken_index == position
    assert result.checked == 0
    assert "invalid signature" in result.reason


def test_a_checkpoint_whose_index_was_changed_after_signing_is_refused():
    events = build_chain()
    genuine = signed(LENGTH, events[-1]["hash"])
    moved = Checkpoint(
        sequence=5,
        hash=events[4]["hash"],
        created_at=genuine.created_at,
        signature=genuine.signature,
        source="test",
    )

    result = verify_chain(events, checkpoints=[moved], checkpoint_key=KEY)

    assert not result.ok
    assert "invalid signature" in result.reason


# Copies of real rows


@pytest.fixture
def real_events(db):
    with transaction.atomic():
        for number in range(LENGTH):
            services.record(
                actor=None,
                operation=services.Operation.COLLECTION,
                subject=number + 1,
                reason=f"row {number}",
                detail={"number": number, "nested": {"b": [1, 2], "a": "ü"}},
            )
    fields = [*HASHED_FIELDS, "hash"]
    return [dict(row) for row in AuditEvent.objects.order_by("sequence").values(*fields)]


def test_a_copy_of_real_rows_read_back_from_the_database_verifies(real_events):
    assert len(real_events) >= LENGTH
    assert verify_chain(real_events).ok


@pytest.mark.parametrize("field", ["reason", "actor_label", "occurred_at", "detail"])
def test_editing_a_copy_of_a_real_row_breaks_the_chain_at_that_row(real_events, field):
    target = real_events[-4]
    _edit(target, field)

    result = verify_chain(real_events)

    assert not result.ok
    assert result.broken_index == target["sequence"]


def test_deleting_a_real_row_from_the_copy_breaks_the_chain_at_its_index(real_events):
    removed = real_events.pop(-3)

    result = verify_chain(real_events)

    assert result.broken_index == removed["sequence"]
