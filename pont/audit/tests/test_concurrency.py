"""Concurrent writers extend one chain, never fork it (the chain-head lock, T18a).

PostgreSQL only: the suite's SQLite database lives in memory and cannot be
shared across threads, and SQLite serialises writers anyway.
"""

import pytest
from django.db import connection, transaction

from pont.audit import services
from pont.audit.models import GENESIS_HASH, AuditChainHead, AuditEvent
from pont.audit.selectors import audit_chain_verify
from pont.testing.concurrency import run_together

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

    def writer(number: int) -> None:
        for n in range(EVENTS_PER_THREAD):
            with transaction.atomic():
                services.record(
                    actor=None,
                    operation=services.Operation.COLLECTION,
                    subject=number,
                    detail={"thread": number, "n": n},
                )

    run_together(writer, THREADS)
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
