"""Reads recorded together (audit.record_read): the group commit of a process's reads.

The coordination is tested with a stand-in writer (no database, so on both databases);
the real chain under concurrent reads on PostgreSQL, whose test database threads share.
"""

import threading
import time

import pytest
from django.db import OperationalError, connection, transaction

from pont.audit import services
from pont.audit.models import GENESIS_HASH, AuditChainHead, AuditEvent
from pont.audit.selectors import audit_chain_verify
from pont.audit.services import PreparedEvents, ReadNotRecordedError, _GroupCommit
from pont.testing.concurrency import run_together

Operation = AuditEvent.Operation


def events(name: str, count: int = 1) -> PreparedEvents:
    """Stand-in prepared events: rows the stand-in writer can tell apart."""
    return PreparedEvents([{"read": name, "n": n} for n in range(count)])


def wait_until(condition, seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.001)


class Writer:
    """A stand-in for the transaction: takes the waiting reads (as the real one does once it
    holds the chain head's lock) and keeps each batch. Its first call can be held before
    the take (waiting for the lock) or after it (writing); chosen calls fail, before the
    take (`fail_before_take`) or after it (`fail_calls`)."""

    def __init__(
        self,
        *,
        hold_first: bool = False,
        hold_first_before_take: bool = False,
        fail_calls: tuple[int, ...] = (),
        fail_before_take: tuple[int, ...] = (),
    ) -> None:
        self.batches: list[list[str]] = []
        self.calls = 0
        self.release = threading.Event()
        self.started = threading.Event()
        self.hold_first = hold_first
        self.hold_first_before_take = hold_first_before_take
        self.fail_calls = fail_calls
        self.fail_before_take = fail_before_take

    def __call__(self, take) -> None:
        call = self.calls
        self.calls += 1
        self.started.set()
        if call == 0 and self.hold_first_before_take:
            assert self.release.wait(10)
        if call in self.fail_before_take:
            raise OperationalError("database is locked")
        rows = take()
        self.batches.append(sorted({row["read"] for row in rows}))
        if call == 0 and self.hold_first:
            assert self.release.wait(10)
        if call in self.fail_calls:
            raise OperationalError("disk I/O error")


def run_reads(group: _GroupCommit, names: list[str]) -> tuple[list[threading.Thread], dict]:
    outcome: dict[str, BaseException | None] = {}

    def read(name: str) -> None:
        try:
            group.record(events(name, 3))
            outcome[name] = None
        except BaseException as error:  # reported to the test
            outcome[name] = error

    threads = [threading.Thread(target=read, args=(name,)) for name in names]
    for thread in threads:
        thread.start()
    return threads, outcome


def test_reads_that_arrive_during_a_write_share_the_next_one():
    writer = Writer(hold_first=True)
    group = _GroupCommit(writer)
    first, outcome = run_reads(group, ["a"])
    assert writer.started.wait(10)  # "a" leads and its transaction is open
    others, more = run_reads(group, ["b", "c", "d"])
    wait_until(lambda: group.waiting() == 3)
    assert all(thread.is_alive() for thread in others)  # nothing returns before its write
    writer.release.set()
    for thread in first + others:
        thread.join(10)
    assert not any(thread.is_alive() for thread in first + others)
    assert {**outcome, **more} == {"a": None, "b": None, "c": None, "d": None}
    # Four reads, two transactions: each read's rows written once.
    assert writer.batches == [["a"], ["b", "c", "d"]]
    assert group.waiting() == 0


def test_reads_that_arrive_while_the_leader_waits_for_the_lock_share_its_transaction():
    writer = Writer(hold_first_before_take=True)
    group = _GroupCommit(writer)
    first, outcome = run_reads(group, ["a"])
    assert writer.started.wait(10)  # "a" leads and waits for the chain head's lock
    others, more = run_reads(group, ["b", "c"])
    wait_until(lambda: group.waiting() == 3)  # "a" itself is taken only with the lock
    assert all(thread.is_alive() for thread in first + others)
    writer.release.set()
    for thread in first + others:
        thread.join(10)
    assert not any(thread.is_alive() for thread in first + others)
    assert {**outcome, **more} == {"a": None, "b": None, "c": None}
    # Three reads, one transaction.
    assert writer.batches == [["a", "b", "c"]]
    assert group.waiting() == 0


def test_a_transaction_that_fails_before_it_takes_the_reads_fails_them_all():
    writer = Writer(hold_first_before_take=True, fail_before_take=(0,))
    group = _GroupCommit(writer)
    first, outcome = run_reads(group, ["a"])
    assert writer.started.wait(10)
    others, more = run_reads(group, ["b"])
    wait_until(lambda: group.waiting() == 2)
    writer.release.set()
    for thread in first + others:
        thread.join(10)
    assert writer.batches == []  # nothing was written
    assert isinstance(outcome["a"], OperationalError)
    assert type(outcome["a"]) is not ReadNotRecordedError  # the leader: its own error
    assert isinstance(more["b"], ReadNotRecordedError)
    assert str(more["b"].__cause__) == "database is locked"
    group.record(events("later"))
    assert writer.batches == [["later"]]
    assert group.waiting() == 0


def test_a_writer_that_takes_no_reads_fails_them_rather_than_pass_them_unwritten():
    group = _GroupCommit(lambda take: None)
    with pytest.raises(RuntimeError, match="took no reads"):
        group.record(events("lost"))
    assert group.waiting() == 0


def test_a_read_alone_is_written_at_once_and_its_events_are_spent():
    writer = Writer()
    group = _GroupCommit(writer)
    mine = events("solo", 2)
    group.record(mine)
    assert writer.batches == [["solo"]]
    assert mine.used


def test_a_failed_transaction_fails_every_read_in_it_and_the_next_read_still_leads():
    writer = Writer(hold_first=True, fail_calls=(1,))
    group = _GroupCommit(writer)
    first, outcome = run_reads(group, ["a"])
    assert writer.started.wait(10)
    others, failed = run_reads(group, ["b", "c"])
    wait_until(lambda: group.waiting() == 2)
    writer.release.set()
    for thread in first + others:
        thread.join(10)
    assert outcome == {"a": None}
    assert writer.batches == [["a"], ["b", "c"]]
    # The read that ran the failed transaction raises its error; the other, waiting on it,
    # is told its read was not recorded, an OperationalError (the API's 503, a page's 503).
    kinds = sorted(type(error).__name__ for error in failed.values())
    assert kinds == ["OperationalError", "ReadNotRecordedError"]
    assert all(isinstance(error, OperationalError) for error in failed.values())
    follower = next(e for e in failed.values() if isinstance(e, ReadNotRecordedError))
    assert str(follower.__cause__) == "disk I/O error"
    # Nothing is left holding the lead: the next read is written.
    group.record(events("later"))
    assert writer.batches[-1] == ["later"]


def test_prepared_events_are_recorded_once():
    group = _GroupCommit(Writer())
    mine = events("once")
    group.record(mine)
    with pytest.raises(ValueError, match="recorded already"):
        services.record_read(mine)


def test_inside_a_transaction_a_read_joins_it(db):
    """In a transaction (a service, a test) the events are the transaction's: rolled back
    with it."""
    before = AuditEvent.objects.count()
    seen = []

    def read_then_fail() -> None:
        with transaction.atomic():
            services.record_read([{"actor": None, "operation": Operation.CONSULTATION}])
            seen.append(AuditEvent.objects.count())
            raise RuntimeError("the read failed after recording")

    with pytest.raises(RuntimeError):
        read_then_fail()
    assert seen == [before + 1]
    assert AuditEvent.objects.count() == before


def test_outside_a_transaction_a_read_commits_before_it_returns(audit_flushable):
    AuditChainHead.objects.get_or_create(pk=1, defaults={"sequence": 0, "hash": GENESIS_HASH})
    assert not connection.in_atomic_block
    before = AuditEvent.objects.count()
    services.record_read(
        [
            {"actor": None, "operation": Operation.DISCLOSURE, "recipient": "x", "subject": n}
            for n in (1, 2)
        ]
    )
    assert AuditEvent.objects.count() == before + 2
    assert audit_chain_verify().ok


@pytest.mark.postgres_only
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL: the in-memory SQLite test database cannot be shared across threads",
)
def test_concurrent_reads_are_each_recorded_once_in_one_chain(audit_flushable):
    AuditChainHead.objects.get_or_create(pk=1, defaults={"sequence": 0, "hash": GENESIS_HASH})
    start = AuditChainHead.objects.get(pk=1).sequence
    threads_count, reads_each, events_each = 8, 15, 4

    def reader(number: int) -> None:
        for n in range(reads_each):
            services.record_read(
                [
                    {
                        "actor": None,
                        "operation": Operation.DISCLOSURE,
                        "subject": number,
                        "recipient": f"reader {number}",
                        "detail": {"read": n},
                    }
                    for _ in range(events_each)
                ]
            )

    run_together(reader, threads_count)
    for number in range(threads_count):
        written = AuditEvent.objects.filter(subject_person_id=number, sequence__gt=start)
        assert written.count() == reads_each * events_each
    total = threads_count * reads_each * events_each
    assert AuditChainHead.objects.get(pk=1).sequence == start + total
    result = audit_chain_verify()
    assert result.ok, result.describe()
