"""Concurrent writers extend one chain, never fork it (the chain-head lock, T18a).

PostgreSQL only: the suite's SQLite database lives in memory and cannot be
shared across threads, and SQLite serialises writers anyway.
"""

import threading

import pytest
from django.db import connection, connections, transaction

from pont.audit import services
from pont.audit.models import GENESIS_HASH, AuditChainHead, AuditEvent
from pont.audit.selectors import audit_chain_verify

THREADS = 8
EVENTS_PER_THREAD = 25

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL: the in-memory SQLite test database cannot be shared across "
        "threads (run with DATABASE_URL=postgres://...)",
    ),
]


def test_concurrent_writers_leave_one_gapless_chain_that_verifies(audit_flushable):
    # A transactional test before this one may have flushed the head row away.
    AuditChainHead.objects.get_or_create(pk=1, defaults={"sequence": 0, "hash": GENESIS_HASH})
    start = AuditChainHead.objects.get(pk=1).sequence
    assert AuditEvent.objects.count() == start
    barrier = threading.Barrier(THREADS)
    errors: list[BaseException] = []

    def writer(number: int) -> None:
        try:
            barrier.wait(timeout=30)  # start together, so the writers really contend
            for n in range(EVENTS_PER_THREAD):
                with transaction.atomic():
                    services.record(
                        actor=None,
                        operation=services.Operation.COLLECTION,
                        subject=number,
                        detail={"thread": number, "n": n},
                    )
        except BaseException as error:  # reported to the main thread below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert not any(thread.is_alive() for thread in threads), "a writer is stuck"
    assert errors == []
    total = THREADS * EVENTS_PER_THREAD
    sequences = list(
        AuditEvent.objects.filter(sequence__gt=start)
        .order_by("sequence")
        .values_list("sequence", flat=True)
    )
    assert sequences == list(range(start + 1, start + total + 1))
    for number in range(THREADS):
        written = AuditEvent.objects.filter(subject_person_id=number, sequence__gt=start)
        assert written.count() == EVENTS_PER_THREAD
    assert AuditChainHead.objects.get(pk=1).sequence == start + total
    result = audit_chain_verify()
    assert result.ok, result.describe()
    assert result.checked == start + total
