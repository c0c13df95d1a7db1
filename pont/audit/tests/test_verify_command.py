"""`pont audit verify` and `pont audit checkpoint` against a tampered database (T18c).

Tampering needs maintenance mode to get past the triggers, as it would need an
attacker with the database owner's rights; the chain and the checkpoints kept
outside the event table are what must notice.
"""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction

from pont.audit import maintenance, services
from pont.audit.chain import checkpoint_signature
from pont.audit.models import AuditChainHead, AuditCheckpoint, AuditEvent

pytestmark = pytest.mark.django_db

EVENTS = 8


@pytest.fixture(autouse=True)
def _triggers_armed():
    maintenance.set_maintenance(connection, False)
    yield
    maintenance.set_maintenance(connection, False)


@pytest.fixture
def chain() -> list[AuditEvent]:
    with transaction.atomic():
        return [
            services.record(
                actor=None,
                operation=services.Operation.CONSULTATION,
                subject=n,
                reason=f"reason {n}",
            )
            for n in range(1, EVENTS + 1)
        ]


@pytest.fixture
def checkpoint_file(settings, tmp_path):
    path = tmp_path / "audit-checkpoints.jsonl"
    settings.PONT_AUDIT_CHECKPOINT_FILE = str(path)
    return path


def verify(*args: str) -> str:
    out = StringIO()
    call_command("audit", "verify", *args, stdout=out)
    return out.getvalue()


def checkpoint() -> str:
    out = StringIO()
    call_command("audit", "checkpoint", stdout=out)
    return out.getvalue()


def tamper(sql: str, params: list | None = None) -> None:
    """Run SQL with the triggers off, as the database owner could."""
    maintenance.set_maintenance(connection, True)
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql, params or [])
    finally:
        maintenance.set_maintenance(connection, False)


def cut_tail(keep: int) -> None:
    """Delete every event after index `keep`, and rewind the head to match (it has no trigger)."""
    tamper("DELETE FROM audit_auditevent WHERE sequence > %s", [keep])
    last = AuditEvent.objects.get(sequence=keep)
    AuditChainHead.objects.filter(pk=1).update(sequence=keep, hash=last.hash)


def test_verify_reports_ok_with_the_number_of_events_on_an_intact_chain(chain):
    assert verify().strip() == f"OK: {EVENTS} events, chain intact."


def test_verify_reports_ok_on_an_empty_chain():
    assert verify().strip() == "OK: 0 events, chain intact."


@pytest.mark.parametrize("index", [1, 4, EVENTS])
def test_verify_names_the_index_of_an_event_whose_reason_was_changed(chain, index):
    tamper("UPDATE audit_auditevent SET reason = %s WHERE sequence = %s", ["edited", index])

    with pytest.raises(CommandError, match=rf"^BROKEN at index {index}: .*do not match its hash"):
        verify()


def test_verify_names_the_index_of_an_event_whose_time_was_changed(chain):
    tamper(
        "UPDATE audit_auditevent SET occurred_at = %s WHERE sequence = %s",
        [chain[2].occurred_at.replace(year=2020), 3],
    )

    with pytest.raises(CommandError, match=r"^BROKEN at index 3: "):
        verify()


@pytest.mark.parametrize("index", [1, 4, EVENTS - 1])
def test_verify_names_the_index_of_a_deleted_middle_event(chain, index):
    tamper("DELETE FROM audit_auditevent WHERE sequence = %s", [index])

    with pytest.raises(
        CommandError,
        match=rf"^BROKEN at index {index}: expected index {index} but found {index + 1}",
    ):
        verify()


def test_verify_names_the_first_of_two_swapped_events(chain):
    tamper("UPDATE audit_auditevent SET sequence = 1000 WHERE sequence = 3")
    tamper("UPDATE audit_auditevent SET sequence = 3 WHERE sequence = 6")
    tamper("UPDATE audit_auditevent SET sequence = 6 WHERE sequence = 1000")

    with pytest.raises(CommandError, match=r"^BROKEN at index 3: "):
        verify()


def test_verify_catches_a_cut_tail_by_the_head_alone(chain):
    tamper("DELETE FROM audit_auditevent WHERE sequence > %s", [EVENTS - 2])

    with pytest.raises(
        CommandError, match=rf"^BROKEN at index {EVENTS - 1}: .*its head records index {EVENTS}"
    ):
        verify()


def test_verify_catches_a_cut_tail_by_the_checkpoint_table_when_the_head_was_rewound(chain):
    assert checkpoint().strip() == f"Checkpoint written at index {EVENTS}."
    cut_tail(EVENTS - 3)

    with pytest.raises(CommandError) as caught:
        verify()

    message = str(caught.value)
    assert message.startswith(f"BROKEN at index {EVENTS - 2}: ")
    assert "the checkpoint table" in message
    assert f"records index {EVENTS}" in message


def test_verify_catches_a_cut_tail_by_the_checkpoint_file_when_the_table_was_emptied_too(
    chain, checkpoint_file, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        checkpoint()
    assert checkpoint_file.exists()
    tamper("DELETE FROM audit_auditcheckpoint")
    cut_tail(EVENTS - 3)
    assert not AuditCheckpoint.objects.exists()

    with pytest.raises(CommandError) as caught:
        verify()

    message = str(caught.value)
    assert message.startswith(f"BROKEN at index {EVENTS - 2}: ")
    assert str(checkpoint_file) in message
    assert "tail has been removed" in message


def test_a_cut_tail_with_every_checkpoint_gone_and_the_head_rewound_cannot_be_seen(chain):
    checkpoint()
    tamper("DELETE FROM audit_auditcheckpoint")
    cut_tail(EVENTS - 3)

    # Honest limit: with nothing kept outside the table, a shorter chain is a valid chain.
    assert verify().strip() == f"OK: {EVENTS - 3} events, chain intact."


def test_verify_uses_a_checkpoint_file_named_on_the_command_line(
    chain, checkpoint_file, tmp_path, settings, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        checkpoint()
    settings.PONT_AUDIT_CHECKPOINT_FILE = ""
    tamper("DELETE FROM audit_auditcheckpoint")
    cut_tail(EVENTS - 1)

    assert verify().startswith("OK")  # without the file there is nothing to compare with
    with pytest.raises(CommandError, match=rf"^BROKEN at index {EVENTS}: "):
        verify("--checkpoint-file", str(checkpoint_file))


def test_verify_refuses_a_checkpoint_file_line_signed_with_another_key(chain, checkpoint_file):
    head = AuditChainHead.objects.get(pk=1)
    stamp = "2026-03-27T10:00:00.000000+00:00"
    line = {
        "sequence": head.sequence,
        "hash": head.hash,
        "created_at": stamp,
        "signature": checkpoint_signature("not-the-key", head.sequence, head.hash, stamp),
    }
    checkpoint_file.write_text(json.dumps(line) + "\n", encoding="utf-8")

    with pytest.raises(CommandError, match=rf"^BROKEN at index {EVENTS}: .*invalid signature"):
        verify()


def test_verify_refuses_a_checkpoint_whose_hash_does_not_match_the_event(chain, checkpoint_file):
    stamp = "2026-03-27T10:00:00.000000+00:00"
    wrong = "a" * 64
    line = {
        "sequence": 5,
        "hash": wrong,
        "created_at": stamp,
        "signature": checkpoint_signature("test-checkpoint-key", 5, wrong, stamp),
    }
    checkpoint_file.write_text(json.dumps(line) + "\n", encoding="utf-8")

    with pytest.raises(CommandError, match=r"^BROKEN at index 5: .*does not match the checkpoint"):
        verify()


@pytest.mark.parametrize(
    "content",
    [
        "this is not json\n",
        '{"sequence": 3}\n',
        '{"sequence": "three", "hash": "x", "created_at": "x", "signature": "x"}\n',
    ],
)
def test_a_corrupt_checkpoint_file_gives_a_clear_error(chain, checkpoint_file, content):
    checkpoint_file.write_text(content, encoding="utf-8")

    with pytest.raises(CommandError) as caught:
        verify()

    message = str(caught.value)
    assert message.startswith("The checkpoint file cannot be read: ")
    assert f"{checkpoint_file}, line 1" in message


def test_a_corrupt_line_is_named_by_its_line_number(
    chain, checkpoint_file, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        checkpoint()
    with checkpoint_file.open("a", encoding="utf-8") as handle:
        handle.write("\n{truncated\n")

    with pytest.raises(CommandError, match=r", line 3: "):
        verify()


def test_a_missing_checkpoint_file_is_no_error(chain, checkpoint_file):
    assert not checkpoint_file.exists()

    assert verify().startswith(f"OK: {EVENTS} events")


def test_checkpoint_reports_the_index_it_wrote_and_then_that_nothing_is_new(chain):
    assert checkpoint().strip() == f"Checkpoint written at index {EVENTS}."
    assert checkpoint().strip() == "No new events since the last checkpoint."
    assert AuditCheckpoint.objects.count() == 1


def test_checkpoint_on_an_empty_chain_writes_nothing():
    assert checkpoint().strip() == "No new events since the last checkpoint."
    assert not AuditCheckpoint.objects.exists()


def test_verify_still_reports_ok_after_checkpoints_are_written(
    chain, checkpoint_file, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        checkpoint()
        with transaction.atomic():
            services.record(actor=None, operation=services.Operation.ERASURE)
        checkpoint()

    assert len(checkpoint_file.read_text(encoding="utf-8").splitlines()) == 2
    assert verify().strip() == f"OK: {EVENTS + 1} events, chain intact."


def test_events_committed_while_verify_walks_the_chain_are_walked_too(chain):
    """A busy system keeps writing during verify; that is not a broken chain."""
    from pont.audit.chain import verify_chain
    from pont.audit.selectors import _events_in_order

    holder: dict = {}
    walk = _events_in_order(holder)
    seen = [next(walk) for _ in range(EVENTS)]  # everything there was when verify started
    with transaction.atomic():
        services.record(actor=None, operation="consultation", subject=99)
    seen += list(walk)
    assert [row["sequence"] for row in seen] == list(range(1, EVENTS + 2))
    assert holder["head"][0] == EVENTS + 1
    assert verify_chain(seen, head=holder["head"]).ok
